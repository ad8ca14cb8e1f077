"""Demo picture motifs for gear: seed backups, signing devices, mining and node hardware,
screens. Each draws one object about ``2 s`` across centred on (cx, cy) (demo/drawing.py)."""

from __future__ import annotations

import random

from PIL import ImageDraw

from cryptoshop.demo.drawing import SILVER, STEEL_EDGE, WOOD, Motif, Palette, fan, font, shade, slab

Draw = ImageDraw.ImageDraw
LETTERS = "ABCDEFGHIKLMNOPRSTUW"


def _plate_at(d: Draw, cx: float, cy: float, s: float, pal: Palette,
              rnd: random.Random) -> None:
    d.rounded_rectangle((cx - s, cy - s * 0.62, cx + s, cy + s * 0.62), radius=s / 8,
                        fill=SILVER, outline=STEEL_EDGE, width=4)
    for row in range(4):
        for col in range(6):
            x = cx - s * 0.85 + col * s * 0.3
            y = cy - s * 0.42 + row * s * 0.27
            d.rectangle((x, y, x + s * 0.22, y + s * 0.14), outline=(130, 134, 140), width=2)
            if rnd.random() < 0.7:  # punched letters: the first four of a word
                d.text((x + 4, y + 1), "".join(rnd.choice(LETTERS) for _ in range(4)),
                       fill=pal.ink, font=font(max(8, int(s * 0.065))))


def plate(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    _plate_at(d, cx, cy, s, pal, rnd)


def plates(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """Three plates fanned out (a multisig kit), with a cosigner label on each."""
    for k in range(3):
        x, y = cx - s * 0.28 + k * s * 0.28, cy - s * 0.36 + k * s * 0.34
        _plate_at(d, x, y, s * 0.72, pal, rnd)
        d.rectangle((x - s * 0.7, y - s * 0.42, x - s * 0.55, y - s * 0.3),
                    fill=(pal.main, pal.dark, pal.light)[k])


def capsule(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A screw-sealed steel capsule on a key ring, with a few letter tiles beside it."""
    d.ellipse((cx - s * 0.16, cy - s * 1.15, cx + s * 0.16, cy - s * 0.83), outline=STEEL_EDGE,
              width=max(3, s // 30))
    d.rounded_rectangle((cx - s * 0.28, cy - s * 0.75, cx + s * 0.28, cy + s * 0.9),
                        radius=s * 0.12, fill=SILVER, outline=STEEL_EDGE, width=3)
    d.rounded_rectangle((cx - s * 0.3, cy - s * 0.9, cx + s * 0.3, cy - s * 0.45),
                        radius=s * 0.08, fill=shade(SILVER, 0.85), outline=STEEL_EDGE, width=3)
    for k in range(7):
        x = cx - s * 0.24 + k * s * 0.08
        d.line((x, cy - s * 0.86, x, cy - s * 0.5), fill=STEEL_EDGE, width=2)
    d.line((cx - s * 0.14, cy - s * 0.35, cx - s * 0.14, cy + s * 0.8), fill=(238, 240, 243),
           width=max(4, s // 14))
    d.rectangle((cx - s * 0.3, cy - s * 0.47, cx + s * 0.3, cy - s * 0.42), fill=pal.main)
    for k in range(4):
        x, y = cx + s * 0.45 + (k % 2) * s * 0.27, cy + s * 0.35 + (k // 2) * s * 0.27
        d.rounded_rectangle((x, y, x + s * 0.22, y + s * 0.22), radius=4, fill=SILVER,
                            outline=STEEL_EDGE, width=2)
        d.text((x + s * 0.11, y + s * 0.11), rnd.choice(LETTERS), fill=pal.ink,
               font=font(max(10, int(s * 0.14))), anchor="mm")


def _qr(d: Draw, x0: float, y0: float, side: float, rnd: random.Random) -> None:
    cells = 13
    cell = side / cells
    d.rectangle((x0, y0, x0 + side, y0 + side), fill=(255, 255, 255))
    for r in range(cells):
        for c in range(cells):
            finder = (r < 4 and c < 4) or (r < 4 and c > 8) or (r > 8 and c < 4)
            if not finder and rnd.random() < 0.45:
                d.rectangle((x0 + c * cell, y0 + r * cell, x0 + (c + 1) * cell,
                             y0 + (r + 1) * cell), fill=(20, 20, 22))
    for fx, fy in ((0, 0), (9, 0), (0, 9)):
        x, y = x0 + fx * cell, y0 + fy * cell
        d.rectangle((x, y, x + 4 * cell, y + 4 * cell), fill=(20, 20, 22))
        d.rectangle((x + cell * 0.8, y + cell * 0.8, x + cell * 3.2, y + cell * 3.2),
                    fill=(255, 255, 255))
        d.rectangle((x + cell * 1.4, y + cell * 1.4, x + cell * 2.6, y + cell * 2.6),
                    fill=(20, 20, 22))


def signer(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """An air-gapped signing device: a QR code on its screen, a camera, two buttons."""
    d.rounded_rectangle((cx - s * 0.55, cy - s * 0.9, cx + s * 0.55, cy + s * 0.9),
                        radius=s * 0.16, fill=pal.ink, outline=pal.dark, width=5)
    d.ellipse((cx - s * 0.06, cy - s * 0.84, cx + s * 0.06, cy - s * 0.72), fill=(70, 74, 82))
    d.rounded_rectangle((cx - s * 0.44, cy - s * 0.64, cx + s * 0.44, cy + s * 0.3),
                        radius=8, fill=pal.light)
    _qr(d, cx - s * 0.32, cy - s * 0.56, s * 0.64, rnd)
    for bx in (cx - s * 0.22, cx + s * 0.22):
        d.ellipse((bx - s * 0.11, cy + s * 0.5, bx + s * 0.11, cy + s * 0.72), fill=pal.main)


def device(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A phone (with a privacy screen: dark from the side, readable head-on)."""
    d.rounded_rectangle((cx - s * 0.55, cy - s, cx + s * 0.55, cy + s), radius=s // 5,
                        fill=pal.ink, outline=pal.dark, width=6)
    d.rounded_rectangle((cx - s * 0.45, cy - s * 0.85, cx + s * 0.45, cy + s * 0.55),
                        radius=s // 12, fill=pal.main)
    d.polygon([(cx - s * 0.45, cy - s * 0.85), (cx - s * 0.05, cy - s * 0.85),
               (cx - s * 0.45, cy - s * 0.2)], fill=pal.light)
    d.ellipse((cx - s * 0.12, cy + s * 0.68, cx + s * 0.12, cy + s * 0.92), fill=pal.light)


def dongle(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """Two aluminium USB-C adapters."""
    for k, x in enumerate((cx - s * 0.4, cx + s * 0.4)):
        y = cy + (k * 2 - 1) * s * 0.12
        d.rounded_rectangle((x - s * 0.16, y + s * 0.3, x + s * 0.16, y + s * 0.62), radius=6,
                            fill=(150, 154, 160), outline=STEEL_EDGE, width=2)
        d.rounded_rectangle((x - s * 0.28, y - s * 0.6, x + s * 0.28, y + s * 0.34),
                            radius=s * 0.1, fill=SILVER, outline=STEEL_EDGE, width=3)
        d.rectangle((x - s * 0.28, y - s * 0.05, x + s * 0.28, y + s * 0.05), fill=pal.main)
        d.rounded_rectangle((x - s * 0.14, y - s * 0.5, x + s * 0.14, y - s * 0.4), radius=4,
                            fill=(40, 40, 44))


def punches(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """Steel letter punches standing in a wooden box, one lying in front."""
    slab(d, (cx - s, cy - s * 0.1, cx + s * 0.8, cy + s * 0.55), s * 0.2, WOOD)
    for k in range(9):
        x = cx - s * 0.82 + k * s * 0.19
        d.rounded_rectangle((x, cy - s * 0.8, x + s * 0.12, cy + s * 0.05), radius=3,
                            fill=SILVER, outline=STEEL_EDGE, width=2)
        d.rectangle((x, cy - s * 0.8, x + s * 0.12, cy - s * 0.72), fill=STEEL_EDGE)
    d.rectangle((cx - s, cy - s * 0.1, cx + s * 0.8, cy + s * 0.55), fill=WOOD)
    d.line((cx - s * 0.9, cy + s * 0.2, cx + s * 0.7, cy + s * 0.2), fill=shade(WOOD, 0.8),
           width=3)
    d.rounded_rectangle((cx - s * 0.6, cy + s * 0.72, cx + s * 0.4, cy + s * 0.84), radius=4,
                        fill=SILVER, outline=STEEL_EDGE, width=2)


PIPS = {1: [(0, 0)], 2: [(-1, -1), (1, 1)], 3: [(-1, -1), (0, 0), (1, 1)],
        4: [(-1, -1), (1, -1), (-1, 1), (1, 1)], 5: [(-1, -1), (1, -1), (0, 0), (-1, 1), (1, 1)],
        6: [(-1, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (1, 1)]}


def dice(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """Precision dice with razor edges, on a felt pouch."""
    d.ellipse((cx - s, cy + s * 0.15, cx + s, cy + s * 0.85), fill=(40, 90, 60))
    for k, (dx, dy, size) in enumerate(((-0.5, -0.1, 0.42), (0.35, -0.35, 0.38),
                                        (0.15, 0.3, 0.36))):
        x, y, h = cx + dx * s, cy + dy * s, size * s
        d.rectangle((x - h, y - h, x + h, y + h), fill=(pal.main, pal.dark, pal.light)[k % 3],
                    outline=pal.ink, width=2)
        for px, py in PIPS[rnd.randint(1, 6)]:
            r = h * 0.14
            d.ellipse((x + px * h * 0.55 - r, y + py * h * 0.55 - r, x + px * h * 0.55 + r,
                       y + py * h * 0.55 + r), fill=pal.white)


def board(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """An ASIC miner from the front: a steel case with two fans."""
    d.rounded_rectangle((cx - s, cy - s * 0.6, cx + s, cy + s * 0.6), radius=12,
                        fill=(70, 74, 82), outline=pal.ink, width=5)
    for fx in (cx - s * 0.5, cx + s * 0.5):
        fan(d, fx, cy, s * 0.4, pal.main, rnd)


def fans(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """Four 120 mm fans in square frames."""
    for k in range(4):
        x, y = cx + (k % 2 * 2 - 1) * s * 0.47, cy + (k // 2 * 2 - 1) * s * 0.47
        d.rounded_rectangle((x - s * 0.44, y - s * 0.44, x + s * 0.44, y + s * 0.44),
                            radius=s * 0.06, fill=(55, 58, 64), outline=pal.ink, width=3)
        fan(d, x, y, s * 0.38, pal.main, rnd)


def stick(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A USB solo miner: a small board with a fan over its chip, a tiny screen, a USB-C plug."""
    d.rounded_rectangle((cx - s, cy - s * 0.42, cx + s * 0.7, cy + s * 0.42), radius=s * 0.08,
                        fill=(20, 70, 50), outline=pal.ink, width=3)
    fan(d, cx - s * 0.35, cy, s * 0.36, pal.main, rnd)
    d.rectangle((cx + s * 0.15, cy - s * 0.25, cx + s * 0.55, cy + s * 0.05), fill=pal.light,
                outline=pal.ink, width=2)
    d.rounded_rectangle((cx + s * 0.7, cy - s * 0.12, cx + s * 0.98, cy + s * 0.12), radius=5,
                        fill=SILVER, outline=STEEL_EDGE, width=2)


def psu(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A mining power supply: a steel box with a fan and a row of connectors."""
    slab(d, (cx - s, cy - s * 0.35, cx + s * 0.6, cy + s * 0.55), s * 0.3, SILVER, STEEL_EDGE)
    fan(d, cx - s * 0.45, cy + s * 0.1, s * 0.34, pal.main, rnd)
    for k in range(5):
        x = cx + s * 0.05 + k * s * 0.1
        d.rectangle((x, cy - s * 0.1, x + s * 0.07, cy + s * 0.05), fill=(28, 28, 30))
        d.rectangle((x, cy + s * 0.15, x + s * 0.07, cy + s * 0.3), fill=(28, 28, 30))
    d.ellipse((cx + s * 0.4, cy + s * 0.38, cx + s * 0.48, cy + s * 0.46), fill=(34, 197, 94))


def enclosure(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A noise shroud: a foam-lined steel box with a duct leaving its side."""
    d.rectangle((cx + s * 0.55, cy - s * 0.05, cx + s * 1.0, cy + s * 0.35), fill=STEEL_EDGE)
    d.ellipse((cx + s * 0.88, cy - s * 0.1, cx + s * 1.08, cy + s * 0.4), fill=(90, 94, 100))
    slab(d, (cx - s, cy - s * 0.45, cx + s * 0.55, cy + s * 0.6), s * 0.28, (62, 64, 70))
    for row in range(6):
        y = cy - s * 0.35 + row * s * 0.16
        for col in range(8):
            x = cx - s * 0.92 + col * s * 0.18
            d.arc((x, y, x + s * 0.18, y + s * 0.14), 180, 360, fill=(40, 42, 46), width=3)
    d.rectangle((cx - s, cy + s * 0.5, cx + s * 0.55, cy + s * 0.6), fill=pal.main)


def minipc(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A small aluminium computer (a node box): cooling fins on top, ports, a power light."""
    slab(d, (cx - s * 0.9, cy - s * 0.1, cx + s * 0.55, cy + s * 0.45), s * 0.45, SILVER,
         STEEL_EDGE)
    for k in range(9):
        x = cx - s * 0.8 + k * s * 0.15
        d.line((x, cy - s * 0.12, x + s * 0.42, cy - s * 0.52), fill=STEEL_EDGE, width=2)
    for k, w in enumerate((0.12, 0.12, 0.16, 0.2)):
        x = cx - s * 0.75 + k * s * 0.26
        d.rounded_rectangle((x, cy + s * 0.12, x + s * w, cy + s * 0.24), radius=2,
                            fill=(30, 30, 34))
    d.ellipse((cx + s * 0.38, cy + s * 0.12, cx + s * 0.46, cy + s * 0.2), fill=pal.main)


def ssd(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """An M.2 NVMe drive: gold contacts, memory chips, a label."""
    d.rounded_rectangle((cx - s, cy - s * 0.24, cx + s, cy + s * 0.24), radius=6,
                        fill=(24, 60, 40), outline=pal.ink, width=2)
    for k in range(12):
        x = cx - s * 0.97 + k * s * 0.014 * 2
        d.rectangle((x, cy - s * 0.18, x + s * 0.015, cy + s * 0.18), fill=(212, 175, 55))
    for k in range(3):
        x = cx - s * 0.55 + k * s * 0.45
        d.rectangle((x, cy - s * 0.15, x + s * 0.36, cy + s * 0.15), fill=(30, 30, 34))
    d.rectangle((cx - s * 0.1, cy - s * 0.2, cx + s * 0.75, cy + s * 0.2), fill=pal.white)
    d.rectangle((cx - s * 0.1, cy - s * 0.2, cx + s * 0.75, cy - s * 0.08), fill=pal.main)
    d.pieslice((cx + s * 0.86, cy - s * 0.08, cx + s * 1.02, cy + s * 0.08), 90, 270,
               fill=(180, 180, 185))


def plug(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A smart plug: a white body, the socket, a lit button."""
    d.rounded_rectangle((cx - s * 0.62, cy - s * 0.62, cx + s * 0.62, cy + s * 0.62),
                        radius=s * 0.22, fill=(244, 244, 245), outline=(205, 205, 210), width=4)
    d.ellipse((cx - s * 0.42, cy - s * 0.42, cx + s * 0.42, cy + s * 0.42),
              fill=(228, 228, 231), outline=(205, 205, 210), width=3)
    for hx in (cx - s * 0.17, cx + s * 0.17):
        d.ellipse((hx - s * 0.06, cy - s * 0.06, hx + s * 0.06, cy + s * 0.06), fill=(40, 40, 44))
    d.ellipse((cx + s * 0.36, cy - s * 0.56, cx + s * 0.52, cy - s * 0.4), fill=pal.main)


def cable(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A coiled network cable with a plug at each end."""
    width = max(6, s // 16)
    for k in range(6):
        off = k * s * 0.06
        d.ellipse((cx - s * 0.75 + off, cy - s * 0.55 + off * 0.5, cx + s * 0.45 + off,
                   cy + s * 0.45 + off * 0.5), outline=pal.main, width=width)
    for (x0, y0), (x1, y1) in (((cx - s * 0.7, cy + s * 0.2), (cx - s * 0.95, cy + s * 0.75)),
                               ((cx + s * 0.65, cy), (cx + s * 0.95, cy - s * 0.55))):
        d.line((x0, y0, x1, y1), fill=pal.main, width=width)
        d.rounded_rectangle((x1 - s * 0.1, y1 - s * 0.12, x1 + s * 0.1, y1 + s * 0.12), radius=4,
                            fill=(225, 230, 235), outline=(160, 165, 170), width=2)
        for p in range(4):
            d.line((x1 - s * 0.06 + p * s * 0.04, y1 - s * 0.1, x1 - s * 0.06 + p * s * 0.04,
                    y1 - s * 0.04), fill=(212, 175, 55), width=2)


def heater(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A miner turned room heater: a box with warm louvres and a thermostat dial."""
    slab(d, (cx - s * 0.9, cy - s * 0.55, cx + s * 0.6, cy + s * 0.6), s * 0.3, (235, 235, 238),
         (190, 190, 196))
    for k in range(6):
        y = cy - s * 0.35 + k * s * 0.15
        d.rounded_rectangle((cx - s * 0.75, y, cx + s * 0.2, y + s * 0.07), radius=3,
                            fill=(249, 115, 22) if k % 2 else (234, 88, 12))
    d.ellipse((cx + s * 0.3, cy - s * 0.35, cx + s * 0.52, cy - s * 0.13), fill=pal.ink)
    d.line((cx + s * 0.41, cy - s * 0.24, cx + s * 0.48, cy - s * 0.32), fill=pal.white, width=3)


def screen(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A monitor showing a document (e-books, guides, software)."""
    d.rounded_rectangle((cx - s, cy - s * 0.7, cx + s, cy + s * 0.6), radius=14, fill=pal.ink)
    d.rectangle((cx - s * 0.9, cy - s * 0.6, cx + s * 0.9, cy + s * 0.5), fill=pal.white)
    d.rectangle((cx - s * 0.9, cy - s * 0.6, cx + s * 0.9, cy - s * 0.45), fill=pal.main)
    for k in range(5):
        w = rnd.uniform(0.6, 1.6)
        y = cy - s * 0.3 + k * s * 0.15
        d.line((cx - s * 0.8, y, cx - s * 0.8 + w * s, y), fill=(160, 160, 165), width=6)
    d.polygon([(cx - s * 0.3, cy + s * 0.6), (cx + s * 0.3, cy + s * 0.6),
               (cx + s * 0.45, cy + s * 0.85), (cx - s * 0.45, cy + s * 0.85)], fill=pal.dark)


def wallpaper(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A monitor showing a picture (a wallpaper pack)."""
    d.rounded_rectangle((cx - s, cy - s * 0.7, cx + s, cy + s * 0.6), radius=14, fill=pal.ink)
    d.rectangle((cx - s * 0.9, cy - s * 0.6, cx + s * 0.9, cy + s * 0.5), fill=pal.dark)
    d.ellipse((cx + s * 0.3, cy - s * 0.45, cx + s * 0.6, cy - s * 0.15), fill=pal.light)
    d.polygon([(cx - s * 0.9, cy + s * 0.5), (cx - s * 0.4, cy - s * 0.1), (cx - s * 0.05,
               cy + s * 0.2), (cx + s * 0.35, cy - s * 0.05), (cx + s * 0.9, cy + s * 0.5)],
              fill=pal.main)
    d.polygon([(cx - s * 0.3, cy + s * 0.6), (cx + s * 0.3, cy + s * 0.6),
               (cx + s * 0.45, cy + s * 0.85), (cx - s * 0.45, cy + s * 0.85)], fill=pal.ink)


def pouch(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """A Faraday bag: dark shielding fabric, a double roll-top, a buckle."""
    body = (58, 60, 66)
    d.rounded_rectangle((cx - s * 0.6, cy - s * 0.5, cx + s * 0.6, cy + s * 0.95),
                        radius=s * 0.1, fill=body, outline=pal.ink, width=3)
    for k in range(3):
        y = cy - s * 0.78 + k * s * 0.11
        d.rounded_rectangle((cx - s * 0.66, y, cx + s * 0.66, y + s * 0.14), radius=s * 0.07,
                            fill=shade(body, 1.25 - k * 0.1), outline=pal.ink, width=2)
    d.rounded_rectangle((cx - s * 0.14, cy - s * 0.8, cx + s * 0.14, cy - s * 0.3), radius=5,
                        fill=pal.main)
    d.line((cx - s * 0.45, cy + s * 0.1, cx + s * 0.45, cy + s * 0.1), fill=shade(body, 1.3),
           width=3)


def envelope(d: Draw, cx: int, cy: int, s: int, pal: Palette, rnd: random.Random) -> None:
    """Tamper-evident bags: a stack, each with a seal strip, a barcode and a serial."""
    for k in range(3):
        x, y = cx - s * 0.2 + k * s * 0.2, cy - s * 0.25 + k * s * 0.2
        d.rectangle((x - s * 0.7, y - s * 0.6, x + s * 0.5, y + s * 0.75), fill=(236, 240, 244),
                    outline=(170, 178, 186), width=2)
        d.rectangle((x - s * 0.7, y - s * 0.6, x + s * 0.5, y - s * 0.42), fill=pal.main)
    x, y = cx + s * 0.2, cy + s * 0.15
    bar = x - s * 0.55
    while bar < x + s * 0.1:
        w = rnd.choice((2, 3, 5))
        d.rectangle((bar, y - s * 0.1, bar + w, y + s * 0.2), fill=(24, 24, 27))
        bar += w + rnd.choice((2, 3, 4))
    d.text((x - s * 0.55, y + s * 0.28), "".join(rnd.choice("0123456789") for _ in range(9)),
           fill=(24, 24, 27), font=font(max(10, int(s * 0.11))))


MOTIFS: dict[str, Motif] = {
    "plate": plate, "plates": plates, "capsule": capsule, "signer": signer, "device": device,
    "dongle": dongle, "punches": punches, "dice": dice, "board": board, "fans": fans,
    "stick": stick, "psu": psu, "enclosure": enclosure, "minipc": minipc, "ssd": ssd,
    "plug": plug, "cable": cable, "heater": heater, "screen": screen, "wallpaper": wallpaper,
    "pouch": pouch, "envelope": envelope,
}
