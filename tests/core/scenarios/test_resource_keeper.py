"""Lesson "resource-keeper": bounded params, a clean run, and the blocked clients when broken."""

from __future__ import annotations

import pytest
from helpers import wait_until

from core.scenarios import ScenarioRun
from core.scenarios.resource_keeper import ResourceKeeperLesson

ACTIONS = [a.name for a in ResourceKeeperLesson.actions]


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


@pytest.mark.parametrize("param", ResourceKeeperLesson.params, ids=lambda p: p.name)
def test_out_of_range_param_is_refused_with_its_name(param):
    bad = "nope" if param.kind is str else param.maximum + 1
    with pytest.raises(ValueError, match=param.name):
        ResourceKeeperLesson(**{param.name: bad})


def test_unknown_param_is_refused_with_its_name():
    with pytest.raises(ValueError, match="colour"):
        ResourceKeeperLesson(colour="red")


def test_headless_run_with_every_action_is_clean():
    run, report = play(ResourceKeeperLesson(), ACTIONS)
    assert report.clean, report
    assert run.runtime.panics == []
    assert run.error is None
    for m in ResourceKeeperLesson.metrics:
        assert run.scenario.recorder.series(m.name)[1], f"metric {m.name} has no sample"


def test_broken_variant_with_every_action_raises_nothing():
    run, _ = play(ResourceKeeperLesson(variant="broken"), ACTIONS)
    assert run.runtime.panics == []
    assert run.error is None


def test_after_stop_keeper_inc_fails_at_once_and_no_client_waits():
    run, report = play(ResourceKeeperLesson(), ["stop-keeper"], until=1.5)
    assert report.clean
    rec = run.scenario.recorder
    assert rec.last("keeper_alive") == 0
    assert rec.last("failed") > 0
    assert rec.last("waiting") == 0


def test_slow_keeper_makes_inc_time_out():
    run, report = play(ResourceKeeperLesson(timeout=50, slow_delay=500), ["slow-keeper"])
    assert report.clean
    assert run.scenario.recorder.last("failed") > 0


def test_broken_variant_clients_block_forever_after_stop():
    run, report = play(ResourceKeeperLesson(variant="broken"), ["stop-keeper"], until=1.5)
    assert run.runtime.panics == []
    assert run.scenario.recorder.last("waiting") == run.scenario["clients"]
    assert [line for line in report.leaked if "[chan send]: client-" in line], report
