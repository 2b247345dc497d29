"""What a long command says while it works — a step begun, done or failed, a warning, a
note — as calls on a reporter, never `print`: the modules that do the work report, and the
command line decides who hears (`cli` gives them a `StreamReporter` on the terminal; a
library caller gets silence, and the report in `report.json`)."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field


class Reporter:
    """Hears everything and says nothing."""

    def step_started(self, label: str) -> None: ...

    def step_done(self, label: str, seconds: float) -> None: ...

    def step_failed(self, label: str) -> None: ...

    def warning(self, text: str) -> None: ...

    def note(self, text: str) -> None: ...


@dataclass
class StreamReporter(Reporter):
    """One line per finished step on a stream; on a terminal, the step's line appears first
    and is completed in place."""

    stream: object = field(default_factory=lambda: sys.stderr)

    @property
    def tty(self) -> bool:
        return hasattr(self.stream, "isatty") and self.stream.isatty()

    def step_started(self, label: str) -> None:
        if self.tty:
            print(label + "…", end="", file=self.stream, flush=True)

    def step_done(self, label: str, seconds: float) -> None:
        print(("\r" if self.tty else "") + f"{label}done {seconds:6.2f} s", file=self.stream,
              flush=True)

    def step_failed(self, label: str) -> None:
        if self.tty:
            print("\r" + label + "failed", file=self.stream, flush=True)

    def warning(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def note(self, text: str) -> None:
        print(text, file=self.stream, flush=True)


def reporter_for(stream=None, reporter: Reporter | None = None) -> Reporter:
    """The reporter a caller gave, or one on the stream it gave, or silence."""
    if reporter is not None:
        return reporter
    return StreamReporter(stream) if stream is not None else Reporter()


@dataclass
class Steps:
    """Numbered steps, each timed: `[3/14] xhtml  done  0.13 s`."""

    total: int
    reporter: Reporter
    errors: object = None  # errors(exc, name): what to raise for `exc` (build's user and
    # internal errors), or None to raise it as it is
    step: int = 0
    times: dict = field(default_factory=dict)

    def run(self, name: str, func, *args):
        self.step += 1
        label = f"[{self.step}/{self.total}] {name:<18}"
        self.reporter.step_started(label)
        start = time.perf_counter()
        try:
            result = func(*args)
        except BaseException as exc:
            self.reporter.step_failed(label)
            shown = self.errors(exc, name) if self.errors else exc
            if shown is exc:
                raise
            raise shown from exc
        took = time.perf_counter() - start
        self.times[name] = round(took, 3)
        self.reporter.step_done(label, took)
        return result
