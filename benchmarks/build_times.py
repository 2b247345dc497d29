"""Prints the median full-build and no-op rebuild times of the first title (5 runs each).

Run from the project root: python benchmarks/build_times.py [RUNS]"""

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from toolchain.build import build

ROOT = Path(__file__).resolve().parents[1]


def main(runs: int = 5):
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1764000000")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "dist"
        full, noop = [], []
        for _ in range(runs):
            start = time.perf_counter()
            build(ROOT / "manuscript", out, ROOT / "styles", stream=io.StringIO(), force=True)
            full.append(time.perf_counter() - start)
            start = time.perf_counter()
            build(ROOT / "manuscript", out, ROOT / "styles", stream=io.StringIO())
            noop.append(time.perf_counter() - start)
    print(f"full build : median {statistics.median(full):.2f} s  "
          f"(runs: {', '.join(f'{t:.2f}' for t in full)})")
    print(f"no-op build: median {statistics.median(noop) * 1000:.1f} ms  "
          f"(runs: {', '.join(f'{t * 1000:.1f}' for t in noop)})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
