"""Pages laid out per second on 1 and 2 processes (`build --jobs`) and on a Dask cluster of
two workers (`build --scheduler`), on the 20-chapter book.

A first build (a clean one, `--no-cache`, then one that fills a cache of its own) lays the
divisions out one after another: each one's first folio waits on the pages before it. Then
the stylesheet is changed by a comment, so that every division's key is new while the
record of the last build still says where each begins: every division is laid out again, at
once, on `--jobs` processes, then on the cluster's two workers (a LocalCluster of two
processes, as `dask scheduler` and two `dask worker`s would be). Printed: the layout stage's
seconds (report.json) and pages per second, the whole build's seconds, and whether the files
are byte for byte the same.

Run: nox -s bench   (or: python benchmarks/jobs.py [CHAPTERS] [--write docs/benchmarks.md])
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from bench import publish, write_target  # noqa: E402
from memory import make_manuscript  # noqa: E402


def build(manuscript: Path, out: Path, styles: Path, env: dict, *flags: str) -> dict:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "toolchain", "build", "--manuscript", str(manuscript),
                    "--out", str(out), "--styles", str(styles), "--force", *flags],
                   env=env, check=True, capture_output=True)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    report["seconds"] = time.perf_counter() - start
    return report


def files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".pdf", ".epub")}


def main(chapters: int, write: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        make_manuscript(work / "m", chapters)
        styles = work / "styles"
        shutil.copytree(ROOT / "styles", styles)
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1764000000", "PYTHONPATH": str(ROOT),
               "TOOLCHAIN_MAX_MANUSCRIPT_MIB": "100", "TOOLCHAIN_CACHE": str(work / "cache")}
        rows = []
        clean = build(work / "m", work / "clean", styles, env, "--no-cache", "--jobs", "1")
        pages = clean["outputs"][f"{clean['slug']}.pdf"]["pages"]
        rows.append(("a clean build, in book order", "1 process", clean))
        build(work / "m", work / "first", styles, env, "--jobs", "1")  # the record, the cache
        import distributed

        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster:
            for run, where, flags in (
                    ("jobs-1", "1 process", ["--jobs", "1"]),
                    ("jobs-2", "2 processes", ["--jobs", "2"]),
                    ("dask", "Dask, 2 workers", ["--scheduler", cluster.scheduler_address])):
                with (styles / "print.css").open("a", encoding="utf-8") as sheet:
                    sheet.write(f"\n/* run {run} */\n")
                rows.append(("stylesheet changed: every division, places known", where,
                             build(work / "m", work / run, styles, env, *flags)))
        same = all(files(work / run) == files(work / "clean")
                   for run in ("jobs-1", "jobs-2", "dask"))
    lines = [f"{chapters} chapters, {pages} pages; the files of every run byte for byte the "
             f"same: {'yes' if same else 'NO'}", "",
             "| build | laid out on | layout | pages per second | whole build |",
             "|---|--:|--:|--:|--:|"]
    for what, jobs, report in rows:
        layout = report["stage_seconds"]["layout"]
        lines.append(f"| {what} | {jobs} | {layout:.1f} s | {pages / layout:.1f} | "
                     f"{report['seconds']:.1f} s |")
    publish("\n".join(lines), write, "jobs")


if __name__ == "__main__":
    args = sys.argv[1:]
    target = write_target(args)
    main(int(args[0]) if args and args[0].isdigit() else 20, target)
