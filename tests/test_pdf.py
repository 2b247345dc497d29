"""The two PDFs as a reader and a printer see them: notes, table, fonts, metadata, boxes."""

from __future__ import annotations

import io
import re
import shutil
from datetime import UTC, datetime

import pikepdf
import pypdfium2
import pytest
from conftest import ROOT, SLUG

from toolchain.check import pdfcheck
from toolchain.errors import BuildError
from toolchain.read.markdown import read_book
from toolchain.write.pdf import SandboxedFetcher, SandboxError, render_pdf
from toolchain.write.xhtml import write_documents

FIGURES = ["4.2", "8.9", "14.0", "64.8", "39.5", "64.9", "76.7", "191.8", "493.2", "17,972",
           "353,412", "4,620,455", "98,860,000", "25,260,208,000", "4,200,000,000,000"]


def pages_text(path) -> list[str]:
    """Each page's text, lines joined and hyphenated words mended."""
    doc = pypdfium2.PdfDocument(path)
    out = []
    for page in doc:
        text = page.get_textpage().get_text_range()
        text = re.sub(r"[\u2010-]\r?\n", "", text)
        out.append(" ".join(text.split()))
    doc.close()
    return out


@pytest.fixture(scope="module", params=["screen", "print"])
def pdf_path(request, built):
    return built / (f"{SLUG}.pdf" if request.param == "screen" else f"{SLUG}-print.pdf")


@pytest.fixture(scope="module")
def screen(built):
    return pages_text(built / f"{SLUG}.pdf")


def test_both_pdfs_have_the_same_layout(built):
    """The press edition is the screen edition's pages, then blank pages to a 16-page section
    (the default offset profile)."""
    screen, press = pages_text(built / f"{SLUG}.pdf"), pages_text(built / f"{SLUG}-print.pdf")
    assert press[: len(screen)] == screen
    assert len(press) % 16 == 0 and len(press) - len(screen) < 16
    assert all(text == "" for text in press[len(screen):])


@pytest.mark.parametrize("call, note", [
    ("around the Communists.15*", "* This letter is not included in Stalin’s Works."),
    ("ignore General Müller.†", "† General Müller was the newly appointed commander"),
])
def test_footnote_on_the_page_of_its_call(screen, call, note):
    with_call = [k for k, text in enumerate(screen) if call in text]
    with_note = [k for k, text in enumerate(screen) if note in text]
    assert len(with_call) == 1 and with_call == with_note


def test_twenty_five_endnotes_under_notes(screen):
    start = next(k for k, t in enumerate(screen) if t.startswith("Notes 1. "))
    notes = " ".join(screen[start:start + 4])
    notes = notes[:notes.index("Colophon")] if "Colophon" in notes else notes
    positions = [notes.find(f" {n}. ") for n in range(1, 26)]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    assert notes.count("[The original reference is not preserved in the source text.]") == 24


def test_every_font_embedded_and_none_a_fallback(pdf_path):
    fonts = pdfcheck.fonts(pdf_path)
    assert fonts and all(fonts.values())
    assert all(any(f in name for f in pdfcheck.BOOK_FONTS) for name in fonts), fonts
    assert pdfcheck.check_fonts(pdf_path) == []


def test_screen_pdf_metadata_outline_and_tags(built):
    with pikepdf.open(built / f"{SLUG}.pdf") as pdf:
        assert str(pdf.docinfo["/Title"]) == "German revolution of 1923"
        assert str(pdf.docinfo["/Author"]) == "Tony Cliff"
        assert str(pdf.Root.Lang) == "en-GB"
        assert "/StructTreeRoot" in pdf.Root
        assert 'pdfuaid:part="1"' in str(pdf.open_metadata())
        with pdf.open_outline() as outline:
            titles = [item.title for item in outline.root]
            chapter = next(i for i in outline.root if i.title == "3. German revolution of 1923")
            sections = [i.title for i in chapter.children]
        assert "Notes" in titles
        assert sections == ["The German Revolution and stirrings in Russia",
                            "A Short Sketch of the German Revolution", "The policy of the KPD",
                            "The Collapse of the German Revolution"]
        links = [a for page in pdf.pages for a in page.obj.get("/Annots", [])
                 if a.get("/Subtype") == "/Link"]
        assert len(links) >= 25 + 25  # endnote calls and their way back, at least


def test_print_pdf_has_trim_and_bleed(built):
    with pikepdf.open(built / f"{SLUG}-print.pdf") as pdf:
        for page in pdf.pages:
            media = [float(x) for x in page.obj.MediaBox]
            trim = [float(x) for x in page.obj.TrimBox]
            bleed = [float(x) for x in page.obj.BleedBox]
            assert media[0] <= bleed[0] < trim[0] and trim[2] < bleed[2] <= media[2]
            width_mm = (trim[2] - trim[0]) / 72 * 25.4
            height_mm = (trim[3] - trim[1]) / 72 * 25.4
            assert round(width_mm) == 138 and round(height_mm) == 216
            assert round((trim[0] - bleed[0]) / 72 * 25.4) == 3


def test_press_edition_is_the_screen_pages_with_marks_outside_the_bleed(built):
    """One layout: the press PDF has the screen PDF's pages, trimmed where the screen page
    ends; crop marks are drawn beyond the bleed, never inside it; no links, no outline, no
    structure tree (the screen PDF's tags, which a RIP does not read)."""
    with pikepdf.open(built / f"{SLUG}.pdf") as screen, \
            pikepdf.open(built / f"{SLUG}-print.pdf") as press:
        assert len(press.pages) == len(screen.pages) + (-len(screen.pages) % 16)
        for a, b in zip(screen.pages, press.pages, strict=False):
            assert [float(x) for x in b.obj.TrimBox] == [float(x) for x in a.obj.MediaBox]
            assert "/Annots" not in b.obj
        assert "/Outlines" not in press.Root and "/Outlines" in screen.Root
        assert "/StructTreeRoot" not in press.Root and "/StructTreeRoot" in screen.Root
        assert not any("/StructParents" in page.obj for page in press.pages)
        assert not any(isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/StructElem"
                       for o in press.objects)
    doc = pypdfium2.PdfDocument(built / f"{SLUG}-print.pdf")
    image = doc[0].render(scale=150 / 72).to_pil().convert("L")  # the half title: little ink
    doc.close()
    mm = 150 / 25.4
    slug, bleed = 13 * mm, 3 * mm
    width, height = image.size

    def ink(box):
        histogram = image.crop(tuple(round(c) for c in box)).histogram()
        return sum(histogram[:128])  # pixels darker than mid-grey

    inside_bleed = [(slug - bleed, slug - bleed, width - slug + bleed, slug),  # the band above
                    (slug - bleed, slug, slug, height - slug)]  # and left of the trim
    assert all(ink(box) == 0 for box in inside_bleed)
    corner = (0, 0, slug - bleed, slug - bleed)  # beyond the bleed, top left: two marks
    assert ink((slug - 2, 0, slug + 2, slug - bleed)) > 10  # the vertical mark on the trim line
    assert ink((0, slug - 2, slug - bleed, slug + 2)) > 10  # the horizontal one
    assert ink(corner) == 0  # nothing but the two marks, which lie on the trim lines


def test_table_whole_on_one_page(screen):
    pages = [k for k, text in enumerate(screen) if "Paper marks to one US dollar" in text]
    assert len(pages) == 1
    text = screen[pages[0]]
    for figure in FIGURES:
        assert figure in text.replace(" ", "").replace("\u2009", ""), figure


def test_running_heads_and_folios(screen):
    """Margin boxes come last in the page text: running head, then folio."""
    book, chapter = "Trotsky: Fighting the rising Stalinist bureaucracy, 1923–1927", \
        "3. German revolution of 1923"
    opening = next(k for k, t in enumerate(screen) if t.startswith(f"{chapter} The German"))
    assert opening % 2 == 0  # a recto
    assert screen[0] == "German revolution of 1923"  # the half title: no folio
    assert [screen[k] for k in (1, 3, 5)] == ["", "", ""]  # blank versos: no folio, no head
    assert screen[2].endswith("Tony Cliff")  # the title page: no folio
    assert screen[4].startswith("Contents") and screen[4].endswith(" v")  # front matter: roman
    for k, text in enumerate(screen[opening:], 1):  # the body: arabic from 1
        assert f" {text}".endswith(f" {k}") or text == "", f"page {k} has no folio"
    assert screen[opening].endswith("1") and not screen[opening].endswith(f"{chapter} 1")
    assert screen[opening + 1].endswith(f"{book} 2")
    assert screen[opening + 2].endswith(f"{chapter} 3")


def test_sandbox_refuses_everything_outside_the_book(tmp_path):
    styles = tmp_path / "styles"
    styles.mkdir()
    (styles / "ok.css").write_text("p {}")
    (styles / "escape").symlink_to("/etc/passwd")
    fetcher = SandboxedFetcher([styles])
    assert fetcher.fetch((styles / "ok.css").as_uri()).read() == b"p {}"
    for url in ("file:///etc/passwd", f"{styles.as_uri()}/../../../etc/passwd",
                (styles / "escape").as_uri(), "https://example.org/font.otf",
                "http://127.0.0.1/x.css"):
        with pytest.raises(SandboxError):
            fetcher.fetch(url)


def test_a_stylesheet_that_names_a_file_outside_stops_the_build(tmp_path):
    styles = tmp_path / "styles"
    shutil.copytree(ROOT / "styles", styles)
    with (styles / "print.css").open("a") as css:
        css.write("\nbody { background: url(file:///etc/passwd); }\n")
    book = read_book(ROOT / "manuscript")
    docs = write_documents(book, datetime(2025, 1, 1, tzinfo=UTC))
    with pytest.raises(BuildError) as err:
        render_pdf(book, docs, datetime(2025, 1, 1, tzinfo=UTC), styles,
                   ROOT / "manuscript", tmp_path / "out.pdf")
    assert "refused to load file:///etc/passwd" in str(err.value)
    assert not (tmp_path / "out.pdf").exists()


def pdf_words(path) -> list[str]:
    """The words of the PDF's text layer in page order, as pdfium extracts them."""
    doc = pypdfium2.PdfDocument(path)
    text = "\n".join(page.get_textpage().get_text_range() for page in doc)
    doc.close()
    text = re.sub(r"(?<=\S)([*\u2020\u2021\u00a7\u00b6]+)(?=\s)", r" \1", text)  # note marks
    return text.replace("\u00a0", " ").split()


def is_subsequence(needle: list[str], haystack: list[str]) -> tuple[bool, int]:
    """Whether every word of `needle` appears in `haystack` in order; and how far it got.

    A word broken at a line end ("coali-" … "tion", a hyphen the typesetter added, or "Social-"
    … "Democratic", a hyphen of the text) matches its two halves, whatever stands between them
    (a footnote, a running head and a folio, when the break turns the page)."""
    k, haystack = 0, list(haystack)
    for reached, word in enumerate(needle):
        while k < len(haystack):
            token = haystack[k]
            k += 1
            if word in (token, token.replace("\ufffe", ""), token.replace("\ufffe", "-")):
                break  # pdfium marks a line-end hyphen it mended with U+FFFE
            if token.startswith(word) and reached + 1 < len(needle) \
                    and needle[reached + 1].startswith(token[len(word):][:1]):
                k -= 1  # a raised note call the extraction ran into its word: "it.’7"
                haystack[k] = token[len(word):]
                break
            if "\ufffe" in token:  # pdfium joined a page-foot hyphen to the running head
                before = token.split("\ufffe")[0]
                heads = {before, before + "-"}
            else:
                heads = {token, token[:-1]} if token.endswith("-") else set()
            rests = {word[len(h):] for h in heads if word.startswith(h) and len(word) > len(h)}
            if rests:
                while k < len(haystack) and haystack[k] not in rests:
                    k += 1
                if k < len(haystack):
                    k += 1
                    break
                return False, reached
        else:
            return False, reached
    return True, len(needle)


def test_text_layer_carries_every_word_exactly(built, pdf_path):
    """Small caps in their case, ligatures as letters, hyphenation mended, note marks kept:
    every word of every XHTML document is in the PDF's text layer, in order, exactly."""
    from conftest import NS, xml

    words = pdf_words(pdf_path)
    xhtml = built / "xhtml"
    for name in ("titlepage", "ch-03-german-revolution-of-1923", "notes", "colophon"):
        root = xml((xhtml / f"{name}.xhtml").read_bytes())
        body = root.find("h:body", NS)
        for call in body.xpath(".//h:a[@role='doc-noteref']/h:sup", namespaces=NS):
            call.text = f" {call.text} "  # a raised call is a word of its own in the PDF
        asides = body.xpath(".//h:aside", namespaces=NS)
        for aside in asides:  # footnotes move to the page foot: compared on their own
            ok, reached = is_subsequence("".join(aside.itertext()).split(), words)
            assert ok, "".join(aside.itertext())
            aside.getparent().remove(aside)
        expected = "".join(body.itertext()).replace("\u00a0", " ").split()
        ok, reached = is_subsequence(expected, words)
        assert ok, f"{name}: lost at word {reached}: {' '.join(expected[reached:reached + 8])!r}"
    text = " ".join(words)
    assert "BarMen" not in text and "THE 1923 Opposition" in text
    assert "\u2010" not in text, text[text.index("\u2010") - 60:text.index("\u2010") + 20]


def test_embedded_fonts_keep_their_own_dates_not_the_builds(built):
    """Each font embedded (a subset of one of the styles' fonts, merged across divisions)
    carries its font's date (`head.modified`), not the build's: so the same sources give the
    same bytes whichever subsetter WeasyPrint has, and a division kept from an earlier build
    matches one laid out today (tests/test_apart.py)."""
    from fontTools.ttLib import TTFont
    own = {TTFont(path)["head"].modified for path in (ROOT / "styles" / "fonts").iterdir()
           if path.suffix in (".otf", ".ttf")}
    for name in (f"{SLUG}.pdf", f"{SLUG}-print.pdf"):
        with pikepdf.open(built / name) as pdf:
            files = [d.get("/FontFile3") or d.get("/FontFile2") for d in pdf.objects
                     if isinstance(d, pikepdf.Dictionary) and d.get("/Type") == "/FontDescriptor"]
            dates = {TTFont(io.BytesIO(f.read_bytes()))["head"].modified for f in files if f}
        assert files and dates <= own, (name, dates - own)
