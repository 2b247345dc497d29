"""Where things are, for commands run from anywhere: a book's own output folder, the house
styles, the validators `nox -s check` installs, and the pandoc the build uses. Knows only
paths."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent  # the checkout the toolchain runs from
DEFAULT_MANUSCRIPT = Path("manuscript")


def cache_folder() -> Path:
    """The toolchain's folder in the user's cache: TOOLCHAIN_CACHE, else
    $XDG_CACHE_HOME/toolchain, else ~/.cache/toolchain. What is kept there (the divisions'
    pages, the hyphenation patterns read) may be deleted at any time."""
    root = os.environ.get("TOOLCHAIN_CACHE")
    if root:
        return Path(root)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "toolchain"


def manuscript_folder(given: Path | None) -> Path:
    """The manuscript to work on: the one given; else the current folder when it is a book
    (it has a book.toml); else `manuscript/`."""
    if given is not None:
        return given
    if Path("book.toml").is_file():
        return Path(".")
    return DEFAULT_MANUSCRIPT


def output_folder(manuscript: Path, given: Path | None) -> Path:
    """A book's own output folder, so that building one book never replaces another's: the
    one given; else `dist/` beside a folder named `manuscript` (the first title, as ever);
    else `dist-NAME/` beside the book's folder NAME."""
    if given is not None:
        return given
    folder = Path(manuscript).resolve()
    if folder.name == "manuscript":
        return relative(folder.parent / "dist")
    return relative(folder.parent / f"dist-{folder.name}")


def relative(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def styles_folder(manuscript: Path, given: Path | None) -> tuple[Path | None, list[Path]]:
    """The house styles (a folder `styles/` with print.css): the one given; else the first
    found beside the book or a folder above it, or above the current folder, or in the
    project the toolchain runs from. Returns it (None if none) and where it looked."""
    if given is not None:
        return given, [given]
    looked: list[Path] = []
    starts = [Path(manuscript).resolve(), Path.cwd().resolve()]
    for start in starts:
        for folder in (start, *start.parents):
            candidate = folder / "styles"
            if candidate not in looked:
                looked.append(candidate)
            if (candidate / "print.css").is_file():
                return relative(candidate), looked
    candidate = PROJECT / "styles"
    looked.append(candidate)
    return (candidate if (candidate / "print.css").is_file() else None), looked


def ace_cli() -> str | None:
    """DAISY Ace: ACE_CLI, or on PATH, or where `nox -s check` installs it."""
    installed = PROJECT / ".nox" / "ace-cli" / "node_modules" / ".bin" / "ace-cli"
    return os.environ.get("ACE_CLI") or shutil.which("ace-cli") or shutil.which("ace") or (
        str(installed) if installed.is_file() else None)


def epubjs_modules() -> str:
    """epub.js's node_modules: EPUBJS_MODULES, or where `nox -s check` installs it."""
    installed = PROJECT / ".nox" / "epubjs" / "node_modules"
    return os.environ.get("EPUBJS_MODULES") or (str(installed) if installed.is_dir() else "")


def pandoc() -> Path:
    """The pandoc of the pypandoc_binary wheel, a declared dependency: its citeproc is the
    reference CSL processor, and the build uses no other pandoc (a system one may differ)."""
    from importlib.metadata import PackageNotFoundError

    import pypandoc  # a missing library is reported as such (E002), by the command line

    binary = Path(pypandoc.__file__).parent / "files" / "pandoc"
    if not binary.is_file():  # pypandoc without its binary
        raise PackageNotFoundError("pypandoc_binary")
    return binary
