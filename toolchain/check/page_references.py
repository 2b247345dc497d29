"""Page references against the pages: "see p. #" prints the folio of the page its target
falls on, in each PDF, and the EPUB reads the same number.

The EPUB marks each page reference as a link holding `span.page-number` (its `data-target`
the target's id, its text the number); in the PDF the link is an annotation whose
destination is the same id, and the named destination is on the target's page, whose label
is the folio it prints (the pages check proves the labels). So each reference is checked
twice: the EPUB's number is the label of the page the PDF's destination is on, and the PDF
prints the reference, its number that label, inside a link to that destination. A note's
reference leads to where the note's text prints."""

from __future__ import annotations

import zipfile
from collections import defaultdict
from pathlib import Path

import pikepdf
import pypdfium2
from lxml import etree

from ..errors import Problem
from .parity import H, squeeze, words

OPF = {"o": "http://www.idpf.org/2007/opf"}


def epub_references(epub: Path) -> list[tuple[str, str, list[str]]]:
    """Each page reference of the EPUB in reading order: (the PDF's name of its target, the
    number, the words of its link, "see p. 12"). A link to a whole division (no fragment)
    leads in the PDF to `doc-` and its file's name, as print's HTML names it."""
    found = []
    with zipfile.ZipFile(epub) as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
        hrefs = {i.get("id"): i.get("href") for i in opf.findall(".//o:item", OPF)}
        for ref in opf.findall(".//o:itemref", OPF):
            root = etree.fromstring(archive.read(f"EPUB/{hrefs[ref.get('idref')]}"))
            for number in root.iter(f"{H}span"):
                link = next(number.iterancestors(f"{H}a"), None)
                if number.get("class") == "page-number" and link is not None:
                    file, _, fragment = link.get("href", "").partition("#")
                    target = fragment or f"doc-{file.removesuffix('.xhtml')}"
                    found.append((target, "".join(number.itertext()),
                                  words("".join(link.itertext()))))
    return found


def pdf_links(pdf: Path) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The label of the page each named destination is on, and for each destination the
    letters of each line of link text that leads to it (a link's annotations nest, one box
    in another: the widest of a line's is read)."""
    with pikepdf.open(pdf) as book:
        numbers = {page.objgen: k for k, page in enumerate(book.pages)}
        places: dict[str, int] = {}
        names = book.Root.get("/Names")
        if names is not None and "/Dests" in names:
            for name, dest in pikepdf.NameTree(names.Dests).items():
                array = dest.get("/D", dest) if isinstance(dest, pikepdf.Dictionary) else dest
                if isinstance(array, pikepdf.Array) and len(array):
                    places[str(name)] = numbers.get(array[0].objgen, -1)
        boxes: dict[tuple[int, str, float], tuple] = {}
        for k, page in enumerate(book.pages):
            for annotation in page.obj.get("/Annots", []):
                dest = annotation.get("/Dest")
                if annotation.get("/Subtype") != "/Link" or not isinstance(dest, pikepdf.String):
                    continue
                rect = [float(v) for v in annotation.Rect]
                line = (k, str(dest), -round(max(rect[1], rect[3]), 1))  # top down
                if line not in boxes or rect[2] - rect[0] > boxes[line][2] - boxes[line][0]:
                    boxes[line] = tuple(rect)
    doc = pypdfium2.PdfDocument(pdf)
    try:
        labels = {name: doc.get_page_label(k) if k >= 0 else "" for name, k in places.items()}
        texts: dict[str, list[str]] = defaultdict(list)
        pages: dict[int, object] = {}
        for (k, dest, _), rect in sorted(boxes.items()):
            if k not in pages:
                pages[k] = doc[k].get_textpage()
            left, bottom, right, top = rect
            texts[dest].append(squeeze(words(pages[k].get_text_bounded(
                left, min(bottom, top), right, max(bottom, top)))))
    finally:
        doc.close()
    return labels, texts


def check_page_references(epub: Path, pdf: Path) -> tuple[list[Problem], dict]:
    """Problems with the page references of `pdf` (and the EPUB's numbers), and the count
    checked."""
    references = epub_references(epub)
    if not references:
        return [], {"references": 0}
    labels, texts = pdf_links(pdf)
    problems = []
    for target, number, link in references:
        where = f"the page reference “{' '.join(link)}” (to #{target})"
        label = labels.get(target)
        if label is None:
            problems.append(Problem(pdf, 0, 0, "P074", f"{where}: the PDF has no such place",
                                    "rebuild, or report it"))
            continue
        if number != label:
            problems.append(Problem(epub, 0, 0, "P074", f"{where} reads {number} in the EPUB; "
                                    f"the target is on page {label} of {pdf.name}",
                                    "rebuild, or report it"))
        printed = squeeze(link[:-1] + [label]) if link and link[-1] == number else None
        lines = texts.get(target, [])
        if printed is None or not any(printed in "".join(lines[k:k + 2])
                                      for k in range(len(lines))):
            problems.append(Problem(pdf, 0, 0, "P074", f"{where}: {pdf.name} does not print "
                                    f"it as “{' '.join(link[:-1] + [label])}” in a link to "
                                    "its target", "rebuild, or report it"))
    return problems, {"references": len(references)}
