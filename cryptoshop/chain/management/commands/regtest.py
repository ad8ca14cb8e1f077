"""``manage.py regtest start|stop|status|mine N|send ADDRESS AMOUNT``.

A development/demo regtest node whose state lives in ``./var/regtest/`` and which keeps
running after the command exits. ``start`` is idempotent. AMOUNT is in BTC (``0.001``)
or in sats with a ``sat`` suffix (``100000sat``).
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cryptoshop.btc.amounts import btc_to_sats, format_btc, sats
from cryptoshop.btc.errors import BitcoinError
from cryptoshop.chain.configured import regtest_dir
from cryptoshop.chain.regtest import RegtestNode


def _state_dir() -> Path:
    return regtest_dir()


class Command(BaseCommand):
    help = "Run a local regtest node (btcd, or bitcoind when on PATH) for development."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("start", help="start the node (no-op if it runs)")
        sub.add_parser("stop", help="stop the node")
        sub.add_parser("status", help="show height, RPC URL and the miner's balance source")
        mine = sub.add_parser("mine", help="mine N blocks to the harness key")
        mine.add_argument("blocks", type=int)
        send = sub.add_parser("send", help="pay ADDRESS from mined coins (AMOUNT in BTC)")
        send.add_argument("address")
        send.add_argument("amount")
        send.add_argument("--confirm", type=int, default=0, help="mine this many blocks after")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            getattr(self, f"_{action}")(options)
        except BitcoinError as exc:
            raise CommandError(str(exc)) from exc

    def _running(self) -> RegtestNode | None:
        directory = _state_dir()
        if not RegtestNode.has_state(directory):
            return None
        node = RegtestNode.attach(directory)
        return node if node.is_running() else None

    def _require(self) -> RegtestNode:
        node = self._running()
        if node is None:
            raise CommandError("no regtest node is running; run `manage.py regtest start`")
        return node

    def _start(self, options: dict[str, Any]) -> None:
        node = self._running()
        if node is not None:
            self.stdout.write(f"regtest node already running (pid {node.state.pid})")
        else:
            directory = _state_dir()
            secret = None
            if RegtestNode.has_state(directory):
                # Keep the miner key across restarts so earlier coins stay spendable.
                secret = bytes.fromhex(RegtestNode.attach(directory).state.miner_secret)
            node = RegtestNode.start(directory, miner_secret=secret)
            node.ensure_mature_coins()
        self._print_status(node)

    def _stop(self, options: dict[str, Any]) -> None:
        node = self._running()
        if node is None:
            self.stdout.write("regtest node is not running")
            return
        node.stop()
        self.stdout.write(self.style.SUCCESS("regtest node stopped"))

    def _status(self, options: dict[str, Any]) -> None:
        node = self._running()
        if node is None:
            self.stdout.write("regtest node is not running")
            return
        self._print_status(node)

    def _mine(self, options: dict[str, Any]) -> None:
        blocks = int(options["blocks"])
        if not 1 <= blocks <= 1000:
            raise CommandError("mine between 1 and 1000 blocks")
        node = self._require()
        hashes = node.mine(blocks)
        self.stdout.write(f"mined {len(hashes)} block(s); tip {node.rpc.get_tip().height}")

    def _send(self, options: dict[str, Any]) -> None:
        text = str(options["amount"]).strip().lower()
        amount_sat = sats(int(text[:-3])) if text.endswith("sat") else btc_to_sats(text)
        node = self._require()
        txid = node.fund(options["address"], amount_sat)
        sent = format_btc(amount_sat, unit=True)
        self.stdout.write(f"sent {sent} to {options['address']}: {txid}")
        if options["confirm"]:
            node.mine(int(options["confirm"]))
            self.stdout.write(f"mined {options['confirm']} block(s)")

    def _print_status(self, node: RegtestNode) -> None:
        tip = node.rpc.get_tip()
        s = node.state
        self.stdout.write(
            "\n".join(
                [
                    f"node:      {s.kind} (pid {s.pid}) data {s.datadir}",
                    f"rpc:       http://127.0.0.1:{s.rpc_port} user {s.rpc_user} "
                    f"password {s.rpc_password}",
                    f"tip:       {tip.height} {tip.hash}",
                    f"miner:     {node.miner_address}",
                ]
            )
        )
