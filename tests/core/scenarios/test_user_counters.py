"""Lesson "user-counters": bounded params, a clean headless run, lost counts when broken."""

from __future__ import annotations

import pytest
from helpers import wait_until

from core.scenarios import ScenarioRun
from core.scenarios.user_counters import UserCountersLesson


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


@pytest.mark.parametrize("param", UserCountersLesson.params, ids=lambda p: p.name)
def test_out_of_range_param_is_refused_with_its_name(param):
    bad = "nope" if param.kind is str else param.maximum + 1
    with pytest.raises(ValueError, match=param.name):
        UserCountersLesson(**{param.name: bad})


def test_unknown_param_is_refused_with_its_name():
    with pytest.raises(ValueError, match="colour"):
        UserCountersLesson(colour="red")


@pytest.mark.parametrize("variant", ["correct", "broken"])
def test_headless_run_with_every_action_is_clean(variant):
    actions = [a.name for a in UserCountersLesson.actions]
    run, report = play(UserCountersLesson(variant=variant), actions)
    assert report.clean, report
    assert run.runtime.panics == []
    assert run.error is None
    for m in UserCountersLesson.metrics:
        assert run.scenario.recorder.series(m.name)[1], f"metric {m.name} has no sample"


def test_correct_variant_loses_no_count():
    run, _ = play(UserCountersLesson(), ["burst"])
    assert run.scenario.recorder.last("lost") == 0
    assert run.scenario.recorder.last("counted") > 0


def test_broken_variant_loses_counts():
    run, report = play(UserCountersLesson(variant="broken"), ["burst"])
    assert report.clean
    assert run.scenario.recorder.last("lost") > 0


def test_new_user_gets_a_counter():
    run, _ = play(UserCountersLesson(users=1), ["new-user"])
    assert run.scenario.recorder.last("users") == 2
