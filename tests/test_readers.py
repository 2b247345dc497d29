"""The EPUB in real reading engines: epub.js in headless Chromium, and calibre's Kindle route.

`nox -s check` installs epub.js (pinned in toolchain/epubjs/package-lock.json) and runs these
with every other check; elsewhere they are skipped if epub.js or calibre is absent. Each
engine is shown to fail on a damaged copy of the title, as the title was before issue 16:
calls without <sup>, note lists that show their own numbers and the list's."""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from toolchain.check.readers import kindle_html, run_epubjs, run_kindle

needs_epubjs = pytest.mark.skipif(not os.environ.get("EPUBJS_MODULES"),
                                  reason="epub.js is installed by `nox -s check`")
needs_calibre = pytest.mark.skipif(shutil.which("ebook-convert") is None,
                                   reason="calibre is not installed")


def damaged(epub: Path, target: Path) -> Path:
    """The EPUB with its note calls on the baseline and its lists' own markers shown."""
    with zipfile.ZipFile(epub) as source, zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith(".xhtml"):
                data = re.sub(rb"<sup>([^<]*)</sup>", rb"\1", data)
            elif info.filename.endswith(".css"):
                data = re.sub(rb"list-style[^;}]*;?", b"", data)
                data = re.sub(rb"\.noteref[^{]*\{[^}]*\}", b"", data)
            out.writestr(info, data)
    return target


@needs_epubjs
def test_the_title_reads_right_in_epubjs_on_a_phone(built, tmp_path):
    epub = next(built.glob("*.epub"))
    problems, summary = run_epubjs(epub, tmp_path, ("html-360x640",))
    assert problems == [], problems
    assert "calls raised 27/27, notes reached 27/27, lists numbered twice 0" in summary
    shot = Image.open(tmp_path / "html-360x640" / "note-call.png")
    assert shot.size == (360, 640)
    assert (tmp_path / "html-360x640" / "table.png").is_file()


@needs_epubjs
def test_epubjs_sees_calls_on_the_baseline_and_lists_numbered_twice(built, tmp_path):
    epub = damaged(next(built.glob("*.epub")), tmp_path / "damaged.epub")
    problems, summary = run_epubjs(epub, tmp_path / "shots", ("html-360x640",))
    messages = [p.message for p in problems]
    assert sum("is on the baseline" in m for m in messages) == 27
    assert sum("numbered twice" in m for m in messages) >= 25  # the notes, and the contents
    assert "calls raised 0/27" in summary


@needs_calibre
def test_the_kindle_route_keeps_raised_calls_and_single_numbers(built, tmp_path):
    epub = next(built.glob("*.epub"))
    problems, summary = run_kindle(epub)
    assert problems == [] and summary == "AZW3: calls raised 27/27, list items numbered twice 0"
    problems, summary = run_kindle(damaged(epub, tmp_path / "damaged.epub"))
    assert {p.code for p in problems} == {"R011", "R012"}


def test_kindle_html_reads_calibres_flattened_css():
    html = ('<html><body><p>Text<a role="doc-noteref" class="n"><span class="c1">1</span></a>'
            '<a role="doc-noteref"><sup>2</sup></a><a role="doc-noteref">3</a></p>'
            '<ol class="l1"><li>1. A note.</li></ol><ol class="l2"><li>2. Another.</li></ol>'
            '<ol class="l2"><li>Not numbered in its text.</li></ol></body></html>')
    css = (".c1 {\n  vertical-align: super\n  }\n.l1 {\n  list-style-type: none\n  }\n"
           ".l2 {\n  list-style-type: decimal\n  }\n")
    assert kindle_html(html, css) == (3, 2, 1)


def test_a_reader_that_never_finishes_fails_the_check_and_is_not_called_missing(tmp_path):
    import sys

    from toolchain.check import outputs, readers
    from toolchain.errors import BuildError

    pid = tmp_path / "pid"
    with pytest.raises(BuildError) as caught:  # a reader that would run for a minute
        readers.run_reader(tmp_path / "book.epub", "a reader", [
            sys.executable, "-c", f"import os, time; open({str(pid)!r}, 'w').write("
            "str(os.getpid())); time.sleep(60)"], 2)
    problem = caught.value.problems[0]
    assert problem.code == "E016" and "did not finish with the book in 2 s" in problem.message
    assert problem.code not in outputs.NOT_INSTALLED  # a failed check, not "not run"
    with pytest.raises(ProcessLookupError):  # stopped, not left running
        os.kill(int(pid.read_text()), 0)


@needs_calibre
def test_a_book_calibre_cannot_convert_fails_the_kindle_check(tmp_path):
    from toolchain.errors import BuildError

    broken = tmp_path / "broken.epub"
    broken.write_bytes(b"PK\x03\x04 not a whole archive")
    with pytest.raises(BuildError) as caught:
        run_kindle(broken)
    assert caught.value.problems[0].code == "E016", caught.value.problems[0]


def test_a_reader_that_says_nothing_readable_fails_the_check(tmp_path, monkeypatch):
    """epub.js's measures are its output: output that is not them is a failed check
    (E016), not a traceback."""
    import subprocess

    from toolchain.check import readers
    from toolchain.errors import BuildError

    monkeypatch.setattr(readers, "run_reader", lambda *a, **k: subprocess.CompletedProcess(
        a[2], 0, "Segmentation fault (core dumped)", ""))
    monkeypatch.setattr(readers.places, "epubjs_modules", lambda: str(tmp_path))
    monkeypatch.setattr(readers.shutil, "which", lambda name: "/usr/bin/node")
    monkeypatch.setenv("PUPPETEER_EXECUTABLE_PATH", "/bin/sh")  # (there, and executable)
    (tmp_path / "epubjs").mkdir()
    with pytest.raises(BuildError) as caught:
        run_epubjs(tmp_path / "book.epub", tmp_path / "shots")
    assert caught.value.problems[0].code == "E016"
    assert "epub.js gave no measures of the book" in caught.value.problems[0].message
