"""An editor's first day: the README's editor section run as written in a fresh virtual
environment, and each everyday slip a clear error (or warning) at its file and line, with
nothing changed on disk."""

from __future__ import annotations

import io
import os
import re
import site
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, make_book

from toolchain.cli import main, parser

STYLES = ROOT / "styles"


def readme_section(title: str) -> list[str]:
    """The shell commands of a README section's ```sh blocks, comments taken off."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(f"## {title}", 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        for line in block.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line:
                commands.append(line)
    return commands


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("TOOLCHAIN_OFFLINE") == "1", reason="needs the registry")
def test_the_editor_section_of_the_readme_works_as_written(tmp_path):
    """In a new virtual environment: the install line from the project folder, then every
    command from a folder of the editor's own, each exit 0, and the book's files where the
    README says. The libraries the project needs are this environment's, seen by the new
    one (a .pth file): so pip finds them installed and installs the project and its
    `toolchain` command alone. (That the same install fetches them on a machine without
    them is what `nox -s tests` does first, in a new environment of its own.)"""
    commands = readme_section("Editor's quick start: your own book")
    assert commands[0] == "python3 -m pip install -e ." and any(
        c.startswith("toolchain new") for c in commands)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    inside = subprocess.run([venv / "bin" / "python", "-c", "import site; print("
                             "site.getsitepackages()[0])"], check=True, capture_output=True,
                            text=True).stdout.strip()
    (Path(inside) / "libraries-of-the-tests.pth").write_text(
        "".join(f"{p}\n" for p in site.getsitepackages()), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PATH=f"{venv / 'bin'}:{env['PATH']}", VIRTUAL_ENV=str(venv))
    work = tmp_path / "work"
    work.mkdir()
    for k, command in enumerate(commands):
        done = subprocess.run(["bash", "-c", command], cwd=ROOT if k == 0 else work, env=env,
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])
        assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    out = work / "dist-my-book"
    assert {p.name for p in out.iterdir()} >= {"the-harbour-keeper.epub",
                                               "the-harbour-keeper.pdf",
                                               "the-harbour-keeper-print.pdf", "report.json"}


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    said = capsys.readouterr()
    return code, said.out, said.err


def snapshot(folder: Path) -> dict:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_new_makes_a_book_that_builds_and_never_overwrites(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli(capsys, "new", "my-book", "--title", "The Harbour Keeper", "--author",
                       "Ann Editor")
    assert code == 0 and "toolchain build --manuscript my-book" in out
    toml = (tmp_path / "my-book" / "book.toml").read_text(encoding="utf-8")
    assert re.search(r'identifier = "urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-', toml)
    before = snapshot(tmp_path / "my-book")
    code, _, err = cli(capsys, "new", "my-book", "--title", "Again", "--author", "Again")
    assert code == 1 and "E034" in err and snapshot(tmp_path / "my-book") == before
    code, out, err = cli(capsys, "build", "--manuscript", "my-book", "--styles", STYLES)
    assert code == 0, err
    assert (tmp_path / "dist-my-book" / "the-harbour-keeper.epub").is_file()
    assert not (tmp_path / "dist").exists()  # another book's folder is never written


def test_inside_the_book_folder_build_finds_the_book_and_the_styles(tmp_path, capsys,
                                                                   monkeypatch):
    cli(capsys, "new", str(tmp_path / "book"), "--title", "T", "--author", "A")
    monkeypatch.chdir(tmp_path / "book")
    code, out, err = cli(capsys, "build")  # the project's styles, found from here
    assert code == 0, err
    assert (tmp_path / "dist-book" / "t.pdf").is_file()
    assert "`toolchain lint` lists the manuscript's own" in out


def test_no_styles_anywhere_is_an_error_that_says_where_it_looked(tmp_path, capsys,
                                                                 monkeypatch):
    make_book(tmp_path / "book", {"one.md": "# One\n\nText.\n"})
    monkeypatch.chdir(tmp_path / "book")
    monkeypatch.setattr("toolchain.places.PROJECT", tmp_path / "nowhere")
    code, _, err = cli(capsys, "build")
    assert code == 1 and "P001: no house styles" in err and "pass --styles DIR" in err
    assert "build: failed; nothing was written" in err
    assert not (tmp_path / "dist-book").exists()


SLIPS = [  # (book.toml extra or a chapter's text, what, the code, where)
    ('identifier = "urn:uuid:harbour-keeper-2026"', "toml", "M110", "book.toml:4:1"),
    ("", "twice", "M122", "book.toml:7:1"),
    ("# One\n\n::: poem\nA line,\nanother.\n\nProse after it.\n", "chapter", "M123",
     "one.md:3:1"),
    ("# One\n\nThe last words.{lang=de}\n", "chapter", "M009", "one.md:3:16"),
    ("# One\n\nIt's a slip.\n", "chapter", "M005", "one.md:3:3"),
]


@pytest.mark.parametrize("text, what, code, where", SLIPS, ids=[s[2] for s in SLIPS])
def test_each_slip_is_an_error_at_its_line_and_nothing_changes(tmp_path, capsys, text, what,
                                                               code, where):
    chapter = text if what == "chapter" else "# One\n\nText.\n"
    root = make_book(tmp_path / "m", {"one.md": chapter})
    toml = root / "book.toml"
    if what == "toml":
        toml.write_text(re.sub(r"identifier = .*", text, toml.read_text()), encoding="utf-8")
    elif what == "twice":
        toml.write_text(toml.read_text().replace('chapters = ["chapters/one.md"]',
                                                 'chapters = ["chapters/one.md",\n'
                                                 '            "chapters/one.md"]'))
    before = snapshot(tmp_path)
    status, _, err = cli(capsys, "build", "--manuscript", root, "--styles", STYLES)
    assert status == 1 and f"{where}: error {code}" in err, err
    assert "internal error" not in err and "Traceback" not in err
    assert snapshot(tmp_path) == before


def test_a_chapter_file_book_toml_does_not_list_is_named(tmp_path, capsys):
    root = make_book(tmp_path / "m", {"one.md": "# One\n\nText.\n"})
    (root / "chapters" / "two.md").write_text("# Two\n\nForgotten.\n", encoding="utf-8")
    status, out, _ = cli(capsys, "lint", "--manuscript", root, "--styles", STYLES)
    assert status == 0
    assert "warning W003: chapters/two.md is not listed in book.toml, so it is not in the book" \
        in out


def test_a_missing_library_is_said_as_such(tmp_path):
    """A build where WeasyPrint cannot be imported: said as such, with how to install it."""
    program = ("import sys; sys.modules['weasyprint'] = None; from toolchain.cli import main; "
               f"sys.exit(main(['build', '--manuscript', {str(ROOT / 'manuscript')!r}, '--out', "
               f"{str(tmp_path / 'dist')!r}, '--styles', {str(STYLES)!r}]))")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "error E002: the library 'weasyprint' is not installed" in done.stderr
    assert "python3 -m pip install -e" in done.stderr and "internal error" not in done.stderr
    assert not (tmp_path / "dist").exists()


def test_every_option_is_described_and_the_version_given(capsys):
    top = parser()
    for action in top._subparsers._group_actions[0].choices.values():
        for option in action._actions:
            if option.dest not in ("help",):
                assert option.help, (action.prog, option.dest)
    with pytest.raises(SystemExit):
        main(["--version"])
    assert re.match(r"toolchain \d", capsys.readouterr().out)


def test_the_catalogue_serves_this_machine_only_and_quietly(tmp_path, capsys):
    """Unasked, the server listens on 127.0.0.1; a client that hangs up is no traceback."""
    import socket
    import threading

    from toolchain.catalogue import catalogue_server

    args = parser().parse_args(["catalogue", "--serve"])
    assert args.host == "127.0.0.1"
    (tmp_path / "big.bin").write_bytes(os.urandom(8 * 2**20))
    server = catalogue_server(tmp_path, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with socket.create_connection(server.server_address) as client:
            client.sendall(b"GET /big.bin HTTP/1.0\r\n\r\n")
            client.recv(1024)
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        import time

        time.sleep(0.5)
    finally:
        server.shutdown()
        server.server_close()
    assert "Traceback" not in capsys.readouterr().err


def test_an_imported_word_file_with_straight_quotes_builds_as_it_is(tmp_path):
    import zipfile

    from toolchain.build import build
    from toolchain.importing import import_docx

    source = tmp_path / "straight.docx"
    with zipfile.ZipFile(ROOT / "tests/data/word/constructs.docx") as old, \
            zipfile.ZipFile(source, "w") as new:
        for name in old.namelist():
            data = old.read(name)
            if name == "word/document.xml":
                data = data.replace("She wrote: “Dear Sir, the streets were empty.”".encode(),
                                    b"She wrote: \"Dear Sir, the streets weren't empty.\"")
            new.writestr(name, data)
    report = import_docx(source, tmp_path / "m")
    text = next((tmp_path / "m" / "chapters").glob("01-*.md")).read_text(encoding="utf-8")
    assert "She wrote: “Dear Sir, the streets weren’t empty.”" in text
    assert any("typographer's fixes" in line for line in report)
    build(tmp_path / "m", tmp_path / "dist", STYLES, stream=io.StringIO())
