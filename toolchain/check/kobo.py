"""The Kobo edition against the EPUB it was made from: every document well-formed, the same
text in the same order, every word of the body inside a koboSpan, the span ids unique and
numbered as Kobo reads them (kobo.N.M)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from .. import safexml
from ..errors import Problem
from ..write.kepub import SKIPPED as UNSPANNED  # the elements whose text Kobo leaves alone
from ..write.xhtml import XHTML

KOBO_ID = re.compile(r"kobo\.\d+\.\d+")


def body_text(root) -> str:
    body = root.find(f"{{{XHTML}}}body")
    return "".join(body.itertext()) if body is not None else ""


def unspanned_words(root) -> list[str]:
    """Text of the body that no koboSpan holds (text in svg, math, pre… is Kobo's to skip)."""
    found = []

    def walk(node, spanned: bool):
        spanned = spanned or "koboSpan" in (node.get("class") or "").split()
        if node.tag in UNSPANNED:
            return
        if node.text and node.text.strip() and not spanned:
            found.append(node.text.strip())
        for child in node:
            if isinstance(child.tag, str):
                walk(child, spanned)
            if child.tail and child.tail.strip() and not spanned:
                found.append(child.tail.strip())

    body = root.find(f"{{{XHTML}}}body")
    if body is not None:
        walk(body, False)
    return found


def kepub_problems(epub: Path, kepub: Path) -> tuple[list[Problem], dict]:
    problems, documents, spans = [], 0, 0
    with zipfile.ZipFile(epub) as plain, zipfile.ZipFile(kepub) as kobo:
        if plain.namelist() != kobo.namelist():
            problems.append(Problem(kepub, 0, 0, "K001", "the Kobo edition's files are not the "
                                    "EPUB's"))
        for name in (n for n in kobo.namelist() if n.endswith(".xhtml")):
            documents += 1
            try:
                root = safexml.parse(kobo.read(name))
            except Exception as exc:  # noqa: BLE001 — any parse failure is the finding
                problems.append(Problem(kepub, 0, 0, "K001", f"{name}: not well-formed ({exc})"))
                continue
            if body_text(root) != body_text(safexml.parse(plain.read(name))):
                problems.append(Problem(kepub, 0, 0, "K002", f"{name}: its text differs from "
                                        "the EPUB's"))
            ids = [s.get("id") for s in root.iter(f"{{{XHTML}}}span")
                   if "koboSpan" in (s.get("class") or "").split()]
            spans += len(ids)
            if len(set(ids)) != len(ids) or not all(KOBO_ID.fullmatch(i or "") for i in ids):
                problems.append(Problem(kepub, 0, 0, "K003", f"{name}: koboSpan ids repeated "
                                        "or not of the form kobo.N.M"))
            left = unspanned_words(root)
            if left:
                problems.append(Problem(kepub, 0, 0, "K004", f"{name}: text outside any "
                                        f"koboSpan: {left[0][:60]!r}"))
    return problems, {"documents": documents, "spans": spans}
