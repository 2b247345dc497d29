"""Shared fixtures: the real title built once per test session, and small books made on the fly."""

from __future__ import annotations

import fcntl
import hashlib
import io
import os
import threading
import zipfile
from pathlib import Path

import pytest

from toolchain import safexml
from toolchain.build import build
from toolchain.check import validate

ROOT = Path(__file__).resolve().parents[1]
EPOCH = "1764000000"  # 2025-11-24T16:00:00Z
NS = {"h": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}
SLUG = "cliff-german-revolution-1923"


def pytest_collection_modifyitems(items):
    """The slow tests first, so that on several cores (nox -s tests, pytest-xdist) none of
    them is started last and run alone while the other cores wait."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session", autouse=True)
def session_environment(tmp_path_factory):
    """For the whole session: the build date fixed (SOURCE_DATE_EPOCH); the user's cache
    (where `lint --fix` keeps what it changed) and the divisions' pages kept between builds
    (write/pdf/apart.py: books built more than once use them, as an editor's builds do) in
    folders of the tests, not the user's. The divisions' pages are kept for all the
    session's workers (pytest-xdist's): a book one has laid out, the other finds, as two
    builds at once of one editor's find what each keeps (whole files, moved in place)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        patch.setenv("TOOLCHAIN_CACHE", str(run_folder(tmp_path_factory) / "toolchain-cache"))
        yield


class SessionEpubCheck:
    """One EPUBCheck JVM for all the builds of the test session, in place of one started
    (3 s of Java's start and EPUBCheck's loading) for each of some 150 builds. Each build
    still sends its EPUB and its KEPUB, and waits for and reads their own reports; only
    `cancel` does nothing. A file with the very bytes and options of one EPUBCheck found
    silent earlier in the session (the title is built several times) gets that answer
    without being sent again. Java is looked for at each build, as a build does (E001).
    It checks ids as the build's EPUBCheck does, for `toolchain check`'s `stock` as well
    (test_validate compares the two)."""

    def __init__(self, make):
        self.make, self.checker, self.lock = make, None, threading.RLock()
        self.silent: dict[tuple, dict] = {}  # (sha256, name, options) -> counts, silent

    def __call__(self, warm: bool = True, stock: bool = False) -> SessionEpubCheck.Handle:
        validate.java()
        with self.lock:
            if self.checker is None or not self.checker.alive():
                self.checker = self.make(warm=True)
        return self.Handle(self)

    class Handle:
        def __init__(self, session):
            self.session, self.last, self.keys = session, None, {}

        def check(self, path, options):
            path = Path(path).resolve()
            key = (hashlib.sha256(path.read_bytes()).hexdigest(), path.name, tuple(options))
            self.keys[path], self.last = key, path
            if key not in self.session.silent:
                with self.session.lock:
                    self.session.checker.check(path, options)

        def result(self, path=None):
            path = Path(path).resolve() if path else self.last
            key = self.keys.get(path)
            if key in self.session.silent:
                return [], dict(self.session.silent[key])
            with self.session.lock:
                problems, counts = self.session.checker.result(path)
            if not problems and key is not None:
                self.session.silent[key] = dict(counts)
            return problems, counts

        def alive(self) -> bool:
            return self.session.checker.alive()

        def cancel(self) -> None:
            pass


@pytest.fixture(scope="session", autouse=True)
def one_epubcheck_for_the_session():
    make = validate.EpubCheck
    session = SessionEpubCheck(make)
    validate.EpubCheck = session
    yield
    validate.EpubCheck = make
    if session.checker is not None:
        session.checker.cancel()


def run_folder(tmp_path_factory) -> Path:
    """A folder for the whole run: with pytest-xdist, the one its workers' folders are in."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(tmp_path_factory, manuscript: Path, name: str) -> Path:
    """`manuscript` built into a dist folder of the run's, by whichever worker asks first
    (the others wait on a lock, then read it): so a book the tests only read is built once
    a run, not once a worker."""
    out = run_folder(tmp_path_factory) / f"built-{name}" / "dist"
    out.parent.mkdir(exist_ok=True)
    with open(out.parent / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "report.json").is_file():
            build(manuscript, out, ROOT / "styles", stream=io.StringIO(), force=True)
    return out


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The first title, built from manuscript/ into a temporary dist/ (which tests only read)."""
    return built_once(tmp_path_factory, ROOT / "manuscript", "title")


@pytest.fixture(scope="session")
def sample_built(tmp_path_factory):
    """Each sample title (examples/NAME) built once for the run, when first asked for:
    `sample_built(name)` is its dist folder, which the tests only read."""
    return lambda name: built_once(tmp_path_factory, ROOT / "examples" / name, name)


@pytest.fixture(scope="session")
def epub_zip(built) -> zipfile.ZipFile:
    return zipfile.ZipFile(built / f"{SLUG}.epub")


def xml(data: bytes):
    return safexml.parse(data)


def text_of(node) -> str:
    return " ".join("".join(node.itertext()).split())


BOOK_TOML = """title = "{title}"
author = "A. N. Author"
language = "en-GB"
identifier = "urn:uuid:00000000-0000-4000-8000-000000000001"
slug = "small-book"
chapters = [{chapters}]
{extra}
"""


def make_book(root: Path, chapters: dict[str, str], title: str = "A Small Book",
              extra: str = "") -> Path:
    """Write a manuscript with the given chapter files (name -> Markdown) under `root`."""
    (root / "chapters").mkdir(parents=True, exist_ok=True)
    for name, text in chapters.items():
        (root / "chapters" / name).write_text(text, encoding="utf-8")
    names = ", ".join(f'"chapters/{n}"' for n in chapters)
    (root / "book.toml").write_text(BOOK_TOML.format(title=title, chapters=names, extra=extra),
                                    encoding="utf-8")
    return root


def built_book(root: Path, chapters: dict[str, str], extra: str = "",
               prepare=None) -> tuple[Path, dict]:
    """A small book made under `root` (`prepare(manuscript)` adds its images), built whole:
    the output folder and the build's report."""
    manuscript = make_book(root / "m", chapters, extra=extra)
    if prepare is not None:
        prepare(manuscript)
    out = root / "dist"
    return out, build(manuscript, out, ROOT / "styles", stream=io.StringIO(), force=True)


CHAPTER = """# One

Some text with a note.[^1]

[^1]: The note.
"""
