"""Command line: one verb per command — build, lint, check, proof, watch, import,
catalogue."""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

from .errors import BuildError, InternalError, display_path


def directory(text: str) -> Path:
    """A directory argument: an empty string is a mistake, not the current directory."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path names no directory")
    return Path(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toolchain",
                                     description="Manuscript to XHTML, EPUB and PDF.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("build", "build XHTML, EPUB and both PDFs"),
                       ("lint", "check the manuscript"),
                       ("check", "run EPUBCheck, Ace and the PDF checks on the built files"),
                       ("proof", "render every PDF page to PNG, plus a contact sheet"),
                       ("watch", "rebuild on every save; show the book in a browser")):
        cmd = sub.add_parser(name, help=text, description=text)
        cmd.add_argument("--manuscript", type=directory, default=Path("manuscript"))
        cmd.add_argument("--out", type=directory, default=Path("dist"))
        cmd.add_argument("--styles", type=directory, default=Path("styles"))
        cmd.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                         help="show tracebacks")
        if name == "build":
            cmd.add_argument("--force", action="store_true", help="rebuild even if up to date")
            cmd.add_argument("--profile", help="printer profile for the print files (overrides "
                             "book.toml): kdp-white, kdp-cream, ingramspark-creme, offset")
        if name == "lint":
            cmd.add_argument("--fix", action="store_true", help="make the fixes the warnings "
                             "offer (en dashes in number ranges and after open compounds) in the "
                             "manuscript's files")
        if name == "watch":
            cmd.add_argument("--port", type=int, default=8000, help="of the preview (127.0.0.1)")
    cat = sub.add_parser("catalogue", help="build every title of the catalogue; OPDS feeds",
                         description="build every title (manuscript/ and examples/*, or those "
                         "catalogue.toml lists) in parallel, into one folder with OPDS feeds")
    cat.add_argument("--out", type=directory, default=Path("dist/catalogue"))
    cat.add_argument("--config", type=Path, help="a catalogue.toml (default: ./catalogue.toml "
                     "if there is one)")
    cat.add_argument("--workers", type=int, help="titles at once (default: one per core, or "
                     "the cluster's threads)")
    cat.add_argument("--scheduler", help="a running Dask scheduler, tcp://HOST:8786")
    cat.add_argument("--force", action="store_true", help="rebuild unchanged titles too")
    cat.add_argument("--serve", action="store_true", help="then serve the catalogue to "
                     "reading apps on this network")
    cat.add_argument("--host", default="0.0.0.0", help="address to serve on (--serve)")
    cat.add_argument("--port", type=int, default=8080, help="port to serve on (--serve)")
    cat.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    word = sub.add_parser("import", help="a Word manuscript (.docx) into a manuscript folder",
                          description="a Word manuscript (.docx) into a manuscript folder")
    word.add_argument("docx", type=Path)
    word.add_argument("--to", type=directory, required=True, help="a new folder")
    changes = word.add_mutually_exclusive_group()
    changes.add_argument("--accept-changes", action="store_const", const="accept",
                         dest="changes", help="import with the tracked changes accepted")
    changes.add_argument("--reject-changes", action="store_const", const="reject",
                         dest="changes", help="import with the tracked changes rejected")
    word.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except BuildError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{args.command}: failed; {display_path(args.out)}/ was left as it was"
              if args.command == "build" else f"{args.command}: failed", file=sys.stderr)
        if args.debug:
            traceback.print_exc()
        return 1
    except KeyboardInterrupt:
        print(f"{args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the toolchain's fault: one line, exit 2, dist/ untouched
        stage = exc.stage if isinstance(exc, InternalError) else args.command
        print(f"internal error in {stage}; rerun with --debug and report it", file=sys.stderr)
        if isinstance(exc, InternalError) and exc.detail and args.debug:
            print(exc.detail, file=sys.stderr)
        if args.debug:
            traceback.print_exc()
        return 2


def cmd_import(args) -> int:
    from .read.docx import write_manuscript

    for line in write_manuscript(args.docx, args.to, args.changes):
        print(line)
    print(f"build it with: python -m toolchain build --manuscript {args.to}")
    return 0


def cmd_watch(args) -> int:
    from .watch import Watcher

    Watcher(args.manuscript, args.out, args.styles).run(args.port)
    return 0


def cmd_lint(args) -> int:
    from .check.lint import apply_fixes, lint_manuscript

    problems = lint_manuscript(args.manuscript, args.styles)
    if getattr(args, "fix", False):
        made = apply_fixes(problems)
        print(f"lint: {made} fix(es) made", file=sys.stderr)
        problems = lint_manuscript(args.manuscript, args.styles)
    for problem in problems:
        print(problem)
    errors = sum(p.severity == "error" for p in problems)
    print(f"lint: {errors} error(s), {len(problems) - errors} warning(s)", file=sys.stderr)
    return 1 if errors else 0


def cmd_build(args) -> int:
    from .build import build

    start = time.perf_counter()
    report = build(args.manuscript, args.out, args.styles, force=args.force,
                   profile=args.profile)
    print_summary(args.out, report, time.perf_counter() - start)
    return 0


def print_summary(out: Path, report: dict, seconds: float):
    rows = [("output", "size", "pages", "checks")]
    checks = report.get("validators", {})
    for name, item in report["outputs"].items():
        if name.startswith("xhtml/") and not name.endswith("xhtml"):
            continue
        verdict = ""
        if name.endswith(".epub"):
            c = checks.get("epubcheck", {})
            verdict = (f"EPUBCheck {c.get('nFatal', '?')} fatal, {c.get('nError', '?')} errors, "
                       f"{c.get('nWarning', '?')} warnings")
        elif name.endswith(".pdf"):
            verdict = "fonts embedded, no fallback" if name in checks else ""
        elif name.startswith("xhtml/"):
            verdict = "XHTML valid (own checks; EPUBCheck in the EPUB)"
        rows.append((f"{display_path(out)}/{name}", human(item["size"]),
                     str(item.get("pages", "")), verdict))
    widths = [max(len(r[k]) for r in rows) for k in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(widths[k]) for k, cell in enumerate(row)).rstrip())
    warnings = report.get("warnings", [])
    if warnings:
        print(f"{len(warnings)} warning(s), listed in report.json; `python -m toolchain lint` "
              "lists the manuscript's")
    state = "up to date" if report.get("up_to_date") else "built"
    print(f"{state} in {seconds:.2f} s")


def cmd_catalogue(args) -> int:
    from .catalogue import run_catalogue, serve

    report = run_catalogue(Path("."), args.out, args.config, args.scheduler, args.workers,
                           args.force)
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
        serve(args.out, args.host, args.port)
    return 1 if failed or report["feed_problems"] else 0


def human(size: int) -> str:
    return f"{size / 1024:.1f} KiB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.2f} MiB"


def cmd_check(args) -> int:
    from .check.outputs import check_outputs

    return check_outputs(args.out)


def cmd_proof(args) -> int:
    from .check.proof import proof

    for line in proof(args.out):
        print(line)
    return 0


COMMANDS = {"build": cmd_build, "lint": cmd_lint, "check": cmd_check, "proof": cmd_proof,
            "watch": cmd_watch, "import": cmd_import, "catalogue": cmd_catalogue}


if __name__ == "__main__":
    sys.exit(main())
