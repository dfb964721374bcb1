"""Lessons "parallel-waitgroup" and "parallel-channels": params, clean runs, the broken leak."""

from __future__ import annotations

import pytest
from helpers import wait_until

from core.scenarios import ScenarioRun
from core.scenarios.parallel import ParallelChannels, ParallelWaitGroup
from core.trace import Kind

LESSONS = [ParallelWaitGroup, ParallelChannels]


def play(scenario, actions=(), until: float = 2.0) -> tuple[ScenarioRun, object]:
    """Run *scenario* at 10x until runtime second *until*, injecting *actions* on the way."""
    run = ScenarioRun(scenario, speed=10, seed=7)
    run.start()
    try:
        wait_until(lambda: run.scenario.recorder.version > 0)
        for k, name in enumerate(actions):
            wait_until(lambda k=k: run.runtime.clock.now() >= 0.3 + 0.4 * k)
            run.act(name)
        wait_until(lambda: run.runtime.clock.now() >= until)
    finally:
        report = run.stop(1.0)
    return run, report


@pytest.mark.parametrize(
    ("cls", "param"),
    [(cls, p) for cls in LESSONS for p in cls.params],
    ids=lambda x: getattr(x, "id", None) or getattr(x, "name", ""),
)
def test_out_of_range_param_is_refused_with_its_name(cls, param):
    bad = "nope" if param.kind is str else param.maximum + 1
    with pytest.raises(ValueError, match=param.name):
        cls(**{param.name: bad})


@pytest.mark.parametrize("cls", LESSONS, ids=lambda c: c.id)
def test_unknown_param_is_refused_with_its_name(cls):
    with pytest.raises(ValueError, match="colour"):
        cls(colour="red")


@pytest.mark.parametrize("cls", LESSONS, ids=lambda c: c.id)
def test_headless_run_with_every_action_is_clean(cls):
    run, report = play(cls(work_time=100), [a.name for a in cls.actions])
    assert report.clean, report
    assert run.runtime.panics == []
    assert run.error is None
    for m in cls.metrics:
        assert run.scenario.recorder.series(m.name)[1], f"metric {m.name} has no sample"


@pytest.mark.parametrize("cls", LESSONS, ids=lambda c: c.id)
def test_in_flight_never_exceeds_workers(cls):
    run, _ = play(cls(workers=3, items=20, work_time=50))
    in_flight = run.scenario.recorder.series("in_flight")[1]
    assert max(in_flight) == 3


@pytest.mark.parametrize("cls", LESSONS, ids=lambda c: c.id)
def test_a_failing_item_fails_its_batch_and_the_lesson_goes_on(cls):
    run, report = play(cls(work_time=50), ["fail-item"])
    assert report.clean
    notes = [e.value for e in run.tracer.events() if e.kind is Kind.NOTE]
    assert any("failed (item" in n for n in notes), notes
    assert len(run.scenario.recorder.series("batch_time")[1]) >= 2


def test_broken_channels_variant_with_every_action_raises_nothing():
    run, _ = play(ParallelChannels(variant="broken", work_time=100), ["slow-item", "fail-item"])
    assert run.runtime.panics == []
    assert run.error is None


def test_broken_channels_variant_leaks_senders_after_a_failure():
    run, report = play(ParallelChannels(variant="broken", work_time=100), ["fail-item"])
    assert run.runtime.panics == []
    assert [line for line in report.leaked if "[chan send]: item-" in line], report
