"""The house's rules, as tests: every construct of the model has its method in the writer,
and the model's one walk reaches every node a construct holds, in reading order."""

from __future__ import annotations

import io
import os
import re
from dataclasses import fields, is_dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import ROOT
from hypothesis import event, given, settings
from hypothesis import strategies as st
from lxml import etree

from toolchain import model as m
from toolchain.write.markdown import MarkdownWriter
from toolchain.write.xhtml import Writer as XhtmlWriter

RESOLVED_BEFORE_WRITING = {m.Cite}  # write/citations.py turns each into text and a note


def test_every_model_class_is_a_node_or_a_holder_of_nodes():
    classes = {c for c in vars(m).values() if isinstance(c, type) and is_dataclass(c)
               and c.__module__ == m.__name__}
    holders = {m.Note, m.Chapter, m.Book}
    assert classes == set(m.NODES) | holders, classes ^ (set(m.NODES) | holders)


def test_every_block_and_inline_has_its_xhtml_writer_method():
    missing = [f"block_{c.__name__}" for c in m.BLOCKS
               if not hasattr(XhtmlWriter, f"block_{c.__name__}")]
    missing += [f"inline_{c.__name__}" for c in m.INLINES
                if c not in RESOLVED_BEFORE_WRITING and not hasattr(XhtmlWriter,
                                                                     f"inline_{c.__name__}")]
    assert missing == []


def test_every_block_and_inline_has_its_markdown_writer_method():
    """The Markdown writer writes every construct, a citation as its source among them."""
    missing = [c.__name__ for c in m.BLOCKS if not hasattr(MarkdownWriter, f"block_{c.__name__}")]
    missing += [c.__name__ for c in m.INLINES
                if not hasattr(MarkdownWriter, f"inline_{c.__name__}")]
    assert missing == []


def test_no_reader_writes_a_file():
    """A reader gives the model; the files are written by write/ (import: write/markdown)."""
    package = Path(__file__).resolve().parents[1] / "toolchain" / "read"
    writing = [f"{path.name}:{n}: {line.strip()}" for path in sorted(package.glob("*.py"))
               for n, line in enumerate(path.read_text().splitlines(), 1)
               if re.search(r"\.(write_text|write_bytes|mkdir|touch|unlink|rmdir)\(|"
                            r"open\([^)]*['\"][wax]b?['\"]|shutil\.|os\.(remove|makedirs)",
                            line.split("#")[0])]
    assert writing == []


def texts(node) -> list[str]:
    return [n.text for n in m.walk(node) if isinstance(n, m.Text)]


def test_the_walk_reaches_every_field_that_holds_nodes_in_reading_order():
    table = m.Table(caption=[m.Text("caption")], header=[[m.Text("head")]],
                    rows=[[[m.Styled("em", [m.Text("cell")])], [m.Text("figure")]]],
                    numeric=[False, True], line=1)
    assert texts(table) == ["caption", "head", "cell", "figure"]
    figure = m.Figure(path=Path("x.png"), alt="not a node", caption=[m.Text("caption")],
                      credit=[m.Text("credit")], line=1)
    assert texts(figure) == ["caption", "credit"]
    verse = m.Verse(kind="poem", stanzas=[[m.VerseLine([m.Text("one")], 0, 1)],
                                          [m.VerseLine([m.Text("two")], 1, 2)]], line=1)
    assert texts(verse) == ["one", "two"]
    works = m.References(entries=[("key", [[m.Text("Broué,"), m.Text(" 1971")]])])
    assert texts(works) == ["Broué,", " 1971"]
    listed = m.ListBlock(ordered=True, items=[[m.Para([m.Text("a")], 1)],
                                              [m.Quote([m.Para([m.Text("b")], 2)], 2)]], line=1)
    assert texts(listed) == ["a", "b"]
    for cls in m.NODES:  # and no node holds a field the walk cannot see into
        for spec in fields(cls):
            assert spec.type not in ("dict", "set"), (cls.__name__, spec.name)


def test_weasyprint_is_the_release_its_wall_was_written_against():
    from toolchain.typeset import weasy

    assert weasy.version_problem() is None, weasy.version_problem()


@pytest.mark.parametrize("name", ["SourceSerif4-Regular.otf", "SourceSerif4-It.otf",
                                  "DejaVuSans.ttf"])
def test_fonts_are_subset_by_uharfbuzz_as_weasyprint_subsets_them(name):
    """WeasyPrint's Font.subset is the wall's: HarfBuzz's subsetter from the uharfbuzz wheel,
    as WeasyPrint's HarfBuzz subsetting cuts a font — each glyph used kept at its id, with
    its outline and width, the others before the last emptied, none after it, the layout
    tables dropped."""
    from fontTools.pens.boundsPen import BoundsPen
    from fontTools.ttLib import TTFont
    from weasyprint.pdf import fonts

    from toolchain.typeset.weasy import subset_font, subset_with_uharfbuzz

    assert fonts.Font.subset is subset_with_uharfbuzz
    data = (Path(__file__).resolve().parents[1] / "styles" / "fonts" / name).read_bytes()
    whole = TTFont(io.BytesIO(data))
    used = [3, 17, 40, 41, 42, 68, 120, 300]
    cut = TTFont(io.BytesIO(subset_font(data, 0, used, hinting=False, missing=False)))
    order = whole.getGlyphOrder()
    assert len(cut.getGlyphOrder()) == max(used) + 1
    assert not {"GSUB", "GPOS"} & set(cut.keys()) and {"GSUB", "GPOS"} <= set(whole.keys())
    glyphs, parts = cut.getGlyphSet(), set()
    if "glyf" in whole:  # a composite glyph's parts are kept with it
        todo = [order[gid] for gid in used]
        while todo:
            glyph = whole["glyf"][todo.pop()]
            found = set(glyph.getComponentNames(whole["glyf"])) if glyph.isComposite() else set()
            todo += found - parts
            parts |= found
    for gid in range(max(used) + 1):
        drawn = glyphs[cut.getGlyphOrder()[gid]]
        pen = BoundsPen(glyphs)
        drawn.draw(pen)
        if gid in used:
            source = BoundsPen(whole.getGlyphSet())
            whole.getGlyphSet()[order[gid]].draw(source)
            assert pen.bounds == source.bounds and drawn.width == whole["hmtx"][order[gid]][0]
        elif gid and order[gid] not in parts:
            assert pen.bounds is None, gid  # emptied (the .notdef, 0, is kept)


def test_the_wall_subsets_as_weasyprints_own_harfbuzz_subsetting_does(monkeypatch):
    """The fonts of a document WeasyPrint writes (the book's three faces, and a character
    no font has: the .notdef drawn), each cut by WeasyPrint's own HarfBuzz subsetting (the
    system's libharfbuzz-subset, where installed) and by the wall's, hinted and not: the same
    tables, the same glyphs at the same ids with the same outlines and widths. (The bytes
    differ with HarfBuzz's release.)"""
    from fontTools.pens.boundsPen import BoundsPen
    from fontTools.ttLib import TTFont
    from weasyprint import CSS, HTML
    from weasyprint.pdf import fonts
    from weasyprint.text.fonts import FontConfiguration

    from toolchain.typeset.weasy import subset_font

    if fonts.harfbuzz_subset is None:
        pytest.skip("no system HarfBuzz subsetter to compare with (libharfbuzz-subset0)")
    seen = []

    def both(font, to_unicode, hinting):
        for hinted in (False, True):
            theirs = SimpleNamespace(hb_face=font.hb_face, missing=font.missing,
                                     file_content=font.file_content, family=font.family)
            fonts.Font._harfbuzz_subset(theirs, to_unicode, hinted)
            seen.append((font.family, bool(font.missing), theirs.file_content, subset_font(
                font.file_content, font.index, list(to_unicode), hinted, bool(font.missing))))

    monkeypatch.setattr(fonts.Font, "subset", both)
    faces = ROOT / "styles" / "fonts"
    config = FontConfiguration()
    sheet = CSS(string="".join(
        f"@font-face {{ font-family: T; src: url({(faces / file).as_uri()}); {style} }}"
        for file, style in (("SourceSerif4-Regular.otf", ""),
                            ("SourceSerif4-It.otf", "font-style: italic"),
                            ("SourceSerif4-Semibold.otf", "font-weight: 600")))
        + "body { font-family: T }", font_config=config)
    HTML(string="<p>Quay, <i>ferry</i>, <b>Kirkwall</b> and Müller’s façade 1923 \U0010FFFD</p>"
         ).write_pdf(stylesheets=[sheet], font_config=config)
    assert {missing for _, missing, *_ in seen} == {False, True} and len(seen) == 6
    for family, _, theirs, ours in seen:
        a, b = TTFont(io.BytesIO(theirs)), TTFont(io.BytesIO(ours))
        assert sorted(a.keys()) == sorted(b.keys()) and a.getGlyphOrder() == b.getGlyphOrder()
        for name in a.getGlyphOrder():
            bounds = []
            for font in (a, b):
                pen = BoundsPen(font.getGlyphSet())
                font.getGlyphSet()[name].draw(pen)
                bounds.append((pen.bounds, font["hmtx"][name][0]))
            assert bounds[0] == bounds[1], (family, name)


def test_every_dependency_is_in_the_layout_caches_key_or_shapes_no_bytes():
    """The kept divisions' key holds the release of every library that shapes a build's
    bytes (build.TOOL_VERSIONS); each declared dependency is there or named as shaping none
    (build.BYTES_UNSHAPED), so that a new one is not left out of the key unseen."""
    import tomllib

    from toolchain.build import BYTES_UNSHAPED, TOOL_VERSIONS

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.split(r"[\s;<>=!~\[(]", spec)[0].lower() for spec in declared}
    assert names == set(TOOL_VERSIONS) | set(BYTES_UNSHAPED)
    assert not set(TOOL_VERSIONS) & set(BYTES_UNSHAPED)

INSIDES = re.compile(r"\._[a-z]\w*|from weasyprint\.(formatting_structure|layout|document|"
                     r"text\.line_break|pdf)\b|(weasyprint|pydyf)(\.\w+)+\s*=[^=]")


def test_only_the_wall_touches_weasyprints_insides():
    """Every private name of WeasyPrint and pydyf (underscored attributes, the layout's
    modules, patches) in typeset/weasy.py alone, listed in its docstring."""
    package = Path(__file__).resolve().parents[1] / "toolchain"
    found = [f"{path.relative_to(package)}:{n}: {line.strip()}"
             for path in sorted(package.rglob("*.py")) if path.name != "weasy.py"
             for n, line in enumerate(path.read_text().splitlines(), 1)
             if INSIDES.search(line.split("#")[0]) and not re.search(r"self\._|\b_\w+\s*=",
                                                                      line)]
    assert found == []
    wall = (package / "typeset" / "weasy.py").read_text()
    for name in ("_page_box", "_update_footnote_area", "text_align", "page_references",
                 "line_break", "formatting_structure"):
        assert name in wall.split('"""')[1], name  # named in the docstring's list


def test_only_the_command_line_speaks():
    """The stages report through a reporter (toolchain/reporting.py); only cli.py decides
    that the terminal hears them. Checks return their problems."""
    package = Path(__file__).resolve().parents[1] / "toolchain"
    speaking = [f"{path.relative_to(package)}:{n}" for path in sorted(package.rglob("*.py"))
                if path.name not in ("cli.py", "reporting.py")
                for n, line in enumerate(path.read_text().splitlines(), 1)
                if re.search(r"(?<![\w.])print\(", line.split("#")[0])]
    assert speaking == []


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_a_bar_and_the_time_left_on_a_terminal_and_plain_lines_elsewhere():
    from toolchain.reporting import Steps, StreamReporter, progress_line

    line = progress_line("[5/14] layout            ", 2.0, 3.0, 3.0)
    assert line.startswith("[5/14] layout") and "about 3 s left" in line
    assert line.count("█") == 10 and line.count("░") == 10  # half the build's time gone
    assert progress_line("[1/3] lint  ", 0.4, 0.4, None).endswith("0.4 s")  # no last build
    terminal, log = Terminal(), io.StringIO()
    for stream in (terminal, log):
        reporter = StreamReporter(stream)
        reporter.plan({"lint": 0.2, "layout": 5.0})
        assert reporter.time_left("lint", 0.1) == pytest.approx(5.1)
        Steps(2, reporter).run("lint", lambda: None)
        assert reporter.time_left("layout", 1.0) == pytest.approx(4.0)
    assert "about 5 s left" in terminal.getvalue() and "░" * 20 in terminal.getvalue()
    assert log.getvalue() == "[1/2] lint              done   0.00 s\n"  # a log: plain lines


# --- the document WeasyPrint lays out, made from the toolchain's tree ---------------------

TAGS = ["div", "section", "p", "p", "span", "span", "a", "em", "i", "sup", "br", "img",
        "figure", "figcaption", "blockquote", "ol", "ul", "li", "h1", "h2", "aside", "table"]
INLINE = ["span", "span", "a", "em", "i", "sup", "br", "img"]
RARE = st.sampled_from([False] * 60 + [True])  # now and then, in some trees of a hundred
TEXTS = ["", "", "", "a", " ", "x y", "é\u00a0—", "<&>", "\n"]


@st.composite
def element_trees(draw, depth=0, inline=False):
    """Trees of the elements the print HTML has, nested any way (a table built whole, now
    and then a row loose in it; in a paragraph or a span, mostly what a paragraph holds),
    with now and then a name in capitals, a CR, a tag the parser does not know."""
    tag = draw(st.sampled_from(INLINE if inline and draw(st.integers(0, 9)) else TAGS))
    if draw(RARE):
        tag = draw(st.sampled_from(["button", "svg", "tr", "td", "Span"]))
    attributes = draw(st.dictionaries(st.sampled_from(["class", "id", "data-pos", XML_LANG]),
                                      st.sampled_from(["x", "a b", "1.2", "de"]), max_size=2))
    if draw(RARE):
        attributes[draw(st.sampled_from(["Title", "class"]))] = "\r"
    element = etree.Element(tag, attributes)
    text = draw(st.sampled_from(TEXTS)) + ("\r\n" if draw(RARE) else "")
    if tag == "table":
        body = etree.SubElement(element, "tbody")
        for _ in range(draw(st.integers(1, 2))):
            row = etree.SubElement(body if draw(st.integers(0, 10)) else element, "tr")
            cell = etree.SubElement(row, draw(st.sampled_from(["td", "th"])))
            cell.text = text or None
            if depth < 3:
                cell.extend(draw(st.lists(element_trees(depth + 1), max_size=2)))
        return element
    if tag in ("br", "img"):
        return element
    element.text = text or None
    if depth < 3:
        within = tag in INLINE or tag in ("p", "h1", "h2")
        for child in draw(st.lists(element_trees(depth + 1, within), max_size=3)):
            child.tail = draw(st.sampled_from(TEXTS)) or None
            element.append(child)
    return element


XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@settings(max_examples=12000 if os.environ.get("HYPOTHESIS_PROFILE") == "long" else 100,
          deadline=None)
@given(st.lists(element_trees(), min_size=1, max_size=3))
def test_the_tree_weasyprint_is_given_is_the_one_its_html_parser_would_give(children):
    """`weasy.html_document` makes WeasyPrint's document from the print HTML's own tree (its
    HTML parser, in Python, took a seventh of the layouts); where the parser would build
    another tree from the HTML written out (a block in an open paragraph, a link in a link,
    a row straight in a table, CR, a name in capitals…) it gives None, and the caller has
    the HTML parsed. Any tree it takes is the parser's to the last attribute."""
    import tinyhtml5

    from toolchain.typeset import weasy
    from toolchain.write.pdf.assemble import serialize

    html = etree.Element("html", lang="en")
    etree.SubElement(html, "head")
    etree.SubElement(html[0], "title").text = "T"
    body = etree.SubElement(html, "body")
    body.extend(children)
    made = weasy.html_document(html, "file:///", None)
    event("taken" if made is not None else "parsed")
    if made is None:
        return
    parsed = tinyhtml5.parse(serialize(html), namespace_html_elements=False)

    def shape(e):
        return (e.tag, list(e.attrib.items()), e.text, e.tail, [shape(c) for c in e])
    assert shape(made.etree_element) == shape(parsed), serialize(html)


def test_the_print_trees_of_the_samples_are_made_without_parsing_them(tmp_path):
    """The print HTML of the title and of each sample, its page numbers filled in, and each
    division cut from it as the build lays it out, are trees `weasy.html_document` takes:
    none is written and parsed again (the index's ranges once were in the EPUB's markup)."""
    from conftest import ROOT

    from toolchain.build import Pipeline, build_date
    from toolchain.reporting import StreamReporter
    from toolchain.typeset import weasy
    from toolchain.write import folios
    from toolchain.write.pdf.laying_out import Setting

    for manuscript in [ROOT / "manuscript",
                       *sorted(p.parent for p in (ROOT / "examples").glob("*/book.toml"))]:
        date = build_date(manuscript)[0]
        pipeline = Pipeline(manuscript, ROOT / "styles", tmp_path / manuscript.name, date,
                            StreamReporter(io.StringIO()), cache=False)
        book = pipeline.read()
        setting = Setting(book, pipeline.write_xhtml(book), date, ROOT / "styles", manuscript)
        html = setting.html
        ids = sorted(set(html.xpath("//@id")) | set(setting.placed))
        folios.fill(html, {name: (k // 3, str(k // 3 + 1)) for k, name in enumerate(ids)})
        assert html.xpath("//span[@class='range']") or "index" not in str(manuscript)
        assert weasy.html_document(html, "file:///", None) is not None, manuscript.name
        for division in html.find("body"):
            tree = folios.alone(html, {division.get("id")}, "1", "right")
            assert weasy.html_document(tree, "file:///", None) is not None, division.get("id")


@pytest.mark.parametrize("inside", [
    "<p>a<div>b</div>c</p>",  # a block in an open paragraph: the parser closes the paragraph
    "<p><span>a<ul><li>b</li></ul></span></p>",
    "<p>a<table><tbody><tr><td>b</td></tr></tbody></table></p>",
    '<a href="#x">a<a href="#y">b</a></a>',  # a link in a link
    "<ol><li>a<div><li>b</li></div></li></ol>",  # a list item in a list item
    "<ol><li></li>x</ol>",  # an empty list item, written without its end tag
    "<p><i>a<li>b</li></i></p>",
    "<h1>a<h2>b</h2></h1>",  # a heading in a heading
    "<table><tr><td>a</td></tr></table>",  # a row straight in the table
    "<div><td>a</td></div>",  # a cell outside a table, which the parser drops
    "<table><tbody><tr><td>a</td></tr></tbody>loose</table>",  # text in a table's frame
    '<p Title="x">a</p>',  # a name the parser folds to lower case
])
def test_what_the_html_parser_would_build_otherwise_is_parsed(inside):
    """Each tree the HTML parser would give back changed is refused (and parsed, as before);
    each here is changed by the parser indeed."""
    import tinyhtml5

    from toolchain.typeset import weasy
    from toolchain.write.pdf.assemble import serialize

    html = etree.fromstring(f"<html><head><title>T</title></head><body>{inside}</body></html>")
    assert weasy.html_document(html, "file:///", None) is None

    def shape(e):
        return (e.tag, list(e.attrib.items()), e.text, e.tail, [shape(c) for c in e])
    assert shape(tinyhtml5.parse(serialize(html), namespace_html_elements=False)) != shape(html)
