"""The EPUB as a reading system opens it: package, spine, navigation, metadata, notes."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime
from posixpath import dirname, join, normpath

import pytest
from conftest import EPOCH, NS, ROOT, SLUG, text_of, xml

from toolchain.build import build


@pytest.fixture(scope="module")
def opf(epub_zip):
    return xml(epub_zip.read("EPUB/content.opf"))


def resolve(base: str, href: str) -> tuple[str, str]:
    file, _, frag = href.partition("#")
    return (normpath(join(dirname(base), file)) if file else base), frag


def test_zip_layout(epub_zip):
    infos = epub_zip.infolist()
    assert infos[0].filename == "mimetype"
    assert infos[0].compress_type == zipfile.ZIP_STORED
    assert epub_zip.read("mimetype") == b"application/epub+zip"
    assert infos[1].filename == "META-INF/container.xml"
    stamp = datetime.fromtimestamp(int(EPOCH), UTC).timetuple()[:6]
    assert {i.date_time for i in infos} == {stamp}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}


def test_documents_go_in_exactly_as_validated(built, epub_zip):
    for path in (built / "xhtml").glob("*.xhtml"):
        assert epub_zip.read(f"EPUB/{path.name}") == path.read_bytes()


def test_spine_order(opf):
    items = {i.get("id"): i.get("href") for i in opf.xpath("//opf:item", namespaces=NS)}
    spine = [items[r.get("idref")] for r in opf.xpath("//opf:itemref", namespaces=NS)]
    assert spine == ["cover.xhtml", "titlepage.xhtml", "toc.xhtml",
                     "ch-03-german-revolution-of-1923.xhtml", "notes.xhtml", "index.xhtml",
                     "colophon.xhtml"]
    assert not opf.xpath("//opf:itemref[@linear='no']", namespaces=NS)


def test_navigation_toc_and_landmarks(opf, epub_zip):
    nav_item = opf.xpath("//opf:item[@properties='nav']", namespaces=NS)
    assert [i.get("href") for i in nav_item] == ["toc.xhtml"]
    nav = xml(epub_zip.read("EPUB/toc.xhtml"))
    toc = nav.xpath("//h:nav[@epub:type='toc']", namespaces=NS)[0]
    labels = [text_of(a) for a in toc.xpath(".//h:a", namespaces=NS)]
    assert labels == ["3. German revolution of 1923",
                      "The German Revolution and stirrings in Russia",
                      "A Short Sketch of the German Revolution", "The policy of the KPD",
                      "The Collapse of the German Revolution", "Notes", "Index", "Colophon"]
    marks = nav.xpath("//h:nav[@epub:type='landmarks']//h:a", namespaces=NS)
    kinds = {a.get("{http://www.idpf.org/2007/ops}type"): a.get("href") for a in marks}
    assert kinds["bodymatter"] == "ch-03-german-revolution-of-1923.xhtml"
    assert kinds["toc"] == "toc.xhtml"
    assert kinds["index"] == "index.xhtml"
    assert len(nav.xpath("//h:nav[@epub:type='page-list']", namespaces=NS)) == 1  # test_pages
    for a in toc.xpath(".//h:a", namespaces=NS):  # every entry leads somewhere real
        file, frag = resolve("EPUB/toc.xhtml", a.get("href"))
        target = xml(epub_zip.read(file))
        assert not frag or target.xpath("//*[@id=$i]", i=frag)
    assert "EPUB/toc.ncx" in epub_zip.namelist()


def test_metadata(opf):
    def dc(name):
        return [e.text for e in opf.xpath(f"//dc:{name}", namespaces=NS)]

    def meta(prop):
        return [e.text for e in opf.xpath(f"//opf:meta[@property='{prop}']", namespaces=NS)]

    assert opf.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-GB"
    assert dc("title") == ["German revolution of 1923"]
    assert dc("creator") == ["Tony Cliff"]
    assert opf.xpath("//opf:meta[@refines='#creator-1'][@property='role']", namespaces=NS)[0].text \
        == "aut"
    assert dc("language") == ["en-GB"]
    assert dc("identifier") == ["urn:uuid:eb99fc9e-a8ae-57da-956a-14b535b52d12"]
    assert "Bookmarks, London, 1991" in dc("source")[0]
    assert meta("dcterms:modified") == ["2025-11-24T16:00:00Z"]
    assert set(meta("schema:accessMode")) == {"textual", "visual"}
    assert meta("schema:accessModeSufficient") == ["textual"]
    assert "structuralNavigation" in meta("schema:accessibilityFeature")
    assert meta("schema:accessibilityHazard") == ["none"]
    assert meta("schema:accessibilitySummary")[0]
    assert meta("dcterms:conformsTo") == []  # nobody has evaluated it: no claim, and it says so
    assert meta("schema:accessibilitySummary")[0].endswith(
        "It has not been evaluated for conformance to WCAG.")
    assert meta("belongs-to-collection") == [
        "Trotsky: Fighting the rising Stalinist bureaucracy, 1923–1927"]


def test_cover(opf, epub_zip):
    cover = opf.xpath("//opf:item[@properties='cover-image']", namespaces=NS)
    assert [c.get("href") for c in cover] == ["images/cover.png"]
    png = epub_zip.read("EPUB/images/cover.png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    page = xml(epub_zip.read("EPUB/cover.xhtml"))
    img = page.xpath("//h:img", namespaces=NS)[0]
    assert img.get("src") == "images/cover.png"
    assert "German revolution of 1923" in img.get("alt") and "Tony Cliff" in img.get("alt")


def test_the_cover_image_is_drawn_once_a_design_and_again_for_another(epub_zip, tmp_path):
    """A process (a watch) draws a design's cover once: the same metadata and styles give
    the image drawn first; another title, or styles changed, are drawn anew."""
    import shutil

    from toolchain.read import markdown
    from toolchain.write import cover

    meta, styles = markdown.read_book(ROOT / "manuscript").meta, ROOT / "styles"
    first = cover.render_cover(meta, styles)
    assert first == epub_zip.read("EPUB/images/cover.png")
    assert cover.render_cover(dict(meta), styles) is first
    other = cover.render_cover({**meta, "title": "Another title"}, styles)
    assert other != first and other == cover.draw_cover({**meta, "title": "Another title"},
                                                         styles)
    changed = tmp_path / "styles"
    shutil.copytree(styles, changed)
    with (changed / "print.css").open("a", encoding="utf-8") as sheet:
        sheet.write("\n/* changed */\n")
    again = cover.render_cover(meta, changed)
    assert again is not first and again == first  # drawn anew; a comment draws the same


def test_every_note_call_resolves_to_its_note_and_back(epub_zip):
    chapter_name = "EPUB/ch-03-german-revolution-of-1923.xhtml"
    chapter = xml(epub_zip.read(chapter_name))
    docs = {}
    calls = chapter.xpath("//h:a[@epub:type='noteref']", namespaces=NS)
    assert len(calls) == 27
    kinds = []
    for call in calls:
        assert call.get("role") == "doc-noteref"
        file, frag = resolve(chapter_name, call.get("href"))
        doc = docs.setdefault(file, xml(epub_zip.read(file)))
        note = doc.xpath("//*[@id=$i]", i=frag)[0]
        kind = note.get("{http://www.idpf.org/2007/ops}type")
        kinds.append(kind)
        if kind == "footnote":  # pops up where it is called: same file, an aside after it
            assert file == chapter_name and note.tag.endswith("aside")
            assert note.get("role") == "doc-footnote"
        assert note.get("role") != "doc-endnote"
        back = note.xpath(".//h:a[@role='doc-backlink']", namespaces=NS)[0]
        back_file, back_frag = resolve(file, back.get("href"))
        assert (back_file, back_frag) == (chapter_name, call.get("id"))
    assert kinds.count("footnote") == 2 and kinds.count("endnote") == 25


def test_table_has_fifteen_rows(epub_zip):
    chapter = xml(epub_zip.read("EPUB/ch-03-german-revolution-of-1923.xhtml"))
    assert len(chapter.xpath("//h:table/h:tbody/h:tr", namespaces=NS)) == 15


def test_stylesheet_leaves_the_reader_in_charge(epub_zip):
    css = re.sub(r"/\*.*?\*/", "", epub_zip.read("EPUB/css/book.css").decode(), flags=re.S)
    assert "font-family" not in css
    assert not re.search(r"\d(px|pt)\b", css)
    assert not re.search(r"(^|[\s;{])(color|background(-color)?)\s*:", css)


def test_two_builds_in_different_directories_are_identical(built, tmp_path):
    out = tmp_path / "elsewhere" / "dist"
    build(ROOT / "manuscript", out, ROOT / "styles", stream=io.StringIO(), force=True)
    for name in (f"{SLUG}.epub", f"{SLUG}.pdf", f"{SLUG}-print.pdf", f"{SLUG}-cover.pdf"):
        assert (out / name).read_bytes() == (built / name).read_bytes(), name
