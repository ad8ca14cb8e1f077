"""Demo picture motifs for goods: books and records, coffee and kitchen, garden, clothing and
bags, prints and coins. Each draws one object about ``2 s`` across centred on (cx, cy)
(demo/drawing.py)."""

from __future__ import annotations

import math
import random

from PIL import ImageDraw

from cryptoshop.demo.drawing import (
    SILVER,
    STEEL_EDGE,
    WOOD,
    Motif,
    Palette,
    font,
    shade,
    text_on_circle,
)

Draw = ImageDraw.ImageDraw
GENESIS_HASH = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
CANVAS = (236, 226, 200)
LEATHER = (120, 72, 40)


def box(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    d.polygon([(cx - s, cy - s * 0.3), (cx, cy - s * 0.8), (cx + s, cy - s * 0.3),
               (cx, cy + s * 0.2)], fill=pal.light)
    d.polygon([(cx - s, cy - s * 0.3), (cx, cy + s * 0.2), (cx, cy + s),
               (cx - s, cy + s * 0.5)], fill=pal.main)
    d.polygon([(cx + s, cy - s * 0.3), (cx, cy + s * 0.2), (cx, cy + s),
               (cx + s, cy + s * 0.5)], fill=pal.dark)


def book(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    d.rectangle((cx - s * 0.7, cy - s, cx + s * 0.7, cy + s), fill=pal.main, outline=pal.dark,
                width=6)
    d.rectangle((cx - s * 0.7, cy - s, cx - s * 0.55, cy + s), fill=pal.dark)
    d.rectangle((cx - s * 0.4, cy - s * 0.6, cx + s * 0.55, cy - s * 0.2), fill=pal.white)
    d.line((cx - s * 0.4, cy + s * 0.5, cx + s * 0.55, cy + s * 0.5), fill=pal.light, width=5)


def notebook(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """An open dot-grid notebook with a ribbon."""
    d.rounded_rectangle((cx - s * 1.02, cy - s * 0.72, cx + s * 1.02, cy + s * 0.72), radius=10,
                        fill=pal.ink)
    for x0 in (cx - s * 0.97, cx + s * 0.02):
        d.rectangle((x0, cy - s * 0.66, x0 + s * 0.95, cy + s * 0.66), fill=pal.white)
        for row in range(9):
            for col in range(7):
                x, y = x0 + s * 0.1 + col * s * 0.125, cy - s * 0.56 + row * s * 0.14
                d.ellipse((x - 1.5, y - 1.5, x + 1.5, y + 1.5), fill=(170, 170, 175))
    d.line((cx, cy - s * 0.66, cx, cy + s * 0.66), fill=(200, 200, 205), width=3)
    d.polygon([(cx + s * 0.3, cy + s * 0.6), (cx + s * 0.38, cy + s * 0.6),
               (cx + s * 0.38, cy + s * 1.0), (cx + s * 0.34, cy + s * 0.94),
               (cx + s * 0.3, cy + s * 1.0)], fill=pal.main)


def disc(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    d.ellipse((cx - s, cy - s, cx + s, cy + s), fill=pal.ink)
    for r in range(3, 10):
        rr = s * r / 10
        d.ellipse((cx - rr, cy - rr, cx + rr, cy + rr), outline=(55, 55, 60), width=2)
    d.ellipse((cx - s * 0.32, cy - s * 0.32, cx + s * 0.32, cy + s * 0.32), fill=pal.main)
    d.ellipse((cx - s * 0.04, cy - s * 0.04, cx + s * 0.04, cy + s * 0.04), fill=pal.white)


def headphones(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    d.arc((cx - s * 0.8, cy - s * 0.95, cx + s * 0.8, cy + s * 0.6), 180, 360, fill=pal.ink,
          width=max(8, int(s * 0.12)))
    for x in (cx - s * 0.8, cx + s * 0.8):
        d.rounded_rectangle((x - s * 0.22, cy - s * 0.25, x + s * 0.22, cy + s * 0.55),
                            radius=s * 0.12, fill=pal.main, outline=pal.ink, width=4)
        d.rounded_rectangle((x - s * 0.1, cy - s * 0.15, x + s * 0.1, cy + s * 0.45),
                            radius=s * 0.06, fill=pal.dark)


def _bag(d: Draw, cx: int, cy: int, s: int, pal: Palette) -> None:
    d.polygon([(cx - s * 0.7, cy - s * 0.7), (cx + s * 0.7, cy - s * 0.7),
               (cx + s * 0.8, cy + s), (cx - s * 0.8, cy + s)], fill=pal.main, outline=pal.dark)
    d.rectangle((cx - s * 0.7, cy - s * 0.9, cx + s * 0.7, cy - s * 0.7), fill=pal.dark)
    d.rounded_rectangle((cx - s * 0.45, cy - s * 0.2, cx + s * 0.45, cy + s * 0.45),
                        radius=10, fill=pal.white)
    d.ellipse((cx + s * 0.3, cy - s * 0.58, cx + s * 0.46, cy - s * 0.42), fill=pal.dark)


def bag(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A bag of coffee: a valve, and beans on the label."""
    _bag(d, cx, cy, s, pal)
    for bx, tilt in ((cx - s * 0.15, -20), (cx + s * 0.17, 25)):
        bean = (bx - s * 0.13, cy - s * 0.02, bx + s * 0.13, cy + s * 0.26)
        d.ellipse(bean, fill=(111, 64, 30))
        d.arc(bean, 250 + tilt, 110 + tilt, fill=(60, 32, 14), width=3)


def tea(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A bag of loose tea: a leaf on the label."""
    _bag(d, cx, cy, s, pal)
    d.chord((cx - s * 0.3, cy - s * 0.05, cx + s * 0.3, cy + s * 0.35), 200, 20,
            fill=(52, 140, 70))
    d.chord((cx - s * 0.3, cy - s * 0.15, cx + s * 0.3, cy + s * 0.25), 20, 200,
            fill=(74, 170, 92))


def mug(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    d.rounded_rectangle((cx - s * 0.7, cy - s * 0.7, cx + s * 0.5, cy + s * 0.9),
                        radius=s // 6, fill=pal.main, outline=pal.dark, width=5)
    d.arc((cx + s * 0.25, cy - s * 0.35, cx + s, cy + s * 0.45), -90, 90, fill=pal.dark,
          width=int(s * 0.12))
    for k in range(3):
        x = cx - s * 0.4 + k * s * 0.3
        d.arc((x - 14, cy - s * 1.2, x + 14, cy - s * 0.8), 90, 270, fill=pal.white, width=4)


def mugs(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """Two glazed mugs, the second a little behind."""
    glaze = Palette((234, 110, 30), (160, 70, 20), (250, 180, 120), pal.white, pal.ink)
    mug(d, int(cx + s * 0.35), int(cy - s * 0.15), int(s * 0.7), glaze, rnd)
    mug(d, int(cx - s * 0.35), int(cy + s * 0.15), int(s * 0.75), glaze, rnd)


def grinder(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A hand grinder: steel body, knurled grip, a crank with a wooden knob."""
    d.rounded_rectangle((cx - s * 0.3, cy - s * 0.45, cx + s * 0.3, cy + s * 0.95),
                        radius=s * 0.08, fill=SILVER, outline=STEEL_EDGE, width=3)
    for k in range(9):
        x = cx - s * 0.26 + k * s * 0.065
        d.line((x, cy + s * 0.05, x, cy + s * 0.4), fill=STEEL_EDGE, width=2)
    d.rectangle((cx - s * 0.32, cy - s * 0.55, cx + s * 0.32, cy - s * 0.42), fill=pal.ink)
    d.rectangle((cx - s * 0.04, cy - s * 0.75, cx + s * 0.04, cy - s * 0.55), fill=STEEL_EDGE)
    d.line((cx, cy - s * 0.72, cx + s * 0.75, cy - s * 0.9), fill=pal.ink, width=max(6, s // 16))
    d.ellipse((cx + s * 0.62, cy - s * 1.08, cx + s * 0.88, cy - s * 0.82), fill=WOOD)


def kettle(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A gooseneck kettle with a thermometer in its lid."""
    body = pal.ink
    d.line([(cx - s * 0.45, cy + s * 0.55), (cx - s * 0.75, cy + s * 0.25),
            (cx - s * 0.88, cy - s * 0.25), (cx - s * 1.05, cy - s * 0.42)], fill=body,
           width=max(8, s // 11), joint="curve")
    d.arc((cx + s * 0.2, cy - s * 0.55, cx + s * 0.95, cy + s * 0.6), -80, 80, fill=pal.main,
          width=max(10, s // 9))
    d.rounded_rectangle((cx - s * 0.6, cy - s * 0.3, cx + s * 0.55, cy + s * 0.9),
                        radius=s * 0.25, fill=body)
    d.ellipse((cx - s * 0.35, cy - s * 0.45, cx + s * 0.3, cy - s * 0.2), fill=shade(body, 1.8))
    d.line((cx - s * 0.02, cy - s * 0.45, cx - s * 0.02, cy - s * 0.7), fill=SILVER, width=4)
    d.ellipse((cx - s * 0.12, cy - s * 0.88, cx + s * 0.08, cy - s * 0.68), fill=SILVER,
              outline=STEEL_EDGE, width=2)


def dripper(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A ceramic pour-over cone on a glass carafe."""
    d.rounded_rectangle((cx - s * 0.5, cy + s * 0.05, cx + s * 0.5, cy + s * 0.95),
                        radius=s * 0.2, fill=(214, 230, 240), outline=(160, 180, 195), width=3)
    d.rectangle((cx - s * 0.45, cy + s * 0.55, cx + s * 0.45, cy + s * 0.85), fill=(92, 52, 24))
    d.ellipse((cx - s * 0.6, cy - s * 0.02, cx + s * 0.6, cy + s * 0.14), fill=pal.white,
              outline=(200, 200, 205), width=3)
    d.polygon([(cx - s * 0.75, cy - s * 0.75), (cx + s * 0.75, cy - s * 0.75),
               (cx + s * 0.25, cy + s * 0.05), (cx - s * 0.25, cy + s * 0.05)], fill=pal.white,
              outline=(200, 200, 205))
    for k in range(-2, 3):
        d.line((cx + k * s * 0.25, cy - s * 0.72, cx + k * s * 0.08, cy), fill=(225, 225, 230),
               width=3)
    d.ellipse((cx - s * 0.75, cy - s * 0.85, cx + s * 0.75, cy - s * 0.65), fill=pal.white,
              outline=(200, 200, 205), width=3)


def plant(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A seed kit: a seed packet behind three fibre pots with seedlings."""
    d.rectangle((cx - s * 0.35, cy - s * 0.95, cx + s * 0.35, cy + s * 0.1), fill=pal.white,
                outline=(190, 190, 195), width=2)
    d.rectangle((cx - s * 0.35, cy - s * 0.95, cx + s * 0.35, cy - s * 0.78), fill=pal.main)
    d.chord((cx - s * 0.2, cy - s * 0.6, cx + s * 0.2, cy - s * 0.2), 200, 20, fill=(52, 140, 70))
    for k in range(3):
        x, y = cx + (k - 1) * s * 0.62, cy + s * 0.35
        for side in (-1, 1):
            angle = math.radians(-90 + side * 35 + rnd.uniform(-8, 8))
            lx, ly = x + math.cos(angle) * s * 0.28, y + math.sin(angle) * s * 0.28
            d.line((x, y, lx, ly), fill=(52, 140, 70), width=4)
            d.ellipse((lx - s * 0.1, ly - s * 0.07, lx + s * 0.1, ly + s * 0.07),
                      fill=(74, 170, 92))
        d.polygon([(x - s * 0.26, y), (x + s * 0.26, y), (x + s * 0.2, y + s * 0.55),
                   (x - s * 0.2, y + s * 0.55)], fill=(150, 105, 70), outline=(110, 75, 50))


def bin_(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A countertop compost bin: a charcoal-filter lid and a handle."""
    d.arc((cx - s * 0.35, cy - s * 1.0, cx + s * 0.35, cy - s * 0.5), 180, 360, fill=STEEL_EDGE,
          width=max(5, s // 20))
    d.polygon([(cx - s * 0.62, cy - s * 0.55), (cx + s * 0.62, cy - s * 0.55),
               (cx + s * 0.52, cy + s * 0.9), (cx - s * 0.52, cy + s * 0.9)], fill=pal.main,
              outline=pal.dark)
    d.rounded_rectangle((cx - s * 0.7, cy - s * 0.75, cx + s * 0.7, cy - s * 0.5), radius=8,
                        fill=pal.dark)
    for k in range(5):
        x = cx - s * 0.4 + k * s * 0.2
        d.ellipse((x - 4, cy - s * 0.66, x + 4, cy - s * 0.58), fill=pal.ink)


def shirt(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    d.polygon([(cx - s * 0.45, cy - s * 0.9), (cx - s, cy - s * 0.5),
               (cx - s * 0.75, cy - s * 0.15), (cx - s * 0.6, cy - s * 0.25),
               (cx - s * 0.6, cy + s), (cx + s * 0.6, cy + s), (cx + s * 0.6, cy - s * 0.25),
               (cx + s * 0.75, cy - s * 0.15), (cx + s, cy - s * 0.5),
               (cx + s * 0.45, cy - s * 0.9)], fill=pal.main, outline=pal.dark)
    d.arc((cx - s * 0.25, cy - s * 1.05, cx + s * 0.25, cy - s * 0.65), 0, 180, fill=pal.dark,
          width=6)
    d.ellipse((cx - s * 0.2, cy - s * 0.2, cx + s * 0.2, cy + s * 0.2), fill=pal.white)


def hoodie(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A hoodie: long sleeves, the hood, drawstrings, a kangaroo pocket."""
    d.polygon([(cx - s * 0.45, cy - s * 0.8), (cx - s * 0.85, cy - s * 0.5),
               (cx - s * 1.0, cy + s * 0.85), (cx - s * 0.78, cy + s * 0.9),
               (cx - s * 0.6, cy - s * 0.05), (cx - s * 0.6, cy + s), (cx + s * 0.6, cy + s),
               (cx + s * 0.6, cy - s * 0.05), (cx + s * 0.78, cy + s * 0.9),
               (cx + s * 1.0, cy + s * 0.85), (cx + s * 0.85, cy - s * 0.5),
               (cx + s * 0.45, cy - s * 0.8)], fill=pal.main, outline=pal.dark)
    d.ellipse((cx - s * 0.42, cy - s * 1.1, cx + s * 0.42, cy - s * 0.45), fill=pal.dark)
    d.ellipse((cx - s * 0.26, cy - s * 0.98, cx + s * 0.26, cy - s * 0.58), fill=pal.ink)
    for x in (cx - s * 0.1, cx + s * 0.1):
        d.line((x, cy - s * 0.55, x, cy - s * 0.2), fill=pal.white, width=4)
    d.polygon([(cx - s * 0.38, cy + s * 0.35), (cx + s * 0.38, cy + s * 0.35),
               (cx + s * 0.5, cy + s * 0.75), (cx - s * 0.5, cy + s * 0.75)],
              fill=shade(pal.main, 0.85), outline=pal.dark)


def cap(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A six-panel cap from the side, its embroidery in a darker thread."""
    cx, cy = int(cx - s * 0.1), int(cy + s * 0.45)  # low and wide: sit it on its shadow
    d.pieslice((cx - s * 0.85, cy - s * 0.75, cx + s * 0.55, cy + s * 0.65), 180, 360,
               fill=pal.main, outline=pal.dark, width=3)
    for a in (215, 325):  # panel seams, clear of the embroidery
        rad = math.radians(a)
        d.line((cx - s * 0.15 + math.cos(rad) * s * 0.42, cy - s * 0.05 + math.sin(rad) * s * 0.42,
                cx - s * 0.15 + math.cos(rad) * s * 0.7, cy - s * 0.05 + math.sin(rad) * s * 0.7),
               fill=shade(pal.main, 0.8), width=2)
    d.rectangle((cx - s * 0.85, cy - s * 0.06, cx + s * 0.55, cy + s * 0.08), fill=pal.dark)
    d.chord((cx + s * 0.05, cy - s * 0.1, cx + s * 1.15, cy + s * 0.3), 180, 360, fill=pal.dark)
    d.chord((cx + s * 0.05, cy - s * 0.02, cx + s * 1.15, cy + s * 0.22), 0, 180,
            fill=shade(pal.dark, 0.8))
    d.ellipse((cx - s * 0.22, cy - s * 0.82, cx - s * 0.08, cy - s * 0.7), fill=pal.dark)
    d.text((cx - s * 0.15, cy - s * 0.3), "21M", fill=shade(pal.main, 0.7),
           font=font(max(12, int(s * 0.22))), anchor="mm")


def socks(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """Two pairs of socks with striped cuffs."""
    cx = int(cx - s * 0.2)
    for k, (dx, color) in enumerate(((-0.35, pal.dark), (0.25, pal.main))):
        x = cx + dx * s
        top = cy - s * 0.95 + k * s * 0.15
        d.rectangle((x - s * 0.22, top, x + s * 0.22, cy + s * 0.45), fill=color)
        d.rounded_rectangle((x - s * 0.22, cy + s * 0.2, x + s * 0.75, cy + s * 0.7),
                            radius=s * 0.25, fill=color)
        for stripe in range(2):
            y = top + s * 0.07 + stripe * s * 0.12
            d.rectangle((x - s * 0.22, y, x + s * 0.22, y + s * 0.05), fill=pal.white)


def tote(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A canvas tote: two long handles, a key printed on the front."""
    for x0 in (cx - s * 0.5, cx + s * 0.05):
        d.arc((x0, cy - s * 1.05, x0 + s * 0.45, cy - s * 0.1), 180, 360, fill=shade(CANVAS, 0.8),
              width=max(6, s // 14))
    d.polygon([(cx - s * 0.7, cy - s * 0.55), (cx + s * 0.7, cy - s * 0.55),
               (cx + s * 0.8, cy + s), (cx - s * 0.8, cy + s)], fill=CANVAS,
              outline=shade(CANVAS, 0.75))
    ink = pal.ink
    d.ellipse((cx - s * 0.45, cy - s * 0.05, cx - s * 0.1, cy + s * 0.3), outline=ink,
              width=max(5, s // 18))
    d.line((cx - s * 0.1, cy + s * 0.125, cx + s * 0.45, cy + s * 0.125), fill=ink,
           width=max(5, s // 18))
    for tx in (cx + s * 0.25, cx + s * 0.38):
        d.line((tx, cy + s * 0.125, tx, cy + s * 0.27), fill=ink, width=max(5, s // 18))


def backpack(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A roll-top backpack: buckled top, front pocket, reflective strip, side straps."""
    d.rounded_rectangle((cx - s * 0.62, cy - s * 0.6, cx + s * 0.62, cy + s),
                        radius=s * 0.18, fill=pal.main, outline=pal.dark, width=3)
    for k in range(3):
        y = cy - s * 0.92 + k * s * 0.12
        d.rounded_rectangle((cx - s * 0.56, y, cx + s * 0.56, y + s * 0.16), radius=s * 0.08,
                            fill=shade(pal.main, 0.9 - k * 0.08), outline=pal.dark, width=2)
    d.rectangle((cx - s * 0.06, cy - s * 0.95, cx + s * 0.06, cy - s * 0.15), fill=pal.ink)
    d.rounded_rectangle((cx - s * 0.12, cy - s * 0.3, cx + s * 0.12, cy - s * 0.12), radius=4,
                        fill=pal.ink)
    d.rounded_rectangle((cx - s * 0.42, cy + s * 0.3, cx + s * 0.42, cy + s * 0.85),
                        radius=s * 0.12, fill=shade(pal.main, 0.85), outline=pal.dark, width=2)
    d.line((cx - s * 0.35, cy + s * 0.42, cx + s * 0.35, cy + s * 0.42), fill=(225, 228, 232),
           width=max(4, s // 28))
    for x in (cx - s * 0.62, cx + s * 0.62):
        d.line((x, cy - s * 0.3, x, cy + s * 0.8), fill=pal.dark, width=max(5, s // 20))


def wallet(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A slim leather card wallet, cards showing, stitched edges."""
    for k, color in enumerate((pal.main, pal.light, (212, 175, 55))):
        x = cx - s * 0.55 + k * s * 0.32
        d.rounded_rectangle((x, cy - s * 0.75, x + s * 0.7, cy), radius=8, fill=color,
                            outline=shade(color, 0.7), width=2)
    d.rounded_rectangle((cx - s * 0.8, cy - s * 0.45, cx + s * 0.8, cy + s * 0.75),
                        radius=s * 0.12, fill=LEATHER)
    d.rounded_rectangle((cx - s * 0.72, cy - s * 0.37, cx + s * 0.72, cy + s * 0.67),
                        radius=s * 0.1, outline=shade(LEATHER, 1.6), width=2)
    d.line((cx - s * 0.8, cy - s * 0.2, cx + s * 0.8, cy - s * 0.2), fill=shade(LEATHER, 0.75),
           width=3)


def pins(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """Three enamel pins on a backing card: a bolt, a key, a block."""
    gold = (212, 175, 55)
    d.rounded_rectangle((cx - s * 0.95, cy - s * 0.7, cx + s * 0.95, cy + s * 0.75), radius=12,
                        fill=pal.white, outline=(200, 200, 205), width=2)
    x = cx - s * 0.55
    d.ellipse((x - s * 0.3, cy - s * 0.3, x + s * 0.3, cy + s * 0.3), fill=pal.main,
              outline=gold, width=4)
    d.polygon([(x + s * 0.05, cy - s * 0.22), (x - s * 0.12, cy + s * 0.03), (x, cy + s * 0.03),
               (x - s * 0.05, cy + s * 0.22), (x + s * 0.12, cy - s * 0.03),
               (x, cy - s * 0.03)], fill=pal.white)
    x = cx
    d.ellipse((x - s * 0.2, cy - s * 0.3, x + s * 0.02, cy - s * 0.08), outline=gold,
              width=max(6, s // 16))
    d.line((x - s * 0.02, cy - s * 0.12, x + s * 0.2, cy + s * 0.28), fill=gold,
           width=max(6, s // 16))
    d.line((x + s * 0.1, cy + s * 0.1, x + s * 0.2, cy + s * 0.04), fill=gold,
           width=max(6, s // 16))
    x = cx + s * 0.55
    d.polygon([(x, cy - s * 0.3), (x + s * 0.28, cy - s * 0.15), (x + s * 0.28, cy + s * 0.18),
               (x, cy + s * 0.32), (x - s * 0.28, cy + s * 0.18), (x - s * 0.28, cy - s * 0.15)],
              fill=pal.dark, outline=gold)
    d.line((x, cy + s * 0.02, x, cy + s * 0.32), fill=gold, width=3)
    d.line((x - s * 0.28, cy - s * 0.15, x, cy + s * 0.02, x + s * 0.28, cy - s * 0.15),
           fill=gold, width=3)


def frame(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    d.rectangle((cx - s, cy - s * 0.8, cx + s, cy + s * 0.8), fill=(120, 80, 40))
    d.rectangle((cx - s * 0.85, cy - s * 0.65, cx + s * 0.85, cy + s * 0.65), fill=pal.white)
    for _ in range(6):
        rad = rnd.uniform(0.1, 0.3) * s
        px = rnd.uniform(cx - s * 0.6, cx + s * 0.6)
        py = rnd.uniform(cy - s * 0.4, cy + s * 0.4)
        d.ellipse((px - rad, py - rad, px + rad, py + rad),
                  fill=rnd.choice([pal.main, pal.dark, pal.light]))


def _coin(d: Draw, cx: int, cy: int, s: int, face: tuple[int, int, int],
          edge: tuple[int, int, int]) -> None:
    d.ellipse((cx - s, cy - s, cx + s, cy + s), fill=face, outline=edge, width=8)
    for k in range(90):  # the reeded edge
        a = k * math.tau / 90
        d.line((cx + math.cos(a) * s * 0.93, cy + math.sin(a) * s * 0.93,
                cx + math.cos(a) * s * 0.99, cy + math.sin(a) * s * 0.99), fill=edge, width=2)
    d.ellipse((cx - s * 0.78, cy - s * 0.78, cx + s * 0.78, cy + s * 0.78), outline=edge,
              width=3)


def coin(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A brass commemorative coin: a block struck in the middle, its height below."""
    brass, edge = (205, 165, 80), (140, 105, 40)
    _coin(d, cx, cy, s, brass, edge)
    for dx, dy in ((-0.2, -0.1), (0.2, -0.1), (0, 0.12)):
        box(d, int(cx + dx * s), int(cy - s * 0.2 + dy * s), int(s * 0.16),
            Palette(shade(brass, 1.1), edge, shade(brass, 1.25), brass, edge), rnd)
    d.text((cx, cy + s * 0.42), "840,000", fill=edge, font=font(max(12, int(s * 0.16))),
           anchor="mm")


def silver(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A 1 oz silver round, the genesis block's hash engraved around its rim."""
    face, edge = (214, 217, 222), (140, 144, 152)
    _coin(d, cx, cy, s, face, edge)
    text_on_circle(d, GENESIS_HASH, cx, cy, s * 0.7, max(9, int(s * 0.085)), (110, 114, 122))
    d.text((cx, cy - s * 0.08), "1 OZ", fill=(110, 114, 122), font=font(max(14, int(s * 0.3))),
           anchor="mm")
    d.text((cx, cy + s * 0.25), ".999 FINE SILVER", fill=(110, 114, 122),
           font=font(max(9, int(s * 0.1))), anchor="mm")


MOTIFS: dict[str, Motif] = {
    "box": box, "book": book, "notebook": notebook, "disc": disc, "headphones": headphones,
    "bag": bag, "tea": tea, "mug": mug, "mugs": mugs, "grinder": grinder, "kettle": kettle,
    "dripper": dripper, "plant": plant, "bin": bin_, "shirt": shirt, "hoodie": hoodie,
    "cap": cap, "socks": socks, "tote": tote, "backpack": backpack, "wallet": wallet,
    "pins": pins, "frame": frame, "coin": coin, "silver": silver,
}
