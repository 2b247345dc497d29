"""The catalogue: every title of a press built at once — across this machine's cores, or on a
Dask cluster — into `dist/catalogue/<slug>/`, and published as OPDS feeds.

Each title is one job, the same wherever it runs: its manuscript folder and the styles go to
the worker as zipped bytes (no shared disk needed), the worker builds them with the ordinary
build in a folder of its own and sends back the files and the report, and this process puts
them in place whole — so a title that fails keeps its last good files, and nothing
half-written is left. Titles whose inputs have not changed (the no-op build's content hash)
are not sent at all.
"""

from __future__ import annotations

import concurrent.futures as cf
import glob
import io
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import time
import tomllib
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .build import (
    build,
    build_date,
    connect_cluster,
    guard_output,
    input_key,
    output_lock,
    sha256,
    source_files,
    swap,
    up_to_date,
)
from .errors import BuildError, InternalError, Problem, display_path
from .reporting import Reporter, reporter_for

CONFIG = "catalogue.toml"
SAMPLES = "examples"  # the folder of sample titles beside manuscript/


@dataclass
class Title:
    manuscript: Path
    slug: str
    meta: dict | None = None
    date: datetime | None = None
    key: str = ""
    status: str = "waiting"  # built, skipped, failed
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    worker: str = ""


@dataclass
class Config:
    title: str  # of the feeds
    styles: Path
    folders: list[Path]  # the titles' manuscript folders
    url: str = ""  # where the catalogue is published, if known: the feeds' `self` links


def catalogue_config(root: Path, config: Path | None) -> Config:
    """The catalogue.toml, or without one: the first title and every sample title of the
    project."""
    path = config or root / CONFIG
    if config is None and not path.is_file():
        samples = sorted(d for d in (root / SAMPLES).glob("*") if (d / "book.toml").is_file())
        return Config("Catalogue", root / "styles", [root / "manuscript", *samples])
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BuildError(Problem(path, 0, 0, "E040", f"cannot read the catalogue: {exc}",
                                 "see README.md, “The catalogue”")) from None
    base = path.parent
    titles, missing = [], []
    for pattern in data.get("titles", []):
        found = sorted(Path(p) for p in glob.glob(str(base / pattern))
                       if (Path(p) / "book.toml").is_file())
        titles += found
        if not found:
            missing.append(pattern)
    if missing or not titles:
        raise BuildError(Problem(path, line_of(path, missing[0]) if missing else 0, 0, "E041",
                                 f"no manuscript folder (with book.toml) at {missing[0]!r}"
                                 if missing else "lists no titles",
                                 "titles = [\"manuscript\", \"examples/*\"]: folders relative "
                                 "to catalogue.toml"))
    url = str(data.get("url", ""))
    if url and not url.endswith("/"):
        url += "/"
    return Config(str(data.get("title", "Catalogue")), base / data.get("styles", "styles"),
                  list(dict.fromkeys(titles)), url)


def line_of(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if text in line:
            return number
    return 0


def prepare(folder: Path, styles: Path) -> Title:
    """Read the title's book.toml and decide its build date and input key here, where the
    manuscript is (and its git history): the worker builds a copy."""
    from .read.manuscript import read_meta

    title = Title(folder, folder.name)
    try:
        title.meta = read_meta(folder / "book.toml")
        title.slug = title.meta["slug"]
        title.date, _ = build_date(folder)
        title.key, _ = input_key(folder, styles, title.date)
    except BuildError as exc:
        title.status, title.errors = "failed", [str(p) for p in exc.problems]
    return title


def pack(folder: Path) -> bytes:
    """A source folder as zip bytes, to send to a worker."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in source_files(folder):
            archive.write(path, path.relative_to(folder).as_posix())
    return data.getvalue()


WARM = threading.local()  # in a worker: its EPUBCheck, started once and kept warm


def warm_epubcheck():
    """The worker's EPUBCheck: Java's start and EPUBCheck's loading cost more CPU than a
    small book's whole check, so a worker pays them once, not once per title (one per
    thread: a check is a conversation on the JVM's stdin)."""
    from .check.validate import EpubCheck

    if getattr(WARM, "epubcheck", None) is None or not WARM.epubcheck.alive():
        WARM.epubcheck = EpubCheck()
    return WARM.epubcheck


def build_job(job: dict, styles: bytes) -> dict:
    """One title, on a worker: unpack, build with the ordinary build, return the files.
    Runs in a process of its own (a pool's or a Dask worker's)."""
    import socket

    start = time.perf_counter()
    result = {"slug": job["slug"], "worker": f"{socket.gethostname()}:{os.getpid()}"}
    with tempfile.TemporaryDirectory(prefix="catalogue-") as tmp:
        manuscript, style_dir, out = Path(tmp, "manuscript"), Path(tmp, "styles"), Path(tmp, "dist")
        for data, folder in ((job["manuscript"], manuscript), (styles, style_dir)):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                archive.extractall(folder)
        try:
            report = build(manuscript, out, style_dir, stream=io.StringIO(), force=True,
                           date=job["date"], epubcheck=warm_epubcheck())
        except Exception as exc:  # noqa: BLE001 - a title's failure is reported, not raised
            problems = exc.problems if isinstance(exc, BuildError) else [
                f"internal error: {exc.stage if isinstance(exc, InternalError) else ''} "
                f"{getattr(exc, 'detail', '') or repr(exc)}"]
            errors = [str(p).replace(str(manuscript), job["source"]) for p in problems]
            return {**result, "status": "failed", "errors": errors,
                    "seconds": time.perf_counter() - start}
        files = {p.relative_to(out).as_posix(): p.read_bytes()
                 for p in sorted(out.rglob("*")) if p.is_file()}
    return {**result, "status": "built", "files": files, "warnings": len(report["warnings"]),
            "seconds": time.perf_counter() - start}


def store(target: Path, files: dict[str, bytes]) -> None:
    """Put a title's files in place whole, as a build does: written beside, then swapped."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with output_lock(target):
        tmp = target.parent / f".{target.name}.build-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            for name, data in files.items():
                path = tmp / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            report = json.loads(files["report.json"])
            if any(sha256(files[n]) != item["sha256"] for n, item in report["outputs"].items()):
                raise InternalError("catalogue", "a title's files arrived damaged")
            swap(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class Executor:
    """Where the jobs run: a process pool on this machine, or a running Dask cluster."""

    def __init__(self, scheduler: str | None, workers: int | None):
        self.client = None
        if scheduler is None:
            self.slots = workers or os.cpu_count() or 1
            # fresh processes, as a cluster's are: a fork would carry this one's state (its
            # fonts' and Pango's caches among it) into every title it builds
            self.pool = cf.ProcessPoolExecutor(max_workers=self.slots,
                                               mp_context=multiprocessing.get_context("spawn"))
            self.where = f"this machine, {self.slots} worker process(es)"
            return
        self.client = connect_cluster(scheduler)
        self.slots = workers or sum(self.client.nthreads().values()) or 1
        self.pool = self.client.get_executor(pure=False)
        self.where = f"Dask at {scheduler}, {self.slots} worker thread(s)"

    def share(self, data: bytes):
        """Data every job needs (the styles): sent to each worker once, on a cluster."""
        return self.client.scatter(data, broadcast=True) if self.client else data

    def close(self):
        if self.client is not None:
            self.client.close()
        else:
            self.pool.shutdown(cancel_futures=True)


def run_catalogue(root: Path, out: Path, config: Path | None = None,
                  scheduler: str | None = None, workers: int | None = None,
                  force: bool = False, stream=None, reporter: Reporter | None = None) -> dict:
    """Build every title; write the feeds and the catalogue's report; return the report.
    Its progress, a line a title, goes to `reporter` (or a stream's), else nowhere."""
    from .write import opds

    root, out = Path(root), Path(out)
    settings = catalogue_config(root, config)
    styles = settings.styles
    guard_catalogue(out)
    if not styles.is_dir():
        raise BuildError(Problem(styles, 0, 0, "P001", "styles directory not found",
                                 "set styles = \"…\" in catalogue.toml"))
    titles = [prepare(f, styles) for f in settings.folders]
    seen: dict[str, Title] = {}
    for title in titles:
        if title.status == "waiting":
            if title.slug in seen:
                title.status = "failed"
                title.errors = [f"{title.manuscript}/book.toml: the slug {title.slug!r} is "
                                f"already {display_path(seen[title.slug].manuscript)}'s"]
            else:
                guard_output(out / title.slug, title.manuscript, styles)
                seen[title.slug] = title
    todo = []
    for title in seen.values():
        if not force and up_to_date(out / title.slug, title.key):
            title.status = "skipped"
        else:
            todo.append(title)
    start = time.perf_counter()
    progress = Progress(len(titles), reporter_for(stream, reporter))
    for title in titles:
        if title.status in ("skipped", "failed"):
            progress.finished(title, [])
    if todo:
        run_jobs(todo, out, styles, scheduler, workers, progress)
    report = write_catalogue(out, settings, titles, opds)
    report.update(seconds=round(time.perf_counter() - start, 2),
                  where=progress.where or "nothing to build")
    (out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
    return report


def guard_catalogue(out: Path) -> None:
    """The catalogue folder holds titles' builds, feeds and covers: refuse any other folder."""
    if out.is_dir() and any(out.iterdir()):
        try:
            ours = "catalogue" in json.loads((out / "report.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, TypeError):
            ours = False
        if not ours:
            raise BuildError(Problem(display_path(out), 0, 0, "E030", "refusing to write the "
                                     "catalogue here: it is a folder of other files",
                                     "choose a new or empty directory, such as dist/catalogue"))
    out.mkdir(parents=True, exist_ok=True)


def run_jobs(todo: list[Title], out: Path, styles: Path, scheduler, workers, progress):
    executor = Executor(scheduler, workers)
    progress.where, progress.slots = executor.where, executor.slots
    progress.reporter.note(f"catalogue: {len(todo)} title(s) to build on {executor.where}")
    try:
        shared = executor.share(pack(styles))
        waiting, running = list(todo), {}
        while waiting or running:
            while waiting and len(running) < executor.slots:
                title = waiting.pop(0)
                job = {"slug": title.slug, "source": str(title.manuscript),
                       "manuscript": pack(title.manuscript), "date": title.date}
                running[executor.pool.submit(build_job, job, shared)] = title
            done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for future in done:
                title = running.pop(future)
                try:
                    result = future.result()
                except Exception as exc:  # the worker died: that title failed, not the run
                    result = {"status": "failed", "seconds": 0, "worker": "",
                              "errors": [f"the worker building it stopped: {exc!r}"]}
                finish(title, result, out)
                progress.finished(title, [t.slug for t in running.values()])
    finally:
        executor.close()


def finish(title: Title, result: dict, out: Path) -> None:
    title.seconds, title.worker = round(result["seconds"], 2), result.get("worker", "")
    if result["status"] == "built":
        try:
            store(out / title.slug, result["files"])
            title.status = "built"
            return
        except (BuildError, InternalError, OSError) as exc:
            result = {"errors": [str(p) for p in getattr(exc, "problems", [exc])]}
    title.status, title.errors = "failed", result["errors"]


@dataclass
class Progress:
    total: int
    reporter: Reporter
    done: int = 0
    where: str = ""
    slots: int = 1  # titles built at once
    times: list = field(default_factory=list)

    def finished(self, title: Title, running: list[str]) -> None:
        self.done += 1
        line = f"[{self.done}/{self.total}] {title.status:<8} {title.slug}"
        if title.status != "skipped" and title.seconds:
            self.times.append(title.seconds)
            line += f" ({title.seconds:.1f} s)"
        if title.status == "failed":
            line += f": {title.errors[0] if title.errors else 'failed'}"
        if running:
            line += f" · running: {', '.join(running)}"
        left = self.total - self.done
        if left and self.times:
            line += f" · about {sum(self.times) / len(self.times) * left / self.slots:.0f} s left"
        self.reporter.note(line)


def write_catalogue(out: Path, settings: Config, titles: list[Title], opds) -> dict:
    """The feeds of every title with a good build in the catalogue (built now, unchanged, or
    failed now but with its last good files kept), and the catalogue's report."""
    entries = []
    for title in titles:
        folder = out / title.slug
        if title.meta is None or not (folder / "report.json").is_file():
            continue
        built = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        slug = built["slug"]
        files = {f"{slug}/{n}": item["size"] for n, item in built["outputs"].items()}
        cover, thumb = opds.covers(folder / f"{slug}.epub", out / "covers", slug)
        entries.append(opds.Entry(title.meta, built["build_date"].replace("+00:00", "Z"),
                                  f"{slug}/{slug}.epub", f"{slug}/{slug}.pdf", files, cover,
                                  thumb))
    for file_name, data in (("opds.json", opds.feed_json(settings.title, entries, settings.url)),
                            ("catalog.xml", opds.feed_atom(settings.title, entries,
                                                           settings.url))):
        tmp = out / f".{file_name}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, out / file_name)
    from .check.opds import feed_problems

    return {"catalogue": settings.title, "published": len(entries),
            "feed_problems": [str(p) for p in feed_problems(out / "opds.json")],
            "counts": {s: sum(t.status == s for t in titles)
                       for s in ("built", "skipped", "failed")},
            "titles": [{"slug": t.slug, "manuscript": str(t.manuscript), "status": t.status,
                        "seconds": t.seconds, "worker": t.worker, "errors": t.errors[:10]}
                       for t in titles]}


MEDIA_TYPES = {".epub": "application/epub+zip", ".pdf": "application/pdf",
               ".json": "application/opds+json", ".xml": "application/atom+xml;"
               "profile=opds-catalog;kind=acquisition", ".jpg": "image/jpeg", ".png": "image/png"}


def catalogue_server(out: Path, host: str, port: int):
    """An HTTP server of the catalogue folder as it is, with the feeds' media types. The OPDS
    2.0 feed's `self` link, relative when the catalogue's address is not configured, is made
    absolute with the address the reading app asked for."""
    import functools
    import http.server

    class Handler(http.server.SimpleHTTPRequestHandler):
        extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MEDIA_TYPES}

        def do_GET(self):  # noqa: N802 - the name http.server calls
            feed = Path(self.directory) / "opds.json"
            if self.path.split("?")[0] != "/opds.json" or not feed.is_file():
                return super().do_GET()
            data = json.loads(feed.read_text(encoding="utf-8"))
            for link in data["links"]:
                if link.get("rel") == "self" and "://" not in link["href"]:
                    link["href"] = f"http://{self.headers.get('Host', 'localhost')}/opds.json"
            body = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", MEDIA_TYPES[".json"])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # one line per request is noise in a terminal
            pass

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            """A reading app that hangs up mid-download is no error of the server's."""
            if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
                super().handle_error(request, client_address)

    return Server((host, port), functools.partial(Handler, directory=str(Path(out).resolve())))


def serve(out: Path, host: str, port: int, reporter: Reporter | None = None) -> None:
    """Serve the catalogue until interrupted, saying where reading apps find it."""
    import socket

    server = catalogue_server(out, host, port)
    shown = host
    if host in ("0.0.0.0", ""):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.connect(("10.255.255.255", 1))  # no packet is sent: picks the LAN address
                shown = probe.getsockname()[0]
            except OSError:
                shown = "127.0.0.1"
    base = f"http://{shown}:{server.server_address[1]}"
    (reporter or Reporter()).note(f"serving {display_path(out)}/ — OPDS 1.2 (KOReader): "
                                  f"{base}/catalog.xml · OPDS 2.0 (Thorium): {base}/opds.json"
                                  " · Ctrl-C stops")
    try:
        server.serve_forever()
    finally:
        server.server_close()
