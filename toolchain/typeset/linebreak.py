"""Total-fit line breaking (Knuth and Plass, 1981): a paragraph's lines chosen together.

WeasyPrint, like every browser, fills one line at a time and can only stretch its spaces;
a bad line early cannot be undone later, and the page shows rivers. Here a paragraph is a
list of boxes (text of fixed width), glue (a space that may stretch and shrink) and
penalties (a place to break at a cost, such as a hyphen), and the breaks chosen are those
with the least total demerits over the whole paragraph, as TeX chooses them.

Beyond TeX: a line's last character may hang into the margin (`protrude`, pdfTeX's margin
kerning), a limit on hyphenated lines in a row (not only a cost), a cost for a runt (a
last line shorter than `runt_width`), breaks kept for a last resort (a name divided only
when no setting of the paragraph fits without it), and constraints that name a line which must not end
with a hyphen or a number of lines the paragraph must keep (for the page foot and the leaf
turn, found only after the page is made up).
"""

from __future__ import annotations

from dataclasses import dataclass, field

INF = 10_000  # a penalty this high forbids a break; minus this forces one


@dataclass(slots=True)
class Box:
    width: float
    ref: object = None
    stretch: float = 0.0  # letter spacing the box's text may take (TeX's font expansion)
    shrink: float = 0.0
    indent: bool = False  # the indent of the lines up to the next forced break (a quotation
    # set in a footnote's lines): each of them after the first is this much narrower


@dataclass(slots=True)
class Glue:
    width: float
    stretch: float
    shrink: float
    ref: object = None
    breakable: bool = True  # False for a no-break space
    protrude: float = 0.0  # how far the text before hangs into the margin if a line ends here


@dataclass(slots=True)
class Penalty:
    width: float  # set at the line's end if the line breaks here (a hyphen)
    cost: float
    flagged: bool = False  # a hyphenated break
    ref: object = None
    last_resort: bool = False  # only where nothing else fits at all (a name divided)
    protrude: float = 0.0  # how far the hyphen or dash hangs into the margin (as Glue's)


@dataclass(slots=True)
class Line:
    end: int  # the index of the item the line breaks at
    ratio: float  # how far its spaces stretch (>0) or shrink (<0), as a share of what they may
    hyphenated: bool


@dataclass
class Settings:
    """TeX's parameters, by their TeX names where they have one."""

    tolerance: float = 1.0  # the largest stretch ratio of a first try (TeX's \tolerance 100)
    retry_tolerance: float = 2.5  # the second try, before an emergency pass allows any
    line_penalty: float = 10
    adj_demerits: float = 3000  # a very loose line next to a tight one
    double_hyphen_demerits: float = 5000
    final_hyphen_demerits: float = 8000  # a paragraph whose last line is a word's end
    max_hyphen_run: int = 2
    runt_width: float = 0.0  # a last line narrower than this is a runt
    runt_demerits: float = 20000
    no_hyphen_at: frozenset = field(default_factory=frozenset)  # line numbers (from 1)
    lines: int | None = None  # the paragraph must set in exactly this many lines
    emergency: bool = True  # a last pass that takes any stretch (off: None rather than that)


@dataclass(slots=True)
class Node:
    position: int
    line: int
    fitness: int
    hyphen_run: int
    width: float
    stretch: float
    shrink: float
    demerits: float
    ratio: float = 0.0
    hyphenated: bool = False
    previous: Node | None = None


def break_lines(items: list, first_width: float, width: float,
                settings: Settings | None = None) -> list[Line] | None:
    """The best breaks of `items`, which must end with a forced break; the first line is
    `first_width` wide (an indent), the others `width`. None when the constraints in
    `settings` cannot be met; otherwise there is always an answer (an emergency pass lets
    lines stretch as far as they must, and overfull lines only where a box is wider than
    the measure)."""
    settings = settings or Settings()
    tries = (settings.tolerance, settings.retry_tolerance)
    for tolerance in tries + ((float("inf"),) if settings.emergency else ()):
        lines = _try(items, first_width, width, settings, tolerance)
        if lines is not None:
            return lines
    return None


def _try(items, first_width, width, s: Settings, tolerance: float) -> list[Line] | None:
    emergency = tolerance == float("inf")
    sum_w = sum_st = sum_sh = 0.0
    # the totals up to each item, and after the discardable items that follow a break
    totals = [(0.0, 0.0, 0.0)] * (len(items) + 1)
    for i, item in enumerate(items):
        totals[i] = (sum_w, sum_st, sum_sh)
        if isinstance(item, Glue):
            sum_w, sum_st, sum_sh = sum_w + item.width, sum_st + item.stretch, sum_sh + item.shrink
        elif isinstance(item, Box):
            sum_w, sum_st, sum_sh = sum_w + item.width, sum_st + item.stretch, sum_sh + item.shrink
    totals[len(items)] = (sum_w, sum_st, sum_sh)
    indents = _indents(items)
    # Nodes that differ only in their line number have the same futures unless a constraint
    # names lines: then the best of them alone is kept, as TeX keeps one per line class.
    # (past the lines asked for, or the last line named by no_hyphen_at, numbers are merged:
    # such nodes never end the paragraph, or their futures no longer differ)
    counted = s.lines + 1 if s.lines is not None else \
        max(s.no_hyphen_at) + 1 if s.no_hyphen_at else 1
    active = {(0, 0, 1, 0): Node(0, 0, 1, 0, 0.0, 0.0, 0.0, 0.0)}
    last = len(items) - 1
    for b, item in enumerate(items):
        if isinstance(item, Penalty):
            if item.cost >= INF or (item.last_resort and not emergency):
                continue
        elif isinstance(item, Glue):
            if not item.breakable or b == 0 or not isinstance(items[b - 1], Box):
                continue
        else:
            continue
        forced = isinstance(item, Penalty) and item.cost <= -INF
        flagged = isinstance(item, Penalty) and item.flagged
        penalty_width = (item.width if isinstance(item, Penalty) else 0.0) - item.protrude
        new: dict[tuple, Node] = {}
        dropped: list[Node] = []
        for key, a in list(active.items()):
            measure = first_width if a.line == 0 else width - indents[a.position]
            w = totals[b][0] - a.width + penalty_width
            if w < measure:
                stretch = totals[b][1] - a.stretch
                ratio = (measure - w) / stretch if stretch > 0 else float("inf")
            elif w > measure:
                shrink = totals[b][2] - a.shrink
                ratio = (measure - w) / shrink if shrink > 0 else float("-inf")
            else:
                ratio = 0.0
            if -1 - 1e-9 <= ratio < -1:
                ratio = -1.0  # a line shrunk fully, less the sums' rounding
            if ratio < -1 or forced:
                del active[key]
                if ratio < -1:
                    dropped.append(a)
            if not (-1 <= ratio <= tolerance):
                continue
            candidate = _candidate(a, b, ratio, item, flagged, forced, b == last, w, s)
            if candidate is not None:
                _keep(new, candidate, counted)
        if not new and not active and emergency and dropped:
            # nothing fits: set the least bad line overfull rather than give up
            a = min(dropped, key=lambda n: n.demerits)
            w = totals[b][0] - a.width + penalty_width
            candidate = _candidate(a, b, -1.0, item, flagged, forced, b == last, w, s)
            if candidate is not None:
                candidate.demerits += 1e9
                _keep(new, candidate, counted)
        if new:
            after = _after_break(items, b, totals)
        for key, node in new.items():
            node.width, node.stretch, node.shrink = after
            active[key] = node
        if not active:
            return None
    ends = [n for n in active.values() if n.position == last
            and (s.lines is None or n.line == s.lines)]
    if not ends:
        return None
    best = min(ends, key=lambda n: n.demerits)
    lines = []
    while best.previous is not None:
        lines.append(Line(best.position, best.ratio, best.hyphenated))
        best = best.previous
    return lines[::-1]


def _indents(items) -> list[float]:
    """For each break: how much narrower than the measure the line after it is. A line
    that begins after a forced break holds its indent boxes itself (0); one that begins
    within the lines they began is set in by them all (each box's padding, WeasyPrint's
    `box-decoration-break: clone`, begins each of its lines: a quotation in a list's item,
    a poem in a quotation, their paddings added)."""
    found, indent = [0.0] * len(items), 0.0
    for i, item in enumerate(items):
        if isinstance(item, Penalty) and item.cost <= -INF:
            indent = 0.0
        elif isinstance(item, Box) and item.indent:
            indent += item.width
        else:
            found[i] = indent
    return found


def _candidate(a: Node, b: int, ratio: float, item, flagged: bool, forced: bool,
               final: bool, natural: float, s: Settings) -> Node | None:
    line = a.line + 1
    run = a.hyphen_run + 1 if flagged else 0
    if run > s.max_hyphen_run or (flagged and line in s.no_hyphen_at):
        return None
    badness = min(100 * abs(ratio) ** 3, 10_000)  # TeX's inf_bad
    cost = item.cost if isinstance(item, Penalty) else 0.0
    demerits = (s.line_penalty + badness) ** 2
    if cost >= 0:
        demerits += cost ** 2
    elif not forced:
        demerits -= cost ** 2
    if flagged and a.hyphenated:
        demerits += s.double_hyphen_demerits
    fitness = 0 if ratio < -0.5 else 1 if ratio <= 0.5 else 2 if ratio <= 1 else 3
    if abs(fitness - a.fitness) > 1:
        demerits += s.adj_demerits
    if final:
        if a.hyphenated:
            demerits += s.final_hyphen_demerits
        if natural < s.runt_width:
            demerits += s.runt_demerits * (2 if a.hyphenated else 1)
    return Node(b, line, fitness, run, 0.0, 0.0, 0.0, a.demerits + demerits, ratio,
                flagged, a)


def _keep(new: dict, node: Node, counted: int) -> None:
    """`counted`: line numbers from this one on are not told apart."""
    line = min(node.line, counted)
    key = (node.position, line, node.fitness, node.hyphen_run)
    if key not in new or node.demerits < new[key].demerits:
        new[key] = node


def _after_break(items, b: int, totals) -> tuple[float, float, float]:
    """The totals where the next line starts: glue and penalties after a break vanish."""
    i = b + 1
    while i < len(items) and not isinstance(items[i], Box):
        if isinstance(items[i], Penalty) and items[i].cost <= -INF:
            break
        i += 1
    return totals[i]
