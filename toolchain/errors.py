"""One error type for everything a user can fix: it names the file, the line and what to do."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Problem:
    """A finding of the lint or a validator, at a place in a file."""

    path: Path | str
    line: int
    column: int
    code: str
    message: str
    hint: str = ""
    severity: str = "error"  # "error" | "warning"
    fix: tuple[str, str] | None = None  # `lint --fix`: this text at the column becomes that

    def __str__(self) -> str:
        where = display_path(self.path)
        if self.line:
            where += f":{self.line}:{self.column}"
        text = f"{where}: {self.severity} {self.code}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class BuildError(Exception):
    """A failure the user can act on. The CLI prints it without a traceback."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, (Problem, str)):
            problems = [problems]
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    def __reduce__(self):  # raised in a worker process, it arrives whole
        return BuildError, (self.problems,)


class InternalError(Exception):
    """A fault of the toolchain, not of the manuscript: the CLI prints one line and exits 2."""

    def __init__(self, stage: str, detail: str = ""):
        self.stage, self.detail = stage, detail
        super().__init__(f"internal error in {stage}" + (f": {detail}" if detail else ""))

    def __reduce__(self):
        return InternalError, (self.stage, self.detail)


USER_ERRNOS = {errno.ENOSPC: "the disk is full; free some space and build again",
               errno.EDQUOT: "the disk quota is used up; free some space and build again",
               errno.EACCES: "no permission to write there; choose another --out",
               errno.EPERM: "no permission to write there; choose another --out",
               errno.EROFS: "the file system is read-only; choose another --out"}


def os_problem(exc: OSError, code: str = "E020") -> Problem | None:
    """An OSError the user can act on (disk full, read-only, no permission), as a Problem."""
    hint = USER_ERRNOS.get(exc.errno)
    if hint is None:
        return None
    return Problem(exc.filename or "output", 0, 0, code, f"cannot write: {exc.strerror}", hint)


def display_path(path: Path | str) -> str:
    """Paths relative to the working directory when they are below it, as editors see them."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
