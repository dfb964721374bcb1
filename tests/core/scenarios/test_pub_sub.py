"""The pub-sub lesson: the slow subscriber misses messages; the textbook broadcaster panics.

(Parameters, declarations and runs with every action: test_every_scenario.py.)
"""

from __future__ import annotations

from helpers import wait_until
from scenario_harness import assert_healthy, at, notes, play, spaced, start, stop

from core.patterns.broadcast import MessageBroadcaster
from core.scenarios.pub_sub import PubSubScenario


def broker_ready(scenario: PubSubScenario) -> bool:
    return scenario.broker is not None


def test_declarations_name_the_lesson():
    cls = PubSubScenario
    assert cls.id == "pub-sub" and cls.chapter == "Broadcast"
    assert {a.name for a in cls.actions} == {"subscribe", "unsubscribe", "burst"}
    assert cls.source_modules == ("core.patterns.broadcast", "core.scenarios.pub_sub")


def test_the_first_subscribers_exist_once_the_actions_may_run():
    # The broker is what tells the actions (and the tests) that the lesson is ready.
    run = start(PubSubScenario, ready=broker_ready, subscribers=3)
    try:
        assert len(run.scenario.broker.subscribers()) == 3
    finally:
        assert stop(run).clean


def test_subscribers_coming_and_going_with_bursts_end_clean():
    actions = ["subscribe", "burst", "unsubscribe", "unsubscribe", "subscribe", "burst"]
    run = play(
        PubSubScenario,
        actions=spaced(actions),
        ready=broker_ready,
    )
    assert run.finished
    assert_healthy(run)


def test_unsubscribing_everyone_while_publishing_never_panics():
    run = start(PubSubScenario, ready=broker_ready, subscribers=3, publish_rate=40.0)
    try:
        for _ in range(5):
            run.act("unsubscribe")  # three real ones, then "nobody left"
        wait_until(lambda: run.scenario.broker.subscribers() == [])
        run.act("subscribe")
        wait_until(lambda: len(run.scenario.broker.subscribers()) == 1)
    finally:
        assert stop(run).clean
    assert not run.runtime.panics


def test_slow_subscriber_misses_messages_the_fast_ones_do_not():
    run = start(
        PubSubScenario,
        ready=broker_ready,
        subscribers=3,
        buffer=4,
        publish_rate=10.0,
        slow_delay=1.0,
    )
    try:
        broker = run.scenario.broker
        assert isinstance(broker, MessageBroadcaster)
        slow, *fast = broker.subscribers()
        wait_until(lambda: broker.statistics().subscribers[slow].dropped >= 5)
        stats = broker.statistics().subscribers
        assert all(stats[f].dropped == 0 for f in fast)
        assert all(stats[f].delivered > stats[slow].delivered for f in fast)
    finally:
        assert stop(run).clean


def test_broken_variant_panics_with_send_on_closed_channel_on_unsubscribe():
    run = start(PubSubScenario, ready=broker_ready, variant="broken")
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
        assert stop(run).clean
