"""The publisher's workflow: clear errors, atomic output, no-op rebuilds, any manuscript."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import NS, ROOT, make_book, xml
from test_pdf import pages_text

from toolchain.build import build
from toolchain.check.pdfcheck import check_fonts
from toolchain.cli import main

SMALL = {
    "01-arrival.md": "# Arrival\n\nThe train came in late.[^1*] Nobody waited.\n\n"
                     "> A quotation, of one paragraph.\n\n[^1*]: It was always late.\n",
    "02-the-town.md": "# The Town\n\n## Streets\n\nThe streets were *leer*{lang=de}.\n\n"
                      "## Houses\n\nThe houses were shut.[^1*]\n\n[^1*]: Even the inn.\n",
    "03-departure.md": "# Departure\n\nShe left on the *Morning Star*{.title}.\n",
}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A second book: three chapters, its own metadata, no table, footnotes only."""
    root = tmp_path_factory.mktemp("small")
    make_book(root / "manuscript", SMALL, title="Three Short Chapters")
    build(root / "manuscript", root / "dist", ROOT / "styles", stream=io.StringIO())
    return root


def run_cli(capsys, *args) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().err


def test_second_book_builds_from_its_own_manuscript(small):
    out = small / "dist"
    assert sorted(p.name for p in out.iterdir()) == [
        "report.json", "small-book-cover.pdf", "small-book-print.pdf", "small-book.epub",
        "small-book.kepub.epub", "small-book.pdf", "xhtml"]
    with zipfile.ZipFile(out / "small-book.epub") as epub:
        opf = xml(epub.read("EPUB/content.opf"))
        items = {i.get("id"): i.get("href") for i in opf.xpath("//opf:item", namespaces=NS)}
        spine = [items[r.get("idref")] for r in opf.xpath("//opf:itemref", namespaces=NS)]
        assert spine == ["cover.xhtml", "titlepage.xhtml", "toc.xhtml", "ch-01-arrival.xhtml",
                         "ch-02-the-town.xhtml", "ch-03-departure.xhtml", "colophon.xhtml"]
        assert opf.xpath("//dc:title", namespaces=NS)[0].text == "Three Short Chapters"
        town = xml(epub.read("EPUB/ch-02-the-town.xhtml"))
        assert len(town.xpath("//h:aside[@epub:type='footnote']", namespaces=NS)) == 1
        assert not town.xpath("//h:table", namespaces=NS)
    text = pages_text(out / "small-book.pdf")
    page = [k for k, t in enumerate(text) if "The houses were shut.*" in t]
    assert page and "* Even the inn." in text[page[0]]
    assert check_fonts(out / "small-book.pdf") == []
    report = json.loads((out / "report.json").read_text())
    assert report["validators"]["epubcheck"] == {"nFatal": 0, "nError": 0, "nWarning": 0,
                                                 "nUsage": 0}


def test_no_op_rebuild_does_no_work(small):
    out = small / "dist"
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    start = time.perf_counter()
    report = build(small / "manuscript", out, ROOT / "styles", stream=io.StringIO())
    took = time.perf_counter() - start
    assert report["up_to_date"] is True
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before
    print(f"no-op rebuild: {took:.3f} s")  # a figure for the log, not an assertion


@pytest.mark.parametrize("library", ["pillow", "pikepdf", "pydyf", "fonttools", "python-stdnum"])
def test_an_upgraded_library_is_never_up_to_date(small, monkeypatch, library):
    """Pillow, pikepdf, pydyf or the ISBN ranges upgraded: the same sources may give other
    bytes, so the build key changes (the build itself is not run again here)."""
    from toolchain import build as building

    when = datetime(2026, 1, 1, tzinfo=UTC)
    key, _ = building.input_key(small / "manuscript", ROOT / "styles", when)
    real = building.version
    monkeypatch.setattr(building, "version",
                        lambda name: real(name) + ".post1" if name == library else real(name))
    assert building.input_key(small / "manuscript", ROOT / "styles", when)[0] != key


def test_report_records_inputs_outputs_and_warnings(small):
    report = json.loads((small / "dist" / "report.json").read_text())
    assert set(report["inputs"]) >= {"manuscript/book.toml", "manuscript/chapters/01-arrival.md",
                                     "styles/print.css"}
    epub = report["outputs"]["small-book.epub"]
    data = (small / "dist" / "small-book.epub").read_bytes()
    assert epub["size"] == len(data) and len(epub["sha256"]) == 64
    assert report["outputs"]["small-book.pdf"]["pages"] >= 4
    assert set(report["stage_seconds"]) >= {"lint", "xhtml", "epub", "pdf (screen)"}
    assert report["warnings"] == [
        "small-book-cover.pdf: no print ISBN in book.toml (isbn.print), so the back carries no "
        "barcode", "small-book-cover.pdf: no description in book.toml, so the back cover is bare"]


def broken(small: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the small book and its dist/, to break."""
    shutil.copytree(small / "manuscript", tmp_path / "manuscript")
    shutil.copytree(small / "dist", tmp_path / "dist")
    return tmp_path / "manuscript", tmp_path / "dist"


ERRORS = {
    "broken note": (
        lambda m: (m / "chapters" / "03-departure.md").write_text("# Departure\n\nGone.[^2*]\n"),
        "chapters/03-departure.md:3:6: error M001: note call [^2*] has no note "
        "(add a line `[^2*]: …` or remove the call)"),
    "unknown attribute": (
        lambda m: (m / "chapters" / "03-departure.md").write_text("# D\n\nThe *ship*{.big}.\n"),
        "chapters/03-departure.md:3:11: error M009: unknown attribute '.big' "
        "(use .title, .smallcaps, .sup, .incomplete or lang=xx)"),
    "malformed metadata": (
        lambda m: (m / "book.toml").write_text('title = "Unclosed\nauthor = "X"\n'),
        "book.toml:1:18: error M102: malformed TOML: Illegal character '\\n' "
        "(at line 1, column 18) (see the manuscript format in README.md)"),
    "missing metadata": (
        lambda m: (m / "book.toml").write_text(
            (m / "book.toml").read_text().replace('author = "A. N. Author"\n', "")),
        "book.toml:1:1: error M103: the book has no author "
        '(add `author = "…"`, or a [[contributors]] entry with role = "aut")'),
    "missing chapter": (
        lambda m: (m / "chapters" / "02-the-town.md").unlink(),
        "book.toml:6:1: error M101: chapter file 'chapters/02-the-town.md' does not exist "
        "(fix the path in `chapters` or create the file)"),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_error_names_file_line_and_remedy_and_leaves_dist(small, tmp_path, capsys, case):
    manuscript, out = broken(small, tmp_path)
    before = snapshot(out)
    ERRORS[case][0](manuscript)
    code, err = run_cli(capsys, "build", "--manuscript", str(manuscript), "--out", str(out),
                        "--styles", str(ROOT / "styles"))
    assert code == 1
    first = err.splitlines()[0]
    assert first == f"{manuscript}/{ERRORS[case][1]}"
    assert err.splitlines()[-1] == f"build: failed; {out}/ was left as it was"
    assert "Traceback" not in err
    assert snapshot(out) == before
    assert not list(out.parent.glob(".dist.build-*"))


def test_missing_font(small, tmp_path, capsys):
    manuscript, out = broken(small, tmp_path)
    styles = tmp_path / "styles"
    shutil.copytree(ROOT / "styles", styles)
    (styles / "fonts" / "SourceSerif4-It.otf").unlink()
    before = snapshot(out)
    code, err = run_cli(capsys, "build", "--manuscript", str(manuscript), "--out", str(out),
                        "--styles", str(styles))
    assert code == 1
    assert err.splitlines()[0] == (
        f"{styles}/print.css:5:1: error P003: font file fonts/SourceSerif4-It.otf is missing "
        "(restore styles/fonts/ from the repository)")
    assert snapshot(out) == before


def test_no_java(small, tmp_path, capsys, monkeypatch):
    manuscript, out = broken(small, tmp_path)
    (manuscript / "chapters" / "03-departure.md").write_text("# Departure\n\nChanged.\n")
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    code, err = run_cli(capsys, "build", "--manuscript", str(manuscript), "--out", str(out),
                        "--styles", str(ROOT / "styles"))
    assert code == 1
    assert err.splitlines()[0] == (
        "java: error E001: Java is not installed; EPUBCheck needs it (install a Java runtime "
        "11 or newer (Debian: apt-get install default-jre-headless) and make sure `java` is on "
        "PATH)")


def test_debug_shows_the_traceback(small, tmp_path, capsys):
    manuscript, out = broken(small, tmp_path)
    (manuscript / "book.toml").write_text("title = \n")
    code, err = run_cli(capsys, "build", "--debug", "--manuscript", str(manuscript),
                        "--out", str(out), "--styles", str(ROOT / "styles"))
    assert code == 1 and "Traceback" in err


def test_build_failing_in_a_late_stage_leaves_old_dist_byte_identical(small, tmp_path):
    """XHTML written, the print layout refused: nothing of the half-built output reaches
    dist/."""
    manuscript, out = broken(small, tmp_path)
    (manuscript / "chapters" / "03-departure.md").write_text("# Departure\n\nA new line.\n")
    styles = tmp_path / "styles"
    shutil.copytree(ROOT / "styles", styles)
    with (styles / "print.css").open("a") as css:
        css.write("\nbody { background: url(file:///etc/passwd); }\n")
    before = snapshot(out)
    log = io.StringIO()
    with pytest.raises(Exception, match="refused to load file:///etc/passwd"):
        build(manuscript, out, styles, stream=log)
    assert "[4/14]  validate xhtml    done" in log.getvalue()  # it got that far
    assert snapshot(out) == before
    assert not list(tmp_path.glob(".dist.build-*"))


@pytest.mark.parametrize("moment", ["xhtml/*.xhtml", "*.epub", "*.pdf"])
def test_killed_build_leaves_old_dist_and_is_cleaned_up_next_time(small, tmp_path, moment):
    """SIGKILL at three points of the build: dist/ stays the old one, complete, and the next
    build removes the dead build's temporary directory."""
    manuscript, out = broken(small, tmp_path)
    (manuscript / "chapters" / "03-departure.md").write_text("# Departure\n\nKilled.\n")
    before = snapshot(out)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "toolchain", "build", "--manuscript",
                             str(manuscript), "--out", str(out), "--styles",
                             str(ROOT / "styles")], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not list(tmp_path.glob(f".dist.build-*/{moment}")) and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert list(tmp_path.glob(".dist.build-*")), "the build had started writing"
    assert snapshot(out) == before
    build(manuscript, out, ROOT / "styles", stream=io.StringIO())
    assert not list(tmp_path.glob(".dist.build-*"))
    assert "Killed." in (out / "xhtml" / "ch-03-departure.xhtml").read_text()


def test_second_build_into_the_same_dist_at_once_is_refused(small, tmp_path):
    manuscript, out = broken(small, tmp_path)
    (manuscript / "chapters" / "03-departure.md").write_text("# Departure\n\nRacing.\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "toolchain", "build", "--manuscript", str(manuscript),
            "--out", str(out), "--styles", str(ROOT / "styles")]
    first = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while not list(tmp_path.glob(".dist.build-*")) and time.time() < deadline:
        time.sleep(0.02)
    second = subprocess.run(args, env=env, capture_output=True, text=True)
    assert first.wait() == 0
    assert second.returncode == 1
    assert "error E031: another build is writing this output directory now" in second.stderr
    assert "Racing." in (out / "xhtml" / "ch-03-departure.xhtml").read_text()


def test_proof_renders_every_page_and_a_contact_sheet(small, tmp_path, capsys):
    out = tmp_path / "dist"
    shutil.copytree(small / "dist", out)
    assert main(["proof", "--out", str(out)]) == 0
    report = json.loads((out / "report.json").read_text())
    for name in ("small-book", "small-book-print"):
        pages = report["outputs"][f"{name}.pdf"]["pages"]
        assert len(list((out / "proofs").glob(f"{name}-[0-9][0-9][0-9].png"))) == pages
        assert (out / "proofs" / f"{name}-sheet.png").stat().st_size > 1000
    assert "small-book-sheet.png" in capsys.readouterr().out


def test_proof_lists_the_pages_an_edit_changed(small, tmp_path, capsys):
    """An edit in the last chapter moves its page, and no other: the proof says which."""
    manuscript, out = broken(small, tmp_path)
    assert main(["proof", "--out", str(out)]) == 0
    assert "first proof" in capsys.readouterr().out
    chapter = manuscript / "chapters" / "03-departure.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("She left", "She had left"),
                       encoding="utf-8")
    build(manuscript, out, ROOT / "styles", stream=io.StringIO())
    assert main(["proof", "--out", str(out)]) == 0
    shown = capsys.readouterr().out
    pages = {n: json.loads((out / "report.json").read_text())["outputs"][f"{n}.pdf"]["pages"]
             for n in ("small-book", "small-book-print")}
    departure = next(k for k in range(1, pages["small-book"] + 1)
                     if "had left" in pdf_page_text(out / "small-book.pdf", k))
    assert f"changed since the last proof: 1 of {pages['small-book']} pages: p. {departure} (" \
        in shown
    assert f"changed since the last proof: 1 of {pages['small-book-print']} pages: " \
        f"p. {departure} (" in shown
    assert "small-book-cover-*.png: 1 pages" in shown and "no page changed" in shown
    assert main(["proof", "--out", str(out)]) == 0  # nothing new: nothing changed
    assert capsys.readouterr().out.count("no page changed since the last proof") == 3


def pdf_page_text(path, number: int) -> str:
    import pypdfium2

    doc = pypdfium2.PdfDocument(path)
    try:
        return doc[number - 1].get_textpage().get_text_range()
    finally:
        doc.close()


def test_a_rebuild_after_an_edit_equals_a_clean_build_of_the_same_sources(small, tmp_path):
    """An incremental result that differs from a clean build is a bug, not an optimisation."""
    manuscript, out = broken(small, tmp_path)
    chapter = manuscript / "chapters" / "02-the-town.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nOne more line.\n",
                       encoding="utf-8")
    build(manuscript, out, ROOT / "styles", stream=io.StringIO())  # over the previous build
    clean = tmp_path / "clean"
    build(manuscript, clean, ROOT / "styles", stream=io.StringIO(), force=True)
    assert snapshot(out).keys() == snapshot(clean).keys()
    for name, data in snapshot(clean).items():
        if name != "report.json":  # it records the stage times
            assert snapshot(out)[name] == data, name
