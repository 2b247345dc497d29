"""Whole books: the two sample titles built from examples/, and each construct of issue 9 on a
small book made in the test. The samples are compared word for word with the corpus XHTML."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pikepdf
import pypdfium2
import pytest
from conftest import NS, ROOT, make_book, text_of, xml

from toolchain.build import build
from toolchain.errors import BuildError
from toolchain.read.markdown import read_book
from toolchain.write.xhtml import write_documents

CORPUS = ROOT.parent / "shared" / "corpus"
SAMPLES = {
    "whitman-leaves-of-grass": ["epigraph", "inscriptions", "crossing-brooklyn-ferry"],
    "doyle-adventures-of-sherlock-holmes": ["a-scandal-in-bohemia", "the-redheaded-league"],
}


@pytest.fixture(scope="module", params=sorted(SAMPLES))
def sample(request, sample_built):
    return request.param, sample_built(request.param)


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.replace("\u2060", ""))


def body_words(data: bytes) -> list[str]:
    body = xml(data).find("h:body", NS)
    return words("".join(body.itertext()))


def built_docs(out: Path, name: str) -> dict[str, bytes]:
    with zipfile.ZipFile(out / f"{name}.epub") as z:
        return {n: z.read(n) for n in z.namelist()}


def test_every_word_of_the_source_in_order(sample):
    name, out = sample
    if not CORPUS.is_dir():
        pytest.skip("shared/corpus is not beside the project")
    source = []
    for stem in SAMPLES[name]:
        doc = xml((CORPUS / name / f"{stem}.xhtml").read_bytes())
        for img in doc.iter("{http://www.w3.org/1999/xhtml}img"):  # a signature drawn
            img.tail = " " + img.get("alt") + " " + (img.tail or "")
        source += words("".join(doc.find("h:body", NS).itertext()))
    docs = built_docs(out, name)
    opf = xml(docs["EPUB/content.opf"])
    hrefs = {i.get("id"): i.get("href") for i in opf.findall(".//opf:item", NS)}
    spine = [hrefs[r.get("idref")] for r in opf.findall(".//opf:itemref", NS)]
    built = [w for href in spine if href.startswith("ch-") for w in body_words(docs[f"EPUB/{href}"])]
    assert len(source) > 3000
    assert built == source


def test_samples_pass_epubcheck_with_their_cover_art(sample):
    name, out = sample
    report = json.loads((out / "report.json").read_text())
    assert report["validators"]["epubcheck"] == {"nFatal": 0, "nError": 0, "nWarning": 0,
                                                 "nUsage": 0}
    docs = built_docs(out, name)
    assert docs["EPUB/images/cover.jpg"] == (ROOT / "examples" / name / "cover.jpg").read_bytes()
    opf = xml(docs["EPUB/content.opf"])
    item = opf.find(".//opf:item[@properties='cover-image']", NS)
    assert item.get("href") == "images/cover.jpg" and item.get("media-type") == "image/jpeg"


def test_verse_keeps_every_line_and_indent():
    if not CORPUS.is_dir():
        pytest.skip("shared/corpus is not beside the project")
    book = read_book(ROOT / "examples" / "whitman-leaves-of-grass")
    docs = {d.name: xml(d.to_bytes()) for d in write_documents(book, _date())}
    source = xml((CORPUS / "whitman-leaves-of-grass" / "inscriptions.xhtml").read_bytes())
    built = docs["ch-01-inscriptions.xhtml"]
    spans = source.xpath("//h:article//h:p/h:span", namespaces=NS)
    lines = built.xpath("//h:div[contains(@class, 'poem')]//h:span[contains(@class, 'line')]",
                        namespaces=NS)
    assert len(lines) == len(spans) == 263
    assert [words(text_of(s)) for s in spans] == [words(text_of(s)) for s in lines]
    assert len(built.xpath("//h:span[contains(@class, 'i1')]", namespaces=NS)) == 42
    poems = built.xpath("//h:div[@epub:type='z3998:poem']", namespaces=NS)
    assert len(poems) == len(source.xpath("//h:article", namespaces=NS)) == 24
    stanzas = built.xpath("//h:p[@class='stanza']", namespaces=NS)
    assert len(stanzas) == 55
    epigraph = docs["ch-epigraph.xhtml"]
    assert epigraph.find("h:body", NS).get(f"{{{NS['epub']}}}type") == "frontmatter"
    section = epigraph.find(".//h:section", NS)
    assert section.get(f"{{{NS['epub']}}}type") == "epigraph" and section.get("aria-label")
    assert section.find("h:h1", NS) is None  # an epigraph has no printed title
    assert text_of(epigraph.find(".//h:p[@class='signature']", NS)) == "Walt Whitman."


def test_letter_with_its_salutation_valediction_and_signature():
    book = read_book(ROOT / "examples" / "doyle-adventures-of-sherlock-holmes")
    doc = next(xml(d.to_bytes()) for d in write_documents(book, _date())
               if d.name == "ch-01-a-scandal-in-bohemia.xhtml")
    letter = doc.find(".//h:blockquote[@class='letter']", NS)
    assert letter.get(f"{{{NS['epub']}}}type") == "z3998:letter"
    assert text_of(letter.find(".//h:span[@class='salutation']", NS)) == \
        "My Dear Mr. Sherlock Holmes"
    footer = letter.find("h:footer", NS)
    assert [p.get("class") for p in footer] == ["valediction", "signature"]
    assert text_of(footer[1]) == "“Irene Norton, née Adler.”"
    assert len(doc.findall(".//h:hr[@class='section-break']", NS)) == 1


def test_print_front_matter_in_roman_and_body_from_1(sample):
    name, out = sample
    pdf = pypdfium2.PdfDocument(str(out / f"{name}.pdf"))
    texts = [pdf[k].get_textpage().get_text_range() for k in range(len(pdf))]
    pdf.close()
    contents = next(k for k, t in enumerate(texts) if t.lstrip().startswith("Contents"))
    assert texts[contents].rstrip().endswith("v")  # i half title, iii title, iv imprint
    first = next(k for k, t in enumerate(texts) if k > contents and re.search(r"\n1\s*$", t))
    assert first % 2 == 0  # page index even: a recto
    assert "Leaves of Grass" in texts[0] or "Sherlock" in texts[0]  # the half title


def test_calibre_lists_the_authors_and_the_series(sample, built):
    if not shutil.which("ebook-meta"):
        pytest.skip("calibre's ebook-meta is not installed (apt-get install calibre)")
    name, out = sample
    shown = subprocess.run(["ebook-meta", str(out / f"{name}.epub")], capture_output=True,
                           text=True, check=True).stdout
    author = {"whitman-leaves-of-grass": "Walt Whitman [Whitman, Walt]",
              "doyle-adventures-of-sherlock-holmes": "Arthur Conan Doyle [Doyle, Arthur Conan]"}
    assert re.search(r"Author\(s\)\s*: " + re.escape(author[name]) + "\n", shown), shown
    first = subprocess.run(["ebook-meta", str(built / "cliff-german-revolution-1923.epub")],
                           capture_output=True, text=True, check=True).stdout
    assert "Trotsky: Fighting the rising Stalinist bureaucracy, 1923–1927 #3" in first


# --- constructs on small books ------------------------------------------------------------

def _date():
    from datetime import UTC, datetime

    return datetime(2025, 11, 24, tzinfo=UTC)


def docs_of(root: Path) -> dict:
    return {d.name: xml(d.to_bytes()) for d in write_documents(read_book(root), _date())}


def test_two_authors_and_a_translator_each_in_the_opf(tmp_path):
    extra = ('[[contributors]]\nname = "B. Second"\nrole = "aut"\nsort = "Second, B."\n\n'
             '[[contributors]]\nname = "C. Turner"\nrole = "trl"\nsort = "Turner, C."\n')
    root = make_book(tmp_path / "m", {"one.md": "# One\n\nText.\n"}, extra=extra)
    out = tmp_path / "dist"
    build(root, out, ROOT / "styles", stream=io.StringIO(), force=True)
    opf = xml(zipfile.ZipFile(out / "small-book.epub").read("EPUB/content.opf"))
    creators = [c.text for c in opf.findall(".//dc:creator", NS)]
    assert creators == ["A. N. Author", "B. Second"]
    contributor = opf.find(".//dc:contributor", NS)
    assert contributor.text == "C. Turner"
    refines = {(m.get("refines"), m.get("property")): m.text for m in opf.findall(".//opf:meta", NS)}
    assert refines[(f"#{contributor.get('id')}", "role")] == "trl"
    assert refines[(f"#{contributor.get('id')}", "file-as")] == "Turner, C."
    title = xml(zipfile.ZipFile(out / "small-book.epub").read("EPUB/titlepage.xhtml"))
    assert "A. N. Author and B. Second" in text_of(title)
    assert "Translated by C. Turner" in text_of(title)
    if shutil.which("ebook-meta"):
        shown = subprocess.run(["ebook-meta", str(out / "small-book.epub")], capture_output=True,
                               text=True, check=True).stdout
        assert re.search(r"Author\(s\)\s*: A\. N\. Author & B\. Second", shown), shown


def test_front_and_back_matter_by_kind(tmp_path):
    root = make_book(tmp_path / "m", {"one.md": "# One\n\nText.\n"},
                     extra='front = ["front/dedication.md", "front/preface.md"]\n'
                           'back = ["back/appendix.md"]\n')
    (root / "front").mkdir()
    (root / "back").mkdir()
    (root / "front" / "dedication.md").write_text("# Dedication {.dedication}\n\nTo my mother.\n")
    (root / "front" / "preface.md").write_text("# Preface {.preface}\n\nWhy.\n")
    (root / "back" / "appendix.md").write_text("# Appendix: Tables {.appendix}\n\nMore.\n")
    docs = docs_of(root)
    kinds = {}
    for name, doc in docs.items():
        section = doc.find("h:body/h:section", NS)
        if section is None:
            continue
        kinds[name] = (doc.find("h:body", NS).get(f"{{{NS['epub']}}}type"),
                       section.get(f"{{{NS['epub']}}}type"), section.get("role"))
    assert kinds["ch-dedication.xhtml"] == ("frontmatter", "dedication", "doc-dedication")
    assert kinds["ch-preface.xhtml"] == ("frontmatter", "preface", "doc-preface")
    assert kinds["ch-one.xhtml"] == ("bodymatter", "chapter", "doc-chapter")
    assert kinds["ch-appendix.xhtml"] == ("backmatter", "appendix", "doc-appendix")
    landmark = docs["toc.xhtml"].find(".//h:nav[@id='landmarks']//h:a[@epub:type='bodymatter']",
                                      NS)
    assert landmark.get("href") == "ch-one.xhtml"


@pytest.mark.parametrize("where, text, message", [
    ("front", "# Preface\n\nWhy.\n", "M117: a file in `front` must say what it is"),
    ("front", "# Appendix {.appendix}\n\nWhy.\n", "M117: a file in `front` must say what it is, "
                                                 "and .appendix is not one"),
    ("front", "# Preface {.prefce}\n\nWhy.\n", "M117: unknown division kind '.prefce'"),
])
def test_a_division_must_say_what_it_is(tmp_path, where, text, message):
    root = make_book(tmp_path / "m", {"one.md": "# One\n\nText.\n"},
                     extra=f'{where} = ["{where}/x.md"]\n')
    (root / where).mkdir()
    (root / where / "x.md").write_text(text)
    with pytest.raises(BuildError) as caught:
        read_book(root)
    assert message in str(caught.value) and "x.md:1:1" in str(caught.value)


def test_parts_group_chapters_in_the_contents(tmp_path):
    root = make_book(tmp_path / "m", {"p1.md": "# Part One {.part}\n",
                                      "one.md": "# One\n\nText.\n", "two.md": "# Two\n\nText.\n",
                                      "p2.md": "# Part Two {.part}\n", "three.md": "# Three\n\nT.\n"})
    toc = docs_of(root)["toc.xhtml"].find(".//h:nav[@id='toc']/h:ol", NS)
    parts = toc.findall("h:li", NS)
    assert [text_of(li.find("h:a", NS)) for li in parts][:2] == ["Part One", "Part Two"]
    assert [text_of(a) for a in parts[0].findall("h:ol/h:li/h:a", NS)] == ["One", "Two"]
    assert [text_of(a) for a in parts[1].findall("h:ol/h:li/h:a", NS)] == ["Three"]


def test_note_call_in_a_title_links_both_ways_and_the_notes_heading_has_no_call(tmp_path):
    root = make_book(tmp_path / "m", {
        "one.md": "# I: The Title[^1]\n\n## A section[^2]\n\nText.[^3]\n\n[^1]: On the title.\n\n"
                  "[^2]: On the section.\n\n[^3]: On the text.\n",
        "two.md": "# Two\n\nText.[^1]\n\n[^1]: Another.\n"})
    out = tmp_path / "dist"
    build(root, out, ROOT / "styles", stream=io.StringIO(), force=True)
    notes = xml((out / "xhtml" / "notes.xhtml").read_bytes())
    heading = notes.find(".//h:section/h:h2", NS)
    assert text_of(heading) == "I: The Title" and heading.find(".//h:a", NS) is None
    chapter = xml((out / "xhtml" / "ch-one.xhtml").read_bytes())
    call = chapter.find(".//h:h1/h:a[@epub:type='noteref']", NS)
    assert call.get("href") == "notes.xhtml#ch-one-note-1" and call.find("h:sup", NS) is not None
    assert notes.find(".//h:li[@id='ch-one-note-1']/h:p/h:a", NS).get("href") == \
        "ch-one.xhtml#ch-one-noteref-1"


def test_note_numbering_through_the_book(tmp_path):
    root = make_book(tmp_path / "m", {"one.md": "# One\n\nA.[^1] B.[^2]\n\n[^1]: a\n\n[^2]: b\n",
                                      "two.md": "# Two\n\nC.[^1]\n\n[^1]: c\n"},
                     extra='note_numbering = "book"\n')
    docs = docs_of(root)
    assert text_of(docs["ch-two.xhtml"].find(".//h:a[@epub:type='noteref']", NS)) == "3"
    marks = [text_of(a) for a in docs["notes.xhtml"].findall(".//h:li/h:p/h:a", NS)]
    assert marks == ["1.", "2.", "3."]


def test_tables_as_books_have_them(tmp_path):
    table = ("| Name | Place | Count |\n|:--|:-:|--:|\n| Ann | Leeds | 3 |\n| Bob | York | 12 |\n\n"
             "| | |\n|---|---|\n| a | b |\n")
    docs = docs_of(make_book(tmp_path / "m", {"one.md": "# One\n\n" + table}))
    first, second = docs["ch-one.xhtml"].findall(".//h:table", NS)
    assert first.find("h:caption", NS) is None and first.find("h:thead", NS) is not None
    assert first.find(".//h:td[@class='align-center']", NS) is not None
    assert first.find(".//h:td[@class='num align-right']", NS) is not None
    assert second.find("h:thead", NS) is None  # a header row of empty cells: none


def test_a_column_of_figures_keeps_each_figures_note_call_beside_it(tmp_path):
    """A figure's note call in a column of figures: not a word among figures (M008, which
    refused the book), and set beside its figure. A column of whole numbers is flush right,
    as its head (no room kept for fractions it has not); one with fractions aligns on the
    point, a whole number's call in the fraction's room."""
    from toolchain.check.lint import lint_manuscript

    table = ("| Year | Strikes | Rate |\n|---|--:|--:|\n| 1923 | 4,000[^1] | 4.2 |\n"
             "| 1924 | 3,100 | 17[^2] |\n| 1925 | 2,000 | 8.95 |\n\n[^1]: A count.\n\n"
             "[^2]: A rate.\n")
    root = make_book(tmp_path / "m", {"one.md": "# One\n\n" + table})
    assert [p for p in lint_manuscript(root) if p.code == "M008"] == []
    rows = docs_of(root)["ch-one.xhtml"].findall(".//h:tbody/h:tr", NS)
    strikes, rates = [row.findall("h:td", NS)[0] for row in rows], \
        [row.findall("h:td", NS)[1] for row in rows]
    assert [cell.text for cell in strikes] == ["4,000", "3,100", "2,000"]
    assert all(cell.find("h:span", NS) is None for cell in strikes)
    assert strikes[0][0].tag.endswith("a") and text_of(strikes[0][0]) == "1"
    assert [(cell.text, text_of(cell.find("h:span[@class='frac']", NS))) for cell in rates] \
        == [("4", ".2"), ("17", "2"), ("8", ".95")]
    assert rates[1].find("h:span[@class='frac']/h:a", NS) is not None


def test_a_wide_table_is_never_cut_off(tmp_path):
    header = "| Year | " + " | ".join(f"Column {k}" for k in range(1, 10)) + " |\n"
    delim = "|---|" + "--:|" * 9 + "\n"
    rows = "".join(f"| 19{k:02d} | " + " | ".join(f"{k * 1000 + j:,}.5" for j in range(9))
                   + " |\n" for k in range(10))
    root = make_book(tmp_path / "m", {"one.md": "# One\n\nTable: Ten columns\n\n" + header
                                      + delim + rows})
    out = tmp_path / "dist"
    build(root, out, ROOT / "styles", stream=io.StringIO(), force=True)  # P040 would stop it
    pdf = pypdfium2.PdfDocument(str(out / "small-book.pdf"))
    text = " ".join(pdf[k].get_textpage().get_text_range() for k in range(len(pdf)))
    pdf.close()
    assert "9,008.5" in text and "Column 9" in text.replace("\r\n", " ").replace("\n", " ")
    with pikepdf.open(out / "small-book.pdf") as doc:
        assert len(doc.pages) > 3


def test_verse_and_roles_on_a_small_book(tmp_path):
    text = ("# One\n\n::: poem\nFirst line,\n  set in,\n    further in.[^1]\n\nA second stanza.\n"
            ":::\n\n[— A. Poet]{.attribution}\n\n[^1]: A note in verse.\n")
    docs = docs_of(make_book(tmp_path / "m", {"one.md": text}))
    doc = docs["ch-one.xhtml"]
    lines = doc.findall(".//h:span[@class]", NS)
    assert [(s.get("class"), text_of(s)) for s in lines if "line" in s.get("class")] == [
        ("line", "First line,"), ("line i1", "set in,"), ("line i2", "further in.1"),
        ("line", "A second stanza.")]
    assert text_of(doc.find(".//h:p[@class='attribution']", NS)) == "— A. Poet"
    assert len(doc.findall(".//h:p[@class='stanza']/h:br", NS)) == 2


def test_cover_art_must_be_a_cover(tmp_path):
    root = make_book(tmp_path / "m", {"one.md": "# One\n\nText.\n"}, extra='cover = "c.png"\n')
    from PIL import Image

    Image.new("RGB", (1600, 900), "white").save(root / "c.png")
    with pytest.raises(BuildError) as caught:
        read_book(root)
    assert "M120" in str(caught.value) and "not a book cover's shape" in str(caught.value)


def test_a_stanza_may_open_four_spaces_in_and_a_poem_stand_in_a_quotation(tmp_path):
    text = ("# One\n\n::: poem\nFirst.\n\n    Set in twice.\nBack.\n:::\n\n"
            "> ::: verse\n> Sung line,\n>   and its echo.\n> :::\n")
    doc = docs_of(make_book(tmp_path / "m", {"one.md": text}))["ch-one.xhtml"]
    lines = [(s.get("class"), text_of(s)) for s in doc.findall(".//h:span[@class]", NS)]
    assert lines == [("line", "First."), ("line i2", "Set in twice."), ("line", "Back."),
                     ("line", "Sung line,"), ("line i1", "and its echo.")]
    assert doc.find(".//h:blockquote/h:div[@epub:type='z3998:verse']", NS) is not None


def test_superscript_is_a_span_and_not_emphasis(tmp_path):
    doc = docs_of(make_book(tmp_path / "a", {"one.md": "# One\n\nLe 1[er]{.sup} mai.\n"}))
    assert doc["ch-one.xhtml"].find(".//h:p/h:sup", NS).text == "er"
    with pytest.raises(BuildError, match="superscript is written as a span"):
        read_book(make_book(tmp_path / "b", {"one.md": "# One\n\nLe 1*er*{.sup} mai.\n"}))


def test_a_numbered_list_taken_up_again_keeps_its_numbers_everywhere(tmp_path):
    """A list broken by a paragraph and taken up at 3, a list from 1 right after it (which
    CommonMark would number on, 5 and 6), and one at 10 in a quotation in the front
    matter: `start` in the XHTML, and the same numbers on the printed page and in the Kobo
    edition (the Markdown writer's: test_markdown_writer's constructs)."""
    from conftest import built_book

    from toolchain.check.parity import compare

    chapters = {"one.md": "# One\n\n1. First step.\n2. Second step.\n\nA word between.[^1*]"
                          "\n\n3. Third step.\n4. Fourth step.[^2*]\n\n1. Once more.\n2. And again.\n\n"
                          "[^1*]: The points:\n\n"
                          "    7. A listed point.\n    8. Another point.\n\n    - A bullet.\n\n"
                          "[^2*]: A letter:\n\n    ::: letter\n    Dear sir.\n\n    [Yours "
                          "truly]{.valediction}\n\n    [Jim]{.signature}\n    :::\n"}

    def preface(root):
        (root / "front").mkdir()
        (root / "front" / "preface.md").write_text(
            "# Preface {.preface}\n\n> 10. Tenth, quoted.\n> 11. Eleventh.\n", "utf-8")

    out, _ = built_book(tmp_path, chapters, extra='front = ["front/preface.md"]\n',
                        prepare=preface)
    with zipfile.ZipFile(out / "small-book.epub") as epub:
        one = xml(epub.read("EPUB/ch-one.xhtml"))
        preface = xml(epub.read("EPUB/ch-preface.xhtml"))
    lists = one.xpath("//h:ol[not(ancestor::h:aside)]", namespaces=NS)
    assert [ol.get("start") for ol in lists] == [None, "3", None]
    assert [text_of(li) for li in lists[2].findall("h:li", NS)] == ["Once more.", "And again."]
    assert one.xpath("//h:aside//h:ol/@start", namespaces=NS) == ["7"]  # the footnote's
    assert [text_of(li) for li in lists[1].findall("h:li", NS)] == ["Third step.", "Fourth step.\u2020"]
    assert preface.find(".//h:blockquote/h:ol", NS).get("start") == "10"
    with zipfile.ZipFile(out / "small-book.kepub.epub") as kepub:
        assert b'<ol start="3">' in kepub.read("EPUB/ch-one.xhtml")
    for name in ("small-book.pdf", "small-book-print.pdf"):
        pdf = pypdfium2.PdfDocument(out / name)
        text = "\n".join(pdf[k].get_textpage().get_text_range() for k in range(len(pdf)))
        markers = [line.strip()[:-1] for line in text.splitlines()  # the ::marker boxes
                   if re.fullmatch(r"\d+\. *", line)]
        assert sorted(markers, key=int) == ["1", "1", "2", "2", "3", "4", "10", "11"], (
            name, markers)
        # the footnote's list in the footnote, its numbers and bullet as its text: below
        # the text's last line (it was set in the text, bulleted)
        page = next(pdf[k] for k in range(len(pdf))
                    if "A listed point" in pdf[k].get_textpage().get_text_range())
        lines = " ".join(page.get_textpage().get_text_range().split())
        assert "7. A listed point. 8. Another point. • A bullet." in lines, lines
        found = {}
        for words in ("Fourth step", "The points", "A listed point", "A bullet"):
            where = page.get_textpage().search(words).get_next()
            found[words] = page.get_textpage().get_charbox(where[0])[1]  # its foot, from below
        assert found["Fourth step"] > found["The points"] > found["A listed point"] > \
            found["A bullet"], found
        assert "Dear sir. Yours truly Jim" in lines  # a letter's footer in a footnote
        problems, info = compare(out / "small-book.epub", out / name)  # and the parity
        assert problems == [] and info["footnotes"] == "2/2", [str(p) for p in problems]


NOTE_BLOCKS = """# One

The song was sung.[^p] The speech was quoted.[^q] The prices rose.[^t]

[^p]: They sang it at every meeting:

    ::: poem
    The first line of the song,
      the second, indented,
    and the last.
    :::

[^q]: The speech, as the paper gave it:

    > Comrades, the hour has come.
    >
    > [— The speaker]{.attribution}

[^t]: The prices, in marks:

    | Year | Price |
    |---|--:|
    | 1922 | 163 |
"""


@pytest.mark.parametrize("notes", ["footnotes", "endnotes"])
def test_a_poem_a_quotation_and_a_table_in_a_note(tmp_path, notes):
    """A note whose poem follows a paragraph (its `:::` lines indented four spaces, as the
    note's are) is read as the note's: the poem was cut off at its first line (M123). A
    table in a footnote, which print sets in lines at the page's foot, is an error at its
    line (M134; it was set in the text, out of its note); in an endnote, it is set."""
    from toolchain.check.parity import compare

    make_book(tmp_path / "m", {"one.md": NOTE_BLOCKS}, extra=f'notes = "{notes}"')
    if notes == "footnotes":
        with pytest.raises(BuildError) as caught:
            build(tmp_path / "m", tmp_path / "dist", ROOT / "styles", force=True)
        problem = caught.value.problems[0]
        assert (problem.code, problem.line) == ("M134", 21) and "[^t]" in problem.message
        (tmp_path / "m" / "chapters" / "one.md").write_text(
            NOTE_BLOCKS.split("\n\n[^t]:")[0].replace("rose.[^t]", "rose.") + "\n")
    build(tmp_path / "m", tmp_path / "dist", ROOT / "styles", force=True)
    book = read_book(tmp_path / "m")
    verse = book.chapters[0].notes["p"].blocks[1]
    assert [[(line.indent, "".join(t.text for t in line.children)) for line in stanza]
            for stanza in verse.stanzas] == [[(0, "The first line of the song,"),
                                              (1, "the second, indented,"), (0, "and the last.")]]
    for pdf in ("small-book.pdf", "small-book-print.pdf"):  # every word where it belongs
        problems, _ = compare(tmp_path / "dist" / "small-book.epub", tmp_path / "dist" / pdf)
        assert problems == [], [str(p) for p in problems]


@pytest.mark.parametrize("notes", ["footnotes", "endnotes"])
def test_files_of_one_name_in_two_folders_are_two_divisions(tmp_path, notes):
    """`front/epi.md` (an epigraph) and `back/epi.md` (an epilogue), each with a note and
    an index mark: a division's name came from its file's name alone, so the two were one
    document written twice (with endnotes, their notes' ids twice; with footnotes, the
    epigraph's text and mark lost: internal errors). Each is now named by its path."""
    from toolchain.check.parity import compare

    root = make_book(tmp_path / "m", {"one.md": "# One\n\nThe text.\n"},
                     extra=f'notes = "{notes}"\nfront = ["front/epi.md"]\n'
                           'back = ["back/epi.md"]\n[index]\n')
    (root / "front").mkdir()
    (root / "back").mkdir()
    (root / "front" / "epi.md").write_text(
        "# Epigraph {.epigraph}\n\nThe [harbour]{.index} never sleeps.[^1]\n\n[^1]: A saying.\n")
    (root / "back" / "epi.md").write_text(
        "# Epilogue {.epilogue}\n\nThe [quay]{.index} is quiet now.[^1]\n\n[^1]: The end.\n")
    build(root, tmp_path / "dist", ROOT / "styles", force=True)
    names = sorted(p.name for p in (tmp_path / "dist" / "xhtml").glob("ch-*.xhtml"))
    assert names == ["ch-back-epi.xhtml", "ch-front-epi.xhtml", "ch-one.xhtml"]
    for pdf in ("small-book.pdf", "small-book-print.pdf"):
        problems, _ = compare(tmp_path / "dist" / "small-book.epub", tmp_path / "dist" / pdf)
        assert problems == [], [str(p) for p in problems]
    assert [ch.slug for ch in read_book(root).chapters] == ["ch-front-epi", "ch-one",
                                                            "ch-back-epi"]


def quoted_note_book() -> str:
    """A chapter whose first paragraph, filling most of a page, calls a long note in
    which a quotation of two paragraphs follows the note's own: the note runs over to the
    next page, its quotation with it."""
    text = " ".join(f"The harbour word {k} was said again." for k in range(150))
    own = " ".join(f"Alpha note {k}." for k in range(30))
    quoted = [" ".join(f"Omega quoted {k}{m}." for k in range(40)) for m in "ab"]
    return (f"# One\n\n{text}[^q]\n\nThe text goes on after the note.\n\n"
            f"[^q]: {own}\n\n    > {quoted[0]}\n    >\n    > {quoted[1]}\n\n"
            f"    {own}\n")


def listed_note_chapter() -> str:
    """A chapter whose note holds a bulleted list, an item of it turned over and a numbered
    list inside another, with a paragraph after it (set after it: parity reads the order),
    then items 8 to 10 of a numbered list, the 10th turned over."""
    def words(lead: str, count: int) -> str:  # no line may begin with a figure
        return " ".join(f"{lead} " + "".join(chr(97 + (7 * k + 3 * j) % 26) for j in range(5))
                        + "." for k in range(count))

    kappa, lam, sigma = words("Kappa", 40), words("Lambda", 30), words("Sigma", 30)
    verse = (f"[^v]: The song:\n\n    ::: poem\n    Rho first line,\n      Rho set in,\n"
             f"    {words('Rho', 16)}\n    :::\n\n")
    return (f"# Two\n\nThe text calls a note.[^l] And a poem.[^v]\n\n{verse}"
            f"[^l]: The note’s own words.\n\n"
            f"    - {kappa}\n    - Kappa short.\n\n        1. {sigma}\n\n"
            f"        Kappa after the list.\n\n"
            f"    8. Lambda eight.\n    9. Lambda nine.\n    10. {lam}\n")


def test_quotations_and_lists_in_footnotes_are_set_in(tmp_path):
    """Print sets a footnote's blocks as its lines. A quotation there was set flush with the
    note, so nothing showed where it began or ended; a list, as lines each begun by its
    bullet or number, flush with the note, an item's turned lines under its mark. Now each
    of a quotation's lines is set in an em (the lines after the first of each of its
    paragraphs too, and those carried over to the next page), and every line but a
    paragraph's last still ends at the measure, its spaces as the note's; a list's items
    are set in, each mark hung before them, numbers set right (8., 9. and 10. end alike),
    and a list inside an item set in under the item's text. One book holds both (a build
    fewer): a chapter for each."""
    from toolchain.check.parity import compare

    make_book(tmp_path / "m", {"one.md": quoted_note_book(), "two.md": listed_note_chapter()},
              extra='notes = "footnotes"')
    report = build(tmp_path / "m", tmp_path / "dist", ROOT / "styles", force=True)
    assert report["paragraphs"]["left"] == 0  # every note composed, its hung marks boxes
    pdf = pypdfium2.PdfDocument(tmp_path / "dist" / "small-book.pdf")
    quotation_set_in(pdf)
    list_items_hung(pdf)
    verse_lines_hung(pdf)
    for name in ("small-book.pdf", "small-book-print.pdf"):  # every word where it belongs
        problems, _ = compare(tmp_path / "dist" / "small-book.epub", tmp_path / "dist" / name)
        assert problems == [], [str(p) for p in problems]


def quotation_set_in(pdf) -> None:
    """The quotation's lines (Omega) an em in from the note's (Alpha) on both its pages,
    justified, their spaces no tighter than the composer allows."""
    from test_typeset import chars_of

    pages_with_quotation, spaces, natural = 0, [], []
    for page in pdf:
        rows: dict[float, list] = {}
        for top, x, right, char, size in chars_of(page):
            if size < 9:  # the notes' lines (8.25 pt)
                rows.setdefault(top, []).append((x, right, char))
        lines = [("".join(c for *_, c in sorted(row)), min(x for x, *_ in row),
                  max(r for _, r, _ in row)) for _, row in sorted(rows.items())]
        for row in rows.values():  # the spaces between the quotation's words
            row.sort()
            text = "".join(c for *_, c in row)
            gap = [b[0] - a[1] for a, b in zip(row, row[1:], strict=False) if b[0] - a[1] > 0.5]
            if "Omega" in text and "Alpha" not in text:
                spaces.append(min(gap))
            elif text.endswith("note29."):  # the note's own paragraphs' last lines
                natural.append(min(gap))
        own = [(left, right) for text, left, right in lines if "Alpha" in text]
        quoted = [(text, left, right) for text, left, right in lines
                  if "Omega" in text and "Alpha" not in text]
        if not quoted:
            continue
        pages_with_quotation += 1
        lefts = [round(left, 1) for left, _ in own]  # (the first, its mark hung, apart)
        note_left = max(set(lefts), key=lefts.count) if own else None
        measure = max(right for _, right in own) if own else None
        for text, left, right in quoted:
            if note_left is not None:  # an em of the notes' 8.25 pt, past the note's lines
                assert abs(left - note_left - 8.25) < 0.6, text
            if measure is not None and not text.rstrip().endswith(("39a.", "39b.")):
                assert abs(right - measure) < 2.2, text  # justified to the measure (a
                # full stop at a line's end hangs past it, by up to 2 pt)
        assert len({round(left, 1) for _, left, _ in quoted}) == 1  # every line alike
    assert pages_with_quotation == 2  # the note and its quotation carried over
    # its lines were chosen for the narrower measure, not squeezed into it: no space shrunk
    # past the composer's third of its width (the gaps between letters' boxes, a little
    # less than the spaces, against the note's paragraphs' last lines, set at their width)
    assert min(spaces) > 0.55 * min(natural), (min(spaces), min(natural))


def verse_lines_hung(pdf) -> None:
    """A poem's lines in a footnote set in an em from the note's text (an indented line an
    em more), and a line too long for the measure turned over 2 em further in."""
    from test_typeset import chars_of

    page = next(page for page in pdf if "Rho" in page.get_textpage().get_text_bounded())
    rows: dict[float, list] = {}
    for top, x, _, char, size in chars_of(page):
        if size < 9:
            rows.setdefault(top, []).append((x, char))
    lines = [("".join(c for _, c in sorted(row)), min(x for x, _ in row))
             for _, row in sorted(rows.items())]
    text_left = next(left for text, left in lines if text.startswith("2Thesong")) + 8.25
    first, set_in, long, *turned = [left for text, left in lines if "Rho" in text][:4]
    assert abs(first - text_left - 8.25) < 0.6  # an em in from the note's text
    assert abs(set_in - first - 8.25) < 0.6  # its indented line an em more
    assert abs(long - first) < 0.6 and turned and abs(turned[0] - first - 16.5) < 0.6


def list_items_hung(pdf) -> None:
    """Each item's lines (Kappa, Lambda, Sigma) beginning alike, its mark hung before them,
    the nested list further in, the numbers 8. to 10. ending alike."""
    from test_typeset import chars_of

    rows: dict[float, list] = {}
    page = next(page for page in pdf if "Kappa" in page.get_textpage().get_text_bounded())
    for top, x, right, char, size in chars_of(page):  # (the note, on its call's page)
        if size < 9:
            rows.setdefault(top, []).append((x, right, char))
    lines = []
    for _, row in sorted(rows.items()):
        row.sort()
        text = "".join(c for *_, c in row)
        mark = re.match(r"•|\d+\.", text) if re.match(r"(•|\d+\.)[A-Z]", text) else None
        body = row[len(mark[0]):] if mark else row
        lines.append((text, row[len(mark[0]) - 1][1] if mark else None, body[0][0]))
    by_word = {word: [line for line in lines if word in line[0]]
               for word in ("Kappa", "Lambda", "Sigma")}
    assert all(len(found) >= 3 for found in by_word.values()), lines  # items turned over
    note_left = min(start for text, _, start in lines if "Thenote" in text) + 8.25  # (its
    # first line's mark hangs an em of the notes' 8.25 pt)
    for word, found in by_word.items():
        starts = {round(start, 1) for _, _, start in found}
        assert len(starts) == 1, (word, found)  # first and turned lines begin alike
        marks = [end for _, end, _ in found if end is not None]
        assert marks and all(end < min(starts) - 1 for end in marks)  # hung before them
    assert min(s for _, _, s in by_word["Kappa"]) > note_left + 8  # set in from the note
    assert min(s for _, _, s in by_word["Sigma"]) > min(s for _, _, s in by_word["Kappa"]) + 8
    ends = [end for text, end, _ in lines if re.match(r"(8|9|10)\.Lambda", text)]
    assert len(ends) == 3 and max(ends) - min(ends) < 0.3  # 8., 9. and 10. set right


def test_a_numbered_list_in_an_endnote_keeps_its_numbers_in_print(tmp_path):
    """The Notes' own list is set without numbers (each note's number is its mark), and the
    print stylesheet took the numbers from every list in the Notes: a note's list of items
    8 to 10 was printed as three unnumbered paragraphs. Each item's number is set again
    (read from the page, each line's characters in order across it), the note's mark as
    it was, a bulleted list's bullets too; and a quotation in a note is set on the note's
    size, not the text's extracts' (9.25 pt on 13.6 pt, larger than the note's 9 on 12)."""
    from test_typeset import chars_of

    note = ("[^1]: The note’s own words.\n\n    8. Lambda eight.\n    9. Lambda nine.\n"
            "    10. Lambda ten.\n\n    And after the lists:\n\n    - Kappa one.\n"
            "    - Kappa two.\n\n    > Quoted in the note.\n")
    make_book(tmp_path / "m", {"one.md": f"# One\n\nThe text calls a note.[^1]\n\n{note}"},
              extra='notes = "endnotes"')
    build(tmp_path / "m", tmp_path / "dist", ROOT / "styles", force=True)
    pdf = pypdfium2.PdfDocument(tmp_path / "dist" / "small-book.pdf")
    page = next(page for page in pdf if "Lambda" in page.get_textpage().get_text_bounded())
    rows: dict[float, list] = {}
    for top, x, _, char, _ in chars_of(page):
        rows.setdefault(top, []).append((x, char))
    lines = ["".join(c for _, c in sorted(row)) for _, row in sorted(rows.items())]
    assert [line for line in lines if "Lambda" in line or "Kappa" in line] == [
        "8.Lambdaeight.", "9.Lambdanine.", "10.Lambdaten.", "•Kappaone.", "•Kappatwo."], lines
    assert "1.Thenote’sownwords." in lines
    sizes = {char: size for _, _, _, char, size in chars_of(page) if char in "QL"}
    assert sizes["Q"] == sizes["L"]  # a quotation in a note on the note's size, not the text's


@pytest.mark.parametrize("notes", ["footnotes", "endnotes"])
def test_a_note_that_opens_with_a_list_or_a_quotation(tmp_path, notes):
    """A note whose first block is a list had its mark, a link back to its call, put inside
    the list (`<ol><a>`): the EPUB invalid, the build stopped with an internal error. The
    mark now stands in a paragraph of its own before the list (or a quotation); the words
    are all printed in order, and nested indents are measured as the lines are set."""
    from toolchain.check.parity import compare

    text = ("# One\n\nPoints.[^1] Quoted.[^2]\n\n[^1]: 1. > A quotation as a list item’s "
            "first block, long enough to turn over twice in the note’s measure at the "
            "page’s foot, with yet more words.\n    2. A second item.\n\n[^2]: > > A "
            "quotation inside a quotation, long enough to turn over two or three times in "
            "the measure of a note, with yet more words to be sure of it.\n")
    make_book(tmp_path / "m", {"one.md": text}, extra=f'notes = "{notes}"')
    report = build(tmp_path / "m", tmp_path / "dist", ROOT / "styles", force=True)
    assert report["validators"]["epubcheck"]["nError"] == 0
    assert report["paragraphs"]["left"] == 0
    for name in ("small-book.pdf", "small-book-print.pdf"):  # every word where it belongs
        problems, _ = compare(tmp_path / "dist" / "small-book.epub", tmp_path / "dist" / name)
        assert problems == [], [str(p) for p in problems]
