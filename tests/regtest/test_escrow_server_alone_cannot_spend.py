"""Scenario: the server alone cannot spend. With everything the server holds (every database
row, the decrypted marketplace key, the environment) its best attempts fail: the stored
release PSBT signed by the marketplace can't be finalised, a self-made transaction paying the
operator carrying the marketplace's signature (once or twice) is rejected by the node, and
the marketplace-signed PSBT doesn't pass as the buyer's. No buyer or seller private key
material is stored anywhere; the coins stay in escrow."""

from __future__ import annotations

import os
import re

import pytest
from django.db import connection
from embit.script import Witness

from cryptoshop.btc import escrow as btc_escrow
from cryptoshop.btc.errors import PSBTError
from cryptoshop.btc.keys import root_from_mnemonic
from cryptoshop.btc.networks import REGTEST
from cryptoshop.btc.psbt import TxOutput, finalize_psbt, parse_psbt, serialize_psbt
from cryptoshop.chain.errors import ChainError
from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.conversations.models import Message
from cryptoshop.core.errors import Conflict, ValidationFailed
from cryptoshop.escrow import disputes, keys, planning, signing, spends
from cryptoshop.escrow.models import EscrowKey, Spend
from tests.regtest.node_steps import escrow_settings, log, open_escrow_shop, party_key, rpc_settings

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]
EXTENDED_PRIVATE = re.compile(r"[xt]prv[1-9A-HJ-NP-Za-km-z]{100,}")


def test_marketplace_key_and_database_cannot_move_the_coins(btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node), escrow_settings():
        log.info("Buyer pays 200 000 sat into a 2-of-3 escrow and it confirms")
        shop = open_escrow_shop(btcd_node, price_sat=200_000)
        log.info("Buyer asks for a release; then opens a dispute and the seller answers")
        spend = spends.do_release(shop.escrow, shop.buyer)  # the buyer asked; nobody signed yet
        disputes.do_open_dispute(shop.escrow, shop.buyer, "Second thoughts about this order.")
        disputes.do_add_message(shop.escrow, shop.seller, "It's on its way, tracking 123.")
        # What the server holds: the rows and the decrypted cosigner.
        log.info("The server co-signs with the marketplace key alone: one signature, not final")
        stored = Spend.objects.get(pk=spend.pk)
        esc, plan = planning.escrow_script(shop.escrow), planning.plan_from_json(stored.plan)
        market_root = keys.marketplace_signer(keys.marketplace_key(shop.escrow.network))
        psbt = parse_psbt(stored.psbt)
        assert btc_escrow.sign_psbt(esc, psbt, plan, market_root) == 1
        with pytest.raises(PSBTError, match="missing signatures"):
            finalize_psbt(psbt)
        market_signed = serialize_psbt(psbt)
        # A transaction of the operator's own making, everything to the fee wallet.
        log.info("The operator builds its own transaction to the fee wallet and signs it")
        fee_spk = bytes.fromhex(stored.plan["outputs"][-1]["script"])
        funded = shop.escrow.funded_sat
        rogue_plan = btc_escrow.SpendPlan(plan.inputs, (TxOutput(fee_spk, funded - 500),), 500)
        rogue = btc_escrow.create_psbt(esc, rogue_plan)
        btc_escrow.sign_psbt(esc, rogue, rogue_plan, market_root)
        [sig] = rogue.inputs[0].partial_sigs.values()
        script = bytes(rogue.inputs[0].witness_script.data)
        log.info("Neither a one- nor a repeated-signature witness is accepted by the node")
        for stack in ([b"", sig, script], [b"", sig, sig, script]):
            tx = rogue.tx
            tx.vin[0].witness = Witness(stack)
            raw = tx.serialize().hex()
            assert not btcd_node.rpc.test_mempool_accept(raw).allowed
            with pytest.raises(ChainError):
                btcd_node.rpc.broadcast(raw)
        # Through the shop's own paths: no party signature, no spend.
        log.info("Through the shop's own paths: no party signature, no spend")
        with pytest.raises(ValidationFailed, match="Upload the signed PSBT"):
            signing.do_sign(signing.check_sign(shop.escrow, shop.buyer))
        for text in (stored.psbt, market_signed):
            with pytest.raises(ValidationFailed, match="not signed by the buyer"):
                signing.do_sign(signing.check_sign(shop.escrow, shop.buyer, psbt_text=text))
        with pytest.raises(Conflict, match="needs the buyer's signature"):
            signing.do_sign(signing.check_sign(shop.escrow, shop.seller, psbt_text=market_signed))
        stored.refresh_from_db()
        assert stored.status == "awaiting" and not stored.txid
        log.info("A block later the escrow is still disputed and its coins unspent")
        shop.mine(1)
        shop.poll()
        assert shop.escrow.status == "disputed"
        outpoint = plan.inputs[0].outpoint
        assert btcd_node.rpc.call("gettxout", outpoint.txid, outpoint.vout) is not None

        # Only public keys of the parties are stored, on the rows as the ORM reads them…
        log.info("Only public keys are stored: no phrase or private key in any table")
        for key in EscrowKey.objects.all():
            assert "prv" not in key.expression and not key.backup
            btc_escrow.parse_escrow_key("buyer", key.expression, REGTEST)
        for model in (EscrowKey, type(shop.escrow), Spend, type(stored.escrow.dispute)):
            for row in model.objects.values():
                assert not any("prv" in str(v) for k, v in row.items() if k != "psbt")
        messages = [m.body for m in Message.objects.filter(thread__order=stored.escrow.order)]
        assert messages == ["It's on its way, tracking 123."]
        # …and nowhere in any table's raw values (nor the environment): no phrase, no
        # extended private key, no private key bytes (in a PSBT's bytes either).
        secrets: list[bytes] = [market_root.key.secret, market_root.to_base58().encode()]
        for phrase, role in ((shop.buyer_phrase, "buyer"), (shop.seller_phrase, "seller")):
            root = root_from_mnemonic(phrase, REGTEST)
            secrets += [phrase.encode(), root.to_base58().encode(), root.key.secret,
                        party_key(phrase, shop.escrow, role).secret]
        values: list[str] = list(os.environ.values())
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from the DB
                values += [str(v) for row in cursor.fetchall() for v in row if v is not None]
        assert stored.psbt in values and shop.escrow.address in values  # the scan saw them
        for value in values:
            assert not EXTENDED_PRIVATE.search(value), value[:40]
            blobs = [value.encode()]
            if value.startswith("cHNidP"):  # a base64 PSBT
                blobs.append(parse_psbt(value).serialize())
            for secret in secrets:
                assert not any(secret in blob or secret.hex().encode() in blob
                               for blob in blobs)
