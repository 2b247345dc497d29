"""The styles directory: the stylesheets, and the font files they name, kept inside it."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlparse

from .errors import BuildError, Problem


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
