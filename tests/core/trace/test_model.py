"""RunModel: the run folded from events alone, one exact event per state change."""

from __future__ import annotations

import pytest
from helpers import wait_until

from core.runtime import Chan, Mutex, Recv, Runtime, State, Timer, WaitGroup, go, select
from core.trace import Kind, RunModel, TraceEvent, Tracer


@pytest.fixture
def rt():
    runtime = Runtime(name="model", tracer=Tracer(), seed=3)
    with runtime.active():
        yield runtime
    runtime.stop(timeout=0.5)


def folded(rt: Runtime) -> RunModel:
    m = RunModel()
    m.apply(rt.tracer.events())
    assert m.mismatches == 0
    return m


def ev(seq, kind, g=0, obj=0, name="", value="", extra=()):
    return TraceEvent(seq, seq / 10, kind, g, obj, name, value, extra)


@pytest.mark.parametrize("cap", [0, 1, 4])
def test_model_equals_the_runtime_with_a_parked_sender(rt, cap):
    ch = Chan(cap, name="jobs")
    for i in range(cap):
        ch.send(i)
    sender = go(ch.send, "x", name="sender")
    wait_until(lambda: sender.state is State.BLOCKED_SEND)
    rt.pause()
    real = rt.snapshot()
    assert real["quiescent"]
    assert folded(rt).snapshot() == real
    rt.resume()
    assert ch.recv() == (0 if cap else "x", True)


def test_a_receive_that_pulls_a_parked_senders_value_keeps_the_buffer_exact(rt):
    ch = Chan(1, name="c")
    ch.send("old")
    sender = go(ch.send, "new", name="sender")
    wait_until(lambda: sender.state is State.BLOCKED_SEND)
    assert ch.recv() == ("old", True)
    assert sender.join(5)
    m = folded(rt)
    assert list(m.channels[ch.id].buffer) == ["new"]
    assert m.goroutines[sender.id].state == "done"


def test_a_close_makes_every_parked_receiver_runnable_in_the_same_event():
    events = [
        ev(1, Kind.CHAN_MAKE, 1, 9, "c", extra=(0,)),
        ev(2, Kind.GO_CREATE, 1, 2, "r"),
        ev(3, Kind.GO_BLOCK, 2, 9, "c", extra=("blocked_recv", "chan receive", ())),
        ev(4, Kind.CHAN_CLOSE, 1, 9, "c", extra=(((2, -1),),)),
    ]
    m = RunModel()
    d = m.apply(events)
    assert m.goroutines[2].state == "runnable"
    assert m.channels[9].closed and m.channels[9].receivers == []
    assert [t.kind for t in d.transfers] == ["closed"]


def test_mutex_is_never_held_twice_in_the_model_of_a_contended_run(rt):
    mu = Mutex(name="mu")

    def worker():
        for _ in range(300):
            with mu:
                pass

    gs = [go(worker) for _ in range(4)]
    assert all(g.join(10) for g in gs)
    m = folded(rt)  # a second LOCK without an UNLOCK would count a mismatch
    assert not m.locks[mu.id].held


def test_a_parked_select_woken_by_a_handoff_counts_its_case(rt):
    a, b = Chan(name="a"), Chan(name="b")
    g = go(select, Recv(a), Recv(b), name="sel")
    wait_until(lambda: g.state is State.BLOCKED_SELECT)
    b.send(1)
    assert g.join(5)
    sel = folded(rt).selects[g.id]
    assert (sel.picked, sel.wins) == (1, {1: 1})


def test_a_stopped_timers_dropped_value_leaves_the_models_channel_too(rt):
    rt.pause()
    t = Timer(1.0, name="t")
    assert rt.step()
    wait_until(lambda: t.c.statistics().length == 1)
    assert t.stop() is True
    m = folded(rt)
    assert list(m.channels[t.c.id].buffer) == []
    assert m.snapshot()["channels"][t.c.id] == rt.snapshot()["channels"][t.c.id]


def test_a_waitgroup_release_wakes_its_waiters(rt):
    wg = WaitGroup(name="wg")
    wg.add(1)
    w = go(wg.wait, name="waiter")
    wait_until(lambda: w.state is State.BLOCKED_WAITGROUP)
    rt.pause()
    wg.done()  # from a thread outside the runtime: never gated
    m = folded(rt)
    assert m.waitgroups[wg.id].counter == 0
    assert m.goroutines[w.id].state in ("runnable", "running", "done")
    rt.resume()
    assert w.join(5)


def test_a_freed_channel_leaves_the_model(rt):
    ch = Chan(name="temp")
    cid = ch.id
    del ch
    rt.snapshot()  # collects cyclic garbage; plain garbage is already gone
    m = folded(rt)
    assert cid not in m.channels


def test_a_timer_knows_when_it_fires_next_through_reset_stop_and_ticks(rt):
    from core.runtime import Ticker

    t = Timer(30, name="timeout")
    m = folded(rt)
    made = m.timers[t.id]
    assert made.due == pytest.approx(m.now + 30, abs=0.5)
    t.reset(50)
    m = folded(rt)
    assert m.timers[t.id].due == pytest.approx(m.now + 50, abs=0.5)
    t.stop()
    assert folded(rt).timers[t.id].due is None
    tick = Ticker(0.05, name="tick")
    tick.c.recv()
    m = folded(rt)
    tv = m.timers[tick.id]
    assert tv.fires >= 1 and tv.due == pytest.approx(tv.last_fire_t + 0.05)
    tick.stop()


def test_a_done_channel_keeps_its_contexts_name_after_the_context_is_freed():
    """The stage labels a Done channel by its context ("job.Done()"); a closed Done
    channel may outlive its freed context on stage, and must not fall back to the
    runtime's own channel name."""
    m = RunModel()
    m.apply(
        [
            ev(
                1,
                Kind.SYNC_MAKE,
                obj=10,
                name="job",
                value="Context",
                extra=(0, None, "cancel", 11),
            ),
            ev(2, Kind.CHAN_MAKE, obj=11, name="job.Done", value="0", extra=(0,)),
            ev(3, Kind.OBJ_FREE, obj=10),
        ]
    )
    assert 10 not in m.contexts
    assert m.done_names[11] == "job"
    m.apply([ev(4, Kind.OBJ_FREE, obj=11)])
    assert 11 not in m.done_names


def test_a_sleep_reads_to_three_figures():
    """A card says "sleep 0.524 s", not the runtime's "sleep 0.524067 s"."""
    m = RunModel()
    m.apply([ev(1, Kind.GO_CREATE, obj=1, name="q"), ev(2, Kind.GO_START, g=1, obj=1)])
    m.apply([ev(3, Kind.GO_SLEEP, g=1, extra=(0.524067, 1.0))])
    assert m.goroutines[1].activity == "sleep 0.524 s"
