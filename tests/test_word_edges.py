"""Word files as they come: a note in a heading, footnotes that stay footnotes, and hostile
archives (entities, a zip bomb, images from outside) refused with a clear message, exit 1.

Each file is a real LibreOffice document of tests/data/word with its XML edited here, as a
word processor or an attacker would leave it."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

from toolchain import model as m
from toolchain.build import build
from toolchain.cli import main
from toolchain.importing import import_docx
from toolchain.read.markdown import read_book

WORD = ROOT / "tests" / "data" / "word"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def edited(source: Path, target: Path, edits: dict, extra: dict | None = None) -> Path:
    """A copy of a .docx with some parts rewritten (name -> function of its text) and some
    parts added."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name in old.namelist():
            data = old.read(name)
            if name in edits:
                data = edits[name](data.decode("utf-8")).encode("utf-8")
            new.writestr(name, data)
        for name, data in (extra or {}).items():
            new.writestr(name, data)
    return target


def note_in_heading(text: str) -> str:
    call = ('<w:r><w:rPr><w:rStyle w:val="FootnoteAnchor"/></w:rPr>'
            '<w:footnoteReference w:id="9"/></w:r>')
    return text.replace("<w:t>The First Chapter</w:t></w:r>",
                        "<w:t>The First Chapter</w:t></w:r>" + call, 1)


def ninth_note(text: str) -> str:
    note = ('<w:footnote w:id="9"><w:p><w:pPr><w:pStyle w:val="Footnote"/></w:pPr><w:r>'
            '<w:t>The chapter’s own note, called in its title.</w:t></w:r></w:p></w:footnote>')
    return text.replace("</w:footnotes>", note + "</w:footnotes>")


def test_a_note_in_a_heading_is_kept_and_the_file_named_from_its_words(tmp_path):
    source = edited(WORD / "constructs.docx", tmp_path / "heading.docx",
                    {"word/document.xml": note_in_heading, "word/footnotes.xml": ninth_note})
    report = import_docx(source, tmp_path / "m")
    chapter = tmp_path / "m" / "chapters" / "01-the-first-chapter.md"
    assert chapter.is_file(), sorted(p.name for p in (tmp_path / "m" / "chapters").iterdir())
    text = chapter.read_text(encoding="utf-8")
    assert text.startswith("# The First Chapter[^1]\n")
    assert "[^1]: The chapter’s own note, called in its title." in text
    assert "[^2]:" in text  # the body's note, numbered after it
    plain = import_docx(WORD / "constructs.docx", tmp_path / "plain")[0]
    notes = int(plain.split(" notes")[0].rsplit(" ", 1)[1])
    assert f"{notes + 1} notes" in report[0]  # none lost
    build(tmp_path / "m", tmp_path / "dist", ROOT / "styles", stream=io.StringIO())


def test_words_footnotes_import_as_footnotes(tmp_path):
    import_docx(WORD / "constructs.docx", tmp_path / "m")
    toml = (tmp_path / "m" / "book.toml").read_text(encoding="utf-8")
    assert 'notes = "footnotes"' in toml
    out = tmp_path / "dist"
    build(tmp_path / "m", out, ROOT / "styles", stream=io.StringIO())
    xhtml = next((out / "xhtml").glob("ch-01-*.xhtml")).read_text(encoding="utf-8")
    assert 'epub:type="footnote"' in xhtml and "notes.xhtml" not in xhtml


ENTITY = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE w:document [<!ENTITY x SYSTEM '
          '"file:///etc/passwd">]>\n')
BOMB = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;'
        '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n')


@pytest.mark.parametrize("prolog", [ENTITY, BOMB])
def test_entity_declarations_in_any_part_are_refused(tmp_path, capsys, prolog):
    source = edited(WORD / "constructs.docx", tmp_path / "hostile.docx",
                    {"word/styles.xml": lambda t: prolog + t.split("?>", 1)[1]})
    assert main(["import", str(source), "--to", str(tmp_path / "m")]) == 1
    err = capsys.readouterr().err
    assert "W105" in err and "word/styles.xml" in err and "internal error" not in err
    assert not (tmp_path / "m").exists()


def test_an_archive_that_inflates_past_the_limit_is_refused_unread(tmp_path, capsys):
    source = tmp_path / "bomb.docx"
    with zipfile.ZipFile(WORD / "constructs.docx") as old, \
            zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as new:
        for name in old.namelist():
            new.writestr(name, old.read(name))
        with new.open("word/media/padding.bin", "w") as stream:  # 300 MB of zeros
            chunk = bytes(2**20)
            for _ in range(300):
                stream.write(chunk)
    assert source.stat().st_size < 2 * 2**20
    assert main(["import", str(source), "--to", str(tmp_path / "m")]) == 1
    err = capsys.readouterr().err
    assert "W106" in err and "internal error" not in err
    assert not (tmp_path / "m").exists()


IMAGE_REL = ('<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/officeDocument/'
             '2006/relationships/image" Target="{target}"{mode}/>')
DRAWING = ('<w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/'
           'drawingml/2006/wordprocessingDrawing"><wp:docPr id="7" name="Picture"/><a:graphic '
           'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData '
           'uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic xmlns:pic='
           '"http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:blipFill><a:blip '
           'r:{attr}="rIdX"/></pic:blipFill></pic:pic></a:graphicData></a:graphic></wp:inline>'
           '</w:drawing></w:r>')


@pytest.mark.parametrize("target, mode, attr, said", [
    ("https://example.org/ferry.png", ' TargetMode="External"', "link", "linked from outside"),
    ("file:///etc/passwd", ' TargetMode="External"', "link", "linked from outside"),
    ("../../../etc/passwd", "", "embed", "named outside the document"),
])
def test_images_from_outside_the_document_are_named_never_fetched(tmp_path, capsys, target,
                                                                  mode, attr, said):
    rels = "word/_rels/document.xml.rels"
    source = edited(WORD / "constructs.docx", tmp_path / "linked.docx", {
        rels: lambda t: t.replace("</Relationships>", IMAGE_REL.format(target=target, mode=mode)
                                  + "</Relationships>"),
        "word/document.xml": lambda t: t.replace(
            "<w:t xml:space=\"preserve\"> The town was quiet.</w:t></w:r>",
            "<w:t xml:space=\"preserve\"> The town was quiet.</w:t></w:r>"
            + DRAWING.format(attr=attr), 1)})
    assert main(["import", str(source), "--to", str(tmp_path / "m")]) == 1
    err = capsys.readouterr().err
    assert "W107" in err and said in err and "Morning Star" in err
    assert "internal error" not in err
    assert not (tmp_path / "m").exists()


BRACES = "{.afterword} and {lang=de} and {#quay} and [x]{.smallcaps} and {-} and {}"


def test_text_in_braces_from_word_is_printed_as_written(tmp_path):
    """Word text that reads as the manuscript's attributes (`{.afterword}`, `[x]{.smallcaps}`,
    a heading's `{lang=de}`) is written escaped, and the build prints it as it stands:
    neither the lint nor the reader takes an escaped brace for attributes left in the text
    or a heading's own (M009 stopped it)."""
    source = edited(WORD / "constructs.docx", tmp_path / "braces.docx", {
        "word/document.xml": lambda text: text.replace(
            "Then came the night.", f"Then came the night {BRACES}.").replace(
            ">Streets<", ">Streets {lang=de}<")})  # (a heading: its attributes end the line)
    import_docx(source, tmp_path / "m")
    chapter = (tmp_path / "m" / "chapters" / "01-the-first-chapter.md").read_text("utf-8")
    assert "\\{.afterword\\}" in chapter
    build(tmp_path / "m", tmp_path / "dist", ROOT / "styles", stream=io.StringIO())
    with zipfile.ZipFile(tmp_path / "dist" / "a-test-of-word.epub") as epub:
        text = epub.read("EPUB/ch-01-the-first-chapter.xhtml").decode("utf-8")
    assert f"Then came the night {BRACES}." in text
    assert re.search(r"<h2[^>]*>Streets \{lang=de\}</h2>", text)


def test_word_index_entries_import_as_marks_and_build_an_index(tmp_path):
    """index.docx: LibreOffice's XE fields (marked words, sub-entries two and three deep,
    one in a heading) and Word's cross-references (the \\t switch), and an INDEX field."""
    from toolchain.check.index_pages import check_index

    report = import_docx(WORD / "index.docx", tmp_path / "m")
    assert any("8 index entries" in line for line in report)
    assert any("INDEX" in line and "delete it" in line for line in report)
    chapters = tmp_path / "m" / "chapters"
    assert sorted(p.name for p in chapters.iterdir()) == ["01-the-ruhr.md", "02-the-kpd.md"]
    one = (chapters / "01-the-ruhr.md").read_text(encoding="utf-8")
    assert 'the Ruhr[]{.index term="Ruhr"}, and' in one
    assert '[]{.index term="Germany > strikes > general strike"}' in one
    assert '[]{.index term="Bolsheviks" see="KPD"}' in one
    assert '[]{.index term="Cuno, Wilhelm" also="Ruhr"}' in one
    assert (chapters / "02-the-kpd.md").read_text(encoding="utf-8").startswith(
        '# The KPD[]{.index term="KPD"}\n')
    out = tmp_path / "dist"
    build(tmp_path / "m", out, ROOT / "styles", stream=io.StringIO(), force=True)
    index = (out / "xhtml" / "index.xhtml").read_text(encoding="utf-8")
    assert "Bolsheviks</span>. <span epub:type=\"index-xref-preferred\"><i>See</i>" in index
    for name in ("the-index.pdf", "the-index-print.pdf"):
        problems, info = check_index(out / "the-index.epub", out / name)
        assert problems == [] and info["locators"] == 6  # a see also alone is none


def test_a_note_on_the_title_pages_author_is_named_in_the_report_never_dropped(tmp_path):
    """book.toml's author holds no note: the name goes in without its call (no "[1]" in it),
    and the note's words, whole, into the import report for the editor to place."""
    call = ('<w:r><w:rPr><w:rStyle w:val="FootnoteAnchor"/></w:rPr>'
            '<w:footnoteReference w:id="19"/></w:r>')
    name = '<w:t xml:space="preserve">Ann Writer</w:t></w:r>'
    note = ('<w:footnote w:id="19"><w:p><w:r><w:t xml:space="preserve">Professor of history '
            'at </w:t></w:r><w:r><w:rPr><w:i/></w:rPr><w:t>Leeds</w:t></w:r><w:r><w:t>, who '
            'thanks the archivists.</w:t></w:r></w:p></w:footnote>')
    source = edited(WORD / "formatting.docx", tmp_path / "author.docx",
                    {"word/document.xml": lambda s: s.replace(name, name + call, 1),
                     "word/footnotes.xml": lambda s: s.replace("</w:footnotes>",
                                                               note + "</w:footnotes>")})
    import_docx(source, tmp_path / "m")
    toml = (tmp_path / "m" / "book.toml").read_text(encoding="utf-8")
    assert 'author = "Ann Writer"\n' in toml
    report = (tmp_path / "m" / "import-report.txt").read_text(encoding="utf-8")
    assert "title page's author" in report and \
        "“Professor of history at Leeds, who thanks the archivists.”" in report
    chapters = "".join(p.read_text(encoding="utf-8")
                       for p in (tmp_path / "m" / "chapters").glob("*.md"))
    assert "Leeds" not in chapters and "[^2]" not in chapters  # not made a chapter's note


def test_a_heading_holding_only_a_note_call_is_reported_and_stops_the_build_at_its_line(
        tmp_path, capsys):
    """A Heading 1 with no words but its note's call: the import keeps it and says so; the
    build then stops at the heading's line (M132), never an invalid EPUB."""
    source = edited(WORD / "constructs.docx", tmp_path / "bare.docx",
                    {"word/document.xml": lambda s: note_in_heading(s).replace(
                        "<w:t>The First Chapter</w:t>", "<w:t></w:t>", 1),
                     "word/footnotes.xml": ninth_note})
    import_docx(source, tmp_path / "m")
    report = (tmp_path / "m" / "import-report.txt").read_text(encoding="utf-8")
    assert "chapter 1's Heading 1 has no words (only a note call or a citation)" in report
    assert "The chapter’s own note, called in its title." in "".join(
        p.read_text(encoding="utf-8") for p in (tmp_path / "m" / "chapters").glob("*.md"))
    code = main(["build", "--manuscript", str(tmp_path / "m"), "--out", str(tmp_path / "d"),
                 "--styles", str(ROOT / "styles")])
    err = capsys.readouterr().err
    assert code == 1 and "chapters/01-" in err and ".md:1:1: error M132" in err, err
    assert not (tmp_path / "d").exists()


def numbered(num: int, level: int, text: str, style: str = "TextBody") -> str:
    return (f'<w:p><w:pPr><w:pStyle w:val="{style}"/><w:numPr><w:ilvl w:val="{level}"/>'
            f'<w:numId w:val="{num}"/></w:numPr></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>')


def lists_taken_up(text: str) -> str:
    body = "".join([numbered(50, 0, "Step one."), numbered(50, 1, "Step one, a."),
                    numbered(50, 1, "Step one, b."), numbered(50, 0, "Step two."),
                    '<w:p><w:r><w:t>A word between the steps.</w:t></w:r></w:p>',
                    numbered(50, 0, "Step three."), numbered(50, 1, "Step three, a."),
                    numbered(50, 0, ""),  # an empty item: mammoth leaves it out
                    '<w:p><w:r><w:t>And a list of its own.</w:t></w:r></w:p>',
                    numbered(51, 0, "The seventh rule."), numbered(50, 0, "Step five."),
                    numbered(53, 0, "Another list begun at a number out of range."),
                    numbered(60, 1, "A numbered section", "Heading2"),
                    numbered(60, 1, "Another section", "Heading2"),
                    numbered(60, 2, "A legal subsection", "Heading3"),
                    '<w:p><w:r><w:t>Bullets.</w:t></w:r></w:p>',
                    numbered(80, 0, "Bullet A."), numbered(80, 1, "x."), numbered(80, 1, "y."),
                    numbered(80, 0, "Bullet B."), numbered(80, 1, "z, counted on."),
                    '<w:p><w:r><w:t>More bullets.</w:t></w:r></w:p>',
                    numbered(81, 0, "Bullet C."), numbered(81, 1, "w."),
                    numbered(81, 0, "Bullet D."), numbered(81, 1, "v, counted again."),
                    '<w:p><w:pPr><w:pStyle w:val="NumberedRule"/></w:pPr><w:r>'
                    '<w:t>A rule numbered by its style.</w:t></w:r></w:p>'])
    cell = numbered(52, 0, "Ruhr occupied.") + numbered(52, 0, "Strikes.")
    text = text.replace("<w:t>1923</w:t></w:r></w:p>", "<w:t>1923</w:t></w:r></w:p>" + cell, 1)
    return text.replace("<w:sectPr", body + "<w:sectPr", 1)


def decimal_numbering(text: str) -> str:
    levels = "".join(f'<w:lvl w:ilvl="{k}"><w:start w:val="1"/><w:numFmt w:val="{form}"/>'
                     f'<w:lvlText w:val="%{k + 1}."/></w:lvl>'
                     for k, form in enumerate(["decimal", "lowerLetter"]))
    parts = ('<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="upperRoman"/>'
             '<w:lvlText w:val="Part %1"/></w:lvl><w:lvl w:ilvl="1"><w:start w:val="1"/>'
             '<w:numFmt w:val="decimal"/><w:suff w:val="space"/><w:lvlText w:val="%1.%2"/>'
             '</w:lvl><w:lvl w:ilvl="2"><w:start w:val="1"/><w:isLgl/><w:numFmt w:val='
             '"decimal"/><w:suff w:val="space"/><w:lvlText w:val="%1.%2.%3"/></w:lvl>')
    bullets = ('<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText '
               'w:val="•"/></w:lvl><w:lvl w:ilvl="1"><w:start w:val="1"/>{restart}<w:numFmt '
               'w:val="decimal"/><w:lvlText w:val="%2."/></w:lvl>')
    stray = ('<w:lvl w:ilvl="0"><w:start w:val="1"/><w:pStyle w:val="Heading1"/><w:numFmt '
             'w:val="decimal"/><w:lvlText w:val="Chapter %1"/></w:lvl>')  # used by no list
    text = text.replace("<w:num ", f'<w:abstractNum w:abstractNumId="50">{levels}'
                                   f'</w:abstractNum><w:abstractNum w:abstractNumId="60">{parts}'
                                   '</w:abstractNum><w:abstractNum w:abstractNumId="70"><w:lvl '
                                   'w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
                                   '<w:lvlText w:val="%1."/></w:lvl></w:abstractNum>'
                                   '<w:abstractNum w:abstractNumId="71"><w:lvl w:ilvl="0">'
                                   '<w:start w:val="1"/><w:numFmt w:val="decimal"/>'
                                   '<w:lvlText w:val="%1."/></w:lvl></w:abstractNum>'
                                   '<w:abstractNum w:abstractNumId="80">'
                                   + bullets.format(restart='<w:lvlRestart w:val="0"/>') +
                                   '</w:abstractNum><w:abstractNum w:abstractNumId="81">'
                                   + bullets.format(restart="") + '</w:abstractNum>'
                                   f'<w:abstractNum w:abstractNumId="90">{stray}</w:abstractNum>'
                                   '<w:num ', 1)
    return text.replace("</w:numbering>", '<w:num w:numId="50"><w:abstractNumId w:val="50"/>'
                        '</w:num><w:num w:numId="51"><w:abstractNumId w:val="50"/><w:lvlOverride '
                        'w:ilvl="0"><w:startOverride w:val="7"/></w:lvlOverride></w:num>'
                        '<w:num w:numId="52"><w:abstractNumId w:val="71"/><w:lvlOverride '
                        'w:ilvl="0"><w:startOverride w:val="4"/></w:lvlOverride></w:num>'
                        '<w:num w:numId="53"><w:abstractNumId w:val="70"/><w:lvlOverride '
                        'w:ilvl="0"><w:startOverride w:val="99999999999999999999"/>'
                        '</w:lvlOverride></w:num>'
                        '<w:num w:numId="60"><w:abstractNumId w:val="60"/></w:num>'
                        '<w:num w:numId="80"><w:abstractNumId w:val="80"/></w:num>'
                        '<w:num w:numId="81"><w:abstractNumId w:val="81"/></w:num>'
                        "</w:numbering>")


def test_a_word_list_taken_up_again_or_begun_at_seven_keeps_its_numbers(tmp_path):
    """Word counts a list on over a paragraph between its items, restarts a level under a
    new item (a bullet too, unless w:lvlRestart says never), begins a list at its override
    and counts on after it the lists of one abstract numbering: the numbers Word shows are
    the Markdown's (mammoth alone numbers every list from 1)."""
    style = ('<w:style w:type="paragraph" w:styleId="NumberedRule"><w:name w:val="Numbered '
             'Rule"/><w:pPr><w:numPr><w:numId w:val="52"/></w:numPr></w:pPr></w:style>')
    source = edited(WORD / "constructs.docx", tmp_path / "lists.docx",
                    {"word/document.xml": lists_taken_up,
                     "word/numbering.xml": decimal_numbering,
                     "word/footnotes.xml": lambda text: text.replace(
                         "A second note.</w:t></w:r></w:p>", "A second note.</w:t></w:r></w:p>"
                         + numbered(51, 0, "A rule in the note.")),
                     "word/styles.xml": lambda text: text.replace("</w:styles>",
                                                                  style + "</w:styles>")})
    report = import_docx(source, tmp_path / "m")
    text = (tmp_path / "m" / "chapters" / "02-the-second-chapter.md").read_text("utf-8")
    assert "1. Step one.\n   1. Step one, a.\n   2. Step one, b.\n2. Step two.\n" in text
    assert "\n\nA word between the steps.\n\n3. Step three.\n   1. Step three, a.\n\n" \
        "And a list" in text  # (no empty item: it would not read back)
    assert "[^1]: A second note.\n\n    7. A rule in the note.\n" in text  # the notes' own
    assert "\n\nAnd a list of its own.\n\n7. The seventh rule.\n8. Step five.\n" in text
    assert text.startswith("# The Second Chapter\n")  # (a level no list uses links Heading 1)
    assert "\n\n- Bullet A.\n\n  1. x.\n  2. y.\n\n- Bullet B.\n\n  3. z, counted on." in text
    assert "\n\n- Bullet C.\n  1. w.\n- Bullet D.\n  1. v, counted again.\n" in text
    table = next((tmp_path / "m" / "chapters").glob("01-*.md")).read_text("utf-8")
    assert "4. Ruhr occupied. 5. Strikes." in table  # a cell's list: its numbers as text
    # a heading's number, and a paragraph's its style numbers, kept as text
    assert "\n## I.1 A numbered section\n\n## I.2 Another section\n\n" \
        "### 1.2.1 A legal subsection\n" in text
    assert "\n6\\. A rule numbered by its style.\n" in text
    # Word's 7, 8 then 32767 (an override out of range, taken to Word's greatest) are one
    # list to mammoth: said, not hidden
    assert any("numbers in Word (7, 8, 32767) do not follow on" in line for line in report), \
        report
    assert any("a list Word numbers a, b, c: numbered 1, 2, 3" in line for line in report)


def test_a_column_of_figures_word_sets_right_is_read_down_as_figures(tmp_path):
    """mammoth drops a cell's alignment: the Count column Word sets right comes in set
    right (`---:`), and so its figures are the table's figures (tabular, aligned)."""
    def right(text: str) -> str:
        for figure in ("12", "7"):
            text = text.replace(f'<w:jc w:val="left"/><w:rPr></w:rPr></w:pPr><w:r><w:rPr>'
                                f'</w:rPr><w:t>{figure}</w:t>', f'<w:jc w:val="right"/><w:rPr>'
                                f'</w:rPr></w:pPr><w:r><w:rPr></w:rPr><w:t>{figure}</w:t>')
        return text

    source = edited(WORD / "constructs.docx", tmp_path / "right.docx",
                    {"word/document.xml": right})
    import_docx(source, tmp_path / "m")
    text = (tmp_path / "m" / "chapters" / "01-the-first-chapter.md").read_text("utf-8")
    assert "| Year | Count |\n| --- | ---: |\n| 1923 | 12 |\n| 1924 | 7 |" in text
    table = next(b for ch in read_book(tmp_path / "m").chapters for b in ch.blocks
                 if isinstance(b, m.Table))
    assert table.numeric == [False, True] and table.align == [None, "right"]

    def right_to_left(text: str) -> str:  # `end` of a right-to-left line is its left;
        for figure, side in (("12", "end"), ("7", "end"), ("1923", "start"), ("1924", "start")):
            text = re.sub(r'<w:bidi w:val="0"/>(<w:spacing[^>]*/>)?<w:jc w:val="left"/>(<w:rPr>'
                          rf'</w:rPr></w:pPr><w:r><w:rPr></w:rPr><w:t>{figure}</w:t>)',
                          rf'<w:bidi/>\1<w:jc w:val="{side}"/>\2', text)  # `start` its right
        return text

    source = edited(WORD / "constructs.docx", tmp_path / "rtl.docx",
                    {"word/document.xml": right_to_left})
    import_docx(source, tmp_path / "rtl")
    text = (tmp_path / "rtl" / "chapters" / "01-the-first-chapter.md").read_text("utf-8")
    assert "| Year | Count |\n| ---: | --- |\n| 1923 | 12 |" in text, text


def page_reference_fields(text: str) -> str:
    """A page reference in the first chapter to a bookmark in the second, and one to a
    bookmark the document lacks (Word shows its error as the field's text)."""
    def field(name: str, shown: str) -> str:
        return ('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText '
                f'xml:space="preserve"> PAGEREF {name} \\h </w:instrText></w:r><w:r><w:fldChar '
                f'w:fldCharType="separate"/></w:r><w:r><w:t>{shown}</w:t></w:r><w:r><w:fldChar '
                'w:fldCharType="end"/></w:r>')
    text = text.replace('<w:t xml:space="preserve"> The town was quiet.</w:t></w:r>',
                        '<w:t xml:space="preserve"> The town was quiet (see page </w:t></w:r>'
                        + field("_Ref42", "7") + '<w:r><w:t xml:space="preserve">; and page '
                        '</w:t></w:r>' + field("_Ref99", "Error! Bookmark not defined.")
                        + '<w:r><w:t xml:space="preserve">; the next chapter, </w:t></w:r>'
                        + field("_Ref7 \\p", "on page 9") + '<w:r><w:t xml:space="preserve">'
                        '; the night, page </w:t></w:r>' + field("Глава_1", "8")
                        + "<w:r><w:t>).</w:t></w:r>", 1)
    text = text.replace('<w:p><w:pPr><w:pStyle w:val="Heading1"/><w:bidi w:val="0"/><w:jc '
                        'w:val="left"/><w:rPr></w:rPr></w:pPr><w:r><w:rPr></w:rPr><w:t>The Second',
                        '<w:p><w:pPr><w:pStyle w:val="Heading1"/><w:bidi w:val="0"/><w:jc '
                        'w:val="left"/><w:rPr></w:rPr></w:pPr><w:bookmarkStart w:id="7" '
                        'w:name="_Ref7"/><w:r><w:rPr></w:rPr><w:t>The Second', 1)
    text = text.replace('<w:p><w:pPr><w:pStyle w:val="TextBody"/><w:bidi w:val="0"/><w:spacing '
                        'w:before="0" w:after="283"/><w:jc w:val="left"/><w:rPr></w:rPr></w:pPr>'
                        '<w:r><w:rPr></w:rPr><w:t>Then came the night',
                        '<w:bookmarkStart w:id="8" w:name="Глава_1"/><w:p><w:pPr><w:pStyle '
                        'w:val="TextBody"/><w:bidi w:val="0"/><w:spacing w:before="0" '
                        'w:after="283"/><w:jc w:val="left"/><w:rPr></w:rPr></w:pPr><w:r><w:rPr>'
                        '</w:rPr><w:t>Then came the night', 1)
    return text.replace(
        '<w:r><w:rPr></w:rPr><w:t>More text here',
        '<w:bookmarkStart w:id="42" w:name="_Ref42"/><w:r><w:rPr></w:rPr><w:t>More text here',
        1)


def test_a_word_page_reference_prints_the_books_own_page(tmp_path):
    """Word's PAGEREF field shows the page Word's own pages put its bookmark on; in the book
    it is a page reference to a named place made where the bookmark is, so the print
    edition shows its own page number; one to a bookmark the document lacks keeps its text
    and is reported."""
    source = edited(WORD / "constructs.docx", tmp_path / "pageref.docx",
                    {"word/document.xml": page_reference_fields})
    report = import_docx(source, tmp_path / "m")
    chapters = sorted((tmp_path / "m" / "chapters").glob("*.md"))
    first, second = (path.read_text("utf-8") for path in chapters)
    assert "The town was quiet (see page [#](#ref42); and page Error! Bookmark not " \
           "defined.; the next chapter, [on page #](#the-second-chapter); the night, page " \
           "[#](#ref-1))." in first  # (a title is a place of its own; a Russian name)
    assert "\n\n[]{#ref42}More text here" in second
    assert "\n\n[]{#ref-1}Then came the night" in first  # (its bookmark before the paragraph)
    assert second.startswith("# The Second Chapter\n")
    assert any("3 page references (Word's PAGEREF fields) imported" in line for line in report)
    assert any("1 page reference(s) (PAGEREF) to a bookmark the document does not have" in line
               for line in report)
    out = tmp_path / "dist"
    build(tmp_path / "m", out, ROOT / "styles", stream=io.StringIO(), force=True)
    import pypdfium2

    pdf = pypdfium2.PdfDocument(out / next(p.name for p in out.glob("*.pdf")
                                           if not p.name.endswith(("-print.pdf", "-cover.pdf"))))
    pages = [" ".join(page.get_textpage().get_text_range().split()) for page in pdf]
    target = next(k for k, text in enumerate(pages) if "More text here" in text)
    folio = pages[target].split()[-1]  # the page's folio, at its foot
    assert folio.isdigit() and folio != "7"
    assert any(f"(see page {folio}; and page" in text for text in pages), folio
    assert any(f"the next chapter, on page {folio};" in text for text in pages), folio


def page_references_as_fields_come(text: str) -> str:
    """`page_reference_fields`, and: a PAGEREF written as one element (w:fldSimple, as some
    word processors write a field), one inside a hyperlink's field, and a bookmark on the
    scene break (`* * *`) that one names."""
    text = page_reference_fields(text)
    simple = ('<w:fldSimple w:instr=" PAGEREF _Ref42 \\h "><w:r><w:t>5</w:t></w:r>'
              '</w:fldSimple>')
    nested = ('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space='
              '"preserve"> HYPERLINK \\l "_Ref42" </w:instrText></w:r><w:r><w:fldChar '
              'w:fldCharType="separate"/></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
              '<w:r><w:instrText xml:space="preserve"> PAGEREF _Ref42 \\h </w:instrText></w:r>'
              '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>6</w:t></w:r><w:r>'
              '<w:fldChar w:fldCharType="end"/></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>')
    broken = ('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space='
              '"preserve"> PAGEREF _RefBreak \\h </w:instrText></w:r><w:r><w:fldChar '
              'w:fldCharType="separate"/></w:r><w:r><w:t>4</w:t></w:r><w:r><w:fldChar '
              'w:fldCharType="end"/></w:r>')
    text = text.replace(
        "<w:t>The lamps were lit one by one, and the river ran on.</w:t></w:r>",
        '<w:t xml:space="preserve">The lamps were lit one by one (page </w:t></w:r>' + simple
        + '<w:r><w:t xml:space="preserve">, or </w:t></w:r>' + nested + '<w:r><w:t xml:space='
        '"preserve">; the break, page </w:t></w:r>' + broken
        + "<w:r><w:t>), and the river ran on.</w:t></w:r>", 1)
    return text.replace('<w:r><w:rPr></w:rPr><w:t>* * *</w:t>',
                        '<w:bookmarkStart w:id="77" w:name="_RefBreak"/><w:r><w:rPr></w:rPr>'
                        '<w:t>* * *</w:t>', 1)


def test_word_page_references_in_one_element_inside_a_link_or_to_a_scene_break(tmp_path):
    """A PAGEREF as w:fldSimple is a page reference as the complex field is; one inside
    another field keeps Word's page, reported (never silently a wrong page); a bookmark
    on a scene break names the paragraph after it, the break staying a break."""
    source = edited(WORD / "constructs.docx", tmp_path / "pageref.docx",
                    {"word/document.xml": page_references_as_fields_come})
    report = import_docx(source, tmp_path / "m")
    first = sorted((tmp_path / "m" / "chapters").glob("*.md"))[0].read_text("utf-8")
    assert "The lamps were lit one by one (page [#](#ref42), or 6; the break, page " \
           "[#](#refbreak)), and the river ran on." in first
    assert "\n\n* * *\n\n[]{#refbreak}[]{#ref-1}Then came the night" in first
    assert any("5 page references (Word's PAGEREF fields) imported" in line for line in report)
    assert any(line.startswith("1 page reference(s) (PAGEREF) inside another field")
               for line in report)
    book = read_book(tmp_path / "m")
    assert sum(isinstance(b, m.SectionBreak) for b in book.chapters[0].blocks) == 1
    build(tmp_path / "m", tmp_path / "dist", ROOT / "styles", stream=io.StringIO(), force=True)


def table_in_the_first_note(text: str) -> str:
    table = ('<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Year</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r>'
             '<w:t>Price</w:t></w:r></w:p></w:tc></w:tr><w:tr><w:tc><w:p><w:r><w:t>1922</w:t>'
             '</w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>163 marks</w:t></w:r></w:p></w:tc></w:tr>'
             '</w:tbl>')
    at = text.index('<w:footnote w:id="2">')
    end = text.index("</w:footnote>", at)
    return text[:end] + table + text[end:]


def test_a_table_in_a_word_footnote_is_set_after_its_calls_paragraph(tmp_path):
    """A footnote is set in lines at the page's foot and holds no table (M134): Word's
    table in a footnote is set after the paragraph that calls the note, as its images
    are, and the report says so; every word of it kept, and the book builds."""
    source = edited(WORD / "constructs.docx", tmp_path / "table.docx",
                    {"word/footnotes.xml": table_in_the_first_note})
    report = import_docx(source, tmp_path / "m")
    assert any("tables in footnotes" in line for line in report)
    book = read_book(tmp_path / "m")
    chapter = next(ch for ch in book.chapters if any(n.blocks for n in ch.notes.values()))
    assert not [b for n in chapter.notes.values() for b in n.blocks if isinstance(b, m.Table)]
    k, table = next((k, b) for k, b in enumerate(chapter.blocks) if isinstance(b, m.Table))
    assert "163 marks" in m.plain_text(m.inlines_of([table]))
    assert any(isinstance(n, m.NoteRef) for n in m.walk(chapter.blocks[k - 1]))
    build(tmp_path / "m", tmp_path / "dist", ROOT / "styles", stream=io.StringIO())
