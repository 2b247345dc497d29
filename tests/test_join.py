"""The book written in parts, one per division, and joined (write/pdf/join.py): the same
book as the one PDF written whole, to a reader, a screen reader and a search."""

from __future__ import annotations

import functools
import hashlib
import io
import os
import tempfile
from pathlib import Path

import pikepdf
import pypdfium2
import pytest
from conftest import make_book
from hypothesis import HealthCheck, given, settings
from test_whole_books import LONG, books, write_files

from toolchain.build import Pipeline, build_date
from toolchain.reporting import StreamReporter
from toolchain.typeset.facts import folios
from toolchain.typeset.pages import division
from toolchain.typeset.weasy import page_box
from toolchain.write import pdf
from toolchain.write.pdf import join, writing
from toolchain.write.pdf.laying_out import division_alone

ROOT = Path(__file__).resolve().parents[1]
BOOKS = {"the title": ROOT / "manuscript",  # contents, notes, an index, a colophon
         "fuzz book 05": ROOT / "tests" / "data" / "fuzz" / "book-05",  # figures, tables
         "names not in ASCII": None}  # made below: a page reference to `#straße`, and
NAMED = {  # arrows in both chapters, from the styles' TrueType face (the others are CFF)
    "01-one.md": "# One\n\nThe [Straße]{#straße} runs by the quay ⇒ east ∴.\n",
    "02-two.md": "# Two\n\nThe Straße ∴ ⇒ is on [p. #](#straße); [a lane]{#gasse-ä} too.\n"}


def laid_out(name: str, out: Path):
    """The book laid out as the build lays it out, and written whole into `out` as the
    build writes it: (the Layout, the book, the PDF)."""
    manuscript = BOOKS[name] or make_book(out / "m", NAMED)
    pipeline = Pipeline(manuscript, ROOT / "styles", out, build_date(manuscript)[0],
                        StreamReporter(io.StringIO()))
    book = pipeline.read()
    layout = whole_layout(pipeline, book)
    writing.write_layout(layout, book.meta, out / "whole.pdf")
    return layout, book, out / "whole.pdf"


def whole_layout(pipeline: Pipeline, book):
    """The book laid out whole, as a build without a cache lays it out (a pdf.Layout)."""
    docs = pipeline.write_xhtml(book)
    return pdf.layout(book, docs, pipeline.date, pipeline.styles, pipeline.manuscript,
                      pipeline.images)


def joined(layout, book, target: Path) -> int:
    """The laid-out book written a part per division and joined into `target` (twice, the
    same bytes); the number of parts."""
    identifier = hashlib.sha256(book.meta["identifier"].encode()).hexdigest()[:32].encode()
    document = layout.document
    parts = [join.write_part(document, numbers, identifier)[0]
             for numbers in join.division_parts(document.pages)]
    join.join(parts, folios(document.pages), target)
    again = target.with_suffix(".again.pdf")
    join.join(parts, folios(document.pages), again)
    assert again.read_bytes() == target.read_bytes()  # reproducible
    return len(parts)


def texts(path: Path) -> list[str]:
    pages = pypdfium2.PdfDocument(path)
    return [pages[k].get_textpage().get_text_range() for k in range(len(pages))]


def reading(path: Path) -> dict:
    """What a reader gets from a PDF: each page's text, where each named destination, link
    and outline entry leads (page and place), the page labels, the tags."""
    pdf = pikepdf.open(path)
    number = {page.objgen: k for k, page in enumerate(pdf.pages)}

    def place(destination):
        return number[destination[0].objgen], [round(float(x), 2) for x in destination[2:4]]

    names = {str(k): place(v) for k, v in pikepdf.NameTree(pdf.Root.Names.Dests).items()}
    keys = [bytes(k) for k in pdf.Root.Names.Dests.Names[::2]]  # as written: the links'
    dangling = [bytes(a.Dest) for page in pdf.pages for a in page.obj.get("/Annots", [])
                if "/Dest" in a and bytes(a.Dest) not in keys]  # /Dest strings must match
    links = [(k, [round(float(x), 2) for x in a.Rect], str(a.get("/Dest")),
              names.get(str(a.get("/Dest"))), str(a.get("/A", {}).get("/URI")))
             for k, page in enumerate(pdf.pages) for a in page.obj.get("/Annots", [])]
    outline = []
    with pdf.open_outline() as tree:
        def walk(items, depth):
            for item in items:
                outline.append((depth, item.title, place(item.destination)))
                walk(item.children, depth + 1)
        walk(tree.root, 0)
    return {"text": texts(path), "dangling": dangling, "sorted": keys == sorted(keys),
            "names": names, "links": links, "outline": outline,
            "labels": repr(list(pdf.Root.PageLabels.Nums)), "lang": str(pdf.Root.Lang),
            "info": {str(k): str(v) for k, v in pdf.docinfo.items()},
            "tags": tags(pdf, number)}


def tags(pdf, number: dict) -> tuple[int, list[str]]:
    """The number of structure elements under the one Document element (the joined book's
    divisions, each a /Part of it, not counted), and what is wrong
    with the parent tree: a page's or a link's key missing, or naming elements of another
    page or another annotation, or an element whose parent is not the one above it."""
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    tree = {int(nums[k]): nums[k + 1] for k in range(0, len(nums), 2)}
    wrong = [] if len(tree) * 2 == len(nums) else ["a key twice in the parent tree"]
    for k, page in enumerate(pdf.pages):
        elements = tree.get(int(page.obj.get("/StructParents", -1)))
        for element in elements if isinstance(elements, pikepdf.Array) else [None]:
            if not isinstance(element, pikepdf.Dictionary) or element.Pg.objgen != page.objgen:
                wrong.append(f"page {k}: its marked content's element is not of this page")
                break
        for annotation in page.obj.get("/Annots", []):
            element = tree.get(int(annotation.get("/StructParent", -1)))
            kids = [] if element is None else element.K if isinstance(
                element.K, pikepdf.Array) else [element.K]
            if not any(isinstance(x, pikepdf.Dictionary) and x.get("/Type") == "/OBJR" and
                       x.Obj.objgen == annotation.objgen for x in kids):
                wrong.append(f"page {k}: a link not in the tags")

    def count(element, parent) -> int:
        if parent is not None and element.P.objgen != parent.objgen:
            wrong.append(f"{element.S}: its parent is not the element above it")
        kids = element.get("/K")
        kids = kids if isinstance(kids, pikepdf.Array) else [kids]
        return (element.S != "/Part") + sum(count(kid, element) for kid in kids
                                            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid)

    root = pdf.Root.StructTreeRoot.K
    assert len(root) == 1 and root[0].S == "/Document"
    return count(root[0], None), wrong


def divisions_tagged(path: Path) -> list[str]:
    """The kinds of the elements under the joined book's Document; and that every element
    of the file (those of the page margins too, which are in no element's kids) has a
    parent that is the book's Document or under it: no part's own root or parent tree
    copied with it."""
    with pikepdf.open(path) as pdf:
        root = pdf.Root.StructTreeRoot
        document = root.K[0]
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/StructTreeRoot":
                assert obj.objgen == root.objgen, "a part's root copied"
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/StructElem":
                up = obj
                while up.objgen != document.objgen:
                    assert up.P.objgen != root.objgen, f"{obj.S} outside the book's Document"
                    up = up.P
                assert obj.S != "/NonStruct" or len(obj.get("/K", [])) > 0, "an empty element"
        return [str(kid.S) for kid in document.K]


def faces(path: Path) -> dict[str, int]:
    """How many font objects each face has in the file."""
    found: dict[str, set] = {}
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for font in page.obj.Resources.get("/Font", {}).values():
                found.setdefault(str(font.BaseFont), set()).add(font.objgen)
    return {name: len(objects) for name, objects in found.items()}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BOOKS))
def test_a_book_in_parts_and_joined_and_each_division_alone_are_the_book_whole(name, tmp_path):
    """Laid out once (a layout is the costly part): the book written a part per division
    and joined reads and draws as the book written whole; and each division laid out alone
    has the book's pages (`check_divisions_alone`)."""
    layout, book, whole = laid_out(name, tmp_path)
    count = joined(layout, book, tmp_path / "joined.pdf")
    assert count >= 4
    joined_pdf = tmp_path / "joined.pdf"
    assert divisions_tagged(joined_pdf) == ["/Part"] * count
    expected, got = reading(whole), reading(joined_pdf)
    assert got.pop("sorted")  # the names in their bytes' order, as PDF's name trees need
    expected.pop("sorted")  # (WeasyPrint sorts them as Python strings: not so past ASCII)
    for key in expected:
        assert got[key] == expected[key], key
    assert got["dangling"] == []
    assert got["tags"][0] > 50 and got["tags"][1] == []
    assert any(link[3] is not None and link[3][0] != link[0] for link in got["links"])
    # each face embedded once (the parts' subsets made one), the file hardly larger
    assert set(faces(joined_pdf).values()) == {1}
    assert faces(joined_pdf).keys() == faces(whole).keys()
    if BOOKS[name] is None:
        assert any("Symbols" in face for face in faces(joined_pdf))
    assert joined_pdf.stat().st_size <= 1.05 * whole.stat().st_size
    drawn = pypdfium2.PdfDocument(whole), pypdfium2.PdfDocument(joined_pdf)
    for k in range(len(drawn[0])):  # every glyph of the merged fonts drawn as before
        assert drawn[0][k].render(scale=0.5).to_pil().tobytes() == \
            drawn[1][k].render(scale=0.5).to_pil().tobytes(), f"page {k + 1}"
    check_divisions_alone(layout, book, whole, tmp_path)


def check_divisions_alone(layout, book, whole: Path, tmp_path: Path) -> None:
    """What laying the divisions out apart rests on: a division laid out alone, from the
    folio it begins on in the book, has the book's pages — the same lines on each, under the
    same running heads, over the same folios (roman in the front matter), on the same sides."""
    in_book = texts(whole)
    divisions: dict[str, list[int]] = {}
    for k, page in enumerate(layout.pages):
        box = page_box(page)
        if not box.page_type.blank and division(box):
            divisions.setdefault(division(box), []).append(k)
    assert len(divisions) >= 4 and any(not folios(layout.pages)[pages[0]].isdigit()
                                       for pages in divisions.values())
    for name, numbers in divisions.items():
        alone = division_alone(layout, name)
        target = tmp_path / f"{name}.pdf"
        writing.write_layout(alone, book.meta, target)
        kept = [k for k, page in enumerate(alone.pages) if not page_box(page).page_type.blank]
        assert [page_box(alone.pages[k]).page_type.side for k in kept] == \
            [page_box(layout.pages[k]).page_type.side for k in numbers], name
        assert [texts(target)[k] for k in kept] == [in_book[k] for k in numbers], name


JOIN_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 60 if LONG else 1))


@settings(max_examples=JOIN_EXAMPLES, deadline=None, derandomize=not LONG, print_blob=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.large_base_example])
@given(books())
def test_generated_books_written_in_parts_and_joined_read_as_written_whole(book):
    """The fuzzer's whole books (every division kind and construct, figures and long notes;
    `HYPOTHESIS_PROFILE=long` makes many), each laid out, written whole and in parts, and
    joined: the same to a reader, page for page."""
    with tempfile.TemporaryDirectory() as tmp:
        manuscript = write_files(book, Path(tmp) / "m")
        pipeline = Pipeline(manuscript, ROOT / "styles", Path(tmp), build_date(manuscript)[0],
                            StreamReporter(io.StringIO()))
        read = pipeline.read()
        layout = whole_layout(pipeline, read)
        whole, target = Path(tmp) / "whole.pdf", Path(tmp) / "joined.pdf"
        writing.write_layout(layout, read.meta, whole)
        joined(layout, read, target)
        expected, got = reading(whole), reading(target)
        assert got.pop("sorted") and got["dangling"] == [] and got["tags"][1] == []
        expected.pop("sorted")
        assert got == expected
        drawn = pypdfium2.PdfDocument(whole), pypdfium2.PdfDocument(target)
        for k in range(len(drawn[0])):
            assert drawn[0][k].render(scale=0.4).to_pil().tobytes() == \
                drawn[1][k].render(scale=0.4).to_pil().tobytes(), f"page {k + 1}"


@functools.cache
def stale_subset(face: str, text: str) -> bytes:
    """A subset of `face` for `text` that still holds the whole font's bounds, and a head box
    that is not the CFF's either: made once for the four ways it is saved (subsetting a whole
    face decompiles its kerning, most of a second each)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(ROOT / "styles" / "fonts" / face, recalcTimestamp=False)
    subsetter = subset.Subsetter(subset.Options(retain_gids=True, notdef_outline=True))
    subsetter.populate(text=text)
    subsetter.subset(font)
    kept = io.BytesIO()
    font.recalcBBoxes = False
    font["head"].xMax += 5
    font.save(kept)
    return kept.getvalue()


@pytest.mark.parametrize("face", ["SourceSerif4-Regular.otf", "SourceSerif4-It.otf",
                                  "DejaVuSans.ttf"])
@pytest.mark.parametrize("text", ["Hello", "A quay at dusk, 1923–27: “Turn back!”", "ſ"])
@pytest.mark.parametrize("loaded", ["", "hmtx", "head", "hmtx head"])
def test_a_merged_face_saved_with_its_bounds_worked_out_once_is_fonttools_own(face, text,
                                                                              loaded):
    """`join.save_font` sets the bounds as fontTools recalculates them when it saves: a
    subset that still holds the whole font's bounds, saved both ways, its widths (and hhea)
    and head loaded or not, gives the same bytes, and the bounds did change."""
    from fontTools.ttLib import TTFont

    kept = stale_subset(face, text)

    def saved(how) -> bytes:
        otf = TTFont(io.BytesIO(kept), recalcTimestamp=False)
        if "CFF " in otf:
            _ = otf["CFF "].cff.topDictIndex[0].CharStrings  # loaded, as the join loads them
        for tag in loaded.split():
            _ = otf[tag]  # the widths (with hhea), as copying a glyph loads them; head
        out = io.BytesIO()
        how(otf, out)
        return out.getvalue()

    theirs = saved(lambda otf, out: otf.save(out))
    assert saved(join.save_font) == theirs
    if face.endswith(".otf"):
        before, after = (TTFont(io.BytesIO(data)) for data in (kept, theirs))
        assert after["hhea"].xMaxExtent != before["hhea"].xMaxExtent or \
            after["CFF "].cff.topDictIndex[0].FontBBox != \
            before["CFF "].cff.topDictIndex[0].FontBBox
