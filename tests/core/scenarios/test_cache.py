"""Lesson "cache": parameters, a headless run with every action, the stampede in both variants."""

from __future__ import annotations

import pytest
from helpers import wait_until

from core.scenarios import ScenarioRun
from core.scenarios.cache import STAMPEDE, CacheLesson
from core.trace import Kind

SPEED = 10


def start(scenario: CacheLesson) -> ScenarioRun:
    run = ScenarioRun(scenario, speed=SPEED)
    run.start()
    wait_until(lambda: scenario.recorder.version > 0, message="no metric was recorded")
    return run


def notes(run: ScenarioRun) -> list[str]:
    return [e.value for e in run.tracer.events() if e.kind is Kind.NOTE]


def finish(run: ScenarioRun) -> None:
    report = run.stop(2.0)
    assert run.error is None
    assert run.runtime.panics == []
    assert run.runtime.deadlock is None
    assert report.clean, report


@pytest.mark.parametrize(
    ("name", "value"),
    [("clients", 0), ("ttl", 0), ("keys", 1), ("loader_delay", 10), ("variant", "fast")],
)
def test_bad_params_are_refused_naming_the_param(name, value):
    with pytest.raises(ValueError, match=name):
        CacheLesson(**{name: value})


def test_every_param_metric_and_action_explains_itself():
    for p in CacheLesson.params:
        assert p.help and (p.kind is str or p.unit)
    for m in CacheLesson.metrics:
        assert m.unit and m.help
    for a in CacheLesson.actions:
        assert a.label and a.help
        assert callable(getattr(CacheLesson, f"on_{a.name.replace('-', '_')}"))
    assert CacheLesson.source_modules == ("core.patterns.cache", "core.scenarios.cache")


def test_headless_run_with_every_action_records_metrics_and_stops_clean():
    s = CacheLesson()
    run = start(s)
    try:
        for a in CacheLesson.actions:
            assert run.act(a.name).join(2.0)
        wait_until(lambda: run.runtime.clock.now() >= 2.0)
    finally:
        finish(run)
    for m in CacheLesson.metrics:
        assert s.recorder.series(m.name)[1], f"no samples of {m.name}"


def test_stampede_makes_one_load_with_singleflight():
    run = start(CacheLesson())
    try:
        assert run.act("stampede").join(2.0)
    finally:
        finish(run)
    assert f"Stampede: {STAMPEDE} callers asked for stampede-1 at once: 1 load," in " ".join(
        notes(run)
    )


def test_broken_variant_stampede_makes_many_loads():
    run = start(CacheLesson(variant="broken"))
    try:
        assert run.act("stampede").join(2.0)
    finally:
        finish(run)
    said = [n for n in notes(run) if n.startswith("Stampede")]
    assert said and "loads of the same key" in said[0]
    assert any(n.startswith("BROKEN VARIANT") for n in notes(run))


def test_the_janitor_evicts_expired_entries_until_it_is_stopped():
    s = CacheLesson(ttl=0.2, janitor_interval=0.1, keys=4)
    run = start(s)
    clock = run.runtime.clock
    try:
        wait_until(lambda: (s.recorder.last("evictions") or 0) > 0, message="no eviction")
        assert run.act("stop-janitor").join(2.0)
        stopped_at = clock.now()
        # A sample taken well after the stop is the final count...
        wait_until(lambda: s.recorder.series("evictions")[0][-1] > stopped_at + 0.3)
        after_stop = s.recorder.last("evictions")
        # ...while entries keep expiring (ttl 0.2 s) for 1 s more: none is evicted.
        wait_until(lambda: clock.now() >= stopped_at + 1.3)
        assert s.recorder.last("evictions") == after_stop
    finally:
        finish(run)
