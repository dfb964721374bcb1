"""The Reports tab: a data race, a deadlock and a leak, in Go's words."""

from __future__ import annotations

import random

from core.teaching import race_reports
from core.trace import Kind, TraceEvent
from gui.panels.reports import RaceTracker


def test_race_report_names_the_two_goroutines(window, qtbot):
    window.player.set_speed(5.0)
    assert window.open_lesson("lost-updates")
    qtbot.waitUntil(lambda: bool(window.reports.races.found), timeout=8000)
    race = window.reports.races.found[0]
    # The same lost update core.teaching finds in the whole trace, by the same write.
    (first,) = race_reports(window.player.tracer.events(), limit=1)
    assert race.write_seq == first.write_seq
    assert race.writer != race.previous_writer
    assert race.writer_name.startswith("inc-") and race.previous_writer_name.startswith("inc-")
    text = window.reports.plain_text()
    assert "WARNING: DATA RACE" in text
    assert f"by goroutine {race.writer} ({race.writer_name})" in text
    assert f"by goroutine {race.previous_writer} ({race.previous_writer_name})" in text


def test_deadlock_report_has_gos_block_and_a_sentence_per_goroutine(window, qtbot):
    window.player.STOP_TIMEOUT = 0.4
    assert window.open_lesson("deadlock", {"variant": "broken", "mistake": "everyone-waiting"})
    qtbot.waitUntil(lambda: bool(window.reports.deadlock_text), timeout=8000)
    text = window.reports.plain_text()
    assert "fatal error: all goroutines are asleep - deadlock!" in text
    assert "[sync.Mutex.Lock]: worker 1 on B" in text
    assert "worker 1 waits for B, held by worker 2" in text
    assert "neither can ever move" in text


def test_leak_report_lists_the_blocked_query_when_the_lesson_stops(window, qtbot):
    window.player.STOP_TIMEOUT = 0.4
    window.player.set_speed(5.0)
    assert window.open_lesson("cancel-by-timeout", {"variant": "broken"})
    qtbot.waitUntil(lambda: bool(window.reports.stuck_text), timeout=8000)
    with qtbot.waitSignal(window.player.stopped, timeout=5000):
        window.player.stop()
    text = window.reports.plain_text()
    assert "LEAKS: Cancel by timeout" in text
    assert "found unexpected goroutines:" in text
    assert "in state chan send, with query #" in text


def test_clean_stop_says_no_leak(window, qtbot):
    assert window.open_lesson("unbuffered-channel")
    qtbot.waitUntil(lambda: window.bridge.delivered > 0, timeout=3000)
    with qtbot.waitSignal(window.player.stopped, timeout=5000):
        window.player.stop()
    assert "No leak: every goroutine ended" in window.reports.plain_text()


def _mem_trace(seed: int, n: int = 400) -> list[TraceEvent]:
    """count++ by three goroutines, interleaved at random (some reads never written)."""
    rng = random.Random(seed)
    events = [
        TraceEvent(seq=i + 1, t=0.0, kind=Kind.GO_CREATE, g=1, obj=10 + i, obj_name=f"inc-{i}")
        for i in range(3)
    ]
    value, pending = 0, {}
    for _ in range(n):
        g = rng.choice((10, 11, 12))
        seq = len(events) + 1
        if g in pending:
            events.append(
                TraceEvent(seq, seq / 100, Kind.MEM_WRITE, g, 99, "count", str(pending.pop(g) + 1))
            )
            value = int(events[-1].value)
        else:
            pending[g] = value
            events.append(TraceEvent(seq, seq / 100, Kind.MEM_READ, g, 99, "count", str(value)))
    return events


def test_race_tracker_fed_in_batches_finds_what_race_reports_finds():
    for seed in range(5):
        events = _mem_trace(seed)
        tracker = RaceTracker()
        rng = random.Random(seed)
        i = 0
        while i < len(events):
            k = rng.randint(1, 40)
            tracker.apply(events[i : i + k])
            i += k
        expected = race_reports(events)
        assert expected  # the trace does lose updates
        assert [r.write_seq for r in tracker.found] == [r.write_seq for r in expected]
        assert [r.writer_name for r in tracker.found] == [r.writer_name for r in expected]
