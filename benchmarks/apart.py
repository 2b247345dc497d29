"""Divisions laid out apart and joined (issue 28), measured before the build uses them: the
first title's chapter copied into N chapters (20 by default, some 400 pages), laid out whole
as the build lays it out; then each division laid out again alone (`division_alone`) and
written as a part of its own, and the parts joined (`join`). Prints the times, whether each
division's pages alone are its pages in the book, the joined file's size against the file
written whole, and what the layout and the writing would take on N cores, with each division
laid out and written in a process of its own and the join after (the largest division's
time is the floor).

Run: python benchmarks/apart.py [CHAPTERS] [--write docs/benchmarks.md]   (nox -s bench)
"""

from __future__ import annotations

import hashlib
import io
import sys
import tempfile
import time
from pathlib import Path

import pypdfium2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import publish, write_target  # noqa: E402
from memory import make_manuscript  # noqa: E402

from toolchain.build import Pipeline, build_date, few_collections  # noqa: E402
from toolchain.reporting import StreamReporter  # noqa: E402
from toolchain.typeset.facts import folios  # noqa: E402
from toolchain.typeset.pages import division  # noqa: E402
from toolchain.typeset.weasy import page_box  # noqa: E402
from toolchain.write import pdf  # noqa: E402
from toolchain.write.pdf import join, writing  # noqa: E402
from toolchain.write.pdf.laying_out import division_alone  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORES = (1, 2, 4, 16)


def texts(path: Path) -> list[str]:
    pages = pypdfium2.PdfDocument(path)
    return [pages[k].get_textpage().get_text_range() for k in range(len(pages))]


def measure(chapters: int, work: Path) -> dict:
    manuscript = work / "m"
    make_manuscript(manuscript, chapters)
    pipeline = Pipeline(manuscript, ROOT / "styles", work, build_date(manuscript)[0],
                        StreamReporter(io.StringIO()))
    book = pipeline.read()
    docs = pipeline.write_xhtml(book)
    with few_collections():
        start = time.perf_counter()
        laid = pdf.layout(book, docs, pipeline.date, pipeline.styles, manuscript,
                          pipeline.images)
        whole_layout = time.perf_counter() - start
        start = time.perf_counter()
        writing.write_layout(laid, book.meta, work / "whole.pdf")
        whole_write = time.perf_counter() - start
        in_book = texts(work / "whole.pdf")
        identifier = hashlib.sha256(book.meta["identifier"].encode()).hexdigest()[:32].encode()
        divisions: dict[str, list[int]] = {}
        for k, page in enumerate(laid.pages):
            box = page_box(page)
            if not box.page_type.blank and division(box):
                divisions.setdefault(division(box), []).append(k)
        alone, same = {}, 0
        for name, numbers in divisions.items():
            start = time.perf_counter()
            layout = division_alone(laid, name)
            seconds = time.perf_counter() - start
            start = time.perf_counter()
            part = work / f"{name}.pdf"
            writing.write_layout(layout, book.meta, part)
            alone[name] = (seconds, time.perf_counter() - start)
            kept = [k for k, p in enumerate(layout.pages) if not page_box(p).page_type.blank]
            same += [texts(part)[k] for k in kept] == [in_book[k] for k in numbers]
        document = laid.document
        start = time.perf_counter()
        parts = [join.write_part(document, numbers, identifier)[0]
                 for numbers in join.division_parts(document.pages)]
        parts_write = time.perf_counter() - start
        start = time.perf_counter()
        join.join(parts, folios(document.pages), work / "joined.pdf")
        joining = time.perf_counter() - start
    return {"pages": len(laid.pages), "divisions": len(divisions), "same": same,
            "whole layout": whole_layout, "whole write": whole_write, "alone": alone,
            "parts write": parts_write, "join": joining,
            "size": (work / "joined.pdf").stat().st_size / (work / "whole.pdf").stat().st_size}


def main(chapters: int, write: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        m = measure(chapters, Path(tmp))
    layouts = [a for a, _ in m["alone"].values()]
    writes = [w for _, w in m["alone"].values()]
    rows = [f"{chapters} chapters, {m['pages']} pages, {m['divisions']} divisions; each "
            f"division's pages laid out alone the same as in the book: {m['same']} of "
            f"{m['divisions']}.", "",
            "| measure | seconds |", "|---|--:|",
            f"| the book laid out whole (the build's layout, its mending rounds and numbers) "
            f"| {m['whole layout']:.1f} |",
            f"| the book written whole (screen PDF) | {m['whole write']:.1f} |",
            f"| each division laid out alone, in all (the largest) | {sum(layouts):.1f} "
            f"({max(layouts):.1f}) |",
            f"| each division's pages written as a PDF of its own, in all (the largest) "
            f"| {sum(writes):.1f} ({max(writes):.1f}) |",
            f"| the parts joined (pikepdf: pages, tags, links, outline, fonts merged) "
            f"| {m['join']:.1f} |", "",
            f"The joined file is {m['size']:.3f}× the size of the file written whole.", "",
            "| cores | laid out and written whole, one core | apart, each division in a process, "
            "then joined (modelled) |", "|--:|--:|--:|"]
    for cores in CORES:
        apart = max((sum(layouts) + sum(writes)) / cores,
                    max(a + w for a, w in m["alone"].values())) + m["join"]
        rows.append(f"| {cores} | {m['whole layout'] + m['whole write']:.1f} | {apart:.1f} |")
    table = "\n".join(rows)
    publish(table, write, "apart")


if __name__ == "__main__":
    args = sys.argv[1:]
    numbers = [a for a in args if a.isdigit()]
    main(int(numbers[0]) if numbers else 20,
         write_target(args))
