"""Serve public media (re-encoded listing images and store logos) from MEDIA_ROOT.

Only the public folders are served; encrypted digital goods under media/digital/ never
are (they are delivered through the order page after payment)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest

PUBLIC_FOLDERS = ("listings/", "logos/")


def serve_media(request: HttpRequest, path: str) -> FileResponse:
    if (not path.startswith(PUBLIC_FOLDERS) or not path.endswith(".webp")
            or "\x00" in path):  # the OS refuses NUL in a path (ValueError, a 500)
        raise Http404
    root = Path(settings.MEDIA_ROOT).resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        raise Http404
    response = FileResponse(target.open("rb"), content_type="image/webp")
    # Names are random and never reused, so the file can be cached for good.
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
