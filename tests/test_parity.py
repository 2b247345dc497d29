"""Text parity: the check that the EPUB and the PDF carry the same words in the same order
finds nothing on good builds (the title: notes, table, running heads, hyphenation), and finds
a lost sentence and a lost footnote."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import ROOT, SLUG, make_book

from toolchain.build import build
from toolchain.check.parity import compare, epub_words, read_pages, squeeze

TEXT = ("# One\n\nThe train came in late.[^1*] Nobody waited on the platform.\n\n"
        "## Streets\n\nThe streets were empty, and the lamps were lit one by one.\n\n"
        "[^1*]: It was the last train of the day.\n")


def make_and_build(root: Path, text: str | dict[str, str]) -> Path:
    make_book(root / "m", text if isinstance(text, dict) else {"one.md": text})
    build(root / "m", root / "dist", ROOT / "styles", stream=io.StringIO(), force=True)
    return root / "dist"


def test_the_title_has_the_same_words_in_both_editions(built):
    problems, info = compare(built / f"{SLUG}.epub", built / f"{SLUG}.pdf")
    assert problems == [] and info["footnotes"] == "2/2" and info["words"] > 5000


def test_the_title_s_notes_are_its_pages_feet(built):
    """Print sets a footnote at its page's foot, one size smaller than the text: the words of
    each of the title's two pages with a starred note end with the note, read there alone
    (not the quotation set smaller above it), and it begins a line."""
    body, notes, heads = epub_words(built / f"{SLUG}.epub")
    pages = read_pages(built / f"{SLUG}.pdf", heads)
    feet = {squeeze(page.words[page.foot:]): page for page in pages}
    for note in notes:
        page = feet[squeeze(note)]
        assert page.foot in page.lines and page.foot > 0
        assert page.words[page.foot:] == note


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    """The book of TEXT built, for the tests to compare a changed build's PDF with."""
    return make_and_build(tmp_path_factory.mktemp("good"), TEXT)


def test_a_sentence_missing_from_the_pdf_is_named_with_its_context(tmp_path, good):
    assert compare(good / "small-book.epub", good / "small-book.pdf")[0] == []
    short = make_and_build(tmp_path / "b", TEXT.replace(" Nobody waited on the platform.", ""))
    problems, _ = compare(good / "small-book.epub", short / "small-book.pdf")
    assert [p.code for p in problems] == ["P061"]
    assert "Nobody waited on the platform" in problems[0].message
    assert "came in late" in problems[0].message  # the words before it


def test_a_footnote_missing_from_the_pdf_is_named(tmp_path, good):
    other = make_and_build(tmp_path / "b", TEXT.replace("the last train of the day",
                                                         "an early one"))
    problems, info = compare(good / "small-book.epub", other / "small-book.pdf")
    assert "P060" in {p.code for p in problems} and info["footnotes"] == "0/1"


LONG_WORDS = ("representatives metalworkers organisations internationalists parliamentarians "
              "revolutionary perspectives demonstrations administrations responsibilities "
              "extraordinary congresses counterrevolutionary opponents institutionalisation "
              "reconstruction manufacturers understanding").split()
LONG_NOTE = " ".join(LONG_WORDS[(k * 7) % len(LONG_WORDS)] for k in range(160)).capitalize() + "."
ROWS = "\n".join(f"| {k} | Delegate {k} of the district committees | {k * 7} |"
                 for k in range(1, 70))
TABLE_AND_NOTE = (f"# One\n\nThe congress met in the autumn.[^1*]\n\n| No. | Name | Votes |\n"
                  f"|--:|---|--:|\n{ROWS}\n\nTable: The delegates\n\nThe vote was taken.\n\n"
                  f"[^1*]: {LONG_NOTE}\n")


def test_a_table_over_pages_and_a_hyphenated_footnote_are_not_differences(tmp_path):
    """Print repeats a long table's header row on each page, and hyphenates a footnote's
    words at its line ends: neither is a difference between the editions."""
    import pypdfium2

    out = make_and_build(tmp_path, TABLE_AND_NOTE)
    doc = pypdfium2.PdfDocument(out / "small-book.pdf")
    text = "".join(page.get_textpage().get_text_range() for page in doc)
    doc.close()
    assert text.count("Votes") >= 2  # the header row, repeated
    assert "\ufffe" in text  # a word split at a line end (pdfium marks the hyphen so)
    problems, info = compare(out / "small-book.epub", out / "small-book.pdf")
    assert problems == [] and info["footnotes"] == "1/1"


def test_a_contents_of_numbered_sections_and_a_note_repeated_in_another_chapter(tmp_path):
    """Sections titled I, II, III (numerals, like folios) in the contents, as the Doyle
    sample has them, and the same long note in two chapters: no difference. (A repeated
    note split over a page turn in one chapter is the fuzzer's book 18, in test_kept_books.)"""
    note = " ".join(LONG_WORDS[(k * 3) % len(LONG_WORDS)] for k in range(120)).capitalize()
    one = "# One\n\n## I\n\n" + "\n\n".join(
        f"Paragraph {k} of the first part, which the congress heard in silence." for k in
        range(30)) + f"\n\nThe vote was taken.[^1*]\n\n## II\n\nIt ended.\n\n[^1*]: {note}.\n"
    two = f"# Two\n\n## III\n\nThe second vote.[^1*]\n\n[^1*]: {note}.\n"
    out = make_and_build(tmp_path, {"01-one.md": one, "02-two.md": two})
    problems, info = compare(out / "small-book.epub", out / "small-book.pdf")
    assert problems == [] and info["footnotes"] == "2/2"


def test_text_that_repeats_itself_hyphenated_alike_is_not_a_difference(tmp_path):
    """A sentence said again and again (a refrain, a list item twice): each copy hyphenated
    at the same places, the aligner matched one copy's halves with another's words and
    reported differences where there are none. The halves of a word hyphenated at a line's
    end are one word again before the alignment (where they make a word of the EPUB's), and
    a list's numbers, which print draws after its items' lines, are passed over. A word
    dropped from one copy is still found."""
    refrain = "The harbour keeper walked along the quay at dusk and counted the boats. " * 25
    item = ("- Malufor ribristanne quelvicklu kavickfor standunwenbrika morharnmorthal lupito "
            "dun bridestan lupito quelfordemor nequelbriwen.\n")
    text = (f"# One\n\n{refrain}[^1*]\n\n> {refrain.strip()}\n>\n> [— A Sailor]{{.attribution}}"
            f"\n\n{item}{item}\n1. {refrain.strip()}\n2. {refrain.strip()}\n3. The end.\n\n"
            f"{refrain}\n\n[^1*]: A note on the keeper.\n")
    dist = make_and_build(tmp_path / "good", text)
    for pdf in ("small-book.pdf", "small-book-print.pdf"):
        problems, info = compare(dist / "small-book.epub", dist / pdf)
        assert problems == [] and info["footnotes"] == "1/1", [str(p) for p in problems]
    pdf = read_pages(dist / "small-book.pdf", set())
    assert any(page.halves for page in pdf)  # (words hyphenated at a line's end, as meant)
    dist = make_and_build(tmp_path / "bad", text.replace("3. The end.", "3. The very end."))
    problems, _ = compare(tmp_path / "good" / "dist" / "small-book.epub",
                          dist / "small-book.pdf")
    assert [p.code for p in problems] == ["P061"] and "very" in str(problems[0])


def test_a_four_dot_ellipsis_and_a_year_ending_a_line_is_text_not_a_page_number(tmp_path):
    """Print's contents and list of illustrations end each entry with a leader's dots and a
    page number, which the PDF's reading leaves out (the EPUB's lists have none). A line of
    text may end the same way: a quotation broken off with a four-dot ellipsis and a year
    (". . . . 1923"), a page cited (". . . . xiv"). That year is text: read and compared, so
    no difference is found where there is none, and one is where the years differ — while
    the lists' numbers, an entry's title in two lines among them, are still left out."""
    from PIL import Image, ImageDraw

    def ring(manuscript):
        (manuscript / "images").mkdir()
        image = Image.new("RGB", (300, 120), "white")
        ImageDraw.Draw(image).ellipse([10, 10, 290, 110], outline="black", width=4)
        image.save(manuscript / "images" / "ring.png")

    caption = ("The harbour at dusk, the boats coming home from the sea with their nets full "
               "of herring and their sails patched against the wind, in 1923")
    one = ("# The Congress of 1923\n\nThe minutes of the meeting break off there . . . . 1923"
           f"\n\n![A ring](../images/ring.png \"{caption}.\")\n\n"
           "The editor’s preface cites it . . . . xiv\n")
    two = "# Two\n\nAnd the vote was taken . . . . 12\n"

    def made(root: Path, year: str) -> Path:
        make_book(root / "m", {"01-one.md": one.replace(". . . . 1923", ". . . . " + year),
                               "02-two.md": two})
        with (root / "m" / "book.toml").open("a", encoding="utf-8") as toml:
            toml.write("list_of_illustrations = true\n")
        ring(root / "m")
        build(root / "m", root / "dist", ROOT / "styles", stream=io.StringIO(), force=True)
        return root / "dist"

    good = made(tmp_path / "good", "1923")
    import pypdfium2

    doc = pypdfium2.PdfDocument(good / "small-book.pdf")
    text = "\n".join(page.get_textpage().get_text_range() for page in doc)
    doc.close()
    assert "there . . . . 1923\r\n" in text and "it . . . . xiv\r\n" in text  # as meant
    assert text.count("Contents") == 1 and "Illustrations" in text
    for pdf in ("small-book.pdf", "small-book-print.pdf"):
        problems, _ = compare(good / "small-book.epub", good / pdf)
        assert problems == [], [str(p) for p in problems]
    bad = made(tmp_path / "bad", "1924")
    problems, _ = compare(good / "small-book.epub", bad / "small-book.pdf")
    assert [p.code for p in problems] == ["P061"] and "“1923”" in str(problems[0])
