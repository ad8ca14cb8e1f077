"""/help/, /terms/, /privacy/, /fees/, /network/: the shop's pages, linked from every footer."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cryptoshop.chain import configured, netstats
from cryptoshop.pages.content import shown_page


@require_GET
def page(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "pages/page.html", {"page": shown_page(slug)})


@require_GET
def network(request: HttpRequest) -> HttpResponse:
    """Our node's view of the network (the figures of /api/blockchain/stats); 503 with the
    reason when the node can't answer."""
    try:
        stats, problem = netstats.network_stats(), ""
    except netstats.StatsUnavailable as exc:
        stats, problem = None, str(exc)
    return render(request, "pages/network.html", {
        "stats": stats, "problem": problem, "network": configured.network(),
        "source_label": netstats.fee_source_label(stats.fees.source) if stats else "",
        "max_age": settings.NETWORK_STATS_CACHE_SECONDS,
        "tiers": _tiers(stats.fees.tiers_sat_vb) if stats else [],
        "hashrate": _hashrate(stats.hashrate_hs) if stats else "",
    }, status=503 if stats is None else 200)


_TIER_NAMES = (("nextBlock", "Next block", "~10 minutes"), ("halfHour", "Soon", "~30 minutes"),
               ("hour", "Within an hour", "~6 blocks"), ("economy", "Economy", "~1 day"))


def _tiers(tiers: dict[str, int]) -> list[tuple[str, str, int]]:
    return [(label, when, tiers[key]) for key, label, when in _TIER_NAMES]


_UNITS = ((10**18, "EH/s"), (10**15, "PH/s"), (10**12, "TH/s"), (10**9, "GH/s"),
          (10**6, "MH/s"), (10**3, "kH/s"))


def _hashrate(hs: int) -> str:
    """"7,158,278 H/s (≈ 7.16 MH/s)": the exact integer, and a readable size beside it."""
    for size, unit in _UNITS:
        if hs >= size:
            hundredths = hs * 100 // size
            return f"{hs:,} H/s (≈ {hundredths // 100:,}.{hundredths % 100:02d} {unit})"
    return f"{hs:,} H/s"
