"""The speed table of issue 10, reproduced: the toolchain against pandoc on the same text.

Books: the first title, and the title's chapter copied 1, 5 and 20 times. For each, in one run
and alternating (A B A B), the toolchain's full build (EPUBCheck included, the whole book
laid out: `--no-cache`) and pandoc's EPUB plus PDF through the same WeasyPrint; then, for the
toolchain, a no-op rebuild, a rebuild after one word changed in one chapter (by `build`, which
lays out only what its cache does not keep, and in `watch`, which builds warm), and its
peak memory. Medians; pandoc comes from the pypandoc_binary wheel (`nox -s bench` installs
it).

Run: nox -s bench   (or: python benchmarks/bench.py [RUNS] [--write docs/benchmarks.md])
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from memory import ROOT, make_manuscript  # noqa: E402

ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1764000000", "PYTHONPATH": str(ROOT),
       "TOOLCHAIN_MAX_MANUSCRIPT_MIB": "100"}


def pandoc() -> str:
    found = shutil.which("pandoc")
    try:
        import pypandoc

        found = pypandoc.get_pandoc_path()
    except (ImportError, OSError):
        pass
    if not found:
        sys.exit("pandoc not found: run `nox -s bench`, which installs pypandoc_binary")
    return found


def timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """Seconds and peak resident MiB of one command (the kernel's count for that child)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - start
    if status:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr.read().decode()[-2000:]}")
    proc.stderr.close()
    return took, usage.ru_maxrss / 1024


def toolchain(manuscript: Path, out: Path, force: bool = True,
              cache: bool = False) -> tuple[float, float]:
    """A build: by default a clean one, which lays the whole book out (`--no-cache`); with
    `cache`, one that lays out only the divisions not kept from the build before."""
    return timed([sys.executable, "-m", "toolchain", "build", "--manuscript", str(manuscript),
                  "--out", str(out), "--styles", str(ROOT / "styles"),
                  *(["--force"] if force else []), *([] if cache else ["--no-cache"])])


def pandoc_build(manuscript: Path, out: Path) -> float:
    """pandoc's EPUB and its PDF through WeasyPrint, from the same Markdown files."""
    chapters = sorted(str(p) for p in (manuscript / "chapters").glob("*.md"))
    out.mkdir(exist_ok=True)
    epub, _ = timed([pandoc(), *chapters, "-o", str(out / "book.epub"),
                     "--metadata", "title=Bench"])
    weasy = str(Path(sys.executable).with_name("weasyprint"))
    pdf, _ = timed([pandoc(), *chapters, "-o", str(out / "book.pdf"), "--pdf-engine", weasy,
                    "--metadata", "title=Bench"])
    return epub + pdf


def pages(out: Path) -> int:
    import json

    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return report["outputs"][f"{report['slug']}.pdf"]["pages"]  # the layout's pages


def bench(name: str, manuscript: Path, runs: int, work: Path) -> dict:
    ours, theirs, memory = [], [], []
    out = work / f"dist-{name}"
    for _ in range(runs):  # A B A B
        took, peak = toolchain(manuscript, out)
        ours.append(took)
        memory.append(peak)
        theirs.append(pandoc_build(manuscript, work / f"pandoc-{name}"))
    noop = statistics.median(toolchain(manuscript, out, force=False)[0] for _ in range(runs))
    row = {"book": name, "pages": pages(out), "ours": statistics.median(ours),
           "pandoc": statistics.median(theirs), "noop": noop, "memory": max(memory)}
    chapters = sorted((manuscript / "chapters").glob("*.md"))
    if len(chapters) > 1:
        edited = chapters[min(6, len(chapters) - 1)]  # chapter 7, or the last
        text = edited.read_text(encoding="utf-8")
        toolchain(manuscript, out, cache=True)  # the pages kept, as after an editor's build
        edits = []
        for k in range(runs):
            edited.write_text(one_word_edited(text, k), encoding="utf-8")
            edits.append(toolchain(manuscript, out, force=False, cache=True)[0])
        edited.write_text(text, encoding="utf-8")
        row["edit"] = statistics.median(edits)
        row["watch"] = watch_edits(manuscript, work / f"watch-{name}", runs)
    return row


def one_word_edited(text: str, k: int) -> str:
    """The chapter with its first "revolution" in running text (not in a heading, which the
    contents list) made "revolutions", with an s more on each edit `k`."""
    lines = text.split("\n")
    n = next(n for n, line in enumerate(lines) if "revolution" in line and
             not line.startswith("#"))
    lines[n] = lines[n].replace("revolution", f"revolution{'s' * (k + 1)}", 1)
    return "\n".join(lines)


def watch_edits(manuscript: Path, out: Path, runs: int) -> float:
    """The median seconds from a one-word edit to the outputs made, in `toolchain watch`,
    which builds warm and lays out only the chapter edited (benchmarks/edit_loop.py)."""
    import json

    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "edit_loop.py"),
                           str(manuscript), str(out), str(runs)], env=ENV,
                          capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"edit loop failed:\n{proc.stderr[-2000:]}")
    result = json.loads(proc.stdout.splitlines()[-1])
    if None in result["laid out alone"]:
        print(f"note: an edit laid out the whole book ({result})", flush=True)
    return statistics.median(result["seconds"])


def table(rows: list[dict]) -> str:
    lines = ["| book | pages | toolchain, full build | pandoc EPUB + PDF | ratio | no-op | "
             "one chapter edited: build | in watch | peak memory |",
             "|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for r in rows:
        edit, watch = (f"{r[k]:.1f} s ({r[k] / r['pandoc']:.2f}× pandoc)" if k in r else "—"
                       for k in ("edit", "watch"))
        lines.append(f"| {r['book']} | {r['pages']} | {r['ours']:.1f} s | {r['pandoc']:.1f} s | "
                     f"{r['ours'] / r['pandoc']:.2f}× | {r['noop']:.2f} s | {edit} | {watch} | "
                     f"{r['memory']:.0f} MiB |")
    return "\n".join(lines)


def main(runs: int, write: Path | None):
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ENV["TOOLCHAIN_CACHE"] = str(work / "cache")  # not the user's
        subprocess.run([sys.executable, "-c", "from pathlib import Path; "
                        "from toolchain.check import validate; "
                        f"validate.launcher(Path({str(work)!r}), False)"],
                       env=ENV, check=True)  # EPUBCheck's server kept, as a first build on a
        # machine keeps it (compiled once, 1.7 s): not a cost of every build
        books = [("the title", ROOT / "manuscript")]
        for count in (1, 5, 20):
            folder = work / f"m{count}"
            make_manuscript(folder, count)
            books.append((f"{count} chapter{'s' if count > 1 else ''}", folder))
        for name, manuscript in books:
            rows.append(bench(name.replace(" ", "-"), manuscript, runs, work))
            rows[-1]["book"] = name
            print(table(rows[-1:]).splitlines()[-1], flush=True)
    publish(table(rows), write, "bench")


def publish(table: str, write: Path | None, section: str) -> None:
    """A benchmark's table printed, and put in `section` of the file `write` if given."""
    print(table)
    if write:
        replace_section(write, section, table)


def write_target(args: list[str]) -> Path | None:
    """The file a benchmark's `--write FILE` names, if any."""
    return Path(args[args.index("--write") + 1]) if "--write" in args else None


def replace_section(path: Path, name: str, table: str) -> None:
    """Put `table` between the `<!-- name:start -->` and `<!-- name:end -->` lines of `path`."""
    text = path.read_text(encoding="utf-8")
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    head, rest = text.split(start)
    path.write_text(f"{head}{start}\n{table}\n{end}{rest.split(end)[1]}", encoding="utf-8")


if __name__ == "__main__":
    args = sys.argv[1:]
    numbers = [a for a in args if a.isdigit()]
    main(int(numbers[0]) if numbers else 2, write_target(args))
