"""The runtime under abuse: thousands of goroutines, clock storms, stop while all is
blocked, goroutines that raise, a trace ring that overflows.

Memory is read from ``/proc/self/status`` (VmRSS); bounds on it are loose (the
allocator keeps some of what it freed), threads must come back exactly.
"""

from __future__ import annotations

import itertools
import random
import sys
import threading
import time

import pytest
from helpers import wait_until

from core.runtime import (
    AtomicInt64,
    Chan,
    Mutex,
    Once,
    Panic,
    Recv,
    Runtime,
    RWMutex,
    Send,
    State,
    Ticker,
    Timer,
    WaitGroup,
    after,
    now,
    select,
    sleep,
)
from core.runtime.context import background, with_cancel
from core.trace import Kind, Tracer

MANY = 5_000


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


# -- 5,000 goroutines ------------------------------------------------------------------------


def test_5000_blocked_goroutines_all_wake_and_their_threads_and_memory_come_back(
    no_thread_left,
):
    threads_before, rss_before = threading.active_count(), rss_mb()
    rt = Runtime(name="many")
    with rt.active():
        gate = Chan(0, name="gate")
        woke = AtomicInt64(0)

    def body() -> None:
        _, ok = gate.recv()
        assert not ok
        woke.add(1)

    gs = [rt.go(body, name=f"g{k}") for k in range(MANY)]
    try:
        wait_until(lambda: gate.statistics().waiting_receivers == MANY, timeout=60.0)
        assert threading.active_count() >= threads_before + MANY
        report = rt.check_deadlock()  # nobody inside can close the gate: Go would say so
        assert report is not None and len(report.goroutines) == MANY
        rss_peak = rss_mb()
        gate.close()
        assert all(g.join(30.0) for g in gs)
    finally:
        stop = rt.stop(timeout=2.0)
    assert stop.clean and woke.load() == MANY
    wait_until(lambda: threading.active_count() <= threads_before, timeout=10.0)
    grown = rss_mb() - rss_before
    print(f"\nRSS before {rss_before:.0f} MB, peak {rss_peak:.0f} MB, after +{grown:.0f} MB")
    assert grown < max(64.0, (rss_peak - rss_before) / 2), "memory of 5,000 goroutines kept"


def test_5000_goroutines_pass_values_through_one_channel_without_loss(no_thread_left):
    rt = Runtime(name="many-values")
    with rt.active():
        ch = Chan(16, name="funnel")
    gs = [rt.go(ch.send, k, name=f"sender-{k}") for k in range(MANY)]
    got = [ch.recv()[0] for _ in range(MANY)]
    assert all(g.join(30.0) for g in gs)
    assert sorted(got) == list(range(MANY))
    assert rt.stop(timeout=2.0).clean


# -- clock storms --------------------------------------------------------------------------


def test_sleepers_timers_and_tickers_survive_speed_and_pause_storms(no_thread_left):
    r = random.Random(7)
    tracer = Tracer(200_000)
    rt = Runtime(name="storm", tracer=tracer, speed=20.0)
    n_sleepers, n_timers = 30, 20
    started: dict[int, float] = {}
    woke: dict[int, float] = {}
    # Deadlines 0.3 runtime s apart: the order check below tolerates the few ms (x speed)
    # between a sleeper's GO_SLEEP event and the deadline sleep() computes.
    durations = [0.3 * (k + 1) for k in range(n_sleepers)]
    r.shuffle(durations)
    timer_checks: list[tuple[float, float]] = []  # (earliest allowed, received value)
    ticks: list[float] = []

    def sleeper(k: int) -> None:
        started[k] = now()
        sleep(durations[k])
        woke[k] = now()

    def timer_user(k: int) -> None:
        d = r.uniform(0.05, 1.0)
        t0 = now()
        if k % 2:
            v, ok = Timer(d, name=f"timer-{k}").c.recv()
        else:
            v, ok = after(d).recv()
        assert ok
        timer_checks.append((t0 + d, v))

    def ticker_user(stop: Chan) -> None:
        tk = Ticker(0.05, name="ticker")
        try:
            while True:
                i, v, _ = select(Recv(tk.c), Recv(stop))
                if i == 1:
                    return
                ticks.append(v)
        finally:
            tk.stop()

    with rt.active():
        stop_ticks = Chan(0, name="stop-ticks")
    sleepers = [rt.go(sleeper, k, name=f"sleeper-{k}") for k in range(n_sleepers)]
    timers = [rt.go(timer_user, k, name=f"timer-user-{k}") for k in range(n_timers)]
    ticker = rt.go(ticker_user, stop_ticks, name="ticker-user")

    frozen_ok: list[bool] = []

    def storm() -> None:
        for _ in range(400):
            x = r.random()
            if x < 0.4:
                rt.clock.speed = r.choice([0.05, 0.5, 1.0, 5.0, 20.0, 20.0])
            elif x < 0.7:
                rt.pause()
                a = rt.clock.now()
                if r.random() < 0.3:
                    rt.step()  # one operation through the gate, or the next timer
                else:
                    b = rt.clock.now()
                    frozen_ok.append(a == b)  # paused: time stands still
            else:
                rt.resume()
            time.sleep(r.choice([0.0, 0.0002, 0.001]))  # load, not synchronisation
        rt.clock.speed = 20.0
        rt.resume()

    storming = threading.Thread(target=storm, name="storm", daemon=True)
    storming.start()
    try:
        storming.join(30.0)
        assert not storming.is_alive(), "the storm itself hung (step or speed blocked)"
        assert all(g.join(20.0) for g in sleepers + timers), f"stuck: {rt.goroutines()}"
        wait_until(lambda: len(ticks) >= 3)
        stop_ticks.close()
        assert ticker.join(5.0)
    finally:
        report = rt.stop(timeout=2.0)
    assert report.clean and not rt.panics
    assert frozen_ok and all(frozen_ok)
    for k in range(n_sleepers):
        assert woke[k] >= started[k] + durations[k], f"sleeper {k} woke early"
    for earliest, value in timer_checks:
        assert value >= earliest, "a timer fired before its time"
    assert ticks == sorted(ticks), "ticks out of order"
    # The timer thread wakes sleepers in deadline order (GO_UNBLOCK by the clock: waker 0).
    ids = {g.id: k for k, g in enumerate(sleepers)}
    order = [
        ids[ev.g]
        for ev in tracer.events()
        if ev.kind is Kind.GO_UNBLOCK and ev.extra == (0,) and ev.g in ids
    ]
    assert sorted(order) == list(range(n_sleepers)), "a sleeper's wake-up is missing"
    slept = {ids[ev.g]: ev.t for ev in tracer.events() if ev.kind is Kind.GO_SLEEP and ev.g in ids}
    deadlines = [slept[k] + durations[k] for k in order]
    assert all(a <= b + 0.15 for a, b in itertools.pairwise(deadlines)), "woken out of order"


def test_speed_changes_from_another_thread_during_a_sleep_scale_the_remaining_time():
    rt = Runtime(name="speed", speed=0.05)
    with rt.active():
        done = Chan(1)
    g = rt.go(lambda: (sleep(0.5), done.send(now())), name="sleeper")
    wait_until(lambda: g.state is State.SLEEPING)
    rt.clock.speed = 20.0  # 0.5 s at 0.05x would be 10 wall seconds; now it is ~25 ms
    t = done.recv()[0]
    assert g.join(5.0) and t >= 0.5
    assert rt.stop(timeout=1.0).clean


# -- stopping a runtime in which everything is blocked ---------------------------------------


def test_stop_kills_goroutines_blocked_on_everything_and_reports_each(no_thread_left):
    rt = Runtime(name="all-blocked")
    unwound: list[str] = []
    with rt.active():
        root = rt.root_context()
        # One channel per blocker: no two of them may pair up.
        a, b = Chan(0, name="a"), Chan(4, name="b")
        d, e, f = Chan(0, name="d"), Chan(0, name="e"), Chan(0, name="f")
        mu, rw, rw2 = Mutex(name="mu"), RWMutex(name="rw"), RWMutex(name="rw2")
        wg, once = WaitGroup(name="wg"), Once(name="once")
        ctx, _cancel = with_cancel(background(), name="never-cancelled")
    mu.lock()
    rw.rlock()
    rw2.lock()
    wg.add(1)
    blockers = {
        "chan send": lambda: a.send(1),
        "chan receive": lambda: b.recv(),
        "select": lambda: select(Recv(d), Send(e, 1)),
        "select (no cases)": lambda: select(),
        "sync.Mutex.Lock": mu.lock,
        "sync.RWMutex.Lock": rw.lock,
        "sync.RWMutex.RLock": rw2.rlock,
        "sync.WaitGroup.Wait": wg.wait,
        "sleep": lambda: sleep(3600),
        "timer": lambda: Timer(3600).c.recv(),
        "context": lambda: ctx.done().recv(),
        "once (running)": lambda: once.do(lambda: f.recv()),
    }

    def run(name: str, fn) -> None:
        try:
            fn()
        finally:
            unwound.append(name)

    gs = {name: rt.go(run, name, fn, name=name) for name, fn in blockers.items()}
    first = gs["once (running)"]
    wait_until(lambda: first.state is State.BLOCKED_RECV)
    gs["once (waiting)"] = rt.go(run, "once (waiting)", lambda: once.do(lambda: None))
    # One that ends on its own when stop cancels the root context: not a leak.
    polite = rt.go(run, "root", lambda: root.done().recv(), name="polite")
    everyone = [*gs.values(), polite]
    try:
        wait_until(lambda: all(g.state.blocked or g.state is State.SLEEPING for g in everyone))
    except AssertionError:
        raise AssertionError(f"not all blocked: {everyone}") from None
    report = rt.stop(timeout=1.0)
    assert not report.clean and not report.alive, report
    assert len(report.leaked) == len(gs), report.leaked
    text = "\n".join(report.leaked)
    for reason in ("chan send", "chan receive", "select", "sync.Mutex.Lock", "sleep"):
        assert f"[{reason}]" in text
    assert "polite" not in text
    assert sorted(unwound) == sorted([*gs, "root"])  # every finally ran
    assert all(g.join(2.0) for g in everyone)
    assert not rt.panics  # a killed goroutine exits (Goexit), it does not panic
    assert rt.stop().clean  # idempotent: nothing left the second time


def test_stop_while_paused_opens_the_gate_and_ends_everything_cleanly(no_thread_left):
    rt = Runtime(name="paused-stop", speed=20.0)
    with rt.active():
        ch, root = Chan(0, name="ch"), rt.root_context()
    moved = AtomicInt64(0)

    def sender() -> None:
        while select(Send(ch, 1), Recv(root.done()))[0] == 0:
            moved.add(1)

    def receiver() -> None:
        while select(Recv(ch), Recv(root.done()))[0] == 0:
            moved.add(1)

    gs = [rt.go(sender, name=f"sender-{k}") for k in range(4)]
    gs += [rt.go(receiver, name=f"receiver-{k}") for k in range(4)]
    wait_until(lambda: moved.load() > 100)
    rt.pause()
    # Each one waits at the gate before its next operation, or is parked in a select
    # that only a partner (itself at the gate now) could complete.
    wait_until(
        lambda: (
            all(g.state in (State.RUNNABLE, State.BLOCKED_SELECT) for g in gs)
            and len(rt.gated()) >= len(gs) // 2
        )
    )
    assert rt.step()  # one operation goes through, then that one waits again
    report = rt.stop(timeout=1.0)
    assert report.clean, report
    assert all(g.join(2.0) for g in gs)


# -- no false deadlock reports ----------------------------------------------------------------


def test_check_deadlock_counts_a_goroutine_woken_from_a_select_on_an_external_channel():
    # worker 1 holds mu and naps the way Scenario.nap does (a select on the root
    # context's done channel, which is external, and a channel); worker 2 waits for mu.
    # Once worker 1 is woken it is runnable: no deadlock, whether it ran yet or not.
    rt = Runtime(name="woken")
    with rt.active():
        mu, nap = Mutex(name="mu"), Chan(0, name="nap")
        root = rt.root_context()

    def worker1() -> None:
        with mu:
            select(Recv(root.done()), Recv(nap))

    def worker2() -> None:
        with mu:
            pass

    g1 = rt.go(worker1, name="worker 1")
    wait_until(lambda: g1.state is State.BLOCKED_SELECT)
    g2 = rt.go(worker2, name="worker 2")
    wait_until(lambda: g2.state is State.BLOCKED_LOCK)
    old = sys.getswitchinterval()
    sys.setswitchinterval(1.0)  # worker 1 cannot run before the check below
    try:
        nap.send(None)  # wakes worker 1 (its parker is released)
        report = rt.check_deadlock()
    finally:
        sys.setswitchinterval(old)
    assert g1.join(2.0) and g2.join(2.0)  # it was no deadlock
    assert rt.stop(timeout=1.0).clean
    assert report is None, report.text


def test_check_deadlock_counts_a_timer_whose_fire_is_in_flight():
    firing, release = threading.Event(), threading.Event()

    def hold(ev) -> None:  # keeps the timer thread between "entry fired" and "value sent"
        if ev.kind is Kind.TIMER_FIRE:
            firing.set()
            release.wait(5.0)

    tracer = Tracer(1000)
    tracer.subscribe(hold)
    rt = Runtime(name="in-flight", tracer=tracer)
    with rt.active():
        mu = Mutex(name="mu")

    def worker1() -> None:
        with mu:
            select(Recv(Timer(0.05, name="nap").c))

    def worker2() -> None:
        with mu:
            pass

    g1 = rt.go(worker1, name="worker 1")
    wait_until(lambda: g1.state is State.BLOCKED_SELECT)
    g2 = rt.go(worker2, name="worker 2")
    wait_until(lambda: g2.state is State.BLOCKED_LOCK)
    try:
        assert firing.wait(5.0)
        report = rt.check_deadlock()
    finally:
        release.set()
    assert g1.join(2.0) and g2.join(2.0)  # it was no deadlock
    assert rt.stop(timeout=1.0).clean
    assert report is None, report.text


# -- goroutines that raise ----------------------------------------------------------------------


def test_a_goroutine_that_raises_is_a_traced_panic_and_the_others_carry_on(no_thread_left):
    tracer = Tracer(100_000)
    rt = Runtime(name="raises", tracer=tracer)
    with rt.active():
        ping, pong, mu = Chan(0, name="ping"), Chan(0, name="pong"), Mutex(name="mu")
    rounds = 2_000

    def pinger() -> None:
        for k in range(rounds):
            ping.send(k)
            assert pong.recv() == (k, True)

    def ponger() -> None:
        for v in ping:
            pong.send(v)

    def raise_value_error() -> None:
        raise ValueError("boom")

    def raise_holding_the_mutex() -> None:
        with mu:
            raise Panic("custom panic")

    p1 = rt.go(pinger, name="pinger")
    p2 = rt.go(ponger, name="ponger")
    bad = [rt.go(raise_value_error, name=f"bad-{k}") for k in range(20)]
    worse = rt.go(raise_holding_the_mutex, name="holder")
    assert all(g.join(5.0) for g in [*bad, worse])
    assert p1.join(20.0)
    ping.close()
    assert p2.join(5.0)
    assert rt.stop(timeout=1.0).clean
    for g in bad:
        assert g.state is State.PANICKED and isinstance(g.panic, ValueError)
    assert worse.state is State.PANICKED and isinstance(worse.panic, Panic)
    assert {g.name for g, _ in rt.panics} == {g.name for g in [*bad, worse]}
    assert not mu.locked  # `with` released it while unwinding
    panics = {ev.g: ev.value for ev in tracer.events() if ev.kind is Kind.GO_PANIC}
    assert panics[bad[0].id] == "ValueError: boom"
    assert panics[worse.id] == "custom panic"
    ended = {ev.g for ev in tracer.events() if ev.kind is Kind.GO_END}
    assert {g.id for g in [*bad, worse, p1, p2]} <= ended


# -- a trace ring that overflows -----------------------------------------------------------------


@pytest.mark.parametrize("capacity", [1, 64, 4096])
def test_an_overflowing_ring_counts_drops_and_since_accounts_for_every_seq(capacity):
    tracer = Tracer(capacity)
    rt = Runtime(name="overflow", tracer=tracer)
    with rt.active():
        chans = [Chan(8, name=f"c{k}") for k in range(8)]
    got: list[int] = []
    missed_total = [0]
    reader_stop = threading.Event()

    def reader() -> None:
        cursor = 0
        while True:
            stopping = reader_stop.is_set()
            events, missed = tracer.since(cursor, limit=500)
            seqs = [ev.seq for ev in events]
            assert seqs == sorted(set(seqs)) and all(s > cursor for s in seqs)
            assert not seqs or seqs[-1] <= cursor + len(events) + missed
            got.extend(seqs)
            missed_total[0] += missed
            cursor += len(events) + missed  # every seq after the cursor: returned or missed
            if stopping and cursor >= tracer.last_seq:
                return

    def churn(ch: Chan) -> None:
        for k in range(3_000):
            ch.send(k)
            ch.recv()

    # Nobody reads yet: the emitters must not wait for a reader.
    first = [rt.go(churn, ch, name=f"churn-{k}") for k, ch in enumerate(chans[:4])]
    assert all(g.join(30.0) for g in first), "an emitter waited for a reader"
    # Now a reader polls while others emit.
    rd = threading.Thread(target=reader, name="ring-reader", daemon=True)
    rd.start()
    second = [rt.go(churn, ch, name=f"churn-{k}") for k, ch in enumerate(chans[4:])]
    assert all(g.join(30.0) for g in second)
    reader_stop.set()
    rd.join(30.0)
    assert not rd.is_alive()
    assert rt.stop(timeout=1.0).clean
    total = tracer.last_seq
    assert total > capacity
    assert tracer.dropped == total - capacity
    assert len(got) == len(set(got))
    assert len(got) + missed_total[0] == total, "a seq neither returned nor counted as missed"
    assert len(tracer.events()) == capacity
    assert tracer.since(0)[1] == tracer.dropped


def test_a_subscriber_sees_every_event_while_the_ring_overflows():
    tracer = Tracer(16)
    seen: list[int] = []
    unsubscribe = tracer.subscribe(lambda ev: seen.append(ev.seq))
    rt = Runtime(name="subscribed", tracer=tracer)
    with rt.active():
        ch = Chan(1)

    def emit() -> None:
        for k in range(500):
            ch.send(k)
            ch.recv()

    gs = [rt.go(emit, name=f"emitter-{k}") for k in range(3)]
    assert all(g.join(10.0) for g in gs)
    unsubscribe()
    assert rt.stop(timeout=1.0).clean
    assert tracer.dropped > 0
    assert sorted(seen) == list(range(1, len(seen) + 1))  # none skipped, none twice
    assert len(seen) >= 3 * 500 * 2
