"""Trace events: what the runtime reports, one frozen event per state change.

The lowest layer of the core (stdlib only). A :class:`Tracer` is a bounded ring
of :class:`TraceEvent` with absolute sequence numbers, so a reader that keeps
its last ``seq`` can ask for what came since (:meth:`Tracer.since`) and learns
how many it missed when the ring overflowed. Emitting never blocks on a
reader: subscribers are called inline and must return at once.
"""

from __future__ import annotations

import enum
import itertools
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Kind",
    "TraceEvent",
    "Tracer",
    "short_repr",
    "to_chrome_trace",
    "write_chrome_trace",
]


class Kind(enum.Enum):
    """What happened. The value is the short name shown in logs and exports."""

    # goroutines
    GO_CREATE = "go.create"  # value: parent goroutine id
    GO_START = "go.start"
    GO_BLOCK = "go.block"  # value: the wait reason ("chan send", "select", ...)
    GO_UNBLOCK = "go.unblock"
    GO_SLEEP = "go.sleep"  # value: duration
    GO_END = "go.end"
    GO_PANIC = "go.panic"  # value: the panic text
    GO_GATE = "go.gate"  # paused before an operation; value: the operation
    GO_STEP = "go.step"  # let through its gate by a step
    # channels
    CHAN_MAKE = "chan.make"  # value: cap
    CHAN_SEND = "chan.send"  # value: the value (buffered, or handed to a receiver)
    CHAN_RECV = "chan.recv"  # value: the value; extra: from_buffer / from sender id
    CHAN_CLOSE = "chan.close"
    SELECT = "select"  # value: the picked case; extra: ready cases
    # sync
    SYNC_MAKE = "sync.make"  # value: the type ("Mutex", "WaitGroup", "Context", ...)
    LOCK = "lock"  # obj: the mutex; value: "w" or "r"
    UNLOCK = "unlock"
    WG_ADD = "wg.add"  # value: the new counter
    WG_WAIT = "wg.wait"
    ONCE_DO = "once.do"
    ATOMIC = "atomic"  # value: new value
    # memory operations annotated by patterns (count++ as read, add, write)
    MEM_READ = "mem.read"
    MEM_WRITE = "mem.write"
    # time and context
    TIMER_FIRE = "timer.fire"
    CTX_CANCEL = "ctx.cancel"  # value: the error text
    # runtime
    DEADLOCK = "deadlock"  # value: Go's report
    LEAK = "leak"  # value: the leaked goroutine's state
    NOTE = "note"  # a scenario's annotation: value is plain text for the learner
    METRIC = "metric"  # obj_name: series name; value: the number


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One thing that happened, in exact order (``seq``).

    ``t`` is runtime-clock time in seconds, ``g`` the goroutine id that did
    it (0: outside any goroutine), ``obj``/``obj_name`` the object it was
    done to (0/"" when none), ``value`` a short repr, ``extra`` a small tuple
    of kind-specific facts (see :class:`Kind`).
    """

    seq: int
    t: float
    kind: Kind
    g: int = 0
    obj: int = 0
    obj_name: str = ""
    value: str = ""
    extra: tuple = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "t": self.t,
            "kind": self.kind.value,
            "g": self.g,
            "obj": self.obj,
            "obj_name": self.obj_name,
            "value": self.value,
            "extra": list(self.extra),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TraceEvent:
        """Rebuild an event; raises ``ValueError`` on anything malformed."""
        try:
            return cls(
                seq=int(d["seq"]),
                t=float(d["t"]),
                kind=Kind(d["kind"]),
                g=int(d.get("g", 0)),
                obj=int(d.get("obj", 0)),
                obj_name=str(d.get("obj_name", "")),
                value=str(d.get("value", "")),
                extra=tuple(_plain(x) for x in d.get("extra", ())),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a trace event: {exc}") from exc


def _plain(x: Any) -> Any:
    if isinstance(x, (str, int, float, bool)) or x is None:
        return x
    if isinstance(x, list):
        return tuple(_plain(y) for y in x)
    raise ValueError(f"unexpected value in event extra: {type(x).__name__}")


_MAX_REPR = 40


def short_repr(value: Any) -> str:
    """A repr of *value* short enough for a token on the stage."""
    if isinstance(value, str):
        r = value
    elif isinstance(value, float):
        r = f"{value:.4g}"
    else:
        try:
            r = repr(value)
        except Exception:  # a user object whose repr raises
            r = f"<{type(value).__name__}>"
    if len(r) > _MAX_REPR:
        r = r[: _MAX_REPR - 1] + "…"
    return r


Subscriber = Callable[[TraceEvent], None]


class Tracer:
    """A bounded ring of events with absolute sequence numbers.

    ``emit`` never blocks and never fails for lack of room: when the ring is
    full the oldest event is overwritten and counted in :attr:`dropped`.
    The ring holds plain tuples (cheap to make inside a critical section);
    readers get frozen :class:`TraceEvent` objects, made when they read.
    Readers either subscribe (called inline, in the emitting thread, inside
    the emitter's critical section: return at once, never call into core) or
    poll with :meth:`since`.
    """

    def __init__(self, capacity: int = 200_000) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        # Slot seq % capacity holds the record of event seq:
        # (seq, wall time, kind, g, obj, name, value, extra).
        self._ring: list[tuple | None] = [None] * capacity
        # Sequence numbers start at 1; itertools.count is atomic under the GIL.
        self._seq = itertools.count(1)
        self._last = 0  # the highest seq written
        t0 = _monotonic()
        # Maps a wall time to runtime time; the runtime installs its clock's.
        self.clock_at: Callable[[float], float] = lambda wall: wall - t0
        self._subscribers: tuple[Subscriber, ...] = ()
        self._sub_lock = threading.Lock()
        self.subscriber_errors = 0  # exceptions raised by subscribers (swallowed, counted)

    # -- writing ------------------------------------------------------------

    def emit(
        self,
        kind: Kind,
        g: int = 0,
        obj: int = 0,
        name: str = "",
        value: Any = "",
        extra: tuple = (),
    ) -> None:
        """Record one event. Never blocks."""
        if value.__class__ not in _CHEAP:
            value = short_repr(value)
        seq = next(self._seq)
        # The kind is stored by its value (a str): a record of atomic values
        # only is untracked by the garbage collector, so 200,000 records cost
        # a full collection nothing (an enum member would keep them tracked).
        rec = (seq, _monotonic(), kind._value_, g, obj, name, value, extra)
        self._ring[seq % self.capacity] = rec
        if seq > self._last:
            self._last = seq
        if self._subscribers:
            ev = self._event(rec)
            for fn in self._subscribers:
                try:
                    fn(ev)
                except Exception:  # a broken reader must not break the emitter's critical section
                    self.subscriber_errors += 1

    def _event(self, rec: tuple) -> TraceEvent:
        seq, wall, kind_value, g, obj, name, value, extra = rec
        kind = _KIND_BY_VALUE[kind_value]
        if value.__class__ is not str or (len(value) > _MAX_REPR and kind in _VALUE_KINDS):
            value = short_repr(value)
        return TraceEvent(seq, self.clock_at(wall), kind, g, obj, name, value, extra)

    # -- reading ------------------------------------------------------------

    @property
    def last_seq(self) -> int:
        return self._last

    @property
    def dropped(self) -> int:
        """How many events the ring overwrote (were emitted but are gone)."""
        return max(0, self._last - self.capacity)

    def since(self, seq: int, limit: int | None = None) -> tuple[list[TraceEvent], int]:
        """Events with a sequence number above *seq*, oldest first.

        Returns ``(events, missed)`` where *missed* counts events after *seq*
        that the ring already overwrote. At most *limit* events are returned.
        """
        last = self._last
        first = max(seq + 1, last - self.capacity + 1, 1)
        missed = first - (seq + 1) if seq + 1 < first else 0
        end = last if limit is None else min(last, first + limit - 1)
        out: list[TraceEvent] = []
        ring, cap, make = self._ring, self.capacity, self._event
        for s in range(first, end + 1):
            rec = ring[s % cap]
            if rec is not None and rec[0] == s:
                out.append(make(rec))
            elif rec is not None and rec[0] > s:
                missed += 1  # overwritten while we read
            else:
                break  # seq taken but not stored yet: the reader asks again from here
        return out, missed

    def events(self) -> list[TraceEvent]:
        """Every event still in the ring, oldest first."""
        return self.since(0)[0]

    # -- subscribers --------------------------------------------------------

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        """Call *fn* with every new event; returns the function that unsubscribes."""
        with self._sub_lock:
            self._subscribers = (*self._subscribers, fn)

        def unsubscribe() -> None:
            with self._sub_lock:
                self._subscribers = tuple(s for s in self._subscribers if s is not fn)

        return unsubscribe


_CHEAP = frozenset({str, int, float, bool, type(None)})
_KIND_BY_VALUE = {k.value: k for k in Kind}
# Kinds whose value is a program's value (a token on the stage), cut to _MAX_REPR;
# other kinds carry text for the learner (notes, reports), kept whole.
_VALUE_KINDS = frozenset(
    {Kind.CHAN_SEND, Kind.CHAN_RECV, Kind.ATOMIC, Kind.MEM_READ, Kind.MEM_WRITE}
)
_monotonic = time.monotonic


# -- Chrome trace export ------------------------------------------------------

_PHASE_STATES = {
    Kind.GO_START: "running",
    Kind.GO_UNBLOCK: "running",
    Kind.GO_STEP: "running",
}


def to_chrome_trace(events: Iterable[TraceEvent], names: dict[int, str] | None = None) -> dict:
    """Convert events to the Chrome trace format (opens in Perfetto).

    Each goroutine is a thread lane; its blocked and sleeping spans are
    duration slices, every event an instant with its details in ``args``.
    """
    names = dict(names or {})
    out: list[dict] = []
    open_span: dict[int, tuple[float, str]] = {}
    last_t = 0.0
    for ev in events:
        ts = ev.t * 1e6
        last_t = max(last_t, ts)
        if ev.kind is Kind.GO_CREATE and ev.obj_name:
            names[ev.obj] = ev.obj_name
        lane = ev.obj if ev.kind is Kind.GO_CREATE else ev.g
        if ev.kind in (Kind.GO_BLOCK, Kind.GO_SLEEP, Kind.GO_GATE):
            label = ev.value if ev.kind is not Kind.GO_SLEEP else "sleep"
            if ev.obj_name:
                label = f"{label} {ev.obj_name}"
            open_span[ev.g] = (ts, label)
        elif ev.kind in (Kind.GO_UNBLOCK, Kind.GO_END, Kind.GO_STEP, Kind.GO_PANIC):
            span = open_span.pop(ev.g, None)
            if span is not None:
                out.append(
                    {
                        "ph": "X",
                        "pid": 1,
                        "tid": ev.g,
                        "ts": span[0],
                        "dur": max(ts - span[0], 0.0),
                        "name": span[1],
                        "cat": "state",
                    }
                )
        out.append(
            {
                "ph": "i",
                "s": "t",
                "pid": 1,
                "tid": lane,
                "ts": ts,
                "name": ev.kind.value if not ev.obj_name else f"{ev.kind.value} {ev.obj_name}",
                "cat": ev.kind.value.split(".")[0],
                "args": {"seq": ev.seq, "value": ev.value, "obj": ev.obj, "extra": list(ev.extra)},
            }
        )
    for g, (start, label) in open_span.items():
        out.append(
            {
                "ph": "X",
                "pid": 1,
                "tid": g,
                "ts": start,
                "dur": max(last_t - start, 0.0),
                "name": label,
                "cat": "state",
            }
        )
    meta = [{"ph": "M", "pid": 1, "name": "process_name", "args": {"name": "Goroutine Lab"}}]
    for g, n in sorted(names.items()):
        meta.append({"ph": "M", "pid": 1, "tid": g, "name": "thread_name", "args": {"name": n}})
    return {"traceEvents": meta + out, "displayTimeUnit": "ms"}


def write_chrome_trace(path: str | os.PathLike, events: Iterable[TraceEvent]) -> None:
    """Write the Chrome trace JSON atomically (temporary file, then rename)."""
    data = to_chrome_trace(events)
    atomic_write_text(path, json.dumps(data))


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write *text* to *path* so that a crash never leaves a half-written file."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
