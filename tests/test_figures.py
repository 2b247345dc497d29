"""Figures: an image on a line of its own, with its description, caption and credit, in the EPUB
and both PDFs; every way a figure can be wrong is an error with file and line. Also the table
layout an editor chooses, and a note that Markdown would have dropped."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
from conftest import NS, ROOT, built_book, make_book, text_of, xml
from PIL import Image, ImageDraw, ImageStat

from toolchain.build import build
from toolchain.check.lint import lint_manuscript
from toolchain.errors import BuildError
from toolchain.read.markdown import read_book
from toolchain.write.xhtml import write_documents

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100">'
       '<rect x="10" y="10" width="180" height="80" fill="none" stroke="black"/>{extra}</svg>')

CHAPTER = """# One

Some text before the figures.

{ferry}

Text between them.

![A grey panel](../images/panel.png)

![A plan of the river](../images/plan.svg "The river")

[^1]: The date is uncertain.
""".format(ferry='![A steam ferry crossing a river, smoke trailing](../images/ferry.jpg '
           '"The *Fulton* ferry, about 1850.[^1]"){credit="Lithograph by N. Currier"}')


def images(root: Path) -> Path:
    (root / "images").mkdir(parents=True, exist_ok=True)
    photo = Image.new("RGB", (1400, 900), "white")
    draw = ImageDraw.Draw(photo)
    for k in range(0, 1400, 50):
        draw.line((k, 0, 1400 - k, 900), fill=(k % 255, 80, 120), width=4)
    photo.save(root / "images" / "ferry.jpg", quality=85)
    Image.new("L", (500, 700), 128).save(root / "images" / "panel.png")
    (root / "images" / "plan.svg").write_text(SVG.format(extra=""), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def figures_book(tmp_path_factory):
    root = images(tmp_path_factory.mktemp("figures") / "m")
    make_book(root, {"one.md": CHAPTER})
    out = root.parent / "dist"
    build(root, out, ROOT / "styles", stream=io.StringIO(), force=True)
    return root, out


def test_figures_in_the_epub_with_description_caption_and_credit(figures_book):
    root, out = figures_book
    with zipfile.ZipFile(out / "small-book.epub") as z:
        files = {n: z.read(n) for n in z.namelist()}
    for name in ("ferry.jpg", "panel.png", "plan.svg"):
        assert files[f"EPUB/images/{name}"] == (root / "images" / name).read_bytes()
    opf = xml(files["EPUB/content.opf"])
    types = {i.get("href"): i.get("media-type") for i in opf.findall(".//opf:item", NS)}
    assert types["images/ferry.jpg"] == "image/jpeg" and types["images/plan.svg"] == "image/svg+xml"
    doc = xml(files["EPUB/ch-one.xhtml"])
    figures = doc.findall(".//h:figure", NS)
    assert [f.find("h:img", NS).get("alt") for f in figures] == [
        "A steam ferry crossing a river, smoke trailing", "A grey panel", "A plan of the river"]
    caption, credit = figures[0].findall("h:figcaption/h:p", NS)
    assert text_of(caption) == "The Fulton ferry, about 1850.1"
    assert caption.find("h:em", NS).text == "Fulton"
    assert credit.get("class") == "credit" and text_of(credit) == "Lithograph by N. Currier"
    call = caption.find("h:a[@role='doc-noteref']", NS)  # the caption's note links both ways
    notes = xml(files["EPUB/notes.xhtml"])
    note = notes.find(f".//h:li[@id='{call.get('href').split('#')[1]}']", NS)
    assert "The date is uncertain." in text_of(note)
    assert note.find(f".//h:a[@href='ch-one.xhtml#{call.get('id')}']", NS) is not None
    assert figures[1].find("h:figcaption", NS) is None
    report = json.loads((out / "report.json").read_text())
    assert report["validators"]["epubcheck"]["nError"] == 0
    assert report["validators"]["epubcheck"]["nWarning"] == 0
    summary = opf.find(".//opf:meta[@property='schema:accessibilitySummary']", NS).text
    assert "figure described in words" in summary


@pytest.mark.parametrize("name", ["small-book.pdf", "small-book-print.pdf"])
def test_figures_in_both_pdfs_within_the_measure(figures_book, name):
    _, out = figures_book
    doc = pypdfium2.PdfDocument(str(out / name))
    placed, text = [], ""
    for page in doc:
        for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=8):
            left, bottom, right, top = image.get_bounds()
            placed.append((tuple(image.get_px_size()), right - left, top - bottom))
        text += page.get_textpage().get_text_range()
    doc.close()
    assert sorted(p[0] for p in placed) == [(500, 700), (1400, 900)]
    measure = (138 - 36) / 25.4 * 72  # print.css: the text block is 102 mm wide
    for _, width, height in placed:
        assert width <= measure + 0.5 and height <= 150 / 25.4 * 72 + 0.5
    flat = " ".join(text.split())
    assert "ferry, about 1850." in flat and "Lithograph by N. Currier" in flat
    assert "The river" in flat


def test_a_figure_under_300_dpi_is_a_warning_with_its_line(figures_book):
    _, out = figures_book
    warnings = json.loads((out / "report.json").read_text())["warnings"]
    low = [w for w in warnings if "W010" in w]
    assert len(low) == 1 and "one.md:9:" in low[0] and "panel.png prints at 125 dpi" in low[0]
    assert "at least 1205 px wide" in low[0]  # the ferry, 1400 px over 102 mm, is 349 dpi


BAD = {
    "no description": ("![](../images/ferry.jpg)", "M119", "no text description"),
    "inside a line": ("See ![a ferry](../images/ferry.jpg) here.", "M119", "inside a line"),
    "missing": ("![a ferry](../images/gone.jpg)", "M101", "does not exist"),
    "outside": ("![a ferry](../../secret.jpg)", "M111", "outside the manuscript"),
    "on the web": ("![a ferry](https://example.org/f.jpg)", "M111", "not a file of"),
    "not an image": ("![notes](../images/notes.png)", "M119", "not a JPEG, PNG or SVG"),
    "misnamed": ("![a ferry](../images/ferry.png)", "M119", "JPEG image under another name"),
    "script": ("![a plan](../images/script.svg)", "M119", "<script>"),
    "handler": ("![a plan](../images/handler.svg)", "M119", "event handler"),
    "external": ("![a plan](../images/external.svg)", "M119", "outside itself"),
    "svg text": ("![a plan](../images/text.svg)", "M119", "holds text"),
    "attribute": ('![a ferry](../images/ferry.jpg){width="50%"}', "M009", "width"),
    "in a note": ("Text.[^1]\n\n[^1]: ![a ferry](../images/ferry.jpg)", "M119", "inside a note",
                  7),
    # the description is plain text, never printed: what it cannot keep is an error, not lost
    "index mark": ("![the [Fulton]{.index} ferry](../images/ferry.jpg)", "M119",
                   "an index mark in the description"),
    "note call": ("![a ferry[^1]](../images/ferry.jpg)\n\n[^1]: Currier.", "M119",
                  "a note call in the description"),
    "link": ("![a ferry, see [p. #](#x)](../images/ferry.jpg)\n\n[Here]{#x}.", "M119",
             "a link or page reference in the description"),
    "named place": ("![a []{#x}ferry](../images/ferry.jpg)", "M119",
                    "a named place in the description"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_wrong_figure_is_an_error_with_file_and_line(tmp_path, case):
    markdown, code, message, line = (*BAD[case], 5)[:4]
    root = images(tmp_path / "m")
    (root / "images" / "notes.png").write_text("not an image", encoding="utf-8")
    (root / "images" / "ferry.jpg").rename(root / "images" / "ferry.png")
    if case != "misnamed":
        (root / "images" / "ferry.png").rename(root / "images" / "ferry.jpg")
    for name, extra in (("script", "<script>alert(1)</script>"),
                        ("handler", '<circle r="5" onclick="alert(1)"/>'),
                        ("external", '<image href="https://example.org/x.png" width="5" '
                                     'height="5"/>'),
                        ("text", '<text x="5" y="20">Map</text>')):
        (root / "images" / f"{name}.svg").write_text(SVG.format(extra=extra), encoding="utf-8")
    make_book(root, {"one.md": f"# One\n\nFirst.\n\n{markdown}\n"})
    problems = [str(p) for p in lint_manuscript(root) if p.severity == "error"]
    if not problems:
        with pytest.raises(BuildError) as caught:
            read_book(root)
        problems = [str(p) for p in caught.value.problems]
    assert any(f"one.md:{line}:" in p and f"error {code}" in p and message in p
               for p in problems), problems


def test_a_description_keeps_emphasis_and_language_as_its_words(tmp_path):
    root = images(tmp_path / "m")
    make_book(root, {"one.md": "# One\n\n![a *ferry* named [Zug]{lang=de}](../images/ferry.jpg"
                               " \"The [Fulton]{.index} ferry.\")\n"})
    figure = read_book(root).chapters[0].blocks[0]
    assert figure.alt == "a ferry named Zug"


def test_the_lint_reads_captions_and_credits_as_text(tmp_path):
    root = images(tmp_path / "m")
    make_book(root, {"one.md": "# One\n\n![a ferry](../images/ferry.jpg \"It's a ferry\")"
                               "{credit=\"Currier\"}\n"})
    found = [(p.code, p.column) for p in lint_manuscript(root)]
    assert found == [("M005", 35)]  # the apostrophe of the caption; not the syntax's quotes


def layout_of(root: Path) -> str:
    docs = {d.name: xml(d.to_bytes()) for d in write_documents(read_book(root), _date())}
    return docs["ch-one.xhtml"].find(".//h:div[@class]", NS).get("class")


def _date():
    from datetime import UTC, datetime

    return datetime(2024, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("caption, expected", [
    ("", "table-wrap"),
    ("Table: {.landscape}\n\n", "table-wrap wide landscape"),
    ("Table: Names and places {.wide}\n\n", "table-wrap wide"),
])
def test_the_editor_chooses_a_table_layout(tmp_path, caption, expected):
    table = "| Name | Place |\n|---|---|\n| Ann | Leeds |\n"
    root = make_book(tmp_path / "m", {"one.md": "# One\n\n" + caption + table})
    assert layout_of(root) == expected
    assert lint_manuscript(root) == []


def test_an_unknown_table_layout_is_an_error(tmp_path):
    table = "Table: Names {.sideways}\n\n| Name | Place |\n|---|---|\n| Ann | Leeds |\n"
    with pytest.raises(BuildError, match=r"one.md:3:1: error M009: table layout \{.sideways\}"):
        read_book(make_book(tmp_path / "m", {"one.md": "# One\n\n" + table}))


def test_a_note_markdown_would_drop_is_an_error(tmp_path):
    text = "# One\n\nA call in code: `[^1]`.\n\n[^1]: The note.\n"
    with pytest.raises(BuildError, match=r"one.md:5:1: error M002: note \[\^1\] is never called"):
        read_book(make_book(tmp_path / "m", {"one.md": text}))


SCANS = """# One

A survey scanned in sixteen-bit grey.

![A survey of the harbour, dark at the top and light at the foot](../images/survey.png)

A drawing of the same size.

![A red band over a pale field](../images/drawing.png)

A photograph taken on a telephone held upright.

![The pier, upright](../images/pier.jpg)
"""


def scans(root: Path) -> None:
    """A 16-bit grey PNG (a scanner's survey), an 8-bit drawing of the same pixel size, and a
    telephone's photograph stored on its side with the EXIF orientation that stands it up."""
    (root / "images").mkdir()
    levels = Image.linear_gradient("L").resize((600, 400)).convert("I")
    levels.point(lambda v: v * 257).convert("I;16").save(root / "images" / "survey.png")
    drawing = Image.new("RGB", (600, 400), (200, 220, 240))
    ImageDraw.Draw(drawing).rectangle((0, 0, 599, 80), fill=(180, 30, 30))
    drawing.save(root / "images" / "drawing.png")
    exif = Image.Exif()
    exif[0x0112] = 6  # turn 90° clockwise to show
    Image.new("RGB", (1200, 800), "grey").save(root / "images" / "pier.jpg", exif=exif)


def test_a_sixteen_bit_grey_scan_prints_in_its_greys_and_each_low_figure_is_named(tmp_path):
    """WeasyPrint 70 draws a 16-bit grey PNG as 8-bit RGB: the survey printed black. And the
    300 dpi warning matched figures by pixel size alone: two of one size were each named on
    both their pages; a photograph turned upright by its EXIF orientation on none."""
    import pikepdf

    out, report = built_book(tmp_path, {"one.md": SCANS}, prepare=scans)
    source = Image.open(tmp_path / "m" / "images" / "survey.png").convert("I")
    mean = ImageStat.Stat(source.point(lambda v: v / 257).convert("L")).mean[0]
    for name in ("small-book.pdf", "small-book-print.pdf"):
        with pikepdf.open(out / name) as pdf:
            greys = {x.objgen: pikepdf.PdfImage(x) for page in pdf.pages
                     for x in page.get_images().values()
                     if x.Width == 600 and x.get("/ColorSpace") == "/DeviceGray"}
            greys = list(greys.values())
            assert len(greys) == 1, name
            drawn = greys[0].as_pil_image()
            assert drawn.mode == "L" and abs(ImageStat.Stat(drawn).mean[0] - mean) < 2
            assert drawn.getpixel((300, 5)) < 10 and drawn.getpixel((300, 395)) > 245
    low = sorted(w for w in report["warnings"] if "W010" in w)
    assert [w.split(": warning")[0].rsplit(":", 2)[1] for w in low] == ["13", "5", "9"]
    assert ["pier.jpg" in low[0], "survey.png" in low[1], "drawing.png" in low[2]] == [True] * 3
    assert "pier.jpg prints at 203 dpi" in low[0]  # 800 px across, as it stands


def test_a_sixteen_bit_grey_png_with_a_transparent_level_keeps_it_transparent():
    from toolchain.write.pdf.sandbox import printable

    levels = Image.linear_gradient("L").resize((64, 32)).convert("I")
    deep = levels.point(lambda v: v * 257).convert("I;16")
    clear = deep.getpixel((0, 16))  # one row's level
    data = io.BytesIO()
    deep.save(data, format="PNG", transparency=clear)
    given = Image.open(io.BytesIO(printable(data.getvalue())))
    assert given.mode == "LA" and given.getchannel("L").getpixel((0, 31)) > 240
    alpha = given.getchannel("A")
    assert [y for y in range(32) if alpha.getpixel((0, y)) == 0] == [16]
    assert set(alpha.tobytes()) == {0, 255}
