"""`check`: the external validators on the built files — EPUBCheck, DAISY Ace — and
the PDF checks. Every verdict is printed; any message at all fails the check."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pikepdf

from . import pdfcheck, validate
from .errors import BuildError, Problem


def check_outputs(out: Path) -> int:
    out = Path(out)
    report_path = out / "report.json"
    if not report_path.is_file():
        raise BuildError(Problem(report_path, 0, 0, "E010", "no build to check",
                                 "run `python -m toolchain build` first"))
    report = json.loads(report_path.read_text(encoding="utf-8"))
    slug = report["slug"]
    failures = 0
    epub = out / f"{slug}.epub"
    problems, counts = validate.run_epubcheck(epub, ["--failonwarnings"])
    print(f"EPUBCheck  {epub}: {counts['nFatal']} fatal, {counts['nError']} errors, "
          f"{counts['nWarning']} warnings, {counts['nUsage']} usage")
    failures += report_problems(problems)
    violations = run_ace(epub)
    print(f"Ace        {epub}: {len(violations)} violations")
    failures += report_problems(violations)
    for name, press in ((f"{slug}.pdf", False), (f"{slug}-print.pdf", True)):
        problems = pdfcheck.check_fonts(out / name) + pdf_structure(out / name, press)
        print(f"PDF        {out / name}: {len(problems)} problems")
        failures += report_problems(problems)
    print("check: all clean" if not failures else f"check: {failures} problem(s)")
    return 1 if failures else 0


def report_problems(problems: list[Problem]) -> int:
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return len(problems)


def run_ace(epub: Path) -> list[Problem]:
    """DAISY Ace with -E, so that violations fail; we also read its JSON report."""
    ace = os.environ.get("ACE_CLI") or shutil.which("ace-cli") or shutil.which("ace")
    if not ace:
        raise BuildError(Problem("ace", 0, 0, "E003", "DAISY Ace is not installed",
                                 "run `nox -s check`, which installs @daisy/ace-cli"))
    env = {**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"}
    env.setdefault("PUPPETEER_EXECUTABLE_PATH", "/usr/bin/chromium")
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([ace, "-E", "-s", "-f", "-o", tmp, str(epub)],
                              capture_output=True, text=True, env=env)
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
    return problems


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
                                            "MediaBox", "press.css sets marks and bleed"))
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
