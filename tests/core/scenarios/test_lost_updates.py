"""Lesson "lost-updates": bounded params, a clean headless run, and the lost update shown."""

from __future__ import annotations

import pytest
from helpers import wait_until

from core.scenarios import ScenarioRun
from core.scenarios.lost_updates import LostUpdates
from core.trace import Kind


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


@pytest.mark.parametrize("param", LostUpdates.params, ids=lambda p: p.name)
def test_out_of_range_param_is_refused_with_its_name(param):
    bad = "nope" if param.kind is str else param.maximum + 1
    with pytest.raises(ValueError, match=param.name):
        LostUpdates(**{param.name: bad})


def test_unknown_param_is_refused_with_its_name():
    with pytest.raises(ValueError, match="colour"):
        LostUpdates(colour="red")


def test_headless_run_with_every_action_is_clean():
    run, report = play(LostUpdates(), [a.name for a in LostUpdates.actions])
    assert report.clean, report
    assert run.runtime.panics == []
    assert run.error is None
    for m in LostUpdates.metrics:
        assert run.scenario.recorder.series(m.name)[1], f"metric {m.name} has no sample"


def test_a_round_ends_with_bad_below_and_safe_and_atomic_at_the_expected_count():
    run, report = play(LostUpdates(goroutines=8, increments=10, rate=20, gap=20), until=1.5)
    assert report.clean
    notes = [e.value for e in run.tracer.events() if e.kind is Kind.NOTE]
    over = [n for n in notes if n.startswith("Round over")]
    assert over, notes
    assert "SafeCounter 80, AtomicCounter 80" in over[0]
    lost = int(over[0].split("lost ")[1].split(")")[0])
    assert lost > 0, over[0]


def test_more_goroutines_doubles_the_next_round():
    run, _ = play(LostUpdates(goroutines=3), ["more-goroutines"], until=1.0)
    assert run.scenario.recorder.series("expected")[1][:2] == [60.0, 120.0]
