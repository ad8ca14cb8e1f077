"""The shipped deployment files (deploy/) read back the way `make soak` runs them: the
units' commands and settings, and haproxy.cfg with only its ports and servers changed."""

from __future__ import annotations

import sys

from tests.deploy_units import ROOT, read_unit, render_haproxy


def test_web_unit_runs_serve_on_its_port_without_jobs() -> None:
    unit = read_unit("cryptoshop-web@.service", "8123")
    assert unit.exec_start == [sys.executable, "manage.py", "serve", "--no-jobs", "--host",
                               "127.0.0.1", "--port", "8123"]
    assert unit.environment["CRYPTOSHOP_WATCHER_IN_WEB"] == "false"
    assert unit.environment["CRYPTOSHOP_TRUSTED_PROXY_HOPS"] == "1"
    assert unit.restart_always and unit.restart_sec == 1.0


def test_worker_unit_runs_the_worker_with_a_short_lease() -> None:
    unit = read_unit("cryptoshop-worker@.service", "2")
    assert unit.exec_start == [sys.executable, "manage.py", "worker"]
    assert int(unit.environment["CRYPTOSHOP_WATCHER_LEASE_SECONDS"]) <= 10
    assert unit.restart_always


def test_haproxy_config_changes_only_ports_servers_and_root_lines() -> None:
    shipped = (ROOT / "deploy" / "haproxy.cfg").read_text().splitlines()
    rendered = render_haproxy([9001, 9002, 9003], 9000, 9009).splitlines()
    servers = [line.split() for line in rendered if line.strip().startswith("server ")]
    assert servers == [["server", f"web{n}", f"127.0.0.1:900{n}"] for n in (1, 2, 3)]
    assert "    bind 127.0.0.1:9000" in rendered and "    bind 127.0.0.1:9009" in rendered
    kept = [line for line in shipped if "# soak:" not in line
            and not line.strip().startswith("server ")]
    ours = {"    bind 127.0.0.1:9000", "    bind 127.0.0.1:9009"}
    assert kept == [line for line in rendered
                    if not line.strip().startswith("server ") and line not in ours]
    # WebSocket upgrades go through untouched (HAProxy tunnels them); no stickiness.
    settings = [line.partition("#")[0] for line in rendered]
    assert not any("cookie" in line or "stick" in line for line in settings)
    assert any(line.strip().startswith("timeout tunnel") for line in rendered)
