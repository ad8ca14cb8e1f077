"""PSBT (BIP174) plumbing shared by escrow and the regtest harness.

Parsing, serialising, fee and vsize in sats, combining, finalising, extracting, and a
single-key P2WPKH spend. Signing here always targets an explicit key and input set: we
never call embit's ``sign_with``, which signs anything whose fingerprint matches.
"""

from __future__ import annotations

import base64
import binascii
import copy
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from embit import compact, ec
from embit import script as escript
from embit.bip32 import HDKey
from embit.finalizer import finalize_psbt as _embit_finalize
from embit.psbt import PSBT, DerivationPath
from embit.script import Script
from embit.transaction import SIGHASH, Transaction, TransactionInput, TransactionOutput

from .addresses import witness_program
from .amounts import MAX_MONEY_SAT, sats
from .errors import BitcoinError, PSBTError, SigningRefused

_MAX_PSBT_BYTES = 1_000_000


@dataclass(frozen=True, order=True)
class Outpoint:
    txid: str  # hex, display (RPC) byte order
    vout: int

    def __post_init__(self) -> None:
        if not isinstance(self.txid, str) or len(self.txid) != 64:
            raise PSBTError("txid must be 64 hex characters")
        try:
            bytes.fromhex(self.txid)
        except ValueError as exc:
            raise PSBTError("txid must be hex") from exc
        if isinstance(self.vout, bool) or not isinstance(self.vout, int):
            raise PSBTError("vout must be an integer")
        if not 0 <= self.vout <= 0xFFFFFFFF:
            raise PSBTError("vout out of range")

    def __str__(self) -> str:
        return f"{self.txid}:{self.vout}"


@dataclass(frozen=True)
class TxOutput:
    script_pubkey: bytes
    value_sat: int

    def __post_init__(self) -> None:
        sats(self.value_sat)


_HEX_MAGIC = b"psbt\xff".hex()
HEX_REFUSED = ("hex is not supported: give the PSBT as base64 text or as the binary .psbt "
               "file")


def parse_psbt(data: str | bytes) -> PSBT:
    """Parse a PSBT from base64 text or raw bytes (``psbt\\xff`` magic); bytes without the
    magic are read as base64 text (a ``.psbt`` file some wallets save as text). Hex is
    refused by name."""
    if isinstance(data, bytes | bytearray) and not bytes(data).startswith(b"psbt\xff"):
        try:
            data = bytes(data).decode("ascii")
        except UnicodeDecodeError as exc:
            raise PSBTError("not a PSBT (missing magic bytes)") from exc
    if isinstance(data, str):
        text = "".join(data.split())
        if text[:10].lower() == _HEX_MAGIC:
            raise PSBTError(HEX_REFUSED)
        if len(text) > _MAX_PSBT_BYTES * 2:
            raise PSBTError("PSBT is too large")
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise PSBTError("PSBT is not valid base64") from exc
    elif isinstance(data, bytes | bytearray):
        raw = bytes(data)
    else:
        raise PSBTError("a PSBT is base64 text or bytes")
    if len(raw) > _MAX_PSBT_BYTES:
        raise PSBTError("PSBT is too large")
    if not raw.startswith(b"psbt\xff"):
        raise PSBTError("not a PSBT (missing magic bytes)")
    try:
        psbt = PSBT.parse(raw)
        _check_unsigned_tx(raw)
    except PSBTError:
        raise
    except Exception as exc:  # embit raises its own errors, ValueError, IndexError…
        raise PSBTError(f"malformed PSBT: {exc}") from exc
    if psbt.version not in (None, 0):
        raise PSBTError("only PSBT version 0 is supported")
    return psbt


def _check_unsigned_tx(raw: bytes) -> None:
    """BIP174: the global unsigned transaction must have empty scriptSigs and witnesses
    (embit drops them silently, so a signed-looking tx would slip through)."""
    stream = io.BytesIO(raw[5:])
    key = stream.read(int(compact.read_from(stream)))
    value = stream.read(int(compact.read_from(stream)))
    if key != b"\x00":
        raise PSBTError("PSBT does not start with the unsigned transaction")
    unsigned = Transaction.parse(value)
    for i, vin in enumerate(unsigned.vin):
        if vin.script_sig.data or vin.is_segwit:
            raise PSBTError(f"unsigned transaction input {i} has a scriptSig or witness")


def serialize_psbt(psbt: PSBT) -> str:
    return str(psbt.to_string())


def copy_psbt(psbt: PSBT) -> PSBT:
    """A deep, independent copy (serialise/parse: what a hand-off between parties is)."""
    return parse_psbt(bytes(psbt.serialize()))


def input_values(psbt: PSBT) -> list[int]:
    values: list[int] = []
    for i, inp in enumerate(psbt.inputs):
        if inp.witness_utxo is None and inp.non_witness_utxo is None:
            raise PSBTError(f"input {i} has no UTXO information; fee cannot be checked")
        if inp.non_witness_utxo is not None:
            prev = inp.non_witness_utxo
            if bytes(prev.txid()) != bytes(inp.txid):
                raise PSBTError(f"input {i}: non_witness_utxo does not match the outpoint")
            if inp.vout >= len(prev.vout):
                raise PSBTError(f"input {i}: outpoint index beyond the previous tx")
            full = prev.vout[inp.vout]
            if inp.witness_utxo is not None and (
                int(full.value) != int(inp.witness_utxo.value)
                or full.script_pubkey != inp.witness_utxo.script_pubkey
            ):
                # The segwit fee attack: a lying witness_utxo under-states the input.
                raise PSBTError(f"input {i}: witness_utxo disagrees with the previous tx")
            values.append(int(full.value))
        else:
            values.append(int(inp.witness_utxo.value))
    return values


def psbt_fee(psbt: PSBT) -> int:
    """Fee in sats (inputs - outputs); refuses negative or over-supply values."""
    total_in_sat = sum(input_values(psbt))
    total_out_sat = sum(int(out.value) for out in psbt.tx.vout)
    if total_in_sat > MAX_MONEY_SAT or total_out_sat > MAX_MONEY_SAT:
        raise PSBTError("amounts exceed the money supply")
    fee_sat = total_in_sat - total_out_sat
    if fee_sat < 0:
        raise PSBTError("outputs exceed inputs")
    return fee_sat


def tx_vsize(tx: Transaction) -> int:
    """Virtual size (BIP141): ceil(weight / 4), weight = 3·base + total."""
    total = len(tx.serialize())
    stripped = copy.deepcopy(tx)
    for inp in stripped.vin:
        inp.witness = escript.Witness([])
    base = len(stripped.serialize())
    weight = base * 3 + total
    return (weight + 3) // 4


def tx_weight(tx: Transaction) -> int:
    total = len(tx.serialize())
    stripped = copy.deepcopy(tx)
    for inp in stripped.vin:
        inp.witness = escript.Witness([])
    return len(stripped.serialize()) * 3 + total


def _varint_len(n: int) -> int:
    return 1 if n < 0xFD else 3 if n <= 0xFFFF else 5


def estimate_vsize(
    n_inputs: int, output_scripts: Sequence[bytes], witness_bytes_per_input: int
) -> int:
    """Upper-bound vsize for ``n_inputs`` segwit inputs with empty scriptSig.

    ``witness_bytes_per_input`` is the serialised witness stack of one input (item count
    included), counted with maximum-size (73-byte) signatures so the real tx is never
    bigger than the estimate and the fee rate is never under-paid.
    """
    base = 4 + _varint_len(n_inputs) + n_inputs * (32 + 4 + 1 + 4)
    base += _varint_len(len(output_scripts))
    base += sum(8 + _varint_len(len(s)) + len(s) for s in output_scripts)
    base += 4
    witness = 2 + n_inputs * witness_bytes_per_input  # marker+flag, then stacks
    return (base * 4 + witness + 3) // 4


P2WPKH_WITNESS_BYTES = 1 + (1 + 73) + (1 + 33)


def fee_for_vsize(vsize: int, sat_per_vb: int) -> int:
    """Fee in sats for ``vsize`` at an integer sat/vB rate (no fractional sats)."""
    if isinstance(sat_per_vb, bool) or not isinstance(sat_per_vb, int) or sat_per_vb < 1:
        raise PSBTError("fee rate must be a positive integer sat/vB")
    return vsize * sat_per_vb


def dust_limit(script_pubkey: bytes) -> int:
    """Core's default dust threshold (3 sat/vB discard rate) for an output script."""
    wp = witness_program(script_pubkey)
    if wp is None:
        return 546
    return 294 if len(wp[1]) == 20 else 330


def new_psbt(
    inputs: Sequence[Outpoint],
    outputs: Sequence[TxOutput],
    *,
    locktime: int = 0,
    sequence: int = 0xFFFFFFFD,
) -> PSBT:
    """An unsigned version-2 PSBT. Default sequence signals RBF (BIP125)."""
    if not inputs:
        raise PSBTError("a transaction needs at least one input")
    if not outputs:
        raise PSBTError("a transaction needs at least one output")
    if len(set(inputs)) != len(inputs):
        raise PSBTError("the same outpoint is spent twice")
    vin = [TransactionInput(bytes.fromhex(o.txid), o.vout, sequence=sequence) for o in inputs]
    vout = [TransactionOutput(o.value_sat, Script(o.script_pubkey)) for o in outputs]
    tx = Transaction(version=2, vin=vin, vout=vout, locktime=locktime)
    return PSBT(tx)


def combine_psbts(psbts: Iterable[PSBT]) -> PSBT:
    """Merge signatures of PSBTs for the same unsigned transaction (BIP174 Combiner)."""
    items = [copy_psbt(p) for p in psbts]
    if not items:
        raise PSBTError("nothing to combine")
    base = items[0]
    txid = bytes(base.tx.txid())
    for other in items[1:]:
        if bytes(other.tx.txid()) != txid:
            raise PSBTError("PSBTs spend different transactions; refusing to combine")
        for mine, theirs in zip(base.inputs, other.inputs, strict=True):
            mine.partial_sigs.update(theirs.partial_sigs)
            if mine.witness_utxo is None:
                mine.witness_utxo = theirs.witness_utxo
            if mine.non_witness_utxo is None:
                mine.non_witness_utxo = theirs.non_witness_utxo
            if mine.witness_script is None:
                mine.witness_script = theirs.witness_script
            mine.bip32_derivations.update(theirs.bip32_derivations)
        for mine_o, theirs_o in zip(base.outputs, other.outputs, strict=True):
            mine_o.bip32_derivations.update(theirs_o.bip32_derivations)
    return base


def finalize_psbt(psbt: PSBT) -> Transaction:
    """Finalise every input and extract the network transaction; refuse if incomplete."""
    work = copy_psbt(psbt)
    try:
        tx = _embit_finalize(work)
    except BitcoinError:
        raise
    except Exception as exc:
        raise PSBTError(f"cannot finalise PSBT: {exc}") from exc
    if tx is None:
        raise PSBTError("PSBT is missing signatures; it cannot be finalised yet")
    result: Transaction = tx
    return result


def extract_tx_hex(psbt: PSBT) -> str:
    return str(finalize_psbt(psbt).serialize().hex())


def signature_count(psbt: PSBT) -> list[int]:
    """Number of partial signatures on each input."""
    return [len(inp.partial_sigs) for inp in psbt.inputs]


def sign_input(psbt: PSBT, index: int, key: ec.PrivateKey) -> None:
    """Add a SIGHASH_ALL signature by ``key`` on input ``index`` (segwit v0 only)."""
    inp = psbt.inputs[index]
    if inp.sighash_type not in (None, SIGHASH.ALL):
        raise SigningRefused(f"input {index} asks for a sighash other than ALL")
    h = psbt.sighash(index, sighash=SIGHASH.ALL)
    sig = key.sign(h)
    pub = key.get_public_key()
    if not pub.verify(sig, h):  # pragma: no cover - libsecp would have to be broken
        raise PSBTError("fresh signature does not verify")
    inp.partial_sigs[pub] = bytes(sig.serialize()) + bytes([SIGHASH.ALL])


@dataclass(frozen=True)
class Utxo:
    outpoint: Outpoint
    value_sat: int
    script_pubkey: bytes


def build_p2wpkh_spend(
    key: ec.PrivateKey,
    utxos: Sequence[Utxo],
    outputs: Sequence[TxOutput],
    *,
    change_script: bytes,
    sat_per_vb: int,
    rbf: bool = True,
) -> Transaction:
    """Spend P2WPKH coins of ``key`` to ``outputs``, change back to ``change_script``.

    Used by the regtest harness to fund addresses with real, signed transactions.
    ``rbf`` signals BIP125 replaceability (as most wallets do by default).
    """
    own_spk = bytes(escript.p2wpkh(key.get_public_key()).data)
    for u in utxos:
        if u.script_pubkey != own_spk:
            raise SigningRefused(f"{u.outpoint} is not a P2WPKH output of this key")
    total_in_sat = sum(u.value_sat for u in utxos)
    total_out_sat = sum(o.value_sat for o in outputs)
    scripts = [o.script_pubkey for o in outputs] + [change_script]
    fee_sat = fee_for_vsize(estimate_vsize(len(utxos), scripts, P2WPKH_WITNESS_BYTES),
                           sat_per_vb)
    change_sat = total_in_sat - total_out_sat - fee_sat
    final_outputs = list(outputs)
    if change_sat >= dust_limit(change_script):
        final_outputs.append(TxOutput(change_script, change_sat))
    elif change_sat < 0:
        raise PSBTError(f"insufficient funds: need {total_out_sat + fee_sat} sat, "
                        f"have {total_in_sat} sat")
    psbt = new_psbt([u.outpoint for u in utxos], final_outputs,
                    sequence=0xFFFFFFFD if rbf else 0xFFFFFFFE)
    for i, u in enumerate(utxos):
        psbt.inputs[i].witness_utxo = TransactionOutput(u.value_sat, Script(u.script_pubkey))
        sign_input(psbt, i, key)
    return finalize_psbt(psbt)


@dataclass(frozen=True)
class KeyOrigin:
    """A public key with where it comes from: ``[fingerprint/path]`` (BIP32)."""

    pubkey: bytes  # 33-byte compressed
    fingerprint: bytes  # master fingerprint, 4 bytes
    path: tuple[int, ...]


def add_global_xpubs(psbt: PSBT, xpubs: Sequence[tuple[str, bytes, Sequence[int]]]) -> None:
    """PSBT_GLOBAL_XPUB for each ``(xpub, fingerprint, path)``: lets a signing device
    check the multisig it signs for (and recognise change) without trusting us."""
    for xpub, fingerprint, path in xpubs:
        psbt.xpubs[HDKey.from_string(xpub)] = DerivationPath(fingerprint, list(path))


def add_output_origin(psbt: PSBT, n: int, origin: KeyOrigin) -> None:
    """PSBT_OUT_BIP32_DERIVATION: output ``n`` pays ``origin``'s key (it is the party's)."""
    pub = ec.PublicKey.parse(origin.pubkey)
    psbt.outputs[n].bip32_derivations[pub] = DerivationPath(origin.fingerprint,
                                                            list(origin.path))


__all__ = [
    "HEX_REFUSED",
    "PSBT",
    "KeyOrigin",
    "Outpoint",
    "Transaction",
    "TxOutput",
    "Utxo",
    "add_global_xpubs",
    "add_output_origin",
    "build_p2wpkh_spend",
    "combine_psbts",
    "copy_psbt",
    "dust_limit",
    "estimate_vsize",
    "extract_tx_hex",
    "fee_for_vsize",
    "finalize_psbt",
    "new_psbt",
    "parse_psbt",
    "psbt_fee",
    "serialize_psbt",
    "sign_input",
    "signature_count",
    "tx_vsize",
    "tx_weight",
]
