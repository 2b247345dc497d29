"""Sessions: build, tests, lint, check (external validators), watch, bench, typography,
catalogue, proof."""

from pathlib import Path

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.reuse_venv = "yes"

ACE_DIR = Path(".nox/ace-cli")
EPUBJS_DIR = Path(".nox/epubjs")  # pinned in toolchain/check/epubjs/package-lock.json
CHROMIUM = "/usr/bin/chromium"
CONSTRAINTS = ("-c", "constraints.txt")  # the versions tested: `nox -s lock` refreshes them


def install(session, *packages):
    """The project (and extras) at the locked versions, so that a fresh machine and CI get
    the libraries the tests passed with, not whatever is newest that day."""
    session.install(*CONSTRAINTS, *packages)


@nox.session
def build(session):
    """Build dist/: XHTML, EPUB and both PDFs."""
    install(session, "-e", ".")
    session.run("python", "-m", "toolchain", "build", *session.posargs)


@nox.session
def tests(session):
    """Run the test suite (it builds the title and small books made in the tests)."""
    install(session, "-e", ".[test]")
    # on every core, each worker taking the next test as it is free (pytest-xdist)
    session.run("pytest", "-n", "auto", "--dist", "worksteal", *session.posargs)


@nox.session
def lint(session):
    """Ruff on the code."""
    session.install("ruff")
    session.run("ruff", "check", "toolchain", "tests", "noxfile.py")


@nox.session
def check(session):
    """EPUBCheck, DAISY Ace, epub.js and calibre's Kindle route, and the PDF checks, on fresh
    builds of the title and the samples."""
    if not Path(CHROMIUM).exists():
        session.error(f"Ace needs Chromium at {CHROMIUM}: apt-get install chromium")
    ace = ACE_DIR / "node_modules" / ".bin" / "ace-cli"
    if not ace.exists():
        ACE_DIR.mkdir(parents=True, exist_ok=True)
        session.run("npm", "install", "--prefix", str(ACE_DIR), "--no-audit", "--no-fund",
                    "@daisy/ace-cli@1", external=True, env={"PUPPETEER_SKIP_DOWNLOAD": "1"})
    lock = Path("toolchain/check/epubjs/package-lock.json")
    if not (EPUBJS_DIR / "package-lock.json").is_file() or \
            (EPUBJS_DIR / "package-lock.json").read_bytes() != lock.read_bytes():
        EPUBJS_DIR.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            (EPUBJS_DIR / name).write_bytes((lock.parent / name).read_bytes())
        session.run("npm", "ci", "--prefix", str(EPUBJS_DIR), "--no-audit", "--no-fund",
                    external=True, env={"PUPPETEER_SKIP_DOWNLOAD": "1"})
    install(session, "-e", ".[test]")
    env = {"ACE_CLI": str(ace.resolve()), "PUPPETEER_EXECUTABLE_PATH": CHROMIUM,
           "EPUBJS_MODULES": str((EPUBJS_DIR / "node_modules").resolve()),
           "TOOLCHAIN_CHECK_ALL": "1"}  # here every validator must run
    session.run("pytest", "tests/test_readers.py", env=env)  # each engine shown to fail, too
    session.run("python", "-m", "toolchain", "build")
    session.run("python", "-m", "toolchain", "check", env=env)
    for sample in sorted(Path("examples").glob("*/book.toml")):  # the sample titles too
        out = f"dist-{sample.parent.name}"
        session.run("python", "-m", "toolchain", "build", "--manuscript", str(sample.parent),
                    "--out", out)
        session.run("python", "-m", "toolchain", "check", "--out", out, env=env)


@nox.session
def watch(session):
    """Rebuild on every save and show the book at http://127.0.0.1:8000/ (Ctrl-C stops)."""
    install(session, "-e", ".")
    session.run("python", "-m", "toolchain", "watch", *session.posargs)


@nox.session
def bench(session):
    """The speed table: the toolchain against pandoc 3.9 (the pypandoc_binary wheel) on the
    title and on 1, 5 and 20 chapters, written into docs/benchmarks.md. `nox -s bench -- 3`
    runs each measure three times."""
    install(session, "-e", ".[cluster]")
    session.run("python", "benchmarks/bench.py", *(session.posargs or ["2"]),
                "--write", "docs/benchmarks.md")
    session.run("python", "benchmarks/catalogue.py", "--write", "docs/benchmarks.md")
    session.run("python", "benchmarks/index_cost.py", *(session.posargs or ["2"]),
                "--write", "docs/benchmarks.md")
    session.run("python", "benchmarks/line_breaking.py", "--write", "docs/benchmarks.md")
    session.run("python", "benchmarks/apart.py", "--write", "docs/benchmarks.md")
    session.run("python", "benchmarks/jobs.py", "--write", "docs/benchmarks.md")
    session.run("python", "benchmarks/epubcheck_ids.py", "--write", "docs/benchmarks.md")
    session.run("python", "benchmarks/epubcheck_start.py", *(session.posargs or ["3"]),
                "--write", "docs/benchmarks.md")


@nox.session
def typography(session):
    """Word spacing and hyphenation of each title's print edition, composed and with
    WeasyPrint's own lines, by the reviewer's measure (typometrics, on PyMuPDF), written into
    docs/typography.md. `nox -s typography -- 3` times each build three times."""
    install(session, "-e", ".", "pymupdf")
    session.run("python", "benchmarks/typography.py", *(session.posargs or ["2"]),
                "--write", "docs/typography.md")


@nox.session
def catalogue(session):
    """Build every title (manuscript/ and examples/*) into dist/catalogue/ with its OPDS feeds;
    `nox -s catalogue -- --serve --host 0.0.0.0` then serves it to reading apps on this
    network (without --host, to this machine only)."""
    install(session, "-e", ".[cluster]")
    session.run("python", "-m", "toolchain", "catalogue", *session.posargs)


@nox.session
def proof(session):
    """Render every PDF page to PNG under dist/proofs/, with a contact sheet."""
    install(session, "-e", ".")
    session.run("python", "-m", "toolchain", "build")
    session.run("python", "-m", "toolchain", "proof")




@nox.session(reuse_venv=False)
def lock(session):
    """Refresh constraints.txt: the project with every extra installed afresh at the newest
    versions the registry has, frozen. Commit it after `nox -s tests` passes on it."""
    session.install("-e", ".[test,cluster]", "pymupdf")
    frozen = session.run("python", "-m", "pip", "freeze", "--exclude-editable", silent=True)
    lines = sorted(line for line in frozen.splitlines() if "==" in line)
    Path("constraints.txt").write_text("# The versions the tests passed with, for every nox "
                                       "session (`nox -s lock` refreshes it).\n"
                                       + "\n".join(lines) + "\n")
