"""Files the build keeps in the user's cache (`places.cache_folder`): each written whole and
moved into place, so that two builds at once leave each a whole file or none; and a folder
of them let go, the least used first, past its limit. Any of them may be deleted at any time."""

from __future__ import annotations

import os
from pathlib import Path


def write_whole(path: Path, data: bytes) -> None:
    """`data` at `path`, its folder made: written beside it, then moved into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def prune(folder: Path, pattern: str, limit: int, companions: tuple[str, ...] = ()) -> None:
    """The files of `folder` matching `pattern` let go, the least recently used first (a
    file used is touched), while they hold more than `limit` bytes; with each, the files of
    its name with the suffixes `companions`."""
    files = sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime)
    size = sum(p.stat().st_size for p in files)
    for path in files:
        if size <= limit:
            break
        size -= path.stat().st_size
        path.unlink(missing_ok=True)
        for suffix in companions:
            path.with_suffix(suffix).unlink(missing_ok=True)
