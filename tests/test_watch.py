"""`watch`: an edit to a chapter reaches the preview page and the rebuilt EPUB and PDFs; an error
shows in the terminal and on the page, and the last good dist/ stays."""

from __future__ import annotations

import io
import shutil
import threading
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, make_book
from test_workflow import SMALL, snapshot

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
