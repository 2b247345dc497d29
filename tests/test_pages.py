"""The print edition's pages in the EPUB: a marker where each PDF page begins, labelled with
its folio, a page-list, the accessibility metadata — on the title, both samples, and a book
whose pages begin inside a table, verse, a quotation and a paragraph with footnotes."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, SLUG, make_book, xml

from toolchain.build import build
from toolchain.check.parity import check_pages

OPS = "http://www.idpf.org/2007/ops"
NS = {"h": "http://www.w3.org/1999/xhtml", "epub": OPS, "o": "http://www.idpf.org/2007/opf"}


def markers(epub: Path) -> list[tuple[str, str, list[str]]]:
    """(document, folio, the tags of the marker's ancestors) in spine order."""
    out = []
    with zipfile.ZipFile(epub) as z:
        opf = xml(z.read("EPUB/content.opf"))
        hrefs = {i.get("id"): i.get("href") for i in opf.iterfind(".//o:item", NS)}
        for ref in opf.iterfind(".//o:itemref", NS):
            doc = xml(z.read(f"EPUB/{hrefs[ref.get('idref')]}"))
            for mark in doc.xpath("//*[@epub:type='pagebreak']", namespaces=NS):
                assert mark.get("role") == "doc-pagebreak" and len(mark) == 0
                assert mark.get("id") == f"page-{mark.get('aria-label')}"
                tags = [f"{a.tag.split('}')[1]}.{a.get('class') or ''}"
                        for a in mark.iterancestors()]
                out.append((hrefs[ref.get("idref")], mark.get("aria-label"), tags))
    return out


def page_list(epub: Path) -> list[tuple[str, str]]:
    with zipfile.ZipFile(epub) as z:
        nav = xml(z.read("EPUB/toc.xhtml"))
    pages = nav.xpath("//h:nav[@epub:type='page-list']", namespaces=NS)
    assert len(pages) == 1 and pages[0].get("role") == "doc-pagelist"
    return [(a.get("href"), a.text) for a in pages[0].iterfind(".//h:a", NS)]


def check_book(out: Path, slug: str) -> dict:
    """Every page's marker is where the PDF page begins; the page-list and the metadata say so."""
    epub, report = out / f"{slug}.epub", json.loads((out / "report.json").read_text())
    problems, info = check_pages(epub, out / f"{slug}.pdf")
    assert problems == []
    pages = report["outputs"][f"{slug}.pdf"]["pages"]
    assert info["pages"] == pages == report["page_list"] == info["matched"] + info["shared"]
    assert info["matched"] > info["shared"]  # those share a place only if blank or half title
    found = markers(epub)
    assert [(f"{doc}#page-{folio}", folio) for doc, folio, _ in found] == page_list(epub)
    assert len({folio for _, folio, _ in found}) == pages
    with zipfile.ZipFile(epub) as z:
        opf = xml(z.read("EPUB/content.opf"))
    meta = {(m.get("property"), m.text) for m in opf.iterfind(".//o:meta", NS)}
    assert {("schema:accessibilityFeature", "pageBreakMarkers"),
            ("schema:accessibilityFeature", "pageNavigation")} <= meta
    assert any(prop == "pageBreakSource" and "print edition" in text for prop, text in meta)
    assert report["validators"]["epubcheck"]["nError"] == 0
    assert report["validators"]["epubcheck"]["nWarning"] == 0
    return {"markers": found, **info}


def test_the_title_marks_every_printed_page(built):
    result = check_book(built, SLUG)
    folios = [folio for _, folio, _ in result["markers"]]
    assert folios[:6] == ["i", "ii", "iii", "iv", "v", "vi"] and folios[6] == "1"
    places = [tags for _, _, tags in result["markers"]]
    assert any(t[0].startswith("blockquote") or t[1].startswith("blockquote") for t in places)
    assert sum(1 for t in places if t[0] == "p." and t[1] == "section.") >= 5


@pytest.mark.parametrize("name", ["whitman-leaves-of-grass",
                                  "doyle-adventures-of-sherlock-holmes"])
def test_the_samples_mark_every_printed_page(name, sample_built):
    result = check_book(sample_built(name), name)
    places = [tags for _, _, tags in result["markers"]]
    if name.startswith("whitman"):  # pages that begin with a line of a poem
        assert sum(1 for t in places if t[0] == "span.line" and "verse" in t[2]) >= 5


ROWS = "\n".join(f"| {k} | Worker number {k} of the Leuna works | {k * 7} |"
                 for k in range(1, 90))
LONG = ("The strike spread from the mines to the docks, and from the docks to the railways; "
        "every day brought new names to the committees. ") * 14
POEM = "\n".join(f"Line {k} of the song the marchers sang, over and over," for k in range(1, 80))
MIXED = f"""# Pages

{LONG}[^1*]

{LONG}[^2*]

> {LONG}
>
> {LONG}

| No. | Name | Marks |
|--:|---|--:|
{ROWS}

Table: The works’ roll

::: poem
{POEM}
:::

{LONG}

::: letter
[14 March 1923]{{.dateline}}

[Dear Comrades,]{{.salutation}}

{LONG}

{LONG}

[Yours fraternally,]{{.valediction}}

[The Committee]{{.signature}}
:::

[^1*]: A note at the foot of the page, long enough to take two lines of the foot: {LONG[:200]}
[^2*]: Another.
"""


def test_pages_that_begin_in_a_table_verse_a_quotation_a_letter_or_a_noted_paragraph(tmp_path):
    make_book(tmp_path / "m", {"one.md": MIXED})
    build(tmp_path / "m", tmp_path / "dist", ROOT / "styles", stream=io.StringIO())
    places = [tags[:3] for _, _, tags in check_book(tmp_path / "dist", "small-book")["markers"]]
    inside = {kind: [t for t in places if any(x.startswith(kind) for x in t)]
              for kind in (("td", "th"), "span.line", "blockquote", "p.", "blockquote.letter")}
    assert all(inside.values()), [t[0] for t in places]
    assert any(t[0].startswith("th") and "thead." not in t for t in places)  # a row, not the head
    with zipfile.ZipFile(tmp_path / "dist" / "small-book.epub") as z:
        chapter = z.read("EPUB/ch-one.xhtml").decode()
    # a page that begins inside the footnoted paragraphs: the marker stands mid-text
    assert chapter.index('id="page-2"') < chapter.index("footnote-ref")


def moved_marker(built: Path, target: Path, folio: str, place) -> Path:
    """A copy of the title's EPUB with marker `folio` taken out of the chapter (its text left
    where it was) and put back by `place(document, marker)`."""
    from lxml import etree

    name = "EPUB/ch-03-german-revolution-of-1923.xhtml"
    with zipfile.ZipFile(built / f"{SLUG}.epub") as z:
        files = {n: z.read(n) for n in z.namelist()}
    doc = xml(files[name])
    mark = doc.xpath(f"//*[@id='page-{folio}']")[0]
    parent, prev = mark.getparent(), mark.getprevious()
    if prev is not None:
        prev.tail = (prev.tail or "") + (mark.tail or "")
    else:
        parent.text = (parent.text or "") + (mark.tail or "")
    parent.remove(mark)
    mark.tail = None
    place(doc, mark, parent)
    files[name] = etree.tostring(doc, xml_declaration=True, encoding="utf-8")
    with zipfile.ZipFile(target, "w") as z:
        for n, data in files.items():
            z.writestr(n, data)
    return target


def test_a_misplaced_marker_is_caught(built, tmp_path):
    """The check can fail: marker 3 moved to the start of the chapter's next paragraph."""
    def to_next_paragraph(doc, mark, parent):
        following = parent.getnext()
        following.insert(0, mark)
        mark.tail, following.text = following.text, None

    epub = moved_marker(built, tmp_path / "moved.epub", "3", to_next_paragraph)
    problems, info = check_pages(epub, built / f"{SLUG}.pdf")
    assert [p.code for p in problems] == ["P064"] and "marker 3" in problems[0].message
    assert info["matched"] == check_pages(built / f"{SLUG}.epub", built / f"{SLUG}.pdf"
                                          )[1]["matched"] - 1


def test_a_part_title_page_and_front_matter_are_marked_and_in_parity(tmp_path):
    """A part's title alone on its page is text (not a running head); a dedication and a
    preface are front matter in roman folios; endnotes run over pages."""
    import random

    from toolchain.check.parity import compare

    rng = random.Random(7)
    vocabulary = ("strike mines docks railways committees workers council factory union "
                  "meeting city river bridge morning evening street winter printer paper "
                  "government coalition Saxony Thuringia delegates republic").split()

    def para(n):
        return " ".join(rng.choice(vocabulary) for _ in range(n)).capitalize() + "."

    root = tmp_path / "m"
    for folder in ("front", "chapters", "back"):
        (root / folder).mkdir(parents=True)
    (root / "front" / "dedication.md").write_text("# Dedication {.dedication}\n\nFor the "
                                                  "printers of Leipzig.\n", encoding="utf-8")
    (root / "front" / "preface.md").write_text("# Preface {.preface}\n\n" + "\n\n".join(
        para(120) for _ in range(4)) + "\n", encoding="utf-8")
    (root / "chapters" / "00-part.md").write_text("# Part One: The Strike {.part}\n",
                                                  encoding="utf-8")
    (root / "chapters" / "01-days.md").write_text(
        "# The First Days\n\n" + "\n\n".join(f"{para(150)}[^{k}]" for k in range(1, 6))
        + "\n\n" + "\n".join(f"[^{k}]: {para(250)}" for k in range(1, 6)) + "\n",
        encoding="utf-8")
    (root / "back" / "appendix.md").write_text("# Appendix {.appendix}\n\n" + para(200) + "\n",
                                               encoding="utf-8")
    (root / "book.toml").write_text(
        'title = "Front and Parts"\nauthor = "A. N. Author"\nlanguage = "en-GB"\n'
        'identifier = "urn:uuid:00000000-0000-4000-8000-0000000000aa"\nslug = "parts"\n'
        'front = ["front/dedication.md", "front/preface.md"]\n'
        'chapters = ["chapters/00-part.md", "chapters/01-days.md"]\n'
        'back = ["back/appendix.md"]\n', encoding="utf-8")
    out = tmp_path / "dist"
    build(root, out, ROOT / "styles", stream=io.StringIO())
    result = check_book(out, "parts")
    assert compare(out / "parts.epub", out / "parts.pdf")[0] == []
    part = [folio for doc, folio, _ in result["markers"] if doc == "ch-00-part.xhtml"]
    assert part and part[-1] == "1"  # the part's title page is page 1, marked on its title
    # pages that begin inside an endnote, after its hanging number
    assert sum(1 for doc, _, tags in result["markers"] if doc == "notes.xhtml"
               and tags[:2] == ["p.", "li."]) >= 2


def test_a_page_of_text_marked_at_the_next_pages_place_is_caught(built, tmp_path):
    """Sharing the next page's place is only for blank pages and the half title."""
    def beside_marker_four(doc, mark, parent):
        doc.xpath("//*[@id='page-4']")[0].addprevious(mark)

    epub = moved_marker(built, tmp_path / "shared.epub", "3", beside_marker_four)
    problems, _ = check_pages(epub, built / f"{SLUG}.pdf")
    assert [p.code for p in problems] == ["P064"]
    assert "marker 3" in problems[0].message and "shares the next page" in problems[0].message


def test_a_house_style_with_initial_letters_keeps_the_markers_in_place(tmp_path):
    """::first-letter holds the paragraph's own first letter: it is counted, or every page
    that begins inside such a paragraph would be marked a word early."""
    import random

    rng = random.Random(3)
    vocabulary = ("strike mines docks railways committees workers council factory union "
                  "meeting city river bridge morning evening street winter printer").split()
    text = "# One\n\n" + "\n\n".join(
        " ".join(rng.choice(vocabulary) for _ in range(400)).capitalize() + "."
        for _ in range(4)) + "\n"
    styles = tmp_path / "styles"
    shutil.copytree(ROOT / "styles", styles)
    with (styles / "print.css").open("a", encoding="utf-8") as css:
        css.write("\np::first-letter { font-weight: 600; }\n")
    make_book(tmp_path / "m", {"one.md": text})
    build(tmp_path / "m", tmp_path / "dist", styles, stream=io.StringIO())
    problems, info = check_pages(tmp_path / "dist" / "small-book.epub",
                                 tmp_path / "dist" / "small-book.pdf")
    assert problems == [] and info["matched"] >= 4


def test_a_turned_table_longer_than_its_page_goes_on_over_turned_pages(tmp_path):
    """40 rows of a ten-column table the editor turns: three turned pages, each with the
    caption and the header, every row on one of them, the columns where they are on the
    first page though the last rows' figures are wider; parity and the page list hold."""
    import pypdfium2

    from toolchain.check.parity import compare

    head = "| Year | " + " | ".join(f"Col{k}" for k in range(1, 10)) + " |\n|---|" + \
        "---:|" * 9 + "\n"
    rows = "".join(f"| {1900 + k} | " + " | ".join(  # the last rows' first figures wider
        f"{k * 1000 + c + (9_990_000 if k > 35 and c == 0 else 0):,}" for c in range(9))
                   + " |\n" for k in range(40))
    text = "# One\n\nThe figures follow.\n\nTable: Output by year {.landscape}\n\n" + head + rows + \
        "\nAfter the table, the text goes on.\n"
    make_book(tmp_path / "m", {"one.md": text})
    build(tmp_path / "m", tmp_path / "dist", ROOT / "styles", stream=io.StringIO())
    pdf_path = tmp_path / "dist" / "small-book.pdf"
    doc = pypdfium2.PdfDocument(pdf_path)
    pages = [page.get_textpage().get_text_range() for page in doc]
    turned = [p for p in pages if "Output by year" in p]
    assert len(turned) == 3 and all("Col9" in p for p in turned)
    headers = []  # where each column's header begins along the turned line (the page's
    for number in [k for k, p in enumerate(pages) if "Output by year" in p]:  # height): the
        text = doc[number].get_textpage()  # same columns on every page
        whole = text.get_text_range()
        headers.append([round(text.get_charbox(whole.index(f"Col{c}"))[1]) for c in range(1, 10)])
    doc.close()
    assert headers[0] == headers[1] == headers[2], headers
    assert all(str(1900 + k) in "".join(turned) for k in range(40))
    assert compare(tmp_path / "dist" / "small-book.epub", pdf_path)[0] == []
    check_book(tmp_path / "dist", "small-book")


def test_a_turned_tables_last_page_never_holds_one_row_alone():
    """Rows one more than a turned page holds: the last page takes two (one moved back from
    the page before), not the last row alone, as book-52's table had it."""
    from lxml import etree

    from toolchain.write.pdf.assemble import LAST_ROWS, turned_layout

    def table(rows: int):
        wrap = etree.fromstring(
            "<div class='table-wrap landscape'><table><caption>Output</caption><thead><tr>"
            + "".join(f"<th>Col{k}</th>" for k in range(6)) + "</tr></thead><tbody>"
            + "".join("<tr>" + "".join(f"<td>{r * 10 + k:,}</td>" for k in range(6)) + "</tr>"
                      for r in range(rows)) + "</tbody></table></div>")
        return wrap, list(wrap.find("table/tbody"))

    holds = len(turned_layout(*table(200), ROOT / "styles")[0][0])
    wrap, rows = table(holds + 1)
    groups = turned_layout(wrap, rows, ROOT / "styles")[0]
    assert [len(g) for g in groups] == [holds + 1 - LAST_ROWS, LAST_ROWS]
    assert [row for group in groups for row in group] == rows
    wrap, rows = table(holds)
    assert [len(g) for g in turned_layout(wrap, rows, ROOT / "styles")[0]] == [holds]
