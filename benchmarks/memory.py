"""Peak memory and time of a full build against the size of the manuscript.

The book is the first title's chapter copied N times (37 KB of Markdown, 25 pages each), so
that the figures scale from a real chapter. Each build runs in its own process, a clean one
(`--no-cache`) on `--jobs` processes (default 1). Two peaks: the build process's resident
memory, from the kernel (ru_maxrss of the child), and every process of the build together
(the build, the processes it forks to lay divisions out, EPUBCheck's JVM), sampled five times
a second as the sum of their proportional set sizes (PSS: a page two forked processes share
counted half in each), from /proc.

Run from the project root: python benchmarks/memory.py [--jobs N] [CHAPTERS ...]
(default: 1 7 14 27)
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "manuscript" / "chapters" / "03-german-revolution-of-1923.md"


def make_manuscript(folder: Path, chapters: int) -> int:
    (folder / "chapters").mkdir(parents=True)
    names = []
    for k in range(1, chapters + 1):
        name = f"chapters/{k:03d}.md"
        (folder / name).write_text(CHAPTER.read_text(encoding="utf-8"), encoding="utf-8")
        names.append(name)
    toml = (ROOT / "manuscript" / "book.toml").read_text(encoding="utf-8")
    toml = toml.replace('chapters = ["chapters/03-german-revolution-of-1923.md"]',
                        "chapters = [" + ", ".join(f'"{n}"' for n in names) + "]")
    (folder / "book.toml").write_text(toml, encoding="utf-8")
    shutil.copy(ROOT / "manuscript" / "colophon.md", folder / "colophon.md")
    return sum(p.stat().st_size for p in folder.rglob("*.md"))


def tree(pid: int) -> list[int]:
    """A process and every process under it."""
    found, queue = [], [pid]
    while queue:
        pid = queue.pop()
        found.append(pid)
        try:  # (a process that ends while it is read: the layout's come and go)
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                queue += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return found


def pss_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def measure(chapters: int, jobs: int = 1, past_the_limit: bool = True
            ) -> tuple[int, float, float, float, str]:
    """Build the book of `chapters` chapters: (Markdown bytes, seconds, the build process's
    peak RSS in MiB, every process's together (PSS) in MiB, "built" or the error); with
    `past_the_limit`, a manuscript over the build's limit (M107) is measured too."""
    with tempfile.TemporaryDirectory() as tmp:
        size = make_manuscript(Path(tmp) / "m", chapters)
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1764000000", "PYTHONPATH": str(ROOT)}
        if past_the_limit:
            env["TOOLCHAIN_MAX_MANUSCRIPT_MIB"] = "100"
        start = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        proc = subprocess.Popen([sys.executable, "-m", "toolchain", "build", "--manuscript",
                                 f"{tmp}/m", "--out", f"{tmp}/dist", "--styles",
                                 str(ROOT / "styles"), "--no-cache", "--jobs", str(jobs)],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True)
        together = 0.0
        while proc.poll() is None:
            together = max(together, pss_mib(tree(proc.pid)))
            time.sleep(0.2)
        err = proc.stderr.read()
        took = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        # ru_maxrss of children is the largest child so far: measure the biggest book last
        verdict = "built" if proc.returncode == 0 else err.strip().splitlines()[-1][-160:]
        return size, took, max(peak, before) / 1024, together, verdict


def main(counts: list[int], jobs: int):
    print(f"{'chapters':>8}  {'Markdown':>9}  {'time':>8}  {'peak RSS':>9}  "
          f"{'all processes (PSS)':>19}  result   (--jobs {jobs})")
    for chapters in sorted(counts):
        size, took, peak, together, verdict = measure(chapters, jobs)
        print(f"{chapters:>8}  {size / 2**20:>7.2f} MiB  {took:>6.1f} s  {peak:>6.0f} MiB  "
              f"{together:>15.0f} MiB  {verdict}", flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    jobs = 1
    if args[:1] == ["--jobs"]:
        jobs, args = int(args[1]), args[2:]
    main([int(a) for a in args] or [1, 7, 14, 27], jobs)
