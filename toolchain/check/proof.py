"""Proofs for review by eye: every PDF page as a PNG, one contact sheet per PDF, and what
changed since the last proof: each page compared with the same page of the previous build's
proofs (kept beside the output folder, which a build replaces whole), with the share of its
pixels that moved; changed pages are framed in red on the contact sheet."""

from __future__ import annotations

import shutil
from pathlib import Path

import pypdfium2
from PIL import Image, ImageChops, ImageDraw

from ..errors import BuildError, Problem

DPI = 60
COLUMNS = 8
THRESHOLD = 40  # a pixel moved if a channel differs by more than this (0-255): not antialiasing


def proof(out: Path) -> list[str]:
    out = Path(out)
    pdfs = sorted(out.glob("*.pdf"))
    if not pdfs:
        raise BuildError(Problem(out, 0, 0, "E010", "no PDF to proof", "run the build first"))
    folder = out / "proofs"
    folder.mkdir(exist_ok=True)
    kept = out.parent / f".{out.name}.proofs"  # the last proof's pages, for the next one
    fresh = kept.with_name(kept.name + ".new")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir()
    lines = []
    for path in pdfs:
        try:
            doc = pypdfium2.PdfDocument(path)
        except pypdfium2.PdfiumError as exc:
            raise BuildError(Problem(path, 0, 0, "E013", f"not a readable PDF ({exc})",
                                     "rebuild with `python -m toolchain build --force`")) from None
        pages, changed = [], {}
        for k in range(len(doc)):
            image = doc[k].render(scale=DPI / 72).to_pil().convert("RGB")
            name = f"{path.stem}-{k + 1:03d}.png"
            image.save(folder / name)
            shutil.copyfile(folder / name, fresh / name)
            if (kept / name).is_file():
                with Image.open(kept / name) as before:
                    share = moved(before.convert("RGB"), image)
                if share:
                    changed[k] = share
            elif kept.is_dir():
                changed[k] = 1.0  # a page the last proof did not have
            pages.append(image)
        doc.close()
        before = len(list(kept.glob(f"{path.stem}-[0-9][0-9][0-9].png"))) if kept.is_dir() else 0
        contact_sheet(pages, changed).save(folder / f"{path.stem}-sheet.png")
        lines.append(f"{folder}/{path.stem}-*.png: {len(pages)} pages; "
                     f"sheet {folder}/{path.stem}-sheet.png")
        lines.append("  " + changes(changed, len(pages), before, kept.is_dir()))
    shutil.rmtree(kept, ignore_errors=True)
    fresh.rename(kept)
    return lines


def moved(before: Image.Image, after: Image.Image) -> float:
    """The share of a page's pixels that differ (0 if none); a page of another size, all."""
    if before.size != after.size:
        return 1.0
    diff = ImageChops.difference(before, after).convert("L").point(
        lambda v: 255 if v > THRESHOLD else 0)
    return diff.histogram()[255] / (after.width * after.height)


def changes(changed: dict, pages: int, before: int, compared: bool) -> str:
    if not compared:
        return "first proof: the next one lists the pages that change"
    if not changed and pages == before:
        return "no page changed since the last proof"
    listed = ", ".join(f"p. {k + 1} ({share:.1%})" for k, share in sorted(changed.items()))
    count = f"{pages} pages, the last proof {before}" if pages != before else f"{pages} pages"
    return f"changed since the last proof: {len(changed)} of {count}: {listed or 'none'}"


def contact_sheet(pages: list, changed: dict | None = None) -> Image.Image:
    w = max(p.width for p in pages)
    h = max(p.height for p in pages)
    rows = (len(pages) + COLUMNS - 1) // COLUMNS
    gap = 8
    sheet = Image.new("RGB", (COLUMNS * (w + gap) + gap, rows * (h + gap) + gap), "#888888")
    draw = ImageDraw.Draw(sheet)
    for k, page in enumerate(pages):
        x, y = gap + (k % COLUMNS) * (w + gap), gap + (k // COLUMNS) * (h + gap)
        sheet.paste(page, (x, y))
        if changed and k in changed:  # framed in the gap around the page, over nothing
            draw.rectangle((x - 4, y - 4, x + page.width + 3, y + page.height + 3),
                           outline="#d00000", width=4)
    return sheet
