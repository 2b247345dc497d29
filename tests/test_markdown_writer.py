"""The Markdown writer is the reader run backwards: every sample and test book read, written
as a manuscript folder and read again gives the same model, and builds the same files."""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import pytest
from conftest import ROOT, make_book
from hypothesis import HealthCheck, given, settings
from test_whole_books import books, write_files

from toolchain import model as m
from toolchain.build import build
from toolchain.read.markdown import read_book
from toolchain.write.markdown import write_book

BOOKS = [ROOT / "manuscript", *sorted(p.parent for p in (ROOT / "examples").glob("*/book.toml")),
         ROOT / "tests" / "data" / "citations",
         *sorted(p.parent for p in (ROOT / "tests" / "data").glob("fuzz*/book-*/book.toml"))]
SKIPPED = {"line", "column"}  # where a node stood in its file: not what the book says


def shape(value, root: Path):
    """A model as plain data to compare: paths relative to the manuscript, lines left out."""
    if dataclasses.is_dataclass(value):
        out = {"": type(value).__name__}
        for f in dataclasses.fields(value):
            if f.name in SKIPPED or f.name == "root":
                continue
            item = getattr(value, f.name)
            out[f.name] = item.slug if isinstance(item, m.Chapter) else shape(item, root)
        return out
    if isinstance(value, Path):
        return value.relative_to(root).as_posix() if value.is_relative_to(root) else str(value)
    if isinstance(value, dict):
        return {k: shape(v, root) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [shape(v, root) for v in value]
    if hasattr(value, "path") and hasattr(value, "lines"):  # the bibliography read
        return shape(value.path, root)
    return value


def book_shape(book: m.Book) -> dict:
    return {"meta": book.meta, "chapters": shape(book.chapters, book.root.resolve()),
            "colophon": shape(book.colophon, book.root.resolve()),
            **{key: shape(getattr(book, key), book.root.resolve()) for key in
               ("cover", "frontispiece", "index_references", "bibliography", "citation_style")}}


@pytest.mark.parametrize("root", BOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_written_book_reads_back_the_same(root, tmp_path):
    book = read_book(root)
    write_book(book, tmp_path / "m")
    again = read_book(tmp_path / "m")
    assert book_shape(again) == book_shape(book)


CONSTRUCTS = {"01-all.md": """# Every Construct {notes=footnotes}

A **strong** word, *emphasis*, [a title]{.title}, [ein Wort]{lang=de}, *ein Titel*{.title lang=de},
[small capitals]{.smallcaps}, 1[er]{.sup}, and [[a title in capitals]{.smallcaps}]{.title}.
A line\\
broken by hand, a [link](https://example.org/a_(b)) and [mail](mailto:a@example.org).

## The Quay

[The quay at dusk]{#quay} is marked, as is [Trotsky]{.index} and
[the party]{.index term="Communist Party > Berlin" sort="Party" also="Inflation"} and
[]{.index term="Inflation" range=start}prices[]{.index term="Inflation" range=end}; but
[Müller]{.noindex} is not. See [p. #](#quay), [the section](#the-quay) and [the note](#^1).[^1]

1. First item
2. Second item, with more:

    - a nested item
    - and another

3. Third item

Taken up after a paragraph:

4. Fourth item
5. Fifth item

- Loose item one

    With a second paragraph.

- Loose item two

> A quotation.
>
> ::: verse
> a line of song
> sung at the quay
> :::

::: poem
First line of a poem,
  indented one level,
    and two.

A second stanza.[^2]
:::

::: letter
[Dear Sir,]{.salutation}

[Berlin, 1923]{.dateline}

The letter’s body.

[Yours,]{.valediction}

[A. Writer]{.signature}
:::

Table: Wages, 1923 {.landscape #wages}

| Trade | Marks |
|:---|---:|
| Miners | 1,200 |
| Printers | 900 |

| Left | Centre |
|---|:---:|
| a | b |

![A drawing of a quay](../images/quay.png "The *quay* at dusk"){#figure-quay credit="Photo: A. Keeper"}

* * *

[— A. Speaker]{.attribution}

[^1]: A note of two paragraphs.

    Its second, *unfinished* {.incomplete}

[^2]: A note in a poem.
""", "02-part.md": "# The Second Part {.part}\n"}


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(books())
def test_generated_books_read_back_the_same(tmp_path_factory, book):
    """The fuzzer's whole books (every division kind, notes, citations, verse, tables,
    figures) read, written and read again."""
    tmp = tmp_path_factory.mktemp("book")
    first = read_book(write_files(book, tmp / "manuscript"))
    write_book(first, tmp / "written")
    assert book_shape(read_book(tmp / "written")) == book_shape(first)


def constructs_book(root: Path) -> Path:
    """A book of every construct, with a figure, cover art and a colophon."""
    from PIL import Image

    make_book(root, CONSTRUCTS)
    (root / "images").mkdir()
    Image.new("RGB", (400, 300), "white").save(root / "images" / "quay.png")
    Image.new("RGB", (1200, 1800), (120, 30, 40)).save(root / "cover.jpg", quality=80)
    (root / "colophon.md").write_text("Set in *Garamond* by the [press](https://example.org).\n",
                                      encoding="utf-8")
    with (root / "book.toml").open("a", encoding="utf-8") as toml:
        toml.write('colophon = "colophon.md"\ncover = "cover.jpg"\n'
                   '[index.terms]\n"Keeper, A." = ["A. Keeper"]\n')
    return root


def test_every_construct_reads_back_the_same(tmp_path):
    book = read_book(constructs_book(tmp_path / "src"))
    found = {type(n).__name__ for ch in book.chapters for b in
             [*ch.blocks, *(x for note in ch.notes.values() for x in note.blocks)]
             for n in m.walk(b)}
    assert found >= {c.__name__ for c in m.BLOCKS + m.INLINES} - {"References", "Cite"}
    write_book(book, tmp_path / "m")
    assert book_shape(read_book(tmp_path / "m")) == book_shape(book)


def test_written_book_builds_byte_identical_files(tmp_path):
    """The book of every construct (a figure and cover art among them) written out, in
    another folder, builds the very files its manuscript builds."""
    source = constructs_book(tmp_path / "src")
    write_book(read_book(source), tmp_path / "elsewhere" / "m")
    built = {}
    for root in (source, tmp_path / "elsewhere" / "m"):
        out = root.parent / "dist"
        build(root, out, ROOT / "styles", stream=io.StringIO(), force=True)
        built[root] = {p.name: p.read_bytes() for p in out.iterdir()
                       if p.is_file() and p.suffix != ".json"}
    first, second = built.values()
    assert len(first) >= 5 and first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def test_escapes_what_would_be_read_as_markup(tmp_path):
    """Text that looks like Markdown is written so that it reads back as text."""
    tricky = ["1923. The year began", "# not a heading", "- not a list", "*stars* and _bars_ |",
              "a [bracket] and {braces}", "@trotsky1932 is no citation", "&amp; stays",
              "back\\slash", "<b>not html</b>", ": not a container"]
    chapter = tmp_path / "src" / "chapters" / "01-a.md"
    chapter.parent.mkdir(parents=True)
    chapter.write_text("# A\n\nText.\n", encoding="utf-8")
    (tmp_path / "src" / "book.toml").write_text(
        'title = "T"\nauthor = "A"\nlanguage = "en"\nidentifier = "urn:uuid:'
        '12345678-1234-5678-1234-567812345678"\nslug = "t"\nchapters = ["chapters/01-a.md"]\n',
        encoding="utf-8")
    book = read_book(tmp_path / "src")
    book.chapters[0].blocks = [m.Para([m.Text(text)], 0) for text in tricky] + \
        [m.Para([m.Text("a line"), m.LineBreak(), m.Text("# after a break")], 0)]
    write_book(book, tmp_path / "out")
    again = read_book(tmp_path / "out")
    assert [m.plain_text(p.children) for p in again.chapters[0].blocks] == \
        tricky + ["a line # after a break"]
    assert isinstance(again.chapters[0].blocks[-1].children[1], m.LineBreak)


WORD = sorted((ROOT / "tests" / "data" / "word").glob("*.docx"))
UNREADABLE = {"encrypted.docx", "superscript.docx", "tracked.docx"}  # refused, each its test


@pytest.mark.parametrize("docx", [p for p in WORD if p.name not in UNREADABLE],
                         ids=lambda p: p.name)
def test_word_book_written_reads_back_the_same(docx, tmp_path):
    """A Word manuscript and the Markdown one written from it meet in the same model."""
    from toolchain.read.docx import read_docx

    book, _ = read_docx(docx)
    assert not book.root.exists()  # the Word book's folder is only named, never made
    write_book(book, tmp_path / "m")
    assert book_shape(read_book(tmp_path / "m")) == book_shape(book)


def png() -> bytes:
    from PIL import Image

    data = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(data, "PNG")
    return data.getvalue()


NOTE = '<ol><li id="footnote-1"><p>One.</p></li></ol>'
NOTES = '<ol><li id="footnote-1"><p>One.</p></li><li id="footnote-2"><p>Two.</p></li></ol>'
MAMMOTH = {  # what mammoth makes of Word documents that break a naive writer
    "bold italic": "<p>A <strong><em>very</em></strong> word.</p>",
    "italic poem": "<p><em>Line one<br />line two</em></p>",
    "heading broken": "<h2>Part<br />Two</h2><p>x</p>",
    "trailing break": "<ul><li>item<br /></li></ul><blockquote><p>a<br />b<br /></p></blockquote>",
    "cell broken": "<table><tr><td><p>H</p></td><td><p>K</p></td></tr>"
                   "<tr><td><p>a<br />b</p></td><td><p>c</p></td></tr></table>",
    "image in a link": '<p><a href="https://e.org"><img src="x/image1.png" alt="logo" /></a></p>',
    "image in italics": '<p><em>see <img src="x/image1.png" alt="logo" /></em></p>',
    "image in a cell": '<table><tr><td><p>H</p></td></tr><tr><td><p>'
                       '<img src="x/image1.png" alt="logo" /></p></td></tr></table>',
    "image, break, caption": '<p><img src="x/image1.png" alt="logo" /><br />Figure 1.</p>',
    "alt text": '<p><img src="x/image1.png" alt="IMG_2034 *x* [1]" /></p>',
    "addresses": '<p><a href="https://de.wikipedia.org/wiki/Köln">Köln</a> '
                 '<a href="https://e.org/a b">x</a> Wow!<a href="https://e.org">site</a></p>',
    "dashes": "<p>a</p><p>---</p><p>- b</p><p>1923. c</p><p># d</p>",
    "punctuation at emphasis": "<p>The <em>Guernica’</em>s colours, a<em>“x”</em>.</p>",
    "runs apart": "<p><strong>a</strong><strong>b</strong> <em>c</em><em>d</em>"
                  "<em>\u00a0e\u00a0</em>f</p>",
    "empty table": "<table><tr><td><p></p></td></tr></table><p>x</p>",
    "a table of one row, a call": '<table><tr><td><p>a<sup><a href="#footnote-1">[1]</a></sup>'
                                  '</p></td></tr></table>' + NOTE,
    "italic inside a bold word": "<p><strong>an <em>un</em>likely</strong> and <em>a</em>"
                                 "<strong>b</strong>c, <strong><em>word’</em></strong>s</p>",
    "calls at italics' edges": '<p><em>Title<sup><a href="#footnote-1">[1]</a></sup></em>s and '
                               'x<em><sup><a href="#footnote-2">[2]</a></sup> more</em></p>'
                               + NOTES,
    "a call in a link": '<p><a href="https://e.org">word<sup><a href="#footnote-1">[1]</a>'
                        '</sup></a> on</p>' + NOTE,
    "an image in a note, an empty note": '<p>a<sup><a href="#footnote-1">[1]</a></sup> b'
        '<sup><a href="#footnote-2">[2]</a></sup> c<sup><a href="#footnote-3">[3]</a></sup></p>'
        '<ol><li id="footnote-1"><p>See <img src="x/image1.png" alt="a map" /></p></li>'
        '<li id="footnote-2"><p> </p></li><li id="footnote-3"><p>Three.</p></li></ol>',
    "stray line breaks": "<p>Prose.<br /></p><p>More prose.</p>"
                         "<p><em>line one <br />line two</em></p>",
    "a caption before an empty table": '<p class="caption">Wages</p><table><tr><td><p></p>'
                                       "</td></tr></table><p>x</p>",
    "a list in a cell": "<table><tr><td><p>Fruit</p></td></tr><tr><td><ul><li>apples</li>"
                        "<li>pears</li></ul></td></tr></table>",
}


@pytest.mark.parametrize("html", MAMMOTH.values(), ids=MAMMOTH.keys())
def test_word_constructs_written_read_back_the_same(html, tmp_path):
    """Word's text as mammoth gives it: the model the Word reader makes is written so that
    it reads back the same, every word kept."""
    from lxml import etree

    from toolchain.read.docx import Imported, ModelBuilder

    body = etree.fromstring(f"<body><h1>T</h1>{html}</body>", etree.HTMLParser()).find("body")
    words = re.sub(r"\[\d\]", "", "".join(body.itertext())).split()  # every word mammoth
    # gave, in order (the calls' numbers aside: the book numbers its notes)
    chapter = ModelBuilder(Imported(), "Doc", tmp_path / "src").chapters(body)[0]
    book = m.Book(root=tmp_path / "src", chapters=[chapter], colophon=[],
                  meta={"title": "T", "author": "A", "language": "en", "slug": "t",
                        "identifier": "urn:uuid:12345678-1234-5678-1234-567812345678",
                        "chapters": ["chapters/01-t.md"]},
                  attachments={"images/image1.png": png()})
    write_book(book, tmp_path / "out")
    again = read_book(tmp_path / "out")
    assert book_shape(again)["chapters"] == book_shape(book)["chapters"]
    notes = [b for note in again.chapters[0].notes.values() for b in note.blocks]
    written = [n.text for b in again.chapters[0].blocks + notes for n in m.walk(b)
               if isinstance(n, m.Text)]
    assert "".join("".join(written).split()) == "".join(words)[1:]  # (the title, T, aside)


MARKDOWN = {  # constructs the reader reads that a writer must write back as they were
    "caption with marks": '![x](../images/q.png "Wages \\> 100 (5 \\* 3) [a]"){credit="5 \\* 3"}',
    "verse in a note": "Text.[^1]\n\n[^1]: ::: poem\n    a line\n      indented\n    :::",
    "verse in a list": "- item\n\n  ::: poem\n  a line\n    indented\n  :::",
    "heading with a hash": "## Number \\#",
    "alt with marks": "![IMG\\_2034 a *b*](../images/q.png)",
}


@pytest.mark.parametrize("text", MARKDOWN.values(), ids=MARKDOWN.keys())
def test_markdown_constructs_written_read_back_the_same(text, tmp_path):
    root = make_book(tmp_path / "src", {"01-a.md": f"# A\n\n{text}\n"})
    (root / "images").mkdir()
    (root / "images" / "q.png").write_bytes(png())
    book = read_book(root)
    write_book(book, tmp_path / "m")
    assert book_shape(read_book(tmp_path / "m")) == book_shape(book)
