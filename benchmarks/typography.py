"""Print typography, the figures of issue 12: word spacing and hyphenation in each title's
print edition, with its paragraphs composed whole (toolchain/typeset) and, for comparison,
with WeasyPrint's own line-by-line breaking; and the build's time both ways.

The measure is the reviewer's: ../shared/tools/typometrics.py, copied unchanged here as
benchmarks/typometrics.py (it needs PyMuPDF, which `nox -s typography` installs; the toolchain
does not use it). Each build is a fresh process, the two ways alternating, medians of RUNS.

Run: nox -s typography   (or: python benchmarks/typography.py [RUNS] [--write docs/typography.md])
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from bench import replace_section  # noqa: E402

ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1764000000", "PYTHONPATH": str(ROOT)}
# the Python that has PyMuPDF for the measure (nox installs it beside the toolchain)
TYPOMETRICS_PYTHON = os.environ.get("TYPOMETRICS_PYTHON", sys.executable)
WAYS = {"composed": True, "WeasyPrint's lines": False}
# One build, in a process of its own; `compose` off means WeasyPrint breaks the lines.
BUILD = """
import io, sys
from pathlib import Path
from toolchain.build import build
from toolchain.write.pdf import laying_out
setting = laying_out.Setting.__init__
laying_out.Setting.__init__ = lambda self, *a, **k: setting(self, *a, **{{**k, "compose": {compose}}})
build(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), stream=io.StringIO(), force=True,
      cache=False)
"""
FIGURES = re.compile(r"median ([\d.]+), p95 ([\d.]+), ([\d.]+) % over 2x.*?run (\d+); (\d+) "
                     r"hyphens at a recto's foot; (\d+) justified lines")


def titles() -> list[tuple[str, Path]]:
    found = [("the title (Cliff)", ROOT / "manuscript")]
    found += [(p.name, p) for p in sorted((ROOT / "examples").iterdir())
              if (p / "book.toml").is_file()]
    return found


def build(manuscript: Path, out: Path, compose: bool) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", BUILD.format(compose=compose), str(manuscript),
                    str(out), str(ROOT / "styles")], env=ENV, check=True)
    return time.perf_counter() - start


def measure(pdf: Path) -> dict:
    result = subprocess.run([TYPOMETRICS_PYTHON, str(HERE / "typometrics.py"), str(pdf)],
                            capture_output=True, text=True)
    found = FIGURES.search(result.stdout)
    if not found:
        sys.exit(f"typometrics said: {result.stdout}{result.stderr}")
    median, p95, over, run, foot, lines = found.groups()
    return {"median": float(median), "p95": float(p95), "over": float(over), "run": int(run),
            "foot": int(foot), "lines": int(lines)}


def main(runs: int, write: Path | None) -> None:
    rows = ["| title | lines broken by | build | word space median | 95th percentile | "
            "spaces over 2× | longest hyphen run | hyphens at a recto's foot | "
            "justified lines |", "|---|---|--:|--:|--:|--:|--:|--:|--:|"]
    with tempfile.TemporaryDirectory() as tmp:
        for name, manuscript in titles():
            times: dict[str, list[float]] = {way: [] for way in WAYS}
            for _ in range(runs):
                for way, compose in WAYS.items():
                    out = Path(tmp) / f"{manuscript.name}-{compose}"
                    times[way].append(build(manuscript, out, compose))
            base = statistics.median(times["WeasyPrint's lines"])
            for way, compose in reversed(WAYS.items()):
                out = Path(tmp) / f"{manuscript.name}-{compose}"
                pdf = next(p for p in out.glob("*.pdf")
                           if not p.stem.endswith(("-print", "-cover")))
                f = measure(pdf)
                took = statistics.median(times[way])
                rows.append(f"| {name} | {way} | {took:.1f} s ({took / base:.2f}×) | "
                            f"{f['median']:.2f} | {f['p95']:.2f} | {f['over']:.1f} % | "
                            f"{f['run']} | {f['foot']} | {f['lines']} |")
                print(rows[-1], flush=True)
    table = "\n".join(rows)
    if write:
        replace_section(write, "typography", table)


if __name__ == "__main__":
    args = sys.argv[1:]
    target = Path(args[args.index("--write") + 1]) if "--write" in args else None
    numbers = [a for a in args if a.isdigit()]
    main(int(numbers[0]) if numbers else 2, target)
