"""The signal-broadcast lesson: close wakes every listener; the broken send wakes one.

(Parameters, declarations and runs with every action: test_every_scenario.py.)
"""

from __future__ import annotations

from helpers import wait_until
from scenario_harness import assert_healthy, assert_refuses, at, notes, play, start, stop

from core.scenarios.signal_broadcast import SignalBroadcastScenario


def signal_ready(scenario: SignalBroadcastScenario) -> bool:
    return scenario.signal is not None


def last(run, metric: str) -> float | None:
    return run.scenario.recorder.last(metric)


def test_a_count_that_is_no_number_is_refused_naming_it():
    assert_refuses(SignalBroadcastScenario, "listeners", "many")


def test_declarations_name_the_lesson():
    cls = SignalBroadcastScenario
    assert cls.id == "signal-broadcast" and cls.chapter == "Broadcast"
    assert {a.name for a in cls.actions} == {"broadcast", "add-listener"}
    assert cls.source_modules == ("core.patterns.broadcast", "core.scenarios.signal_broadcast")


def test_listeners_added_between_broadcasts_end_clean():
    actions = [(0.3, "add-listener"), (0.6, "broadcast"), (0.9, "add-listener"), (1.2, "broadcast")]
    run = play(SignalBroadcastScenario, actions=actions, ready=signal_ready, period=0.5)
    assert run.finished
    assert_healthy(run)


def test_broadcast_wakes_every_waiting_listener():
    run = start(SignalBroadcastScenario, ready=signal_ready, listeners=4, period=0.0, work_time=5.0)
    try:
        wait_until(lambda: last(run, "waiting") == 4)
        run.act("broadcast")
        wait_until(lambda: last(run, "woken") == 4)
        assert "close(signal): all 4 waiting listeners wake at once" in notes(run)
    finally:
        assert stop(run).clean


def test_add_listener_starts_one_more_waiter():
    run = start(SignalBroadcastScenario, ready=signal_ready, listeners=2, period=0.0)
    try:
        wait_until(lambda: last(run, "waiting") == 2)
        run.act("add-listener")
        wait_until(lambda: last(run, "waiting") == 3)
    finally:
        assert stop(run).clean


def test_broken_variant_wakes_only_one_listener():
    run = start(
        SignalBroadcastScenario,
        ready=signal_ready,
        listeners=4,
        period=0.0,
        work_time=5.0,
        variant="broken",
    )
    try:
        wait_until(lambda: last(run, "waiting") == 4)
        run.act("broadcast")
        wait_until(lambda: last(run, "woken") == 1 and last(run, "waiting") == 3)
        at(run, run.runtime.clock.now() + 1.0)  # a second later the other three still wait
        assert (last(run, "woken"), last(run, "waiting")) == (1, 3)
        assert any(n.startswith("BROKEN VARIANT") for n in notes(run))
    finally:
        assert stop(run).clean
