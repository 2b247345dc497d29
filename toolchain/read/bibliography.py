"""The bibliography book.toml names: CSL-JSON, or BibTeX / BibLaTeX as Zotero and JabRef
export it. Read for what the book needs before anything is rendered: which works exist, and
where each is in the file, so that a malformed entry, a duplicate id or a citation of an
unknown work is an error at its line. The works are rendered by the CSL processor
(write/citations.py), which reads the same file."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BuildError, Problem
from ..places import pandoc
from .manuscript import read_text

FORMATS = {".json": "csljson", ".bib": "biblatex", ".bibtex": "bibtex"}
BIB_ENTRY = re.compile(r"^\s*@(\w+)\s*[{(]\s*([^,\s]*)\s*,?", re.M)
JSON_ID = re.compile(r'"id"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+)')


@dataclass
class Bibliography:
    path: Path
    format: str  # pandoc's name for it: "csljson", "biblatex" or "bibtex"
    lines: dict[str, int] = field(default_factory=dict)  # each work's id → its line


def read_bibliography(path: Path, book_toml: Path) -> Bibliography:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise BuildError(Problem(book_toml, 1, 1, "M128", f"bibliography {path.name!r}: not a "
                                 "format the toolchain reads", "export it from Zotero as CSL "
                                 "JSON (.json) or Better BibTeX (.bib)"))
    text = read_text(path)
    found = csl_json_ids(path, text) if fmt == "csljson" else bibtex_keys(path, text)
    lines: dict[str, int] = {}
    for key, (line, column) in found:
        if key in lines:
            raise BuildError(Problem(path, line, column, "M128", f"the id {key!r} is given twice "
                                     f"(first on line {lines[key]})", "give each work its own id, "
                                     "and cite it by that"))
        lines[key] = line
    if fmt != "csljson":
        converted(path, fmt)  # pandoc's own parser must read it as the renderer will
    return Bibliography(path, fmt, lines)


def line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def csl_json_ids(path: Path, text: str) -> list[tuple[str, tuple[int, int]]]:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BuildError(Problem(path, exc.lineno, exc.colno, "M128", f"not valid JSON: "
                                 f"{exc.msg}", "export the library again as CSL JSON, or mend "
                                 "the file at this place")) from None
    if not isinstance(items, list):
        raise BuildError(Problem(path, 1, 1, "M128", "CSL JSON is a list of works, `[{…}, …]`",
                                 "export the library as CSL JSON"))
    places = [(json.loads(f[1]), (line_at(text, f.start()),
                                  f.start() - text.rfind("\n", 0, f.start())))
              for f in JSON_ID.finditer(text)]
    out, k = [], 0
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict) or not str(item.get("id", "")).strip():
            line = places[k][1][0] if k < len(places) else 1
            raise BuildError(Problem(path, line, 1, "M128", f"work {n} of the list has no id",
                                     'give it one: "id": "trotsky1932"'))
        while k < len(places) and str(places[k][0]) != str(item["id"]):
            k += 1
        out.append((str(item["id"]), places[k][1] if k < len(places) else (1, 1)))
        k += 1
    return out


def bibtex_keys(path: Path, text: str) -> list[tuple[str, tuple[int, int]]]:
    out = []
    for found in BIB_ENTRY.finditer(text):
        kind, key = found[1].lower(), found[2]
        if kind in ("comment", "preamble", "string"):
            continue
        if not key:
            raise BuildError(Problem(path, line_at(text, found.start()), 1, "M128",
                                     f"a @{found[1]} entry with no key",
                                     "write its key after the brace: @book{trotsky1932, …"))
        out.append((key, (line_at(text, found.start()), 1)))
    return out


def converted(path: Path, fmt: str) -> list:
    """The works as CSL JSON, by pandoc's BibTeX parser; its complaint, if any, at its line."""
    run = subprocess.run([str(pandoc()), "-f", fmt, "-t", "csljson", str(path)],
                         capture_output=True, text=True, check=False)
    if run.returncode:
        message = " ".join(run.stderr.split())
        where = re.search(r"line (\d+)(?:,? column (\d+))?", message)
        raise BuildError(Problem(path, int(where[1]) if where else 1,
                                 int(where[2]) if where and where[2] else 1, "M128",
                                 f"pandoc cannot read it: {message}", "mend the entry there"))
    return json.loads(run.stdout)
