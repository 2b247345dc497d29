"""What EPUBCheck's JVM costs a build before it checks anything, and the checks of a long
book: the server started as the build starts it (`validate.launcher`: compiled once and kept,
EPUBCheck's signed Saxon jar copied without its signature) against the server run from its
source and Saxon's jar as installed (signed: Java checks each class's digest as it loads it);
each warmed on the warm-up EPUB, then checking the EPUB and the Kobo edition of the title's
chapter copied N times together, as a build does. Wall and CPU seconds of the JVM
(medians, alternating), and the time it spent collecting its heap (-Xlog:gc).

Run: python benchmarks/epubcheck_start.py [RUNS] [CHAPTERS] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import io
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import publish, write_target  # noqa: E402
from memory import make_manuscript  # noqa: E402

from toolchain.build import build  # noqa: E402
from toolchain.check import validate  # noqa: E402


def run(classpath: list[str], main: str, files: list[Path], work: Path) -> dict:
    """One JVM: the warm-up, then `files` checked at once; its times and collections."""
    log = work / "gc.log"
    command = [validate.java(), *validate.JAVA_FLAGS, f"-Xlog:gc:file={log}",
               "-cp", os.pathsep.join(classpath), main]
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            stderr=subprocess.DEVNULL)
    lines = [f"{path}\t{work / f'{k}.json'}" for k, path in enumerate(files)]
    proc.stdin.write(lines[0] + "\n")
    proc.stdin.flush()
    proc.stdout.readline()
    warm = time.perf_counter() - start
    proc.stdin.write("".join(line + "\n" for line in lines[1:]))
    proc.stdin.close()
    for _ in lines[1:]:
        proc.stdout.readline()
    total = time.perf_counter() - start
    usage = os.wait4(proc.pid, 0)[2]
    pauses = [float(ms) for ms in re.findall(r"([0-9.]+)ms", log.read_text())]
    return {"warm": warm, "total": total, "cpu": usage.ru_utime + usage.ru_stime,
            "gc": sum(pauses) / 1000, "collections": len(pauses)}


def main(runs: int, chapters: int, write: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ.setdefault("SOURCE_DATE_EPOCH", "1764000000")
        os.environ["TOOLCHAIN_CACHE"] = str(work / "cache")  # the server kept anew
        make_manuscript(work / "m", chapters)
        report = build(work / "m", work / "dist", Path(__file__).resolve().parents[1] / "styles",
                       stream=io.StringIO(), force=True, jobs=2)
        slug = report["slug"]
        warm_up = work / "warm-up.epub"
        validate.write_warm_up_epub(warm_up, refused=True)
        files = [warm_up, work / "dist" / f"{slug}.epub", work / "dist" / f"{slug}.kepub.epub"]
        kept, main_class = validate.launcher(work, stock=False)
        schemas = [p for p in kept if p.endswith("schemas")]
        ways = {"kept compiled, Saxon unsigned (the build's)": (kept, main_class),
                "from its source, Saxon signed": (
                    [*schemas, validate.epubcheck_jar()], str(validate.SERVER))}
        found: dict[str, list[dict]] = {name: [] for name in ways}
        for _ in range(runs):
            for name, (classpath, main) in ways.items():
                found[name].append(run(classpath, main, files, work))
    rows = [f"| the JVM ({chapters} chapters' EPUB and Kobo edition) | warm-up, wall | "
            "warm-up and both checks, wall | CPU | collecting the heap |",
            "|---|--:|--:|--:|--:|"]
    for name, results in found.items():
        median = {k: statistics.median(r[k] for r in results) for k in results[0]}
        rows.append(f"| {name} | {median['warm']:.2f} s | {median['total']:.2f} s | "
                    f"{median['cpu']:.2f} s | {median['gc']:.2f} s "
                    f"({median['collections']:.0f} pauses) |")
    publish("\n".join(rows), write, "epubcheck-start")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--write") and a != "--write"]
    target = write_target(sys.argv[1:])
    numbers = [int(a) for a in args if a.isdigit()]
    main(numbers[0] if numbers else 3, numbers[1] if len(numbers) > 1 else 20, target)
