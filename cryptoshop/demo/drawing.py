"""What the demo pictures' motifs share: the palette, a font, an oblique box, a fan. Each
motif is a function ``(draw, cx, cy, s, palette, rnd)`` that draws one object centred on
(cx, cy), about ``2 s`` across, in flat shapes (demo/motifs_gear.py, demo/motifs_goods.py)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from PIL import Image, ImageDraw, ImageFont

RGB = tuple[int, int, int]
SILVER: RGB = (200, 203, 208)
STEEL_EDGE: RGB = (120, 124, 130)
WOOD: RGB = (160, 110, 62)


class Palette(NamedTuple):
    main: RGB
    dark: RGB
    light: RGB
    white: RGB
    ink: RGB


Motif = Callable[[ImageDraw.ImageDraw, int, int, int, Palette, random.Random], None]


def shade(color: RGB, k: float) -> RGB:
    return (min(255, int(color[0] * k)), min(255, int(color[1] * k)),
            min(255, int(color[2] * k)))


@lru_cache(maxsize=16)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def slab(d: ImageDraw.ImageDraw, box: tuple[float, float, float, float], depth: float,
         color: RGB, outline: RGB | None = None) -> None:
    """A box in oblique view: its front face ``box``, the top and right side ``depth`` deep
    (lit from above: the top lighter, the side darker)."""
    x0, y0, x1, y1 = box
    d.polygon([(x0, y0), (x0 + depth, y0 - depth), (x1 + depth, y0 - depth), (x1, y0)],
              fill=shade(color, 1.25), outline=outline)
    d.polygon([(x1, y0), (x1 + depth, y0 - depth), (x1 + depth, y1 - depth), (x1, y1)],
              fill=shade(color, 0.7), outline=outline)
    d.rectangle(box, fill=color, outline=outline)


def fan(d: ImageDraw.ImageDraw, x: float, y: float, r: float, hub: RGB,
        rnd: random.Random, blades: int = 7) -> None:
    """A fan seen from the front: housing, blades, hub."""
    d.ellipse((x - r, y - r, x + r, y + r), fill=(28, 28, 30))
    start = rnd.random()
    for k in range(blades):
        a = start + k * math.tau / blades
        d.line((x, y, x + math.cos(a) * r * 0.9, y + math.sin(a) * r * 0.9),
               fill=(120, 124, 130), width=max(2, int(r * 0.14)))
    d.ellipse((x - r * 0.22, y - r * 0.22, x + r * 0.22, y + r * 0.22), fill=hub)


def text_on_circle(d: ImageDraw.ImageDraw, text: str, cx: float, cy: float, radius: float,
                   size: int, fill: RGB) -> None:
    """Engrave ``text`` clockwise around a circle (a coin's rim), one rotated letter at a
    time, each drawn through its own mask."""
    step = 360 / max(len(text), 1)
    for k, char in enumerate(text):
        angle = -90 + k * step
        glyph = Image.new("L", (size * 2, size * 2), 0)
        ImageDraw.Draw(glyph).text((size, size), char, fill=255, font=font(size), anchor="mm")
        glyph = glyph.rotate(-angle - 90, resample=Image.Resampling.BICUBIC)
        x = cx + math.cos(math.radians(angle)) * radius - size
        y = cy + math.sin(math.radians(angle)) * radius - size
        d.bitmap((int(x), int(y)), glyph, fill=fill)
