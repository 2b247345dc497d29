"""Checks on built PDFs: every font embedded, and none a system fallback."""

from __future__ import annotations

from pathlib import Path

import pikepdf

from .errors import Problem

BOOK_FONTS = ("Book-Serif", "Book-Symbols")  # the families print.css gives its @font-face rules


def page_count(path: Path) -> int:
    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def fonts(path: Path) -> dict[str, bool]:
    """Base font name -> whether its program is embedded, over every page."""
    found: dict[str, bool] = {}
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            resources = page.obj.get("/Resources", {})
            for font in resources.get("/Font", {}).values():
                descendants = font.get("/DescendantFonts")
                target = descendants[0] if descendants else font
                descriptor = target.get("/FontDescriptor", {})
                embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                found[str(font.get("/BaseFont", "?"))] = embedded
    return found


def check_fonts(path: Path) -> list[Problem]:
    problems = []
    for name, embedded in sorted(fonts(path).items()):
        if not embedded:
            problems.append(Problem(path, 0, 0, "P010", f"font {name} is not embedded"))
        if not any(family in name for family in BOOK_FONTS):
            problems.append(Problem(path, 0, 0, "P011", f"fallback font {name} was used",
                                    "a character is missing from the book font; "
                                    "find it in the text or add a font that has it"))
    return problems
