"""What the soak measured, per phase: requests, errors by kind, latency percentiles and
live events delivered; and the table it prints."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Sample:
    name: str
    start: float
    end: float
    status: int | None  # None: no HTTP answer (error says why)
    error: str = ""

    @property
    def kind(self) -> str:
        """"" for a success, else what went wrong: "5xx:502", "4xx:429", "timeout", …"""
        if self.status is None:
            return self.error or "no answer"
        if self.status >= 500:
            return f"5xx:{self.status}"
        if self.status >= 400:
            return f"4xx:{self.status}"
        return ""


@dataclass
class Phase:
    name: str
    start: float
    end: float | None = None
    fault: bool = False
    recovery_s: float | None = None
    note: str = ""


@dataclass
class LiveEvent:
    at: float  # when the payment was broadcast
    delivered: bool  # its event came over the socket
    delay_s: float | None  # until the pay page knew (event, or a look after a reconnect)


@dataclass
class Stats:
    t0: float = field(default_factory=time.monotonic)
    samples: list[Sample] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)
    live: list[LiveEvent] = field(default_factory=list)
    # Fault windows: from the injection to recovery plus a settling margin.
    windows: list[tuple[float, float]] = field(default_factory=list)

    def begin(self, name: str, *, fault: bool = False) -> Phase:
        now = time.monotonic()
        if self.phases and self.phases[-1].end is None:
            self.phases[-1].end = now
        phase = Phase(name, now, fault=fault)
        self.phases.append(phase)
        return phase

    def finish(self) -> None:
        if self.phases and self.phases[-1].end is None:
            self.phases[-1].end = time.monotonic()

    def in_fault(self, sample: Sample) -> bool:
        return any(sample.start <= b and sample.end >= a for a, b in self.windows)

    def phase_of(self, at: float) -> Phase | None:
        for phase in self.phases:
            if phase.start <= at and (phase.end is None or at < phase.end):
                return phase
        return None

    def stray_5xx(self) -> list[Sample]:
        """5xx answers (and proxy failures) outside every fault window."""
        return [s for s in self.samples
                if s.kind.startswith("5xx") and not self.in_fault(s)]


def percentile(sorted_ms: list[float], q: float) -> float:
    if not sorted_ms:
        return 0.0
    index = min(len(sorted_ms) - 1, max(0, round(q * (len(sorted_ms) - 1))))
    return sorted_ms[index]


def table(stats: Stats) -> str:
    head = (f"{'phase':<22}{'secs':>6}{'reqs':>8}{'req/s':>7}{'p50':>7}{'p95':>7}{'p99':>7}"
            f"{'live':>9}{'back in':>9}  errors")
    lines = [head, "-" * len(head)]
    for phase in stats.phases:
        end = phase.end or time.monotonic()
        mine = [s for s in stats.samples if phase.start <= s.start < end]
        ms = sorted((s.end - s.start) * 1000 for s in mine if not s.kind)
        errors = Counter(s.kind for s in mine if s.kind)
        live = [e for e in stats.live if phase.start <= e.at < end]
        live_text = f"{sum(e.delivered for e in live)}/{len(live)}"
        late = sum(e.delay_s is not None and not e.delivered for e in live)
        if late:  # missed while the socket was away, seen by the look after reconnecting
            phase.note = f"{late} caught up after a reconnect; {phase.note}".rstrip("; ")
        back = "" if phase.recovery_s is None else f"{phase.recovery_s:.1f}s"
        secs = end - phase.start
        err_text = ", ".join(f"{k} {n}" for k, n in errors.most_common(5)) or "-"
        lines.append(
            f"{phase.name:<22}{secs:>6.0f}{len(mine):>8}{len(mine) / max(secs, 0.001):>7.1f}"
            f"{percentile(ms, .5):>7.0f}{percentile(ms, .95):>7.0f}{percentile(ms, .99):>7.0f}"
            f"{live_text:>9}{back:>9}  {err_text}{'  ' + phase.note if phase.note else ''}")
    lines.append("(latencies in ms over successful requests; live = pay-page events "
                 "delivered over Socket.IO / payments made in the phase)")
    return "\n".join(lines)
