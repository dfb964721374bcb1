"""Chat and ChatClient: join, post, leave, plain text, slow members skipped."""

from __future__ import annotations

import pytest
from helpers import wait_until

from core.patterns.chat import Chat, ChatClient
from core.runtime import go

RT_SPEED = 20
RT_NO_PANICS = True
RT_STOP_TIMEOUT = 2.0


def drain(ch) -> list[str]:
    """The lines waiting in *ch*, without blocking."""
    return [ch.recv()[0] for _ in range(len(ch))]


def test_join_gives_an_inbox_with_the_join_line(rt):
    chat = Chat()
    inbox = chat.join("alice")
    assert drain(inbox) == ["alice joined the chat"]
    assert chat.members() == ["alice"]


def test_join_with_a_taken_name_raises(rt):
    chat = Chat()
    chat.join("alice")
    with pytest.raises(ValueError, match="alice"):
        chat.join("alice")


@pytest.mark.parametrize("name", ["", "   ", None, 42])
def test_join_without_a_name_raises(rt, name):
    with pytest.raises(ValueError):
        Chat().join(name)


def test_post_reaches_every_member_the_author_included(rt):
    chat = Chat()
    alice, bob = chat.join("alice"), chat.join("bob")
    assert chat.post("alice", "hi bob") == 2
    assert drain(alice) == ["alice joined the chat", "bob joined the chat", "alice: hi bob"]
    assert drain(bob) == ["bob joined the chat", "alice: hi bob"]


def test_post_by_a_stranger_raises(rt):
    chat = Chat()
    chat.join("alice")
    with pytest.raises(ValueError, match="mallory"):
        chat.post("mallory", "hello")


def test_text_is_carried_exactly_as_typed(rt):
    chat = Chat()
    inbox = chat.join("alice")
    text = "<b>bold?</b> &amp; 'quotes' \"dq\"\nnew line 👍 %s {0}"
    chat.post("alice", text)
    assert drain(inbox)[-1] == "alice: " + text


def test_leave_closes_the_inbox_and_tells_the_others(rt):
    chat = Chat()
    alice, bob = chat.join("alice"), chat.join("bob")
    assert chat.leave("bob")
    assert list(bob) == ["bob joined the chat"]  # closed: the range loop ends
    assert drain(alice)[-1] == "bob left the chat"
    assert chat.members() == ["alice"]


def test_leave_twice_or_unknown_does_nothing(rt):
    chat = Chat()
    chat.join("alice")
    assert chat.leave("alice")
    assert not chat.leave("alice")
    assert not chat.leave("nobody")


def test_post_after_leaving_raises(rt):
    chat = Chat()
    chat.join("alice")
    chat.leave("alice")
    with pytest.raises(ValueError):
        chat.post("alice", "still here?")


def test_a_name_is_free_again_after_leaving(rt):
    chat = Chat()
    chat.join("alice")
    chat.leave("alice")
    assert drain(chat.join("alice")) == ["alice joined the chat"]


def test_full_inbox_misses_lines_counted_as_dropped(rt):
    chat = Chat(buffer=3)
    chat.join("slow")  # never read
    fast = chat.join("fast")
    for n in range(5):
        chat.post("fast", f"line {n}")
        drain(fast)
    stats = chat.statistics()
    slow, quick = stats.members["slow"], stats.members["fast"]
    # slow got its join, fast's join and one line, then missed four lines
    assert (slow.delivered, slow.dropped, slow.waiting, slow.cap) == (3, 4, 3, 3)
    assert (quick.delivered, quick.dropped, quick.waiting) == (6, 0, 0)
    assert (stats.lines, stats.delivered, stats.dropped) == (7, 9, 4)


def test_client_keeps_the_lines_it_reads(rt):
    chat = Chat()
    client = ChatClient(chat, "alice")
    chat.post("alice", "one")
    chat.post("alice", "two")
    wait_until(lambda: client.received == 3)
    assert client.lines() == ["alice joined the chat", "alice: one", "alice: two"]
    assert client.lines(start=2) == ["alice: two"]
    assert client.stop()


def test_client_with_a_taken_name_raises(rt):
    chat = Chat()
    chat.join("alice")
    with pytest.raises(ValueError):
        ChatClient(chat, "alice")


def test_client_stop_leaves_the_chat_and_ends_its_reader(rt):
    chat = Chat()
    client = ChatClient(chat, "alice")
    assert client.stop()
    assert not client.alive
    assert chat.members() == []
    assert client.stop()  # twice is fine


def test_slow_client_misses_lines_and_still_stops_at_once(rt):
    chat = Chat(buffer=2)
    client = ChatClient(chat, "slow", delay=100.0)  # reads one line, then sleeps
    wait_until(lambda: client.received == 1)
    for n in range(6):
        chat.post("slow", f"line {n}")
    assert chat.statistics().members["slow"].dropped == 4
    assert client.stop(timeout=2.0)  # the sleep ends with stop, not after 100 s


def test_concurrent_join_post_leave_never_panics(rt):
    chat = Chat(buffer=4)
    listener = ChatClient(chat, "listener")

    def member(name):
        for _ in range(50):
            chat.join(name)
            chat.post(name, "hi")
            chat.leave(name)

    gs = [go(member, f"m{k}") for k in range(4)]
    for g in gs:
        assert g.join(5.0)
    stats = chat.statistics()
    assert stats.lines == 4 * 50 * 3 + 1
    assert stats.delivered + stats.dropped >= stats.lines
    assert listener.stop()
