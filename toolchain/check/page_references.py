"""Page references against the pages: "see p. #" prints the folio of the page its target
falls on, in the screen PDF (the press file has its pages, without links to follow), and the
EPUB reads the same number.

The EPUB marks each page reference as a link holding `span.page-number` (its `data-target`
the target's id, its text the number); in the PDF the link is an annotation whose
destination is the same id, and the named destination is on the target's page, whose label
is the folio it prints (the pages check proves the labels). So each reference is checked
twice: the EPUB's number is the label of the page the PDF's destination is on, and the PDF
prints the reference, its number that label, inside a link to that destination. A note's
reference leads to where the note's text prints. The list of illustrations' page numbers
are checked so too: in the EPUB each follows its entry's link to the figure; in print it is
set inside the link, after the leader (the parity check reads neither)."""

from __future__ import annotations

import zipfile
from collections import defaultdict
from pathlib import Path

import pikepdf
import pypdfium2
from lxml import etree

from ..errors import Problem
from .parity import H, listed_numbers, squeeze, words

OPF = {"o": "http://www.idpf.org/2007/opf"}


NUMBER = "\ue002"  # the page number's place among its link's words


def epub_references(epub: Path) -> list[tuple[str, str, list[str]]]:
    """Each page reference of the EPUB in reading order: (the PDF's name of its target, the
    number, the words of its link with NUMBER for the number: "see p. 12" is ["see", "p",
    NUMBER]). A link to a whole division (no fragment) leads in the PDF to `doc-` and its
    file's name, as print's HTML names it."""
    found = []
    with zipfile.ZipFile(epub) as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
        hrefs = {i.get("id"): i.get("href") for i in opf.findall(".//o:item", OPF)}
        for ref in opf.findall(".//o:itemref", OPF):
            root = etree.fromstring(archive.read(f"EPUB/{hrefs[ref.get('idref')]}"))
            entries = set(listed_numbers(root))  # the list of illustrations' numbers
            for number in list(root.iter(f"{H}span")):
                if number.get("class") != "page-number":
                    continue
                link = next(number.iterancestors(f"{H}a"), None)
                listed = number.getprevious() if link is None and number in entries else None
                if listed is not None and listed.tag != f"{H}a":
                    listed = None
                if link is None and listed is None:
                    continue
                file, _, fragment = (link if listed is None else listed).get(
                    "href", "").partition("#")
                target = fragment or f"doc-{file.removesuffix('.xhtml')}"
                shown = "".join(number.itertext())
                if listed is not None:  # print sets the number inside the link, after it
                    found.append((target, shown, words("".join(listed.itertext())) + [NUMBER]))
                    continue
                for child in list(number):
                    number.remove(child)
                number.text = f" {NUMBER} "
                found.append((target, shown, [w for part in "".join(link.itertext()).split(
                    NUMBER) for w in words(part) + [NUMBER]][:-1]))
    return found


def pdf_links(pdf: Path) -> tuple[dict[str, str], dict[str, list[list[str]]]]:
    """The label of the page each named destination is on, and for each destination the
    words of each line of link text that leads to it, in the order of the pages and their
    lines (a link's annotations nest, one box inside another: the outermost is read)."""
    with pikepdf.open(pdf) as book:
        numbers = {page.objgen: k for k, page in enumerate(book.pages)}
        places: dict[str, int] = {}
        names = book.Root.get("/Names")
        if names is not None and "/Dests" in names:
            for name, dest in pikepdf.NameTree(names.Dests).items():
                array = dest.get("/D", dest) if isinstance(dest, pikepdf.Dictionary) else dest
                if isinstance(array, pikepdf.Array) and len(array):
                    places[str(name)] = numbers.get(getattr(array[0], "objgen", None), -1)
        boxes: list[tuple[int, float, float, str, tuple]] = []  # page, top down, left, ...
        for k, page in enumerate(book.pages):
            for annotation in page.obj.get("/Annots", []):
                dest = annotation.get("/Dest")
                if annotation.get("/Subtype") != "/Link" or not isinstance(dest, pikepdf.String):
                    continue
                left, bottom, right, top = sorted_rect([float(v) for v in annotation.Rect])
                boxes.append((k, -top, left, str(dest), (left, bottom, right, top)))
    groups: dict[tuple[int, str], list] = defaultdict(list)  # a page's links to one place
    for box in boxes:
        groups[box[0], box[3]].append(box)
    outermost = [box for group in groups.values() for i, box in enumerate(group) if not any(
        j != i and inside(box[4], other[4]) and not (inside(other[4], box[4]) and j > i)
        for j, other in enumerate(group))]  # (of boxes alike, the first)
    doc = pypdfium2.PdfDocument(pdf)
    try:
        labels = {name: doc.get_page_label(k) if k >= 0 else "" for name, k in places.items()}
        texts: dict[str, list[list[str]]] = defaultdict(list)
        pages: dict[int, object] = {}
        for k, _, _, dest, rect in sorted(outermost):
            if k not in pages:
                pages[k] = doc[k].get_textpage()
            texts[dest].append([squeeze([w]) for w in words(pages[k].get_text_bounded(*rect))])
    finally:
        doc.close()
    return labels, texts


def sorted_rect(rect: list[float]) -> tuple[float, float, float, float]:
    return min(rect[0], rect[2]), min(rect[1], rect[3]), max(rect[0], rect[2]), max(rect[1],
                                                                                    rect[3])


def inside(box: tuple, other: tuple) -> bool:
    """Whether `box` lies within `other` (a nested annotation of the same link)."""
    return other[0] - 0.5 <= box[0] and box[2] <= other[2] + 0.5 and \
        other[1] - 0.5 <= box[1] and box[3] <= other[3] + 0.5


def check_page_references(epub: Path, pdf: Path) -> tuple[list[Problem], dict]:
    """Problems with the page references of `pdf` (and the EPUB's numbers), and the count
    checked."""
    references = epub_references(epub)
    if not references:
        return [], {"references": 0}
    labels, texts = pdf_links(pdf)
    problems, used = [], {}  # by target: the lines of link text matched already
    for target, number, link in references:
        shown = [number if w == NUMBER else w for w in link]
        where = f"the page reference “{' '.join(shown)}” (to #{target})"
        label = labels.get(target)
        if label is None:
            problems.append(Problem(pdf, 0, 0, "P074", f"{where}: the PDF has no such place",
                                    "rebuild, or report it"))
            continue
        if number != label:
            problems.append(Problem(epub, 0, 0, "P074", f"{where} reads {number} in the EPUB; "
                                    f"the target is on page {label} of {pdf.name}",
                                    "rebuild, or report it"))
        printed = [label if w == NUMBER else w for w in link]
        found = printed_at(texts.get(target, []), [squeeze([w]) for w in printed],
                           used.setdefault(target, set()))
        if found is None:
            problems.append(Problem(pdf, 0, 0, "P074", f"{where}: {pdf.name} does not print "
                                    f"it as “{' '.join(printed)}” in a link to its target",
                                    "rebuild, or report it"))
    return problems, {"references": len(references)}


PIECES = 8  # pieces of one link's text read as one: a caption of seven lines, its number


def printed_at(lines: list[list[str]], wanted: list[str], used: set) -> int | None:
    """The first line of link text not yet used that holds `wanted` word for word (alone,
    or run on into the next lines: a link broken at a line's end, an entry of the list of
    illustrations whose page number is a box of its own after its caption's lines); they
    are used up."""
    for k in range(len(lines)):
        for size in range(1, PIECES + 1):
            joined = [w for line in lines[k:k + size] for w in line]
            if k + size > len(lines) or any(j in used for j in range(k, k + size)):
                continue
            if any(joined[j:j + len(wanted)] == wanted
                   for j in range(len(joined) - len(wanted) + 1)):
                used.update(range(k, k + size))
                return k
    return None
