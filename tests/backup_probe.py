"""Run inside a restored shop (its own process, var dir and database; tests/backup_steps.py
starts it): co-sign the buyer's release of an escrow opened before the backup (the buyer's
signed PSBT, or their phrase), check the marketplace's new signature against the escrow's
2-of-3 script, and read back what only the restored data keys can decrypt. Prints one
JSON object.

    python -m tests.backup_probe '{"escrow": …, "spend": …, "psbt" or "phrase": …,
                                   "listing": … (optional: its digital file is read)}'
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import django


def probe(args: dict[str, Any]) -> dict[str, Any]:
    # Imported once Django is set up (models need the app registry).
    from cryptoshop.btc import escrow as btc_escrow
    from cryptoshop.btc.psbt import parse_psbt
    from cryptoshop.catalog.actions import read_digital_file
    from cryptoshop.catalog.models import Listing
    from cryptoshop.escrow.models import Escrow, Spend
    from cryptoshop.escrow.planning import escrow_script, plan_from_json
    from cryptoshop.escrow.signing import check_sign, do_sign

    escrow = Escrow.objects.select_related("order", "order__buyer").get(
        public_id=args["escrow"])
    spend = Spend.objects.get(pk=args["spend"])
    done = do_sign(check_sign(escrow, escrow.order.buyer, spend=spend,
                              psbt_text=args.get("psbt", ""), phrase=args.get("phrase", "")))
    signed = parse_psbt(done.psbt)
    # Raises unless every input carries a valid SIGHASH_ALL signature by the
    # marketplace's key of this escrow's script.
    btc_escrow.check_signed_by(escrow_script(escrow), signed, plan_from_json(done.plan),
                               "marketplace")
    market = {k.role: k for k in escrow_script(escrow).keys}["marketplace"]
    index = plan_from_json(done.plan).inputs[0].index
    book = Listing.objects.filter(public_id=args.get("listing", "")).first()
    return {
        "status": done.status,
        "txid": done.txid,
        "raw_tx": done.raw_tx,
        "marketplace_pubkey": market.pubkey(index).sec().hex(),
        "signers": sorted(k.sec().hex() for k in signed.inputs[0].partial_sigs),
        "shipping_address": escrow.order.shipping_address,
        "digital_file": read_digital_file(book).decode() if book else None,
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    print(json.dumps(probe(json.loads(sys.argv[1]))))


if __name__ == "__main__":
    main()
