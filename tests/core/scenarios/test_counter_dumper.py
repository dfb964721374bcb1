"""Lesson "counter-dumper": bounded params, a clean run, and the leak of the broken dumper."""

from __future__ import annotations

import pytest
from helpers import wait_until

from core.scenarios import ScenarioRun
from core.scenarios.counter_dumper import CounterDumperLesson
from core.trace import Kind

ACTIONS = [a.name for a in CounterDumperLesson.actions]


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


@pytest.mark.parametrize("param", CounterDumperLesson.params, ids=lambda p: p.name)
def test_out_of_range_param_is_refused_with_its_name(param):
    bad = "nope" if param.kind is str else param.maximum + 1
    with pytest.raises(ValueError, match=param.name):
        CounterDumperLesson(**{param.name: bad})


def test_unknown_param_is_refused_with_its_name():
    with pytest.raises(ValueError, match="colour"):
        CounterDumperLesson(colour="red")


def test_headless_run_with_every_action_is_clean():
    run, report = play(CounterDumperLesson(interval=0.2), ACTIONS)
    assert report.clean, report
    assert run.runtime.panics == []
    assert run.error is None
    for m in CounterDumperLesson.metrics:
        assert run.scenario.recorder.series(m.name)[1], f"metric {m.name} has no sample"


def test_broken_variant_with_every_action_raises_nothing():
    run, _ = play(CounterDumperLesson(variant="broken", interval=0.2), ACTIONS)
    assert run.runtime.panics == []
    assert run.error is None


def test_stopped_dumper_makes_no_more_dumps():
    run, report = play(CounterDumperLesson(interval=0.2), ["stop-dumper"], until=1.5)
    assert report.clean
    t, dumps = run.scenario.recorder.series("dumps")
    stopped_at = next(
        e.t for e in run.tracer.events() if e.kind is Kind.NOTE and "Cancelled" in e.value
    )
    after = [d for when, d in zip(t, dumps) if when > stopped_at + 0.1]
    assert after and len(set(after)) == 1  # the count stands still
    assert run.scenario.recorder.last("dumpers") == 0


def test_broken_dumper_keeps_dumping_after_stop_and_leaks():
    run, report = play(
        CounterDumperLesson(variant="broken", interval=0.2), ["stop-dumper"], until=1.5
    )
    assert run.runtime.panics == []
    t, dumps = run.scenario.recorder.series("dumps")
    after = [d for when, d in zip(t, dumps) if when > 0.5]
    assert after[-1] > after[0]  # still dumping after the stop at 0.3 s
    assert [line for line in report.leaked if "dumper" in line], report
