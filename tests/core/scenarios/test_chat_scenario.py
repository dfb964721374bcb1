"""The chat lesson: members chat at a human pace; the slow reader misses lines."""

from __future__ import annotations

import pytest
from helpers import wait_until

from core.scenarios import ScenarioRun
from core.scenarios.chat import SLOW_MEMBER, ChatScenario

SPEED = 10.0


def start(**params) -> ScenarioRun:
    run = ScenarioRun(ChatScenario(**params), speed=SPEED)
    run.start()
    wait_until(lambda: SLOW_MEMBER in run.scenario.clients)
    return run


def at(run: ScenarioRun, t: float) -> None:
    wait_until(lambda: run.runtime.clock.now() >= t, message=f"runtime clock never reached {t}")


def in_goroutine(run: ScenarioRun, fn, *args):
    """Call *fn* in a goroutine of the run, as the chat panel does; returns its result."""
    out: list = []

    def call():
        try:
            out.append(fn(*args))
        except Exception as exc:
            out.append(exc)

    assert run.runtime.go(call, name="panel").join(5.0)
    return out[0]


@pytest.mark.parametrize(
    ("param", "bad"),
    [
        ("members", 0),
        ("members", 7),
        ("talk_interval", 0.1),
        ("inbox", 0),
        ("slow_delay", 9.0),
        ("inbox", 2.5),
    ],
)
def test_bad_param_is_refused_naming_it(param, bad):
    with pytest.raises(ValueError, match=param):
        ChatScenario(**{param: bad})


def test_declarations_explain_themselves():
    cls = ChatScenario
    assert cls.id == "chat" and cls.chapter == "Broadcast"
    assert all(p.help and p.unit for p in cls.params)
    assert {a.name for a in cls.actions} == {"join", "leave", "slow-member"}
    assert all(a.label and a.help for a in cls.actions)
    assert all(m.unit and m.help for m in cls.metrics)
    assert cls.source_modules == ("core.patterns.chat", "core.scenarios.chat")


def test_headless_run_with_every_action_ends_clean():
    run = start(talk_interval=0.5)
    for k, action in enumerate(["join", "slow-member", "leave", "join", "slow-member", "leave"]):
        at(run, 0.2 + 0.25 * k)
        run.act(action)
    at(run, 2.0)
    report = run.stop(2.0)
    assert report.clean, report
    assert run.finished and run.error is None
    assert not run.runtime.panics
    for m in ChatScenario.metrics:
        assert run.scenario.recorder.series(m.name)[1], f"no samples of {m.name}"
    # every member left when the run ended; its client keeps the lines it read
    assert run.scenario.chat.members() == []
    assert not any(c.alive for c in run.scenario.clients.values())


def test_members_chat_and_everyone_reads_the_same_lines():
    run = start(members=2, talk_interval=0.3)
    try:
        alice, bob = run.scenario.clients["alice"], run.scenario.clients["bob"]

        def posts(client) -> list[str]:
            return [line for line in client.lines() if ": " in line]

        wait_until(lambda: len(posts(bob)) >= 4)
        assert posts(alice)[:4] == posts(bob)[:4]
    finally:
        assert run.stop(2.0).clean


def test_slow_member_misses_lines_while_the_others_miss_none():
    run = start(members=3, talk_interval=0.5, inbox=4, slow_delay=5.0)
    try:
        chat = run.scenario.chat
        wait_until(lambda: chat.statistics().members[SLOW_MEMBER].dropped >= 3)
        stats = chat.statistics().members
        assert [stats[n].dropped for n in ("alice", "bob", "carol")] == [0, 0, 0]
    finally:
        assert run.stop(2.0).clean


def test_panel_can_join_post_and_leave_through_goroutines():
    run = start()
    try:
        chat, alice = run.scenario.chat, run.scenario.clients["alice"]
        inbox = in_goroutine(run, chat.join, "you")
        assert isinstance(in_goroutine(run, chat.join, "alice"), ValueError)  # taken
        in_goroutine(run, chat.post, "you", "<i>hello</i> room")
        wait_until(lambda: "you: <i>hello</i> room" in alice.lines())
        in_goroutine(run, chat.leave, "you")
        wait_until(lambda: "you left the chat" in alice.lines())
        assert inbox.closed
    finally:
        assert run.stop(2.0).clean


def test_join_skips_a_name_the_panel_took():
    run = start(members=1)
    try:
        in_goroutine(run, run.scenario.chat.join, "bob")
        run.act("join")
        wait_until(lambda: "carol" in run.scenario.clients)
        assert "bob" not in run.scenario.clients
    finally:
        assert run.stop(2.0).clean


def test_slow_member_action_toggles_the_reading_speed():
    run = start(slow_delay=2.0)
    try:
        sam = run.scenario.clients[SLOW_MEMBER]
        assert sam.delay == 2.0
        assert run.act("slow-member").join(5.0)
        assert sam.delay == 0.0
        assert run.act("slow-member").join(5.0)
        assert sam.delay == 2.0
    finally:
        assert run.stop(2.0).clean
