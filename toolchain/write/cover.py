"""The covers: the EPUB's cover image, a typographic design made from the book's metadata
(WeasyPrint sets it in the book's own typeface; pypdfium2 turns the page into a PNG, which
every reading system, Kindle included, accepts); and the printed cover wrap — back, spine
and front on one sheet, the spine as wide as the printer's paper makes the book.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import threading
from pathlib import Path

import pypdfium2
import weasyprint
from weasyprint.text.fonts import FontConfiguration

from ..model import authors, names
from .pdf import SandboxedFetcher, image_url

WIDTH, HEIGHT = 1600, 2560  # pixels; the 1:1.6 shape the Kindle store asks for

COVER_CSS = """
@page { size: 160mm 256mm; margin: 0; }
html { font-family: "Book Serif", "Book Symbols"; color: #f4ecd8; background: #7b1e1a; }
body { margin: 0; height: 256mm; display: flex; flex-direction: column;
       justify-content: space-between; text-align: center; }
.top { padding: 34mm 16mm 0; }
.collection { font-style: italic; font-size: 15pt; line-height: 21pt; margin: 0 0 20mm; }
.rule { width: 36mm; margin: 0 auto 18mm; border-top: 1.2pt solid #f4ecd8; }
h1 { font-weight: normal; font-size: 44pt; line-height: 52pt; margin: 0; }
.nowrap { white-space: nowrap; }
.author { padding-bottom: 32mm; font-size: 21pt; letter-spacing: 0.12em;
          font-variant-caps: all-small-caps; }
"""


def keep_ranges(text: str) -> str:
    """Escape for HTML, keeping ranges such as 1923–1927 on one line."""
    return re.sub(r"\d+\u2013\d+", lambda m: f'<span class="nowrap">{m[0]}</span>',
                  html.escape(text))


DRAWN: dict[str, bytes] = {}  # each design drawn once in a process (a watch's builds)
DRAWING = threading.Lock()
KEPT_DESIGNS = 4


def render_cover(meta: dict, styles: Path) -> bytes:
    """The EPUB's cover image (PNG) of the book with this metadata, set with these styles'
    fonts; drawn once a process for each design, which a watch's builds all ask for."""
    digest = hashlib.sha256(repr((collection_title(meta), meta["title"], names(authors(meta)),
                                  meta["language"])).encode())
    for path in sorted(p for p in [styles / "print.css", *(styles / "fonts").rglob("*")]
                       if p.is_file()):
        digest.update(str(path.relative_to(styles)).encode() + b"\0" + path.read_bytes())
    key = digest.hexdigest()
    with DRAWING:  # a catalogue's worker builds titles on several threads
        drawn = DRAWN.get(key)
    if drawn is None:
        drawn = draw_cover(meta, styles)
        with DRAWING:
            while len(DRAWN) >= KEPT_DESIGNS:  # it builds many titles, too
                DRAWN.pop(next(iter(DRAWN)))
            DRAWN[key] = drawn
    return drawn


def collection_title(meta: dict) -> str:
    return meta.get("collection", {}).get("title", "")


def draw_cover(meta: dict, styles: Path) -> bytes:
    fonts = FontConfiguration()
    fetcher = SandboxedFetcher([styles])
    faces = "\n".join(line for line in (styles / "print.css").read_text("utf-8").splitlines()
                      if line.startswith("@font-face"))
    collection = collection_title(meta)
    body = (f'<div class="top"><p class="collection">{keep_ranges(collection)}</p>'
            f'<div class="rule"></div><h1>{keep_ranges(meta["title"])}</h1></div>'
            f'<p class="author">{html.escape(names(authors(meta)))}</p>')
    page = weasyprint.HTML(string=f"<html lang='{meta['language']}'><body>{body}</body></html>",
                           base_url=styles.resolve().as_uri() + "/", url_fetcher=fetcher)
    css = weasyprint.CSS(string=faces + COVER_CSS, base_url=styles.resolve().as_uri() + "/",
                         url_fetcher=fetcher, font_config=fonts)
    pdf = page.write_pdf(stylesheets=[css], font_config=fonts)
    doc = pypdfium2.PdfDocument(pdf)
    scale = WIDTH / doc[0].get_width()
    image = doc[0].render(scale=scale).to_pil().convert("RGB").resize((WIDTH, HEIGHT))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    doc.close()
    return out.getvalue()


WRAP_CSS = """
@page {{ size: {width:.3f}mm {height:.3f}mm; margin: 0; }}
html {{ font-family: "Book Serif", "Book Symbols"; color: #f4ecd8; background: #7b1e1a; }}
body {{ margin: 0; }}
.panel {{ position: absolute; top: 0; height: {height:.3f}mm; overflow: hidden; }}
.back {{ left: 0; width: {side:.3f}mm; }}
.spine {{ left: {side:.3f}mm; width: {spine:.3f}mm; }}
.front {{ left: {front_x:.3f}mm; width: {side:.3f}mm; }}
.front img {{ width: 100%; height: 100%; object-fit: cover; }}
.inner {{ position: absolute; top: {safe_y:.3f}mm; bottom: {safe_y:.3f}mm; }}
.back .inner {{ left: {safe_x:.3f}mm; right: {safe_in:.3f}mm; }}
.front .inner {{ left: {safe_in:.3f}mm; right: {safe_x:.3f}mm; text-align: center; display: flex;
  flex-direction: column; justify-content: space-between; }}
.collection {{ font-style: italic; font-size: 12pt; line-height: 16pt; margin: 18mm 0 12mm; }}
.rule {{ width: 28mm; margin: 0 auto 12mm; border-top: 1pt solid #f4ecd8; }}
h1 {{ font-weight: normal; font-size: 30pt; line-height: 36pt; margin: 0; }}
.author {{ margin: 0 0 16mm; font-size: 15pt; letter-spacing: 0.12em;
  font-variant-caps: all-small-caps; }}
.blurb {{ font-size: 10.5pt; line-height: 14pt; hyphens: auto; margin: 8mm 0 0; }}
.publisher {{ position: absolute; bottom: 2mm; left: 0; font-size: 9pt; }}
.barcode {{ position: absolute; right: 0; bottom: 0; }}
.spine-text {{ position: absolute; top: {safe_y:.3f}mm; left: {spine_left:.3f}mm;
  width: {spine_length:.3f}mm; transform-origin: 0 0; transform: rotate(90deg);
  white-space: nowrap; font-size: {spine_pt:.1f}pt; line-height: 1; display: flex;
  justify-content: space-between; }}  /* turned about its top left: it then lies left of it */
"""


def cover_wrap(meta: dict, styles: Path, trim_mm: tuple[float, float], spine_mm: float,
               bleed_mm: float, art: Path | None, spine_text: bool,
               barcode: str | None) -> bytes:
    """The printed cover on one sheet — back, spine, front — with the bleed all round, as a
    PDF page the size of the sheet with its bleed. The front is the publisher's art or the
    typographic design; the back carries the description and the barcode (an SVG)."""
    fonts = FontConfiguration()
    fetcher = SandboxedFetcher([styles], {"cover": art} if art else {})
    faces = "\n".join(line for line in (styles / "print.css").read_text("utf-8").splitlines()
                      if line.startswith("@font-face"))
    trim_w, trim_h = trim_mm
    side = trim_w + bleed_mm
    spine_pt = max(5.0, min(11.0, spine_mm * 0.55 / 0.3528))
    css = WRAP_CSS.format(width=2 * side + spine_mm, height=trim_h + 2 * bleed_mm, side=side,
                          spine=spine_mm, front_x=side + spine_mm, safe_x=bleed_mm + 12,
                          safe_in=10, safe_y=bleed_mm + 12,
                          spine_left=spine_mm / 2 + spine_pt * 0.3528 / 2,
                          spine_length=trim_h - 24, spine_pt=spine_pt)
    collection = meta.get("collection", {}).get("title", "")
    author = html.escape(names(authors(meta)))
    front = (f'<img src="{image_url("cover")}" alt=""/>' if art else
             f'<div class="inner"><div><p class="collection">{keep_ranges(collection)}</p>'
             f'<div class="rule"></div><h1>{keep_ranges(meta["title"])}</h1></div>'
             f'<p class="author">{author}</p></div>')
    back = (f'<div class="inner"><p class="blurb">{html.escape(meta.get("description", ""))}</p>'
            f'<p class="publisher">{html.escape(meta.get("publisher", ""))}</p>'
            f'{barcode or ""}</div>')
    spine = (f'<div class="spine-text"><span>{html.escape(meta["title"])}</span>'
             f'<span>{author}</span></div>' if spine_text else "")
    body = (f'<div class="panel back">{back}</div><div class="panel spine">{spine}</div>'
            f'<div class="panel front">{front}</div>')
    page = weasyprint.HTML(string=f"<html lang='{meta['language']}'><body>{body}</body></html>",
                           base_url=styles.resolve().as_uri() + "/", url_fetcher=fetcher)
    sheet = weasyprint.CSS(string=faces + css, base_url=styles.resolve().as_uri() + "/",
                           url_fetcher=fetcher, font_config=fonts)
    identifier = hashlib.sha256(f"{meta['identifier']}-cover".encode()).hexdigest()[:32]
    return page.write_pdf(stylesheets=[sheet], font_config=fonts,
                          pdf_identifier=identifier.encode())
