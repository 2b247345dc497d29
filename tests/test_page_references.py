"""Page references, `[see p. #](#target)`: the `#` prints the target's folio in both PDFs and
reads the same number in the EPUB. The book has a preface (roman folios) with a section, and
a chapter long enough that its second section begins after a page turn, with a named figure,
a named table, a named span and an endnote as targets besides; both PDFs are read page by
page, and their page labels are the folios printed."""

from __future__ import annotations

import re
import zipfile

import pikepdf
import pypdfium2
import pytest
from conftest import ROOT, make_book, xml
from PIL import Image, ImageDraw

from toolchain.build import build
from toolchain.check.page_references import check_page_references, printed_at
from toolchain.errors import BuildError
from toolchain.read.markdown import read_book

WORDS = "the harbour keeper walked along the quay at dusk and counted the boats".split()


def prose(words: int, seed: int = 0) -> str:
    out = [WORDS[(seed + k * 5) % len(WORDS)] for k in range(words)]
    return " ".join(out).capitalize() + "."


PREFACE = f"""# Preface {{.preface}}

{prose(60)}

## Sources

{prose(80, 1)} The drawings are described on [p. #](#the-drawings), the old light on
[p. #](#lighthouse), the harbour drawing on [p. #](#quay-drawing), the tides on
[p. #](#tides).
"""

ONE = f"""# The Quay

{prose(120, 2)} The sources are named in the preface ([p. #](#sources)), and the
drawings come later ([see p. #](#the-drawings)); the chapter began on [page #](#the-quay).

{prose(400, 3)}

![A square drawn in black lines](../images/quay.png "A harbour drawing"){{#quay-drawing}}

{prose(400, 4)}[^1]

Table: Tides at the quay {{#tides}}

| Day | High water |
|---|---|
| Monday | morning |
| Tuesday | noon |

## The Drawings

{prose(90, 5)} Back to [p. #](#sources); [the old lighthouse]{{#lighthouse}} stands here; the
note is on [p. #](#^1).

[^1]: A note that the Notes print at the end of the book.
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("pageref") / "manuscript"
    (root / "front").mkdir(parents=True)
    (root / "chapters").mkdir()
    (root / "front" / "preface.md").write_text(PREFACE, "utf-8")
    (root / "chapters" / "01-quay.md").write_text(ONE, "utf-8")
    (root / "images").mkdir()
    image = Image.new("RGB", (600, 400), "white")
    ImageDraw.Draw(image).rectangle([8, 8, 591, 391], outline="black", width=4)
    image.save(root / "images" / "quay.png")
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


def page_with(texts: list[str], labels: list[str], words: str) -> str:
    found = [labels[k] for k, text in enumerate(texts) if words in text]
    assert found, words
    return found[0]


def folio_of(texts: list[str], labels: list[str], heading: str) -> str:
    """The label of the page a heading is printed on (not the contents page, which lists it)."""
    found = [labels[k] for k, text in enumerate(texts)
             if re.search(rf"(^|[^\w ] ?|\w ){heading} [A-Z]", text) and "Contents" not in text]
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
    assert f"the old light on p. {page_with(texts, labels, 'the old lighthouse stands')}" in body
    assert f"drawing on p. {page_with(texts, labels, 'A harbour drawing')}" in body
    assert f"the tides on p. {page_with(texts, labels, 'Tides at the quay')}" in body
    notes = page_with(texts, labels, "A note that the Notes print")
    assert f"the note is on p. {notes}" in body and int(notes) > int(drawings)
    assert "p. #" not in body and "p. 0" not in body


def test_the_check_reads_every_reference_and_finds_one_that_leads_elsewhere(built, tmp_path):
    """`toolchain check`'s page references (P074): none on the built book; in a copy of its
    PDF whose destination for the old lighthouse is moved to the title page, the EPUB's
    number and the PDF's both differ from the page it leads to, and are named."""
    problems, info = check_page_references(built / "pageref.epub", built / "pageref.pdf")
    assert problems == [] and info["references"] == 9
    moved = tmp_path / "moved.pdf"
    with pikepdf.open(built / "pageref.pdf") as pdf:
        names = pdf.Root.Names.Dests.Names
        k = next(k for k in range(0, len(names), 2) if str(names[k]) == "at-lighthouse")
        names[k + 1][0] = pdf.pages[2].obj
        pdf.save(moved)
    problems, _ = check_page_references(built / "pageref.epub", moved)
    assert {p.code for p in problems} == {"P074"} and len(problems) == 2
    assert all("#at-lighthouse" in p.message and "iii" in p.message for p in problems)


def test_the_check_reads_words_after_the_number_and_two_links_to_one_place(tmp_path):
    """A reference with words after its number (`[page # below]`), and a cross-reference
    and a page reference to one place on one line: each is read whole, none taken for
    another; and a printed number is matched word for word (p. 1 is not in p. 12)."""
    make_book(tmp_path / "m", {"one.md": (
        "# One\n\n" + prose(300) + " [The old light]{#light} stands here.\n\n" + prose(30, 1)
        + " See [the light](#light) ([p. #](#light)), [page # above](#light), p. [#](#light).\n")})
    build(tmp_path / "m", tmp_path / "dist", ROOT / "styles", force=True)
    problems, info = check_page_references(tmp_path / "dist" / "small-book.epub",
                                           tmp_path / "dist" / "small-book.pdf")
    assert problems == [] and info["references"] == 3
    with zipfile.ZipFile(tmp_path / "dist" / "small-book.epub") as z:
        text = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xhtml"))
    assert "p.\u00a0<a" in text and "p. <a" not in text  # tied outside the link too
    assert printed_at([["p", "12"]], ["p", "1"], set()) is None
    assert printed_at([["see", "p"], ["4"]], ["see", "p", "4"], set()) == 0  # over a line end
    used: set = set()
    assert printed_at([["p", "4"]], ["p", "4"], used) == 0
    assert printed_at([["p", "4"]], ["p", "4"], used) is None  # each printing matched once


def test_the_epub_reads_the_print_page_numbers(built):
    texts, labels = pdf_pages(built / "pageref-print.pdf")
    with zipfile.ZipFile(built / "pageref.epub") as z:
        chapter = xml(z.read("EPUB/ch-01-quay.xhtml"))
        preface = xml(z.read("EPUB/ch-preface.xhtml"))
    spans = [(s.get("data-target"), s.text) for doc in (preface, chapter)
             for s in doc.iter("{http://www.w3.org/1999/xhtml}span")
             if s.get("class") == "page-number"]
    sources, drawings = folio_of(texts, labels, "Sources"), folio_of(texts, labels, "The Drawings")
    assert spans == [("ch-01-quay-the-drawings", drawings),
                     ("at-lighthouse", page_with(texts, labels, "the old lighthouse stands")),
                     ("ch-01-quay-figure-1", page_with(texts, labels, "A harbour drawing")),
                     ("at-tides", page_with(texts, labels, "Tides at the quay")),
                     ("ch-preface-sources", sources),
                     ("ch-01-quay-the-drawings", drawings),
                     ("ch-01-quay", folio_of(texts, labels, "The Quay")),
                     ("ch-preface-sources", sources),
                     ("ch-01-quay-note-1", page_with(texts, labels, "A note that the Notes"))]
    befores = [(s.getparent().text if s.getprevious() is None else s.getprevious().tail)
               for doc in (preface, chapter) for s in doc.iter("{http://www.w3.org/1999/xhtml}span")
               if s.get("class") == "page-number"]  # "p." tied to its number, never apart
    assert befores and all(b.endswith(("p.\u00a0", "page\u00a0")) for b in befores), befores


@pytest.mark.parametrize("text, error", [
    ("See [p. #](#nowhere).", "01-quay.md:3:1: error M114: cross-reference '#nowhere' names "
                              "no chapter, section or named place"),
    ("See [the quay]{#quay} and [the quay again]{#quay}.",
     "3:1: error M114: the name #quay is given twice"),
    ("See [the note](#^9).", "3:1: error M114: cross-reference '#^9' names no note of this "
                             "division"),
    ("See [here]{#9lives}.", "3:1: error M009: the name #9lives of a place"),
])
def test_page_references_named_places_and_note_targets_are_checked(tmp_path, text, error):
    root = tmp_path / "manuscript"
    (root / "chapters").mkdir(parents=True)
    (root / "chapters" / "01-quay.md").write_text(f"# The Quay\n\n{text}\n")
    (root / "book.toml").write_text("""title = "T"
author = "A"
language = "en-GB"
identifier = "urn:uuid:00000000-0000-4000-8000-000000000044"
slug = "t"
chapters = ["chapters/01-quay.md"]
""")
    with pytest.raises(BuildError) as caught:
        read_book(root)
    assert error in str(caught.value.problems[0])


def test_a_page_that_begins_after_a_page_reference_is_marked_where_it_begins(tmp_path):
    """A long paragraph that opens with a page reference runs over several pages: each
    page's marker in the EPUB stands before the words the print page begins with. (Print
    draws the reference's number from the stylesheet and does not count its letters; the
    EPUB's number, filled in before the markers were placed, put each a word early.)"""
    from conftest import built_book

    from toolchain.check.parity import check_pages

    words = "the harbour keeper walked along the quay at dusk and counted the boats".split()
    long = " ".join(words[(k * 5) % len(words)] for k in range(1400))
    out, report = built_book(tmp_path, {
        "01-one.md": "# One\n\nThe [quay]{#quay} at dusk.\n",
        "02-two.md": f"# Two\n\nAs on [p. #](#quay) and [p. #](#quay), {long}.\n"})
    slug = report["slug"]
    problems, info = check_pages(out / f"{slug}.epub", out / f"{slug}.pdf")
    assert info["pages"] >= 5 and problems == [], [str(p) for p in problems]


@pytest.mark.parametrize("notes", ["endnotes", "footnotes"])
def test_a_reference_to_a_place_named_in_a_note_leads_where_the_note_is(tmp_path, notes):
    """A place named inside a note (`[the old light]{#light}` in its text), referred to from
    a chapter's title, its text, a table's cell and another division: with endnotes the
    place is in notes.xhtml, not the chapter's file (the link was written to the chapter's,
    a broken link that stopped the build); each number is its page in print."""
    make_book(tmp_path / "m", {
        "one.md": "# One, see [p. #](#light)\n\n" + prose(250) + "[^1]\n\n| Where | Page |\n"
                  "|---|--:|\n| The light | [p. #](#light) |\n\n" + prose(200, 1) + "\n\n"
                  "[^1]: " + prose(40, 2) + " [The old light]{#light} stood here.\n",
        "two.md": "# Two\n\n" + prose(60, 3) + " Back to [the light](#light), [p. #](#light).\n"},
        extra=f'notes = "{notes}"')
    build(tmp_path / "m", tmp_path / "dist", ROOT / "styles", force=True)
    problems, info = check_page_references(tmp_path / "dist" / "small-book.epub",
                                           tmp_path / "dist" / "small-book.pdf")
    assert problems == [] and info["references"] == 3
    with zipfile.ZipFile(tmp_path / "dist" / "small-book.epub") as z:
        links = re.findall(r'href="([^"]*#at-light)"', z.read("EPUB/ch-two.xhtml").decode())
    where = "notes.xhtml" if notes == "endnotes" else "ch-one.xhtml"
    assert links == [f"{where}#at-light"] * 2
