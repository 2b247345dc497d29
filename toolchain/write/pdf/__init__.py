"""The PDF writer: the validated XHTML documents, joined and typeset by WeasyPrint.

WeasyPrint sets the book once, as a tagged PDF/UA-1 file for the screen; `press` makes the
printer's file from those pages. WeasyPrint may load only the book's own manuscript and
style files: the URL fetcher (`sandbox`) refuses everything else.

By concern: `sandbox` (what WeasyPrint may load), `assemble` (the HTML assembled for
print), `laying_out` (WeasyPrint's layout, composed and mended), `writing` (the PDF written).
"""

from .assemble import combined_html, fit_tables, serialize, split_turned_tables
from .laying_out import Layout, composed_layout, layout, missing_fonts
from .sandbox import SandboxedFetcher, SandboxError, image_url
from .writing import render_pdf, write_layout

__all__ = ["Layout", "SandboxError", "SandboxedFetcher", "combined_html", "composed_layout",
           "fit_tables", "image_url", "layout", "missing_fonts", "render_pdf", "serialize",
           "split_turned_tables", "write_layout"]
