"""Reports in Go's own words: the race detector, the deadlock, the leak checker.

* :func:`race_reports` finds lost updates in ``MEM_READ``/``MEM_WRITE``
  events (``BadCounter`` emits them for each ``count++``) and prints each in
  the shape of Go's race detector ("WARNING: DATA RACE").
* :func:`deadlock_report` wraps :meth:`Runtime.check_deadlock` (Go's "fatal
  error: all goroutines are asleep - deadlock!") with one sentence per
  goroutine from the wait-for graph.
* :func:`stuck_report` names goroutines blocked forever while others still
  run, which Go itself does not report.
* :func:`leak_report` lists the goroutines ``Runtime.stop`` had to kill, as
  go.uber.org/goleak lists unexpected goroutines at the end of a test.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from core.runtime import DeadlockReport, Runtime, StopReport
from core.teaching.waitfor import Cycle, UsageIndex, WaitForGraph
from core.trace import Kind, TraceEvent

__all__ = [
    "DeadlockExplained",
    "LeakReport",
    "LeakedGoroutine",
    "RaceReport",
    "deadlock_report",
    "leak_report",
    "race_reports",
    "stuck_report",
]

_RULE = "=================="


# -- data races -------------------------------------------------------------------


@dataclass(frozen=True)
class _Access:
    seq: int
    t: float
    g: int
    value: str


@dataclass(frozen=True)
class RaceReport:
    """One lost update on object *obj*.

    Goroutine *writer* read ``read_value``, then wrote ``write_value`` over
    the write(s) that other goroutines made after its read; the last of
    those is the *previous write* (by ``previous_writer``).
    """

    obj: int
    obj_name: str
    writer: int
    writer_name: str
    read_value: str
    read_t: float
    write_value: str
    write_t: float
    write_seq: int
    previous_writer: int
    previous_writer_name: str
    previous_value: str
    previous_t: float
    lost: int  # writes by other goroutines that this write overwrote

    @property
    def text(self) -> str:
        """The report, in the shape of Go's race detector."""
        a, b = self.writer, self.previous_writer
        an, bn = self.writer_name, self.previous_writer_name
        where = f"{self.obj_name} (object {self.obj})"
        lost = (
            f"the increment of goroutine {b} ({bn}) is lost"
            if self.lost == 1
            else f"{self.lost} increments made since that read are lost"
        )
        return (
            f"{_RULE}\n"
            "WARNING: DATA RACE\n"
            f"Write at {where} by goroutine {a} ({an}):\n"
            f"  {self.obj_name}++ (write {self.write_value})   t={self.write_t:.3f} s\n"
            "\n"
            f"Previous write at {where} by goroutine {b} ({bn}):\n"
            f"  {self.obj_name}++ (write {self.previous_value})   t={self.previous_t:.3f} s\n"
            "\n"
            f"Goroutine {a} ({an}) read {self.read_value} at t={self.read_t:.3f} s, "
            f"goroutine {b} ({bn}) wrote {self.previous_value} at t={self.previous_t:.3f} s "
            f"in between: {lost}.\n"
            f"{_RULE}"
        )


def race_reports(events: Iterable[TraceEvent], limit: int | None = None) -> list[RaceReport]:
    """Every lost update in *events* (in trace order), at most *limit* of them.

    A lost update: goroutine A reads the value, another goroutine B writes
    it after A's read, then A writes (its read + 1), erasing B's write.
    Only annotated memory operations count (``MEM_READ``/``MEM_WRITE``, as
    ``BadCounter`` emits them); like Go's race detector, it reports races
    that happened in this run, never those that could have.
    Goroutine names come from the ``GO_CREATE`` events.
    """
    names: dict[int, str] = {}
    reads: dict[tuple[int, int], _Access] = {}  # (obj, goroutine) -> its pending read
    writes: dict[int, list[_Access]] = {}  # obj -> writes, in order
    obj_names: dict[int, str] = {}
    out: list[RaceReport] = []
    for ev in events:
        if ev.kind is Kind.GO_CREATE:
            names[ev.obj] = ev.obj_name
        elif ev.kind is Kind.MEM_READ:
            reads[(ev.obj, ev.g)] = _Access(ev.seq, ev.t, ev.g, ev.value)
            obj_names.setdefault(ev.obj, ev.obj_name)
        elif ev.kind is Kind.MEM_WRITE:
            obj_names.setdefault(ev.obj, ev.obj_name)
            log = writes.setdefault(ev.obj, [])
            read = reads.pop((ev.obj, ev.g), None)
            if read is not None:
                between = [w for w in _after(log, read.seq) if w.g != ev.g]
                if between:
                    prev = between[-1]
                    out.append(
                        RaceReport(
                            obj=ev.obj,
                            obj_name=obj_names[ev.obj] or f"object {ev.obj}",
                            writer=ev.g,
                            writer_name=names.get(ev.g, f"goroutine {ev.g}"),
                            read_value=read.value,
                            read_t=read.t,
                            write_value=ev.value,
                            write_t=ev.t,
                            write_seq=ev.seq,
                            previous_writer=prev.g,
                            previous_writer_name=names.get(prev.g, f"goroutine {prev.g}"),
                            previous_value=prev.value,
                            previous_t=prev.t,
                            lost=len(between),
                        )
                    )
                    if limit is not None and len(out) >= limit:
                        return out
            log.append(_Access(ev.seq, ev.t, ev.g, ev.value))
            _trim(log, reads, ev.obj)
    return out


def _after(log: list[_Access], seq: int) -> list[_Access]:
    """The writes in *log* made after event *seq* (the log is in seq order)."""
    i = len(log)
    while i > 0 and log[i - 1].seq > seq:
        i -= 1
    return log[i:]


def _trim(log: list[_Access], reads: dict[tuple[int, int], _Access], obj: int) -> None:
    """Forget writes older than every pending read of *obj* (they can no longer matter)."""
    pending = [r.seq for (o, _g), r in reads.items() if o == obj]
    oldest = min(pending) if pending else None
    keep = 0
    while keep < len(log) - 1 and (oldest is None or log[keep].seq < oldest):
        keep += 1
    if keep:
        del log[:keep]


# -- deadlocks and goroutines blocked forever ------------------------------------------


@dataclass(frozen=True)
class DeadlockExplained:
    """Go's deadlock report, plus a sentence per goroutine and the cycles found."""

    report: DeadlockReport
    explanations: list[str]
    cycles: list[Cycle]

    @property
    def text(self) -> str:
        lines = [self.report.text]
        if self.explanations:
            lines.append("")
            lines.extend(self.explanations)
        return "\n".join(lines)


def deadlock_report(
    rt: Runtime, events: Iterable[TraceEvent] | None = None, usage: UsageIndex | None = None
) -> DeadlockExplained | None:
    """Go's global deadlock report for *rt* with plain explanations, or None.

    Calls :meth:`Runtime.check_deadlock` (which stores the report in
    ``rt.deadlock`` and traces it once), then explains each goroutine it
    names with :class:`~core.teaching.waitfor.WaitForGraph` (events from
    *events*/*usage*, else from ``rt.tracer``). Never blocks.
    """
    report = rt.check_deadlock()
    if report is None:
        return None
    graph = WaitForGraph.from_runtime(rt, events=events, usage=usage)
    explanations = [graph.explain(r.g) for r in report.records]
    return DeadlockExplained(report, explanations, graph.cycles())


def stuck_report(graph: WaitForGraph) -> str | None:
    """The goroutines of *graph* that can never wake, one sentence each; None if none.

    Go reports only a whole-program deadlock; this names a goroutine blocked
    forever while others still run (with the judgement documented in
    :mod:`core.teaching.waitfor`).
    """
    stuck = sorted(graph.stuck())
    if not stuck:
        return None
    head = f"{len(stuck)} goroutine{'s' if len(stuck) > 1 else ''} can never wake:"
    return "\n".join([head, *(f"  goroutine {g}: {graph.explain(g)}" for g in stuck)])


# -- leaks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LeakedGoroutine:
    """A goroutine still there when the lesson ended."""

    id: int
    name: str
    state: str  # Go's words: "chan receive", "sync.Mutex.Lock", "select", "running"...
    waiting_on: str  # the object's name, "" when none
    created_by: str  # "goroutine 1 (main)", or "" when the trace did not show it
    created_at: float | None
    line: str  # the runtime's one-line description
    killed: bool  # True: stop() unwound it; False: it was still running at the deadline


@dataclass(frozen=True)
class LeakReport:
    leaked: list[LeakedGoroutine] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.leaked

    @property
    def text(self) -> str:
        """goleak's wording; we have each goroutine's state and object, not its stack."""
        if not self.leaked:
            return ""
        entries = []
        for lg in self.leaked:
            top = f"waiting on {lg.waiting_on}" if lg.waiting_on else "no object"
            created = ""
            if lg.created_by:
                at = f" at t={lg.created_at:.3f} s" if lg.created_at is not None else ""
                created = f"\ncreated by {lg.created_by}{at}"
            fate = "" if lg.killed else "\n(still running when stop() gave up)"
            entries.append(
                f"Goroutine {lg.id} in state {lg.state}, with {lg.name} {top} "
                f"on top of the stack (the simulator records the state and the object, "
                f"not a stack):\n{lg.line}{created}{fate}"
            )
        return "found unexpected goroutines:\n[" + "\n\n".join(entries) + "\n]"


def leak_report(stop_report: StopReport, events: Iterable[TraceEvent] = ()) -> LeakReport:
    """List each goroutine *stop_report* found left behind, as goleak would.

    ``stop_report.leaked_records`` (killed by ``stop``) and ``.alive_records``
    (still running at its deadline) say what each waited on; the lines are
    Go's words for the same facts; *events* add who started each one and when.
    """
    names: dict[int, str] = {}
    created: dict[int, tuple[int, float]] = {}
    for ev in events:
        if ev.kind is Kind.GO_CREATE:
            names[ev.obj] = ev.obj_name
            created[ev.obj] = (ev.g, ev.t)
    out = []
    for records, lines, killed in (
        (stop_report.leaked_records, stop_report.leaked, True),
        (stop_report.alive_records, stop_report.alive, False),
    ):
        for rec, line in zip(records, lines, strict=True):
            by, at = created.get(rec.g, (None, None))
            creator = ""
            if by is not None:
                creator = f"goroutine {by} ({names[by]})" if by in names else f"goroutine {by}"
                if by == 0:
                    creator = "code outside the goroutines (goroutine 0)"
            out.append(
                LeakedGoroutine(
                    rec.g, rec.name, rec.reason, rec.obj_name, creator, at, line, killed
                )
            )
    return LeakReport(out)
