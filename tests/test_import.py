"""`import`: Word files made by LibreOffice (tests/data/word/make_docx.py says how) into
manuscripts that build — every word of the document kept, notes linked, constructs
recognised; tracked changes refused unless accepted or rejected; comments reported."""

from __future__ import annotations

import io
import re
from pathlib import Path

import mammoth
import pytest
from conftest import ROOT

from toolchain.build import build
from toolchain.errors import BuildError
from toolchain.importing import import_docx
from toolchain.read.docx import STYLE_MAP

WORD = ROOT / "tests" / "data" / "word"
TITLES = ["cliff-german-revolution-1923", "whitman-leaves-of-grass",
          "doyle-adventures-of-sherlock-holmes"]


def import_one(name: str, tmp_path: Path) -> tuple[Path, list[str], str]:
    """Import a one-chapter test file: its folder, the report, and the chapter's text."""
    target = tmp_path / "m"
    report = import_docx(WORD / name, target)
    return target, report, next((target / "chapters").glob("*.md")).read_text(encoding="utf-8")


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NOTES = ("footnote", "endnote")


def docx_text(path: Path) -> tuple[str, list[str]]:
    """What Word shows, read from the file's XML itself, not through mammoth: the body's
    letters and digits in order (a text box's after the paragraph it is anchored in, an
    image's description where it stands, a symbol or an equation as text), and each note's,
    in the order of their calls. Only letters and digits: tokenising cannot differ."""
    import zipfile

    from lxml import etree

    from toolchain.read.docx import symbol

    with zipfile.ZipFile(path) as archive:
        parts = {n: etree.fromstring(archive.read(n)) for n in archive.namelist()
                 if n in ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml")}

    def skipped(node) -> bool:  # VML's copy of a text box, a field's instruction
        return any(etree.QName(a).localname == "Fallback" for a in node.iterancestors())

    def shown(node, boxes: list) -> str:
        out = []
        for el in node.iter():
            if not isinstance(el.tag, str) or skipped(el):
                continue
            name = etree.QName(el).localname
            inside_box = any(etree.QName(a).localname == "txbxContent"
                             for a in el.iterancestors() if a is not node)
            if name == "txbxContent" and el is not node:
                boxes.append(el)
            if inside_box and el is not node:
                continue
            if name == "t" and el.text:  # w:t and m:t
                out.append(el.text if not (font := run_font(el)) else
                           "".join(symbol(font, c) or c for c in el.text))
            elif name == "sym":
                char = chr(int(el.get(f"{W}char"), 16))
                out.append(symbol(el.get(f"{W}font"), char) or char)
            elif name == "docPr" and el.get("descr"):
                out.append(el.get("descr"))
            elif name in ("footnoteReference", "endnoteReference"):
                calls.append((name[:-9], el.get(f"{W}id")))
        return "".join(out)

    def run_font(t) -> str:
        from toolchain.read.docx import SYMBOL_FONTS
        from toolchain.read.docx import run_font as font_of

        run = t.getparent()
        font = font_of(run) if run is not None and etree.QName(run).localname == "r" else ""
        return font if font.strip().lower() in SYMBOL_FONTS else ""

    calls: list = []
    body, front = [], []
    for para in parts["word/document.xml"].iter(f"{W}p"):
        if skipped(para) or any(etree.QName(a).localname == "txbxContent"
                                for a in para.iterancestors()):
            continue
        style = para.find(f"{W}pPr/{W}pStyle")
        if not body and style is not None and style.get(f"{W}val") in ("Title", "Author"):
            front.append(shown(para, []))  # the title page: book.toml's title and author
            continue
        boxes: list = []
        body.append(shown(para, boxes))
        body += [shown(box, []) for box in boxes]
    FRONT[path.name] = letters(" ".join(front))
    notes = []
    for kind, ident in calls:
        part = parts[f"word/{kind}s.xml"]
        note = next(n for n in part.iter(f"{W}{kind}") if n.get(f"{W}id") == ident)
        notes.append(letters(shown(note, [])))
    return letters(" ".join(body)), notes


FRONT: dict[str, str] = {}  # each document's title page, as docx_text read it


def letters(text: str) -> str:
    return "".join(re.findall(r"[^\W_]+", text))


def manuscript_text(folder: Path) -> tuple[str, list[str]]:
    """The imported chapters' letters and digits in order, the format's marks set aside
    (list numbers, note calls, link and image addresses, class names), and each note's."""
    body, notes = [], []
    for path in sorted((folder / "chapters").glob("*.md")):
        in_note = False
        for block in path.read_text(encoding="utf-8").split("\n\n"):
            note = re.match(r"\[\^\d+\*?\]: ", block)
            if note:
                notes.append(block[note.end():])
                in_note = True
            elif in_note and block.startswith("    "):  # a note's next paragraph
                notes[-1] += " " + block
            else:
                in_note = False
                block = re.sub(r"(?m)^\s*(\d+\.|-) |^Table: ", "", block)  # list marks, caption
                block = re.sub(r'\]\([^)\s]*(?: "((?:[^"\\]|\\.)*)")?\)', r" \1 ", block)  # keep
                body.append(re.sub(r"\[\^\d+\*?\]|\{\.\w+\}|^::: ?\w*$", " ", block,  # a title
                                   flags=re.M))
    return letters(" ".join(body)), [letters(n) for n in notes]


@pytest.mark.parametrize("title", TITLES + ["constructs", "objects", "pandoc", "formatting"])
def test_every_letter_of_the_document_in_order_body_and_notes(title, tmp_path):
    """Nothing lost, nothing added, nothing moved: body and notes compared in order."""
    target = tmp_path / "m"
    report = import_docx(WORD / f"{title}.docx", target)
    expected, expected_notes = docx_text(WORD / f"{title}.docx")
    imported, imported_notes = manuscript_text(target)
    titled = [line for line in report if "before the first Heading 1" in line]
    if titled:  # that chapter's title is the document's, added: the report says so
        first = sorted((target / "chapters").glob("*.md"))[0].read_text(encoding="utf-8")
        imported = imported.removeprefix(letters(first.splitlines()[0]))
    at = next((k for k, (a, b) in enumerate(zip(expected, imported, strict=False)) if a != b),
              min(len(expected), len(imported)))
    assert imported == expected, (expected[at - 40:at + 40], imported[at - 40:at + 40])
    assert imported_notes == expected_notes
    toml = (target / "book.toml").read_text(encoding="utf-8")
    front = re.findall(r'(?m)^(?:title|author) = "(.*)"$', toml)
    assert FRONT[f"{title}.docx"] in ("", letters(" ".join(front)))


@pytest.mark.parametrize("title", TITLES)
def test_a_word_book_imports_and_builds(title, tmp_path):
    target = tmp_path / "m"
    import_docx(WORD / f"{title}.docx", target)
    build(target, tmp_path / "dist", ROOT / "styles", stream=io.StringIO(), force=True)


def test_the_notes_quotations_and_poems_of_the_word_files(tmp_path):
    cliff = tmp_path / "cliff"
    report = import_docx(WORD / f"{TITLES[0]}.docx", cliff)
    text = next((cliff / "chapters").glob("*.md")).read_text(encoding="utf-8")
    assert report[0].startswith("imported cliff-german-revolution-1923.docx: 1 chapter, 27 notes")
    calls = re.findall(r"\[\^(\d+\*?)\](?!:)", text)
    notes = re.findall(r"^\[\^(\d+\*?)\]: \S", text, re.M)
    assert calls == notes  # each linked, none empty
    # Word's endnotes stay endnotes, numbered; its footnotes, beside them, starred footnotes
    assert [c for c in calls if "*" not in c] == [str(n) for n in range(1, 26)]
    assert [c for c in calls if "*" in c] == ["1*", "2*"]
    assert text.count("\n> ") >= 18  # the block quotations (Word's Quotations style)
    styled = mammoth.convert_to_html(str(WORD / f"{TITLES[0]}.docx"), style_map=STYLE_MAP).value
    italics = re.findall(r"(?<![*\\])\*(?![*\s])[^*\n]+?(?<![\\\s])\*(?!\*)", text)
    assert len(italics) == styled.count("<em>") == 26  # titles of works (Word's Quotation
    # character style, from <cite>) and emphasis alike
    whitman = tmp_path / "whitman"
    import_docx(WORD / f"{TITLES[1]}.docx", whitman)
    poems = sum(p.read_text(encoding="utf-8").count("::: poem\n")
                for p in (whitman / "chapters").glob("*.md"))
    assert poems == 34  # every poem of the book, the epigraph among them


def test_constructs_word_makes(tmp_path):
    target = tmp_path / "m"
    import_docx(WORD / "constructs.docx", target)
    one, two = sorted((target / "chapters").glob("*.md"))
    text = one.read_text(encoding="utf-8")
    assert text.startswith("# The First Chapter\n")
    assert "the *Morning Star* that left first, and **nobody** waited.[^1]" in text
    assert "[^1]: The ship was *old*." in text and "\n## Streets\n" in text
    assert "\n> The lamps were lit one by one" in text
    assert "- second thing\n  - inner thing" in text
    assert "| Year | Count |\n| --- | --- |\n| 1923 | 12 |" in text and "\n* * *\n" in text
    assert "[^1]: A second note." in two.read_text(encoding="utf-8")  # numbered per chapter
    toml = (target / "book.toml").read_text(encoding="utf-8")
    assert 'title = "A Test of Word"' in toml and 'author = "Ann Writer"' in toml


def test_tracked_changes_are_refused_unless_accepted_or_rejected(tmp_path):
    with pytest.raises(BuildError) as caught:
        import_docx(WORD / "tracked.docx", tmp_path / "refused")
    shown = [str(p) for p in caught.value.problems]
    assert any("W101" in s and "insertion by Editor One: “with new words”" in s for s in shown)
    assert any("deletion by Editor Two: “old words”" in s for s in shown)
    assert not (tmp_path / "refused").exists()
    report = import_docx(WORD / "tracked.docx", tmp_path / "accepted", "accept")
    accepted = next((tmp_path / "accepted" / "chapters").glob("*.md")).read_text("utf-8")
    assert "begins with new words and ends" in accepted and "old words" not in accepted
    assert "comment by Reviewer: “Check this sentence.”" in report
    import_docx(WORD / "tracked.docx", tmp_path / "rejected", "reject")
    rejected = next((tmp_path / "rejected" / "chapters").glob("*.md")).read_text("utf-8")
    assert "old words" in rejected and "new words" not in rejected
    assert "Check this sentence" not in accepted + rejected  # a comment is not text


def test_a_file_that_is_not_word_is_an_error(tmp_path):
    fake = tmp_path / "book.docx"
    fake.write_text("not a zip", encoding="utf-8")
    with pytest.raises(BuildError, match="W100: not a Word document"):
        import_docx(fake, tmp_path / "m")
    with pytest.raises(BuildError, match="W103: the document is password-protected"):
        import_docx(WORD / "encrypted.docx", tmp_path / "m")  # by msoffcrypto-tool
    with pytest.raises(BuildError, match="W104: a Word 97–2003 document"):
        import_docx(WORD / "superscript.doc", tmp_path / "m")  # by LibreOffice
    assert not (tmp_path / "m").exists()


def test_superscript_and_small_caps_from_word(tmp_path):
    """Word marks an ordinal as superscript (w:vertAlign): the format's [er]{.sup}, a <sup>."""
    target, report, text = import_one("superscript.docx", tmp_path)
    assert "Le 1[er]{.sup} mai, [Mme]{.smallcaps} Durand arriva." in text
    build(target, tmp_path / "dist", ROOT / "styles", stream=io.StringIO(), force=True)
    chapter = next((tmp_path / "dist" / "xhtml").glob("ch-*.xhtml")).read_text(encoding="utf-8")
    assert "Le 1<sup>er</sup> mai" in chapter


def test_quotations_and_scene_breaks_made_by_layout(tmp_path):
    """Most authors make a quotation by indenting both sides, and a new scene by a page break."""
    target, report, text = import_one("layout.docx", tmp_path)
    assert "He read the letter aloud:\n\n> Come at once, and bring the papers with you.\n\n" \
        "Then he folded it.\n\n* * *\n\nThe next scene began after a page break." in text
    assert "1 paragraphs indented on both sides imported as quotations" in report
    assert not any("ToolchainQuote" in line for line in report)


def test_symbols_equations_fields_and_text_boxes_from_word(tmp_path):
    """What mammoth alone would drop or misread: symbol-font characters (typed in the Symbol
    font, or inserted as w:sym), an equation, a text box; fields reported, their text kept."""
    target, report, text = import_one("objects.docx", tmp_path)
    assert "The angle α is small, and the check mark ✓ is ticked." in text  # Symbol, Wingdings
    assert "Every result ≥ 10 was kept." in text  # Word's w:sym
    assert "The energy is E=mc^2 as Einstein wrote." in text  # the equation, linear
    assert "The sidebar follows this sentence.\n\nSidebar words inside a box.\n\n" in text
    assert "This page is number 1 of the proof." in text
    assert "1 field(s) PAGE: the text Word last showed for them is kept as plain text" in report
    assert any(line.startswith("an equation, kept as text") and "E=mc^2" in line
               for line in report)
    assert any(line.startswith("1 text box(es)") for line in report)
    assert not any("v:fill" in line for line in report)  # drawing markup without text: quiet


def test_a_symbol_with_no_unicode_equivalent_is_reported_and_stops_the_build(tmp_path):
    import zipfile

    source = tmp_path / "odd.docx"
    with zipfile.ZipFile(WORD / "objects.docx") as archive, \
            zipfile.ZipFile(source, "w") as copy:
        for item in archive.infolist():
            data = archive.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(b'w:char="F0B3"', b'w:char="F0F0"')  # no Unicode twin
            copy.writestr(item.filename, data)
    report = import_docx(source, tmp_path / "m")
    assert any("a Symbol character (U+F0F0) has no Unicode equivalent" in line and
               "Every result" in line for line in report)
    with pytest.raises(BuildError, match="M011"):
        build(tmp_path / "m", tmp_path / "dist", ROOT / "styles", stream=io.StringIO())


def test_a_word_file_from_pandoc_title_page_captions_and_all(tmp_path):
    """Another producer (pandoc's .docx writer): the title page's Title and Author paragraphs
    are book.toml's, not a chapter; Word's caption styles are the captions of the image and
    the table they stand by."""
    target = tmp_path / "m"
    report = import_docx(WORD / "pandoc.docx", target)
    toml = (target / "book.toml").read_text(encoding="utf-8")
    assert 'title = "A Book from Pandoc"' in toml and 'author = "Ann Writer"' in toml
    one, two = sorted((target / "chapters").glob("*.md"))
    text = one.read_text(encoding="utf-8")
    assert text.startswith("# The Workshop\n") and two.read_text("utf-8").startswith("# The Strike")
    assert ('![A hand press with its platen raised](../images/image-1.png "A hand press with '
            'its platen raised")') in text
    assert "Table: Sheets printed, 1921–1923\n\n| Year | Sheets |" in text
    assert "the title page's title (A Book from Pandoc) and author (Ann Writer) went into " \
        "book.toml" in report
    assert not any("First Paragraph" in line or "Compact" in line for line in report)
    build(target, tmp_path / "dist", ROOT / "styles", stream=io.StringIO())


def test_formatting_the_format_has_no_mark_for_is_reported_and_lists_nest(tmp_path):
    """pandoc's .docx of formatting.md: struck-through, subscript and underlined words keep
    their text and are reported; a superscript figure (x²) builds; a bullet list nested in a
    numbered one stays nested; a note of several paragraphs keeps them."""
    target, report, text = import_one("formatting.docx", tmp_path)
    assert "Some struck words and underlined words and marked words in a line, H2O and " \
        "x[2]{.sup}." in text
    assert "1. One\n   - nested bullet\n2. Two" in text
    assert "[^1]: First paragraph of the note.\n\n    Second paragraph of the note, with " \
        "*italics*." in text
    assert any(line.startswith("1 passage(s) of struck-through text kept as plain text, the "
                               "first “struck words”: check whether") for line in report)
    assert any(line.startswith("1 passage(s) of subscript") for line in report)
    assert any(line.startswith("1 passage(s) of underlined text") for line in report)
    build(target, tmp_path / "dist", ROOT / "styles", stream=io.StringIO())
    chapter = next((tmp_path / "dist" / "xhtml").glob("ch-*.xhtml")).read_text("utf-8")
    assert "x<sup>2</sup>" in chapter and re.search(r"<ol>\s*<li>\s*<p>One</p>\s*<ul>", chapter)
