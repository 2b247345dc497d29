"""`watch`: an edit to a chapter reaches the preview page and the rebuilt EPUB and PDFs; an error
shows in the terminal and on the page, and the last good dist/ stays."""

from __future__ import annotations

import io
import json
import re
import shutil
import threading
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, make_book
from test_workflow import SMALL, snapshot

from toolchain.build import build
from toolchain.watch import Watcher


def wait_for(condition, seconds: float = 180):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    raise AssertionError("timed out waiting for the watcher")


def get(watcher: Watcher, path: str) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{watcher.port}{path}", timeout=10) as reply:
        return reply.read().decode("utf-8")


def chapter_in_epub(out: Path) -> str:
    with zipfile.ZipFile(next(out.glob("*.epub"))) as epub:
        return epub.read("EPUB/ch-02-the-town.xhtml").decode("utf-8")


@pytest.fixture
def watching(tmp_path):
    manuscript = make_book(tmp_path / "manuscript", SMALL, title="Three Short Chapters")
    styles = tmp_path / "styles"
    shutil.copytree(ROOT / "styles", styles)
    log = io.StringIO()
    watcher = Watcher(manuscript, tmp_path / "dist", styles, stream=log)
    thread = threading.Thread(target=watcher.run, kwargs={"port": 0, "interval": 0.1})
    thread.start()
    try:
        wait_for(lambda: watcher.state["build"] == 1)
        yield watcher, manuscript, log
    finally:
        watcher.stop()
        thread.join(60)


def test_an_edit_reaches_the_page_and_the_rebuilt_book(watching):
    watcher, manuscript, log = watching
    page = get(watcher, "/ch-02-the-town.xhtml")
    assert '<script src="/__live.js"></script></body>' in page
    assert "Streets" in page and "A lamp-lighter passed." not in page
    chapter = manuscript / "chapters" / "02-the-town.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nA lamp-lighter passed.\n",
                       encoding="utf-8")
    wait_for(lambda: watcher.state["build"] == 2)
    assert watcher.state["preview"] == 2 and watcher.state["error"] == ""
    assert "A lamp-lighter passed." in get(watcher, "/ch-02-the-town.xhtml")
    assert "A lamp-lighter passed." in chapter_in_epub(watcher.out)
    assert "is up to date; waiting for changes" in log.getvalue()


def test_an_error_shows_on_the_page_and_keeps_the_last_good_build(watching):
    watcher, manuscript, log = watching
    before = snapshot(watcher.out)
    chapter = manuscript / "chapters" / "03-departure.md"
    chapter.write_text("# Departure\n\nGone.[^2*]\n", encoding="utf-8")
    wait_for(lambda: watcher.state["preview"] == 2)
    status = get(watcher, "/__status")
    assert "03-departure.md:3:6: error M001: note call [^2*] has no note" in status
    assert "note call [^2*] has no note" in log.getvalue()
    assert snapshot(watcher.out) == before
    chapter.write_text("# Departure\n\nBack again.\n", encoding="utf-8")  # mended: it rebuilds
    wait_for(lambda: watcher.state["build"] == 2)
    assert watcher.state["error"] == ""


def pdf_text(path: Path) -> str:
    """The PDF's words, with the lines joined again (and divided words whole)."""
    import pypdfium2

    doc = pypdfium2.PdfDocument(path)
    try:
        text = "".join(page.get_textpage().get_text_range() for page in doc)
    finally:
        doc.close()
    return " ".join(re.sub(r"-\s*\n\s*", "", text).split())


def same_as_a_clean_build(manuscript: Path, out: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    build(manuscript, clean, ROOT / "styles", stream=io.StringIO(), force=True)
    same_files(out, clean)


def same_files(out: Path, clean: Path) -> None:
    ours, theirs = snapshot(out), snapshot(clean)
    assert ours.keys() == theirs.keys()
    for name, data in theirs.items():
        if name != "report.json":  # it records the stage times
            assert ours[name] == data, name


@pytest.mark.slow
def test_an_edited_chapter_is_laid_out_alone_and_the_book_is_a_clean_builds(tmp_path, built):
    """The watch keeps its last layout: a word changed in the title's chapter lays out that
    chapter alone (the book's date, to the second in the PDF's metadata, changes with it),
    and the EPUB and PDFs are byte for byte a clean build's, also when the edit takes the
    only use of a letter out of the book (its glyph out of the fonts); an edit that makes
    the chapter pages longer lays the whole book out again, and is a clean build's too."""
    manuscript = tmp_path / "manuscript"
    shutil.copytree(ROOT / "manuscript", manuscript)  # not in git: dated by its newest file
    watcher = Watcher(manuscript, tmp_path / "dist", ROOT / "styles", stream=io.StringIO())
    thread = threading.Thread(target=watcher.run, kwargs={"port": 0, "interval": 0.1})
    thread.start()
    try:
        wait_for(lambda: watcher.state["build"] == 1)
        chapter = next((manuscript / "chapters").glob("*.md"))
        text = chapter.read_text(encoding="utf-8")
        assert text.count("the workers") > 5
        time.sleep(1.1)  # a new second: the book's date changes with the edit
        chapter.write_text(text.replace("the workers", "the wørkers", 1), encoding="utf-8")
        wait_for(lambda: watcher.state["build"] == 2)
        report = json.loads((watcher.out / "report.json").read_text(encoding="utf-8"))
        assert report["laid out alone"] == ["doc-ch-03-german-revolution-of-1923",
                                            "doc-halftitle"]  # (the first: the metadata)
        assert "the wørkers" in pdf_text(watcher.out / "cliff-german-revolution-1923.pdf")
        same_as_a_clean_build(manuscript, watcher.out, tmp_path)

        chapter.write_text(text, encoding="utf-8")  # the book's one ø gone again: its fonts
        wait_for(lambda: watcher.state["build"] == 3)  # are a clean build's, without it
        report = json.loads((watcher.out / "report.json").read_text(encoding="utf-8"))
        assert report["laid out alone"] == ["doc-halftitle"]  # the chapter as it was: kept
        same_files(watcher.out, built)  # the title as it is: the session's clean build

        longer = text.replace("\n## ", "\n" + "The strike went on. " * 200 + "\n\n## ", 1)
        chapter.write_text(longer, encoding="utf-8")
        wait_for(lambda: watcher.state["build"] == 4)
        report = json.loads((watcher.out / "report.json").read_text(encoding="utf-8"))
        assert watcher.state["error"] == ""  # the chapter longer: what follows it moves
        assert {"doc-ch-03-german-revolution-of-1923", "doc-notes", "doc-index",
                "doc-colophon"} <= set(report["laid out alone"])
        same_as_a_clean_build(manuscript, watcher.out, tmp_path)
    finally:
        watcher.stop()
        thread.join(60)
