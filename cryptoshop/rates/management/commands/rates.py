"""`manage.py rates refresh` (fetch now, print the quotes) and `rates show [CURRENCY]`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cryptoshop.rates import actions, config
from cryptoshop.rates.errors import RateUnavailable


class Command(BaseCommand):
    help = "Exchange rates: fetch the sources now, or show the current rate."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("refresh", help="fetch every enabled source now and print the quotes")
        show = sub.add_parser("show", help="show the rate (default: every configured currency)")
        show.add_argument("currency", nargs="?", help="e.g. USD")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "refresh":
            self._refresh()
        else:
            self._show(options.get("currency"))

    def _refresh(self) -> None:
        cfg = config.load()
        if cfg.fixed_mode:
            self.stdout.write("fixed-rate mode (CRYPTOSHOP_FIXED_RATES): no source is asked")
            actions.announce_refresh()
            return
        if not cfg.sources:
            self.stdout.write("no sources enabled (CRYPTOSHOP_RATE_SOURCES): nothing to do")
            return
        quotes = actions.refresh_rates()
        actions.announce_refresh()  # e.g. the listings' sats estimates follow the rates
        for q in sorted(quotes, key=lambda q: (q.currency, q.source)):
            self.stdout.write(f"{q.currency} {q.source:<10} {q.rate}")
        silent = sorted({s.name for s in cfg.sources} - {q.source for q in quotes})
        self.stdout.write(f"{len(quotes)} quotes from {len(cfg.sources) - len(silent)} of "
                          f"{len(cfg.sources)} sources"
                          + (f"; no answer from {', '.join(silent)}" if silent else ""))

    def _show(self, currency: str | None) -> None:
        cfg = config.load()
        currencies = [currency] if currency else (sorted(cfg.fixed) if cfg.fixed_mode
                                                  else list(cfg.currencies))
        now = timezone.now()
        failed = False
        for cur in currencies:
            try:
                rate = actions.compute_rate(cur)
            except RateUnavailable as exc:
                self.stdout.write(f"{cur.upper()}: {exc.message}")
                failed = True
                continue
            self.stdout.write(f"{rate.currency}: {rate.rate} ({rate.method})")
            for q in rate.used:
                age = int((now - q.fetched_at).total_seconds())
                self.stdout.write(f"    {q.source:<10} {q.rate}  {age} s old")
            for e in rate.excluded:
                self.stdout.write(f"    {e.quote.source:<10} {e.quote.rate}  not used: {e.reason}")
        if failed and currency:
            raise CommandError("rate unavailable")
