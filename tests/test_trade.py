"""Where the books go after the build: the Kobo edition and the ONIX record, read back from
the built files."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile

import pytest
from conftest import ROOT, SLUG, built_book, make_book

from toolchain import safexml
from toolchain.build import build
from toolchain.check.kobo import kepub_problems
from toolchain.check.onix import onix_problems
from toolchain.errors import BuildError
from toolchain.read.manuscript import read_meta
from toolchain.write.kepub import kobo_document, sentences

ONIX = {"o": "http://ns.editeur.org/onix/3.0/reference"}
XHTML = "http://www.w3.org/1999/xhtml"
TRADE = '''description = "A history of the year the mark fell."
publisher = "Example Press"
subjects = ["Germany", "1923"]
isbn = { print = "9780306406157", ebook = "978-3-16-148410-0" }

[[contributors]]
name = "Erika Muster"
role = "trl"
sort = "Muster, Erika"

[accessibility]
certified_by = "Example Press, accessibility desk"
credential = "a test fixture's evaluator"

[collection]
title = "Revolutions"
position = 2

[trade]
publication_date = 2026-11-20
country = "GB"
bisac = ["HIS014000"]
thema = ["NHD", "3MPBGJ-DE-H"]

[trade.price]
print = { amount = "14.99", currency = "GBP", territory = "GB IE" }
ebook = { amount = "7.99", currency = "USD" }
'''
CHAPTER = """# One

The mark fell. Then it fell again! Did it stop? No.[^1]

| Year | Marks |
|------|------:|
| 1922 | 163 |

[Trotsky]{.index} wrote of it.

[^1]: A note.
"""


@pytest.fixture(scope="module")
def trade_book(tmp_path_factory):
    return built_book(tmp_path_factory.mktemp("trade"), {"one.md": CHAPTER}, TRADE)


def test_the_onix_record_has_one_product_per_edition_from_the_book_and_its_layout(trade_book):
    out, report = trade_book
    assert report["validators"]["small-book.onix.xml"]["onix"].endswith("valid")
    assert onix_problems(out / "small-book.onix.xml") == []
    root = safexml.parse((out / "small-book.onix.xml").read_bytes())
    products = root.findall("o:Product", ONIX)
    assert [p.findtext("o:ProductIdentifier/o:IDValue", namespaces=ONIX) for p in products] \
        == ["9783161484100", "9780306406157"]
    ebook, paperback = products
    assert ebook.findtext(".//o:ProductForm", namespaces=ONIX) == "ED"
    assert ebook.findtext(".//o:ProductFormDetail", namespaces=ONIX) == "E101"
    assert paperback.findtext(".//o:ProductForm", namespaces=ONIX) == "BC"
    pages = report["press"]["pages"]
    assert paperback.findtext(".//o:Extent/o:ExtentValue", namespaces=ONIX) == str(pages)
    width, height = report["press"]["cover"]["trim_mm"]
    measures = {m.findtext("o:MeasureType", namespaces=ONIX): m.findtext("o:Measurement",
                                                                          namespaces=ONIX)
                for m in paperback.findall(".//o:Measure", ONIX)}
    assert measures == {"01": f"{height:.0f}", "02": f"{width:.0f}",
                        "03": f"{report['press']['cover']['spine_mm']:.1f}"}
    roles = [(c.findtext("o:ContributorRole", namespaces=ONIX),
              c.findtext("o:KeyNames", namespaces=ONIX)) for c in
             ebook.findall(".//o:Contributor", ONIX)]
    assert roles == [("A01", None), ("B06", "Muster")]
    assert ebook.findtext(".//o:LanguageCode", namespaces=ONIX) == "eng"
    assert ebook.findtext(".//o:Collection//o:TitleText", namespaces=ONIX) == "Revolutions"
    assert [s.findtext("o:SubjectCode", namespaces=ONIX) for s in
            ebook.findall(".//o:Subject", ONIX)][:3] == ["HIS014000", "NHD", "3MPBGJ-DE-H"]
    assert ebook.findtext(".//o:Text", namespaces=ONIX) == "A history of the year the mark fell."
    assert ebook.findtext(".//o:PublishingDate/o:Date", namespaces=ONIX) == "20261120"
    prices = [(p.findtext(".//o:PriceAmount", namespaces=ONIX),
               p.findtext(".//o:CurrencyCode", namespaces=ONIX),
               p.findtext(".//o:Territory/*", namespaces=ONIX)) for p in products]
    assert prices == [("7.99", "USD", "WORLD"), ("14.99", "GBP", "GB IE")]


def test_the_onix_accessibility_is_the_epubs(trade_book):
    out, _ = trade_book
    root = safexml.parse((out / "small-book.onix.xml").read_bytes())
    ebook = root.find("o:Product", ONIX)
    codes = [f.findtext("o:ProductFormFeatureValue", namespaces=ONIX)
             for f in ebook.findall(".//o:ProductFormFeature", ONIX)]
    with zipfile.ZipFile(out / "small-book.epub") as epub:
        opf = epub.read("EPUB/content.opf").decode()
    assert "EPUB Accessibility 1.1 - WCAG 2.1 Level AA" in opf  # the evaluator's claim
    assert '<meta property="a11y:certifiedBy" id="certifier">Example Press, accessibility desk' \
        in opf and 'refines="#certifier"' in opf
    assert {"04", "81", "85"} <= set(codes)  # the EPUB's conformance claim, as ONIX codes it
    assert {"11", "12", "13", "19", "41"} <= set(codes)  # contents, index, order, page list
    summary = ebook.findtext(".//o:ProductFormFeatureDescription", namespaces=ONIX)
    assert summary and summary in opf.replace("’", "’")


def test_a_damaged_onix_record_fails_its_check(trade_book, tmp_path):
    out, _ = trade_book
    damaged = tmp_path / "damaged.onix.xml"
    text = (out / "small-book.onix.xml").read_text()
    damaged.write_text(text.replace("<ProductComposition>00</ProductComposition>", "", 1))
    problems = onix_problems(damaged)
    assert problems and problems[0].code == "E015" and problems[0].line > 0


@pytest.mark.parametrize("remove, key", [
    ('publisher = "Example Press"\n', "no publisher"),
    ('description = "A history of the year the mark fell."\n', "no description"),
    ('isbn = { print = "9780306406157", ebook = "978-3-16-148410-0" }\n', "no isbn."),
])
def test_trade_without_what_retailers_need_is_an_error(tmp_path, remove, key):
    manuscript = make_book(tmp_path / "m", {"one.md": CHAPTER}, extra=TRADE.replace(remove, ""))
    with pytest.raises(BuildError) as caught:
        read_meta(manuscript / "book.toml")
    problem = caught.value.problems[0]
    assert problem.code == "M131" and key in problem.message
    assert (manuscript / "book.toml").read_text().splitlines()[problem.line - 1] == "[trade]"


@pytest.mark.parametrize("wrong, key", [
    ('country = "GB"', 'country = "UK"'), ('currency = "GBP"', 'currency = "GPB"'),
    ('territory = "GB IE"', 'territory = "GB EI"')])
def test_a_wrong_country_or_currency_is_an_error_not_a_refused_record(tmp_path, wrong, key):
    manuscript = make_book(tmp_path / "m", {"one.md": CHAPTER}, extra=TRADE.replace(wrong, key))
    with pytest.raises(BuildError) as caught:
        read_meta(manuscript / "book.toml")
    problem = caught.value.problems[0]
    assert problem.code == "M131" and "is not an ISO code" in problem.message


def test_no_trade_table_no_onix(built):
    assert not (built / f"{SLUG}.onix.xml").exists()
    assert (built / f"{SLUG}.kepub.epub").is_file()


def test_the_kobo_edition_of_the_first_title(built):
    problems, info = kepub_problems(built / f"{SLUG}.epub", built / f"{SLUG}.kepub.epub")
    assert problems == [] and info["spans"] > 1000
    with zipfile.ZipFile(built / f"{SLUG}.kepub.epub") as kobo:
        chapter = next(n for n in kobo.namelist() if "german-revolution" in n
                       and n.endswith(".xhtml"))
        root = safexml.parse(kobo.read(chapter))
    body = root.find(f"{{{XHTML}}}body")
    assert [d.get("id") for d in body] == ["book-columns"]
    assert body[0][0].get("id") == "book-inner"


def test_sentences_split_as_kobo_splits_them_and_join_back():
    for text in ("The mark fell. Then it fell again! Did it stop? No.", "“No.” Yes. ",
                 "e.g.no split", "Ends here.\n  Next"):
        assert "".join(sentences(text)) == text
    assert sentences("A. B? C") == ["A. ", "B? ", "C"]
    assert sentences("He said “No.” Then.") == ["He said “No.” ", "Then."]


def test_kobo_spans_skip_svg_and_pre_and_hold_images_whole():
    doc = (b'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title></head><body>'
           b'<p>One. Two.</p><pre>code. here</pre>'
           b'<svg xmlns="http://www.w3.org/2000/svg"><text>drawn.</text></svg>'
           b'<p><img src="a.png" alt="a"/> after</p><ul><li>item</li></ul></body></html>')
    root = safexml.parse(kobo_document(doc))
    spans = {s.get("id"): "".join(s.itertext()) for s in root.iter(f"{{{XHTML}}}span")}
    assert spans == {"kobo.1.1": "One. ", "kobo.1.2": "Two.", "kobo.2.1": "",
                     "kobo.2.2": " after", "kobo.3.1": "item"}
    assert root.find(f".//{{{XHTML}}}span[@id='kobo.2.1']/{{{XHTML}}}img") is not None
    assert root.find(f".//{{{XHTML}}}pre").text == "code. here"
    assert kobo_document(kobo_document(doc)) == kobo_document(doc)  # spanned once only


def test_calibre_reads_the_kobo_edition(built):
    if not shutil.which("ebook-meta"):
        pytest.skip("calibre's ebook-meta is not installed (apt-get install calibre)")
    shown = subprocess.run(["ebook-meta", str(built / f"{SLUG}.kepub.epub")],
                           capture_output=True, text=True, timeout=120, check=True).stdout
    assert "German revolution of 1923" in shown and "Tony Cliff" in shown


@pytest.fixture(scope="module")
def title_for_the_trade(tmp_path_factory):
    """The first title as a press sends it out: an ebook and a print ISBN typed bare (the
    standards' examples, not real editions), a publisher, a [trade] table, printed by
    IngramSpark (PDF/X-1a:2001)."""
    import shutil

    root = tmp_path_factory.mktemp("trade-title")
    manuscript = root / "manuscript"
    shutil.copytree(ROOT / "manuscript", manuscript)
    toml = manuscript / "book.toml"
    text = toml.read_text(encoding="utf-8")
    assert "[print]" not in text and "isbn" not in text
    toml.write_text(text.replace("\n[", '\nisbn = { ebook = "9783161484100", print = '
                                 '"9780306406157" }\npublisher = "Example Press"  # a test\'s'
                                 '\n\n[', 1)
                    + '\n[trade]\npublication_date = "2026-12-01"\n\n[print]\n'
                    'profile = "ingramspark-creme"\n', encoding="utf-8")
    out = root / "dist"
    report = build(manuscript, out, ROOT / "styles", stream=io.StringIO(), force=True)
    return out, report


def test_the_first_title_for_ingramspark_is_pdf_x1a_in_every_property(title_for_the_trade):
    from toolchain.check.preflight import preflight, x1a_facts

    out, report = title_for_the_trade
    for name in (f"{SLUG}-print.pdf", f"{SLUG}-cover.pdf"):
        facts = x1a_facts(out / name)
        assert [facts[k] for k in ("identification", "structure", "colour", "transparency")] \
            == ["", "", "", ""], (name, facts)
        assert facts["ink"] <= 240.5, name
    problems, rows = preflight(out, report)
    assert problems == [] and all(verdict != "fail" for _, _, verdict in rows)


def test_the_first_title_with_isbns_gives_a_kepub_an_onix_and_hyphenated_isbns(
        title_for_the_trade):
    out, report = title_for_the_trade
    assert kepub_problems(out / f"{SLUG}.epub", out / f"{SLUG}.kepub.epub")[0] == []
    assert report["validators"]["epubcheck_kepub"]["nError"] == 0
    assert onix_problems(out / f"{SLUG}.onix.xml") == []
    root = safexml.parse((out / f"{SLUG}.onix.xml").read_bytes())
    assert [p.findtext("o:ProductIdentifier/o:IDValue", namespaces=ONIX)
            for p in root.findall("o:Product", ONIX)] == ["9783161484100", "9780306406157"]
    with zipfile.ZipFile(out / f"{SLUG}.epub") as epub:
        imprint = epub.read("EPUB/imprint.xhtml").decode()
    assert "978-3-16-148410-0" in imprint and "978-0-306-40615-7" in imprint
    import pypdfium2

    with pypdfium2.PdfDocument(out / f"{SLUG}.pdf") as pdf:  # the print edition's imprint
        printed = " ".join(pdf[k].get_textpage().get_text_bounded() for k in range(4))
    assert "ISBN 978-3-16-148410-0 (ebook)" in printed
    assert "ISBN 978-0-306-40615-7 (print)" in printed


def test_the_kobo_edition_from_kept_documents_is_the_one_made_anew(built, tmp_path,
                                                                      monkeypatch):
    """Each document spanned is kept (the user's cache): the next build spans only the
    documents that changed, and makes the same bytes; a kept file damaged is spanned anew."""
    from toolchain.write import kepub

    epub = (built / f"{SLUG}.epub").read_bytes()
    made = (built / f"{SLUG}.kepub.epub").read_bytes()
    kept = tmp_path / "kepub"
    assert kepub.kepub(epub) == made
    assert kepub.kepub(epub, kept) == made  # the build's own, with its cache
    files = sorted(kept.glob("*.xhtml"))
    assert len(files) == sum(1 for n in zipfile.ZipFile(built / f"{SLUG}.epub").namelist()
                             if n.endswith(".xhtml"))
    spanned, made_anew = kepub.kobo_document, []
    monkeypatch.setattr(kepub, "kobo_document",
                        lambda data: made_anew.append(data) or spanned(data))
    assert kepub.kepub(epub, kept) == made and made_anew == []  # all from the cache
    files[0].write_bytes(files[0].read_bytes()[:-40])  # cut short
    files[1].write_bytes(files[1].read_bytes().replace(b"koboSpan", b"koboSpam", 1))
    assert kepub.kepub(epub, kept) == made and len(made_anew) == 2
