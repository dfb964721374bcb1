"""The stage's reducer (gui.scene) on synthetic trace events."""

from __future__ import annotations

import itertools

import pytest

from core.trace import Kind, TraceEvent
from gui.scene import SceneModel, state_for_wait_reason


class Trace:
    """Builds events with increasing seq and time, as a Tracer would."""

    def __init__(self) -> None:
        self._seq = itertools.count(1)
        self.t = 0.0

    def __call__(self, kind, g=0, obj=0, name="", value="", extra=()) -> TraceEvent:
        self.t += 0.01
        return TraceEvent(next(self._seq), self.t, kind, g, obj, name, value, tuple(extra))

    def go(self, gid, name, parent=0):
        return [self(Kind.GO_CREATE, g=parent, obj=gid, name=name), self(Kind.GO_START, g=gid)]

    def chan(self, cid, name, cap):
        return self(Kind.CHAN_MAKE, obj=cid, name=name, value=str(cap), extra=(cap,))


@pytest.fixture
def tr() -> Trace:
    return Trace()


@pytest.fixture
def model() -> SceneModel:
    return SceneModel()


def test_go_create_then_start_makes_a_running_goroutine(tr, model):
    d = model.apply(tr.go(5, "worker-1", parent=1))
    g = model.goroutines[5]
    assert (g.name, g.parent, g.state) == ("worker-1", 1, "running")
    assert 5 in d.goroutines and d.structure


@pytest.mark.parametrize(
    ("reason", "state"),
    [
        ("chan send", "blocked_send"),
        ("chan receive", "blocked_recv"),
        ("select", "blocked_select"),
        ("sync.Mutex.Lock", "blocked_lock"),
        ("sync.RWMutex.RLock", "blocked_lock"),
        ("sync.WaitGroup.Wait", "blocked_waitgroup"),
        ("sleep", "sleeping"),
        ("chan receive (nil chan)", "blocked_recv"),
    ],
)
def test_wait_reason_maps_to_state(reason, state):
    assert state_for_wait_reason(reason) == state


@pytest.mark.parametrize("cap", [1, 4])
def test_buffer_fills_in_send_order(tr, model, cap):
    evs = [*tr.go(1, "p"), tr.chan(100, "jobs", cap)]
    for i in range(cap):
        evs.append(tr(Kind.CHAN_SEND, g=1, obj=100, value=str(i), extra=("buffer", i + 1)))
    d = model.apply(evs)
    c = model.channels[100]
    assert list(c.buffer) == [str(i) for i in range(cap)]
    assert [t.kind for t in d.transfers] == ["to_slot"] * cap
    assert [t.slot for t in d.transfers] == list(range(cap))


def test_receive_from_buffer_takes_the_oldest_value(tr, model):
    evs = [*tr.go(1, "p"), *tr.go(2, "c"), tr.chan(100, "jobs", 3)]
    evs += [
        tr(Kind.CHAN_SEND, g=1, obj=100, value=v, extra=("buffer", i + 1))
        for i, v in enumerate("abc")
    ]
    model.apply(evs)
    d = model.apply([tr(Kind.CHAN_RECV, g=2, obj=100, value="a", extra=("buffer", 2))])
    assert list(model.channels[100].buffer) == ["b", "c"]
    (t,) = d.transfers
    assert (t.kind, t.value, t.dst) == ("from_slot", "a", 2)


def test_full_buffer_parks_the_sender_and_a_receive_moves_its_value_in(tr, model):
    evs = [*tr.go(1, "p"), *tr.go(2, "c"), tr.chan(100, "jobs", 1)]
    evs += [
        tr(Kind.CHAN_SEND, g=1, obj=100, value="1", extra=("buffer", 1)),
        tr(Kind.GO_BLOCK, g=1, obj=100, name="jobs", value="chan send"),
    ]
    model.apply(evs)
    assert model.goroutines[1].state == "blocked_send"
    assert model.channels[100].senders == [1]
    model.apply(
        [
            tr(Kind.CHAN_RECV, g=2, obj=100, value="1", extra=("buffer", 0)),
            tr(Kind.CHAN_SEND, g=1, obj=100, value="2", extra=("buffer", 1)),
            tr(Kind.GO_UNBLOCK, g=1, extra=(2,)),
        ]
    )
    c = model.channels[100]
    assert list(c.buffer) == ["2"] and c.senders == []
    assert model.goroutines[1].state == "running"


def test_unbuffered_handoff_goes_straight_across_once(tr, model):
    evs = [*tr.go(1, "p"), *tr.go(2, "c"), tr.chan(100, "ch", 0)]
    evs.append(tr(Kind.GO_BLOCK, g=2, obj=100, name="ch", value="chan receive"))
    model.apply(evs)
    assert model.channels[100].receivers == [2]
    d = model.apply(
        [
            tr(Kind.CHAN_SEND, g=1, obj=100, value="42", extra=("handoff", 2)),
            tr(Kind.GO_UNBLOCK, g=2, extra=(1,)),
            tr(Kind.CHAN_RECV, g=2, obj=100, value="42", extra=("handoff", 1)),
        ]
    )
    (t,) = d.transfers  # both sides reported it: still one token
    assert (t.kind, t.src, t.dst, t.value) == ("handoff", 1, 2, "42")
    c = model.channels[100]
    assert (c.sent, c.received, c.receivers, list(c.buffer)) == (1, 1, [], [])
    assert model.goroutines[2].state == "running"


def test_handoff_reported_by_receiver_only_wakes_the_parked_sender(tr, model):
    evs = [*tr.go(1, "p"), *tr.go(2, "c"), tr.chan(100, "ch", 0)]
    evs.append(tr(Kind.GO_BLOCK, g=1, obj=100, name="ch", value="chan send"))
    model.apply(evs)
    d = model.apply([tr(Kind.CHAN_RECV, g=2, obj=100, value="x", extra=("handoff", 1))])
    assert [(t.kind, t.src, t.dst) for t in d.transfers] == [("handoff", 1, 2)]
    assert model.channels[100].senders == []
    assert model.goroutines[1].state == "running"


def test_close_reaches_every_parked_receiver_at_once(tr, model):
    evs = [*tr.go(1, "main"), tr.chan(100, "done", 0)]
    for g in (2, 3, 4):
        evs += tr.go(g, f"l{g}")
        evs.append(tr(Kind.GO_BLOCK, g=g, obj=100, name="done", value="chan receive"))
    model.apply(evs)
    d = model.apply([tr(Kind.CHAN_CLOSE, g=1, obj=100, name="done")])
    assert model.channels[100].closed
    assert sorted((t.kind, t.dst) for t in d.transfers) == [
        ("closed", 2),
        ("closed", 3),
        ("closed", 4),
    ]
    d = model.apply(
        [tr(Kind.GO_UNBLOCK, g=g, extra=(1,)) for g in (2, 3, 4)]
        + [tr(Kind.CHAN_RECV, g=g, obj=100, extra=("closed",)) for g in (2, 3, 4)]
    )
    assert d.transfers == []  # the receivers' own "closed" receives are the same event
    assert model.channels[100].receivers == []
    assert {model.goroutines[g].state for g in (2, 3, 4)} == {"running"}


def test_select_records_cases_ready_pick_and_wins(tr, model):
    evs = [*tr.go(1, "s"), tr.chan(100, "a", 1), tr.chan(101, "b", 1)]
    cases = (("recv", 100), ("recv", 101), ("nil", 0))
    evs += [
        tr(Kind.SELECT, g=1, obj=101, value="1", extra=(1, (0, 1), cases)),
        tr(Kind.SELECT, g=1, obj=101, value="1", extra=(1, (1,), cases)),
        tr(Kind.SELECT, g=1, obj=100, value="0", extra=(0, (0,), cases)),
    ]
    model.apply(evs)
    sel = model.selects[1]
    assert sel.cases == cases and sel.ready == (0,) and sel.picked == 0
    assert sel.wins == {1: 2, 0: 1} and sel.count == 3


def test_select_default_counts_as_minus_one(tr, model):
    model.apply(
        [*tr.go(1, "s"), tr(Kind.SELECT, g=1, value="-1", extra=(-1, (), (("recv", 100),)))]
    )
    assert model.selects[1].wins == {-1: 1}


def test_parked_select_watches_each_channel(tr, model):
    evs = [*tr.go(1, "s"), tr.chan(100, "a", 0), tr.chan(101, "b", 0)]
    evs.append(tr(Kind.GO_BLOCK, g=1, value="select", extra=(100, 101)))
    model.apply(evs)
    assert model.goroutines[1].state == "blocked_select"
    assert model.channels[100].selectors == [1] and model.channels[101].selectors == [1]
    model.apply([tr(Kind.GO_UNBLOCK, g=1)])
    assert model.channels[100].selectors == [] and model.channels[101].selectors == []


def test_parked_select_without_channel_ids_uses_its_last_select(tr, model):
    cases = (("recv", 100), ("send", 101))
    evs = [
        *tr.go(1, "s"),
        tr.chan(100, "a", 0),
        tr.chan(101, "b", 0),
        tr(Kind.SELECT, g=1, obj=100, value="0", extra=(0, (0,), cases)),
        tr(Kind.GO_BLOCK, g=1, obj=7, value="select"),
    ]
    model.apply(evs)
    assert model.goroutines[1].waiting_chans == (100, 101)


def test_mutex_holder_and_waiters(tr, model):
    evs = [
        *tr.go(1, "a"),
        *tr.go(2, "b"),
        tr(Kind.SYNC_MAKE, obj=50, name="mu", value="Mutex"),
        tr(Kind.LOCK, g=1, obj=50, name="mu", value="w"),
        tr(Kind.GO_BLOCK, g=2, obj=50, name="mu", value="sync.Mutex.Lock"),
    ]
    model.apply(evs)
    lk = model.locks[50]
    assert lk.writer == 1 and lk.waiters == [(2, "w")]
    assert model.goroutines[2].state == "blocked_lock"
    model.apply(
        [
            tr(Kind.UNLOCK, g=1, obj=50, value="w"),
            tr(Kind.GO_UNBLOCK, g=2, extra=(1,)),
            tr(Kind.LOCK, g=2, obj=50, value="w"),
        ]
    )
    assert lk.writer == 2 and lk.waiters == []


def test_rwmutex_counts_readers(tr, model):
    evs = [
        *tr.go(1, "a"),
        *tr.go(2, "b"),
        tr(Kind.SYNC_MAKE, obj=50, name="rw", value="RWMutex"),
        tr(Kind.LOCK, g=1, obj=50, value="r"),
        tr(Kind.LOCK, g=2, obj=50, value="r"),
    ]
    model.apply(evs)
    assert model.locks[50].readers == [1, 2]
    model.apply([tr(Kind.UNLOCK, g=1, obj=50, value="r")])
    assert model.locks[50].readers == [2] and model.locks[50].held


def test_waitgroup_reaching_zero_releases_every_waiter(tr, model):
    evs = [
        *tr.go(1, "main"),
        *tr.go(2, "w"),
        tr(Kind.SYNC_MAKE, obj=60, name="wg", value="WaitGroup"),
        tr(Kind.WG_ADD, g=1, obj=60, value="1", extra=(1,)),
        tr(Kind.GO_BLOCK, g=1, obj=60, name="wg", value="sync.WaitGroup.Wait"),
    ]
    model.apply(evs)
    assert model.waitgroups[60].waiters == [1]
    d = model.apply([tr(Kind.WG_ADD, g=2, obj=60, value="0", extra=(-1,))])
    assert model.waitgroups[60].counter == 0
    assert [(t.kind, t.dst) for t in d.transfers] == [("release", 1)]


def test_panic_marks_goroutine_and_reports_text(tr, model):
    evs = [
        *tr.go(3, "w"),
        tr(Kind.GO_PANIC, g=3, obj=3, name="w", value="send on closed channel"),
        tr(Kind.GO_END, g=3, obj=3, name="w"),
    ]
    d = model.apply(evs)
    g = model.goroutines[3]
    assert g.state == "panicked" and g.panic == "send on closed channel"
    assert d.panics == [(3, "send on closed channel")]


def test_deadlock_report_is_kept_in_gos_words(tr, model):
    text = "fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 [chan send]: main"
    d = model.apply([tr(Kind.DEADLOCK, value=text)])
    assert d.deadlock == text and model.deadlock == text


def test_context_cancel_spreads_to_descendants_with_depth(tr, model):
    evs = [
        tr(Kind.SYNC_MAKE, obj=10, name="root", value="Context", extra=(0, None)),
        tr(Kind.SYNC_MAKE, obj=11, name="child", value="Context", extra=(10, None)),
        tr(Kind.SYNC_MAKE, obj=12, name="grandchild", value="Context", extra=(11, 5.0)),
    ]
    model.apply(evs)
    assert model.contexts[12].deadline == 5.0
    d = model.apply([tr(Kind.CTX_CANCEL, obj=11, name="child", value="context canceled")])
    assert not model.contexts[10].cancelled
    assert model.contexts[11].cancelled and model.contexts[12].err == "context canceled"
    assert [(t.obj, t.depth) for t in d.transfers] == [(11, 0), (12, 1)]


def test_timer_fire_counts(tr, model):
    model.apply([tr(Kind.SYNC_MAKE, obj=70, name="tick", value="Ticker")])
    d = model.apply(
        [tr(Kind.TIMER_FIRE, obj=70, value="1.0"), tr(Kind.TIMER_FIRE, obj=70, value="2.0")]
    )
    assert model.timers[70].fires == 2 and model.timers[70].kind == "Ticker"
    assert [t.kind for t in d.transfers] == ["fire", "fire"]


def test_stale_read_then_write_is_a_lost_update(tr, model):
    evs = [
        *tr.go(1, "a"),
        *tr.go(2, "b"),
        tr(Kind.MEM_READ, g=1, obj=80, name="count", value="0"),
        tr(Kind.MEM_READ, g=2, obj=80, name="count", value="0"),
        tr(Kind.MEM_WRITE, g=1, obj=80, name="count", value="1"),
        tr(Kind.MEM_WRITE, g=2, obj=80, name="count", value="1"),
    ]
    d = model.apply(evs)
    cell = model.cells[80]
    assert cell.value == "1" and cell.lost == 1 and d.lost_updates == [(80, 2)]


def test_sleep_ends_once_the_clock_passes_its_wake_time(tr, model):
    model.apply([*tr.go(1, "s"), tr(Kind.GO_SLEEP, g=1, value="0.05")])
    assert model.goroutines[1].state == "sleeping"
    tr.t += 1.0
    model.apply([tr(Kind.NOTE, value="later")])
    assert model.goroutines[1].state == "running"


def test_gate_makes_goroutine_runnable_until_stepped(tr, model):
    model.apply([*tr.go(1, "s"), tr(Kind.GO_GATE, g=1, value="chan send")])
    g = model.goroutines[1]
    assert (g.state, g.gate) == ("runnable", "chan send")
    model.apply([tr(Kind.GO_STEP, g=1, value="chan send")])
    assert (g.state, g.gate) == ("running", "")


def test_leak_line_marks_the_goroutine(tr, model):
    model.apply(tr.go(7, "w"))
    model.apply([tr(Kind.LEAK, value="goroutine 7 [chan receive]: w on jobs")])
    assert model.goroutines[7].leaked.startswith("goroutine 7")


def test_finished_goroutines_beyond_the_bound_are_forgotten(tr):
    model = SceneModel(max_done=10)
    evs = []
    for g in range(1, 31):
        evs += [*tr.go(g, f"g{g}"), tr(Kind.GO_END, g=g)]
    d = model.apply(evs)
    assert len(model.goroutines) == 10
    assert d.removed_goroutines == set(range(1, 21))


def test_transfers_per_batch_are_bounded(tr):
    model = SceneModel(max_transfers=5)
    evs = [*tr.go(1, "p"), tr.chan(100, "c", 100)]
    evs += [
        tr(Kind.CHAN_SEND, g=1, obj=100, value=str(i), extra=("buffer", i + 1)) for i in range(20)
    ]
    d = model.apply(evs)
    assert len(d.transfers) == 5 and d.transfers_dropped == 15
    assert len(model.channels[100].buffer) == 20


def test_buffer_follows_the_runtime_length_when_events_were_missed(tr, model):
    evs = [
        *tr.go(1, "p"),
        tr.chan(100, "c", 5),
        tr(Kind.CHAN_SEND, g=1, obj=100, value="x", extra=("buffer", 3)),
    ]
    model.apply(evs)
    assert list(model.channels[100].buffer) == ["?", "?", "x"]


def test_reset_forgets_everything(tr, model):
    model.apply([*tr.go(1, "p"), tr.chan(100, "c", 1)])
    model.reset()
    assert not model.goroutines and not model.channels
