"""2-of-3 escrow: ``wsh(sortedmulti(2, buyer, seller, marketplace))`` per order index.

The marketplace holds one of three keys, so it can never move funds without the buyer
or the seller. Signing is verify-then-sign: before any signature is made the PSBT must
spend exactly the planned escrow inputs and pay exactly the planned outputs and fee; any
difference raises :class:`SigningRefused` and nothing is signed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from embit import ec
from embit import script as escript
from embit.bip32 import HDKey
from embit.psbt import PSBT, DerivationPath
from embit.script import Script
from embit.transaction import SIGHASH, Transaction, TransactionOutput

from .addresses import describe_script, script_pubkey_to_address
from .amounts import sats
from .descriptors import add_checksum
from .errors import BitcoinError, DescriptorError, PSBTError, SigningRefused
from .keys import SINGLE_SIG_SCRIPT_TYPES, parse_extended_key, parse_path, path_to_str
from .networks import Network, get_network
from .psbt import (
    KeyOrigin,
    Outpoint,
    TxOutput,
    add_global_xpubs,
    add_output_origin,
    dust_limit,
    estimate_vsize,
    fee_for_vsize,
    input_values,
    new_psbt,
    sign_input,
)

ROLES = ("buyer", "seller", "marketplace")
THRESHOLD = 2
RECEIVE_BRANCH = 0
# Witness of a 2-of-3 spend: count, empty (CHECKMULTISIG bug), two ≤73-byte signatures,
# the 105-byte witness script: 1 + 1 + 2·(1+73) + (1+105).
ESCROW_WITNESS_BYTES = 1 + 1 + 2 * (1 + 73) + (1 + 105)


@dataclass(frozen=True)
class EscrowKey:
    """One participant's account key: ``[fingerprint/path]xpub`` (origin optional)."""

    role: str
    xpub: str  # normalised xpub/tpub
    fingerprint: bytes  # master fingerprint (key origin) — what signing devices match
    origin_path: tuple[int, ...]

    @property
    def account_expression(self) -> str:
        """``[fingerprint/48h/1h/0h/2h]tpub…`` in BIP-380 syntax (what the shop stores)."""
        path = path_to_str(list(self.origin_path))
        origin = self.fingerprint.hex() + (f"/{path}" if path else "")
        return f"[{origin}]{self.xpub}"

    @property
    def expression(self) -> str:
        return f"{self.account_expression}/{RECEIVE_BRANCH}/*"

    @cached_property
    def _branch(self) -> HDKey:
        key: HDKey = HDKey.from_string(self.xpub).derive([RECEIVE_BRANCH])
        return key

    def pubkey(self, index: int) -> ec.PublicKey:
        pub: ec.PublicKey = self._branch.derive([index]).get_public_key()
        return pub

    def derivation(self, index: int) -> list[int]:
        return [*self.origin_path, RECEIVE_BRANCH, index]


def parse_escrow_key(role: str, text: str, network: Network | str) -> EscrowKey:
    """Parse ``[fp/path]xpub`` or a bare xpub for ``role`` on ``network``."""
    if role not in ROLES:
        raise DescriptorError(f"unknown escrow role {role!r}")
    if not isinstance(text, str):
        raise DescriptorError("an escrow key is a string")
    s = "".join(text.split())
    fingerprint: bytes | None = None
    path: list[int] = []
    if s.startswith("["):
        end = s.find("]")
        if end < 0:
            raise DescriptorError("unterminated key origin '['")
        origin, s = s[1:end], s[end + 1 :]
        fp_hex, _, path_text = origin.partition("/")
        try:
            fingerprint = bytes.fromhex(fp_hex)
        except ValueError as exc:
            raise DescriptorError("key origin fingerprint must be 8 hex digits") from exc
        if len(fingerprint) != 4:
            raise DescriptorError("key origin fingerprint must be 8 hex digits")
        path = parse_path(path_text)
    key = parse_extended_key(s)
    key.check_network(network)
    if key.implied_script_type in SINGLE_SIG_SCRIPT_TYPES:
        main = get_network(network).is_mainnet
        raise DescriptorError(
            f"a {key.prefix} is a single-signature account key; an escrow needs your wallet's "
            f"multisig cosigner key: export the P2WSH multisig account "
            f"({'m/48h/0h/0h/2h' if main else 'm/48h/1h/0h/2h'}) as "
            f"{'Zpub or xpub' if main else 'Vpub or tpub'}"
        )
    if fingerprint is None:
        # No origin given: the key is its own root for signers' purposes.
        fingerprint = key.fingerprint
    elif len(path) != int(key.hdkey.depth):
        raise DescriptorError("key origin path length does not match the key's depth")
    return EscrowKey(role, key.normalized, fingerprint, tuple(path))


@dataclass(frozen=True)
class Escrow:
    buyer: EscrowKey
    seller: EscrowKey
    marketplace: EscrowKey
    network: Network

    @property
    def keys(self) -> tuple[EscrowKey, EscrowKey, EscrowKey]:
        return (self.buyer, self.seller, self.marketplace)

    @property
    def descriptor(self) -> str:
        """Checksummed ranged descriptor, importable into Core / Sparrow as watch-only."""
        inner = ",".join(k.expression for k in self.keys)
        return add_checksum(f"wsh(sortedmulti({THRESHOLD},{inner}))")

    def descriptor_at(self, index: int) -> str:
        """The descriptor for one order index (wildcard filled in), checksummed."""
        _check_index(index)
        return add_checksum(self.descriptor.split("#")[0].replace("/*", f"/{index}"))

    def pubkeys(self, index: int) -> list[ec.PublicKey]:
        _check_index(index)
        return sorted((k.pubkey(index) for k in self.keys), key=lambda p: bytes(p.sec()))

    def witness_script(self, index: int) -> bytes:
        return bytes(escript.multisig(THRESHOLD, self.pubkeys(index)).data)

    def script_pubkey(self, index: int) -> bytes:
        return bytes(escript.p2wsh(Script(self.witness_script(index))).data)

    def address(self, index: int) -> str:
        return script_pubkey_to_address(self.script_pubkey(index), self.network)

    def role_of(self, signer: HDKey) -> EscrowKey | None:
        """Which participant ``signer`` (a master key or the account key) belongs to."""
        for k in self.keys:
            if _account_key(k, signer) is not None:
                return k
        return None


def make_escrow(buyer: str, seller: str, marketplace: str, network: Network | str) -> Escrow:
    net = get_network(network)
    keys = (
        parse_escrow_key("buyer", buyer, net),
        parse_escrow_key("seller", seller, net),
        parse_escrow_key("marketplace", marketplace, net),
    )
    if len({k.xpub for k in keys}) != 3:
        # With a repeated key one party would hold two of the three signatures.
        raise DescriptorError("the three escrow keys must be different")
    return Escrow(keys[0], keys[1], keys[2], net)


def _check_index(index: int) -> None:
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < 2**31:
        raise DescriptorError("escrow index must be an integer in [0, 2^31)")


@dataclass(frozen=True)
class EscrowInput:
    outpoint: Outpoint
    value_sat: int
    index: int  # the order's escrow address index
    prev_tx: bytes | None = None  # full previous transaction, for non_witness_utxo

    def __post_init__(self) -> None:
        sats(self.value_sat)
        _check_index(self.index)


@dataclass(frozen=True)
class SpendPlan:
    """Exactly what a release/refund/split transaction spends and pays."""

    inputs: tuple[EscrowInput, ...]
    outputs: tuple[TxOutput, ...]
    fee_sat: int

    def __post_init__(self) -> None:
        total_in = sum(i.value_sat for i in self.inputs)
        total_out = sum(o.value_sat for o in self.outputs)
        if total_in - total_out != self.fee_sat:
            raise PSBTError("plan does not balance: inputs - outputs ≠ fee")
        if self.fee_sat < 0:
            raise PSBTError("negative fee")


def estimate_spend_vsize(n_inputs: int, output_scripts: Sequence[bytes]) -> int:
    return estimate_vsize(n_inputs, output_scripts, ESCROW_WITNESS_BYTES)


def plan_spend(
    inputs: Sequence[EscrowInput],
    fixed_outputs: Sequence[TxOutput],
    remainder_script: bytes,
    sat_per_vb: int,
) -> SpendPlan:
    """Pay ``fixed_outputs`` (e.g. the marketplace fee) and the rest, less the network
    fee, to ``remainder_script`` (the seller's payout or the buyer's refund)."""
    if not inputs:
        raise PSBTError("nothing to spend")
    scripts = [o.script_pubkey for o in fixed_outputs] + [remainder_script]
    fee_sat = fee_for_vsize(estimate_spend_vsize(len(inputs), scripts), sat_per_vb)
    remainder_sat = (sum(i.value_sat for i in inputs)
                     - sum(o.value_sat for o in fixed_outputs) - fee_sat)
    if remainder_sat < dust_limit(remainder_script):
        raise PSBTError(f"escrow too small: {remainder_sat} sat left after fees")
    outputs = (*fixed_outputs, TxOutput(remainder_script, remainder_sat))
    return SpendPlan(tuple(inputs), outputs, fee_sat)


def create_psbt(escrow: Escrow, plan: SpendPlan, *,
                output_keys: Mapping[int, KeyOrigin] | None = None) -> PSBT:
    """Unsigned PSBT with witness_utxo, non_witness_utxo (when the previous tx is given),
    witness_script and the three BIP32 derivations on each input, the three cosigners'
    xpubs (PSBT_GLOBAL_XPUB), and the derivation of each output in ``output_keys`` (by
    output number: an output that pays a party's own wallet)."""
    psbt = new_psbt([i.outpoint for i in plan.inputs], list(plan.outputs))
    add_global_xpubs(psbt, [(k.xpub, k.fingerprint, k.origin_path) for k in escrow.keys])
    for n, origin in (output_keys or {}).items():
        add_output_origin(psbt, n, origin)
    for n, inp in enumerate(plan.inputs):
        scope = psbt.inputs[n]
        spk = escrow.script_pubkey(inp.index)
        scope.witness_utxo = TransactionOutput(inp.value_sat, Script(spk))
        if inp.prev_tx is not None:
            try:
                prev = Transaction.parse(inp.prev_tx)
            except Exception as exc:
                raise PSBTError(f"input {n}: previous transaction does not parse") from exc
            scope.non_witness_utxo = prev
        scope.witness_script = Script(escrow.witness_script(inp.index))
        for k in escrow.keys:
            scope.bip32_derivations[k.pubkey(inp.index)] = DerivationPath(
                k.fingerprint, k.derivation(inp.index)
            )
    input_values(psbt)  # validates non_witness_utxo against the outpoints
    return psbt


def verify_psbt(escrow: Escrow, psbt: PSBT, plan: SpendPlan) -> None:
    """Refuse (``SigningRefused``) unless ``psbt`` is exactly ``plan`` over ``escrow``."""
    tx = psbt.tx
    if int(tx.version) != 2 or int(tx.locktime) != 0:
        raise SigningRefused("unexpected transaction version or locktime")
    if len(tx.vin) != len(plan.inputs):
        raise SigningRefused(f"PSBT spends {len(tx.vin)} inputs, expected {len(plan.inputs)}")
    for n, (vin, want) in enumerate(zip(tx.vin, plan.inputs, strict=True)):
        got = Outpoint(bytes(vin.txid).hex(), int(vin.vout))
        if got != want.outpoint:
            raise SigningRefused(f"input {n} spends {got}, expected {want.outpoint}")
        scope = psbt.inputs[n]
        if scope.witness_utxo is None:
            raise SigningRefused(f"input {n} has no witness_utxo")
        spk = escrow.script_pubkey(want.index)
        if bytes(scope.witness_utxo.script_pubkey.data) != spk:
            raise SigningRefused(f"input {n} is not this escrow's address #{want.index}")
        if scope.witness_script is None or bytes(scope.witness_script.data) != (
            escrow.witness_script(want.index)
        ):
            raise SigningRefused(f"input {n} has an unexpected witness script")
        if scope.redeem_script is not None:
            raise SigningRefused(f"input {n} has an unexpected redeem script")
        if scope.sighash_type not in (None, SIGHASH.ALL):
            raise SigningRefused(f"input {n} requests a sighash other than ALL")
    try:
        values = input_values(psbt)
    except PSBTError as exc:
        raise SigningRefused(str(exc)) from exc
    for n, (value, want) in enumerate(zip(values, plan.inputs, strict=True)):
        if value != want.value_sat:
            raise SigningRefused(f"input {n} is worth {value} sat, expected {want.value_sat}")
    if len(tx.vout) != len(plan.outputs):
        raise SigningRefused(f"PSBT has {len(tx.vout)} outputs, expected {len(plan.outputs)}")
    for n, (vout, want_out) in enumerate(zip(tx.vout, plan.outputs, strict=True)):
        got_spk = bytes(vout.script_pubkey.data)
        if got_spk != want_out.script_pubkey:
            raise SigningRefused(
                f"output {n} pays {describe_script(got_spk, escrow.network)}, expected "
                f"{describe_script(want_out.script_pubkey, escrow.network)}"
            )
        if int(vout.value) != want_out.value_sat:
            raise SigningRefused(
                f"output {n} pays {int(vout.value)} sat, expected {want_out.value_sat} sat"
            )
    fee_sat = sum(values) - sum(int(o.value) for o in tx.vout)
    if fee_sat != plan.fee_sat:
        raise SigningRefused(f"the fee is {fee_sat} sat, expected {plan.fee_sat} sat")


def escrow_account_path(network: Network | str) -> str:
    """BIP48 multisig account path for P2WSH (script type 2h): what Sparrow, Electrum and
    hardware wallets use for a multisig cosigner, so an exported descriptor imports there."""
    coin = 0 if get_network(network).name == "main" else 1
    return f"m/48h/{coin}h/0h/2h"


def check_signed_by(escrow: Escrow, psbt: PSBT, plan: SpendPlan, role: str) -> None:
    """Refuse (``SigningRefused``) unless ``psbt`` is exactly ``plan`` and every input
    carries a valid SIGHASH_ALL signature by ``role``'s key.

    This is the marketplace's policy check: it co-signs only a spend the required party
    has already signed, so its one key never moves coins on the server's say-so alone.
    """
    verify_psbt(escrow, psbt, plan)
    party = {k.role: k for k in escrow.keys}.get(role)
    if party is None:
        raise SigningRefused(f"unknown escrow role {role!r}")
    for n, want in enumerate(plan.inputs):
        pub = party.pubkey(want.index)
        sig = psbt.inputs[n].partial_sigs.get(pub)
        if sig is None:
            raise SigningRefused(f"input {n} is not signed by the {role}")
        sig = bytes(sig)
        if not sig or sig[-1] != SIGHASH.ALL:
            raise SigningRefused(f"input {n}: the {role}'s signature is not SIGHASH_ALL")
        try:
            parsed = ec.Signature.parse(sig[:-1])
            digest = psbt.sighash(n, sighash=SIGHASH.ALL)
            valid = bool(pub.verify(parsed, digest))
        except Exception:
            valid = False
        if not valid:
            raise SigningRefused(f"input {n}: the {role}'s signature does not verify")


def sign_psbt(escrow: Escrow, psbt: PSBT, plan: SpendPlan, signer: HDKey) -> int:
    """Verify ``psbt`` against ``plan``, then sign every input with ``signer``'s key.

    ``signer`` is a participant's master key (fingerprint = key origin) or account key.
    Returns the number of signatures added. Raises ``SigningRefused`` before signing
    anything if the PSBT differs from the plan or the key is not a participant.
    """
    if not isinstance(signer, HDKey) or not signer.is_private:
        raise SigningRefused("signing needs a private extended key")
    verify_psbt(escrow, psbt, plan)
    party = escrow.role_of(signer)
    if party is None:
        raise SigningRefused("this key is not one of the escrow's three cosigners")
    account = _account_key(party, signer)
    assert account is not None  # role_of found it
    branch = account.derive([RECEIVE_BRANCH])
    added = 0
    for n, want in enumerate(plan.inputs):
        child = branch.derive([want.index])
        pub = child.get_public_key()
        if pub != party.pubkey(want.index):  # pragma: no cover - role_of matched the xpub
            raise SigningRefused("derived key does not match the escrow key")
        before = len(psbt.inputs[n].partial_sigs)
        sign_input(psbt, n, child.key)
        added += len(psbt.inputs[n].partial_sigs) - before
    return added


def _account_key(party: EscrowKey, signer: HDKey) -> HDKey | None:
    """Map ``signer`` to the participant's account private key, or None."""
    try:
        pub_text = str(signer.to_public().to_base58(version=HDKey.from_string(party.xpub).version))
        if pub_text == party.xpub:
            return signer
        if int(signer.depth) == 0 and bytes(signer.my_fingerprint) == party.fingerprint:
            account: HDKey = signer.derive(list(party.origin_path))
            text = str(account.to_public().to_base58(version=HDKey.from_string(party.xpub).version))
            return account if text == party.xpub else None
    except BitcoinError:
        raise
    except Exception:
        return None
    return None
