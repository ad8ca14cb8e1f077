"""The served arrangement (config/asgi.py, ADR 16): Django as WSGI in a thread pool behind
uvicorn, Socket.IO beside it in the same process. Two page requests must be able to run at
the same time (Django's ASGI handler ran sync views one at a time: the rendezvous would
time out with 409), each on a pool thread, while a Socket.IO connection stays up and still
gets events."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.realtime.conftest import Live, Server, session_for


def _rendezvous(base: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(base + "/__test__/rendezvous", timeout=15) as answer:  # noqa: S310 (loopback)
            return answer.status, dict(json.loads(answer.read()))
    except urllib.error.HTTPError as exc:
        return exc.code, dict(json.loads(exc.read() or b"{}"))


def test_pages_run_in_parallel_threads_beside_socketio(server: Server) -> None:
    async def scenario() -> list[tuple[int, dict[str, Any]]]:
        order = server.world["order"]
        live = await Live().connect(server.base, session_for(server, "buyer"))
        try:
            assert (await live.subscribe(f"order-{order}"))["joined"] == [f"order-{order}"]
            with ThreadPoolExecutor(2) as pool:
                answers = await asyncio.gather(*(
                    asyncio.get_running_loop().run_in_executor(pool, _rendezvous, server.base)
                    for _ in range(2)))
            assert live.client.connected
            # The Socket.IO side still delivers, from a page request's thread.
            await asyncio.to_thread(server.publish, f"order-{order}", "notification",
                                    {"type": "ping"})
            name, data, _at = await live.next_event(timeout=5)
            assert (name, data["type"]) == ("notification", "ping")
        finally:
            await live.close()
        return list(answers)

    answers = asyncio.run(scenario())
    assert [status for status, _ in answers] == [200, 200], answers
    assert {body["request"] for _, body in answers} == {"WSGIRequest"}
    threads = {body["thread"] for _, body in answers}
    assert len(threads) == 2 and all(name != "MainThread" for name in threads), threads
