"""What a long command says while it works — a step begun, done or failed, a warning, a
note — as calls on a reporter, never `print`: the modules that do the work report, and the
command line decides who hears (`cli` gives them a `StreamReporter` on the terminal; a
library caller gets silence, and the report in `report.json`)."""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field


class Reporter:
    """Hears everything and says nothing."""

    def plan(self, expected: dict[str, float]) -> None:
        """The seconds each step took last time, in order: what the time left is made of."""

    def step_started(self, label: str, name: str = "") -> None: ...

    def step_done(self, label: str, seconds: float) -> None: ...

    def step_failed(self, label: str) -> None: ...

    def warning(self, text: str) -> None: ...

    def note(self, text: str) -> None: ...


BAR = 20  # characters


def progress_line(label: str, elapsed: float, total_elapsed: float, left: float | None) -> str:
    """A step's line while it runs on a terminal: a bar of the whole build and the time left
    (from the last build's step times), or the seconds so far when there is no last build."""
    if left is None:
        return f"{label}{elapsed:5.1f} s"
    done = total_elapsed / (total_elapsed + left) if total_elapsed + left > 0 else 1.0
    filled = min(BAR, round(done * BAR))
    return (f"{label}{'█' * filled}{'░' * (BAR - filled)} {elapsed:5.1f} s · "
            f"about {max(left, 0):.0f} s left")


@dataclass
class StreamReporter(Reporter):
    """One line per finished step on a stream. On a terminal, the running step's line shows a
    bar of the whole build and the time left, redrawn in place; elsewhere (a log, a pipe),
    plain lines only."""

    stream: object = field(default_factory=lambda: sys.stderr)
    expected: dict = field(default_factory=dict)
    finished: set = field(default_factory=set)
    ticker: object = None
    current: str = ""
    started: float = field(default_factory=time.perf_counter)

    @property
    def tty(self) -> bool:
        return hasattr(self.stream, "isatty") and self.stream.isatty()

    def plan(self, expected: dict[str, float]) -> None:
        """A new run of steps (a watch builds again and again with one reporter)."""
        self.expected, self.finished, self.started = dict(expected), set(), time.perf_counter()

    def time_left(self, name: str, elapsed: float) -> float | None:
        if not self.expected:
            return None
        rest = sum(s for n, s in self.expected.items() if n not in self.finished and n != name)
        return rest + max(self.expected.get(name, 0.0) - elapsed, 0.0)

    def step_started(self, label: str, name: str = "") -> None:
        self.current = name
        if not self.tty:
            return
        begun, stop = time.perf_counter(), threading.Event()

        def draw():
            now = time.perf_counter()
            line = progress_line(label, now - begun, now - self.started,
                                 self.time_left(name, now - begun))
            print("\r" + line + "\x1b[K", end="", file=self.stream, flush=True)

        def redraw():
            while not stop.wait(0.25):
                draw()

        draw()  # at once, then four times a second while the step runs
        thread = threading.Thread(target=redraw, daemon=True)
        self.ticker = (stop, thread, name)
        thread.start()

    def stop_ticker(self) -> None:
        if self.ticker is not None:
            stop, thread, _ = self.ticker
            stop.set()
            thread.join()
            self.ticker = None
        self.finished.add(self.current)

    def step_done(self, label: str, seconds: float) -> None:
        self.stop_ticker()
        print(("\r" if self.tty else "") + f"{label}done {seconds:6.2f} s"
              + ("\x1b[K" if self.tty else ""), file=self.stream, flush=True)

    def step_failed(self, label: str) -> None:
        self.stop_ticker()
        if self.tty:
            print("\r" + label + "failed\x1b[K", file=self.stream, flush=True)

    def warning(self, text: str) -> None:
        print(("\r\x1b[K" if self.ticker else "") + text, file=self.stream, flush=True)

    def note(self, text: str) -> None:
        print(("\r\x1b[K" if self.ticker else "") + text, file=self.stream, flush=True)


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
        counter = f"[{self.step}/{self.total}]"  # padded to the widest, [14/14], so that
        label = f"{counter:<{2 * len(str(self.total)) + 3}} {name:<18}"  # the columns align
        self.reporter.step_started(label, name)
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
