"""The cover: a typographic design made from the book's metadata, no hand-made asset.

WeasyPrint sets it in the book's own typeface; pypdfium2 turns the page into a PNG,
which every reading system (Kindle included) accepts as a cover image.
"""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pypdfium2
import weasyprint
from weasyprint.text.fonts import FontConfiguration

from ..model import authors, names
from .pdf import SandboxedFetcher

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


def render_cover(meta: dict, styles: Path) -> bytes:
    fonts = FontConfiguration()
    fetcher = SandboxedFetcher([styles])
    faces = "\n".join(line for line in (styles / "print.css").read_text("utf-8").splitlines()
                      if line.startswith("@font-face"))
    collection = meta.get("collection", {}).get("title", "")
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
