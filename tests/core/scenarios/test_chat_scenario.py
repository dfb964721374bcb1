"""The chat lesson: members chat at a human pace; the slow reader misses lines.

(Parameters, declarations and runs with every action: test_every_scenario.py.)
"""

from __future__ import annotations

from helpers import wait_until
from scenario_harness import assert_healthy, assert_refuses, play, spaced, start, stop

from core.scenarios.chat import SLOW_MEMBER, ChatScenario


def room_ready(scenario: ChatScenario) -> bool:
    return SLOW_MEMBER in scenario.clients


def in_goroutine(run, fn, *args):
    """Call *fn* in a goroutine of the run, as the chat panel does; returns its result."""
    out: list = []

    def call():
        try:
            out.append(fn(*args))
        except Exception as exc:
            out.append(exc)

    assert run.runtime.go(call, name="panel").join(5.0)
    return out[0]


def test_an_inbox_size_that_is_no_integer_is_refused_naming_it():
    assert_refuses(ChatScenario, "inbox", 2.5)


def test_declarations_name_the_lesson():
    cls = ChatScenario
    assert cls.id == "chat" and cls.chapter == "Broadcast"
    assert {a.name for a in cls.actions} == {"join", "leave", "slow-member"}
    assert cls.source_modules == ("core.patterns.chat", "core.scenarios.chat")


def test_members_joining_and_leaving_end_clean_and_leave_the_room():
    actions = ["join", "slow-member", "leave", "join", "slow-member", "leave"]
    run = play(
        ChatScenario,
        actions=spaced(actions),
        ready=room_ready,
        talk_interval=0.5,
    )
    assert run.finished
    assert_healthy(run)
    # every member left when the run ended; its client keeps the lines it read
    assert run.scenario.chat.members() == []
    assert not any(c.alive for c in run.scenario.clients.values())


def test_members_chat_and_everyone_reads_the_same_lines():
    run = start(ChatScenario, ready=room_ready, members=2, talk_interval=0.3)
    try:
        alice, bob = run.scenario.clients["alice"], run.scenario.clients["bob"]

        def posts(client) -> list[str]:
            return [line for line in client.lines() if ": " in line]

        wait_until(lambda: len(posts(bob)) >= 4)
        assert posts(alice)[:4] == posts(bob)[:4]
    finally:
        assert stop(run).clean


def test_slow_member_misses_lines_while_the_others_miss_none():
    run = start(
        ChatScenario, ready=room_ready, members=3, talk_interval=0.5, inbox=4, slow_delay=5.0
    )
    try:
        chat = run.scenario.chat
        wait_until(lambda: chat.statistics().members[SLOW_MEMBER].dropped >= 3)
        stats = chat.statistics().members
        assert [stats[n].dropped for n in ("alice", "bob", "carol")] == [0, 0, 0]
    finally:
        assert stop(run).clean


def test_panel_can_join_post_and_leave_through_goroutines():
    run = start(ChatScenario, ready=room_ready)
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
        assert stop(run).clean


def test_join_skips_a_name_the_panel_took():
    run = start(ChatScenario, ready=room_ready, members=1)
    try:
        in_goroutine(run, run.scenario.chat.join, "bob")
        run.act("join")
        wait_until(lambda: "carol" in run.scenario.clients)
        assert "bob" not in run.scenario.clients
    finally:
        assert stop(run).clean


def test_slow_member_action_toggles_the_reading_speed():
    run = start(ChatScenario, ready=room_ready, slow_delay=2.0)
    try:
        sam = run.scenario.clients[SLOW_MEMBER]
        assert sam.delay == 2.0
        assert run.act("slow-member").join(5.0)
        assert sam.delay == 0.0
        assert run.act("slow-member").join(5.0)
        assert sam.delay == 2.0
    finally:
        assert stop(run).clean


def test_the_panels_actions_take_a_name_and_live_in_the_lesson():
    import pytest

    assert {a.name for a in ChatScenario.arg_actions} == {"join-as", "leave-as", "post-as"}
    run = start(ChatScenario, ready=room_ready, members=2, talk_interval=10.0)
    try:
        s = run.scenario
        with pytest.raises(TypeError):
            run.act("join-as")  # it takes a name
        with pytest.raises(TypeError):
            run.act("join", "zoe")  # a button's action takes none
        assert run.act("join-as", "zoe").join(5.0)
        assert "zoe" in s.clients and "zoe" in s.chat.members()
        assert run.act("post-as", "zoe", "<b>hi</b>").join(5.0)
        wait_until(lambda: "zoe: <b>hi</b>" in s.clients["alice"].lines())
        assert run.act("join-as", "alice").join(5.0)  # taken: said in a note, nothing breaks
        assert run.act("leave-as", "zoe").join(5.0)
        assert "zoe" not in s.clients and "zoe" not in s.chat.members()
        notes = [ev.value for ev in run.tracer.events() if ev.kind.value == "note"]
        assert "zoe joined the chat." in notes
        assert "The name alice is taken: choose another." in notes
        assert "zoe left the chat." in notes
    finally:
        stop(run)
    assert run.error is None
