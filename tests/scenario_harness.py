"""Play a lesson headless and check it: the harness every scenario test shares.

    run = play(CacheLesson, ttl=0.5)  # every action, 2 runtime s at speed 10, stopped
    assert_healthy(run)

    run = start(CacheLesson, ready=has_metrics)  # or drive it yourself...
    run.act("stampede").join(2.0)
    stop(run)  # ...and stop it: no thread may outlive it
    assert_clean(run)

Runs are ``core.scenarios.ScenarioRun``\\s (a :class:`LessonRun` also keeps the
goroutines of the actions it injected). Every wait is for a state with a
deadline (``helpers.wait_until``), never a sleep.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from helpers import wait_until

from core.runtime import Goroutine, StopReport
from core.scenarios import Scenario, ScenarioRun
from core.trace import Kind

__all__ = [
    "SEED",
    "SPEED",
    "LessonRun",
    "assert_clean",
    "assert_healthy",
    "assert_metrics_published",
    "assert_nothing_left",
    "assert_refuses",
    "at",
    "has_metrics",
    "last",
    "metrics_published",
    "notes",
    "play",
    "spaced",
    "start",
    "stop",
]

SPEED = 10.0  # runtime seconds per wall second: 2 runtime seconds take 0.2 s
SEED = 7  # the runs' rng seed: a failure shows the same random choices again

Lesson = type[Scenario] | Scenario
Actions = Sequence[str] | Sequence[tuple[float, str]]


class LessonRun(ScenarioRun):
    """A ScenarioRun that keeps what a test checks after it: actions and threads.

    ``teachers`` are the goroutines of every action injected with :meth:`act`;
    ``threads_before`` the threads alive before the run existed (:func:`stop`
    checks that no other one outlives it).
    """

    def __init__(self, scenario: Scenario, **kwargs: Any) -> None:
        self.threads_before = set(threading.enumerate())
        super().__init__(scenario, **kwargs)
        self.teachers: list[Goroutine] = []

    def act(self, name: str, *args: object) -> Goroutine:
        g = super().act(name, *args)
        self.teachers.append(g)
        return g


def has_metrics(scenario: Scenario) -> bool:
    """A *ready* predicate: the scenario has recorded a metric (so its run() is under way)."""
    return scenario.recorder.version > 0


def metrics_published(scenario: Scenario) -> bool:
    """An *until* predicate: every metric the scenario declares has a sample."""
    return all(scenario.recorder.series(m.name)[1] for m in scenario.metrics)


def _make(lesson: Lesson, params: dict[str, Any]) -> Scenario:
    if isinstance(lesson, Scenario):
        assert not params, "parameters go to the class, not to a scenario already made"
        return lesson
    return lesson(**params)


def start(
    lesson: Lesson,
    *,
    speed: float = SPEED,
    seed: int | None = SEED,
    ready: Callable[[Any], object] | None = None,
    **params: Any,
) -> LessonRun:
    """Start *lesson* (a Scenario class, made with *params*, or a scenario) in its own run.

    Returns at once, or, with *ready*, once ``ready(scenario)`` is true
    (AssertionError after 5 s). The caller stops the run (:func:`stop`).
    """
    run = LessonRun(_make(lesson, params), speed=speed, seed=seed)
    run.start()
    if ready is not None:
        try:
            wait_until(lambda: ready(run.scenario), message=f"{run.scenario.id} never got ready")
        except BaseException:
            run.stop(2.0)
            raise
    return run


def at(run: ScenarioRun, t: float) -> None:
    """Wait until the run's clock reads runtime second *t* (AssertionError after 5 s)."""
    wait_until(lambda: run.runtime.clock.now() >= t, message=f"runtime clock never reached {t}")


def stop(run: LessonRun, timeout: float = 2.0) -> StopReport:
    """Stop *run* (idempotent) and check that no thread it started is still alive (1 s)."""
    report = run.stop(timeout)
    wait_until(
        lambda: not [t for t in threading.enumerate() if t not in run.threads_before],
        timeout=1.0,
        message="a thread outlived the run's stop",
    )
    return report


def _schedule(scenario: Scenario, actions: Actions | None, duration: float) -> list:
    """(runtime time, action name) pairs, in time order."""
    if actions is None:
        actions = [a.name for a in scenario.actions]
    if all(isinstance(a, str) for a in actions):
        n = len(actions)
        return [(duration * k / (n + 1), name) for k, name in enumerate(actions, 1)]
    return sorted(actions)


def play(
    lesson: Lesson,
    duration: float = 2.0,
    speed: float = SPEED,
    actions: Actions | None = None,
    *,
    seed: int | None = SEED,
    ready: Callable[[Any], object] | None = None,
    until: Callable[[Any], object] | None = None,
    stop_timeout: float = 2.0,
    **params: Any,
) -> LessonRun:
    """Play *lesson* for *duration* runtime seconds, injecting *actions*; returns the stopped run.

    *actions*: None injects every declared action once, in order; names
    are spread evenly (the k-th of n at ``duration * k / (n + 1)``);
    ``(time, name)`` pairs are injected at those runtime times. With
    *ready*, the first action waits for ``ready(scenario)``; with *until*,
    the stop waits for ``until(scenario)`` too (on a loaded machine a
    goroutine may lag the clock). At the end the actions get 2 s (wall)
    each to finish, then the run is stopped with *stop_timeout* and checked
    to leave no thread behind. Blocks about ``duration / speed`` wall
    seconds. AssertionError if a wait passes its 5 s deadline.
    """
    run = start(lesson, speed=speed, seed=seed, ready=ready, **params)
    try:
        for t, name in _schedule(run.scenario, actions, duration):
            at(run, t)
            run.act(name)
        at(run, duration)
        if until is not None:
            wait_until(lambda: until(run.scenario), message=f"{run.scenario.id}: {until.__name__}")
        for g in run.teachers:
            g.join(2.0)  # one still running shows up in the stop report
    finally:
        stop(run, stop_timeout)
    return run


def spaced(names: Sequence[str], first: float = 0.2, gap: float = 0.25) -> list[tuple[float, str]]:
    """*names* as ``play`` actions, one after another: from runtime second *first*, *gap* apart."""
    return [(first + gap * k, name) for k, name in enumerate(names)]


def notes(run: ScenarioRun) -> list[str]:
    """What the run told the learner (its NOTE events), in order."""
    return [e.value for e in run.tracer.events() if e.kind is Kind.NOTE]


def last(run: ScenarioRun, metric: str) -> float:
    """The latest sample of *metric*, 0 before the first."""
    return run.scenario.recorder.last(metric) or 0


def assert_metrics_published(run: ScenarioRun) -> None:
    """Every metric the scenario declares has at least one sample."""
    for m in run.scenario.metrics:
        assert run.scenario.recorder.series(m.name)[1], f"metric {m.name} has no sample"


def assert_nothing_left(run: ScenarioRun) -> None:
    """The stopped run left no goroutine: all ended, or were unwound and joined by stop."""
    assert run.report is not None, "stop the run first"
    assert run.report.alive == [], run.report.alive
    assert run.runtime.goroutines() == []


def assert_clean(run: LessonRun) -> None:
    """The stopped run raised nothing and left nothing behind.

    run() raised nothing, no goroutine panicked, the runtime saw no
    deadlock, every action injected finished without a panic, and nothing
    leaked: the stop report is clean.
    """
    assert_nothing_left(run)
    assert run.error is None, run.error
    assert run.runtime.panics == [], run.runtime.panics
    assert run.runtime.deadlock is None, run.runtime.deadlock.text
    for g in run.teachers:
        assert not g.alive and g.panic is None, f"{g.name}: {g.panic}"
    assert run.report.clean, run.report


def assert_healthy(run: LessonRun) -> None:
    """:func:`assert_clean`, and every metric the scenario declares has samples."""
    assert_clean(run)
    assert_metrics_published(run)


def assert_refuses(cls: type[Scenario], name: str, value: Any) -> None:
    """``cls(name=value)`` raises ValueError naming the parameter *name*."""
    with pytest.raises(ValueError, match=rf"\bparameter {re.escape(name)}\b"):
        cls(**{name: value})
