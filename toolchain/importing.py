"""`toolchain import`: a Word manuscript read into the model (read/docx.py) and written as a
manuscript folder in the format (write/markdown.py) that builds as it is, with the
typographer's fixes made as `lint --fix` makes them, and the import report beside it."""

from __future__ import annotations

from pathlib import Path

from .read.docx import read_docx
from .typogrify import fix_text
from .write.markdown import refuse_a_full_folder, write_book


def import_docx(path: Path, target: Path, changes: str | None = None) -> list[str]:
    """Import `path` into the new folder `target`; returns the report's lines."""
    path, target = Path(path), Path(target)
    refuse_a_full_folder(target)  # before the document is read, which may take a while
    book, report = read_docx(path, changes)
    header = f"# Imported from {path.name} by `toolchain import`.\n"
    if book.meta.get("notes") == "footnotes":
        header += "# notes = \"footnotes\": Word's footnotes, set at the foot of the page.\n"
    if book.meta.get("bibliography"):
        header += "# bibliography: the works Zotero or Mendeley cited, in references.json.\n"
    header += "\n"
    written = write_book(book, target, header)
    fixed = 0
    for file in written:
        if file.suffix == ".md":
            text, changed = fix_text(file.read_text(encoding="utf-8"), book.meta["language"])
            if changed:
                file.write_text(text, encoding="utf-8")
            fixed += len(changed)
    if fixed:
        report.append(f"the typographer's fixes made on {fixed} line(s): straight quotes and "
                      "apostrophes curly in the book's language, -- and --- dashes, ... an "
                      "ellipsis (as `toolchain lint --fix` makes them)")
    (target / "import-report.txt").write_text("\n".join(report) + "\n", encoding="utf-8")
    return report
