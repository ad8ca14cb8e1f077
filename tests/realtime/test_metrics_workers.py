"""/metrics under `serve --workers 2`: each worker counts the requests it answered in its own
sample file, and every scrape — whichever worker answers it — sums them all. Without the
multi-process mode a scrape would see one worker's share and jump about between scrapes."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.servers import ROOT, running_server

log = logging.getLogger(__name__)
HEALTH = {"route": "/api/health", "method": "GET", "status": "200"}


def health_requests(base: str) -> float:
    with urllib.request.urlopen(base + "/metrics", timeout=5) as answer:  # noqa: S310 (loopback)
        text = answer.read().decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "cryptoshop_http_requests_total" and sample.labels == HEALTH:
                return float(sample.value)
    return 0.0


def test_every_scrape_sums_every_worker(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "CRYPTOSHOP_CACHE_PREFIX"}}
    env.update({"CRYPTOSHOP_VAR_DIR": str(tmp_path), "CRYPTOSHOP_LOG_LEVEL": "WARNING",
                "CRYPTOSHOP_FIXED_RATES": "USD:65000", "CRYPTOSHOP_CHAIN_BACKEND": "none",
                "DJANGO_SETTINGS_MODULE": "config.settings"})
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # the server's own, under its var dir
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    with running_server(env, tmp_path / "server.log", "--workers", "2", "--no-jobs") as base:
        before = health_requests(base)
        for _ in range(40):
            with urllib.request.urlopen(base + "/api/health", timeout=5):  # noqa: S310
                pass
        seen = [health_requests(base) for _ in range(6)]
        log.info("before %s, after 40 requests each scrape saw %s", before, seen)
        assert seen == [before + 40] * 6
        pids = {p.stem.rsplit("_", 1)[-1] for p in (tmp_path / "metrics").glob("counter_*.db")}
        if len(pids) < 2:
            pytest.fail(f"only one worker wrote samples ({pids}): not a multi-worker test")
