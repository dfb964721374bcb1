"""The timeline panel: one lane per goroutine, coloured by state over time."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QPoint, Qt

from core.trace import STATES, Kind, TraceEvent
from gui.panels import timeline
from gui.panels.timeline import TimelineModel, TimelinePanel
from gui.theme import DARK, LIGHT


class Trace:
    def __init__(self) -> None:
        self._seq = itertools.count(1)
        self.t = 0.0

    def __call__(self, kind, g=0, obj=0, name="", value="", extra=(), dt=0.1) -> TraceEvent:
        self.t += dt
        return TraceEvent(next(self._seq), self.t, kind, g, obj, name, value, tuple(extra))

    def go(self, gid, name):
        return [self(Kind.GO_CREATE, obj=gid, name=name), self(Kind.GO_START, g=gid, obj=gid)]


@pytest.fixture
def tr() -> Trace:
    return Trace()


@pytest.fixture
def panel(qtbot) -> TimelinePanel:
    p = TimelinePanel(DARK)
    qtbot.addWidget(p)
    p.resize(900, 300)
    p.show()
    return p


def states(lane) -> list[str]:
    return [STATES[s] for s in lane.states]


def test_a_lane_per_goroutine(panel, tr):
    panel.apply_events([*tr.go(1, "main"), *tr.go(2, "worker-1"), *tr.go(3, "worker-2")])
    assert panel.lane_count == 3
    assert [ln.name for ln in panel.model.lanes.values()] == ["main", "worker-1", "worker-2"]


def test_lane_records_state_changes_in_order(tr):
    m = TimelineModel()
    m.apply(
        [
            *tr.go(1, "w"),
            *tr.go(2, "main"),
            tr(Kind.GO_BLOCK, g=1, obj=100, name="jobs", extra=("blocked_recv", "chan receive")),
            # main hands a value to the parked receiver: the handoff wakes it (runnable)...
            tr(Kind.CHAN_HANDOFF, g=2, obj=100, name="jobs", value="7", extra=(2, 1, 1, -1)),
            # ...and what it does next, it does running.
            tr(Kind.MEM_WRITE, g=1, obj=5, name="x", value="7"),
            tr(Kind.GO_END, g=1),
        ]
    )
    lane = m.lanes[1]
    assert states(lane) == ["runnable", "running", "blocked_recv", "runnable", "running", "done"]
    assert lane.labels[2] == "chan receive jobs"
    assert lane.labels[3] == "woken by main"
    assert lane.starts == sorted(lane.starts)


def test_the_waker_runs_and_the_woken_becomes_runnable(tr):
    m = TimelineModel()
    m.apply(
        [
            *tr.go(1, "w"),
            *tr.go(2, "main"),
            tr(Kind.GO_BLOCK, g=1, obj=9, name="mu", extra=("blocked_lock", "sync.Mutex.Lock")),
            tr(Kind.GO_GATE, g=2, value="unlock"),
            tr(Kind.UNLOCK, g=2, obj=9, name="mu", extra=("w", 1)),
        ]
    )
    assert states(m.lanes[1])[-2:] == ["blocked_lock", "runnable"]
    assert states(m.lanes[2])[-2:] == ["runnable", "running"]
    # A lock handed over by an unlock wakes its new holder (g): not running yet.
    m.apply([tr(Kind.GO_BLOCK, g=1, obj=9, name="mu", extra=("blocked_lock", "Lock"))])
    m.apply([tr(Kind.LOCK, g=1, obj=9, name="mu", extra=("w", True))])
    assert states(m.lanes[1])[-2:] == ["blocked_lock", "runnable"]


def test_sleep_ends_at_its_wake_time(tr):
    m = TimelineModel()
    m.apply([*tr.go(1, "s"), tr(Kind.GO_SLEEP, g=1, value="0.5", extra=(0.5, tr.t + 0.1 + 0.5))])
    slept_at = tr.t
    m.apply([tr(Kind.NOTE, value="before", dt=0.2)])
    assert states(m.lanes[1])[-1] == "sleeping"  # nothing is guessed from the clock
    # The clock wakes the sleeper at its wake time, and says so.
    m.apply([tr(Kind.GO_UNBLOCK, g=1, extra=(0,), dt=0.3)])
    m.apply([tr(Kind.NOTE, value="later", dt=2.0)])
    lane = m.lanes[1]
    assert states(lane)[-2:] == ["sleeping", "runnable"]
    assert lane.starts[-1] == pytest.approx(slept_at + 0.5)
    assert lane.labels[-2] == "sleep 0.5 s" and lane.labels[-1] == "sleep over"


def test_an_action_means_running(tr):
    m = TimelineModel()
    m.apply(
        [
            *tr.go(1, "w"),
            tr(Kind.GO_GATE, g=1, value="chan send"),
            tr(Kind.CHAN_SEND, g=1, obj=100, value="1", extra=(1,)),
        ]
    )
    assert states(m.lanes[1])[-2:] == ["runnable", "running"]


def test_span_at_finds_the_state_at_a_time(tr):
    m = TimelineModel()
    m.apply(
        [
            *tr.go(1, "w"),
            tr(Kind.GO_BLOCK, g=1, obj=5, name="mu", extra=("blocked_lock", "sync.Mutex.Lock")),
        ]
    )
    lane = m.lanes[1]
    assert STATES[lane.states[lane.span_at(tr.t + 1)]] == "blocked_lock"
    assert lane.span_at(-1.0) == -1


def test_lanes_are_bounded_and_finished_ones_go_first(tr, monkeypatch):
    monkeypatch.setattr(timeline, "MAX_LANES", 20)
    m = TimelineModel()
    evs = []
    for g in range(1, 41):
        evs += tr.go(g, f"g{g}")
        if g <= 30:
            evs.append(tr(Kind.GO_END, g=g))
    m.apply(evs)
    assert len(m.lanes) == 20
    assert all(g in m.lanes for g in range(31, 41))  # the live ones stayed


def test_spans_per_lane_are_bounded(tr, monkeypatch):
    monkeypatch.setattr(timeline, "MAX_SPANS", 100)
    m = TimelineModel()
    evs = [*tr.go(1, "w"), *tr.go(2, "r")]
    for _ in range(300):
        evs += [
            tr(Kind.GO_BLOCK, g=1, obj=9, extra=("blocked_send", "chan send"), dt=0.01),
            tr(Kind.CHAN_HANDOFF, g=2, obj=9, value="1", extra=(1, 2, 1, -1), dt=0.01),
        ]
    m.apply(evs)
    assert len(m.lanes[1].starts) <= 100


def test_clicking_a_lane_emits_its_goroutine(panel, tr, qtbot):
    panel.apply_events([*tr.go(4, "main"), *tr.go(9, "worker")])
    canvas = panel.canvas
    y = canvas.axis_h + canvas.lane_h + canvas.lane_h // 2  # the second lane
    with qtbot.waitSignal(panel.goroutine_clicked, timeout=1000) as sig:
        qtbot.mouseClick(canvas.viewport(), Qt.LeftButton, pos=QPoint(canvas.label_w + 40, y))
    assert sig.args == [9]


def test_describe_says_state_reason_and_times(panel, tr):
    panel.apply_events(
        [
            *tr.go(1, "w"),
            tr(Kind.GO_BLOCK, g=1, obj=100, name="jobs", extra=("blocked_send", "chan send")),
        ]
    )
    canvas = panel.canvas
    canvas.fit()
    lane, text = canvas.describe(
        canvas.viewport().rect().topLeft()
        + QPoint(canvas.viewport().width() - 30, canvas.axis_h + 5)
    )
    assert lane is not None and "blocked send: chan send jobs" in text


def test_zoom_changes_the_scale(panel, tr):
    panel.apply_events(tr.go(1, "w"))
    before = panel.canvas.pps
    panel.canvas.zoom(2.0)
    assert panel.canvas.pps == pytest.approx(before * 2)


def test_reset_and_theme(panel, tr):
    panel.apply_events(tr.go(1, "w"))
    panel.set_theme(LIGHT)
    panel.reset()
    assert panel.lane_count == 0
    assert not panel.grab().isNull()
