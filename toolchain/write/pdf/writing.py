"""The writing: the laid-out pages as the tagged screen PDF, with its page labels."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import pydyf

from ... import model as m
from ..xhtml import Document
from .laying_out import Layout, layout
from .sandbox import SandboxError, refused, sandbox_problem


def render_pdf(book: m.Book, docs: list[Document], build_date: datetime, styles: Path,
               manuscript: Path, target: Path, images: dict[str, Path] | None = None) -> None:
    """Typeset the book into `target`, the screen edition: the book's one layout."""
    write_layout(layout(book, docs, build_date, styles, manuscript, images), book.meta, target)


def write_layout(laid_out: Layout, meta: dict, target: Path) -> None:
    """Write the laid-out book as the screen edition, a tagged PDF/UA-1 file."""
    try:
        laid_out.document.write_pdf(target, pdf_identifier=pdf_identifier(meta),
                                    pdf_variant="pdf/ua-1", finisher=page_labels)
    except SandboxError as exc:
        raise sandbox_problem(str(exc)) from None
    refused(laid_out.fetcher)


def pdf_identifier(meta: dict) -> bytes:
    """The PDF's identifier: the book's, hashed (the same from build to build)."""
    return hashlib.sha256(meta["identifier"].encode()).hexdigest()[:32].encode()


def page_labels(document, pdf) -> None:
    """The printed folios as the PDF's page labels (roman in the front matter, arabic from
    the body's first page), so that a reader's "go to page 23" finds the page the index and
    the contents print as 23."""
    from ...typeset.facts import folios

    pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": pydyf.Array(
        x for start, style in label_starts(folios(document.pages))
        for x in (start, pydyf.Dictionary({"S": f"/{style}"})))})


def label_starts(labels: list[str]) -> list[tuple[int, str]]:
    """Where each style of page label begins: roman (r) up to the page whose folio is 1,
    arabic (D) from there."""
    start = labels.index("1") if "1" in labels else len(labels)
    return ([(0, "r")] if start else []) + ([(start, "D")] if start < len(labels) else [])


def text_beyond(pdf, press: bool = False) -> list[tuple[int, str]]:
    """The text that lies beyond each page (or, `press`, beyond its trim), cut off on screen
    or paper: (the page, from 0; its text so placed). `pdf` is a file or a PDF's bytes: a
    division's part is measured as it is written (`apart.lay_out_alone`), and kept with it.

    pdfium's text rectangles are few a page: a 400-page book is measured in about a second."""
    import pypdfium2

    found = []
    doc = pypdfium2.PdfDocument(pdf)
    try:
        for number, page in enumerate(doc):
            left, bottom, right, top = page.get_trimbox() if press else page.get_mediabox()
            text = page.get_textpage()
            beyond = []
            for k in range(text.count_rects()):
                x0, y0, x1, y1 = text.get_rect(k)
                if x0 < left - 0.5 or x1 > right + 0.5 or y0 < bottom - 0.5 or y1 > top + 0.5:
                    beyond.append(text.get_text_bounded(x0, y0, x1, y1).strip())
            if beyond:
                found.append((number, " ".join(" ".join(beyond).split())))
    finally:
        doc.close()
    return found
