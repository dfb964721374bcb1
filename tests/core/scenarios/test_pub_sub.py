"""The pub-sub lesson: the slow subscriber misses messages; the textbook broadcaster panics."""

from __future__ import annotations

import pytest
from helpers import wait_until

from core.patterns.broadcast import MessageBroadcaster
from core.scenarios import ScenarioRun
from core.scenarios.pub_sub import PubSubScenario
from core.trace import Kind

SPEED = 10.0


def start(**params) -> ScenarioRun:
    run = ScenarioRun(PubSubScenario(**params), speed=SPEED)
    run.start()
    wait_until(lambda: run.scenario.broker is not None)
    return run


def at(run: ScenarioRun, t: float) -> None:
    wait_until(lambda: run.runtime.clock.now() >= t, message=f"runtime clock never reached {t}")


def notes(run: ScenarioRun) -> list[str]:
    return [e.value for e in run.tracer.events() if e.kind is Kind.NOTE]


@pytest.mark.parametrize(
    ("param", "bad"),
    [
        ("subscribers", 0),
        ("subscribers", 9),
        ("buffer", -1),
        ("publish_rate", 0.0),
        ("slow_delay", 4.0),
        ("variant", "textbook"),
    ],
)
def test_bad_param_is_refused_naming_it(param, bad):
    with pytest.raises(ValueError, match=param):
        PubSubScenario(**{param: bad})


def test_declarations_explain_themselves():
    cls = PubSubScenario
    assert cls.id == "pub-sub" and cls.chapter == "Broadcast"
    assert all(p.help and (p.unit or p.kind is str) for p in cls.params)
    assert {a.name for a in cls.actions} == {"subscribe", "unsubscribe", "burst"}
    assert all(a.label and a.help for a in cls.actions)
    assert all(m.unit and m.help for m in cls.metrics)
    assert cls.source_modules == ("core.patterns.broadcast", "core.scenarios.pub_sub")


def test_headless_run_with_every_action_ends_clean():
    run = start()
    actions = ["subscribe", "burst", "unsubscribe", "unsubscribe", "subscribe", "burst"]
    for k, action in enumerate(actions):
        at(run, 0.2 + 0.25 * k)
        run.act(action)
    at(run, 2.0)
    report = run.stop(2.0)
    assert report.clean, report
    assert run.finished and run.error is None
    assert not run.runtime.panics
    for m in PubSubScenario.metrics:
        assert run.scenario.recorder.series(m.name)[1], f"no samples of {m.name}"


def test_unsubscribing_everyone_while_publishing_never_panics():
    run = start(subscribers=3, publish_rate=40.0)
    try:
        for _ in range(5):
            run.act("unsubscribe")  # three real ones, then "nobody left"
        wait_until(lambda: run.scenario.broker.subscribers() == [])
        run.act("subscribe")
        wait_until(lambda: len(run.scenario.broker.subscribers()) == 1)
    finally:
        assert run.stop(2.0).clean
    assert not run.runtime.panics


def test_slow_subscriber_misses_messages_the_fast_ones_do_not():
    run = start(subscribers=3, buffer=4, publish_rate=10.0, slow_delay=1.0)
    try:
        broker = run.scenario.broker
        assert isinstance(broker, MessageBroadcaster)
        slow, *fast = broker.subscribers()
        wait_until(lambda: broker.statistics().subscribers[slow].dropped >= 5)
        stats = broker.statistics().subscribers
        assert all(stats[f].dropped == 0 for f in fast)
        assert all(stats[f].delivered > stats[slow].delivered for f in fast)
    finally:
        assert run.stop(2.0).clean


def test_broken_variant_panics_with_send_on_closed_channel_on_unsubscribe():
    run = start(variant="broken")
    try:
        assert any(n.startswith("BROKEN VARIANT") for n in notes(run))
        at(run, 0.3)
        run.act("unsubscribe")
        wait_until(lambda: run.runtime.panics)
        [(g, exc)] = run.runtime.panics
        assert g.name == "publisher"
        assert str(exc) == "send on closed channel"
        wait_until(lambda: any(n.startswith("panic: send on closed channel") for n in notes(run)))
    finally:
        assert run.stop(2.0).clean
