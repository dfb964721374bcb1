"""ResourceKeeper: one goroutine owns the counts; inc is bounded by one timer; stop never hangs."""

from __future__ import annotations

import time

import pytest
from helpers import wait_until

from core.patterns.keeper import ResourceKeeper
from core.runtime import Chan, Runtime, State
from core.trace import Kind, Tracer


def call(rt: Runtime, fn, *args, timeout: float = 5.0):
    """Run fn(*args) in a goroutine of rt; return its result."""
    out = []
    g = rt.go(lambda: out.append(fn(*args)), name="caller")
    assert g.join(timeout), "the call did not return"
    assert g.panic is None, g.panic
    return out[0]


def test_inc_is_counted_per_user(rt):
    k = ResourceKeeper()
    assert call(rt, k.inc, "alice")
    assert call(rt, k.inc, "alice")
    assert call(rt, k.inc, "bob")
    assert (call(rt, k.get, "alice"), call(rt, k.get, "bob")) == (2, 1)
    k.stop()


def test_get_of_an_unknown_user_is_zero(rt):
    k = ResourceKeeper()
    assert call(rt, k.get, "nobody") == 0
    k.stop()


def test_get_all_returns_a_copy(rt):
    k = ResourceKeeper()
    assert call(rt, k.inc, "alice")
    snapshot = call(rt, k.get_all)
    snapshot["alice"] = 99
    assert call(rt, k.get_all) == {"alice": 1}
    k.stop()


def test_no_increment_is_lost_under_8_goroutines(rt):
    k = ResourceKeeper()
    confirmed: list[int] = []

    def work(user: str) -> None:
        confirmed.append(sum(k.inc(user, timeout=5.0) for _ in range(250)))

    gs = [rt.go(work, f"user-{i % 2}", name=f"client-{i}") for i in range(8)]
    for g in gs:
        assert g.join(10.0)
    assert confirmed == [250] * 8
    assert call(rt, k.get_all) == {"user-0": 1000, "user-1": 1000}
    k.stop()


def test_inc_after_stop_returns_false_at_once(rt):
    k = ResourceKeeper()
    k.stop()
    t0 = time.monotonic()
    assert call(rt, k.inc, "alice", 10.0) is False
    assert time.monotonic() - t0 < 2.0  # not the 10 s timeout
    assert k.goroutine.join(2.0)


def test_get_after_stop_returns_zero_and_an_empty_map(rt):
    k = ResourceKeeper()
    assert call(rt, k.inc, "alice")
    k.stop()
    assert call(rt, k.get, "alice") == 0
    assert call(rt, k.get_all) == {}


def test_stop_twice_does_not_panic(rt):
    k = ResourceKeeper()
    k.stop()
    k.stop()
    assert k.goroutine.join(2.0)
    assert k.goroutine.panic is None


def test_inc_times_out_when_the_keeper_is_slow(rt):
    k = ResourceKeeper(delay=1.0)
    t0 = rt.clock.now()
    assert call(rt, k.inc, "alice", 0.05) is False
    assert 0.04 < rt.clock.now() - t0 < 0.9
    k.stop()


def test_stop_releases_a_caller_waiting_for_a_slow_keeper(rt):
    k = ResourceKeeper(delay=30.0)
    out = []
    g = rt.go(lambda: out.append(k.inc("alice", timeout=None)), name="caller")
    wait_until(lambda: g.state is State.BLOCKED_SELECT)
    k.stop()
    assert g.join(2.0)
    assert out == [False]


def test_inc_uses_one_timer_and_stops_it(rt):
    tracer = Tracer()
    rt.set_tracer(tracer)
    k = ResourceKeeper()
    assert call(rt, k.inc, "alice")
    timers = [
        e for e in tracer.events() if e.kind is Kind.SYNC_MAKE and e.value in ("Timer", "Ticker")
    ]
    assert [e.obj_name for e in timers] == ["keeper.timeout"]
    k.stop()


def test_unguarded_inc_after_stop_blocks_forever_on_send():
    rt = Runtime(name="broken-keeper")
    with rt.active():
        k = ResourceKeeper()
        k.stop()
        g = rt.go(k.inc_unguarded, "alice", name="client")
        wait_until(lambda: g.state is State.BLOCKED_SEND)
    report = rt.stop(0.5)
    assert report.leaked == ["goroutine 2 [chan send]: client on keeper.requests"]


def test_rejects_a_negative_delay():
    with pytest.raises(ValueError, match="delay"):
        ResourceKeeper(delay=-1)


def test_inc_rejects_a_negative_timeout(rt):
    k = ResourceKeeper()
    out = []
    g = rt.go(lambda: out.append(k.inc("alice", timeout=-1)))
    assert g.join(2.0)
    assert isinstance(g.panic, ValueError)
    k.stop()


def test_a_request_reads_as_words_on_the_stage(rt):
    """A request travelling on the requests channel is drawn as "inc alice", not as
    the dataclass's repr (which named its reply channel)."""
    from core.patterns.keeper import _Request
    from core.trace.events import short_repr

    assert short_repr(_Request("inc", "alice", Chan(1))) == "inc alice"
    assert short_repr(_Request("all", None, Chan(1))) == "all"
