"""Step mode and the Scheduler tab: one operation per step, the chosen goroutine goes."""

from __future__ import annotations

from helpers import wait_until
from PySide6.QtCore import Qt

from core.trace import Kind


def open_and_pause(window, qtbot, lesson: str, values=None) -> None:
    window.player.STOP_TIMEOUT = 0.4  # gated goroutines are unwound sooner at the end
    assert window.open_lesson(lesson, values)
    qtbot.waitUntil(lambda: window.bridge.delivered > 0, timeout=3000)
    window.player.pause()
    assert window.player.runtime.clock.paused


def step_and_wait(window, qtbot, g: int | None = None):
    """One step (of goroutine *g*, or the longest waiting); returns its Step."""
    with qtbot.waitSignal(window.stepper.stepped, timeout=3000) as blocker:
        assert window.step_goroutine(g)
    return blocker.args[1]


def steps_in(tracer, since: int) -> list:
    return [ev for ev in tracer.since(since)[0] if ev.kind is Kind.GO_STEP]


def test_a_step_advances_exactly_one_operation(window, qtbot):
    open_and_pause(window, qtbot, "lost-updates")
    rt, tracer = window.player.runtime, window.player.tracer
    # Steps until a goroutine waits at the gate (a step with nobody there moves the clock).
    for _ in range(50):
        if rt.gated():
            break
        step_and_wait(window, qtbot)
    (first, _op), *_ = rt.gated()
    seq = tracer.last_seq
    with qtbot.waitSignal(window.stepper.stepped, timeout=3000) as blocker:
        assert window.step()
    result = blocker.args[1]
    assert [ev.g for ev in steps_in(tracer, seq)] == [first.id]
    assert result.moved and result.g == first.id
    assert window.stage.caption_text.startswith(f"Step {window.stepper.count}: {first.name}")
    assert window.stage.spotlit == first.id
    assert rt.clock.paused


def test_scheduler_lets_the_chosen_goroutine_move(window, qtbot):
    # A hand-off wakes the receiver: sender and receiver then both wait at the gate.
    open_and_pause(window, qtbot, "unbuffered-channel")
    rt, tracer = window.player.runtime, window.player.tracer
    for _ in range(200):
        if len(rt.gated()) >= 2:
            break
        step_and_wait(window, qtbot)
    assert len(rt.gated()) >= 2
    window.teach_tabs.setCurrentWidget(window.scheduler)
    window.scheduler.refresh()
    queue = window.scheduler.queue
    # Not the one a plain Step would let go (the first): the teacher chose another.
    item = queue.item(1)
    chosen = item.data(Qt.ItemDataRole.UserRole)
    seq = tracer.last_seq
    with qtbot.waitSignal(window.stepper.stepped, timeout=3000) as blocker:
        qtbot.mouseClick(
            queue.viewport(), Qt.MouseButton.LeftButton, pos=queue.visualItemRect(item).center()
        )
    assert blocker.args[1].g == chosen
    assert [ev.g for ev in steps_in(tracer, seq)] == [chosen]
    history = window.scheduler.history.toPlainText().splitlines()
    assert history[-1].startswith(f"{window.stepper.count}. ")


def test_count_plus_plus_is_three_steps_and_a_lost_update_can_be_made_by_hand(window, qtbot):
    # A long gap between count++'s read and write: the clock (moved only by steps) wakes
    # another incrementer inside it. Only steps move anything here.
    window.player.STOP_TIMEOUT = 0.4
    assert window.open_lesson("lost-updates", {"gap": 500})
    window.player.pause()  # at once: every operation of the run from here on is a step
    tracer = window.player.tracer
    for _ in range(400):
        if window.reports.races.found:
            break
        step_and_wait(window, qtbot)
        qtbot.waitUntil(lambda: window.bridge.last_seq >= tracer.last_seq, timeout=2000)
    assert window.player.runtime.clock.paused
    (race, *_) = window.reports.races.found
    ops = [
        ev.value
        for ev in tracer.events()
        if ev.kind is Kind.GO_STEP and ev.g == race.writer and ev.seq <= race.write_seq
    ]
    # The lost write's count++: its read, the gap (a sleep of `gap` ms), then the write.
    assert ops[-3:] == ["mem.read", "time.Sleep", "mem.write"]
    text = window.reports.plain_text()
    assert f"goroutine {race.writer} ({race.writer_name})" in text
    assert f"goroutine {race.previous_writer} ({race.previous_writer_name})" in text


def test_step_while_running_pauses_first(window, qtbot):
    assert window.open_lesson("unbuffered-channel")
    qtbot.waitUntil(lambda: window.bridge.delivered > 0, timeout=3000)
    with qtbot.waitSignal(window.stepper.stepped, timeout=3000):
        assert window.step()
    assert window.player.paused
    wait_until(lambda: not window.stepper.busy, timeout=2.0)
