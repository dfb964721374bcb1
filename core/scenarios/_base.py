"""What a lesson declares: parameters, teacher actions, metrics, and ``run(ctx)``.

A :class:`Scenario` subclass is one runnable lesson. It is Qt-free: the
window, the tests and ``main.py --headless`` all drive it the same way,
through :class:`core.scenarios.ScenarioRun`.
"""

from __future__ import annotations

import math
import random
import threading
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from core import runtime
from core.runtime import Recv, Ticker, context, select
from core.scenarios._pacing import Pause
from core.trace import Kind

__all__ = [
    "CHAPTERS",
    "Action",
    "Metric",
    "MetricsRecorder",
    "Param",
    "Scenario",
    "variant_param",
]

# The catalogue's chapters, in teaching order.
CHAPTERS: tuple[str, ...] = (
    "Shared state",
    "Messages",
    "Cancellation",
    "Applied counters",
    "Broadcast",
    "Aggregation",
    "Worker pool",
    "Production patterns",
    "Pitfalls",
)


@dataclass(frozen=True)
class Param:
    """A typed, bounded parameter of a scenario.

    ``kind`` is ``int``, ``float``, ``bool`` or ``str`` (a choice among
    ``choices``). ``unit`` is shown beside the widget ("ms", "items/s").
    """

    name: str
    kind: type
    default: Any
    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    unit: str = ""
    label: str = ""

    def __post_init__(self) -> None:
        if self.kind not in (int, float, bool, str):
            raise TypeError(f"parameter {self.name}: unsupported kind {self.kind!r}")
        if self.kind is str and not self.choices:
            raise TypeError(f"parameter {self.name}: a str parameter needs choices")
        self.validate(self.default)

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def validate(self, value: Any) -> Any:
        """Return *value* converted to the parameter's kind.

        Raises:
            ValueError: naming the parameter and its allowed range.
        """
        if self.kind is bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
                return value.lower() in ("true", "1", "yes")
            raise ValueError(f"parameter {self.name} must be true or false, got {value!r}")
        if self.kind is str:
            if value in self.choices:
                return value
            raise ValueError(
                f"parameter {self.name} must be one of {', '.join(self.choices)}, got {value!r}"
            )
        try:
            if isinstance(value, bool):
                raise TypeError
            v = self.kind(value)
            if self.kind is int and isinstance(value, float) and not value.is_integer():
                raise TypeError
            if isinstance(v, float) and not math.isfinite(v):
                raise TypeError
        except (TypeError, ValueError):
            raise ValueError(
                f"parameter {self.name} must be {'an integer' if self.kind is int else 'a number'}"
                f" from {self.minimum} to {self.maximum}, got {value!r}"
            ) from None
        if (self.minimum is not None and v < self.minimum) or (
            self.maximum is not None and v > self.maximum
        ):
            raise ValueError(
                f"parameter {self.name} must be from {self._fmt(self.minimum)} to "
                f"{self._fmt(self.maximum)}{(' ' + self.unit) if self.unit else ''}, got {value!r}"
            )
        return v

    def _fmt(self, x: float | None) -> str:
        if x is None:
            return "-inf"
        return str(int(x)) if self.kind is int else f"{x:g}"


def variant_param(help: str) -> Param:
    """The "variant" parameter of a lesson that shows a classic mistake.

    "correct" (the default) plays the right code, "broken" the mistake;
    *help* says what each one does. Read it with ``Scenario.broken``.
    """
    return Param("variant", str, "correct", help, choices=("correct", "broken"))


@dataclass(frozen=True)
class Action:
    """Something a teacher can inject while the scenario runs."""

    name: str
    label: str
    help: str


@dataclass(frozen=True)
class Metric:
    """A named time series the scenario publishes, with its unit and meaning."""

    name: str
    unit: str
    help: str
    label: str = ""

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ")


@dataclass
class _Series:
    t: list[float] = field(default_factory=list)
    v: list[float] = field(default_factory=list)


class MetricsRecorder:
    """Thread-safe, bounded store of metric samples (runtime time, value).

    Any goroutine records; readers (the plots, the summary) copy. Each series
    keeps at most ``limit`` samples, the oldest dropped first.
    """

    def __init__(self, names: tuple[str, ...] = (), limit: int = 20_000) -> None:
        self._lock = threading.Lock()
        self._series: dict[str, _Series] = {n: _Series() for n in names}
        self._limit = limit
        self.version = 0  # bumps on every record; readers compare to skip work

    def record(self, name: str, t: float, value: float) -> None:
        with self._lock:
            s = self._series.get(name)
            if s is None:
                s = self._series[name] = _Series()
            s.t.append(t)
            s.v.append(float(value))
            if len(s.t) > self._limit:
                del s.t[: len(s.t) - self._limit]
                del s.v[: len(s.v) - self._limit]
            self.version += 1

    def names(self) -> list[str]:
        with self._lock:
            return list(self._series)

    def series(self, name: str, since: float | None = None) -> tuple[list[float], list[float]]:
        """Copies of the samples of *name* (optionally those after time *since*)."""
        with self._lock:
            s = self._series.get(name)
            if s is None:
                return [], []
            i = 0 if since is None else bisect_right(s.t, since)
            return s.t[i:], s.v[i:]

    def last(self, name: str, default: float | None = None) -> float | None:
        with self._lock:
            s = self._series.get(name)
            return s.v[-1] if s and s.v else default

    def snapshot(self) -> dict[str, tuple[list[float], list[float]]]:
        with self._lock:
            return {n: (list(s.t), list(s.v)) for n, s in self._series.items()}


def _named(items: tuple[Any, ...], name: str) -> Any:
    for item in items:
        if item.name == name:
            return item
    raise KeyError(name)


class Scenario:
    """One lesson: a pattern run at a human pace inside its own Runtime.

    Subclasses declare the class attributes and implement :meth:`run` and
    the ``on_<action>`` handlers. ``run(ctx)`` is called in a goroutine of
    the scenario's runtime and returns when *ctx* is done (or the story is
    over). Action handlers each run in their own goroutine ("teacher"), so
    they may block.

    What every lesson needs to keep a human pace is here, so that a lesson
    module reads as its story: :meth:`nap` (a sleep the end of the lesson
    cuts short), :meth:`paced` (a client's loop at so many requests a
    second), :meth:`ticks` (a metric sampler's loop), :meth:`crew` (N
    goroutines and their WaitGroup), :meth:`started` (may the actions run
    yet?), :meth:`record_many`; more in ``core.scenarios._pacing``
    (``Pause``, ``Rates``, ``try_send``). Scenarios draw every random
    number from :attr:`rng`, never from the global ``random`` module, so that
    a run's seed (``main.py --headless --seed``, ``ScenarioRun(seed=...)``)
    repeats its choices, as far as the threads' interleaving allows.
    """

    id: ClassVar[str]
    title: ClassVar[str]
    chapter: ClassVar[str]
    summary: ClassVar[str]
    params: ClassVar[tuple[Param, ...]] = ()
    actions: ClassVar[tuple[Action, ...]] = ()
    # Actions that take arguments (the chat panel's "join-as" a name): called by a
    # panel through the player, never shown as buttons nor injected at random.
    arg_actions: ClassVar[tuple[Action, ...]] = ()
    metrics: ClassVar[tuple[Metric, ...]] = ()
    # Modules whose source the Code tab shows (the pattern, then the scenario).
    source_modules: ClassVar[tuple[str, ...]] = ()
    # fnmatch patterns of goroutine and object names that are machinery, not the
    # lesson (the stage hides them unless View > Show plumbing is on), added to the
    # window's defaults (metric samplers, pacing timers, the root context).
    plumbing: ClassVar[tuple[str, ...]] = ()
    # The picture's columns, left to right, as the walkthrough draws the pattern
    # (producers | queue | workers | results): each lane a tuple of fnmatch patterns
    # of goroutine and channel names; a name in several lanes goes to the one whose
    # matching pattern is longest. Names in no lane go where the flow puts them.
    lanes: ClassVar[tuple[tuple[str, ...], ...]] = ()

    @property
    def panic_ends_program(self) -> bool:
        """Whether an unrecovered panic ends this lesson's whole program, as in Go
        (most lessons let only the goroutine die, to keep the story running)."""
        return False

    def __init__(self, **values: Any) -> None:
        known = {p.name: p for p in self.params}
        for name in values:
            if name not in known:
                raise ValueError(
                    f"{self.id} has no parameter {name!r}; it has: {', '.join(known) or 'none'}"
                )
        self.values: dict[str, Any] = {
            p.name: p.validate(values.get(p.name, p.default)) for p in self.params
        }
        self.recorder = MetricsRecorder(tuple(m.name for m in self.metrics))
        self.runtime: runtime.Runtime | None = None
        # Set by run() once everything the actions use exists (see started()).
        self.ctx: context.Context | None = None
        self._on_finish: list[Callable[[], None]] = []

    # -- declared data -----------------------------------------------------

    @classmethod
    def param(cls, name: str) -> Param:
        """The declared parameter *name*; ``KeyError`` if there is none."""
        return _named(cls.params, name)

    @classmethod
    def action(cls, name: str) -> Action:
        """The declared action *name* (a button's or one taking arguments);
        ``KeyError`` if there is none."""
        return _named(cls.actions + cls.arg_actions, name)

    def __getitem__(self, name: str) -> Any:
        """The value of parameter *name*."""
        return self.values[name]

    @property
    def broken(self) -> bool:
        """Whether the lesson plays its mistake: its "variant" parameter is "broken"."""
        return self.values.get("variant") == "broken"

    # -- running -----------------------------------------------------------

    def run(self, ctx: context.Context) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def act(self, name: str, *args: Any) -> runtime.Goroutine:
        """Inject action *name*: ``on_<name>(*args)`` runs in a new goroutine at once.

        A button's action takes no argument; one of :attr:`arg_actions` takes
        the arguments its handler declares.

        Raises:
            KeyError: the scenario declares no such action.
            TypeError: arguments given to a button's action, or none to one
                that takes them.
            RuntimeError: the scenario is not running.
        """
        action = self.action(name)
        if (action in self.arg_actions) != bool(args):
            wants = "arguments" if action in self.arg_actions else "no argument"
            raise TypeError(f"action {name!r} takes {wants}")
        if self.runtime is None:
            raise RuntimeError(f"{self.id} is not running")
        handler = getattr(self, f"on_{name.replace('-', '_')}")
        return self.runtime.go(handler, *args, name=f"teacher:{name}")

    @property
    def rng(self) -> random.Random:
        """The lesson's random numbers: its runtime's ``rng``, seeded by ScenarioRun's seed.

        Draw every random choice from it (``self.rng.uniform(0.5, 1.5)``),
        never from the global ``random`` module. Shared by the lesson's
        goroutines (each draw is atomic), so a seed repeats a run's choices
        as far as the order in which the threads draw allows.

        Raises:
            RuntimeError: the scenario is not running (no runtime yet).
        """
        if self.runtime is None:
            raise RuntimeError(f"{self.id} is not running")
        return self.runtime.rng

    def started(self) -> bool:
        """Whether the actions may run: run() has set ``self.ctx``.

        run() sets ``self.ctx`` once everything the handlers use exists; a
        handler injected before that (a quick teacher) calls this first and
        returns at once when it is False, after telling the learner so.
        Never blocks.
        """
        if self.ctx is None:
            self.note("The lesson has not started yet.")
            return False
        return True

    def record(self, name: str, value: float) -> None:
        """Publish one sample of metric *name* at the runtime clock's time."""
        self.recorder.record(name, runtime.now(), value)

    def record_many(self, **values: float) -> None:
        """Publish one sample of each metric named, all at the same runtime time."""
        t = runtime.now()
        for name, value in values.items():
            self.recorder.record(name, t, value)

    def crew(self, count: int, fn: Callable[..., Any], *args: Any, name: str) -> runtime.WaitGroup:
        """Start *count* goroutines running ``fn(*args)``, named "<name>-1" to "<name>-<count>".

        Never blocks. Returns their WaitGroup (named "<name>s"), whose
        ``wait()`` blocks until every one of them has returned.

        Go::

            var wg sync.WaitGroup
            for k := 1; k <= count; k++ {
                wg.Go(func() { fn(args...) })
            }
        """
        wg = runtime.WaitGroup(name=f"{name}s")
        for k in range(1, count + 1):
            wg.go(fn, *args, name=f"{name}-{k}")
        return wg

    # -- pacing (every wait is on the runtime clock and ends with ctx) -----

    def nap(self, ctx: context.Context, seconds: float, *, name: str = "nap") -> bool:
        """Sleep *seconds* on the runtime clock, or less if *ctx* ends first.

        Blocks the calling goroutine in a select on ``ctx.done()`` and a
        Timer named *name*, stopped on the way out (nothing is left pending).
        Returns True when the time passed with *ctx* still live, False once
        *ctx* is done: the caller should return. Never raises (compare
        ``core.patterns.backoff.sleep_ctx``, which raises ``ctx.err()``).

        Go: ``t := time.NewTimer(d); defer t.Stop()``, then ``select { case
        <-ctx.Done(): return false; case <-t.C: return true }``.
        """
        with Pause(ctx, name) as pause:
            return pause.wait(seconds)

    def paced(self, ctx: context.Context, rate: float, *, name: str = "pace") -> Iterator[None]:
        """Loop about *rate* times per runtime second until *ctx* is done: ``for _ in ...``.

        Each step blocks the calling goroutine on one reusable Timer (a
        :class:`~core.scenarios._pacing.Pause` named *name*): the first
        after a random phase of 0 to one period, so that clients started
        together do not tick together, each later one after a period times
        0.5 to 1.5 (drawn from :attr:`rng`). The loop ends when *ctx* is
        done; the timer is stopped however it ends (a ``break`` closes the
        generator, and with it the timer).

        Go: a ``time.NewTimer(phase)``, then ``for { select { case
        <-ctx.Done(): return; case <-t.C: }; request(); t.Reset(jittered) }``.
        """
        period = 1.0 / rate
        with Pause(ctx, name) as pause:
            delay = self.rng.uniform(0, period)
            while pause.wait(delay):
                yield
                delay = period * self.rng.uniform(0.5, 1.5)

    def ticks(self, ctx: context.Context, every: float, *, name: str = "meter") -> Iterator[float]:
        """Loop every *every* runtime seconds until *ctx* is done, yielding the runtime time.

        A metric sampler's loop: blocks the calling goroutine on one Ticker
        named *name*, stopped however the loop ends. A tick the loop was too
        slow for is dropped, as Go's Ticker drops it.

        Go: a ``time.NewTicker(every)``, then ``for { select { case
        <-ctx.Done(): return; case now := <-t.C: sample(now) } }``.
        """
        ticker = Ticker(every, name=name)
        try:
            while select(Recv(ctx.done()), Recv(ticker.c))[0] == 1:
                yield runtime.now()
        finally:
            ticker.stop()

    def note(self, text: str) -> None:
        """Tell the learner something (a NOTE event: banner and event log)."""
        rt = self.runtime
        if rt is not None and rt.tracer is not None:
            g = runtime.current()
            rt.tracer.emit(Kind.NOTE, g=g.id if g else 0, value=text)

    def summary_lines(self) -> list[str]:
        """A readable summary of the metrics, for the headless runner."""
        lines = []
        for m in self.metrics:
            _, v = self.recorder.series(m.name)
            if not v:
                lines.append(f"{m.title:<28} (no samples)")
                continue
            lines.append(
                f"{m.title:<28} last {v[-1]:>10.4g} {m.unit:<10} "
                f"min {min(v):.4g}  max {max(v):.4g}  samples {len(v)}"
            )
        return lines
