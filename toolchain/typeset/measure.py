"""Widths of text in the book's own fonts, read from the font files (fontTools), for print
decisions made before the layout: whether a table fits the measure or must be turned.

Advance widths only, no kerning: a word set in the layout is within a few hundredths of an
em of this. The faces and the page come from print.css itself (its @font-face rules and
@page box), so a house that changes them changes the measure too.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

MM = 72 / 25.4  # points in a millimetre


class Face:
    """One font file's advance widths, in ems."""

    def __init__(self, path: Path):
        from fontTools.ttLib import TTFont

        with TTFont(path, lazy=True) as font:
            upm = font["head"].unitsPerEm
            metrics = font["hmtx"].metrics
            self.advances = {chr(code): metrics[name][0] / upm
                             for code, name in font.getBestCmap().items()}
        self.average = self.advances.get("n", 0.5)

    def width(self, text: str, size: float) -> float:
        """`text` set in this face at `size` points, in points."""
        return size * sum(self.advances.get(char, self.average) for char in text)


@cache
def faces(styles: Path) -> dict[tuple[int, str], Face]:
    """The faces of the book's text family ("Book Serif"), by (weight, style)."""
    css = (Path(styles) / "print.css").read_text(encoding="utf-8")
    found = {}
    for rule in re.findall(r"@font-face\s*\{([^}]*)\}", css):
        family = re.search(r"font-family:\s*\"([^\"]+)\"", rule)
        if not family or family[1] != "Book Serif":
            continue
        url = re.search(r"url\(([^)]+)\)", rule)[1].strip("'\"")
        weight = re.search(r"font-weight:\s*(\d+)", rule)
        style = re.search(r"font-style:\s*(\w+)", rule)
        found[(int(weight[1]) if weight else 400, style[1] if style else "normal")] = \
            Face(Path(styles) / url)
    return found


@cache
def measure_mm(styles: Path) -> float:
    """The text block's width, from print.css's @page size and margins (left and right)."""
    css = (Path(styles) / "print.css").read_text(encoding="utf-8")
    page = re.search(r"@page\s*\{[^@]*?size:\s*([\d.]+)mm\s+([\d.]+)mm[^@]*?margin:\s*([\d.]+)mm"
                     r"\s+([\d.]+)mm\s+([\d.]+)mm\s+([\d.]+)mm", css, re.S)
    if page is None:
        return 102.0  # Demy octavo with the house margins, if the sheet says otherwise
    width, _, _, right, _, left = (float(v) for v in page.groups())
    return width - right - left


def longest_word(text: str, face: Face, size: float, whole: bool = False) -> float:
    """The widest piece of `text` that a line cannot break (all of it if `whole`), in points."""
    pieces = [text] if whole else re.split(r"[\s\u2013\u2014/-]+", text)
    return max((face.width(piece, size) for piece in pieces), default=0.0)
