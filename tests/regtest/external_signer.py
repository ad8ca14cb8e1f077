"""A stand-in for the buyer's own wallet (Sparrow, a hardware wallet…), run as a separate
process by node_steps.wallet_signs (the external-wallet and recovery scenarios): it knows the phrase (read from stdin) and the PSBT
file, and nothing of the shop: it imports embit only, never Django or cryptoshop.

    python external_signer.py IN.psbt OUT.psbt  < phrase

Signs (SIGHASH_ALL) every input listing a BIP32 derivation from its master fingerprint, after
checking the derived key is the one listed, and writes the signed PSBT as raw bytes.
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path

from embit import bip39
from embit.bip32 import HDKey
from embit.psbt import PSBT
from embit.transaction import SIGHASH


def sign(psbt: PSBT, root: HDKey) -> int:
    fingerprint = bytes(root.my_fingerprint)
    added = 0
    for n, inp in enumerate(psbt.inputs):
        for pub, origin in inp.bip32_derivations.items():
            if bytes(origin.fingerprint) != fingerprint:
                continue
            child = root.derive(origin.derivation)
            if child.get_public_key() != pub:
                raise SystemExit(f"input {n}: our derivation does not give the listed key")
            sig = child.key.sign(psbt.sighash(n, sighash=SIGHASH.ALL))
            inp.partial_sigs[pub] = bytes(sig.serialize()) + bytes([SIGHASH.ALL])
            added += 1
    return added


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    source, target = Path(argv[1]), Path(argv[2])
    phrase = sys.stdin.readline().strip()
    data = source.read_bytes()
    psbt = PSBT.parse(data if data.startswith(b"psbt\xff") else base64.b64decode(data))
    root = HDKey.from_seed(bip39.mnemonic_to_seed(phrase))
    del phrase
    added = sign(psbt, root)
    if added == 0:
        print("no input of this PSBT is ours", file=sys.stderr)
        return 1
    shop_modules = [m for m in sys.modules if m.split(".")[0] in ("django", "cryptoshop")]
    if shop_modules:
        print(f"the wallet must not load the shop: {shop_modules[:3]}", file=sys.stderr)
        return 3
    target.write_bytes(bytes(psbt.serialize()))
    fee = psbt.fee()
    print(f"signed {added} input(s); {len(psbt.outputs)} output(s); fee {fee} sat")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
