"""Product pictures for the demo listings, drawn locally with Pillow from a fixed seed: a
gradient backdrop, a soft shadow and the object the listing sells (its motif: a silver round,
a tote, a backpack, a kettle…, demo/motifs_gear.py and demo/motifs_goods.py). No text is
laid over the picture — the listing's title is on the page — and nothing is downloaded: the
same pictures on every run."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

from cryptoshop.demo.drawing import Motif, Palette, shade
from cryptoshop.demo.motifs_gear import MOTIFS as GEAR
from cryptoshop.demo.motifs_goods import MOTIFS as GOODS

SEED = 21_000_000
IMAGE_SIDE = 640

DRAW: dict[str, Motif] = {**GEAR, **GOODS}
MOTIFS = sorted(DRAW)

# The motif of a listing whose ItemSpec names none (demo/catalog_data.py).
MOTIF_OF_CATEGORY = {
    "hardware-wallets": "plate", "mining": "board", "computers": "minipc", "phones": "device",
    "books": "book", "music": "disc", "coffee-tea": "bag", "kitchen": "mug", "garden": "plant",
    "apparel": "shirt", "bags": "tote", "ebooks": "screen", "software": "screen",
    "courses": "screen", "prints": "frame", "coins": "coin",
}

PALETTES = [
    ((247, 147, 26), (255, 214, 153)), ((30, 41, 59), (71, 85, 105)),
    ((13, 148, 136), (153, 246, 228)), ((124, 58, 237), (221, 214, 254)),
    ((220, 38, 38), (254, 202, 202)), ((22, 163, 74), (187, 247, 208)),
    ((37, 99, 235), (191, 219, 254)), ((120, 53, 15), (253, 230, 138)),
]

# Variants: the product shot, a closer "detail" shot, a smaller shot from further away.
SCALES = (0.3, 0.38, 0.25)


def _gradient(size: int, top: tuple[int, int, int], bottom: tuple[int, int, int],
              angle: float) -> Image.Image:
    # Rotate a large gradient and keep its centre, so no corner is left unfilled.
    mask = (Image.linear_gradient("L").rotate(angle, resample=Image.Resampling.BICUBIC)
            .crop((64, 64, 192, 192)).resize((size, size), Image.Resampling.BICUBIC))
    return Image.composite(Image.new("RGB", (size, size), bottom),
                           Image.new("RGB", (size, size), top), mask)


def render_image(motif: str, seed: str, variant: int = 0) -> bytes:
    """A product-like picture (PNG bytes) of ``motif``; the same for the same arguments."""
    rnd = random.Random(f"{SEED}:{seed}:{variant}")  # noqa: S311 (pictures, not secrets)
    backdrop = rnd.randrange(len(PALETTES))
    top, bottom = PALETTES[backdrop]
    if variant % 2:
        top, bottom = bottom, top
    size = IMAGE_SIDE
    img = _gradient(size, top, bottom, rnd.uniform(-30, 30))
    d = ImageDraw.Draw(img)
    s = int(size * SCALES[variant % len(SCALES)])
    cx, cy = size // 2 + (0, 0, int(size * 0.06))[variant % 3], int(size * 0.46)
    d.ellipse((cx - s, cy + s * 0.95, cx + s, cy + s * 1.2), fill=shade(bottom, 0.75))
    # The object's colour is never the backdrop's.
    main = PALETTES[(backdrop + 1 + rnd.randrange(len(PALETTES) - 1)) % len(PALETTES)][0]
    palette = Palette(main, shade(main, 0.55), shade(main, 1.6), (250, 250, 250), (28, 28, 30))
    DRAW.get(motif, DRAW["box"])(d, cx, cy, s, palette, rnd)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False)
    return out.getvalue()
