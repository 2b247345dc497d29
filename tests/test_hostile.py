"""Nothing lost, nothing let in: manuscripts and command lines a hostile or careless user gives.

Each case is a row of issue 8's table. Most are refused before any long stage, so they are
fast; each asserts the exit code, the message (file, line, what to do) and that nothing
outside the output directory changed.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, make_book

from toolchain.build import build
from toolchain.cli import main
from toolchain.errors import BuildError
from toolchain.read import manuscript as manuscript_module
from toolchain.read.markdown import read_book
from toolchain.write.xhtml import write_documents

STYLES = ROOT / "styles"
ONE = "# One\n\nSome text.\n"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run(capsys, *args) -> tuple[int, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.err + captured.out


def build_cli(capsys, manuscript: Path, out: Path, *extra) -> tuple[int, str]:
    return run(capsys, "build", "--manuscript", manuscript, "--out", out, "--styles", STYLES, *extra)


@pytest.fixture
def book(tmp_path) -> Path:
    return make_book(tmp_path / "manuscript", {"one.md": ONE})


# --- the output directory ----------------------------------------------------------------

@pytest.mark.parametrize("target", ["manuscript", "chapters", "styles", "project", "file",
                                    "folder of other files", "parent of manuscript"])
def test_out_that_is_not_a_build_directory_is_refused_and_nothing_deleted(
        tmp_path, capsys, book, target):
    styles = tmp_path / "styles"
    shutil.copytree(STYLES, styles)
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    (tmp_path / "notes.txt").write_text("mine\n")
    (tmp_path / "papers").mkdir()
    (tmp_path / "papers" / "letter.txt").write_text("keep me\n")
    out = {"manuscript": book, "chapters": book / "chapters", "styles": styles,
           "project": tmp_path, "file": tmp_path / "notes.txt",
           "folder of other files": tmp_path / "papers", "parent of manuscript": tmp_path}[target]
    before = snapshot(tmp_path)
    code, err = run(capsys, "build", "--manuscript", book, "--out", out, "--styles", styles)
    assert code == 1, err
    assert "error E030: refusing to write the build here" in err
    assert "Traceback" not in err
    assert snapshot(tmp_path) == before


def test_out_dot_and_empty_are_refused(tmp_path, capsys, book, monkeypatch):
    monkeypatch.chdir(ROOT)
    before = snapshot(book)
    code, err = run(capsys, "build", "--manuscript", book, "--out", ".", "--styles", STYLES)
    assert code == 1 and "error E030: refusing to write the build here" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["build", "--manuscript", str(book), "--out", ""])
    assert exit_info.value.code == 2
    assert "an empty path names no directory" in capsys.readouterr().err
    assert snapshot(book) == before


def test_previous_build_and_empty_directory_are_accepted(tmp_path, book):
    (tmp_path / "empty").mkdir()
    from toolchain.build import guard_output

    guard_output(tmp_path / "empty", book, STYLES)
    guard_output(tmp_path / "new", book, STYLES)
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "report.json").write_text(json.dumps(
        {"slug": "x", "outputs": {}, "input_key": "k"}))
    (tmp_path / "old" / "x.epub").write_text("")
    guard_output(tmp_path / "old", book, STYLES)


def test_two_builds_into_one_directory_at_once(tmp_path, capsys, book):
    from toolchain.build import output_lock

    out = tmp_path / "dist"
    with output_lock(out):
        code, err = build_cli(capsys, book, out)
    assert code == 1 and "error E031: another build is writing this output directory now" in err
    assert not out.exists()


def mount_tmpfs(path: Path, options: str) -> bool:
    path.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                          capture_output=True)
    return done.returncode == 0


@pytest.fixture
def tiny_disk(tmp_path):
    disk = tmp_path / "disk"
    if not mount_tmpfs(disk, "size=64k"):
        pytest.skip("cannot mount a tmpfs here (not root)")
    yield disk
    subprocess.run(["umount", "-l", str(disk)])


def test_full_disk_is_a_clear_error_and_leaves_nothing(tiny_disk, capsys, book):
    out = tiny_disk / "dist"
    code, err = build_cli(capsys, book, out)
    assert code == 1, err
    assert "error E020: cannot write: No space left on device (the disk is full" in err
    assert "Traceback" not in err
    assert sorted(p.name for p in tiny_disk.iterdir()) in ([], [".dist.lock"])


def test_read_only_output_is_a_clear_error(tmp_path, capsys, book):
    disk = tmp_path / "ro"
    if not mount_tmpfs(disk, "size=1m"):
        pytest.skip("cannot mount a tmpfs here (not root)")
    try:
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        code, err = build_cli(capsys, book, disk / "dist")
        assert code == 1 and "error E020: cannot write: Read-only file system" in err
        assert "Traceback" not in err
    finally:
        subprocess.run(["umount", "-l", str(disk)])


@pytest.fixture(scope="module")
def one_built(tmp_path_factory) -> Path:
    """The book of ONE built once: its manuscript and dist, for a test to copy and change."""
    root = tmp_path_factory.mktemp("one-built")
    build(make_book(root / "manuscript", {"one.md": ONE}), root / "dist", STYLES,
          stream=io.StringIO())
    return root


def copy_of(built: Path, folder: Path) -> tuple[Path, Path]:
    """A copy of `one_built` in `folder`: its manuscript and its dist."""
    shutil.copytree(built, folder, dirs_exist_ok=True)
    return folder / "manuscript", folder / "dist"


def test_injected_disk_full_in_a_writer_keeps_the_old_dist(tmp_path, capsys, one_built,
                                                           monkeypatch):
    import errno

    book, out = copy_of(one_built, tmp_path)
    before = snapshot(out)
    (book / "chapters" / "one.md").write_text("# One\n\nChanged text.\n")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "dist/x.epub")

    monkeypatch.setattr("toolchain.write.epub.write_epub", full)
    code, err = build_cli(capsys, book, out)
    assert code == 1 and "E020: cannot write: No space left on device" in err
    assert snapshot(out) == before
    assert not list(tmp_path.glob(".dist.build-*"))


def test_internal_error_is_one_line_exit_2_and_dist_untouched(tmp_path, capsys, one_built,
                                                               monkeypatch):
    book, out = copy_of(one_built, tmp_path)
    before = snapshot(out)
    (book / "chapters" / "one.md").write_text("# One\n\nOther text.\n")
    monkeypatch.setattr("toolchain.write.xhtml.write_documents",
                        lambda *a: (_ for _ in ()).throw(KeyError("bug")))
    code, err = build_cli(capsys, book, out)
    assert code == 2
    assert err.strip().splitlines()[-1] == ("internal error in xhtml; rerun with --debug and "
                                            "report it")
    assert "Traceback" not in err
    assert snapshot(out) == before
    code, err = build_cli(capsys, book, out, "--debug")
    assert code == 2 and "Traceback" in err and "KeyError: 'bug'" in err


# --- check and proof on damaged builds -------------------------------------------------

def test_check_on_a_corrupt_report(tmp_path, capsys):
    (tmp_path / "report.json").write_text("{not json")
    code, err = run(capsys, "check", "--out", tmp_path)
    assert code == 1 and "error E011: the build report is damaged" in err
    assert "Traceback" not in err


def test_proof_on_a_corrupt_pdf(tmp_path, capsys):
    (tmp_path / "book.pdf").write_bytes(b"%PDF-1.7\nnot really\n")
    code, err = run(capsys, "proof", "--out", tmp_path)
    assert code == 1 and "error E013: not a readable PDF" in err
    assert "Traceback" not in err


def test_check_without_ace_still_runs_the_pdf_checks(built, tmp_path, capsys, monkeypatch):
    """On an editor's machine a validator not installed is not run, and says how to install
    it; with TOOLCHAIN_CHECK_ALL (as nox -s check sets it) it fails the check."""
    out = tmp_path / "dist"
    shutil.copytree(built, out)
    for name in ("ACE_CLI", "EPUBJS_MODULES", "TOOLCHAIN_CHECK_ALL"):
        monkeypatch.delenv(name, raising=False)
    only_java = tmp_path / "bin"  # java alone: no calibre, no node, whatever the machine has
    only_java.mkdir()
    (only_java / "java").symlink_to(Path(shutil.which("java")).resolve())
    monkeypatch.setenv("PATH", str(only_java))
    monkeypatch.setattr("toolchain.places.PROJECT", tmp_path)  # nothing nox installed
    code, err = run(capsys, "check", "--out", out)
    assert code == 0
    assert re.search(r"^Ace .*not run: DAISY Ace is not installed \(run `nox -s check`", err, re.M)
    assert "not run: Ace, epub.js, Kindle (not installed" in err
    assert "EPUBCheck" in err and "0 fatal, 0 errors, 0 warnings" in err
    assert len(re.findall(r"^PDF ", err, re.M)) == 2 and "0 problems" in err
    assert "Parity " in err and "0 differences" in err
    monkeypatch.setenv("TOOLCHAIN_CHECK_ALL", "1")
    code, err = run(capsys, "check", "--out", out)
    assert code == 1 and "E003: DAISY Ace is not installed" in err


def test_a_validator_set_to_a_path_with_no_program_fails_the_check_cleanly(tmp_path,
                                                                           monkeypatch):
    """ACE_CLI naming a file that is not there: the check says Ace could not be started and
    where it looked (E016), as for any reader that fails; not an internal error."""
    from toolchain.check.outputs import run_ace

    monkeypatch.setenv("ACE_CLI", str(tmp_path / "no-such-ace-cli"))
    with pytest.raises(BuildError) as caught:
        run_ace(tmp_path / "book.epub")
    problem = caught.value.problems[0]
    assert problem.code == "E016" and "no-such-ace-cli" in problem.message


def test_font_outside_styles_is_refused(tmp_path, capsys, book):
    styles = tmp_path / "styles"
    shutil.copytree(STYLES, styles)
    css = (styles / "print.css").read_text()
    (styles / "print.css").write_text(
        css.replace("url(fonts/DejaVuSans.ttf)", "url(../../../usr/share/fonts/x.ttf)"))
    code, err = run(capsys, "build", "--manuscript", book, "--out", tmp_path / "dist",
                    "--styles", styles)
    assert code == 1 and "print.css:" in err and "error P004: font file" in err
    assert "is outside styles/" in err and "Traceback" not in err


# --- what a manuscript may say --------------------------------------------------------------

def first_error(capsys, manuscript: Path, tmp_path: Path) -> str:
    code, err = build_cli(capsys, manuscript, tmp_path / "dist")
    assert code == 1, err
    assert "Traceback" not in err
    assert not (tmp_path / "dist").exists()
    return next(line for line in err.splitlines()  # after the steps that went well
                if not re.match(r"\[\d+/\d+\] .* done ", line))


@pytest.mark.parametrize("text, where, message", [
    ("# One\n\nA bell\x07 rang.\n", "3:7", "error M010: control character U+0007"),
    ("# One\n\nA nul\x00 byte.\n", "3:6", "error M010: control character U+0000"),
    ("# One\n\n<div>hidden</div>\n\nAfter.\n", "3:1", "error M113: raw HTML '<div>hidden</div>'"),
    ("# One\n\nSome <b>bold</b> text.\n", "3:1", "error M113: raw HTML '<b>'"),
    ("# One\n\nA [link](javascript:alert(1)).\n", "3:1",
     "error M114: link to 'javascript:alert(1)' is refused"),
    ("# One\n\nA [link](file:///etc/passwd).\n", "3:1",
     "error M114: link to 'file:///etc/passwd' is refused"),
    ("# One\n\nSee [two](#nowhere).\n", "3:1", "error M114: cross-reference '#nowhere'"),
    ("# One\n\n" + "*" * 10000 + "deep" + "*" * 10000 + "\n", "3:1", "error M112"),
    ("# One\n\n" + "> " * 30 + "deep\n\nAfter.\n", "3:1", "error M112"),
    ("# One\n\n" + "- " * 30 + "deep\n", "3:1", "error M112"),
    ("# One\n\nThe sign \u6f22 here.\n", "3:10", "error M011: no font of the book has U+6F22"),
    ("# [^1]\n\nText.\n\n[^1]: A note.\n", "1:1", "error M132: a heading with no words"),
    ("# {.preface}\n\nText.\n", "1:1", "error M132: a heading with no words"),
    ("# One\n\n## *[^1]*\n\nText.\n\n[^1]: A note.\n", "3:1", "error M132"),
])
def test_manuscript_text_refused_with_file_and_line(tmp_path, capsys, text, where, message):
    book = make_book(tmp_path / "manuscript", {"one.md": text})
    first = first_error(capsys, book, tmp_path)
    assert first.startswith(f"{book}/chapters/one.md:{where}: {message}"), first


@pytest.mark.parametrize("chapters, message", [
    ('"/etc/hostname"', "`chapters` names '/etc/hostname', which is outside the manuscript"),
    ('"../../x.md"', "`chapters` names '../../x.md', which is outside the manuscript"),
    ('"chapters/link.md"', "`chapters` names 'chapters/link.md', which is outside the manuscript"),
])
def test_chapters_outside_the_manuscript_are_refused(tmp_path, capsys, chapters, message):
    (tmp_path / "x.md").write_text("# Outside\n\nSecret.\n")
    book = make_book(tmp_path / "a" / "manuscript", {"one.md": ONE})
    (book / "chapters" / "link.md").symlink_to(tmp_path / "x.md")
    toml = book / "book.toml"
    toml.write_text(toml.read_text().replace('"chapters/one.md"', chapters))
    first = first_error(capsys, book, tmp_path)
    assert first.startswith(f"{toml}:6:1: error M111: {message}"), first


def test_colophon_outside_the_manuscript_is_refused(tmp_path, capsys):
    book = make_book(tmp_path / "manuscript", {"one.md": ONE}, extra='colophon = "/etc/hostname"')
    first = first_error(capsys, book, tmp_path)
    assert first.startswith(f"{book}/book.toml:7:1: error M111: `colophon` names '/etc/hostname'")


@pytest.mark.parametrize("line, message", [
    ('slug = "../escaped"', "error M110: `slug` = '../escaped' is not allowed"),
    ("title = 1923", "error M109: `title` must be a string, not an integer"),
    ('author = {name = "A"}', "error M110: `author` = {'name': 'A'} is not allowed"),
    ('collection = "x"', "error M109: `collection` must be a table, not a string"),
    ('language = "english please"', "error M110: `language` = 'english please' is not allowed"),
    ('identifier = "12345"', "error M110: `identifier` = '12345' is not allowed"),
    ('titel = "Typo"', "error M108: unknown key 'titel' (did you mean `title`?)"),
    ('identifier = "urn:isbn:9780000000001"', "error M110: `identifier` = 'urn:isbn:9780000000001' "
     "is not a valid ISBN"),
])
def test_book_toml_schema(tmp_path, capsys, line, message):
    book = make_book(tmp_path / "manuscript", {"one.md": ONE})
    toml = book / "book.toml"
    key = line.split(" =")[0]
    lines = [x for x in toml.read_text().splitlines() if not x.startswith(f"{key} =")]
    lines.insert(2, line)
    toml.write_text("\n".join(lines) + "\n")
    first = first_error(capsys, book, tmp_path)
    assert first.startswith(f"{toml}:3:1: {message}"), first


def test_slug_never_writes_outside_the_output(tmp_path, capsys):
    book = make_book(tmp_path / "manuscript", {"one.md": ONE})
    toml = book / "book.toml"
    toml.write_text(toml.read_text().replace('slug = "small-book"', 'slug = "../escaped"'))
    first_error(capsys, book, tmp_path)
    assert not list(tmp_path.glob("escaped*"))


def test_unreadable_chapter(tmp_path, capsys, monkeypatch):
    book = make_book(tmp_path / "manuscript", {"one.md": ONE})
    chapter = book / "chapters" / "one.md"
    chapter.chmod(0)
    if os.access(chapter, os.R_OK):  # root reads anything: make the read fail as it would
        real = Path.read_text

        def refuse(self, *args, **kwargs):
            if self == chapter:
                raise PermissionError(13, "Permission denied", str(self))
            return real(self, *args, **kwargs)

        monkeypatch.setattr(manuscript_module.Path, "read_text", refuse)
    first = first_error(capsys, book, tmp_path)
    assert first.startswith(f"{chapter}:1:1: error M100: the build may not read this file")


def test_section_break_and_comments_are_kept_or_dropped_as_documented(tmp_path):
    book = make_book(tmp_path, {"one.md": "# One\n\nBefore.\n\n* * *\n\nAfter.<!-- note -->\n"})
    chapter = write_documents(read_book(book), __import__("datetime").datetime(2025, 1, 1))[2]
    text = chapter.to_bytes().decode()
    assert '<hr class="section-break"/>' in text
    assert text.index("Before.") < text.index("section-break") < text.index("After.")
    assert "note" not in text


def test_links_that_are_allowed(tmp_path):
    book = make_book(tmp_path, {"one.md": "# One\n\n## Two words\n\n[a](https://example.org/) "
                                          "[b](mailto:ed@example.org) [c](#two-words) [d](#one)\n"})
    docs = write_documents(read_book(book), __import__("datetime").datetime(2025, 1, 1))
    text = docs[2].to_bytes().decode()
    assert 'href="https://example.org/"' in text and 'href="mailto:ed@example.org"' in text
    assert 'href="ch-one.xhtml#ch-one-two-words"' in text and 'href="ch-one.xhtml"' in text


def test_empty_table_cell_is_no_doubled_space(tmp_path):
    from toolchain.check.lint import lint_manuscript

    book = make_book(tmp_path, {"one.md": "# One\n\nTable: T\n\n| A | B |\n|---|---|\n| x |  |\n"})
    assert [p.code for p in lint_manuscript(book)] == []


def test_outside_git_without_epoch_uses_file_time_with_a_warning(tmp_path, monkeypatch):
    from datetime import UTC, datetime

    from toolchain.build import build_date

    book = make_book(tmp_path, {"one.md": ONE})
    os.utime(book / "chapters" / "one.md", (1700000000, 1700000000))
    for path in (book / "book.toml", book / "chapters"):
        os.utime(path, (1600000000, 1600000000))
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    date, note = build_date(book)
    assert date == datetime.fromtimestamp(1700000000, UTC)
    assert "newest manuscript file" in note and "SOURCE_DATE_EPOCH is not set" in note
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(Exception, match="E032"):
        build_date(book)


def test_bidi_and_zero_width_characters_are_warnings(tmp_path):
    from toolchain.check.lint import lint_manuscript

    book = make_book(tmp_path, {"one.md": "# One\n\nA\u202eB and C\u200bD.\n"})
    found = lint_manuscript(book)
    assert [(p.code, p.severity, p.line, p.column) for p in found] == [
        ("W002", "warning", 3, 2), ("W002", "warning", 3, 10)]


WIDE = """# One

Table: Figures

| Year | Alpha | Beta | Gamma | Delta | Epsilon | Zeta | Eta | Theta | Iota |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
| 1901 | 1,234,567 | 2,345,678 | 3,456,789 | 4,567,890 | 5,678,901 | 6,789,012 | 7,890,123 \
| 8,901,234 | 9,012,345 |
"""


def test_a_table_too_wide_for_the_page_is_turned_not_cut(tmp_path, capsys):
    """Issue 8's ten columns: set on a landscape page of its own, every figure on it."""
    book = make_book(tmp_path / "manuscript", {"one.md": WIDE})
    code, err = build_cli(capsys, book, tmp_path / "dist")
    assert code == 0, err
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(tmp_path / "dist" / "small-book.pdf"))
    text = " ".join(pdf[k].get_textpage().get_text_range() for k in range(len(pdf)))
    pdf.close()
    for figure in ("1,234,567", "6,789,012", "9,012,345", "Iota"):
        assert figure in text


def test_text_cut_off_at_the_page_edge_fails_the_build(tmp_path, capsys):
    """A table too wide even for a landscape page is an error naming the page, never lost."""
    columns = 24
    wider = ("# One\n\n| " + " | ".join(f"Col{k}" for k in range(columns)) + " |\n|"
             + "---:|" * columns + "\n| " + " | ".join("1,234,567" for _ in range(columns))
             + " |\n")
    book = make_book(tmp_path / "manuscript", {"one.md": wider})
    for _ in range(2):  # and again, its pages taken from the cache (measured as laid out)
        code, err = build_cli(capsys, book, tmp_path / "dist")
        assert code == 1 and "Traceback" not in err
        assert "small-book.pdf: error P040: page 8: text beyond the page edge, cut off:" in err
        assert not (tmp_path / "dist").exists()


def test_stylesheet_symlinked_outside_styles_is_refused(tmp_path, capsys, book):
    styles = tmp_path / "styles"
    shutil.copytree(STYLES, styles)
    (tmp_path / "elsewhere.css").write_text("p {}")
    (styles / "book.css").unlink()
    (styles / "book.css").symlink_to(tmp_path / "elsewhere.css")
    code, err = run(capsys, "build", "--manuscript", book, "--out", tmp_path / "dist",
                    "--styles", styles)
    assert code == 1 and "error P005: book.css leads outside styles/" in err


def test_isbn_checksums():
    from toolchain.read.manuscript import isbn_valid

    assert isbn_valid("978-0-306-40615-7") and isbn_valid("0-306-40615-2")
    assert not isbn_valid("978-0-306-40615-8") and not isbn_valid("977-0-306-40615-7")


def test_symbol_fallback_and_small_caps_text_layer(tmp_path):
    """U+2236 RATIO (missing from Source Serif) is drawn by the documented fallback; small
    caps read back in the case they were written."""
    import pypdfium2

    from toolchain.check.pdfcheck import check_fonts, fonts

    book = make_book(tmp_path / "manuscript", {"one.md": "# One\n\nThe ratio 3\u22364. "
                                               "[Friedrich Engels, BarMen]{.smallcaps} wrote.\n"})
    build(book, tmp_path / "dist", STYLES, stream=io.StringIO())
    for name in ("small-book.pdf", "small-book-print.pdf"):
        pdf = tmp_path / "dist" / name
        assert check_fonts(pdf) == []
        assert any("Book-Symbols" in font for font in fonts(pdf))
        doc = pypdfium2.PdfDocument(pdf)
        text = " ".join(page.get_textpage().get_text_range() for page in doc)
        doc.close()
        assert "3\u22364." in text and "Friedrich Engels, BarMen wrote." in text


def test_manuscript_over_the_size_limit_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TOOLCHAIN_MAX_MANUSCRIPT_MIB", "0.01")
    book = make_book(tmp_path / "manuscript", {"one.md": ONE, "two.md": "# Two\n\n" + "Word. " * 3000})
    first = first_error(capsys, book, tmp_path)
    assert "error M107" in first and "over the limit of 0.01 MiB" in first


def test_an_invalid_generated_document_names_the_manuscript_line_it_came_from(tmp_path,
                                                                                monkeypatch):
    """EPUBCheck's one pass reads the packaged EPUB; its message still leads to the manuscript."""
    from toolchain.errors import InternalError
    from toolchain.write import xhtml

    plain = xhtml.Writer.block_Para

    def broken(self, block, ch):  # the writer's bug: a div inside a paragraph
        node = plain(self, block, ch)
        if "Broken" in "".join(node.itertext()):
            node.append(xhtml.el("div", text="inside"))
        return node

    monkeypatch.setattr(xhtml.Writer, "block_Para", broken)
    root = make_book(tmp_path / "m", {"one.md": "# One\n\nFine.\n\nBroken here.\n"})
    with pytest.raises(InternalError) as caught:
        build(root, tmp_path / "dist", STYLES, stream=io.StringIO())
    assert caught.value.stage == "epubcheck"
    assert "ch-one.xhtml:" in caught.value.detail and "RSC-005" in caught.value.detail
    assert "made from " in caught.value.detail and "one.md:5" in caught.value.detail


def test_an_empty_note_is_an_error_at_its_line(tmp_path):
    """Found by importing a Word file whose note had lost its text: the writer then made an
    invalid Notes document (an internal error). It is the manuscript's error, with its line."""
    root = make_book(tmp_path / "m", {"one.md": "# One\n\nText.[^1]\n\n[^1]:\n"})
    with pytest.raises(BuildError, match=r"one.md:5:1: error M121: note \[\^1\] is empty"):
        read_book(root)
