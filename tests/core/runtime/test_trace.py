"""core.trace: the ring, since(), subscribers, the Chrome export, and what the runtime
emits, in exact order, with the field conventions of the brief."""

from __future__ import annotations

import dataclasses
import gc
import json
import threading
import time
from collections.abc import Callable

import pytest
from helpers import wait_until

import core.trace.ring as trace_module
from core.runtime import (
    AtomicInt64,
    Chan,
    Mutex,
    Recv,
    RWMutex,
    State,
    Timer,
    WaitGroup,
    go,
    select,
    sleep,
)
from core.runtime.context import background, with_cancel
from core.trace import Kind, TraceEvent, Tracer, short_repr, to_chrome_trace, write_chrome_trace


def kinds(tracer: Tracer, *wanted: Kind) -> list[TraceEvent]:
    return [e for e in tracer.events() if e.kind in wanted]


def fields(ev: TraceEvent) -> tuple:
    return (ev.kind, ev.g, ev.obj, ev.value, ev.extra)


# -- the ring ------------------------------------------------------------------------------------


def test_events_are_numbered_from_one_in_emit_order():
    tr = Tracer(capacity=10)
    for i in range(3):
        tr.emit(Kind.NOTE, value=f"n{i}")
    assert [(e.seq, e.value) for e in tr.events()] == [(1, "n0"), (2, "n1"), (3, "n2")]
    assert tr.last_seq == 3
    assert tr.dropped == 0


def test_ring_keeps_the_newest_events_and_counts_the_dropped():
    tr = Tracer(capacity=10)
    for i in range(25):
        tr.emit(Kind.NOTE, value=str(i))
    assert [e.seq for e in tr.events()] == list(range(16, 26))
    assert tr.dropped == 15
    assert tr.last_seq == 25


def test_since_returns_the_events_after_a_seq():
    tr = Tracer(capacity=10)
    for i in range(5):
        tr.emit(Kind.NOTE, value=str(i))
    events, missed = tr.since(3)
    assert [e.seq for e in events] == [4, 5]
    assert missed == 0
    assert tr.since(5) == ([], 0)


def test_since_reports_the_events_the_ring_overwrote():
    tr = Tracer(capacity=10)
    for i in range(25):
        tr.emit(Kind.NOTE, value=str(i))
    events, missed = tr.since(3)
    assert [e.seq for e in events] == list(range(16, 26))
    assert missed == 12  # seq 4..15 are gone


def test_since_with_a_limit_returns_the_oldest_first():
    tr = Tracer(capacity=10)
    for i in range(6):
        tr.emit(Kind.NOTE, value=str(i))
    events, missed = tr.since(1, limit=2)
    assert [e.seq for e in events] == [2, 3]
    assert missed == 0


def test_capacity_must_be_positive():
    with pytest.raises(ValueError):
        Tracer(capacity=0)


def stalled_emitter(monkeypatch, tr: Tracer, value: str) -> Callable[[], None]:
    """A thread that emits *value* on *tr* and stalls between taking its seq and
    storing its record; returns the function that lets it finish (and joins it)."""
    stalled, go_on = threading.Event(), threading.Event()
    real = time.monotonic

    def monotonic() -> float:  # called between taking the seq and storing the event
        if threading.current_thread().name == "slow-emitter":
            stalled.set()
            go_on.wait(5)
        return real()

    monkeypatch.setattr(trace_module, "_monotonic", monotonic)
    slow = threading.Thread(
        target=lambda: tr.emit(Kind.NOTE, value=value), name="slow-emitter", daemon=True
    )
    slow.start()
    assert stalled.wait(5)

    def finish() -> None:
        go_on.set()
        slow.join(5)
        assert not slow.is_alive()

    return finish


def test_since_never_silently_skips_an_event_still_being_written(monkeypatch):
    # Thread A takes seq 1, then stalls before storing it; thread B emits seq 2.
    # A reader that reads now and continues from the last seq it got must still get
    # seq 1 later (or have it counted in `missed`), never lose it silently.
    tr = Tracer(capacity=100)
    finish = stalled_emitter(monkeypatch, tr, "first")
    tr.emit(Kind.NOTE, value="second")
    got, missed = tr.since(0)
    finish()
    last = got[-1].seq if got else 0
    later, missed_later = tr.since(last)
    delivered = [e.value for e in got + later]
    assert sorted(delivered) == ["first", "second"] or len(delivered) + missed + missed_later == 2


def test_a_writer_late_by_a_full_lap_does_not_bury_the_newer_event(monkeypatch):
    # Thread A takes seq 1, then stalls before storing it; meanwhile the ring (4 slots)
    # goes more than a lap: seq 5 sits in seq 1's slot. A's late record must not
    # replace seq 5 (lost without a count, a reader would wait for it for ever); it is
    # one of the events the ring dropped.
    tr = Tracer(capacity=4)
    finish = stalled_emitter(monkeypatch, tr, "late")
    for i in range(2, 9):
        tr.emit(Kind.NOTE, value=f"n{i}")
    finish()
    events, missed = tr.since(0)
    assert [e.seq for e in events] == [5, 6, 7, 8] and missed == 4
    assert "late" not in [e.value for e in events]


# -- subscribers and events ------------------------------------------------------------------------


def test_subscribers_get_every_event_in_order_until_they_unsubscribe():
    tr = Tracer(capacity=10)
    seen = []
    unsubscribe = tr.subscribe(seen.append)
    tr.emit(Kind.NOTE, value="a")
    tr.emit(Kind.NOTE, value="b")
    unsubscribe()
    tr.emit(Kind.NOTE, value="c")
    assert [(e.seq, e.value) for e in seen] == [(1, "a"), (2, "b")]


def test_event_values_are_short_reprs():
    tr = Tracer(capacity=10)
    tr.emit(Kind.CHAN_SEND, value=12345)
    tr.emit(Kind.CHAN_SEND, value=list(range(100)))
    tr.emit(Kind.CHAN_SEND, value=[1, 2])
    tr.emit(Kind.NOTE, value="a note is plain text, kept whole " * 3)
    values = [e.value for e in tr.events()]
    assert values[0] == "12345"
    assert len(values[1]) == 40 and values[1].endswith("…")
    assert values[2] == "[1, 2]"
    assert values[3] == "a note is plain text, kept whole " * 3
    assert short_repr(3.14159265) == "3.142"


def test_trace_event_is_frozen():
    ev = TraceEvent(1, 0.0, Kind.NOTE, value="x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ev.value = "y"  # type: ignore[misc]


def test_trace_event_round_trips_through_a_dict():
    ev = TraceEvent(7, 1.5, Kind.SELECT, 3, 9, "jobs", "1", (1, (0, 1), (("recv", 9),)))
    assert TraceEvent.from_dict(json.loads(json.dumps(ev.to_dict()))) == ev


@pytest.mark.parametrize("bad", [{}, {"seq": 1, "t": 0, "kind": "no.such.kind"}, {"seq": "x"}])
def test_malformed_event_dict_raises_value_error(bad):
    with pytest.raises(ValueError):
        TraceEvent.from_dict(bad)


# -- Chrome trace export ---------------------------------------------------------------------------


def test_chrome_trace_of_a_run_loads_as_json(traced_rt, tracer, tmp_path):
    ch = Chan(name="jobs")
    g = go(lambda: [ch.recv() for _ in range(3)], name="worker")
    wait_until(lambda: g.state is State.BLOCKED_RECV)
    for i in range(3):
        ch.send(i)
    assert g.join(5)
    path = tmp_path / "trace.json"
    write_chrome_trace(path, tracer.events())
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    events = data["traceEvents"]
    assert isinstance(events, list) and events
    assert all("ph" in e and "pid" in e for e in events)
    names = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert "worker" in names
    blocked = [e for e in events if e["ph"] == "X" and e["tid"] == g.id]
    assert blocked and all(e["dur"] >= 0 for e in blocked)


def test_chrome_trace_closes_a_sleep_span_at_the_wake():
    events = [
        TraceEvent(1, 1.0, Kind.GO_SLEEP, g=3, value="1"),
        TraceEvent(2, 2.0, Kind.GO_UNBLOCK, g=3, extra=(0,)),
        TraceEvent(3, 4.0, Kind.GO_END, g=3),
    ]
    spans = [e for e in to_chrome_trace(events)["traceEvents"] if e["ph"] == "X"]
    assert [(e["tid"], e["name"], e["ts"], e["dur"]) for e in spans] == [(3, "sleep", 1e6, 1e6)]


def test_chrome_trace_closes_a_blocked_span_at_the_event_that_woke_it():
    # The waker reports the wake-up: here a handoff from goroutine 5 names 3 as woken.
    events = [
        TraceEvent(
            1, 1.0, Kind.GO_BLOCK, 3, 77, "jobs", extra=("blocked_recv", "chan receive", ())
        ),
        TraceEvent(2, 2.0, Kind.CHAN_HANDOFF, 5, 77, "jobs", "x", (5, 3, 3, -1)),
        TraceEvent(3, 2.5, Kind.GO_SLEEP, g=3, value="1"),
        TraceEvent(4, 3.5, Kind.GO_UNBLOCK, g=3, extra=(0,)),
        TraceEvent(5, 4.0, Kind.GO_END, g=3),
    ]
    spans = [e for e in to_chrome_trace(events)["traceEvents"] if e["ph"] == "X"]
    assert [(e["tid"], e["name"], e["ts"], e["dur"]) for e in spans] == [
        (3, "chan receive jobs", 1e6, 1e6),
        (3, "sleep", 2.5e6, 1e6),
    ]


# -- what the runtime emits, in order ------------------------------------------------------------


def test_handoff_to_a_waiting_receiver_is_one_event_naming_both(traced_rt, tracer):
    ch = Chan(name="c")
    receiver = go(ch.recv, name="receiver")
    wait_until(lambda: receiver.state is State.BLOCKED_RECV)
    sender = go(ch.send, "v", name="sender")
    assert sender.join(5) and receiver.join(5)
    r, s = receiver.id, sender.id
    evs = kinds(tracer, Kind.GO_BLOCK, Kind.CHAN_SEND, Kind.CHAN_RECV, Kind.CHAN_HANDOFF)
    evs += kinds(tracer, Kind.GO_UNBLOCK)
    assert [fields(e) for e in evs] == [
        (Kind.GO_BLOCK, r, ch.id, "", ("blocked_recv", "chan receive", ())),
        (Kind.CHAN_HANDOFF, s, ch.id, "v", (s, r, r, -1)),
    ]
    (h,) = kinds(tracer, Kind.CHAN_HANDOFF)
    assert (h.payload.sender, h.payload.receiver, h.payload.woken) == (s, r, r)


def test_receiver_taking_from_a_waiting_sender_is_one_handoff_event(traced_rt, tracer):
    ch = Chan(name="c")
    sender = go(ch.send, 42, name="sender")
    wait_until(lambda: sender.state is State.BLOCKED_SEND)
    receiver = go(ch.recv, name="receiver")
    assert sender.join(5) and receiver.join(5)
    r, s = receiver.id, sender.id
    evs = kinds(tracer, Kind.GO_BLOCK, Kind.CHAN_SEND, Kind.CHAN_RECV, Kind.CHAN_HANDOFF)
    evs += kinds(tracer, Kind.GO_UNBLOCK)
    assert [fields(e) for e in evs] == [
        (Kind.GO_BLOCK, s, ch.id, "", ("blocked_send", "chan send", ())),
        (Kind.CHAN_HANDOFF, r, ch.id, "42", (s, r, s, -1)),
    ]


def test_buffered_send_and_recv_are_traced_with_the_buffer_length(traced_rt, tracer):
    ch = Chan(4, name="c")
    g = go(lambda: (ch.send(1), ch.send(2), ch.recv()))
    assert g.join(5)
    evs = kinds(tracer, Kind.CHAN_SEND, Kind.CHAN_RECV)
    assert [(e.kind, e.g, e.obj, e.value, e.payload.length) for e in evs] == [
        (Kind.CHAN_SEND, g.id, ch.id, "1", 1),
        (Kind.CHAN_SEND, g.id, ch.id, "2", 2),
        (Kind.CHAN_RECV, g.id, ch.id, "1", 1),
    ]


def test_recv_from_a_full_buffer_traces_the_waiting_senders_value_moving_in(traced_rt, tracer):
    ch = Chan(1, name="c")
    ch.send("old")
    sender = go(ch.send, "new", name="sender")
    wait_until(lambda: sender.state is State.BLOCKED_SEND)
    mark = tracer.last_seq
    receiver = go(ch.recv, name="receiver")
    assert receiver.join(5) and sender.join(5)
    evs = [
        e
        for e in tracer.since(mark)[0]
        if e.kind in (Kind.CHAN_SEND, Kind.CHAN_RECV, Kind.GO_UNBLOCK)
    ]
    # One event: "old" leaves, "new" moves into the freed slot, the sender is woken.
    assert [fields(e) for e in evs] == [
        (Kind.CHAN_RECV, receiver.id, ch.id, "old", (1, True, sender.id, "new", -1)),
    ]


def test_close_names_every_waiter_it_wakes(traced_rt, tracer):
    ch = Chan(name="c")
    receivers = [go(ch.recv) for _ in range(2)]
    wait_until(lambda: all(g.state is State.BLOCKED_RECV for g in receivers))
    mark = tracer.last_seq
    closer = go(ch.close, name="closer")
    assert closer.join(5)
    evs = [e for e in tracer.since(mark)[0] if e.kind in (Kind.CHAN_CLOSE, Kind.GO_UNBLOCK)]
    (close,) = evs
    assert (close.kind, close.g, close.obj) == (Kind.CHAN_CLOSE, closer.id, ch.id)
    assert sorted(close.payload.woken) == sorted((g.id, -1) for g in receivers)


def test_recv_on_a_closed_chan_is_traced_as_closed(traced_rt, tracer):
    ch = Chan(name="c")
    ch.close()
    g = go(ch.recv)
    assert g.join(5)
    evs = kinds(tracer, Kind.CHAN_RECV)
    assert [(e.g, e.payload.ok, e.payload.length) for e in evs] == [(g.id, False, 0)]


def test_chan_make_is_traced_with_its_cap(traced_rt, tracer):
    ch = Chan(4, name="jobs")
    evs = kinds(tracer, Kind.CHAN_MAKE)
    assert [(e.obj, e.obj_name, e.payload.cap) for e in evs] == [(ch.id, "jobs", 4)]


def test_select_is_traced_with_its_pick_ready_cases_and_cases(traced_rt, tracer):
    a, b = Chan(1, name="a"), Chan(1, name="b")
    a.send(1)
    g = go(lambda: (select(Recv(a), Recv(b), Recv(None)), select(Recv(b), default=True)))
    assert g.join(5)
    picked, default = kinds(tracer, Kind.SELECT)
    assert (picked.g, picked.obj, picked.value) == (g.id, a.id, "0")
    assert picked.extra == (0, (0,), (("recv", a.id), ("recv", b.id), ("nil", 0)))
    assert (default.obj, default.value) == (0, "-1")
    assert default.extra == (-1, (), (("recv", b.id),))


def test_blocked_select_is_traced_with_the_channels_it_waits_on(traced_rt, tracer):
    a, b = Chan(name="a"), Chan(name="b")
    g = go(select, Recv(a), Recv(b))
    wait_until(lambda: g.state is State.BLOCKED_SELECT)
    blocks = kinds(tracer, Kind.GO_BLOCK)
    cases = (("recv", a.id), ("recv", b.id))
    assert [(e.g, e.obj, e.extra) for e in blocks] == [
        (g.id, 0, ("blocked_select", "select", cases))
    ]
    b.send(1)
    assert g.join(5)
    (woke,) = kinds(tracer, Kind.CHAN_HANDOFF)
    assert (woke.payload.woken, woke.payload.case) == (g.id, 1)


def test_goroutine_life_is_traced(traced_rt, tracer):
    child_box = []

    def parent() -> None:
        child_box.append(go(lambda: None, name="child"))

    p = go(parent, name="parent")
    assert p.join(5) and child_box[0].join(5)
    c = child_box[0]
    life = kinds(tracer, Kind.GO_CREATE, Kind.GO_START, Kind.GO_END)
    created = [(e.g, e.obj, e.obj_name) for e in life if e.kind is Kind.GO_CREATE]
    assert created == [(0, p.id, "parent"), (p.id, c.id, "child")]
    for g in (p, c):
        mine = [e.kind for e in life if (e.obj if e.kind is Kind.GO_CREATE else e.g) == g.id]
        assert mine == [Kind.GO_CREATE, Kind.GO_START, Kind.GO_END]


def test_sync_operations_are_traced(traced_rt, tracer):
    m, rw, wg, n = Mutex(name="m"), RWMutex(name="rw"), WaitGroup(name="wg"), AtomicInt64()

    def body() -> None:
        with m:
            pass
        rw.rlock()
        rw.runlock()
        wg.add(2)
        wg.done()
        wg.done()
        wg.wait()
        n.add(5)

    g = go(body)
    assert g.join(5)
    made = [(e.obj, e.value) for e in kinds(tracer, Kind.SYNC_MAKE)]
    assert made == [
        (m.id, "Mutex"),
        (rw.id, "RWMutex"),
        (wg.id, "WaitGroup"),
        (n.id, "AtomicInt64"),
    ]
    locks = [(e.kind, e.obj, e.payload.mode) for e in kinds(tracer, Kind.LOCK, Kind.UNLOCK)]
    assert locks == [
        (Kind.LOCK, m.id, "w"),
        (Kind.UNLOCK, m.id, "w"),
        (Kind.LOCK, rw.id, "r"),
        (Kind.UNLOCK, rw.id, "r"),
    ]
    adds = [e.extra for e in kinds(tracer, Kind.WG_ADD)]
    assert adds == [(2, 2, ()), (1, -1, ()), (0, -1, ())]
    assert [e.obj for e in kinds(tracer, Kind.WG_WAIT)] == [wg.id]
    assert [(e.obj, e.value) for e in kinds(tracer, Kind.ATOMIC)] == [(n.id, "5")]
    assert {e.g for e in kinds(tracer, Kind.LOCK, Kind.WG_ADD, Kind.ATOMIC)} == {g.id}


def test_timer_fire_and_context_cancel_are_traced(traced_rt, tracer):
    traced_rt.pause()
    t = Timer(1.0, name="t")
    assert traced_rt.step()
    wait_until(lambda: t.c.statistics().length == 1)
    ctx, cancel = with_cancel(background(), name="job")
    cancel()
    fires = kinds(tracer, Kind.TIMER_FIRE)
    assert [e.obj for e in fires] == [t.id]
    cancels = kinds(tracer, Kind.CTX_CANCEL)
    assert [(e.obj, e.obj_name, e.value) for e in cancels] == [(ctx.id, "job", "context canceled")]


def test_event_times_are_runtime_clock_times(traced_rt, tracer):
    traced_rt.clock.speed = 20  # 1 runtime second: 50 ms of wall time
    g = go(sleep, 1.0)
    assert g.join(5)
    (slept,) = kinds(tracer, Kind.GO_SLEEP)
    (woke,) = [e for e in kinds(tracer, Kind.GO_UNBLOCK) if e.g == g.id]
    assert slept.value == "1"
    assert 1.0 <= woke.t - slept.t < 3.0
    traced_rt.pause()
    frozen = traced_rt.clock.now()
    Chan(name="made while paused")
    assert kinds(tracer, Kind.CHAN_MAKE)[-1].t == frozen


def test_event_times_never_go_back(traced_rt, tracer):
    ch = Chan(8)
    gs = [go(lambda: [ch.send(i) for i in range(50)]) for _ in range(4)]
    for _ in range(200):
        ch.recv()
    for g in gs:
        assert g.join(5)
    times = [e.t for e in tracer.events()]
    assert times == sorted(times)


def test_a_collected_object_is_traced_later_never_from_inside_the_collector(traced_rt, tracer):
    """The collector runs at any bytecode, also inside a subscriber that holds its own
    (non-reentrant) lock: an OBJ_FREE emitted from there re-entered the subscriber and
    deadlocked its thread. Now the free is noted and traced at the next ordinary step."""
    guard = threading.Lock()
    reentered = []

    def subscriber(ev: TraceEvent) -> None:
        if not guard.acquire(timeout=1.0):
            reentered.append(ev)
            return
        try:
            if ev.kind is Kind.CHAN_MAKE and ev.obj_name == "trigger":
                gc.collect()  # as if the collector fired here
        finally:
            guard.release()

    ch = Chan(0, name="in-a-cycle")
    oid = ch.id
    cycle = [ch]
    cycle.append(cycle)  # only the cycle collector can free it
    del ch, cycle
    unsubscribe = tracer.subscribe(subscriber)
    try:
        Chan(0, name="trigger")
        assert reentered == []
        # The trigger's own registration (an ordinary step) traced the free, once.
        frees = [e for e in tracer.events() if e.kind is Kind.OBJ_FREE and e.obj == oid]
        assert len(frees) == 1
    finally:
        unsubscribe()


def test_events_read_from_the_ring_are_the_same_frozen_events():
    from core.trace.events import make_event

    made = make_event(7, 1.5, Kind.SELECT, 3, 9, "jobs", "1", (1, (0, 1), (("recv", 9),)))
    built = TraceEvent(7, 1.5, Kind.SELECT, 3, 9, "jobs", "1", (1, (0, 1), (("recv", 9),)))
    assert made == built and hash(made) == hash(built) and repr(made) == repr(built)
    assert made.payload == built.payload
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.value = "y"  # type: ignore[misc]
    tr = Tracer(capacity=4)
    tr.emit(Kind.NOTE, g=1, value="x")
    (ev,) = tr.events()
    assert ev == TraceEvent(1, ev.t, Kind.NOTE, 1, 0, "", "x", ())
