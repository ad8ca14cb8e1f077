"""Uploaded images: checked by content, re-encoded, metadata stripped, thumbnails made.

Why re-encode: a re-encoded image carries none of the original's metadata (EXIF GPS
position, camera serial, editing history) and none of any payload hidden in the file. The
type is decided by Pillow parsing the pixels, never by the file name or Content-Type.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # decompression-bomb guard
MAX_SIDE = 2000
THUMB_SIDE = 480
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


class ImageRejected(ValueError):
    pass


@dataclass(frozen=True)
class StoredImage:
    path: str  # relative to MEDIA_ROOT
    thumb_path: str
    width: int
    height: int


def _open(data: bytes) -> Image.Image:
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageRejected(f"Images must be at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
    if not data:
        raise ImageRejected("The file is empty.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected(
            "That file is not an image we can read (JPEG, PNG, WebP or GIF).") from exc
    except Image.DecompressionBombError as exc:
        raise ImageRejected("That image is too large.") from exc
    if fmt not in ACCEPTED_FORMATS:
        raise ImageRejected("Only JPEG, PNG, WebP or GIF images are accepted.")
    if width * height > MAX_PIXELS:
        raise ImageRejected("That image has too many pixels.")
    image = Image.open(io.BytesIO(data))  # verify() consumed the probe; reopen to decode
    try:
        image.load()
    except (OSError, ValueError) as exc:
        raise ImageRejected("That image is damaged.") from exc
    return image


def _clean(image: Image.Image) -> Image.Image:
    # Apply the EXIF orientation to the pixels, then drop all metadata by copying pixels
    # into a fresh image (no info, no EXIF, no ICC comments).
    image = ImageOps.exif_transpose(image) or image
    has_alpha = image.mode in {"RGBA", "LA"} or (
        image.mode == "P" and "transparency" in image.info)
    mode = "RGBA" if has_alpha else "RGB"
    clean = Image.new(mode, image.size)
    clean.paste(image.convert(mode))
    return clean


def _encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=82, method=4)
    return out.getvalue()


def check_image(data: bytes) -> None:
    """Raise ImageRejected unless store_image() would accept these bytes (nothing written):
    lets a form check every file before it saves anything."""
    _open(data).close()


def store_image(data: bytes, folder: str) -> StoredImage:
    """Validate, re-encode as WebP (max 2000 px) with a 480 px thumbnail; write both."""
    clean = _clean(_open(data))
    clean.thumbnail((MAX_SIDE, MAX_SIDE))
    thumb = clean.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    name = secrets.token_hex(12)
    root = Path(settings.MEDIA_ROOT) / folder
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{name}.webp").write_bytes(_encode(clean))
    (root / f"{name}-thumb.webp").write_bytes(_encode(thumb))
    return StoredImage(path=f"{folder}/{name}.webp", thumb_path=f"{folder}/{name}-thumb.webp",
                       width=clean.width, height=clean.height)


def delete_image(*paths: str) -> None:
    root = Path(settings.MEDIA_ROOT).resolve()
    for rel in paths:
        if not rel:
            continue
        target = (root / rel).resolve()
        if target.is_relative_to(root):
            target.unlink(missing_ok=True)


def read_upload(upload: Any) -> bytes | None:
    """An uploaded file's bytes, read only up to one byte past MAX_UPLOAD_BYTES: enough for
    store_image to refuse an oversized file with its own message, without buffering it all."""
    if upload is None:
        return None
    data: bytes = upload.read(MAX_UPLOAD_BYTES + 1)
    return data
