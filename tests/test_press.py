"""The printer's files: the interior for each printer profile, the cover wrap with its spine
and barcode, and the preflight that measures both against the profile."""

from __future__ import annotations

import io
import re

import pikepdf
import pypdfium2
import pytest
from conftest import ROOT, built_book, make_book
from hypothesis import given, settings
from hypothesis import strategies as st

from toolchain.build import build
from toolchain.check.preflight import preflight, read_barcode
from toolchain.errors import BuildError
from toolchain.read.markdown import read_book
from toolchain.write import press
from toolchain.write.barcode import ean5_modules, ean13_modules, isbn13
from toolchain.write.press import MM, PROFILES

ISBN = "9780306406157"  # a valid ISBN used as an example in standards, not a real edition,
# typed bare as editors copy it: the book prints it hyphenated by the agency's ranges
CHAPTER = "# One\n\n" + "A line of the book, long enough to fill some of the page. " * 400 + "\n"


@pytest.mark.parametrize("profile, pages, spine_mm", [
    ("kdp-white", 100, 5.72), ("kdp-white", 300, 17.16), ("kdp-cream", 300, 19.05),
    ("kdp-cream", 24, 1.52), ("ingramspark-creme", 200, 12.70), ("offset", 320, 17.60),
])
def test_spine_width_is_pages_times_the_papers_thickness(profile, pages, spine_mm):
    """KDP's published factors: 0.002252 in a page on white, 0.0025 on cream."""
    assert round(pages * PROFILES[profile].paper_mm, 2) == spine_mm


def test_ean13_and_its_price_add_on_follow_the_gs1_tables():
    assert isbn13("0-306-40615-2") == "9780306406157"  # ISBN-10 to 13, new check digit
    modules = ean13_modules("9780306406157")
    assert len(modules) == 95 and modules[:3] == modules[-3:] == "101"
    assert modules[45:50] == "01010"
    assert ean5_modules("51499").startswith("1011") and len(ean5_modules("51499")) == 47


@pytest.fixture(scope="module")
def kdp_book(tmp_path_factory):
    return built_book(tmp_path_factory.mktemp("kdp"), {"one.md": CHAPTER},
                      press_extra("kdp-cream"))


def press_extra(profile: str) -> str:
    """book.toml's lines for a book sent to `profile`'s printer, with a barcode."""
    return (f'description = "A small book for the press."\nisbn = {{ print = "{ISBN}" }}\n\n'
            f'[print]\nprofile = "{profile}"\nprice = "51499"\n')


def test_the_cover_barcode_reads_back_as_the_isbn_and_price(kdp_book):
    out, _ = kdp_book
    assert read_barcode(out / "small-book-cover.pdf") == "978030640615751499"


def test_the_isbn_is_printed_hyphenated_by_its_ranges_on_imprint_and_barcode(kdp_book):
    import zipfile

    out, _ = kdp_book
    with zipfile.ZipFile(out / "small-book.epub") as epub:
        imprint = epub.read("EPUB/imprint.xhtml").decode()
        opf = epub.read("EPUB/content.opf").decode()
    assert "ISBN 978-0-306-40615-7 (print)" in imprint and "9780306406157" not in imprint
    with pypdfium2.PdfDocument(out / "small-book-cover.pdf") as doc:
        text = doc[0].get_textpage().get_text_bounded()
    assert "ISBN 978-0-306-40615-7" in text
    assert "urn:isbn:9780306406157" in opf  # identifiers stay bare, as URNs are written


def test_isbn_hyphens_follow_each_agencys_ranges():
    from toolchain.read.manuscript import isbn_hyphenated

    assert isbn_hyphenated("9783161484100") == "978-3-16-148410-0"  # German group, 2-digit
    assert isbn_hyphenated("0-306-40615-2") == "978-0-306-40615-7"  # ISBN-10 made 13
    assert isbn_hyphenated("978 2 07 036822 8") == "978-2-07-036822-8"  # French, spaces typed


def test_the_cover_wrap_has_back_spine_and_front_with_bleed_and_marks(kdp_book):
    out, report = kdp_book
    pages = report["press"]["pages"]
    assert pages % 2 == 0 and report["press"]["profile"] == "kdp-cream"
    with pikepdf.open(out / "small-book-cover.pdf") as pdf:
        page = pdf.pages[0]
        trim = [float(v) / MM for v in page.obj.TrimBox]
        bleed = [float(v) / MM for v in page.obj.BleedBox]
        media = [float(v) / MM for v in page.obj.MediaBox]
    spine = pages * 0.0025 * 25.4
    assert trim[2] - trim[0] == pytest.approx(2 * 138 + spine, abs=0.05)
    assert trim[3] - trim[1] == pytest.approx(216, abs=0.05)
    assert trim[0] - bleed[0] == pytest.approx(3.175, abs=0.01)  # KDP's 0.125 in
    assert bleed[0] - media[0] == pytest.approx(10, abs=0.01)  # the slug, for the marks
    doc = pypdfium2.PdfDocument(out / "small-book-cover.pdf")
    image = doc[0].render(scale=150 / 72).to_pil().convert("L")
    doc.close()
    px = 150 / 25.4  # pixels a millimetre
    fold = (10 + 3.175 + 138) * px  # the spine's left edge: slug, bleed, back panel
    above = image.crop((round(fold) - 2, 0, round(fold) + 3, round(9.5 * px)))
    assert sum(above.histogram()[:128]) > 10  # a fold mark in the slug above the spine
    gap = image.crop((round(fold) - 2, round(9.6 * px), round(fold) + 3, round(9.95 * px)))
    assert sum(gap.histogram()[:128]) == 0  # the mark stops short of the bleed


def test_preflight_passes_the_kdp_files(kdp_book):
    out, report = kdp_book
    problems, rows = preflight(out, report)
    verdicts = {what: verdict for what, _, verdict in rows}
    assert problems == []
    assert verdicts["cover barcode"] == "ok" and verdicts["cover spine width"] == "ok"
    assert verdicts["page count"] == "ok" and verdicts["interior bleed"] == "ok"
    assert verdicts["cover colour"] == "ok"  # KDP takes RGB


def test_the_press_files_are_pdf_x4_for_the_profiles_printing_condition(kdp_book):
    """Interior and cover name the printing condition (KDP's uncoated paper: FOGRA29) with a
    CMYK output profile, identify as PDF/X-4, and tag RGB as sRGB on every page."""
    out, report = kdp_book
    ids = set()
    for name in ("small-book-print.pdf", "small-book-cover.pdf"):
        with pikepdf.open(out / name) as pdf:
            (intent,) = pdf.Root.OutputIntents
            assert intent.S == "/GTS_PDFX" and intent.OutputConditionIdentifier == "FOGRA29"
            assert intent.RegistryName == "http://www.color.org"
            icc = intent.DestOutputProfile
            assert icc.N == 4 and icc.read_bytes()[12:20] == b"prtrCMYK"
            assert icc.read_bytes() == (ROOT / "styles" / "icc" / "FOGRA29L.icc").read_bytes()
            with pdf.open_metadata() as meta:
                assert meta["pdfxid:GTS_PDFXVersion"] == "PDF/X-4"
                assert meta["pdf:Trapped"] == "False" and meta["dc:title"]
                ids.add(meta["xmpMM:DocumentID"])
            assert pdf.trailer.Info.Trapped == "/False" and str(pdf.trailer.Info.Title)
            assert pdf.pdf_version == "1.6"  # PDF/X-4 is based on PDF 1.6
            for page in pdf.pages:
                (kind, profile) = page.obj.Resources.ColorSpace.DefaultRGB
                assert kind == "/ICCBased" and profile.N == 3
    assert len(ids) == 2  # each file its own document
    rows = {what: (found, verdict) for what, found, verdict in preflight(out, report)[1]}
    assert rows["PDF/X-4 and output intent"][1] == "ok"
    assert rows["cover PDF/X-4 and output intent"][1] == "ok"


def test_preflight_fails_a_press_file_without_its_output_intent(kdp_book, tmp_path):
    out, report = kdp_book
    copy = tmp_path / "copy"
    copy.mkdir()
    with pikepdf.open(out / "small-book-print.pdf") as pdf:
        del pdf.Root["/OutputIntents"]
        pdf.save(copy / "small-book-print.pdf")
    (copy / "small-book-cover.pdf").write_bytes((out / "small-book-cover.pdf").read_bytes())
    problems, _ = preflight(copy, report)
    assert [p.message for p in problems] == [
        "preflight: PDF/X-4 and output intent: not one PDF/X output intent"]


def test_preflight_fails_a_spine_made_for_other_pages(kdp_book, tmp_path):
    """An interior with more pages than the cover was made for: the spine is too narrow."""
    out, report = kdp_book
    with pikepdf.open(out / "small-book-print.pdf") as pdf:
        for _ in range(20):
            pdf.add_blank_page(page_size=(float(pdf.pages[0].obj.TrimBox[2]),
                                          float(pdf.pages[0].obj.TrimBox[3])))
        copy = tmp_path / "copy"
        copy.mkdir()
        pdf.save(copy / "small-book-print.pdf")
    (copy / "small-book-cover.pdf").write_bytes((out / "small-book-cover.pdf").read_bytes())
    problems, rows = preflight(copy, report)
    assert any("cover spine width" in p.message for p in problems)


def test_the_profile_on_the_command_line_overrides_book_toml(tmp_path):
    manuscript = make_book(tmp_path / "m", {"one.md": CHAPTER})
    report = build(manuscript, tmp_path / "dist", ROOT / "styles", stream=io.StringIO(),
                   profile="kdp-white")
    assert report["press"]["profile"] == "kdp-white" and report["press"]["pages"] % 2 == 0
    with pytest.raises(BuildError, match="no printer profile 'lulu'"):
        build(manuscript, tmp_path / "dist2", ROOT / "styles", stream=io.StringIO(),
              profile="lulu")


def test_a_wrong_isbn_or_price_is_an_error_naming_its_line(tmp_path):
    for extra, message in (('isbn = { print = "978-0-306-40615-8" }\n', "not a valid ISBN"),
                           ('[print]\nprice = "14.99"\n', "is not allowed")):
        manuscript = make_book(tmp_path / extra[:5].strip(), {"one.md": "# One\n\nText.\n"},
                               extra=extra)
        with pytest.raises(BuildError, match=message):
            read_book(manuscript)


FIGURES = """# One

A line of the book, before its figures.

![Shapes in colour, one half transparent](images/shapes.png "Shapes in colour.")

![Lines drawn in red and blue](images/lines.svg "Lines drawn as vectors.")

![A photograph-like gradient of colour](images/photo.jpg "A JPEG in RGB.")

![A grey wash, half transparent](images/grey.png "Grey with an alpha channel.")

A line after them.
"""


def colour_figures(folder):
    from PIL import Image, ImageDraw

    folder.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGBA", (1500, 1000), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle([80, 80, 700, 900], fill=(200, 20, 20, 255))
    draw.ellipse([800, 150, 1400, 850], fill=(0, 0, 0, 255))  # rich black: over 240 % as CMYK
    draw.rectangle([500, 400, 1100, 600], fill=(20, 60, 200, 128))
    image.save(folder / "shapes.png")
    photo = Image.new("RGB", (900, 600))
    photo.putdata([(x * 255 // 900, y * 255 // 600, 120) for y in range(600) for x in range(900)])
    photo.save(folder / "photo.jpg", quality=90)
    grey = Image.new("LA", (600, 400), (90, 0))
    ImageDraw.Draw(grey).rectangle([100, 100, 500, 300], fill=(40, 160))
    grey.save(folder / "grey.png")
    (folder / "lines.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200" viewBox="0 0 300 200">'
        '<path d="M10 10L290 190" stroke="#c01010" stroke-width="6"/>'
        '<rect x="150" y="20" width="100" height="60" fill="#1030c0"/></svg>')


@pytest.fixture(scope="module")
def ingram_book(tmp_path_factory):
    return built_book(tmp_path_factory.mktemp("ingram"), {"one.md": FIGURES},
                      press_extra("ingramspark-creme"),
                      lambda manuscript: colour_figures(manuscript / "chapters" / "images"))


def test_ingramspark_gets_pdf_x1a_every_property_measured(ingram_book):
    """IngramSpark's check refuses anything but PDF/X-1a:2001: each property, read back from
    both press files."""
    from toolchain.check.preflight import x1a_facts

    out, report = ingram_book
    assert report["press"]["pdf_x"] == "PDF/X-1a:2001"
    assert report["press"]["converted"]["images"] >= 1
    for name in ("small-book-print.pdf", "small-book-cover.pdf"):
        facts = x1a_facts(out / name)
        assert {k: v for k, v in facts.items() if k not in ("ink", "condition")} == {
            "identification": "", "structure": "", "colour": "", "transparency": ""}, name
        assert facts["ink"] <= 240.5 and facts["condition"] == "FOGRA29"
        with pikepdf.open(out / name) as pdf:
            assert pdf.pdf_version == "1.3" and "/Metadata" not in pdf.Root
            assert pdf.trailer.Info.GTS_PDFXConformance == "PDF/X-1a:2001"
    with pikepdf.open(out / "small-book-print.pdf") as pdf:
        images = [x for page in pdf.pages for x in page.obj.Resources.get("/XObject", {}).values()
                  if x.get("/Subtype") == "/Image"]
        assert images and all(x.ColorSpace in ("/DeviceCMYK", "/DeviceGray") for x in images)
        assert {str(x.ColorSpace) for x in images} == {"/DeviceCMYK", "/DeviceGray"}  # grey
        # stays grey: one ink
    problems, rows = preflight(out, report)
    assert problems == [], [p.message for p in problems]
    verdicts = {what: verdict for what, _, verdict in rows}
    assert verdicts["total ink"] == verdicts["cover total ink"] == "ok"
    assert verdicts["cover barcode"] == "ok"  # still scans once CMYK


def test_the_x1a_pages_look_as_the_screen_pages_do(ingram_book):
    """The conversion changes colours' encoding, not the page: rendered, each print page
    within its trim is the screen page, grey for grey (CMYK through the profile shifts
    colours a little; the text, redrawn from bare CFF fonts, does not move)."""
    from PIL import ImageChops, ImageStat

    out, report = ingram_book
    screen = pypdfium2.PdfDocument(out / "small-book.pdf")
    press = pypdfium2.PdfDocument(out / "small-book-print.pdf")
    offset = (10 + PROFILES["ingramspark-creme"].bleed_mm) * 100 / 25.4  # slug and bleed
    worst = 0.0
    for k in range(len(screen)):
        a = screen[k].render(scale=100 / 72).to_pil().convert("L")
        b = press[k].render(scale=100 / 72).to_pil().convert("L")
        b = b.crop((round(offset), round(offset), round(offset) + a.width,
                    round(offset) + a.height))
        worst = max(worst, ImageStat.Stat(ImageChops.difference(a, b)).mean[0])
        assert screen[k].get_textpage().get_text_bounded() == \
            press[k].get_textpage().get_text_bounded()
    screen.close()
    press.close()
    assert worst < 6, worst


def test_transparency_x1a_cannot_carry_is_an_error_naming_the_page(tmp_path):
    manuscript = make_book(tmp_path / "m", {"one.md": "# One\n\n![A faint box](images/f.svg "
                                            '"A faint box.")\n'},
                           extra='[print]\nprofile = "ingramspark-creme"\n')
    (manuscript / "chapters" / "images").mkdir()
    (manuscript / "chapters" / "images" / "f.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200" viewBox="0 0 300 200">'
        '<rect width="300" height="200" fill="#1030c0" opacity="0.4"/></svg>')
    with pytest.raises(BuildError) as caught:
        build(manuscript, tmp_path / "dist", ROOT / "styles", stream=io.StringIO())
    problem = caught.value.problems[0]
    assert problem.code == "P053" and "page" in problem.message and "opaque" in problem.message
    assert "PDF/X-4" in problem.hint and not (tmp_path / "dist").exists()


def test_an_offset_book_may_ask_for_x1a(tmp_path):
    manuscript = make_book(tmp_path / "m", {"one.md": CHAPTER},
                           extra='[print]\nprofile = "offset"\nstandard = "PDF/X-1a:2001"\n')
    report = build(manuscript, tmp_path / "dist", ROOT / "styles", stream=io.StringIO())
    assert report["press"]["pdf_x"] == "PDF/X-1a:2001"
    with pikepdf.open(tmp_path / "dist" / "small-book-print.pdf") as pdf:
        assert pdf.pdf_version == "1.3" and pdf.Root.OutputIntents[0].OutputConditionIdentifier \
            == "FOGRA39"


GREY_WHOLE = re.compile(rb"(?<![\w.])(\d*\.?\d+) \1 \1 (rg|RG)(?![\w])")
RGB_WHOLE = re.compile(rb"(?<![\w.])([\d.]+) ([\d.]+) ([\d.]+) (?:rg|RG)(?![\w])")
TOKENS = [b"0", b"0.5", b".5", b"1", b"1.0", b"10", b"0.", b"..5", b"a.5", b"_1", b"9" * 70,
          b"rg", b"RG", b"rgb", b"g", b"q", b"(a)", b"<00a1>", b"\n", b"", b"0 0 0",
          b"0.2 0.2 0.2", b"1 0 0"]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=14),
       st.lists(st.sampled_from([b" ", b"  ", b"\n", b""]), min_size=14, max_size=14))
def test_grey_is_found_before_each_operator_as_a_pattern_over_the_whole_stream_finds_it(
        tokens, gaps):
    """`press.grey_as_gray` finds each colour operator and reads its operands before it; a
    stream comes out as the one pattern tried at every byte of it made it (and the colours
    left the same), whatever the spacing, numbers cut short or too long."""
    data = b"".join(token + gap for token, gap in zip(tokens, gaps, strict=False))
    grey = GREY_WHOLE.sub(lambda f: f[1] + (b" g" if f[2] == b"rg" else b" G"), data)
    left = {"rgb(" + ", ".join(v.decode() for v in found) + ")"
            for found in RGB_WHOLE.findall(grey)}
    assert press.grey_as_gray(data) == (grey, left)
