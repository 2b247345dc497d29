"""Command line: one verb per command — new, build, lint, check, proof, watch, import,
catalogue. The only module that speaks to the terminal."""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

from . import places
from .errors import BuildError, InternalError, Problem, display_path
from .reporting import StreamReporter

MANUSCRIPT_HELP = ("the book's folder, with its book.toml (default: the current folder if it "
                   "holds a book.toml, else manuscript/)")
OUT_HELP = ("the output folder, replaced whole by each build (default: the book's own: dist/ "
            "beside a folder named manuscript, else dist-NAME/ beside the book's folder NAME)")
STYLES_HELP = ("the house styles: book.css, print.css, fonts/ (default: styles/ beside the book "
               "or in a folder above it, or the project's)")


def directory(text: str) -> Path:
    """A directory argument: an empty string is a mistake, not the current directory."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path names no directory")
    return Path(text)


def positive(text: str) -> int:
    """A count of processes: a whole number, at least 1."""
    if not text.strip().isdecimal() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes (1 or more)")
    return int(text)


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("toolchain")
    except PackageNotFoundError:
        return "0.1.0 (not installed: run from the project folder)"


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="toolchain", description="A manuscript in Markdown (or Word) to validated XHTML, an "
        "EPUB 3, and print-ready PDFs. `toolchain COMMAND --help` describes each command.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--version", action="version", version=f"toolchain {version()}")
    top.add_argument("--debug", action="store_true", help="show the traceback of an error")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, text, manuscript=True, out=True, styles=True):
        cmd = sub.add_parser(name, help=text, description=text)
        if manuscript:
            cmd.add_argument("--manuscript", type=directory, metavar="DIR", help=MANUSCRIPT_HELP)
        if out:
            cmd.add_argument("--out", type=directory, metavar="DIR", help=OUT_HELP)
        if styles:
            cmd.add_argument("--styles", type=directory, metavar="DIR", help=STYLES_HELP)
        cmd.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                         help="show the traceback of an error")
        return cmd

    new = command("new", "start a new book: a manuscript folder that builds at once",
                  manuscript=False, out=False, styles=False)
    new.add_argument("folder", type=directory, metavar="DIR", help="the new book's folder")
    new.add_argument("--title", help="the book's title (asked for if not given)")
    new.add_argument("--author", help="its author (asked for if not given)")
    new.add_argument("--language", default="en-GB",
                     help="its language, BCP 47 (default: %(default)s)")
    build = command("build", "build the XHTML, the EPUB and both PDFs of a book")
    build.add_argument("--force", action="store_true",
                       help="build even when nothing has changed since the last build")
    build.add_argument("--profile", help="the printer's profile for the print files, over "
                       "book.toml's: kdp-white, kdp-cream, ingramspark-creme, offset "
                       "(default: book.toml's [print] profile, else offset)")
    build.add_argument("--no-cache", action="store_true",
                       help="lay the whole book out, and keep nothing for the next build (by "
                       "default each division's pages are kept in the user's cache folder, "
                       "TOOLCHAIN_CACHE or ~/.cache/toolchain, so that a build after an edit "
                       "lays out only the divisions edited)")
    build.add_argument("--jobs", type=positive, default=os.cpu_count() or 1, metavar="N",
                       help="processes that lay the book's divisions out at once (default: "
                       "one per core, %(default)s here; a short book's are laid out in the "
                       "build's own process unless three or more of them are long)")
    build.add_argument("--scheduler", metavar="tcp://HOST:8786",
                       help="lay the divisions out on a running Dask cluster's workers, not "
                       "this machine's processes: for a very long book (the workers must see "
                       "the manuscript's and styles' files, as on this machine)")
    lint = command("lint", "check the manuscript, and make the typographer's fixes", out=False)
    fixes = lint.add_mutually_exclusive_group()
    fixes.add_argument("--fix", action="store_true", help="make the typographer's fixes in the "
                       "manuscript's files — curly quotes and apostrophes in the book's "
                       "language, -- and --- as dashes, ... as an ellipsis, en dashes in ranges "
                       "— listing each line changed; `--undo` puts them back")
    fixes.add_argument("--dry-run", action="store_true",
                       help="list the fixes --fix would make, and change nothing")
    fixes.add_argument("--undo", action="store_true",
                       help="put back the files the last --fix changed")
    command("check", "run EPUBCheck, Ace, epub.js, the Kindle route and the PDF checks on a "
            "built book", styles=False)
    command("proof", "render every PDF page of a built book to PNG, with a contact sheet",
            styles=False)
    watch = command("watch", "rebuild on every save, and show the book in a browser")
    watch.add_argument("--port", type=int, default=8000,
                       help="the preview's port, on 127.0.0.1 (default: %(default)s)")
    word = command("import", "a Word manuscript (.docx) into a new manuscript folder",
                   manuscript=False, out=False, styles=False)
    word.add_argument("docx", type=Path, metavar="FILE.docx", help="the Word document")
    word.add_argument("--to", type=directory, required=True, metavar="DIR",
                      help="the new manuscript folder (absent or empty)")
    changes = word.add_mutually_exclusive_group()
    changes.add_argument("--accept-changes", action="store_const", const="accept",
                         dest="changes", help="import with the tracked changes accepted")
    changes.add_argument("--reject-changes", action="store_const", const="reject",
                         dest="changes", help="import with the tracked changes rejected")
    cat = command("catalogue", "build every title of the catalogue in parallel, with OPDS feeds "
                  "for reading apps", manuscript=False, out=False, styles=False)
    cat.add_argument("--out", type=directory, default=Path("dist/catalogue"), metavar="DIR",
                     help="the catalogue's folder (default: %(default)s)")
    cat.add_argument("--config", type=Path, metavar="FILE", help="a catalogue.toml (default: "
                     "./catalogue.toml if there is one, else manuscript/ and examples/*)")
    cat.add_argument("--workers", type=int, help="titles built at once (default: one per core, "
                     "or the cluster's threads)")
    cat.add_argument("--scheduler", metavar="tcp://HOST:8786",
                     help="build on a running Dask cluster instead of this machine")
    cat.add_argument("--force", action="store_true", help="rebuild unchanged titles too")
    cat.add_argument("--serve", action="store_true",
                     help="then serve the catalogue to reading apps")
    cat.add_argument("--host", default="127.0.0.1", help="the address to serve on; 0.0.0.0 "
                     "for reading apps elsewhere on the network (default: %(default)s)")
    cat.add_argument("--port", type=int, default=8080,
                     help="the port to serve on (default: %(default)s)")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    out_existed = None
    try:
        resolve(args)
        out_existed = getattr(args, "out", None) is not None and Path(args.out).exists()
        return COMMANDS[args.command](args)
    except BuildError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        if args.command == "build" and out_existed:
            print(f"build: failed; {display_path(args.out)}/ was left as it was", file=sys.stderr)
        elif args.command == "build":
            print("build: failed; nothing was written", file=sys.stderr)
        else:
            print(f"{args.command}: failed", file=sys.stderr)
        if args.debug:
            traceback.print_exc()
        return 1
    except KeyboardInterrupt:
        print(f"{args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        missing = missing_library(exc)
        if missing:  # not the toolchain's fault, nor the manuscript's: say what to install
            print(missing, file=sys.stderr)
            if args.debug:
                traceback.print_exc()
            return 1
        stage = exc.stage if isinstance(exc, InternalError) else args.command
        print(f"internal error in {stage}; rerun with --debug and report it", file=sys.stderr)
        if isinstance(exc, InternalError) and exc.detail and args.debug:
            print(exc.detail, file=sys.stderr)
        if args.debug:
            traceback.print_exc()
        return 2


def missing_library(exc: BaseException) -> str | None:
    """What to say when a library the toolchain needs is not installed, or None if `exc`
    is not that (an import of the toolchain's own modules failing is its bug)."""
    from importlib.metadata import PackageNotFoundError

    name = None
    if isinstance(exc, ModuleNotFoundError) and exc.name and \
            not exc.name.startswith("toolchain"):
        name = exc.name.split(".")[0]
    elif isinstance(exc, PackageNotFoundError):
        name = str(exc.args[0] if exc.args else exc)
    if name is None:
        return None
    return (f"error E002: the library {name!r} is not installed, and the toolchain needs it "
            f"(install the toolchain with its libraries: python3 -m pip install -e "
            f"{places.PROJECT}; or run it through nox: nox -s build)")


def resolve(args) -> None:
    """The folders left to their defaults, found: the manuscript, its own output folder, the
    house styles (an error naming where they were looked for)."""
    if "manuscript" in args:
        args.manuscript = places.manuscript_folder(args.manuscript)
    if "out" in args and args.command != "catalogue":
        args.out = places.output_folder(getattr(args, "manuscript", places.DEFAULT_MANUSCRIPT),
                                        args.out)
    if "styles" in args:
        found, looked = places.styles_folder(args.manuscript, args.styles)
        if found is None or not Path(found).is_dir():
            where = ", ".join(display_path(p) for p in looked[:4])
            raise BuildError(Problem(args.styles or "styles", 0, 0, "P001", "no house styles "
                                     f"(a styles/ folder with print.css) found: looked in {where}"
                                     + ("…" if len(looked) > 4 else ""),
                                     "pass --styles DIR, or run from the project folder"))
        args.styles = Path(found)


def cmd_new(args) -> int:
    from .write.newbook import new_book

    title = args.title or ask("Title")
    author = args.author or ask("Author")
    files = new_book(args.folder, title, author, args.language)
    for path in files:
        print(f"wrote {display_path(path)}")
    book = display_path(args.folder)
    print(f"next: toolchain build --manuscript {book}   (the EPUB and PDFs go to "
          f"{display_path(places.output_folder(args.folder, None))}/)")
    return 0


def ask(what: str) -> str:
    """A value asked for at the terminal; without one, an error that says how to give it."""
    if not sys.stdin.isatty():
        raise BuildError(Problem("new", 0, 0, "E035", f"no {what.lower()} given",
                                 f"pass --{what.lower()} \"…\""))
    answer = input(f"{what}: ").strip()
    if not answer:
        raise BuildError(Problem("new", 0, 0, "E035", f"no {what.lower()} given",
                                 f"type it, or pass --{what.lower()} \"…\""))
    return answer


def cmd_import(args) -> int:
    from .importing import import_docx

    for line in import_docx(args.docx, args.to, args.changes):
        print(line)
    print(f"build it with: toolchain build --manuscript {display_path(args.to)}   (into "
          f"{display_path(places.output_folder(args.to, None))}/)")
    return 0


def cmd_watch(args) -> int:
    from .watch import Watcher

    Watcher(args.manuscript, args.out, args.styles,
            reporter=StreamReporter(sys.stderr)).run(args.port)
    return 0


def cmd_lint(args) -> int:
    from .check.lint import lint_manuscript, typographer_fixes, undo_fixes, write_fixes

    if args.undo:
        done = undo_fixes(args.manuscript)
        for path, put_back in done:
            print(f"{display_path(path)}: " + ("put back as it was" if put_back else
                                               "edited since the fix: left as it is"))
        print(f"lint: {sum(ok for _, ok in done)} file(s) put back" if done else
              "lint: no fix to undo", file=sys.stderr)
        return 0
    if args.fix or args.dry_run:
        fixes = typographer_fixes(args.manuscript, args.styles)
        for path, (_, changes) in fixes.items():
            for change in changes:
                print(f"{display_path(path)}:{change.line}: {excerpt(change.before, change.after)}")
        count = sum(len(changes) for _, changes in fixes.values())
        if args.dry_run:
            print(f"lint: {count} line(s) in {len(fixes)} file(s) would change (--dry-run: "
                  "nothing written)", file=sys.stderr)
        else:
            write_fixes(args.manuscript, fixes)
            print(f"lint: {count} line(s) changed in {len(fixes)} file(s)"
                  + ("; `toolchain lint --undo` puts them back" if fixes else ""),
                  file=sys.stderr)
    problems = lint_manuscript(args.manuscript, args.styles)
    if not any(p.severity == "error" for p in problems):
        problems += book_problems(args.manuscript)
    for problem in problems:
        print(problem)
    errors = sum(p.severity == "error" for p in problems)
    print(f"lint: {errors} error(s), {len(problems) - errors} warning(s)", file=sys.stderr)
    return 1 if errors else 0


def book_problems(manuscript: Path) -> list:
    """What the lint finds in the book read whole (the index's marks); a book that does not
    read says why, at its line."""
    from .check.lint import index_problems
    from .read.markdown import read_book

    try:
        return index_problems(read_book(manuscript))
    except BuildError as exc:
        return exc.problems


def excerpt(before: str, after: str, context: int = 24) -> str:
    """The part of a line a fix changed, before → after, with a few words around it."""
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end = 0
    while end < min(len(before), len(after)) - start and before[-1 - end] == after[-1 - end]:
        end += 1
    left = max(0, start - context)

    def cut(text):
        piece = text[left:len(text) - max(0, end - context)]
        return ("…" if left else "") + piece + ("…" if end > context else "")

    return f"{cut(before)} → {cut(after)}"


def cmd_build(args) -> int:
    from .build import build

    start = time.perf_counter()
    report = build(args.manuscript, args.out, args.styles, force=args.force,
                   profile=args.profile, reporter=StreamReporter(sys.stderr),
                   cache=not args.no_cache, jobs=args.jobs, scheduler=args.scheduler)
    print_summary(args, report, time.perf_counter() - start)
    return 0


def print_summary(args, report: dict, seconds: float):
    out = args.out
    rows = [("output", "size", "pages", "checks")]
    checks = report.get("validators", {})
    for name, item in report["outputs"].items():
        if name.startswith("xhtml/") and not name.endswith("xhtml"):
            continue
        verdict = ""
        if name.endswith(".epub"):
            c = checks.get("epubcheck_kepub" if name.endswith(".kepub.epub") else "epubcheck", {})
            verdict = (f"EPUBCheck {c.get('nFatal', '?')} fatal, {c.get('nError', '?')} errors, "
                       f"{c.get('nWarning', '?')} warnings")
        elif name.endswith(".pdf"):
            verdict = "fonts embedded, no fallback" if name in checks else ""
        elif name.startswith("xhtml/"):
            verdict = "XHTML valid (own checks; EPUBCheck in the EPUB)"
        elif name.endswith(".onix.xml"):
            verdict = "ONIX 3.0 schema valid" if name in checks else ""
        rows.append((f"{display_path(out)}/{name}", human(item["size"]),
                     str(item.get("pages", "")), verdict))
    widths = [max(len(r[k]) for r in rows) for k in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(widths[k]) for k, cell in enumerate(row)).rstrip())
    warnings = report.get("warnings", [])
    if warnings:
        book = "" if Path(args.manuscript) in (places.DEFAULT_MANUSCRIPT, Path(".")) else \
            f" --manuscript {display_path(args.manuscript)}"
        print(f"{len(warnings)} warning(s), listed in {display_path(out)}/report.json; "
              f"`toolchain lint{book}` lists the manuscript's own")
    state = "up to date" if report.get("up_to_date") else "built"
    print(f"{state} in {seconds:.2f} s")


def cmd_catalogue(args) -> int:
    from .catalogue import run_catalogue, serve

    report = run_catalogue(Path("."), args.out, args.config, args.scheduler, args.workers,
                           args.force, reporter=StreamReporter(sys.stderr))
    counts = report["counts"]
    print(f"catalogue: {counts['built']} built, {counts['skipped']} unchanged, "
          f"{counts['failed']} failed in {report['seconds']:.1f} s; {report['published']} "
          f"published in {display_path(args.out)}/opds.json and catalog.xml")
    failed = [t for t in report["titles"] if t["status"] == "failed"]
    for title in failed:
        print(f"failed: {title['slug']}: {(title['errors'] or ['?'])[0]}", file=sys.stderr)
    for problem in report["feed_problems"]:  # the toolchain's fault, never the manuscript's
        print(problem, file=sys.stderr)
    if args.serve:
        serve(args.out, args.host, args.port, StreamReporter(sys.stdout))
    return 1 if failed or report["feed_problems"] else 0


def human(size: int) -> str:
    return f"{size / 1024:.1f} KiB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.2f} MiB"


def cmd_check(args) -> int:
    """Each check's verdict, a line each, its problems under it; the preflight's table."""
    from .build import record_preflight
    from .check.outputs import check_outputs

    verdicts = check_outputs(args.out)
    width = max(len(verdict.label) for verdict in verdicts)  # the labels' column
    for verdict in verdicts:
        if verdict.rows:
            record_preflight(args.out, verdict.rows)
        if verdict.table:
            print(verdict.table)
        print(f"{verdict.label:<{width}} {verdict.path}: {verdict.summary}")
        for problem in verdict.problems:
            print(f"  {problem}", file=sys.stderr)
    failures = sum(len(v.problems) for v in verdicts)
    skipped = [v.label for v in verdicts if v.status == "not run"]
    print(("check: all clean" if not failures else f"check: {failures} problem(s)")
          + (f"; not run: {', '.join(skipped)} (not installed: `nox -s check` installs them)"
             if skipped else ""))
    return 1 if failures else 0


def cmd_proof(args) -> int:
    from .check.proof import proof

    for line in proof(args.out):
        print(line)
    return 0


COMMANDS = {"new": cmd_new, "build": cmd_build, "lint": cmd_lint, "check": cmd_check,
            "proof": cmd_proof, "watch": cmd_watch, "import": cmd_import,
            "catalogue": cmd_catalogue}


if __name__ == "__main__":
    sys.exit(main())
