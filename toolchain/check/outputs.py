"""`check`: the external validators on the built files — EPUBCheck, DAISY Ace — the book
in real reading engines (epub.js, calibre's Kindle route) and the PDF checks. Every verdict
is printed; any message at all fails the check."""

from __future__ import annotations

import json
import os
import re
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

from .. import places, safexml
from ..errors import BuildError, Problem
from . import index_pages, kobo, onix, page_references, parity, pdfcheck, preflight, readers, validate

SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")


def read_report(out: Path) -> dict:
    """The build's report.json, or a clear error if there is no build or it is damaged."""
    path = Path(out) / "report.json"
    if not path.is_file():
        raise BuildError(Problem(path, 0, 0, "E010", "no build to check",
                                 "run `toolchain build` first"))
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(report, dict) or not SLUG.fullmatch(str(report.get("slug"))):
            raise ValueError("no valid slug")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BuildError(Problem(path, 0, 0, "E011", f"the build report is damaged ({exc})",
                                 "rebuild with `toolchain build --force`")) from None
    return report


@dataclass
class Verdict:
    """One check's finding on one file, for the command line to show."""

    label: str
    path: Path
    problems: list
    summary: str
    status: str  # "ok", "failed" or "not run" (a validator not installed)
    table: str = ""  # the preflight's, for the print buyer
    rows: list = field(default_factory=list)  # the preflight's, for report.json


NOT_INSTALLED = {"E003", "E005", "E006"}  # Ace, epub.js, calibre
REQUIRE_ALL = "TOOLCHAIN_CHECK_ALL"  # set (nox -s check): a validator not installed fails


def check_outputs(out: Path) -> list[Verdict]:
    """Every check that can run, runs; a missing file is a failed check of its own, never an
    early stop. A validator that is not installed is "not run" — with how to install it —
    unless TOOLCHAIN_CHECK_ALL is set (as `nox -s check` sets it), when it fails."""
    out = Path(out)
    report = read_report(out)
    slug = report["slug"]
    epub = out / f"{slug}.epub"
    tables: dict[str, str] = {}
    checks = [("XML", epub, lambda: epub_xml(epub)),
              ("EPUBCheck", epub, lambda: run_epubcheck(epub)),
              ("Ace", epub, lambda: run_ace(epub)),
              ("epub.js", epub, lambda: readers.run_epubjs(epub, out / "proofs" / "readers")),
              ("Kindle", epub, lambda: readers.run_kindle(epub))]
    kepub = out / f"{slug}.kepub.epub"
    checks += [("EPUBCheck", kepub, lambda: run_epubcheck(kepub)),
               ("Kobo", kepub, lambda: run_kobo(epub, kepub))]
    if f"{slug}.onix.xml" in report.get("outputs", {}):
        checks.append(("ONIX", out / f"{slug}.onix.xml",
                       lambda: (onix.onix_problems(out / f"{slug}.onix.xml"),
                                "EDItEUR's ONIX 3.0 schema (reference tags)")))
    for name, press in ((f"{slug}.pdf", False), (f"{slug}-print.pdf", True)):
        path = out / name
        checks.append(("PDF", path, lambda path=path, press=press: check_pdf(path, press)))
    checks.append(("Parity", out / f"{slug}.pdf", lambda: run_parity(epub, out / f"{slug}.pdf")))
    checks.append(("Pages", out / f"{slug}.pdf", lambda: run_pages(epub, out / f"{slug}.pdf")))
    for name in (f"{slug}.pdf", f"{slug}-print.pdf"):
        checks.append(("Index", out / name, lambda path=out / name: run_index(epub, path)))
    checks.append(("Page references", out / f"{slug}.pdf",
                   lambda: run_page_references(epub, out / f"{slug}.pdf")))
    checks.append(("Preflight", out / f"{slug}-print.pdf",
                   lambda: run_preflight(out, report, tables)))
    # The validators that are programs of their own (a JVM each, Chromium, calibre) run at
    # once, on threads that wait on them, while this process runs its own checks one after
    # another (pdfium, which the preflight uses, is not thread-safe).
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        running = {k: pool.submit(attempt, path, run) for k, (label, path, run)
                   in enumerate(checks) if label in OUTSIDE}
        found = [running[k].result() if k in running else attempt(path, run)
                 for k, (label, path, run) in enumerate(checks)]
    verdicts = []
    for (label, path, _), (problems, summary, status) in zip(checks, found, strict=True):
        table, rows = tables.pop(label, ("", []))
        verdicts.append(Verdict(label, path, problems, summary or f"{len(problems)} problems",
                                status, table, rows))
    return verdicts


OUTSIDE = {"EPUBCheck", "Ace", "epub.js", "Kindle"}  # checks that run a program of their own


def attempt(path: Path, run) -> tuple[list[Problem], str, str]:
    """One check's problems, summary and status: a missing file is a failed check; a
    validator not installed is "not run" unless every one is required."""
    if not path.is_file():
        return [Problem(path, 0, 0, "E012", "file missing",
                        "rebuild with `toolchain build --force`")], "", "failed"
    try:
        problems, summary = run()
    except BuildError as exc:
        problems, summary = exc.problems, "could not run"
        if {p.code for p in problems} <= NOT_INSTALLED and not os.environ.get(REQUIRE_ALL):
            return [], f"not run: {problems[0].message} ({problems[0].hint})", "not run"
    return problems, summary, "failed" if problems else "ok"


def run_pages(epub: Path, pdf: Path) -> tuple[list[Problem], str]:
    problems, info = parity.check_pages(epub, pdf)
    return problems, (f"{info['pages']} pages marked in the EPUB, {info['matched']} begin with "
                      f"the words after their marker, {info['shared']} without text of the EPUB "
                      f"(blank, half title) share the next page's place; "
                      f"{len(problems)} differences")


def run_index(epub: Path, pdf: Path) -> tuple[list[Problem], str]:
    problems, info = index_pages.check_index(epub, pdf)
    if not info["locators"] and not info["words"]:
        return problems, "the book has no index"
    return problems, (f"{info['locators']} locators, each on the page whose folio it prints; "
                      f"the EPUB's index ({info['words']} words) printed as it is; "
                      f"{len(problems)} differences")


def run_page_references(epub: Path, pdf: Path) -> tuple[list[Problem], str]:
    """The screen PDF's: the press file has the same pages but no links to follow."""
    problems, info = page_references.check_page_references(epub, pdf)
    if not info["references"]:
        return problems, "the book has no page references"
    return problems, (f"{info['references']} page references, each printing its target's "
                      f"folio in the PDF and the EPUB; {len(problems)} differences")


def run_parity(epub: Path, pdf: Path) -> tuple[list[Problem], str]:
    problems, info = parity.compare(epub, pdf)
    return problems, (f"{info['words']} words of the EPUB in the PDF in order, footnotes "
                      f"{info['footnotes']}, {len(problems)} differences")


def run_preflight(out: Path, report: dict, tables: dict) -> tuple[list[Problem], str]:
    """The print files against their printer profile: a table for the print buyer (and its
    rows, which `toolchain check` keeps in report.json). Warnings (an RGB cover for a CMYK
    printer, no barcode) do not fail."""
    problems, rows = preflight.preflight(out, report)
    if rows:
        tables["Preflight"] = (preflight.table(rows), rows)
    verdicts = [r[2] for r in rows]
    return problems, (f"{verdicts.count('ok')} ok, {verdicts.count('warning')} warnings, "
                      f"{verdicts.count('fail')} failed")


def epub_xml(epub: Path) -> tuple[list[Problem], str]:
    """Every XML file in the EPUB parses without entities, DTDs or XInclude (safexml)."""
    from lxml import etree

    problems, count = [], 0
    try:
        with zipfile.ZipFile(epub) as archive:
            for name in archive.namelist():
                if name.endswith((".xml", ".opf", ".xhtml", ".ncx", ".svg")):
                    count += 1
                    try:
                        safexml.parse(archive.read(name))
                    except (etree.XMLSyntaxError, safexml.UnsafeXml) as exc:
                        problems.append(Problem(f"{epub}!{name}", 0, 0, "X007",
                                                f"refused: {exc}"))
    except zipfile.BadZipFile as exc:
        problems.append(Problem(epub, 0, 0, "E014", f"not a readable EPUB ({exc})"))
    return problems, f"{count} documents, {len(problems)} refused"


def run_kobo(epub: Path, kepub: Path) -> tuple[list[Problem], str]:
    problems, info = kobo.kepub_problems(epub, kepub)
    return problems, (f"{info['documents']} documents, {info['spans']} koboSpans, the EPUB's "
                      f"text in each; {len(problems)} problems")


def run_epubcheck(epub: Path) -> tuple[list[Problem], str]:
    problems, c = validate.run_epubcheck(epub, ["--failonwarnings"])
    return problems, (f"{c['nFatal']} fatal, {c['nError']} errors, {c['nWarning']} warnings, "
                      f"{c['nUsage']} usage")


def check_pdf(path: Path, press: bool) -> tuple[list[Problem], str]:
    try:
        return (pdfcheck.check_fonts(path) + pdfcheck.text_outside(path, press)
                + pdf_structure(path, press)), ""
    except pikepdf.PdfError as exc:
        return [Problem(path, 0, 0, "P030", f"not a readable PDF ({exc})",
                        "rebuild with `toolchain build --force`")], ""


def run_ace(epub: Path) -> tuple[list[Problem], str]:
    """DAISY Ace with -E, so that violations fail; we also read its JSON report."""
    ace = places.ace_cli()
    if not ace:
        raise BuildError(Problem("ace", 0, 0, "E003", "DAISY Ace is not installed",
                                 "run `nox -s check` once in the project folder, which installs "
                                 "@daisy/ace-cli (it needs Debian's chromium and npm); or set "
                                 "ACE_CLI to an ace-cli of your own"))
    env = {**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"}
    env.setdefault("PUPPETEER_EXECUTABLE_PATH", "/usr/bin/chromium")
    with tempfile.TemporaryDirectory() as tmp:
        proc = readers.run_reader(epub, "Ace", [ace, "-E", "-s", "-f", "-o", tmp, str(epub)],
                                  1800, env=env)
        report = Path(tmp) / "report.json"
        if not report.is_file():
            raise BuildError(Problem(epub, 0, 0, "E004", "Ace did not run: "
                                     + (proc.stderr or proc.stdout).strip()[-800:]))
        data = json.loads(report.read_text(encoding="utf-8"))
    problems = []
    for doc in data.get("assertions", []):
        for item in doc.get("assertions", []):
            test, result = item["earl:test"], item["earl:result"]
            problems.append(Problem(doc["earl:testSubject"]["url"], 0, 0, test["dct:title"],
                                    result["dct:description"].splitlines()[0],
                                    severity=test.get("earl:impact", "error")))
    if proc.returncode and not problems:
        problems.append(Problem(epub, 0, 0, "E004", f"Ace exited with {proc.returncode}"))
    return problems, f"{len(problems)} violations"


def pdf_structure(path: Path, press: bool) -> list[Problem]:
    """Metadata and outline for the screen PDF; trim and bleed boxes for the press."""
    problems = []
    with pikepdf.open(path) as pdf:
        info = pdf.docinfo
        for key in ("/Title", "/Author"):
            if key not in info:
                problems.append(Problem(path, 0, 0, "P020", f"no {key[1:]} in the PDF metadata"))
        if press:
            for k, page in enumerate(pdf.pages, 1):
                media = [float(x) for x in page.obj.MediaBox]
                trim = [float(x) for x in page.obj.get("/TrimBox", [])]
                if not trim or not inside(trim, media):
                    problems.append(Problem(path, k, 0, "P021", "TrimBox missing or outside "
                                            "MediaBox", "rebuild: the build sets the boxes"))
                    break
        else:
            if "/Lang" not in pdf.Root:
                problems.append(Problem(path, 0, 0, "P022", "no document language"))
            if "/StructTreeRoot" not in pdf.Root:
                problems.append(Problem(path, 0, 0, "P023", "the screen PDF is not tagged"))
            with pdf.open_outline() as outline:
                if not outline.root:
                    problems.append(Problem(path, 0, 0, "P024", "the screen PDF has no outline"))
    return problems


def inside(inner: list[float], outer: list[float]) -> bool:
    return (inner[0] >= outer[0] and inner[1] >= outer[1] and inner[2] <= outer[2]
            and inner[3] <= outer[3] and inner[0] < inner[2] and inner[1] < inner[3])
