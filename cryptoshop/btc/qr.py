"""QR codes as inline SVG, rendered on the server so pages need no JavaScript."""

from __future__ import annotations

import io

import segno

from .errors import BitcoinError


def qr_svg(data: str, *, scale: int = 4, border: int = 2, title: str | None = None) -> str:
    """Render ``data`` (e.g. a BIP21 URI) as a standalone SVG string.

    Error correction "M" is the usual wallet-scanner compromise between density and
    robustness; segno picks the smallest version and the alphanumeric mode when the data
    is upper-case (see ``build_uri(qr_uppercase=True)``).
    """
    if not isinstance(data, str) or not data:
        raise BitcoinError("QR data must be a non-empty string")
    try:
        code = segno.make(data, error="m", micro=False)
    except Exception as exc:  # segno raises DataOverflowError for too much data
        raise BitcoinError(f"cannot encode QR code: {exc}") from exc
    out = io.BytesIO()
    code.save(
        out,
        kind="svg",
        scale=scale,
        border=border,
        xmldecl=False,
        svgns=True,
        title=title,
        nl=False,
        dark="#000",
        light="#fff",
    )
    return out.getvalue().decode("utf-8")
