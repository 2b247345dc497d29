"""Catalogue throughput: titles per minute for a catalogue of 12 titles (the two sample titles
and the first title, each repeated under other slugs), built with 1 and 2 local worker
processes and through a Dask scheduler (a LocalCluster of 2 workers), every build forced.

    python benchmarks/catalogue.py [--write docs/benchmarks.md]
"""

from __future__ import annotations

import io
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import publish, write_target  # noqa: E402

from toolchain.catalogue import run_catalogue  # noqa: E402

COPIES = 4  # of each of the three titles: 12


def make_press(work: Path) -> Path:
    shutil.copytree(ROOT / "styles", work / "styles")
    sources = [ROOT / "manuscript", *sorted(p.parent for p in (ROOT / "examples").glob("*/book.toml"))]
    for source in sources:
        for k in range(1, COPIES + 1):
            target = work / "books" / f"{source.name}-{k}"
            shutil.copytree(source, target)
            toml = (target / "book.toml").read_text(encoding="utf-8")
            toml = re.sub(r'(?m)^slug = "([^"]+)"', rf'slug = "\1-{k}"', toml)
            if 'slug = "' not in toml:
                toml = f'slug = "{source.name}-{k}"\n' + toml
            toml = re.sub(r'(?m)^identifier = "urn:uuid:(.{35})."',
                          rf'identifier = "urn:uuid:\g<1>{k}"', toml)
            (target / "book.toml").write_text(toml, encoding="utf-8")
    (work / "catalogue.toml").write_text('title = "Benchmark"\ntitles = ["books/*"]\n')
    return work


def measure(work: Path, label: str, **how) -> dict:
    out = work / f"out-{label}"
    start = time.perf_counter()
    report = run_catalogue(work, out, force=True, stream=io.StringIO(), **how)
    seconds = time.perf_counter() - start
    titles = report["counts"]["built"]
    assert report["counts"]["failed"] == 0, report["titles"]
    return {"how": label, "titles": titles, "seconds": seconds,
            "per_minute": titles * 60 / seconds}


def main(write: Path | None) -> None:
    from distributed import LocalCluster

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = make_press(Path(tmp))
        rows.append(measure(work, "1 local worker", workers=1))
        print(rows[-1], flush=True)
        rows.append(measure(work, "2 local workers", workers=2))
        print(rows[-1], flush=True)
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster:
            rows.append(measure(work, "Dask, 2 workers", scheduler=cluster.scheduler_address))
        print(rows[-1], flush=True)
    table = "\n".join(["| how | titles | time | titles per minute |", "|---|--:|--:|--:|"] +
                      [f"| {r['how']} | {r['titles']} | {r['seconds']:.1f} s | "
                       f"{r['per_minute']:.1f} |" for r in rows])
    publish(table, write, "catalogue")


if __name__ == "__main__":
    args = sys.argv[1:]
    main(write_target(args))
