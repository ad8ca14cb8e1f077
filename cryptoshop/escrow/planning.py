"""Planning a spend: the network fee rate, the marketplace fee, the payout and fee
addresses, and the exact transaction (inputs, outputs, fee) over the escrow's confirmed
coins, stored as JSON on the Spend. Amounts are integer sats throughout."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.db import transaction

from cryptoshop.btc import escrow as btc_escrow
from cryptoshop.btc.addresses import address_to_script_pubkey, script_pubkey_to_address
from cryptoshop.btc.descriptors import parse_wallet_descriptor
from cryptoshop.btc.errors import BitcoinError
from cryptoshop.btc.escrow import Escrow as EscrowScript
from cryptoshop.btc.psbt import KeyOrigin, Outpoint, TxOutput, dust_limit, fee_for_vsize
from cryptoshop.chain import configured
from cryptoshop.chain.netstats import PayoutRate, payout_fee_rate
from cryptoshop.core.errors import Conflict
from cryptoshop.escrow.models import Escrow, EscrowCounter, Spend
from cryptoshop.payments.addresses import take_slot
from cryptoshop.payments.models import AddressSlot, Payment, PaymentSettings


def escrow_script(escrow: Escrow) -> EscrowScript:
    """The escrow's 2-of-3 script (keys, descriptor, addresses) from its stored keys."""
    return btc_escrow.make_escrow(escrow.buyer_key, escrow.seller_key, escrow.marketplace_key,
                                  escrow.network)


def next_index(name: str) -> int:
    """The next index of the named counter (escrow addresses, fee addresses)."""
    with transaction.atomic():
        counter, _ = EscrowCounter.objects.select_for_update().get_or_create(name=name)
        index = counter.next_index
        counter.next_index = index + 1
        counter.save(update_fields=["next_index"])
    return index


def utxo_payments(escrow: Escrow) -> list[Payment]:
    """The escrow's confirmed coins: what a spend takes as inputs."""
    return list(Payment.objects.filter(
        invoice__order_id=escrow.order_id, invoice__script_pubkey=escrow.script_pubkey,
        state=Payment.State.CONFIRMED).order_by("txid", "vout"))


def marketplace_fee_sat(escrow: Escrow, base_sat: int) -> int:
    """Percent of ``base_sat`` (rounded up) with the minimum; 0 without a fee wallet."""
    if not escrow.fee_wallet or base_sat <= 0:
        return 0
    fee_sat = -(-base_sat * escrow.fee_bps // 10_000)
    return max(fee_sat, escrow.fee_min_sat)


def fee_percent(escrow: Escrow) -> str:
    """The escrow's marketplace fee as a percent with two decimals, e.g. "1.50"."""
    return f"{escrow.fee_bps // 100}.{escrow.fee_bps % 100:02d}"


def _address_once(escrow: Escrow, field: str, take: Callable[[], str]) -> bytes:
    """The escrow's payout or fee address: ``take()`` runs only the first time (a
    conditional UPDATE, so two planners at once keep one address) and is then reused."""
    if not getattr(escrow, field):
        Escrow.objects.filter(pk=escrow.pk, **{field: ""}).update(**{field: take()})
        escrow.refresh_from_db(fields=[field])
    return address_to_script_pubkey(getattr(escrow, field), escrow.network)


def _fee_script(escrow: Escrow) -> bytes:
    """The operator's next fee address, taken once per escrow when a payout with a fee is
    first planned (not per order: unpaid orders would leave gaps past the wallet's gap
    limit, and the operator's wallet would stop seeing its fees)."""

    def take() -> str:
        wallet = parse_wallet_descriptor(escrow.fee_wallet, escrow.network)
        digest = hashlib.sha256(escrow.fee_wallet.encode()).hexdigest()[:32]
        return wallet.address(next_index(f"fee:{escrow.network}:{digest}"))

    return _address_once(escrow, "fee_address", take)


def payout_script(escrow: Escrow) -> bytes:
    """The seller's payout address: a fresh receive address of the store's wallet, taken
    once per escrow and marked used so no invoice is ever handed it."""

    def take() -> str:
        slot = take_slot(PaymentSettings.objects.get(store=escrow.order.store))
        AddressSlot.objects.filter(pk=slot.pk).update(state=AddressSlot.State.USED)
        return slot.address

    return _address_once(escrow, "payout_address", take)


def output_keys(escrow: Escrow, plan: btc_escrow.SpendPlan) -> dict[int, KeyOrigin]:
    """The derivation of each output that pays a party's own wallet, for the PSBT: the
    seller's payout (a receive address of the store's payout descriptor), so their wallet
    recognises it. Kept only when the derived key really pays that output. The buyer's
    refund address is theirs to know; the fee wallet's index is not kept."""
    slot = (AddressSlot.objects.select_related("settings")
            .filter(settings__store=escrow.order.store, address=escrow.payout_address).first()
            if escrow.payout_address else None)
    if slot is None:
        return {}
    wallet = parse_wallet_descriptor(slot.settings.descriptor, escrow.network)
    origin = wallet.output_key(slot.index)
    spk = wallet.script_pubkey(slot.index)
    return {n: origin for n, out in enumerate(plan.outputs)
            if origin is not None and out.script_pubkey == spk}


def _prev_tx(txid: str) -> bytes | None:
    """The funding transaction, so hardware wallets can check input amounts (they refuse
    segwit v0 inputs without it)."""
    try:
        return configured.backend().get_raw_transaction(txid)
    except Exception:
        return None


def plan_for(escrow: Escrow, kind: str,
             buyer_percent: int | None = None) -> tuple[btc_escrow.SpendPlan, PayoutRate]:
    """The exact transaction for ``kind`` over the escrow's confirmed coins, and the fee
    rate (sat/vB, with its source) it was planned at."""
    payments = utxo_payments(escrow)
    if not payments:
        raise Conflict("The escrow holds no confirmed coins yet.")
    inputs = [btc_escrow.EscrowInput(Outpoint(p.txid, p.vout), p.value_sat, escrow.index,
                                     _prev_tx(p.txid)) for p in payments]
    rate = payout_fee_rate()
    rate_sat_vb = rate.sat_vb
    buyer_spk = address_to_script_pubkey(escrow.refund_address, escrow.network)
    if kind == Spend.Kind.REFUND or (kind == Spend.Kind.SPLIT and buyer_percent == 100):
        try:
            return btc_escrow.plan_spend(inputs, [], buyer_spk, rate_sat_vb), rate
        except BitcoinError as exc:
            raise Conflict(f"Cannot refund: {exc}") from exc
    percent = (0 if kind in (Spend.Kind.RELEASE, Spend.Kind.AUTO_RELEASE)
               else int(buyer_percent or 0))
    return _plan_payout(escrow, inputs, buyer_spk, percent, rate_sat_vb), rate


def _plan_payout(escrow: Escrow, inputs: list[btc_escrow.EscrowInput], buyer_spk: bytes,
                 percent: int, rate_sat_vb: int) -> btc_escrow.SpendPlan:
    """Release or split: ``percent`` of what is left after the network fee to the buyer,
    the rest to the seller less the marketplace fee. A share below the dust limit goes to
    the other side rather than making an unspendable output."""
    total_sat = sum(i.value_sat for i in inputs)
    seller_spk = payout_script(escrow)
    fee_spk = _fee_script(escrow) if escrow.fee_wallet else None
    scripts = [s for s in (buyer_spk if percent else None, seller_spk, fee_spk) if s]
    network_fee_sat = fee_for_vsize(btc_escrow.estimate_spend_vsize(len(inputs), scripts),
                                    rate_sat_vb)
    distributable_sat = total_sat - network_fee_sat
    buyer_sat = distributable_sat * percent // 100
    seller_gross_sat = distributable_sat - buyer_sat
    fee_sat = marketplace_fee_sat(escrow, seller_gross_sat)
    seller_sat = seller_gross_sat - fee_sat
    if fee_spk is not None and 0 < fee_sat < dust_limit(fee_spk):
        fee_sat, seller_sat = 0, seller_gross_sat
    if seller_sat < dust_limit(seller_spk):
        if percent == 0:
            raise Conflict(f"The escrow is too small to pay out: {seller_sat} sat would be "
                           "left for the seller after fees.")
        buyer_sat, seller_sat, fee_sat = buyer_sat + seller_sat + fee_sat, 0, 0
    if 0 < buyer_sat < dust_limit(buyer_spk):
        seller_sat, buyer_sat = seller_sat + buyer_sat, 0
    outputs = []
    if buyer_sat:
        outputs.append(TxOutput(buyer_spk, buyer_sat))
    if seller_sat:
        outputs.append(TxOutput(seller_spk, seller_sat))
    if fee_sat and fee_spk is not None:
        outputs.append(TxOutput(fee_spk, fee_sat))
    return btc_escrow.SpendPlan(tuple(inputs), tuple(outputs),
                                total_sat - sum(o.value_sat for o in outputs))


def plan_to_json(plan: btc_escrow.SpendPlan, network: str) -> dict[str, Any]:
    """The plan as stored in ``Spend.plan``."""
    return {
        "inputs": [{"txid": i.outpoint.txid, "vout": i.outpoint.vout,
                    "value_sat": i.value_sat, "index": i.index} for i in plan.inputs],
        "outputs": [{"script": o.script_pubkey.hex(), "value_sat": o.value_sat,
                     "address": script_pubkey_to_address(o.script_pubkey, network)}
                    for o in plan.outputs],
        "fee_sat": plan.fee_sat,
    }


def plan_from_json(data: dict[str, Any]) -> btc_escrow.SpendPlan:
    # The previous transactions are not needed to verify: witness_utxo values are checked
    # against the plan, and any non_witness_utxo must agree with them (input_values).
    inputs = tuple(btc_escrow.EscrowInput(Outpoint(i["txid"], int(i["vout"])),
                                          int(i["value_sat"]), int(i["index"]))
                   for i in data["inputs"])
    outputs = tuple(TxOutput(bytes.fromhex(o["script"]), int(o["value_sat"]))
                    for o in data["outputs"])
    return btc_escrow.SpendPlan(inputs, outputs, int(data["fee_sat"]))


def output_shares(escrow: Escrow, plan_json: dict[str, Any]) -> dict[str, int]:
    """The plan's outputs by party (the escrow's payout, fee and refund addresses are set
    before or during planning), for Spend.seller_sat, buyer_sat and marketplace_fee_sat."""
    by_address = {escrow.payout_address: "seller_sat", escrow.fee_address: "marketplace_fee_sat",
                  escrow.refund_address: "buyer_sat"}
    shares = {"seller_sat": 0, "buyer_sat": 0, "marketplace_fee_sat": 0}
    for out in plan_json["outputs"]:
        party = by_address.get(out["address"]) if out["address"] else None
        if party:
            shares[party] += int(out["value_sat"])
    return shares


def outputs_out(spend: Spend) -> list[dict[str, Any]]:
    """The spend's outputs as the API and the browser wallet show them (camelCase)."""
    return [{"address": o["address"], "valueSat": o["value_sat"]}
            for o in spend.plan["outputs"]]


def describe_outputs(spend: Spend) -> str:
    return ", ".join(f"{o['value_sat']} sat to {o['address']}" for o in spend.plan["outputs"])
