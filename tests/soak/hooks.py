"""The sellers' webhook receiver during the soak, and what it must have seen: each paid
order's `order.paid` event arrives, and at most as one event (the same event id may come
more than once: delivery is at-least-once, docs/webhooks.md — a receiver de-duplicates by
`id`; a second *event* for the same payment would be a bug)."""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Hooks:
    port: int
    bodies: list[dict[str, Any]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> None:
        bodies, lock = self.bodies, threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with lock:
                    bodies.append(json.loads(raw))
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()

    def paid_events(self) -> dict[str, list[str]]:
        """order id -> the event ids of its order.paid deliveries, one per delivery."""
        seen: dict[str, list[str]] = defaultdict(list)
        for body in list(self.bodies):
            if body.get("type") == "order.paid":
                seen[body["data"]["id"]].append(body["id"])
        return seen

    def check(self, paid_orders: set[str]) -> tuple[list[str], dict[str, int]]:
        seen = self.paid_events()
        problems = [f"order {o}: order.paid sent as {len(set(ids))} different events"
                    for o, ids in seen.items() if len(set(ids)) > 1]
        missing = sorted(paid_orders - set(seen))
        if missing:
            problems.append(f"{len(missing)} paid orders never had order.paid delivered "
                            f"(e.g. {', '.join(missing[:3])})")
        repeats = sum(len(ids) - len(set(ids)) for ids in seen.values())
        return problems, {"delivered": sum(len(ids) for ids in seen.values()),
                          "repeats": repeats, "orders": len(seen)}
