"""A cosigner's account key from what wallets export: a ``[fp/path]xpub`` (any SLIP-132
header, ``'``/``h``/``H`` hardened markers), a descriptor holding that one key, an Electrum
wallet file, a Coldcard/Sparrow multisig export (``p2wsh``/``p2wsh_deriv``/``xfp``) or a
BSMS (BIP129) key record. The result is one canonical expression in BIP-380 syntax:
``[fingerprint/48h/1h/0h/2h]tpub…`` (or a bare tpub/xpub when no origin was given).
"""

from __future__ import annotations

import json
import re
from typing import Any

from .errors import DescriptorError
from .escrow import parse_escrow_key
from .networks import Network

MAX_EXPORT_CHARS = 20_000
# An extended key, optionally preceded by its origin: [fp/48'/1'/0'/2']Vpub…
_KEY = re.compile(
    r"(\[[0-9A-Fa-f]{8}(?:/[0-9]{1,10}['hH]?)*\])?"
    r"([xyzXYZtuvTUV](?:pub|prv)[1-9A-HJ-NP-Za-km-z]{107})"  # 78 bytes: 111 chars
)


def cosigner_expression(text: str, network: Network | str) -> str:
    """The canonical ``[fp/path]xpub`` for the one account key in ``text``."""
    if not isinstance(text, str) or not text.strip():
        raise DescriptorError("paste your wallet's multisig account key")
    if len(text) > MAX_EXPORT_CHARS:
        raise DescriptorError("that is too long for an account key or a wallet export")
    stripped = text.strip()
    candidate = _from_json(stripped) if stripped.startswith("{") else _from_text(stripped)
    key = parse_escrow_key("buyer", candidate, network)  # the role only labels the key
    return key.account_expression if candidate.startswith("[") else key.xpub


def _from_text(text: str) -> str:
    compact = "".join(text.split())  # wallets wrap long lines; whitespace never matters
    found = _KEY.findall(compact)
    if not found:
        return compact  # let the key parser explain what is wrong with it
    if any(key[1:4] == "prv" for _, key in found):
        raise DescriptorError(
            "this holds a PRIVATE key; never share it. Export the public key instead"
        )
    unique = list(dict.fromkeys(origin + key for origin, key in found))
    if len(unique) > 1:
        raise DescriptorError(
            f"this holds {len(unique)} keys; paste only yours: [fingerprint/path]xpub "
            "(for example from your wallet's keystore or cosigner export)"
        )
    return str(unique[0])


def _from_json(text: str) -> str:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise DescriptorError("this looks like a wallet export but is not valid JSON") from exc
    if not isinstance(data, dict):
        raise DescriptorError("unknown wallet export format")
    if isinstance(data.get("p2wsh"), str):  # Coldcard / Sparrow multisig cosigner export
        return _origin(data.get("xfp"), data.get("p2wsh_deriv")) + str(data["p2wsh"])
    stores = [v for k, v in data.items() if k == "keystore" or re.fullmatch(r"x\d+/", k)]
    stores = [s for s in stores if isinstance(s, dict)]
    if not stores:
        raise DescriptorError(
            "unknown wallet export: expected an Electrum wallet file, a Coldcard/Sparrow "
            "multisig export (p2wsh) or a key"
        )
    if any(s.get("xprv") for s in stores):
        raise DescriptorError(
            "this wallet file holds a PRIVATE key; never share it. Paste the master public "
            "key (Vpub/Zpub) from Wallet → Information instead"
        )
    if len(stores) > 1:
        raise DescriptorError(f"this wallet file holds {len(stores)} keys; paste only yours")
    store = stores[0]
    xpub = store.get("xpub")
    if not isinstance(xpub, str):
        raise DescriptorError("the wallet file's keystore has no xpub")
    return _origin(store.get("root_fingerprint"), store.get("derivation")) + xpub


def _origin(fingerprint: Any, derivation: Any) -> str:
    if not isinstance(fingerprint, str) or not isinstance(derivation, str):
        return ""
    path = derivation.strip().removeprefix("m").strip("/")
    return f"[{fingerprint.strip().lower()}" + (f"/{path}" if path else "") + "]"
