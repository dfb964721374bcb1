"""Player: start, pause, resume, step, speed and stop a real lesson."""

from __future__ import annotations

import pytest

from core import scenarios
from core.runtime import State
from core.trace import Kind
from gui.player import Player, PlayerState

LESSON = "unbuffered-channel"


@pytest.fixture
def player(qtbot, no_new_goroutines):
    p = Player()
    yield p
    assert p.shutdown(5.0)


def settled(rt) -> bool:
    """Every goroutine waits: at the pause gate, blocked, or asleep on the frozen clock."""
    gated = {g for g, _ in rt.gated()}
    return all(
        g in gated or g.state.blocked or g.state in (State.SLEEPING, State.DONE)
        for g in rt.goroutines()
    )


def waits(rt, g) -> bool:
    """Goroutine *g* waits again (at the gate, blocked, asleep) or is done."""
    return (
        g in {w for w, _ in rt.gated()}
        or g.state.blocked
        or g.state
        in (
            State.SLEEPING,
            State.DONE,
        )
    )


def events_since(tracer, seq: int):
    return tracer.since(seq)[0]


def start(player: Player, qtbot, lesson: str = LESSON):
    with qtbot.waitSignal(player.started, timeout=2000):
        run = player.start(scenarios.get(lesson))
    qtbot.waitUntil(lambda: run.tracer.last_seq > 5, timeout=3000)
    return run


def pause_and_settle(player: Player, qtbot) -> None:
    player.pause()
    qtbot.waitUntil(lambda: settled(player.runtime), timeout=3000)


def test_start_runs_the_lesson(player, qtbot):
    run = start(player, qtbot)
    assert player.state == PlayerState.RUNNING
    assert any(ev.kind is Kind.GO_START for ev in run.tracer.events())


def test_pause_stops_the_clock_and_the_events(player, qtbot):
    run = start(player, qtbot)
    pause_and_settle(player, qtbot)
    seq, now = run.tracer.last_seq, run.runtime.clock.now()
    qtbot.wait(300)
    assert run.tracer.last_seq == seq
    assert run.runtime.clock.now() == now
    assert player.state == PlayerState.PAUSED


def test_resume_restarts_the_clock(player, qtbot):
    run = start(player, qtbot)
    pause_and_settle(player, qtbot)
    seq, now = run.tracer.last_seq, run.runtime.clock.now()
    player.resume()
    qtbot.waitUntil(lambda: run.tracer.last_seq > seq, timeout=3000)
    assert run.runtime.clock.now() > now
    assert player.state == PlayerState.RUNNING


def test_step_lets_exactly_one_operation_through(player, qtbot):
    run = start(player, qtbot)
    rt = run.runtime
    pause_and_settle(player, qtbot)
    # Everyone may be asleep on the frozen clock: steps advance it to the next
    # timer until some goroutine waits at the gate with an operation to do.
    for _ in range(20):
        if rt.gated():
            break
        player.step()
        try:
            qtbot.waitUntil(lambda: len(rt.gated()) > 0, timeout=500)
        except qtbot.TimeoutError:
            continue  # that timer woke nobody who had work: advance to the next one
    gated = rt.gated()
    assert gated, "no goroutine reached the gate"
    first = gated[0][0]
    seq = run.tracer.last_seq
    assert player.step(first.id)
    qtbot.waitUntil(
        lambda: any(ev.kind is Kind.GO_STEP for ev in events_since(run.tracer, seq)),
        timeout=3000,
    )
    qtbot.waitUntil(lambda: waits(rt, first), timeout=3000)
    steps = [ev for ev in events_since(run.tracer, seq) if ev.kind is Kind.GO_STEP]
    assert [ev.g for ev in steps] == [first.id]


def test_speed_scales_the_clock(player, qtbot):
    run = start(player, qtbot)
    clock = run.runtime.clock

    def advance_over(ms: int) -> float:
        t0 = clock.now()
        qtbot.wait(ms)
        return clock.now() - t0

    player.set_speed(1.0)
    slow = advance_over(200)
    player.set_speed(10.0)
    fast = advance_over(200)
    assert clock.speed == 10.0
    assert fast > 4 * slow


def test_speed_is_clamped_to_the_clock_range(player, qtbot):
    start(player, qtbot)
    assert player.set_speed(100) == 20.0
    assert player.runtime.clock.speed == 20.0


def test_stop_joins_every_goroutine(player, qtbot):
    run = start(player, qtbot)
    with qtbot.waitSignal(player.stopped, timeout=5000) as sig:
        player.stop()
    assert sig.args[0].clean
    assert run.runtime.goroutines() == []
    assert player.state == PlayerState.IDLE


def test_reset_starts_a_fresh_run(player, qtbot):
    first = start(player, qtbot)
    with qtbot.waitSignal(player.started, timeout=2000):
        second = player.reset()
    assert second is not first and player.run is second


def test_bad_parameter_starts_nothing(player, qtbot):
    cls = scenarios.get(LESSON)
    with pytest.raises(ValueError):
        player.start(cls, {cls.params[0].name: 10**9} if cls.params else {"nope": 1})
    assert player.run is None
