"""Geometry for the server-drawn SVG charts (templates analytics/_columns.html and
_bars.html): integer values in, rectangles in a fixed viewBox out. The SVG scales to its
container (width 100%) and paints with currentColor, so it reads at 375 px and in dark
mode with no script and no request elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

WIDTH, HEIGHT = 600, 240
PLOT_TOP, PLOT_BOTTOM, PLOT_LEFT = 32, 204, 4
# Horizontal bars get a narrower box, so their names stay legible on a phone.
BARS_WIDTH, BAR_ROW = 400, 30


def _compact(value: int) -> str:
    """1234567 -> "1.2M": axis labels only; the table beside the chart has exact figures."""
    for size, suffix in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if abs(value) >= size:
            whole, rest = divmod(abs(value) * 10 // size, 10)
            sign = "-" if value < 0 else ""
            return f"{sign}{whole}{'.' + str(rest) if rest and whole < 100 else ''}{suffix}"
    return str(value)


def columns(rows: Sequence[dict[str, Any]], key: str, unit: str = "") -> dict[str, Any]:
    """One column per bucket, scaled so the largest touches the top."""
    top = max((int(r[key]) for r in rows), default=0) or 1
    slot = (WIDTH - PLOT_LEFT) / max(1, len(rows))
    plot_h = PLOT_BOTTOM - PLOT_TOP
    bars = []
    for i, row in enumerate(rows):
        value = int(row[key])
        h = round(value * plot_h / top, 1)
        bars.append({"x": round(PLOT_LEFT + i * slot + slot * 0.12, 1), "w": round(slot * 0.76, 1),
                     "y": round(PLOT_BOTTOM - h, 1), "h": h, "value": value,
                     "label": row["label"]})
    return {"bars": bars, "width": WIDTH, "height": HEIGHT, "baseline": PLOT_BOTTOM,
            "top_label": f"{_compact(top)} {unit}".strip() if any(b["value"] for b in bars)
            else "no data yet",
            "first": rows[0]["label"] if rows else "", "last": rows[-1]["label"] if rows else ""}


def bars(rows: Sequence[dict[str, Any]], key: str, name_key: str) -> dict[str, Any]:
    """Horizontal bars, one row per item, longest first as given."""
    top = max((int(r[key]) for r in rows), default=0) or 1
    out = []
    for i, row in enumerate(rows):
        value = int(row[key])
        name = str(row[name_key])
        out.append({"y": i * BAR_ROW, "w": round(value * (BARS_WIDTH - 4) / top, 1),
                    "value": value, "text": name if len(name) <= 36 else name[:35] + "…",
                    "value_text": _compact(value)})
    return {"bars": out, "width": BARS_WIDTH, "height": max(BAR_ROW, len(out) * BAR_ROW),
            "row": BAR_ROW}
