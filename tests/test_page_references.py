"""Page references, `[see p. #](#target)`: the `#` prints the target's folio in both PDFs and
reads the same number in the EPUB. The book has a preface (roman folios) with a section, and
a chapter long enough that its second section begins after a page turn; both PDFs are read
page by page, and their page labels are the folios printed."""

from __future__ import annotations

import re
import zipfile

import pypdfium2
import pytest
from conftest import ROOT, xml

from toolchain.build import build
from toolchain.errors import BuildError
from toolchain.read.markdown import read_book

WORDS = "the harbour keeper walked along the quay at dusk and counted the boats".split()


def prose(words: int, seed: int = 0) -> str:
    out = [WORDS[(seed + k * 5) % len(WORDS)] for k in range(words)]
    return " ".join(out).capitalize() + "."


PREFACE = f"""# Preface {{.preface}}

{prose(60)}

## Sources

{prose(80, 1)} The drawings are described on [p. #](#the-drawings).
"""

ONE = f"""# The Quay

{prose(120, 2)} The sources are named in the preface ([p. #](#sources)), and the
drawings come later ([see p. #](#the-drawings)); the chapter began on [page #](#the-quay).

{prose(400, 3)}

{prose(400, 4)}

## The Drawings

{prose(90, 5)} Back to [p. #](#sources).
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("pageref") / "manuscript"
    (root / "front").mkdir(parents=True)
    (root / "chapters").mkdir()
    (root / "front" / "preface.md").write_text(PREFACE, "utf-8")
    (root / "chapters" / "01-quay.md").write_text(ONE, "utf-8")
    (root / "book.toml").write_text("""title = "Page References"
author = "A. N. Author"
language = "en-GB"
identifier = "urn:uuid:00000000-0000-4000-8000-000000000042"
slug = "pageref"
front = ["front/preface.md"]
chapters = ["chapters/01-quay.md"]
""", "utf-8")
    out = root.parent / "dist"
    build(root, out, ROOT / "styles", force=True)
    return out


def pdf_pages(pdf) -> tuple[list[str], list[str]]:
    doc = pypdfium2.PdfDocument(pdf)
    try:
        texts = [" ".join(page.get_textpage().get_text_range().split()) for page in doc]
        labels = [doc.get_page_label(k) for k in range(len(doc))]
    finally:
        doc.close()
    return texts, labels


def folio_of(texts: list[str], labels: list[str], heading: str) -> str:
    """The label of the page a heading is printed on (its own line, not a reference)."""
    found = [labels[k] for k, text in enumerate(texts) if re.search(
        rf"(^|\. |\d )({heading}) [A-Z]", text)]
    assert found, heading
    return found[0]


@pytest.mark.parametrize("edition", ["pageref.pdf", "pageref-print.pdf"])
def test_page_references_print_their_targets_folios(built, edition):
    texts, labels = pdf_pages(built / edition)
    folios = [re.findall(r"\b([ivxlc]+|\d+)$", text) for text in texts]
    assert all(labels[k] in (found or [labels[k]]) for k, found in enumerate(folios))
    sources = folio_of(texts, labels, "Sources")
    drawings = folio_of(texts, labels, "The Drawings")
    quay = folio_of(texts, labels, "The Quay")
    assert re.fullmatch(r"[ivx]+", sources)  # in the front matter
    assert int(drawings) > int(quay)  # after a page turn
    body = " ".join(texts)
    assert f"named in the preface (p. {sources})" in body
    assert f"(see p. {drawings})" in body and f"began on page {quay}" in body
    assert f"described on p. {drawings}" in body and f"Back to p. {sources}" in body
    assert "p. #" not in body and "p. 0" not in body


def test_the_epub_reads_the_print_page_numbers(built):
    texts, labels = pdf_pages(built / "pageref-print.pdf")
    with zipfile.ZipFile(built / "pageref.epub") as z:
        chapter = xml(z.read("EPUB/ch-01-quay.xhtml"))
        preface = xml(z.read("EPUB/ch-preface.xhtml"))
    spans = [(s.get("data-target"), s.text) for doc in (preface, chapter)
             for s in doc.iter("{http://www.w3.org/1999/xhtml}span")
             if s.get("class") == "page-number"]
    sources, drawings = folio_of(texts, labels, "Sources"), folio_of(texts, labels, "The Drawings")
    assert spans == [("ch-01-quay-the-drawings", drawings), ("ch-preface-sources", sources),
                     ("ch-01-quay-the-drawings", drawings),
                     ("ch-01-quay", folio_of(texts, labels, "The Quay")),
                     ("ch-preface-sources", sources)]


def test_a_page_reference_to_no_title_is_an_error(tmp_path):
    root = tmp_path / "manuscript"
    (root / "chapters").mkdir(parents=True)
    (root / "chapters" / "01-quay.md").write_text("# The Quay\n\nSee [p. #](#nowhere).\n")
    (root / "book.toml").write_text("""title = "T"
author = "A"
language = "en-GB"
identifier = "urn:uuid:00000000-0000-4000-8000-000000000043"
slug = "t"
chapters = ["chapters/01-quay.md"]
""")
    with pytest.raises(BuildError) as caught:
        read_book(root)
    assert "01-quay.md:3:1: error M114: cross-reference '#nowhere' names no chapter or " \
           "section" in str(caught.value.problems[0])
