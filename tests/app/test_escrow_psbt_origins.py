"""Item 14: the prepared PSBT lets the seller's wallet recognise its payout — the payout
output carries its BIP32 derivation from the store's payout descriptor — and names the
three cosigners' xpubs (PSBT_GLOBAL_XPUB)."""

from __future__ import annotations

from typing import Any

import pytest

from cryptoshop.btc import escrow as btc_escrow
from cryptoshop.btc.keys import derive, root_from_mnemonic
from cryptoshop.btc.networks import REGTEST
from cryptoshop.btc.psbt import Outpoint
from cryptoshop.escrow import planning
from cryptoshop.escrow.models import Escrow
from tests.factories import SELLER_MNEMONIC
from tests.factories import open_escrow as escrow_row

pytestmark = pytest.mark.django_db


def test_payout_output_carries_the_sellers_derivation(trio: tuple[Any, ...]) -> None:
    _buyer, _owner, _stranger, order = trio
    escrow = escrow_row(order, Escrow.Status.FUNDED)
    payout_spk = planning.payout_script(escrow)
    inputs = [btc_escrow.EscrowInput(Outpoint("ab" * 32, 0), 50_000, escrow.index)]
    plan = btc_escrow.plan_spend(inputs, [], payout_spk, 2)
    psbt = btc_escrow.create_psbt(planning.escrow_script(escrow), plan,
                                  output_keys=planning.output_keys(escrow, plan))
    assert len(psbt.xpubs) == 3
    ((pub, der),) = psbt.outputs[0].bip32_derivations.items()
    root = root_from_mnemonic(SELLER_MNEMONIC, REGTEST)
    path = list(der.derivation)
    assert bytes(der.fingerprint) == bytes(root.my_fingerprint)
    assert derive(root, path).get_public_key() == pub
    assert path[:1] == [84 + 2**31] and path[-2] == 0
