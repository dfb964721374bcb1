"""Record a run and replay it: parameters, seed, teacher actions, the event log.

Replay here means *replaying the recorded event log exactly*, not running
the scenario again. The runtime is real threads scheduled by the operating
system: the same scenario, parameters and seed interleave differently on
every run (the seed fixes select's random picks and the scenario's own
random numbers, not the thread schedule). So a :class:`Recording` keeps
every event, and :class:`Replay` hands them back in the recorded order,
up to any moment, forwards or backwards: feeding them to the same reducer
as a live run rebuilds what the stage showed at that moment.

The file is JSON (``to_json``/``from_json``, ``save``/``load``), written
atomically. Reading is strict: anything malformed, too large or of another
format version is a ``ValueError`` saying what is wrong.
"""

from __future__ import annotations

import bisect
import json
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from core.persist import FileFormatError, parse_json, read_json_file
from core.trace import Kind, TraceEvent, atomic_write_text

__all__ = [
    "FORMAT",
    "MAX_BYTES",
    "MAX_EVENTS",
    "VERSION",
    "Recording",
    "Replay",
    "record",
]

FORMAT = "goroutine-lab-recording"
VERSION = 1
MAX_EVENTS = 1_000_000
MAX_ACTIONS = 100_000
MAX_PARAMS = 200
MAX_BYTES = 128 * 1024 * 1024  # a file larger than this is refused before it is read
MAX_TEXT = 10_000  # longest name, value or parameter string accepted
MAX_EXTRA_DEPTH = 6  # a pattern's state: (pattern, what, ((field, ((key, t), ...)), ...))

_KINDS = {k.value: k for k in Kind}
_KEYS = {"format", "version", "scenario", "params", "seed", "speed", "actions", "events"}
_KEYS_OPTIONAL = {"dropped"}


@dataclass
class Recording:
    """One run: what was played, how, what the teacher did, and every event.

    ``actions`` are ``(runtime time, action name)`` in the order injected;
    ``events`` are in trace order (strictly increasing ``seq``);
    ``dropped`` counts events the tracer's ring had already overwritten
    when the run was recorded (the log then starts later than the run).
    ``seed`` is None when the run was not seeded.
    """

    scenario: str
    params: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    speed: float = 1.0
    actions: list[tuple[float, str]] = field(default_factory=list)
    events: list[TraceEvent] = field(default_factory=list)
    dropped: int = 0
    version: int = VERSION

    # -- JSON ---------------------------------------------------------------

    def to_json(self) -> str:
        """The recording as JSON; each event is ``[seq, t, kind, g, obj, name, value, extra]``.

        Raises:
            ValueError: a value JSON cannot carry (a NaN time, an object in ``extra``).
        """
        doc = {
            "format": FORMAT,
            "version": self.version,
            "scenario": self.scenario,
            "params": self.params,
            "seed": self.seed,
            "speed": self.speed,
            "actions": [[t, name] for t, name in self.actions],
            "events": [
                [e.seq, e.t, e.kind.value, e.g, e.obj, e.obj_name, e.value, list(e.extra)]
                for e in self.events
            ],
            "dropped": self.dropped,
        }
        try:
            return json.dumps(doc, allow_nan=False, separators=(",", ":"))
        except TypeError as exc:
            raise ValueError(f"recording cannot be written as JSON: {exc}") from None

    @classmethod
    def from_json(cls, text: str) -> Recording:
        """Read a recording written by :meth:`to_json`.

        Raises:
            ValueError: not JSON, not a recording, another version, too large,
                or any field of the wrong type or out of range (the message
                names it).
        """
        if not isinstance(text, str):
            raise ValueError("a recording is JSON text")
        if len(text) > MAX_BYTES:
            raise ValueError(f"recording too large: {len(text)} characters > {MAX_BYTES}")
        return cls._from_doc(parse_json(text, "not a recording"))

    @classmethod
    def _from_doc(cls, doc: Any) -> Recording:
        if not isinstance(doc, dict):
            raise ValueError("not a recording: the JSON is not an object")
        if doc.get("format") != FORMAT:
            raise ValueError(f"not a recording: format is {doc.get('format')!r}, not {FORMAT!r}")
        version = doc.get("version")
        if version != VERSION or isinstance(version, bool):
            raise ValueError(
                f"recording format version {version!r} is not supported (this reads {VERSION})"
            )
        missing = _KEYS - set(doc)
        if missing:
            raise ValueError(f"recording lacks {', '.join(sorted(missing))}")
        unknown = set(doc) - _KEYS - _KEYS_OPTIONAL
        if unknown:
            raise ValueError(f"recording has unknown fields: {', '.join(sorted(unknown))}")
        return cls(
            scenario=_text(doc["scenario"], "scenario", empty=False),
            params=_params(doc["params"]),
            seed=_seed(doc["seed"]),
            speed=_number(doc["speed"], "speed", positive=True),
            actions=_actions(doc["actions"]),
            events=_events(doc["events"]),
            dropped=_count(doc.get("dropped", 0), "dropped"),
            version=VERSION,
        )

    # -- files --------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> None:
        """Write the recording to *path* atomically (a crash never leaves half a file)."""
        atomic_write_text(path, self.to_json())

    @classmethod
    def load(cls, path: str | os.PathLike) -> Recording:
        """Read a recording from *path*.

        Raises:
            OSError: the file cannot be read.
            FileFormatError: (a ``ValueError``) it is too large or not a valid
                recording; the message names the file and what is wrong.
        """
        doc = read_json_file(path, MAX_BYTES)
        try:
            return cls._from_doc(doc)
        except ValueError as exc:
            raise FileFormatError(f"{os.fspath(path)}: {exc}") from None


# -- validation -------------------------------------------------------------------


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _text(x: Any, what: str, empty: bool = True) -> str:
    if not isinstance(x, str):
        raise ValueError(f"{what} must be a string, got {type(x).__name__}")
    if len(x) > MAX_TEXT:
        raise ValueError(f"{what} is too long ({len(x)} characters > {MAX_TEXT})")
    if not empty and not x:
        raise ValueError(f"{what} must not be empty")
    return x


def _number(x: Any, what: str, positive: bool = False) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        raise ValueError(f"{what} must be a finite number, got {x!r}")
    if positive and x <= 0:
        raise ValueError(f"{what} must be > 0, got {x!r}")
    return float(x)


def _count(x: Any, what: str) -> int:
    if not _is_int(x) or x < 0:
        raise ValueError(f"{what} must be an integer >= 0, got {x!r}")
    return x


def _seed(x: Any) -> int | None:
    if x is None or _is_int(x):
        return x
    raise ValueError(f"seed must be an integer or null, got {x!r}")


def _params(x: Any) -> dict[str, Any]:
    if not isinstance(x, dict):
        raise ValueError("params must be an object")
    if len(x) > MAX_PARAMS:
        raise ValueError(f"too many params ({len(x)} > {MAX_PARAMS})")
    out: dict[str, Any] = {}
    for k, v in x.items():
        _text(k, "a parameter name", empty=False)
        if isinstance(v, str):
            _text(v, f"parameter {k}")
        elif isinstance(v, float) and not math.isfinite(v):
            raise ValueError(f"parameter {k} must be finite")
        elif not isinstance(v, (bool, int, float)):
            raise ValueError(
                f"parameter {k} must be a number, a bool or a string, got {type(v).__name__}"
            )
        out[k] = v
    return out


def _actions(x: Any) -> list[tuple[float, str]]:
    if not isinstance(x, list):
        raise ValueError("actions must be a list")
    if len(x) > MAX_ACTIONS:
        raise ValueError(f"too many actions ({len(x)} > {MAX_ACTIONS})")
    out = []
    for i, a in enumerate(x):
        if not isinstance(a, list) or len(a) != 2:
            raise ValueError(f"action {i} must be [time, name]")
        out.append((_number(a[0], f"action {i} time"), _text(a[1], f"action {i} name", False)))
    return out


def _events(x: Any) -> list[TraceEvent]:
    if not isinstance(x, list):
        raise ValueError("events must be a list")
    if len(x) > MAX_EVENTS:
        raise ValueError(f"too many events ({len(x)} > {MAX_EVENTS})")
    out: list[TraceEvent] = []
    last = 0
    for i, e in enumerate(x):
        if not isinstance(e, list) or len(e) != 8:
            raise ValueError(f"event {i} must be [seq, t, kind, g, obj, name, value, extra]")
        seq, t, kind, g, obj, name, value, extra = e
        if not _is_int(seq) or seq <= last:
            raise ValueError(f"event {i}: seq must be an integer above {last}, got {seq!r}")
        last = seq
        k = _KINDS.get(kind) if isinstance(kind, str) else None
        if k is None:
            raise ValueError(f"event {i}: unknown kind {kind!r}")
        if not _is_int(g) or not _is_int(obj):
            raise ValueError(f"event {i}: g and obj must be integers")
        if not isinstance(extra, list):
            raise ValueError(f"event {i}: extra must be a list")
        out.append(
            TraceEvent(
                seq=seq,
                t=_number(t, f"event {i} time"),
                kind=k,
                g=g,
                obj=obj,
                obj_name=_text(name, f"event {i} name"),
                value=_text(value, f"event {i} value"),
                extra=_extra(extra, i, 1),
            )
        )
    return out


def _extra(x: list, i: int, depth: int) -> tuple:
    if depth > MAX_EXTRA_DEPTH:
        raise ValueError(f"event {i}: extra is nested too deeply")
    out: list[tuple[Any, ...] | int | float | str | None] = []
    for v in x:
        if isinstance(v, list):
            out.append(_extra(v, i, depth + 1))
        elif v is None or isinstance(v, (bool, int)):
            out.append(v)
        elif isinstance(v, float):
            out.append(_number(v, f"event {i} extra"))
        elif isinstance(v, str):
            out.append(_text(v, f"event {i} extra"))
        else:
            raise ValueError(f"event {i}: unexpected {type(v).__name__} in extra")
    return tuple(out)


# -- replay -------------------------------------------------------------------------


class Replay:
    """Plays a recording's events back, up to any runtime time, forwards or backwards.

    Event times are runtime-clock times; threads stamp them as they emit,
    so two events close together may carry times slightly out of ``seq``
    order. "The events until t" is therefore the longest prefix of the log
    (in ``seq`` order) whose times are all at most t: always a prefix, so
    a reducer fed with it sees a state the run really went through.
    Not thread-safe: the GUI thread owns it.
    """

    def __init__(self, recording: Recording) -> None:
        self.recording = recording
        self.events = recording.events
        # _reach[i] = the largest time among events[:i + 1] (non-decreasing).
        self._reach: list[float] = []
        top = -math.inf
        for e in self.events:
            top = max(top, e.t)
            self._reach.append(top)
        self._cursor = 0  # events[:_cursor] have been handed out
        self._position = -math.inf  # nothing handed out yet

    @property
    def duration(self) -> float:
        """The time of the last event (runtime seconds); 0.0 for an empty recording."""
        return self._reach[-1] if self._reach else 0.0

    @property
    def position(self) -> float:
        """The time the replay has reached (-inf before the first call)."""
        return self._position

    def _index(self, t: float) -> int:
        return bisect.bisect_right(self._reach, t)

    def events_until(self, t: float) -> list[TraceEvent]:
        """The events after the current position up to time *t*; moves the position to *t*.

        Playing forward: call it on every tick with the new time. A *t*
        before the current position returns nothing and does not move
        (going back is :meth:`seek`).
        """
        if t < self._position:
            return []
        end = self._index(t)
        out = self.events[self._cursor : end]
        self._cursor = max(self._cursor, end)
        self._position = t
        return out

    def seek(self, t: float) -> list[TraceEvent]:
        """Jump to time *t*: every event from the start up to *t*, to rebuild the state.

        The caller resets its reducer and feeds it this list; later calls of
        :meth:`events_until` continue from *t*.
        """
        end = self._index(t)
        self._cursor = end
        self._position = t
        return self.events[:end]

    def actions_until(self, t: float) -> list[tuple[float, str]]:
        """The teacher's actions up to time *t*."""
        return [a for a in self.recording.actions if a[0] <= t]


# -- recording a run -----------------------------------------------------------------


class _RunLike(Protocol):
    """What :func:`record` reads of a ``core.scenarios.ScenarioRun`` (not imported here:
    core.teaching sits beside the scenarios, not above them)."""

    scenario: Any
    seed: int | None
    runtime: Any
    tracer: Any


def record(run: _RunLike, events: Iterable[TraceEvent] | None = None) -> Recording:
    """Capture a ScenarioRun: its scenario id, parameter values, seed, speed,
    the actions the teacher injected, and the event log.

    Actions are read from the trace: ``Scenario.act`` starts each handler as
    a goroutine named ``teacher:<action>``, so its ``GO_CREATE`` event gives
    the action and its runtime time. *events* defaults to every event in
    ``run.tracer``; ``dropped`` records how many the ring had already lost.
    ``speed`` is the clock's speed when recorded. Never blocks; call it
    after ``run.stop()`` for the whole run, or any time for the run so far.

    Raises:
        ValueError: the run has no tracer and no *events* were given.
    """
    tracer = run.tracer
    if events is None:
        if tracer is None:
            raise ValueError("record() needs the run's events: the run has no tracer")
        events = tracer.events()
    events = list(events)
    actions = [
        (e.t, e.obj_name[len("teacher:") :])
        for e in events
        if e.kind is Kind.GO_CREATE and e.obj_name.startswith("teacher:")
    ]
    scenario = run.scenario
    return Recording(
        scenario=scenario.id,
        params=dict(scenario.values),
        seed=run.seed,
        speed=float(run.runtime.clock.speed),
        actions=actions,
        events=events,
        dropped=tracer.dropped if tracer is not None else 0,
    )
