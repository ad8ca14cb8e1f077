"""The health components core can see itself: database, cache, periodic jobs, disk, memory.
Apps register theirs (chain, watcher, prices, Socket.IO) in their wiring."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from cryptoshop.core import health, replica
from cryptoshop.core.health import Status
from cryptoshop.core.jobs import job_names, job_status

DISK_LOW_FRACTION = 0.10
DISK_CRITICAL_BYTES = 200 * 1024 * 1024
MEMORY_LOW_FRACTION = 0.05


def database() -> Status:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        return health.down(f"unavailable: {type(exc).__name__}; is the database running "
                           "and DATABASE_URL right?", vendor=connection.vendor)
    return health.up(vendor=connection.vendor)


def replica_check() -> Status:
    """The read replica: lag and whether catalogue reads go to it. A replica that is down
    or lagging is "degraded", not "down": reads fall back to the primary and pages work."""
    current = replica.state()
    details = {"state": current.state, "lagSeconds": current.lag_s,
               "maxLagSeconds": settings.REPLICA_MAX_LAG_SECONDS}
    if current.state == replica.NOT_CONFIGURED:
        return health.disabled(current.message, **details)
    if not current.usable:
        return health.degraded(f"{current.state}: {current.message}", **details)
    return health.up(f"lag {current.lag_s:.1f} s", **details)


def cache_check() -> Status:
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    key = "health:probe"
    try:
        cache.set(key, "1", timeout=30)
        ok = cache.get(key) == "1"
    except Exception as exc:
        return health.down(f"unavailable: {type(exc).__name__}; is Redis running and "
                           "REDIS_URL right? Rate limits and live fan-out need it.",
                           backend=backend)
    if not ok:
        return health.degraded("a value written was not read back (evicting or full?)",
                               backend=backend)
    return health.up(backend=backend)


def jobs() -> Status:
    now = time.time()
    details: dict[str, object] = {}
    failing = []
    for name in job_names():
        status = job_status(name) or {}
        details[name] = status
        last_ok = float(str(status.get("lastOkAt", 0)))
        last_error_at = float(str(status.get("lastErrorAt", 0)))
        if last_error_at > last_ok:
            failing.append(f"{name} ({status.get('lastError', '')})")
    if failing:
        return health.degraded("failing: " + "; ".join(failing)[:300] +
                               " — see the server log for the first error", **details)
    ran = sum(1 for v in details.values() if v)
    return health.up(f"{ran} of {len(details)} jobs have run", checkedAt=now, **details)


def disk() -> Status:
    where = Path(settings.VAR_DIR)
    usage = shutil.disk_usage(where)
    details = {"path": str(where), "freeBytes": usage.free, "totalBytes": usage.total}
    if usage.free < DISK_CRITICAL_BYTES:
        return health.down(f"only {usage.free // 2**20} MiB free where the database and "
                           "media live: free space now", **details)
    if usage.free < usage.total * DISK_LOW_FRACTION:
        return health.degraded(f"{usage.free * 100 // usage.total}% free: plan more space",
                               **details)
    return health.up(f"{usage.free // 2**30} GiB free", **details)


def _meminfo() -> dict[str, int]:
    out: dict[str, int] = {}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            key, _, rest = line.partition(":")
            out[key] = int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        return {}
    return out


def _rss_bytes() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def memory() -> Status:
    info = _meminfo()
    total, available = info.get("MemTotal", 0), info.get("MemAvailable", 0)
    details = {"totalBytes": total, "availableBytes": available, "processRssBytes": _rss_bytes()}
    if not total:
        return health.up("no /proc/meminfo on this system", **details)
    if available < total * MEMORY_LOW_FRACTION:
        return health.degraded(f"{available // 2**20} MiB available of {total // 2**20}: "
                               "the system may start swapping or killing processes", **details)
    return health.up(f"{available // 2**20} MiB available", **details)


def install() -> None:
    health.register("database", database, basic=True)
    health.register("cache", cache_check)
    health.register("replica", replica_check, basic=True)
    health.register("jobs", jobs)
    health.register("disk", disk)
    health.register("memory", memory)
