"""The EPUB as readers see it: epub.js (the engine of many web and app readers) in headless
Chromium, on a phone and a tablet, with chapters injected as text/html (its default) and as
XHTML; and calibre's Kindle route, an AZW3 converted back to HTML. EPUBCheck and Ace say the
book is valid; these say a reader sees note calls raised, lists numbered once, nothing cut off."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from .. import places
from ..errors import BuildError, Problem

PROBE = Path(__file__).with_name("epubjs") / "probe.cjs"
CHROMIUM = "/usr/bin/chromium"
NUMBERED = re.compile(r"^\s*(\d+|[ivxlcdm]+)[.)]?\s", re.I)


def run_reader(epub: Path, name: str, command: list[str], seconds: int, **options):
    """A reading engine run on the book: one that fails on it, or does not finish in
    `seconds`, fails the check (E016), as a validator's message does; only one that is not
    installed is "not run" (E005, E006)."""
    try:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, **options)
    except OSError as exc:  # a path set by hand (ACE_CLI…) to no program: not our bug
        raise BuildError(Problem(epub, 0, 0, "E016", f"{name} could not be started: "
                                 f"{command[0]}: {exc.strerror}", "install it, or correct "
                                 "the path set for it (ACE_CLI, EPUBJS_MODULES, "
                                 "PUPPETEER_EXECUTABLE_PATH)")) from None
    try:
        out, err = proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.terminate()  # (not killed at once: puppeteer closes its browser on SIGTERM)
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        raise BuildError(Problem(epub, 0, 0, "E016", f"{name} did not finish with the book in "
                                 f"{seconds} s", "report it, with the book")) from None
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def run_epubjs(epub: Path, shots: Path, views: tuple[str, ...] = ()) -> tuple[list[Problem], str]:
    """Open the EPUB in epub.js in every view (or those named, like "html-360x640"); the
    screenshots go to `shots`, and what was measured to `shots/epubjs.json`."""
    modules = places.epubjs_modules()
    node = shutil.which("node")
    if not node or not (Path(modules) / "epubjs").is_dir():
        raise BuildError(Problem("epub.js", 0, 0, "E005", "epub.js (with Node.js) is not "
                                 "installed", "run `nox -s check` once in the project folder, "
                                 "which installs it; or set EPUBJS_MODULES"))
    env = {**os.environ, "CHROMIUM": os.environ.get("PUPPETEER_EXECUTABLE_PATH", CHROMIUM)}
    if not os.access(env["CHROMIUM"], os.X_OK):
        raise BuildError(Problem("epub.js", 0, 0, "E005", f"Chromium is not installed at "
                                 f"{env['CHROMIUM']}", "apt-get install chromium, or set "
                                 "PUPPETEER_EXECUTABLE_PATH"))
    shots.mkdir(parents=True, exist_ok=True)
    proc = run_reader(epub, "epub.js", [node, str(PROBE), str(Path(epub).resolve()),
                                        str(shots.resolve()), *views], 1800, env=env)
    if proc.returncode:
        raise BuildError(Problem(epub, 0, 0, "E016", "epub.js could not open the book: "
                                 + proc.stderr.strip()[-600:]))
    try:
        views_measured = json.loads(proc.stdout)
    except ValueError:
        raise BuildError(Problem(epub, 0, 0, "E016", "epub.js gave no measures of the book: "
                                 + (proc.stdout + proc.stderr).strip()[-400:],
                                 "report it, with the book")) from None
    (shots / "epubjs.json").write_text(json.dumps(views_measured, indent=1) + "\n",
                                       encoding="utf-8")
    problems = []
    for view in views_measured:
        where = f"epub.js {view['mode']} {view['width']}×{view['height']}"
        problems += [Problem(epub, 0, 0, "R001", f"{where}: {p}") for p in view["problems"]]
        problems += [Problem(epub, 0, 0, "R002", f"{where}: script error {e}")
                     for e in view["scriptErrors"]]
    return problems, summary(views_measured)


def summary(views: list[dict]) -> str:
    """The worst of every view, in one line."""
    def worst(key):
        return min(v[key] for v in views)

    def most(key):
        return max(v[key] for v in views)

    calls = most("calls")
    return (f"{len(views)} views × {most('spine')} items: calls raised {worst('raised')}/{calls}, "
            f"notes reached {worst('reached')}/{calls}, lists numbered twice "
            f"{most('doubledLists')}, quotations flat {most('flatQuotes')}, verse lines run on "
            f"{most('joinedVerse')}/{most('verseLines')}, wide tables {most('wideTables')}, cut "
            f"off at 200 % {most('cutOffAt200')}, script errors "
            f"{max(len(v['scriptErrors']) for v in views)}")


def run_kindle(epub: Path) -> tuple[list[Problem], str]:
    """calibre's `ebook-convert` to AZW3 (with no warning), and back to HTML: calibre flattens
    the CSS, so check what survives of note calls and list numbers."""
    convert = shutil.which("ebook-convert")
    if not convert:
        raise BuildError(Problem("calibre", 0, 0, "E006", "calibre is not installed",
                                 "apt-get install calibre"))
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        azw3, back = Path(tmp) / "book.azw3", Path(tmp) / "back.htmlz"
        for source, target in ((epub, azw3), (azw3, back)):
            proc = run_reader(epub, "calibre", [convert, str(source), str(target)], 600)
            if proc.returncode or not target.is_file():
                raise BuildError(Problem(epub, 0, 0, "E016", f"calibre could not convert to "
                                         f"{target.suffix}: " + proc.stderr.strip()[-400:]))
            problems += [Problem(epub, 0, 0, "R010", f"calibre, to {target.suffix}: {line}")
                         for line in (proc.stdout + proc.stderr).splitlines()
                         if re.search(r"\bWARN", line)]
        with zipfile.ZipFile(back) as archive:
            if "index.html" not in archive.namelist():
                raise BuildError(Problem(epub, 0, 0, "E016", "calibre's HTML of the AZW3 has "
                                         "no index.html", "report it, with the book"))
            html = archive.read("index.html").decode("utf-8")
            css = archive.read("style.css").decode("utf-8") if "style.css" in archive.namelist() \
                else ""
    calls, raised, doubled = kindle_html(html, css)
    if raised < calls:
        problems.append(Problem(epub, 0, 0, "R011", f"AZW3: {calls - raised} of {calls} note "
                                "calls are not raised"))
    if doubled:
        problems.append(Problem(epub, 0, 0, "R012", f"AZW3: {doubled} list items numbered twice"))
    return problems, f"AZW3: calls raised {raised}/{calls}, list items numbered twice {doubled}"


def kindle_html(html: str, css: str) -> tuple[int, int, int]:
    """(note calls, calls raised, list items numbered twice) in calibre's flattened HTML."""
    import lxml.html

    rules = {name: body for name, body in re.findall(r"\.([\w-]+)\s*\{([^}]*)\}", css)}

    def style(node) -> str:
        return " ".join(rules.get(c, "") for c in (node.get("class") or "").split()) \
            + (node.get("style") or "")

    root = lxml.html.fromstring(html)
    calls = root.xpath("//a[@role='doc-noteref']")
    raised = sum(1 for a in calls
                 if a.xpath(".//sup") or any("vertical-align: super" in style(n)
                                             for n in [a, *a.iterdescendants()]))
    doubled = 0
    for item in root.xpath("//ol/li | //ul/li"):
        if any("display: none" in style(a) for a in item.iterancestors()):
            continue  # not shown: the landmarks, the print edition's page list
        marker = "list-style-type: none" not in style(item.getparent()) + style(item)
        if marker and NUMBERED.match(item.text_content()):
            doubled += 1
    return len(calls), raised, doubled
