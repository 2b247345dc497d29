"""`import`: Word files made by LibreOffice (tests/data/word/make_docx.py says how) into
manuscripts that build — every word of the document kept, notes linked, constructs
recognised; tracked changes refused unless accepted or rejected; comments reported."""

from __future__ import annotations

import io
import re
from collections import Counter
from html import unescape
from pathlib import Path

import mammoth
import pytest
from conftest import ROOT

from toolchain.build import build
from toolchain.errors import BuildError
from toolchain.read.docx import STYLE_MAP, write_manuscript

WORD = ROOT / "tests" / "data" / "word"
TITLES = ["cliff-german-revolution-1923", "whitman-leaves-of-grass",
          "doyle-adventures-of-sherlock-holmes"]


def words(text: str) -> Counter:
    return Counter(re.findall(r"\w+", text))


def document_words(path: Path) -> Counter:
    """Every word of the Word file, notes included, as mammoth reads it (its note calls and
    back-arrows set aside)."""
    html = mammoth.convert_to_html(str(path)).value
    html = re.sub(r"<sup><a [^>]*>\[\d+\]</a></sup>|<a href=\"#(foot|end)note-ref-\d+\">↑</a>",
                  " ", html)
    return words(unescape(re.sub(r"<[^>]+>", " ", html)))


def manuscript_words(folder: Path) -> Counter:
    text = "\n".join(p.read_text(encoding="utf-8")
                     for p in sorted((folder / "chapters").glob("*.md")))
    text = re.sub(r"\[\^\d+\]:?|\{\.\w+\}|^::: ?\w*$", " ", text, flags=re.M)
    return words(text.replace("\\", ""))


@pytest.mark.parametrize("title", TITLES)
def test_a_word_book_imports_every_word_and_builds(title, tmp_path):
    target = tmp_path / "m"
    report = write_manuscript(WORD / f"{title}.docx", target)
    expected, imported = document_words(WORD / f"{title}.docx"), manuscript_words(target)
    assert expected - imported == Counter()  # nothing lost
    extra = imported - expected
    titled = " ".join(line for line in report if "before the first Heading 1" in line)
    assert set(extra) <= set(re.findall(r"\w+", titled))  # only that chapter's title
    build(target, tmp_path / "dist", ROOT / "styles", stream=io.StringIO(), force=True)


def test_the_notes_quotations_and_poems_of_the_word_files(tmp_path):
    cliff = tmp_path / "cliff"
    report = write_manuscript(WORD / f"{TITLES[0]}.docx", cliff)
    text = next((cliff / "chapters").glob("*.md")).read_text(encoding="utf-8")
    assert report[0].startswith("imported cliff-german-revolution-1923.docx: 1 chapter, 27 notes")
    calls = re.findall(r"\[\^(\d+)\](?!:)", text)
    notes = re.findall(r"^\[\^(\d+)\]: \S", text, re.M)
    assert calls == notes == [str(n) for n in range(1, 28)]  # each linked, none empty
    assert text.count("\n> ") >= 18  # the block quotations (Word's Quotations style)
    styled = mammoth.convert_to_html(str(WORD / f"{TITLES[0]}.docx"), style_map=STYLE_MAP).value
    italics = re.findall(r"(?<![*\\])\*(?![*\s])[^*\n]+?(?<![\\\s])\*(?!\*)", text)
    assert len(italics) == styled.count("<em>") == 26  # titles of works (Word's Quotation
    # character style, from <cite>) and emphasis alike
    whitman = tmp_path / "whitman"
    write_manuscript(WORD / f"{TITLES[1]}.docx", whitman)
    poems = sum(p.read_text(encoding="utf-8").count("::: poem\n")
                for p in (whitman / "chapters").glob("*.md"))
    assert poems == 34  # every poem of the book, the epigraph among them


def test_constructs_word_makes(tmp_path):
    target = tmp_path / "m"
    write_manuscript(WORD / "constructs.docx", target)
    one, two = sorted((target / "chapters").glob("*.md"))
    text = one.read_text(encoding="utf-8")
    assert text.startswith("# The First Chapter\n")
    assert "the *Morning Star* that left first, and **nobody** waited.[^1]" in text
    assert "[^1]: The ship was *old*." in text and "\n## Streets\n" in text
    assert "\n> The lamps were lit one by one" in text
    assert "- second thing\n  - inner thing" in text
    assert "| Year | Count |\n|---|---|\n| 1923 | 12 |" in text and "\n* * *\n" in text
    assert "[^1]: A second note." in two.read_text(encoding="utf-8")  # numbered per chapter
    toml = (target / "book.toml").read_text(encoding="utf-8")
    assert 'title = "A Test of Word"' in toml and 'author = "Ann Writer"' in toml


def test_tracked_changes_are_refused_unless_accepted_or_rejected(tmp_path):
    with pytest.raises(BuildError) as caught:
        write_manuscript(WORD / "tracked.docx", tmp_path / "refused")
    shown = [str(p) for p in caught.value.problems]
    assert any("W101" in s and "insertion by Editor One: “with new words”" in s for s in shown)
    assert any("deletion by Editor Two: “old words”" in s for s in shown)
    assert not (tmp_path / "refused").exists()
    report = write_manuscript(WORD / "tracked.docx", tmp_path / "accepted", "accept")
    accepted = next((tmp_path / "accepted" / "chapters").glob("*.md")).read_text("utf-8")
    assert "begins with new words and ends" in accepted and "old words" not in accepted
    assert "comment by Reviewer: “Check this sentence.”" in report
    write_manuscript(WORD / "tracked.docx", tmp_path / "rejected", "reject")
    rejected = next((tmp_path / "rejected" / "chapters").glob("*.md")).read_text("utf-8")
    assert "old words" in rejected and "new words" not in rejected
    assert "Check this sentence" not in accepted + rejected  # a comment is not text


def test_a_file_that_is_not_word_is_an_error(tmp_path):
    fake = tmp_path / "book.docx"
    fake.write_text("not a zip", encoding="utf-8")
    with pytest.raises(BuildError, match="W100: not a Word document"):
        write_manuscript(fake, tmp_path / "m")


def test_superscript_and_small_caps_from_word(tmp_path):
    """Word marks an ordinal as superscript (w:vertAlign): the format's [er]{.sup}, a <sup>."""
    target = tmp_path / "m"
    write_manuscript(WORD / "superscript.docx", target)
    text = next((target / "chapters").glob("*.md")).read_text(encoding="utf-8")
    assert "Le 1[er]{.sup} mai, [Mme]{.smallcaps} Durand arriva." in text
    build(target, tmp_path / "dist", ROOT / "styles", stream=io.StringIO(), force=True)
    chapter = next((tmp_path / "dist" / "xhtml").glob("ch-*.xhtml")).read_text(encoding="utf-8")
    assert "Le 1<sup>er</sup> mai" in chapter


def test_quotations_and_scene_breaks_made_by_layout(tmp_path):
    """Most authors make a quotation by indenting both sides, and a new scene by a page break."""
    target = tmp_path / "m"
    report = write_manuscript(WORD / "layout.docx", target)
    text = next((target / "chapters").glob("*.md")).read_text(encoding="utf-8")
    assert "He read the letter aloud:\n\n> Come at once, and bring the papers with you.\n\n" \
        "Then he folded it.\n\n* * *\n\nThe next scene began after a page break." in text
    assert "1 paragraphs indented on both sides imported as quotations" in report
    assert not any("ToolchainQuote" in line for line in report)
