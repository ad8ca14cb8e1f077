"""Product pictures for the demo listings, drawn locally with Pillow from a fixed seed (a
gradient backdrop, a simple object per category, the item's name): no downloads, the same
pictures on every run."""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from PIL import Image, ImageDraw, ImageFont

SEED = 21_000_000
IMAGE_SIDE = 640


MOTIFS = ["plate", "device", "board", "box", "book", "disc", "bag", "mug", "shirt", "frame",
          "coin", "screen"]

MOTIF_OF_CATEGORY = {
    "hardware-wallets": "plate", "mining": "board", "computers": "box", "phones": "device",
    "books": "book", "music": "disc", "coffee-tea": "bag", "kitchen": "mug", "garden": "box",
    "apparel": "shirt", "bags": "bag", "ebooks": "screen", "software": "screen",
    "courses": "screen", "prints": "frame", "coins": "coin",
}

PALETTES = [
    ((247, 147, 26), (255, 214, 153)), ((30, 41, 59), (71, 85, 105)),
    ((13, 148, 136), (153, 246, 228)), ((124, 58, 237), (221, 214, 254)),
    ((220, 38, 38), (254, 202, 202)), ((22, 163, 74), (187, 247, 208)),
    ((37, 99, 235), (191, 219, 254)), ((120, 53, 15), (253, 230, 138)),
]


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _gradient(size: int, top: tuple[int, int, int], bottom: tuple[int, int, int],
              angle: float) -> Image.Image:
    # Rotate a large gradient and keep its centre, so no corner is left unfilled.
    mask = (Image.linear_gradient("L").rotate(angle, resample=Image.Resampling.BICUBIC)
            .crop((64, 64, 192, 192)).resize((size, size), Image.Resampling.BICUBIC))
    return Image.composite(Image.new("RGB", (size, size), bottom),
                           Image.new("RGB", (size, size), top), mask)


def _shade(color: tuple[int, int, int], k: float) -> tuple[int, int, int]:
    return (min(255, int(color[0] * k)), min(255, int(color[1] * k)),
            min(255, int(color[2] * k)))


RGB = tuple[int, int, int]


class Palette(NamedTuple):
    main: RGB
    dark: RGB
    light: RGB
    white: RGB
    ink: RGB


def _plate(d: ImageDraw.ImageDraw, cx: int, cy: int, s: int, pal: Palette,
           rnd: random.Random) -> None:
    d.rounded_rectangle((cx - s, cy - s * 0.62, cx + s, cy + s * 0.62), radius=s // 8,
                        fill=(200, 203, 208), outline=(120, 124, 130), width=4)
    for row in range(4):
        for col in range(6):
            x = cx - s * 0.85 + col * s * 0.3
            y = cy - s * 0.42 + row * s * 0.27
            d.rectangle((x, y, x + s * 0.22, y + s * 0.14), outline=(130, 134, 140), width=2)
            if rnd.random() < 0.7:
                d.text((x + 4, y + 1), "".join(rnd.choice("ABCDEFGHIKLMNOPRSTUW")
                                               for _ in range(4)), fill=pal.ink, font=_font(13))


def _device(d: ImageDraw.ImageDraw, cx: int, cy: int, s: int, pal: Palette,
            rnd: random.Random) -> None:
    d.rounded_rectangle((cx - s * 0.55, cy - s, cx + s * 0.55, cy + s), radius=s // 5,
                        fill=pal.ink, outline=pal.dark, width=6)
    d.rounded_rectangle((cx - s * 0.45, cy - s * 0.85, cx + s * 0.45, cy + s * 0.55),
                        radius=s // 12, fill=pal.main)
    d.ellipse((cx - s * 0.12, cy + s * 0.68, cx + s * 0.12, cy + s * 0.92), fill=pal.light)


def _board(d: ImageDraw.ImageDraw, cx: int, cy: int, s: int, pal: Palette,
           rnd: random.Random) -> None:
    d.rounded_rectangle((cx - s, cy - s * 0.6, cx + s, cy + s * 0.6), radius=12,
                        fill=(70, 74, 82), outline=pal.ink, width=5)
    for fx in (cx - s * 0.5, cx + s * 0.5):
        d.ellipse((fx - s * 0.4, cy - s * 0.4, fx + s * 0.4, cy + s * 0.4), fill=pal.ink)
        for k in range(7):
            a = k * math.tau / 7 + rnd.random() * 0.3
            d.line((fx, cy, fx + math.cos(a) * s * 0.36, cy + math.sin(a) * s * 0.36),
                   fill=(120, 124, 130), width=6)
        d.ellipse((fx - s * 0.08, cy - s * 0.08, fx + s * 0.08, cy + s * 0.08), fill=pal.main)


def _box(d: ImageDraw.ImageDraw, cx: int, cy: int, s: int, pal: Palette,
         rnd: random.Random) -> None:
    d.polygon([(cx - s, cy - s * 0.3), (cx, cy - s * 0.8), (cx + s, cy - s * 0.3),
               (cx, cy + s * 0.2)], fill=pal.light)
    d.polygon([(cx - s, cy - s * 0.3), (cx, cy + s * 0.2), (cx, cy + s),
               (cx - s, cy + s * 0.5)], fill=pal.main)
    d.polygon([(cx + s, cy - s * 0.3), (cx, cy + s * 0.2), (cx, cy + s),
               (cx + s, cy + s * 0.5)], fill=pal.dark)


def _book(d: ImageDraw.ImageDraw, cx: int, cy: int, s: int, pal: Palette,
          rnd: random.Random) -> None:
    d.rectangle((cx - s * 0.7, cy - s, cx + s * 0.7, cy + s), fill=pal.main, outline=pal.dark,
                width=6)
    d.rectangle((cx - s * 0.7, cy - s, cx - s * 0.55, cy + s), fill=pal.dark)
    d.rectangle((cx - s * 0.4, cy - s * 0.6, cx + s * 0.55, cy - s * 0.2), fill=pal.white)
    d.line((cx - s * 0.4, cy + s * 0.5, cx + s * 0.55, cy + s * 0.5), fill=pal.light, width=5)


def _disc(d: ImageDraw.ImageDraw, cx: int, cy: int, s: int, pal: Palette,
          rnd: random.Random) -> None:
    d.ellipse((cx - s, cy - s, cx + s, cy + s), fill=pal.ink)
    for r in range(3, 10):
        rr = s * r / 10
        d.ellipse((cx - rr, cy - rr, cx + rr, cy + rr), outline=(55, 55, 60), width=2)
    d.ellipse((cx - s * 0.32, cy - s * 0.32, cx + s * 0.32, cy + s * 0.32), fill=pal.main)
    d.ellipse((cx - s * 0.04, cy - s * 0.04, cx + s * 0.04, cy + s * 0.04), fill=pal.white)


def _bag(d: ImageDraw.ImageDraw, cx: int, cy: int, s: int, pal: Palette,
         rnd: random.Random) -> None:
    d.polygon([(cx - s * 0.7, cy - s * 0.7), (cx + s * 0.7, cy - s * 0.7),
               (cx + s * 0.8, cy + s), (cx - s * 0.8, cy + s)], fill=pal.main, outline=pal.dark)
    d.rectangle((cx - s * 0.7, cy - s * 0.9, cx + s * 0.7, cy - s * 0.7), fill=pal.dark)
    d.rounded_rectangle((cx - s * 0.45, cy - s * 0.2, cx + s * 0.45, cy + s * 0.45),
                        radius=10, fill=pal.white)


def _mug(d: ImageDraw.ImageDraw, cx: int, cy: int, s: int, pal: Palette,
         rnd: random.Random) -> None:
    d.rounded_rectangle((cx - s * 0.7, cy - s * 0.7, cx + s * 0.5, cy + s * 0.9),
                        radius=s // 6, fill=pal.main, outline=pal.dark, width=5)
    d.arc((cx + s * 0.25, cy - s * 0.35, cx + s, cy + s * 0.45), -90, 90, fill=pal.dark,
          width=int(s * 0.12))
    for k in range(3):
        x = cx - s * 0.4 + k * s * 0.3
        d.arc((x - 14, cy - s * 1.2, x + 14, cy - s * 0.8), 90, 270, fill=pal.white, width=4)


def _shirt(d: ImageDraw.ImageDraw, cx: int, cy: int, s: int, pal: Palette,
           rnd: random.Random) -> None:
    d.polygon([(cx - s * 0.45, cy - s * 0.9), (cx - s, cy - s * 0.5),
               (cx - s * 0.75, cy - s * 0.15), (cx - s * 0.6, cy - s * 0.25),
               (cx - s * 0.6, cy + s), (cx + s * 0.6, cy + s), (cx + s * 0.6, cy - s * 0.25),
               (cx + s * 0.75, cy - s * 0.15), (cx + s, cy - s * 0.5),
               (cx + s * 0.45, cy - s * 0.9)], fill=pal.main, outline=pal.dark)
    d.arc((cx - s * 0.25, cy - s * 1.05, cx + s * 0.25, cy - s * 0.65), 0, 180, fill=pal.dark,
          width=6)
    d.ellipse((cx - s * 0.2, cy - s * 0.2, cx + s * 0.2, cy + s * 0.2), fill=pal.white)


def _frame(d: ImageDraw.ImageDraw, cx: int, cy: int, s: int, pal: Palette,
           rnd: random.Random) -> None:
    d.rectangle((cx - s, cy - s * 0.8, cx + s, cy + s * 0.8), fill=(120, 80, 40))
    d.rectangle((cx - s * 0.85, cy - s * 0.65, cx + s * 0.85, cy + s * 0.65), fill=pal.white)
    for _ in range(6):
        rad = rnd.uniform(0.1, 0.3) * s
        px = rnd.uniform(cx - s * 0.6, cx + s * 0.6)
        py = rnd.uniform(cy - s * 0.4, cy + s * 0.4)
        d.ellipse((px - rad, py - rad, px + rad, py + rad),
                  fill=rnd.choice([pal.main, pal.dark, pal.light]))


def _coin(d: ImageDraw.ImageDraw, cx: int, cy: int, s: int, pal: Palette,
          rnd: random.Random) -> None:
    d.ellipse((cx - s, cy - s, cx + s, cy + s), fill=(212, 175, 55), outline=(150, 120, 30),
              width=8)
    d.ellipse((cx - s * 0.8, cy - s * 0.8, cx + s * 0.8, cy + s * 0.8),
              outline=(170, 140, 40), width=4)
    d.text((cx, cy), rnd.choice(["21", "BTC", "1 oz"]), fill=(150, 120, 30),
           font=_font(int(s * 0.5)), anchor="mm")


def _screen(d: ImageDraw.ImageDraw, cx: int, cy: int, s: int, pal: Palette,
            rnd: random.Random) -> None:
    d.rounded_rectangle((cx - s, cy - s * 0.7, cx + s, cy + s * 0.6), radius=14, fill=pal.ink)
    d.rectangle((cx - s * 0.9, cy - s * 0.6, cx + s * 0.9, cy + s * 0.5), fill=pal.white)
    d.rectangle((cx - s * 0.9, cy - s * 0.6, cx + s * 0.9, cy - s * 0.45), fill=pal.main)
    for k in range(5):
        w = rnd.uniform(0.6, 1.6)
        y = cy - s * 0.3 + k * s * 0.15
        d.line((cx - s * 0.8, y, cx - s * 0.8 + w * s, y), fill=(160, 160, 165), width=6)
    d.polygon([(cx - s * 0.3, cy + s * 0.6), (cx + s * 0.3, cy + s * 0.6),
               (cx + s * 0.45, cy + s * 0.85), (cx - s * 0.45, cy + s * 0.85)], fill=pal.dark)


DRAW: dict[str, Callable[[ImageDraw.ImageDraw, int, int, int, Palette, random.Random], None]] = {
    "plate": _plate,
    "device": _device,
    "board": _board,
    "box": _box,
    "book": _book,
    "disc": _disc,
    "bag": _bag,
    "mug": _mug,
    "shirt": _shirt,
    "frame": _frame,
    "coin": _coin,
    "screen": _screen,
}


def _draw_motif(d: ImageDraw.ImageDraw, motif: str, cx: int, cy: int, s: int,
                main: tuple[int, int, int], rnd: random.Random) -> None:
    pal = Palette(main, _shade(main, 0.55), _shade(main, 1.6), (250, 250, 250), (28, 28, 30))
    DRAW.get(motif, _screen)(d, cx, cy, s, pal, rnd)


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if len(candidate) > width and line:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines[:3]


def render_image(title: str, motif: str, seed: str, variant: int = 0) -> bytes:
    """A product-like picture (PNG bytes): a gradient backdrop, a drawn object, the name."""
    rnd = random.Random(f"{SEED}:{seed}:{variant}")  # noqa: S311 (pictures, not secrets)
    top, bottom = PALETTES[rnd.randrange(len(PALETTES))]
    if variant % 2:
        top, bottom = bottom, top
    size = IMAGE_SIDE
    img = _gradient(size, _shade(top, 1.0), _shade(bottom, 1.0), rnd.uniform(-30, 30))
    d = ImageDraw.Draw(img)
    # Soft floor shadow, then the object; variants zoom in as "detail" shots.
    scale = (0.26, 0.36, 0.31)[variant % 3]
    cx, cy, s = size // 2, int(size * 0.43), int(size * scale)
    d.ellipse((cx - s, cy + s * 0.95, cx + s, cy + s * 1.2), fill=_shade(bottom, 0.75))
    main = PALETTES[rnd.randrange(len(PALETTES))][0]
    _draw_motif(d, motif, cx, cy, s, main, rnd)
    # The item's name on a banner along the bottom.
    lines = _wrap(title, 30)
    banner_h = 26 + 34 * len(lines)
    d.rectangle((0, size - banner_h, size, size), fill=(255, 255, 255))
    for k, line in enumerate(lines):
        d.text((24, size - banner_h + 14 + 34 * k), line, fill=(24, 24, 27), font=_font(28))
    if variant:
        d.text((size - 20, 20), ("", "detail", "side view")[variant % 3], fill=(255, 255, 255),
               font=_font(20), anchor="ra")
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False)
    return out.getvalue()


