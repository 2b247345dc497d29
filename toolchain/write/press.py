"""The press edition, made from the screen edition's pages (pikepdf), not from a second
layout: the same pages, with bleed, trim box and crop marks outside the bleed, and without
the links and outline that belong to the screen."""

from __future__ import annotations

from pathlib import Path

import pikepdf

MM = 72 / 25.4
BLEED_MM = 3  # beyond the trim, for whatever is printed to the edge
SLUG_MM = 10  # beyond the bleed, where the crop marks are drawn
MARK_GAP_MM = 0.5  # between the bleed and a mark, so that no mark reaches into the bleed


def press_edition(screen: Path, target: Path) -> None:
    """The press PDF from the screen PDF's pages, not from a second layout.

    Each page keeps its content and its coordinates: TrimBox is the page, BleedBox 3 mm
    beyond it, MediaBox a slug beyond that, where crop marks are drawn outside the bleed in
    black only (DeviceGray 0, 0.25 pt). Links, the outline and the PDF/UA claim belong to the
    screen edition and are removed. Whatever a page draws past its edge (a bleeding image)
    is inside the larger boxes and prints."""
    with pikepdf.open(screen) as pdf:
        for page in pdf.pages:
            x0, y0, x1, y1 = (float(v) for v in page.obj.MediaBox)
            bleed, slug = BLEED_MM * MM, (BLEED_MM + SLUG_MM) * MM
            page.obj.TrimBox = pikepdf.Array([x0, y0, x1, y1])
            page.obj.BleedBox = pikepdf.Array([x0 - bleed, y0 - bleed, x1 + bleed, y1 + bleed])
            page.obj.MediaBox = pikepdf.Array([x0 - slug, y0 - slug, x1 + slug, y1 + slug])
            for key in ("/CropBox", "/Annots"):
                if key in page.obj:
                    del page.obj[key]
            page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
            page.contents_add(pikepdf.Stream(pdf, b"Q\n" + crop_marks(x0, y0, x1, y1)))
        for key in ("/Outlines", "/PageMode", "/Metadata", "/OpenAction"):
            if key in pdf.Root:
                del pdf.Root[key]
        pdf.save(target, deterministic_id=True)


def crop_marks(x0: float, y0: float, x1: float, y1: float) -> bytes:
    """Eight lines on the trim's edges, from just outside the bleed to the slug's edge."""
    start, end = (BLEED_MM + MARK_GAP_MM) * MM, (BLEED_MM + SLUG_MM - 1) * MM
    ops = ["q", "0 G", "0.25 w"]
    for x, y, sx, sy in ((x0, y0, -1, -1), (x1, y0, 1, -1), (x0, y1, -1, 1), (x1, y1, 1, 1)):
        ops.append(f"{x + sx * start:.2f} {y:.2f} m {x + sx * end:.2f} {y:.2f} l S")
        ops.append(f"{x:.2f} {y + sy * start:.2f} m {x:.2f} {y + sy * end:.2f} l S")
    ops.append("Q")
    return ("\n".join(ops) + "\n").encode()
