"""The signal-broadcast lesson: close wakes every listener; the broken send wakes one."""

from __future__ import annotations

import pytest
from helpers import wait_until

from core.scenarios import ScenarioRun
from core.scenarios.signal_broadcast import SignalBroadcastScenario
from core.trace import Kind

SPEED = 10.0


def start(**params) -> ScenarioRun:
    run = ScenarioRun(SignalBroadcastScenario(**params), speed=SPEED)
    run.start()
    wait_until(lambda: run.scenario.signal is not None)
    return run


def at(run: ScenarioRun, t: float) -> None:
    wait_until(lambda: run.runtime.clock.now() >= t, message=f"runtime clock never reached {t}")


def last(run: ScenarioRun, metric: str) -> float | None:
    return run.scenario.recorder.last(metric)


@pytest.mark.parametrize(
    ("param", "bad"),
    [
        ("listeners", 0),
        ("listeners", 13),
        ("period", -1.0),
        ("work_time", 0.0),
        ("variant", "sloppy"),
        ("listeners", "many"),
    ],
)
def test_bad_param_is_refused_naming_it(param, bad):
    with pytest.raises(ValueError, match=param):
        SignalBroadcastScenario(**{param: bad})


def test_declarations_explain_themselves():
    cls = SignalBroadcastScenario
    assert cls.id == "signal-broadcast" and cls.chapter == "Broadcast"
    assert all(p.help and (p.unit or p.kind is str) for p in cls.params)
    assert {a.name for a in cls.actions} == {"broadcast", "add-listener"}
    assert all(a.label and a.help for a in cls.actions)
    assert all(m.unit and m.help for m in cls.metrics)
    assert cls.source_modules == ("core.patterns.broadcast", "core.scenarios.signal_broadcast")


def test_headless_run_with_every_action_ends_clean():
    run = start(period=0.5)
    for t, action in [
        (0.3, "add-listener"),
        (0.6, "broadcast"),
        (0.9, "add-listener"),
        (1.2, "broadcast"),
    ]:
        at(run, t)
        run.act(action)
    at(run, 2.0)
    report = run.stop(2.0)
    assert report.clean, report
    assert run.finished and run.error is None
    assert not run.runtime.panics
    for m in SignalBroadcastScenario.metrics:
        assert run.scenario.recorder.series(m.name)[1], f"no samples of {m.name}"


def test_broadcast_wakes_every_waiting_listener():
    run = start(listeners=4, period=0.0, work_time=5.0)
    try:
        wait_until(lambda: last(run, "waiting") == 4)
        run.act("broadcast")
        wait_until(lambda: last(run, "woken") == 4)
        notes = [e.value for e in run.tracer.events() if e.kind is Kind.NOTE]
        assert "close(signal): all 4 waiting listeners wake at once" in notes
    finally:
        assert run.stop(2.0).clean


def test_add_listener_starts_one_more_waiter():
    run = start(listeners=2, period=0.0)
    try:
        wait_until(lambda: last(run, "waiting") == 2)
        run.act("add-listener")
        wait_until(lambda: last(run, "waiting") == 3)
    finally:
        assert run.stop(2.0).clean


def test_broken_variant_wakes_only_one_listener():
    run = start(listeners=4, period=0.0, work_time=5.0, variant="broken")
    try:
        wait_until(lambda: last(run, "waiting") == 4)
        run.act("broadcast")
        wait_until(lambda: last(run, "woken") == 1 and last(run, "waiting") == 3)
        t = run.runtime.clock.now()
        at(run, t + 1.0)  # a second later the other three still wait
        assert (last(run, "woken"), last(run, "waiting")) == (1, 3)
        notes = [e.value for e in run.tracer.events() if e.kind is Kind.NOTE]
        assert any(n.startswith("BROKEN VARIANT") for n in notes)
    finally:
        assert run.stop(2.0).clean
