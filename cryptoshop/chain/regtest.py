"""Regtest node harness: a real node for tests, development and the demo.

Finds ``bitcoind`` on PATH or builds btcd (node_binary.py), starts nodes on free loopback
ports in their own folders, mines to a key the harness holds, funds any address with a real
transaction that spends mined coins (signed with ``cryptoshop.btc``), makes real reorgs with
``invalidateblock``, and stops what it started (each node runs in its own process group,
killed as a group).

Plain Python: pytest fixtures (tests/regtest/conftest.py) and the ``manage.py regtest``
command are thin wrappers around this module.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import signal
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from embit import ec

from cryptoshop.btc.addresses import address_to_script_pubkey, script_pubkey_to_address
from cryptoshop.btc.networks import REGTEST
from cryptoshop.btc.psbt import Outpoint, TxOutput, Utxo, build_p2wpkh_spend
from cryptoshop.btc.psbt import dust_limit as _dust_limit

from .decode import decode_transaction
from .errors import ChainError, NodeUnavailable
from .node_binary import HarnessUnavailable, NodeBinary, find_node, free_port
from .rpc import BitcoinRPC

log = logging.getLogger("cryptoshop.regtest")

COINBASE_MATURITY = 100
STATE_FILE = "state.json"


@dataclass
class NodeState:
    """What is needed to reattach to a running node (persisted as state.json)."""

    kind: str
    binary: str
    datadir: str
    rpc_port: int
    p2p_port: int
    rpc_user: str
    rpc_password: str
    miner_secret: str  # hex; a regtest-only throwaway key the harness mines to
    pid: int | None = None


class RegtestNode:
    """One running regtest node plus the mining key the harness controls."""

    def __init__(self, state: NodeState, process: subprocess.Popen[bytes] | None = None):
        self.state = state
        self.process = process
        self.miner_key = ec.PrivateKey(bytes.fromhex(state.miner_secret))
        self.rpc = BitcoinRPC(
            f"http://127.0.0.1:{state.rpc_port}",
            REGTEST,
            user=state.rpc_user,
            password=state.rpc_password,
            timeout=30.0,
            retries=0,
        )

    # -- lifecycle --------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        datadir: Path,
        *,
        binary: NodeBinary | None = None,
        miner_secret: bytes | None = None,
        listen: bool = False,
        timeout: float = 60.0,
        extra_args: tuple[str, ...] = (),
    ) -> RegtestNode:
        """Start a node with its data in ``datadir`` (created) and wait for its RPC.
        ``extra_args`` go to the node's command line as they are (e.g. a benchmark's
        larger block size)."""
        binary = binary or find_node()
        datadir = Path(datadir).resolve()
        datadir.mkdir(parents=True, exist_ok=True)
        state = NodeState(
            kind=binary.kind,
            binary=str(binary.path),
            datadir=str(datadir),
            rpc_port=free_port(),
            p2p_port=free_port(),
            rpc_user="u" + secrets.token_hex(4),
            rpc_password=secrets.token_hex(16),
            miner_secret=(miner_secret or secrets.token_bytes(32)).hex(),
        )
        node = cls(state)
        args = [*node._command_line(listen), *extra_args]
        log.info("starting %s: rpc 127.0.0.1:%d, data %s", binary.kind, state.rpc_port, datadir)
        out = open(datadir / "node.out", "ab")  # noqa: SIM115 - handed to the child
        try:
            # Own session/process group: stop() kills the whole group and nothing else.
            node.process = subprocess.Popen(  # noqa: S603 - fixed binary and arguments
                args,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            out.close()
        state.pid = node.process.pid
        node.save_state()
        try:
            node.wait_ready(timeout)
        except Exception:
            node.stop()
            raise
        return node

    def _command_line(self, listen: bool) -> list[str]:
        s = self.state
        data = Path(s.datadir)
        if s.kind == "btcd":
            args = [
                s.binary,
                "--regtest",
                "--notls",
                f"--rpclisten=127.0.0.1:{s.rpc_port}",
                f"--rpcuser={s.rpc_user}",
                f"--rpcpass={s.rpc_password}",
                "--txindex",
                f"--miningaddr={self.miner_address}",
                "--rejectnonstd",
                f"--datadir={data / 'data'}",
                f"--logdir={data / 'logs'}",
            ]
            args += [f"--listen=127.0.0.1:{s.p2p_port}"] if listen else ["--nolisten"]
            return args
        return [
            s.binary,
            "-regtest",
            f"-datadir={data}",
            f"-rpcport={s.rpc_port}",
            "-rpcbind=127.0.0.1",
            "-rpcallowip=127.0.0.1",
            f"-rpcuser={s.rpc_user}",
            f"-rpcpassword={s.rpc_password}",
            "-txindex=1",
            "-server=1",
            "-acceptnonstdtxn=0",
            "-fallbackfee=0.00001",
            "-disablewallet=1",
            f"-port={s.p2p_port}",
            f"-bind=127.0.0.1:{s.p2p_port}" if listen else "-listen=0",
        ]

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise HarnessUnavailable(
                    f"{self.state.kind} exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                self.rpc.call("getblockcount")
                return
            except ChainError as exc:
                last = exc
                time.sleep(0.2)
        raise HarnessUnavailable(f"{self.state.kind} RPC not ready after {timeout}s: {last}")

    def log_tail(self, lines: int = 30) -> str:
        path = Path(self.state.datadir) / "node.out"
        try:
            return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def save_state(self) -> None:
        path = Path(self.state.datadir) / STATE_FILE
        path.write_text(json.dumps(asdict(self.state), indent=2))
        path.chmod(0o600)

    @staticmethod
    def has_state(datadir: Path) -> bool:
        """Whether a node was started in `datadir` (it may since have stopped)."""
        return (Path(datadir) / STATE_FILE).is_file()

    @staticmethod
    def read_state(datadir: Path) -> NodeState | None:
        try:
            return NodeState(**json.loads((Path(datadir) / STATE_FILE).read_text()))
        except (OSError, ValueError, TypeError):
            return None

    @classmethod
    def attach(cls, datadir: Path) -> RegtestNode:
        """Reconnect to a node started earlier (e.g. by ``manage.py regtest start``)."""
        path = Path(datadir).resolve() / STATE_FILE
        try:
            state = NodeState(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError) as exc:
            raise NodeUnavailable(f"no regtest node state in {path.parent}") from exc
        return cls(state)

    def is_running(self) -> bool:
        if self.state.pid is None or not _pid_alive(self.state.pid):
            return False
        try:
            self.rpc.call("getblockcount")
        except ChainError:
            return False
        return True

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the node: RPC ``stop``, then SIGTERM, then SIGKILL to its process group."""
        pid = self.state.pid
        if pid is None:
            return
        with contextlib.suppress(ChainError):
            self.rpc.call("stop")
        if not self._wait_exit(pid, timeout):
            self._signal_group(pid, signal.SIGTERM)
            if not self._wait_exit(pid, 5.0):
                self._signal_group(pid, signal.SIGKILL)
                self._wait_exit(pid, 5.0)
        log.info("stopped %s (pid %d)", self.state.kind, pid)
        self.state.pid = None
        if Path(self.state.datadir).exists():
            self.save_state()

    def _wait_exit(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None:
                if self.process.poll() is not None:
                    return True
            elif not _pid_alive(pid):
                return True
            time.sleep(0.1)
        return False

    @staticmethod
    def _signal_group(pid: int, sig: signal.Signals) -> None:
        # The node leads its own session, so its process group id is its pid.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, sig)

    # -- mining and funding -----------------------------------------------------------

    @property
    def miner_script(self) -> bytes:
        from embit import script as escript

        return bytes(escript.p2wpkh(self.miner_key.get_public_key()).data)

    @property
    def miner_address(self) -> str:
        return script_pubkey_to_address(self.miner_script, REGTEST)

    def mine(self, blocks: int = 1) -> list[str]:
        """Mine ``blocks`` blocks to the harness key; return their hashes."""
        if self.state.kind == "btcd":
            hashes = self.rpc.call("generate", int(blocks))  # btcd: pays --miningaddr
        else:
            hashes = self.rpc.call("generatetoaddress", int(blocks), self.miner_address)
        return [str(h) for h in hashes]

    def ensure_mature_coins(self, minimum_blocks: int = COINBASE_MATURITY + 1) -> None:
        height = self.rpc.get_tip().height
        if height < minimum_blocks:
            log.info("mining %d blocks so coinbase outputs mature", minimum_blocks - height)
            self.mine(minimum_blocks - height)

    def spendable_utxos(self) -> list[Utxo]:
        """Confirmed, mature outputs paying the harness key and not spent anywhere
        (best chain or mempool). Found by scanning the chain: regtest chains are short."""
        own = self.miner_script.hex()
        tip = self.rpc.get_tip().height
        unspent: dict[Outpoint, tuple[int, int, bool]] = {}
        spent: set[Outpoint] = set()
        for height in range(1, tip + 1):
            block = self.rpc.get_block(height)
            for pos, tx in enumerate(block.transactions):
                for txin in tx.inputs:
                    spent.add(Outpoint(txin.prev_txid, txin.prev_vout))
                for out in tx.outputs:
                    if out.script_pubkey == own:
                        unspent[Outpoint(tx.txid, out.n)] = (out.value_sat, height, pos == 0)
        for txid in self.rpc.get_mempool_txids():
            for txin in decode_transaction(self.rpc.get_raw_transaction(txid)).inputs:
                spent.add(Outpoint(txin.prev_txid, txin.prev_vout))
        result = []
        for outpoint, (value, height, coinbase) in unspent.items():
            if outpoint in spent:
                continue
            if coinbase and tip - height < COINBASE_MATURITY:
                continue
            result.append(Utxo(outpoint, value, self.miner_script))
        return result

    def fund(self, address: str, amount_sat: int, *, sat_per_vb: int = 2,
             rbf: bool = True) -> str:
        """Pay ``amount_sat`` to ``address`` with a real signed tx; return its txid.

        The transaction is only broadcast (in the mempool); mine to confirm it."""
        raw, _ = self.build_payment(address, amount_sat, sat_per_vb=sat_per_vb, rbf=rbf)
        txid = self.rpc.broadcast(raw)
        log.info("funded %s with %d sat in %s", address, amount_sat, txid)
        return txid

    def build_payment(self, address: str, amount_sat: int, *, sat_per_vb: int = 2,
                      rbf: bool = True, utxos: list[Utxo] | None = None,
                      ) -> tuple[str, list[Utxo]]:
        """A signed payment (raw hex, not broadcast) and the coins it spends. Passing the
        same ``utxos`` again builds a conflicting transaction (replacement/double-spend)."""
        spk = address_to_script_pubkey(address, REGTEST)
        if amount_sat < _dust_limit(spk):
            raise ChainError(f"{amount_sat} sat is below the dust limit for {address}")
        chosen: list[Utxo] = list(utxos or [])
        if not chosen:
            self.ensure_mature_coins()
            # spendable_utxos() already leaves out coins spent in the mempool.
            candidates = sorted(self.spendable_utxos(), key=lambda u: u.value_sat,
                                reverse=True)
            for u in candidates:
                chosen.append(u)
                if sum(c.value_sat for c in chosen) >= amount_sat + 100_000:
                    break
            else:
                raise ChainError("the harness wallet has too few mature coins; mine more")
        tx = build_p2wpkh_spend(self.miner_key, chosen, [TxOutput(spk, amount_sat)],
                                change_script=self.miner_script, sat_per_vb=sat_per_vb,
                                rbf=rbf)
        return tx.serialize().hex(), chosen


    def invalidate(self, depth: int = 1) -> str:
        """Disconnect the top ``depth`` blocks (``invalidateblock``, Core and btcd
        ≥0.25); their transactions go back to the mempool. Returns the first
        invalidated hash. Mining afterwards builds the competing branch."""
        tip = self.rpc.get_tip().height
        if depth < 1 or depth > tip:
            raise ChainError("reorg depth must be between 1 and the tip height")
        first = self.rpc.get_block_hash(tip - depth + 1)
        log.info("reorg: invalidating %d block(s) from height %d", depth, tip - depth + 1)
        self.rpc.call("invalidateblock", first)
        return first

    def reorg(self, depth: int = 1, new_blocks: int | None = None) -> list[str]:
        """Replace the top ``depth`` blocks with a longer fork (default depth + 1 blocks).

        Uses ``invalidateblock`` (Core and btcd ≥0.25 both have it): the node
        disconnects the blocks, returns their transactions to the mempool, and mines a
        competing branch on the parent. Returns the new branch's hashes."""
        self.invalidate(depth)
        return self.mine(new_blocks if new_blocks is not None else depth + 1)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's process
        return True
    # A zombie child still "exists"; treat it as gone.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return True
