"""Checks on built PDFs: every font embedded, and none a system fallback."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf

from ..errors import Problem

# the families print.css gives its @font-face rules
BOOK_FONTS = ("Book-Serif", "Book-Serif-Caps", "Book-Symbols")


def page_count(path: Path) -> int:
    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def fonts(path: Path) -> dict[str, bool]:
    """Base font name -> whether its program is embedded, over every page."""
    found: dict[str, bool] = {}
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            resources = page.obj.get("/Resources", {})
            for font in resources.get("/Font", {}).values():
                descendants = font.get("/DescendantFonts")
                target = descendants[0] if descendants else font
                descriptor = target.get("/FontDescriptor", {})
                embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                found[str(font.get("/BaseFont", "?"))] = embedded
    return found


def check_fonts(path: Path) -> list[Problem]:
    problems = []
    for name, embedded in sorted(fonts(path).items()):
        if not embedded:
            problems.append(Problem(path, 0, 0, "P010", f"font {name} is not embedded"))
        if not any(family in name for family in BOOK_FONTS):
            problems.append(Problem(path, 0, 0, "P011", f"fallback font {name} was used",
                                    "a character is missing from the book font; "
                                    "find it in the text or add a font that has it"))
    return problems


def text_outside(path: Path, press: bool) -> list[Problem]:
    """Text that lies beyond the page (screen) or the trim (press): cut off on paper or screen."""
    from ..write.pdf.writing import text_beyond

    return beyond_problems(path.name, text_beyond(path, press), press)


def beyond_problems(name: str, beyond: list[tuple[int, str]], press: bool = False
                    ) -> list[Problem]:
    """P040 for each page with text beyond its edge ((page from 0, the text): `text_beyond`)."""
    problems = []
    for index, text in beyond:
        shown = text if len(text) <= 60 else text[:59] + "…"
        edge = "trim" if press else "page"
        problems.append(Problem(name, 0, 0, "P040", f"page {index + 1}: text beyond the "
                                f"{edge} edge, cut off: {shown!r}",
                                "a table or a long word is wider than the page: narrow "
                                "it (fewer columns, shorter entries); a turned "
                                "(landscape) table whose rows run to several lines: "
                                "shorten its entries or split the table"))
    return problems


PRINT_DPI = 300  # what printers ask of a photograph or a drawing at its printed size


def placed_images(path: Path, looked_at=frozenset()) -> list[tuple]:
    """Each image drawn in the PDF as (page number, its pixel size, its printed width in
    points, and as a PIL image if its size is in `looked_at`, else None)."""
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    placed = []
    doc = pypdfium2.PdfDocument(path)
    try:
        for number, page in enumerate(doc, 1):
            for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=8):
                left, _, right, _ = image.get_bounds()
                size = tuple(image.get_px_size())
                placed.append((number, size, right - left, image.get_bitmap(
                    render=False).to_pil() if size in looked_at else None))
    finally:
        doc.close()
    return placed


def low_resolution(path: Path, figures: list) -> list[Problem]:
    """A warning for each figure that prints under 300 dpi, measured on the laid-out pages:
    `figures` are (manuscript file, line, image file, pixel size), matched by pixel size,
    and where several image files have that size, by the look of the image drawn
    (`likeness`): each warning names the figure on its own page."""
    problems, seen = [], set()
    if not figures:
        return problems  # nothing to measure: the pages need not be read
    files = {}
    for _, _, image, px in figures:
        files.setdefault(px, set()).add(image)
    shared = {px for px, images in files.items() if len(images) > 1}
    looks = {image: likeness(image) for px in shared for image in files[px]}  # (each read once)
    found = set()
    for page, size, width, look in placed_images(path, shared):
        dpi = size[0] / (width / 72) if width > 0 else PRINT_DPI
        matching = [figure for figure in figures if figure[3] == size]
        if look is not None:  # the likest; of two alike (an image and its copy with a
            drawn = likeness(look)  # colour made transparent), the one not yet found
            best = min(matching, key=lambda figure: (sum(
                abs(a - b) for a, b in zip(drawn, looks[figure[2]], strict=True)),
                figure[2] in found))
            matching = [figure for figure in matching if figure[2] == best[2]]
        found.update(figure[2] for figure in matching)
        for source, line, image, _ in matching:
            if dpi < PRINT_DPI - 0.5 and (image, page) not in seen:
                seen.add((image, page))
                needed = round(size[0] * PRINT_DPI / dpi)
                problems.append(Problem(source, line, 1, "W010", f"figure {image.name} prints at "
                                        f"{dpi:.0f} dpi ({width / 72 * 25.4:.0f} mm wide, page "
                                        f"{page} of the print PDF)", f"printers ask {PRINT_DPI} "
                                        f"dpi: supply it at least {needed} px wide",
                                        "warning"))
    return problems


def likeness(image) -> list[int]:
    """An image (a PIL image, or its file) as 8 × 8 grey levels: enough to tell apart figures
    of one pixel size, whatever colours the print edition made of them."""
    from PIL import Image

    from ..write.pdf.sandbox import printable

    if isinstance(image, Path):
        image = Image.open(io.BytesIO(printable(image.read_bytes())))
    return list(image.convert("L").resize((8, 8), Image.Resampling.BOX).tobytes())
