"""Peak memory and time of a full build against the size of the manuscript.

The book is the first title's chapter copied N times (37 KB of Markdown, 25 pages each), so
that the figures scale from a real chapter. Each build runs in its own process; its peak
resident memory is read from the kernel (ru_maxrss of the child).

Run from the project root: python benchmarks/memory.py [CHAPTERS ...]   (default: 1 7 14 27)
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


def measure(chapters: int) -> tuple[int, float, float, str]:
    with tempfile.TemporaryDirectory() as tmp:
        size = make_manuscript(Path(tmp) / "m", chapters)
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1764000000", "PYTHONPATH": str(ROOT),
               "TOOLCHAIN_MAX_MANUSCRIPT_MIB": "100"}  # measure past the limit too
        start = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        proc = subprocess.run([sys.executable, "-m", "toolchain", "build", "--manuscript",
                               f"{tmp}/m", "--out", f"{tmp}/dist", "--styles",
                               str(ROOT / "styles")], env=env, capture_output=True, text=True)
        took = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        # ru_maxrss of children is the largest child so far: measure the biggest book last
        verdict = "built" if proc.returncode == 0 else proc.stderr.strip().splitlines()[0][-120:]
        return size, took, max(peak, before) / 1024, verdict


def main(counts: list[int]):
    print(f"{'chapters':>8}  {'Markdown':>9}  {'time':>8}  {'peak RSS':>9}  result")
    for chapters in sorted(counts):
        size, took, peak, verdict = measure(chapters)
        print(f"{chapters:>8}  {size / 2**20:>7.2f} MiB  {took:>6.1f} s  {peak:>6.0f} MiB  {verdict}",
              flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1, 7, 14, 27])
