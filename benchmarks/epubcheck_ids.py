"""What EPUBCheck costs as one document's ids grow: the whitman sample's EPUB with N
paragraphs added to its colophon, each with an id (as the Kobo edition gives every
sentence's span one: `kobo.3.1`), and without; checked in one warm EPUBCheck JVM, the best of
three. EPUBCheck as released checks each id's uniqueness by counting the document's elements
with that id, so its time grows with the square of the ids in one document; the build's
EPUBCheck counts them through a key (`validate.linear_id_check`).

Run: python benchmarks/epubcheck_ids.py [--write docs/benchmarks.md]   (nox -s bench)
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import publish, write_target  # noqa: E402

from toolchain.build import build  # noqa: E402
from toolchain.check import validate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
COUNTS = (500, 1000, 2000, 4000, 8000)


def with_paragraphs(source: Path, target: Path, count: int, ids: bool) -> None:
    """The EPUB at `source` with `count` paragraphs added to its colophon."""
    paragraph = '<p id="s{k}">Sentence {k}.</p>\n' if ids else "<p>Sentence {k}.</p>\n"
    added = "".join(paragraph.format(k=k) for k in range(count))
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename.endswith("colophon.xhtml"):
                data = data.decode().replace("</section>", added + "</section>", 1).encode()
            new.writestr(info, data, compress_type=zipfile.ZIP_STORED
                         if info.filename == "mimetype" else zipfile.ZIP_DEFLATED)


def cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(write: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ.setdefault("SOURCE_DATE_EPOCH", "1764000000")
        report = build(ROOT / "examples" / "whitman-leaves-of-grass", work / "dist",
                       ROOT / "styles", stream=io.StringIO(), force=True)
        epub = work / "dist" / f"{report['slug']}.epub"
        checkers = {stock: validate.EpubCheck(warm=True, stock=stock) for stock in (True, False)}
        rows = ["| paragraphs in one document | with an id each: EPUBCheck as released | "
                "the build's EPUBCheck | without ids: as released |", "|--:|--:|--:|--:|"]
        try:
            for count in COUNTS:
                seconds = []
                for ids, stock in ((True, True), (True, False), (False, True)):
                    checker = checkers[stock]
                    target = work / f"{count}-{ids}.epub"
                    with_paragraphs(epub, target, count, ids)
                    times = []
                    for _ in range(3):
                        before = cpu(checker.proc.pid)
                        checker.check(target, ["--failonwarnings"])
                        problems, _ = checker.result(target)
                        times.append(cpu(checker.proc.pid) - before)
                        assert not [p for p in problems if p.severity not in ("info", "usage")]
                    seconds.append(min(times))
                rows.append(f"| {count:,} | " + " | ".join(f"{s:.2f} s" for s in seconds) + " |")
        finally:
            for checker in checkers.values():
                checker.cancel()
    table = "\n".join(rows)
    publish(table, write, "epubcheck-ids")


if __name__ == "__main__":
    args = sys.argv[1:]
    main(write_target(args))
