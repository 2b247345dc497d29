"""The styles directory: the stylesheets, and the font files they name, kept inside it."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlparse

from ..errors import BuildError, Problem


def font_files(styles: Path) -> list[Path]:
    """The font files print.css names, each checked: inside styles/ and present."""
    sheet = styles / "print.css"
    css = sheet.read_text(encoding="utf-8")
    found = []
    for match in re.finditer(r"@font-face[^}]*?url\(([^)]+)\)", css):
        url = match[1].strip("'\"")
        line = css[: match.start(1)].count("\n") + 1
        path = (styles / unquote(urlparse(url).path if url.startswith("file:") else url)).resolve()
        if not path.is_relative_to(styles.resolve()):
            raise BuildError(Problem(sheet, line, 1, "P004", f"font file {url} is outside styles/",
                                     "copy the font into styles/fonts/ and name it from there"))
        if not path.is_file():
            raise BuildError(Problem(sheet, line, 1, "P003", f"font file {url} is missing",
                                     "restore styles/fonts/ from the repository"))
        found.append(path)
    return found


STYLESHEETS = ("book.css", "print.css")


def check_stylesheets(styles: Path) -> None:
    """The stylesheets are files inside styles/ (a symlink may not lead out of it)."""
    root = styles.resolve()
    for name in STYLESHEETS:
        path = (styles / name).resolve()
        if not path.is_relative_to(root):
            raise BuildError(Problem(styles / name, 0, 0, "P005", f"{name} leads outside "
                                     "styles/", "keep the stylesheets inside styles/"))
        if not path.is_file():
            raise BuildError(Problem(styles / name, 0, 0, "P001", "stylesheet not found",
                                     "restore it from the repository"))
