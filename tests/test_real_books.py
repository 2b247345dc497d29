"""Constructs combined as real books have them, built whole and read back from the PDF.

One book, built once: a frontispiece division, a poem of 34 lines as an epigraph, a
dedication of some 700 words addressed to its readers, a chapter with a footnote of 14
lines called near the top of a page, a heading before a tall figure, a letter whose
salutation is also in small capitals. Each test reads the built PDF (pdfium) or EPUB, as a
reader would.
"""

from __future__ import annotations

import io
import zipfile

import pypdfium2
import pytest
from conftest import ROOT, text_of, xml
from PIL import Image, ImageDraw

from toolchain.build import build
from toolchain.check.pages import check_pages
from toolchain.errors import BuildError
from toolchain.typeset.facts import Block, PageFacts

WORDS = ("the harbour keeper walked along the quay at dusk and counted boats returning from "
         "sea with their nets full of herring and their sails patched against wind").split()


def prose(seed: int, words: int) -> str:
    """Deterministic sentences of about `words` words."""
    out, k = [], seed
    while len(out) < words:
        length = 9 + k % 11
        sentence = [WORDS[(k * 7 + j * 3) % len(WORDS)] for j in range(length)]
        out += [sentence[0].capitalize(), *sentence[1:-1], sentence[-1] + "."]
        k += 1
    return " ".join(out)


POEM = "\n".join(f"Line {n} of the song the keeper sang at night," for n in range(1, 35))
LONG_NOTE = prose(50, 330)  # some 14 lines at the foot
LONGER_NOTE = " ".join(prose(60 + k, 180) for k in range(6))  # two pages and more of notes


def write_book(root):
    for folder in ("front", "chapters", "images"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    tall = Image.new("RGB", (900, 1400), "white")
    ImageDraw.Draw(tall).ellipse([40, 40, 860, 1360], outline="black", width=6)
    tall.save(root / "images" / "tall.png")
    (root / "front" / "frontispiece.md").write_text(
        "# Frontispiece {.epigraph}\n\n![An ellipse drawn in black](../images/tall.png "
        "\"The harbour at dusk, from a drawing.\")\n", encoding="utf-8")
    (root / "front" / "epigraph.md").write_text(
        f"# Epigraph {{.epigraph}}\n\n::: poem\n{POEM}\n:::\n\n[— An Old Song]{{.attribution}}\n",
        encoding="utf-8")
    dedication = "\n\n".join(prose(k, 120) for k in range(6))
    (root / "front" / "dedication.md").write_text(
        f"# To the Keepers of the Lights {{.dedication}}\n\n{dedication}\n\nWith "
        "[great]{.smallcaps} affection.\n", encoding="utf-8")
    chapter = (f"# 1. The Quay\n\n{prose(1, 60)}[^1*]\n\n{prose(2, 200)}\n\n{prose(3, 200)}\n\n"
               f"{prose(4, 260)}\n\n## Before a figure\n\n![An ellipse drawn tall](../images/"
               f"tall.png \"An ellipse.\")\n\n{prose(5, 150)}\n\n::: letter\n[Dear Sir]"
               f"{{.salutation .smallcaps}},\n\n{prose(6, 60)}\n\n[Yours, J.]{{.signature}}\n"
               f":::\n\n{prose(7, 200)}\n\n[^1*]: {LONG_NOTE}\n")
    (root / "chapters" / "01-the-quay.md").write_text(chapter, encoding="utf-8")
    (root / "chapters" / "02-the-light.md").write_text(
        f"# 2. The Light\n\n{prose(8, 150)}[^1*] {prose(9, 100)}\n\n{prose(10, 300)}\n\n"
        f"{prose(11, 300)}\n\n[^1*]: {LONGER_NOTE}\n", encoding="utf-8")
    (root / "book.toml").write_text(
        'title = "The Harbour Keeper"\nauthor = "A. N. Author"\nlanguage = "en-GB"\n'
        'identifier = "urn:uuid:3f1c2b4e-5d6a-4b7c-8d9e-0f1a2b3c4d5e"\nslug = "harbour"\n'
        'front = ["front/frontispiece.md", "front/epigraph.md", "front/dedication.md"]\n'
        'chapters = ["chapters/01-the-quay.md", "chapters/02-the-light.md"]\n',
        encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def harbour(tmp_path_factory):
    root = write_book(tmp_path_factory.mktemp("harbour") / "manuscript")
    out = root.parent / "dist"
    report = build(root, out, ROOT / "styles", stream=io.StringIO(), force=True)
    return out, report


def pdf_pages(path) -> list[str]:
    doc = pypdfium2.PdfDocument(path)
    try:
        return [" ".join(page.get_textpage().get_text_range().split()) for page in doc]
    finally:
        doc.close()


def squeeze(text: str) -> str:
    return "".join(c for c in text if c.isalnum())


def test_a_poem_of_34_lines_as_an_epigraph_is_set_whole(harbour):
    out, _ = harbour
    text = squeeze(" ".join(pdf_pages(out / "harbour.pdf")))
    for n in range(1, 35):
        assert squeeze(f"Line {n} of the song the keeper sang at night") in text
    pages = pdf_pages(out / "harbour.pdf")
    attribution = next(k for k, page in enumerate(pages) if "An Old Song" in page)
    assert "Line 34" in pages[attribution] or "Line 33" in pages[attribution], \
        "the attribution stands with the last lines of the poem"


def test_a_long_footnote_begins_on_its_calls_page_and_runs_over(harbour):
    out, _ = harbour
    pages = [squeeze(p) for p in pdf_pages(out / "harbour.pdf")]
    opening = squeeze(LONG_NOTE[:60])
    ending = squeeze(LONG_NOTE[-60:])
    first = next(k for k, page in enumerate(pages) if opening in page)
    assert squeeze(prose(1, 60)[-40:]) in pages[first], "the note's beginning is on its call's page"
    assert ending in pages[first] or ending in pages[first + 1]
    assert squeeze(LONG_NOTE) in "".join(pages[first:first + 2]).replace(
        squeeze(prose(2, 200)), ""), "every word of the note is at the feet of two pages"


def test_a_footnote_longer_than_a_page_runs_on_page_after_page(harbour):
    """Some 1,100 words: its first part at the foot of its call's page, the rest on as
    many pages after it as it needs, each page's text block full (not a part run off a page
    two pages on, as WeasyPrint alone sets it)."""
    out, _ = harbour
    pages = [squeeze(p) for p in pdf_pages(out / "harbour.pdf")]
    left = squeeze(LONGER_NOTE)
    at = next(k for k, page in enumerate(pages) if left[:80] in page)
    assert squeeze(prose(8, 150)[-40:]) in pages[at], "the note begins on its call's page"
    parts = []
    while left and at < len(pages):
        part = max((n for n in range(1, len(left) + 1, 8) if left[:n] in pages[at]),
                   default=0)
        part = next(n for n in range(min(part + 8, len(left)), part - 1, -1)
                    if left[:n] in pages[at])
        parts.append(part)
        left, at = left[part:], at + 1
        if not part:
            break
    assert not left and len(parts) >= 3 and all(parts), parts  # on page after page


def test_the_page_facts_pass_every_invariant(harbour):
    _, report = harbour
    assert not [w for w in report["warnings"] if " P04" in w and "P045" not in w
                and "P046" not in w]


def figure_images(path):
    """(page number, image bottom in points from the page's top, page height) per image."""
    import pypdfium2.raw as raw

    doc = pypdfium2.PdfDocument(path)
    found = []
    try:
        for number, page in enumerate(doc):
            height = page.get_height()
            for image in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=8):
                _, bottom, _, _ = image.get_bounds()
                found.append((number, height - bottom, height))
    finally:
        doc.close()
    return found


def test_a_figure_in_the_front_matter_fits_its_page_with_its_caption(harbour):
    out, _ = harbour
    pages = pdf_pages(out / "harbour.pdf")
    images = figure_images(out / "harbour.pdf")
    frontispiece = images[0][0]
    assert "The harbour at dusk" in pages[frontispiece]
    for _, bottom, height in images:  # above the foot margin (20 mm), where the folio is
        assert bottom < height - 20 / 25.4 * 72 + 1


def test_a_heading_goes_with_the_tall_figure_after_it(harbour):
    out, _ = harbour
    pages = pdf_pages(out / "harbour.pdf")
    images = figure_images(out / "harbour.pdf")
    heading = next(k for k, page in enumerate(pages) if "Before a figure" in page
                   and k > images[0][0])
    assert heading in [number for number, *_ in images[1:]]
    assert "An ellipse." in pages[heading]


def test_a_long_dedication_is_prose_with_its_address_printed(harbour):
    out, _ = harbour
    with zipfile.ZipFile(out / "harbour.epub") as epub:
        root = xml(epub.read("EPUB/ch-dedication.xhtml"))
    section = root.find(".//{http://www.w3.org/1999/xhtml}section")
    assert "short" not in section.get("class").split()
    assert text_of(section.find("{http://www.w3.org/1999/xhtml}h1")) == \
        "To the Keepers of the Lights"
    pages = pdf_pages(out / "harbour.pdf")
    first = next(k for k, p in enumerate(pages) if p.startswith("To the Keepers of the Lights"))
    second = pages[first + 1]
    assert "Contents" not in second.split()[:6]


def test_combined_classes_give_both_the_role_and_the_small_caps(harbour):
    out, _ = harbour
    with zipfile.ZipFile(out / "harbour.epub") as epub:
        root = xml(epub.read("EPUB/ch-01-the-quay.xhtml"))
    ns = {"h": "http://www.w3.org/1999/xhtml"}
    salutation = root.find(".//*[@class='salutation']", ns)  # a span: a comma follows it
    assert salutation is not None and salutation.get("{http://www.idpf.org/2007/ops}type") == \
        "z3998:salutation"
    assert text_of(salutation.find("h:span[@class='smallcaps']", ns)) == "Dear Sir"


def test_an_epigraph_that_only_names_its_kind_prints_no_title(harbour):
    out, _ = harbour
    with zipfile.ZipFile(out / "harbour.epub") as epub:
        root = xml(epub.read("EPUB/ch-epigraph.xhtml"))
    assert root.find(".//{http://www.w3.org/1999/xhtml}h1") is None


@pytest.mark.parametrize("text, column", [("Some words.{lang=de}\n", 12),
                                          ("A word{.smallcaps} here.\n", 7),
                                          ("First line\nsecond {#anchor} line.\n", 8),
                                          ("Written \\{.afterword\\} then {.afterword} here.\n",
                                           29)])
def test_attributes_left_in_the_text_are_an_error_at_their_line(tmp_path, text, column):
    from conftest import make_book

    root = make_book(tmp_path / "m", {"01.md": "# One\n\n" + text})
    with pytest.raises(BuildError) as caught:
        build(root, tmp_path / "dist", ROOT / "styles", stream=io.StringIO())
    problem = caught.value.problems[0]
    assert problem.code == "M009"
    assert (problem.line, problem.column) == (3 + text.count("\n") - 1, column)
    assert not (tmp_path / "dist").exists()


def test_braces_written_escaped_are_the_texts_own_wherever_they_stand(tmp_path):
    """`\\{` is a brace of the text: after emphasis, ending a heading or a table's caption,
    in a paragraph beside real attributes, or as `&#123;` — printed, never read as
    attributes (nor refused as attributes left over, M009)."""
    from conftest import make_book

    from toolchain import model as m
    from toolchain.read.markdown import read_book

    root = make_book(tmp_path / "m", {"01.md": (
        "# One \\{x\\}\n\nAn *emphasis*\\{.smallcaps\\} here, *and*{.smallcaps} there "
        "&#123;.b} \\{\n.c}.\n\n## Part \\{.y\\}\n\nText.\n\nTable: Wages \\{.landscape\\}\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n")})
    chapter = read_book(root).chapters[0]
    para, heading, _, table = chapter.blocks
    assert m.plain_text(chapter.title) == "One {x}"
    assert [type(n).__name__ + (f" {n.kind}" if isinstance(n, m.Styled) else "")
            for n in para.children] == ["Text", "Styled em", "Text", "Styled smallcaps", "Text"]
    assert m.plain_text(para.children) == "An emphasis{.smallcaps} here, and there {.b} { .c}."
    assert (m.plain_text(heading.children), heading.classes) == ("Part {.y}", [])
    assert (m.plain_text(table.caption), table.layout) == ("Wages {.landscape}", None)


def page(index, **kw) -> PageFacts:
    base = dict(index=index, folio=str(index + 1), side="right" if index % 2 == 0 else "left",
                name="", blank=False, width=500, height=800, top=60, bottom=740, left=60,
                right=440, division="doc-ch", line_height=18)
    return PageFacts(**{**base, **kw})


def codes(pages) -> list[str]:
    return [p.code for p in check_pages(pages, lambda pos: None, {"doc-ch": "One"}, "Book")]


def test_a_note_mended_as_often_as_it_may_be_leaves_the_next_one_mended():
    """The mending mends the first note of a division set off its call's page each round;
    one mended ATTEMPTS times already is left as it is, and the next one is mended in its
    place (a chapter of long notes: a note so left stopped its chapter's mending, 56 notes
    off their pages)."""
    from types import SimpleNamespace

    from toolchain.typeset import footnotes

    para = dict(pos="1.2", kind="paragraph", left=60, right=440)
    full = [Block(top=60, bottom=740, lines=37, **para)]
    pages = [page(0, blocks=full, calls={"fn-1": 300, "fn-2": 500}),
             page(1, blocks=full, notes=["fn-1", "fn-2"], notes_top=600, note_line=14)]
    composition = SimpleNamespace(splits={}, pushed=set(), attempts={
        "fn-1": footnotes.ATTEMPTS}, styles={}, notes_pages=set(), notes_pages_more={},
        rests_on_notes_pages={})
    assert footnotes.mend(pages, composition, lambda note: 3)
    assert composition.attempts == {"fn-1": footnotes.ATTEMPTS, "fn-2": 1}


def test_a_page_of_notes_with_room_sets_the_notes_split_for_another_page_whole():
    """On a page of notes alone (past its division's text), with lines free above them, a
    note split for its call's page before it was held over is set whole, and the next split
    one given the lines left (book-58: a page of notes a third full, its last two notes
    split)."""
    from types import SimpleNamespace

    from toolchain.typeset import footnotes

    para = dict(pos="1.2", kind="paragraph", left=60, right=440)
    line = [Block(top=60, bottom=78, lines=1, **para)]
    notes = ["fn-1", "fn-2", "fn-3"]
    pages = [page(0, blocks=line, calls=dict.fromkeys(notes, 78), notes=[], notes_top=90,
                  note_line=14),
             page(1, blocks=[Block(pos=None, top=60, bottom=60, kind="other", left=60,
                                   right=440)],
                  notes=notes, notes_top=460, note_line=14)]  # (460 - 60) / 14: 28 free
    composition = SimpleNamespace(splits={"fn-2": 2, "fn-3": 2}, attempts={})
    sizes = {"fn-1": 5, "fn-2": 10, "fn-3": 40}
    assert footnotes.fill_pages_of_notes(pages, composition, sizes.get, 14)
    assert composition.splits == {"fn-3": 22}  # fn-2 whole (8 more), fn-3 20 more
    assert composition.attempts == {"fn-2": 1, "fn-3": 1}
    pages[1].blocks[0].text = "text"
    composition = SimpleNamespace(splits={"fn-2": 2, "fn-3": 2}, attempts={})
    assert not footnotes.fill_pages_of_notes(pages, composition, sizes.get, 14)


def test_a_line_gone_over_with_its_notes_comes_back_to_a_page_left_short():
    """A page ten lines short before a page whose first line calls a note that went over
    with it (when the page had less room): the line comes back, the note's first part
    filling the page below it; a note that fits comes back whole; a long note called
    before another on the line would leave the other held over: the line stays."""
    from types import SimpleNamespace

    from toolchain.typeset import footnotes

    para = dict(pos="1.2", kind="paragraph", left=60, right=440)
    short = [Block(top=60, bottom=560, lines=27, **para)]  # (740 - 560) / 18: ten lines
    full = [Block(top=60, bottom=740, lines=37, **para)]

    def mended(calls, sizes):
        pages = [page(0, blocks=short),
                 page(1, blocks=full, calls=calls, notes=list(calls), notes_top=500,
                      note_line=14, notes_above=10)]
        composition = SimpleNamespace(splits={}, pushed=set(calls))
        changed = footnotes.bring_back(pages, composition, sizes.get)
        return changed, composition.splits, composition.pushed

    # below the line (18), nine lines of 14 and a line to spare: (180 - 18 - 10) / 14 - 1
    assert mended({"fn-1": 70}, {"fn-1": 20}) == (True, {"fn-1": 9}, set())
    assert mended({"fn-1": 70}, {"fn-1": 6}) == (True, {}, set())
    assert mended({"fn-1": 70, "fn-2": 70}, {"fn-1": 6, "fn-2": 20}) == (
        True, {"fn-2": 3}, set())
    assert mended({"fn-1": 70, "fn-2": 70}, {"fn-1": 20, "fn-2": 2})[0] is False
    assert mended({"fn-1": 200}, {"fn-1": 20})[0] is False  # not its first line


def test_the_page_checks_find_each_fault():
    para = dict(pos="1.2", kind="paragraph", left=60, right=440)
    full = [Block(top=60, bottom=740, lines=37, **para)]
    assert codes([page(0, blocks=full, heads=["One"]), page(1, blocks=full, heads=["Book"])]) == []
    # a footnote called on one page and set on the next
    assert "P041" in codes([page(0, blocks=full, calls={"fn-1": 300}),
                            page(1, blocks=full, notes=["fn-1"], notes_top=700)])
    # a note called on a page whose notes end with a long note's first part, set on the
    # next page under that note's rest: held over, as TeX holds it (seed 7 of
    # benchmarks/long_notes.py, its second chapter); before the rest, or with no rest
    # running on, it is off its page
    long_note = {"fn-1": 70, "fn-1-continued": 70}
    line = [Block(top=60, bottom=78, lines=1, **para)]
    held = [page(0, blocks=full, calls=long_note, notes=["fn-1"], notes_top=200),
            page(1, blocks=line, calls={"fn-2": 78}, notes=["fn-1-continued"],
                 notes_top=90, note_line=14),
            page(2, blocks=full, notes=["fn-1-continued-continued", "fn-2"], notes_top=600)]
    held[1].calls["fn-1-continued-continued"] = 78
    assert codes(held) == ["P047"]
    held[1].calls["fn-2-continued"] = 78  # split for its call's page, set with its rest
    held[2].notes.append("fn-2-continued")  # on the next: held over, the rest astray
    assert codes(held) == ["P047", "P041"]
    del held[1].calls["fn-2-continued"]
    held[2].notes.pop()
    held[2].notes.reverse()
    assert codes(held) == ["P041"]
    held[2].notes.reverse()
    held[1].notes.append("fn-1-continued-continued")  # the rest set whole, the page with
    held[2].notes.remove("fn-1-continued-continued")  # room below it for fn-2
    held[1].notes_top = 400
    found = codes(held)
    assert found.count("P041") == 2 and "P047" not in found  # (the rest's rest, too: set
    # on the rest's page)
    # the notes a division's last line calls, held over to its pages of notes alone (the
    # preface of book-42): in order, each page full
    end = [page(0, blocks=line, calls={"fn-1": 78, "fn-2": 78, "fn-3": 78}, notes=["fn-1"],
                notes_top=90, note_line=14),
           page(1, notes=["fn-2"], notes_top=600), page(2, notes=["fn-3"], notes_top=600)]
    assert codes(end) == ["P047", "P047"]
    end[1].notes, end[2].notes = ["fn-3"], ["fn-2"]  # fn-2 after a note called after it
    assert sorted(codes(end)) == ["P041", "P047"]
    end[1].notes, end[2].notes = ["fn-2"], ["fn-3"]
    end[2].division = "doc-next"  # on the next division's opening page: not held over
    assert sorted(codes(end)) == ["P041", "P047"]
    # two notes split at one page's foot, the first's rest filling the next page: the
    # second's rest held over to the page after, in order (book-58); not when the page
    # between has room, nor after a note called later
    calls = {"fn-1": 300, "fn-2": 300, "fn-3": 300, "fn-1-continued": 300,
             "fn-2-continued": 300}
    rests = [page(0, blocks=full, calls=calls, notes=["fn-1", "fn-2"], notes_top=600,
                  note_line=14),
             page(1, notes=["fn-1-continued"], notes_top=60, note_line=14),
             page(2, blocks=full, notes=["fn-2-continued", "fn-3"], notes_top=600)]
    assert codes(rests) == ["P047", "P047"]  # (fn-3, held over behind them)
    rests[2].notes.reverse()
    assert codes(rests).count("P041") == 2
    rests[2].notes.reverse()
    rests[1].blocks, rests[1].notes_top = line, 400
    assert codes(rests).count("P041") == 2
    # an image past the foot of the page; one into the foot margin
    image = dict(pos="1.5", kind="image", left=60, right=440, keep=True)
    assert "P040" in codes([page(0, blocks=[Block(top=60, bottom=820, **image)])])
    assert "P042" in codes([page(0, blocks=[Block(top=60, bottom=760, **image)])])
    # a caption on the page after its image
    caption = dict(pos="1.6", kind="caption", left=60, right=440, figure="1.4", lines=1)
    assert "P042" in codes([page(0, blocks=[Block(top=60, bottom=700, figure="1.4", **image)]),
                            page(1, blocks=[Block(top=60, bottom=78, **caption), *full])])
    # a heading at the foot of a page
    heading = Block(pos="1.3", kind="heading", top=700, bottom=718, left=60, right=440,
                    lines=1)
    assert "P043" in codes([page(0, blocks=[Block(top=60, bottom=690, lines=35, **para),
                                            heading]), page(1, blocks=full)])
    # a division's title alone on its opening page, the next beginning with a section's
    # heading, a section break and a figure that could not come up under it (book-53): no
    # fault, the title could go along only by leaving its page empty; a figure that could
    # come up, and the title is alone at the foot
    title = Block(pos="1.1", kind="heading", top=170, bottom=210, left=60, right=440, lines=1)
    section = [Block(pos="1.3", kind="heading", top=60, bottom=80, left=60, right=440,
                     lines=1),
               Block(pos="1.4", kind="rule", top=80, bottom=110, left=60, right=440, lines=2)]
    for bottom, fault in ((720, False), (500, True)):
        figure = Block(pos="1.5", kind="image", top=120, bottom=bottom, left=60, right=440,
                       figure="1.5", keep=True)
        found = codes([page(0, blocks=[title]), page(1, blocks=[*section, figure])])
        assert ("P043" in found) == fault, (bottom, found)
    # a running head from another division; a blank page with a folio
    assert "P044" in codes([page(0, blocks=full, heads=["Contents"])])
    assert "P044" in codes([page(0, blank=True, foot="2")])
    # a page of the division with nothing on it but its head and folio (book-39's, once);
    # one holding only notes run over is a page of the division
    assert "P044" in codes([page(0, blocks=full), page(1, heads=["Book"], foot="2")])
    run_over = {"fn-1": 300, "fn-1-continued": 300}
    assert codes([page(0, blocks=full, calls=run_over, notes=["fn-1"], notes_top=700),
                  page(1, heads=["Book"], foot="2", notes=["fn-1-continued"],
                       notes_top=600)]) == []
    # the rest of a note split at its call's page set on no page: its words lost
    assert "P041" in codes([page(0, blocks=full, calls=run_over, notes=["fn-1"], notes_top=700),
                            page(1, blocks=full, heads=["Book"])])
    # a page ten lines short, the division going on
    assert "P045" in codes([page(0, blocks=[Block(top=60, bottom=560, lines=27, **para)]),
                            page(1, blocks=full)])
    # the contents, on the body's leading with space between entries, ends where they let
    # it (the 20-chapter book of benchmarks/bench.py: a line short on two of its pages)
    assert "P045" not in codes([page(0, division="doc-toc", blocks=[
        Block(top=60, bottom=722, lines=33, **para)]), page(1, division="doc-toc", blocks=full)])
    # an orphan: a paragraph's first line alone at the foot
    orphan = Block(pos="1.9", kind="paragraph", top=722, bottom=740, left=60, right=440,
                   lines=1, first=True, last=False)
    assert "P046" in codes([page(0, blocks=[Block(top=60, bottom=722, lines=36, **para),
                                            orphan]), page(1, blocks=full)])


def test_a_table_is_turned_only_when_its_words_do_not_fit_the_measure(tmp_path):
    """Measured with the book's fonts: three columns of short entries stay upright in the
    text size; ten columns of figures fit at the smallest size; columns whose words cannot
    fit even so are turned; and so are columns of short figures under long headers, which
    print.css sets on one line, as their figures (a nine-column table the fuzzer wrote was
    kept upright and cut off: P040)."""
    from conftest import make_book

    from toolchain.write import xhtml
    from toolchain.write.pdf import combined_html

    short = "| Name | Port | Tons |\n|:--|:--|--:|\n| Mary | Hull | 12 |\n| Jane | Leith | 14 |\n"
    figures = ("| Year | " + " | ".join(f"C{k}" for k in range(9)) + " |\n|---|" + "--:|" * 9
               + "\n| 1901 | " + " | ".join("9,000.5" for _ in range(9)) + " |\n")
    words = ("| " + " | ".join(f"H{k}" for k in range(6)) + " |\n|" + "---|" * 6 + "\n| "
             + " | ".join("Internationalisation" for _ in range(6)) + " |\n")
    headed = ("| Name | " + " | ".join(f"Nequelharnquel{k}" for k in range(8)) + " |\n|---|"
              + "--:|" * 8 + "\n| Mary | " + " | ".join("455" for _ in range(8)) + " |\n")
    root = make_book(tmp_path / "m", {"one.md": f"# One\n\nTable: Short\n\n{short}\n"
                                      f"Table: Figures\n\n{figures}\nTable: Words\n\n{words}\n"
                                      f"Table: Headed\n\n{headed}"})
    from datetime import UTC, datetime

    from toolchain.read.markdown import read_book

    book = read_book(root)
    date = datetime(2025, 1, 1, tzinfo=UTC)
    html = combined_html(book, xhtml.write_documents(book, date), date, {}, ROOT / "styles")
    classes = {w.get("aria-label"): (w.find("table").get("class") or "")
               for w in html.xpath("//div[contains(@class, 'table-wrap')]")}
    assert classes == {"Short": "", "Figures": "wide", "Words": "wide landscape",
                       "Headed": "wide landscape"}



def glyph_lines(path, number: int) -> list[list[tuple[float, float, str]]]:
    """Page `number`'s glyphs as lines (by baseline), each (left, right, character) in the
    order they are drawn."""
    doc = pypdfium2.PdfDocument(path)
    try:
        text = doc[number].get_textpage()
        lines: dict[int, list] = {}
        for k, char in enumerate(text.get_text_range()):
            if char.strip():
                left, bottom, right, _ = text.get_charbox(k, loose=True)
                lines.setdefault(round(bottom / 3), []).append((left, right, char))
        return [line for _, line in sorted(lines.items(), reverse=True)]
    finally:
        doc.close()


def test_an_entry_that_fills_its_line_keeps_its_page_number_clear_and_in_column(tmp_path):
    """The contents' and the list of illustrations' entries of every length: a title or a
    caption that fills its line takes its last word on to the next, and its page number
    stands in the column of the others' — never drawn over the entry's end (book-54: the
    frontispiece's caption ended under its folio), nor, where a caption's entry hangs
    (text-indent), short of the column (WeasyPrint's leader did not count the indent)."""
    from conftest import built_book

    ends = ("dusk boats keeper harbour herrings returning lighthouse lighthouses watchkeepers "
            "harbourmaster harbourmasters lighthousekeeper").split()  # a letter longer each
    titles = [f"The old keeper walked along the stone quay at {end}" for end in ends] + [
        "The old keeper walked along the stone quay at dusk and counted the boats coming "
        "home from the sea, their nets full of herring and their sails patched against the "
        "wind, and the lights of the harbour lit one by one"]  # (a caption of three lines)
    sections = "".join(f"## {t}\n\n{prose(k, 40)}\n\n![A ring](../images/ring.png \"{t}.\")\n\n"
                       for k, t in enumerate(titles))

    def ring(manuscript):
        (manuscript / "images").mkdir()
        image = Image.new("RGB", (300, 120), "white")
        ImageDraw.Draw(image).ellipse([10, 10, 290, 110], outline="black", width=4)
        image.save(manuscript / "images" / "ring.png")

    out, _ = built_book(tmp_path, {"one.md": f"# One\n\n{prose(1, 60)}\n\n{sections}"},
                        extra="list_of_illustrations = true\n", prepare=ring)
    pages = pdf_pages(out / "small-book.pdf")
    lists = [k for k, text in enumerate(pages) if text.startswith(("Contents", "Illustrations"))]
    assert len(lists) == 2
    folios = []
    for number in lists:
        for line in glyph_lines(out / "small-book.pdf", number):
            drawn = "".join(c for *_, c in line)
            entry = drawn.rstrip("0123456789ivxlc")
            if not entry.endswith(".") or len(entry) == len(drawn):
                continue  # (a line without a page number: a heading, an entry's first)
            folio = line[len(entry):]
            assert min(left for left, *_ in folio) > max(right for _, right, _ in line[
                :len(entry)]), f"page {number + 1}: the page number drawn over {drawn!r}"
            folios.append(folio[-1][1])
    assert len(folios) >= 2 * len(titles)
    assert max(folios) - min(folios) < 0.5, folios
    doc = pypdfium2.PdfDocument(out / "small-book.pdf")
    contents = doc[lists[0]].get_textpage().get_text_range()
    doc.close()
    assert "\ufffe" not in contents and "-\r\n" not in contents  # no title hyphenated
    # the list's numbers are checked against the pages: the EPUB's as the PDF's, and each
    # the page its figure is on (a number changed in the EPUB is found)
    from toolchain.check.page_references import check_page_references

    epub = out / "small-book.epub"
    problems, counted = check_page_references(epub, out / "small-book.pdf")
    assert problems == [] and counted["references"] == len(titles)
    wrong = tmp_path / "wrong.epub"
    with zipfile.ZipFile(epub) as source, zipfile.ZipFile(wrong, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.endswith("illustrations.xhtml"):
                data = data.replace(b'">3</span>', b'">33</span>', 1)
            target.writestr(item, data)
    problems, _ = check_page_references(wrong, out / "small-book.pdf")
    assert [p.code for p in problems] == ["P074"], problems
