"""The URL sandbox: WeasyPrint may load only the book's own manuscript and style files; the
fetcher refuses everything else, and a refusal is the editor's error, naming what was asked."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

import weasyprint
from weasyprint.urls import FatalURLFetchingError

from ...errors import BuildError, Problem


class SandboxError(FatalURLFetchingError):
    """Stops the rendering: a document named something outside the book."""


IMAGE_URL = "book-image:"  # an image of the book by its name: `book-image:ferry.jpg`


def image_url(name: str) -> str:
    """The URL the print HTML names a manuscript image by: its name in the book, not where
    the manuscript lies (WeasyPrint names an image in the PDF by the URL it was loaded from,
    so a file: URL would make the same book's PDF differ from folder to folder)."""
    return IMAGE_URL + quote(name)


class SandboxedFetcher(weasyprint.URLFetcher):
    """Loads only files inside the given directories, and the book's images by name
    (`images`: name -> file); never touches the network.

    Paths are resolved first, so `..` and symlinks cannot lead outside."""

    def __init__(self, roots: list[Path], images: dict[str, Path] | None = None):
        super().__init__(allowed_protocols={"file"})
        self.roots = [Path(r).resolve() for r in roots]
        self.images = dict(images or {})
        self.refused: list[str] = []
        self.made: dict[str, bytes] = {}  # an image made printable (`printable`), made once:
        # the mending lays a division out some thirty times (the others read as they are)

    def fetch(self, url, headers=None):
        name = unquote(url[len(IMAGE_URL):]) if url.startswith(IMAGE_URL) else None
        if name in self.images:
            if name not in self.made:
                data = Path(self.images[name]).read_bytes()
                made = printable(data)
                if made is data:
                    return weasyprint.urls.URLFetcherResponse(url, data)
                self.made[name] = made
            return weasyprint.urls.URLFetcherResponse(url, self.made[name])
        parsed = urlparse(url)
        if parsed.scheme == "file":
            path = Path(unquote(parsed.path)).resolve()
            if any(path.is_relative_to(root) for root in self.roots) and path.is_file():
                return weasyprint.urls.URLFetcherResponse(url, path.read_bytes())
        self.refused.append(url)
        raise SandboxError(f"refused to load {url}: only files inside "
                           + ", ".join(str(r) for r in self.roots) + " may be used")


DEEP_GREY = ("I;16", "I;16B", "I;16L", "I")  # Pillow's modes of a 16-bit grey PNG


def printable(data: bytes) -> bytes:
    """An image's bytes as WeasyPrint can draw them. WeasyPrint 70 writes a 16-bit grey PNG
    (a scanner's survey or plate; Pillow's I;16) into the PDF as 8-bit RGB, its samples
    read at the wrong depth: the figure prints black. Such a PNG is given as 8-bit grey,
    its levels scaled (a printed page holds no more), its transparent level and its
    orientation kept; every other image as it is."""
    from PIL import Image, ImageChops, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        if image.format != "PNG" or image.mode not in DEEP_GREY:
            return data
        levels = image.convert("I")
        scale = 1 / 257 if image.mode.startswith("I;16") or max(levels.getextrema()) > 255 else 1
        grey = levels.point(lambda v: v * scale).convert("L")  # (on mode I, `point` takes a
        transparent = image.info.get("transparency")  # linear function only)
        if isinstance(transparent, int):  # one level transparent (tRNS): an alpha channel,
            above = levels.point(lambda v: (v - transparent) * 256).convert("L")  # 255 where
            below = levels.point(lambda v: (transparent - v) * 256).convert("L")  # it is not
            grey = Image.merge("LA", (grey, ImageChops.lighter(above, below)))
        out = io.BytesIO()
        grey.save(out, format="PNG", exif=image.getexif())
        return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError):
        return data  # (not an image Pillow reads: WeasyPrint says what it finds)


def sandbox_problem(message: str) -> BuildError:
    return BuildError(Problem("pdf", 0, 0, "P002", message,
                              "keep images and styles inside manuscript/ or styles/"))


def refused(fetcher: SandboxedFetcher) -> None:
    if fetcher.refused:
        raise sandbox_problem(f"refused to load {fetcher.refused[0]}")
