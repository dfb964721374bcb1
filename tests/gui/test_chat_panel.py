"""The chat lesson's panel: posts reach every inbox, typed HTML stays text."""

from __future__ import annotations

import pytest

# Few lines from the simulated members, and a slow reader that keeps up, so that
# every inbox can receive a line posted from the panel.
CALM = {"talk_interval": 10.0, "slow_delay": 0.1, "inbox": 32}


@pytest.fixture
def chat(window, qtbot):
    assert window.open_lesson("chat", CALM)
    panel = window.chat
    assert panel is not None and window.tabs.currentWidget() is panel
    qtbot.waitUntil(lambda: len(panel.clients()) >= 2, timeout=5000)
    qtbot.waitUntil(lambda: set(panel.clients()) <= set(panel._views), timeout=5000)
    return panel


def every_inbox_has(panel, line: str) -> bool:
    return all(line in panel.inbox(user) for user in panel.clients())


def test_chat_tab_appears_only_for_the_chat_lesson(window, qtbot):
    window.open_lesson("chat", play=False)
    assert window.chat is not None
    window.open_lesson("select", play=False)
    assert window.chat is None


def test_post_reaches_every_inbox(chat, qtbot):
    author = next(iter(chat.clients()))
    assert chat.post(author, "hello class")
    qtbot.waitUntil(lambda: every_inbox_has(chat, f"{author}: hello class"), timeout=5000)


def test_typed_html_is_shown_as_text(chat, qtbot):
    qtbot.waitUntil(lambda: chat.author.count() > 0, timeout=5000)
    author = chat.author.currentText()
    chat.message.setText("<b>bold</b> & <i>x</i>")
    chat.send_button.click()
    line = f"{author}: <b>bold</b> & <i>x</i>"
    qtbot.waitUntil(lambda: every_inbox_has(chat, line), timeout=5000)
    view = chat._views[author].text
    assert line in view.toPlainText()


def test_member_joined_from_the_panel_gets_lines_and_leaves(chat, qtbot, window):
    assert chat.join("zoe")
    qtbot.waitUntil(lambda: "zoe" in chat.clients(), timeout=5000)
    qtbot.waitUntil(lambda: "zoe joined the chat" in chat.inbox("zoe"), timeout=5000)
    assert chat.post("zoe", "hi from zoe")
    qtbot.waitUntil(lambda: every_inbox_has(chat, "zoe: hi from zoe"), timeout=5000)
    assert chat.leave("zoe")
    qtbot.waitUntil(lambda: chat._views["zoe"].counts.text() == "left the chat", timeout=5000)


def test_panel_member_never_leaks_when_the_lesson_stops(chat, qtbot, window):
    assert chat.join("zoe")
    qtbot.waitUntil(lambda: "zoe" in chat.clients(), timeout=5000)
    with qtbot.waitSignal(window.player.stopped, timeout=5000) as sig:
        window.player.stop()
    assert sig.args[0].clean, sig.args[0]


def test_counts_of_delivered_and_dropped_are_shown(chat, qtbot):
    qtbot.waitUntil(lambda: chat._counts.delivered > 0, timeout=5000)
    assert f"Delivered: {chat._counts.delivered}" in chat.totals.text()
    assert "Dropped (inbox full): " in chat.totals.text()


def test_full_inbox_counts_dropped_lines(window, qtbot):
    # sam reads one line every 5 s into an inbox of one line: the room's chatter overflows it.
    window.open_lesson("chat", {"inbox": 1, "slow_delay": 5.0, "talk_interval": 0.3})
    panel = window.chat
    qtbot.waitUntil(lambda: "sam" in panel._counts.members, timeout=5000)
    qtbot.waitUntil(lambda: panel._counts.members["sam"].dropped > 0, timeout=8000)
    stats = window.player.scenario.chat.statistics()  # from the test thread: nothing is paused
    qtbot.waitUntil(
        lambda: panel._counts.members["sam"].dropped >= stats.members["sam"].dropped, timeout=3000
    )


def test_joining_a_taken_name_is_refused_in_words(chat, qtbot):
    taken = next(iter(chat.clients()))
    assert chat.join(taken)
    qtbot.waitUntil(lambda: "taken" in chat.status.text(), timeout=5000)


def test_typing_space_and_r_in_the_chat_box_does_not_pause_or_reset(chat, qtbot, window):
    run = window.player.run
    chat.message.setFocus()
    qtbot.keyClicks(chat.message, "R u there ")
    assert chat.message.text() == "R u there "
    assert window.player.run is run and window.player.state == "running"
