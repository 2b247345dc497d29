"""`watch`: rebuild on save, and show the book in a browser while it is written.

On every change to the manuscript or the styles, the XHTML preview is remade first (lint,
read, XHTML: under a second for a whole book) and the browser page reloads itself; then the
full build makes the EPUB and both PDFs, and swaps `dist/` only when all of it is valid, so
the last good `dist/` stays. Errors show in the terminal and over the page. The process stays
warm between builds: WeasyPrint, the fonts' glyph tables and the Markdown parser are loaded
once, and EPUBCheck keeps running; as every build, it keeps each division's pages in the
cache, so that only the chapters edited are laid out again (`write/pdf/apart.py`). The preview
is served on 127.0.0.1 only.
"""

from __future__ import annotations

import gc
import http.server
import json
import shutil
import threading
import time
from pathlib import Path

from .errors import BuildError, InternalError, Problem
from .reporting import Reporter, reporter_for

LIVE_SCRIPT = b"""(function () {
  var seen = null;
  function show(error) {
    var box = document.getElementById("toolchain-watch-error");
    if (!error) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElementNS("http://www.w3.org/1999/xhtml", "pre");
      box.id = "toolchain-watch-error";
      box.setAttribute("style", "position:fixed;inset:auto 0 0 0;margin:0;padding:1em;"
        + "background:#fee;color:#600;white-space:pre-wrap;font:13px monospace;z-index:9");
      document.body.appendChild(box);
    }
    box.textContent = error;
  }
  function poll() {
    fetch("/__status").then(function (r) { return r.json(); }).then(function (s) {
      if (seen !== null && s.preview !== seen) { location.reload(); return; }
      seen = s.preview;
      show(s.error);
    }).catch(function () {}).finally(function () { setTimeout(poll, 500); });
  }
  poll();
})();
"""


class Watcher:
    """Watches `manuscript` and `styles`; remakes the preview, then the build, on each change."""

    def __init__(self, manuscript: Path, out: Path, styles: Path, stream=None,
                 reporter: Reporter | None = None):
        self.manuscript, self.out, self.styles = Path(manuscript), Path(out), Path(styles)
        self.preview = self.out.parent / f".{self.out.name}.preview"
        self.reporter = reporter_for(stream, reporter)
        self.state = {"preview": 0, "build": 0, "error": ""}
        self.stopped = threading.Event()
        self.epubcheck = None  # one EPUBCheck, warm, for every build

    def warm_epubcheck(self):
        from .check.validate import EpubCheck

        if self.epubcheck is None or not self.epubcheck.alive():
            self.epubcheck = EpubCheck()
        return self.epubcheck

    def files(self) -> dict[str, tuple[int, int]]:
        """Every file's time and size: a change to any of them is an edit."""
        found = {}
        for folder in (self.manuscript, self.styles):
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    stat = path.stat()
                    found[str(path)] = (stat.st_mtime_ns, stat.st_size)
        return found

    def make_preview(self) -> None:
        """The XHTML documents, as the build writes them, into the preview folder."""
        from .build import build_date, write_xhtml_folder
        from .check import lint
        from .read import markdown
        from .write import citations, xhtml

        problems = [p for p in lint.lint_manuscript(self.manuscript, self.styles)
                    if p.severity == "error"]
        if problems:
            raise BuildError(problems)
        book = citations.resolve(markdown.read_book(self.manuscript))
        docs = xhtml.write_documents(book, build_date(self.manuscript)[0])
        fresh = self.preview.with_name(self.preview.name + ".new")
        shutil.rmtree(fresh, ignore_errors=True)
        write_xhtml_folder(book, docs, self.styles, fresh)
        shutil.rmtree(self.preview, ignore_errors=True)
        fresh.rename(self.preview)

    def cycle(self) -> None:
        """One round for an edit, then the round's garbage collected."""
        from .build import few_collections

        with few_collections():  # no full collection through the round's layouts while a
            self.round()  # writer waits for the book
        gc.collect()  # then the garbage of the round, the outputs made (a second or so)

    def round(self) -> None:
        """The preview, then the full build. An error stops the round, not the watch."""
        from .build import build

        for stage, work in (("preview", self.make_preview),
                            ("build", lambda: build(self.manuscript, self.out, self.styles,
                                                    reporter=self.reporter,
                                                    epubcheck=self.warm_epubcheck()))):
            try:
                work()
            except (BuildError, InternalError, OSError) as exc:
                self.state["error"] = describe(exc)
                self.state[stage] += 1
                self.reporter.warning(self.state["error"])
                self.reporter.note(f"watch: {stage} failed; {self.out}/ keeps the last good "
                                   "build")
                return
            self.state["error"] = ""
            self.state[stage] += 1
        self.reporter.note(f"watch: {self.out}/ is up to date; waiting for changes")

    def run(self, port: int = 8000, interval: float = 0.3) -> None:
        """Serve the preview and rebuild on every change, until stopped (Ctrl-C or stop())."""
        from .build import guard_output

        guard_output(self.out, self.manuscript, self.styles)  # before anything is written
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler(self))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.port = server.server_address[1]
        self.reporter.note(f"watch: the book is at http://127.0.0.1:{self.port}/ (Ctrl-C stops)")
        try:
            seen = self.files()
            self.cycle()
            while not self.stopped.wait(interval):
                now = self.files()
                if now != seen:
                    time.sleep(interval)  # let an editor finish writing the file
                    seen = self.files()
                    self.cycle()
        finally:
            server.shutdown()
            server.server_close()
            if self.epubcheck is not None:
                self.epubcheck.cancel()

    def stop(self) -> None:
        self.stopped.set()


def describe(exc: BaseException) -> str:
    if isinstance(exc, BuildError):
        return "\n".join(str(p) for p in exc.problems)
    if isinstance(exc, InternalError):
        return f"internal error in {exc.stage}; rerun `python -m toolchain build --debug`"
    return str(Problem(getattr(exc, "filename", None) or "watch", 0, 0, "E020", str(exc)))


def handler(watcher: Watcher):
    class Preview(http.server.SimpleHTTPRequestHandler):
        """The preview folder, each page with the live-reload script; /__status for it."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(watcher.preview), **kwargs)

        def do_GET(self):  # noqa: N802 - the name http.server calls
            path = self.path.split("?")[0]
            if path == "/__status":
                return self.send(json.dumps(watcher.state).encode(), "application/json")
            if path == "/__live.js":
                return self.send(LIVE_SCRIPT, "text/javascript")
            if path == "/":
                self.send_response(302)
                self.send_header("Location", "/toc.xhtml")
                self.end_headers()
                return None
            target = (watcher.preview / path.lstrip("/")).resolve()
            if path.endswith(".xhtml") and target.is_file() and \
                    target.is_relative_to(watcher.preview.resolve()):
                page = target.read_bytes().replace(
                    b"</body>", b'<script src="/__live.js"></script></body>')
                return self.send(page, "application/xhtml+xml")
            return super().do_GET()

        def send(self, data: bytes, kind: str):
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):  # the terminal is for the build's messages
            pass

    return Preview
