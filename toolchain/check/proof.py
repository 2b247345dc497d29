"""Proofs for review by eye: every PDF page as a PNG, and one contact sheet per PDF."""

from __future__ import annotations

from pathlib import Path

import pypdfium2
from PIL import Image

from ..errors import BuildError, Problem

DPI = 60
COLUMNS = 8


def proof(out: Path) -> list[str]:
    pdfs = sorted(Path(out).glob("*.pdf"))
    if not pdfs:
        raise BuildError(Problem(out, 0, 0, "E010", "no PDF to proof", "run the build first"))
    folder = Path(out) / "proofs"
    folder.mkdir(exist_ok=True)
    lines = []
    for path in pdfs:
        try:
            doc = pypdfium2.PdfDocument(path)
        except pypdfium2.PdfiumError as exc:
            raise BuildError(Problem(path, 0, 0, "E013", f"not a readable PDF ({exc})",
                                     "rebuild with `python -m toolchain build --force`")) from None
        pages = []
        for k in range(len(doc)):
            image = doc[k].render(scale=DPI / 72).to_pil().convert("RGB")
            image.save(folder / f"{path.stem}-{k + 1:03d}.png")
            pages.append(image)
        doc.close()
        sheet = contact_sheet(pages)
        sheet.save(folder / f"{path.stem}-sheet.png")
        lines.append(f"{folder}/{path.stem}-*.png: {len(pages)} pages; "
                     f"sheet {folder}/{path.stem}-sheet.png")
    return lines


def contact_sheet(pages: list) -> Image.Image:
    w = max(p.width for p in pages)
    h = max(p.height for p in pages)
    rows = (len(pages) + COLUMNS - 1) // COLUMNS
    gap = 8
    sheet = Image.new("RGB", (COLUMNS * (w + gap) + gap, rows * (h + gap) + gap), "#888888")
    for k, page in enumerate(pages):
        sheet.paste(page, (gap + (k % COLUMNS) * (w + gap), gap + (k // COLUMNS) * (h + gap)))
    return sheet
