"""Stress: many goroutines and operations; nothing lost, duplicated, reordered or stuck.
Also select fairness. Every wait has a deadline, so a lost wake-up fails instead of hanging."""

from __future__ import annotations

from collections import Counter

import pytest
from helpers import wait_until

from core.runtime import (
    AtomicInt64,
    Chan,
    Mutex,
    Recv,
    Runtime,
    Send,
    WaitGroup,
    go,
    select,
)
from core.trace import Tracer

CAPS = [0, 1, 4]


def finished(*goroutines, timeout: float = 20.0) -> bool:
    return all(g.join(timeout) for g in goroutines)


@pytest.mark.parametrize("cap", CAPS)
def test_eight_producers_lose_nothing_duplicate_nothing_and_keep_their_order(rt, cap):
    producers, per_producer, consumers = 8, 10_000, 4
    ch = Chan(cap)
    done = Chan(consumers)

    def produce(p: int) -> None:
        for i in range(per_producer):
            ch.send((p, i))

    def consume() -> None:
        got = []
        for v in ch:
            got.append(v)
        done.send(got)

    ps = [go(produce, p) for p in range(producers)]
    cs = [go(consume) for _ in range(consumers)]
    assert finished(*ps)
    ch.close()
    assert finished(*cs)
    received = [done.recv()[0] for _ in range(consumers)]
    everything = Counter(v for got in received for v in got)
    assert len(everything) == producers * per_producer  # nothing lost
    assert set(everything.values()) == {1}  # nothing duplicated
    for got in received:  # a channel is FIFO: each consumer sees each producer in order
        last: dict[int, int] = {}
        for p, i in got:
            assert i > last.get(p, -1), f"producer {p}: {i} after {last[p]}"
            last[p] = i


def _fair_runtime(traced: bool) -> Runtime:
    return Runtime(name="fair", tracer=Tracer(capacity=1000) if traced else None)


@pytest.mark.parametrize("traced", [False, True], ids=["untraced", "traced"])
@pytest.mark.parametrize("op", ["recv", "send"])
def test_select_picks_each_of_two_ready_cases_40_to_60_percent(op, traced):
    # Go: "If one or more of the communications can proceed, a single one that can
    # proceed is chosen via a uniform pseudo-random selection."
    rt = _fair_runtime(traced)
    picks = Counter()
    with rt.active():
        a, b = Chan(1), Chan(1)
        for _ in range(2000):
            if op == "recv":
                for ch in (a, b):
                    if len(ch) == 0:
                        ch.send(0)
                idx, _, _ = select(Recv(a), Recv(b))
            else:
                for ch in (a, b):
                    if len(ch) == 1:
                        ch.recv()
                idx, _, _ = select(Send(a, 0), Send(b, 0))
            picks[idx] += 1
    assert rt.stop(1.0).clean
    assert 800 <= picks[0] <= 1200 and picks[0] + picks[1] == 2000, picks


def test_select_picks_each_of_four_ready_cases_about_equally(rt):
    chans = [Chan(1) for _ in range(4)]
    picks = Counter()
    for _ in range(4000):
        for ch in chans:
            if len(ch) == 0:
                ch.send(0)
        picks[select(*(Recv(ch) for ch in chans))[0]] += 1
    assert all(800 <= picks[i] <= 1200 for i in range(4)), picks


def test_a_thousand_goroutines_and_a_waitgroup(rt):
    wg = WaitGroup()
    n = AtomicInt64()
    for _ in range(1000):
        wg.go(n.add, 1)
    wg.wait()
    assert n.load() == 1000
    wait_until(lambda: rt.goroutines() == [])


def test_mutex_counter_under_contention(rt):
    m = Mutex()
    count = [0]

    def inc() -> None:
        for _ in range(5000):
            with m:
                count[0] += 1

    gs = [go(inc) for _ in range(8)]
    assert finished(*gs)
    assert count[0] == 8 * 5000


def test_unbuffered_ping_pong(rt):
    ping, pong = Chan(), Chan()

    def echo() -> None:
        for v in ping:
            pong.send(v + 1)

    g = go(echo)
    for i in range(5000):
        ping.send(i)
        assert pong.recv() == (i + 1, True)
    ping.close()
    assert finished(g)


def test_selects_and_plain_operations_mixed_never_deadlock(rt):
    # Go: TestSelectStress: plain senders/receivers and one select sender/receiver over
    # channels of capacity 0, 0, 2, 3; each select drops a channel (nil) once done with it.
    n = 2000
    c = [Chan(0), Chan(0), Chan(2), Chan(3)]
    wg = WaitGroup()

    for k in range(4):
        wg.go(lambda k=k: [c[k].send(0) for _ in range(n)])
        wg.go(lambda k=k: [c[k].recv() for _ in range(n)])

    def select_sender() -> None:
        counts, chans = [0] * 4, list(c)
        for _ in range(4 * n):
            i, _, _ = select(*(Send(ch, 0) for ch in chans))
            counts[i] += 1
            if counts[i] == n:
                chans[i] = None

    def select_receiver() -> None:
        counts, chans = [0] * 4, list(c)
        for _ in range(4 * n):
            i, _, _ = select(*(Recv(ch) for ch in chans))
            counts[i] += 1
            if counts[i] == n:
                chans[i] = None

    wg.go(select_sender)
    wg.go(select_receiver)
    waiter = go(wg.wait)
    assert finished(waiter), rt.check_deadlock()


def test_many_consumers_ranging_over_a_queue(rt):
    # Go: TestMultiConsumer: workers range over q and forward to r; the feeder closes q,
    # waits for the workers, closes r; the sum and the count must match.
    workers, n = 23, 20_000
    primes = [2, 3, 7, 11, 13, 17, 19, 23, 27, 31]
    q, r = Chan(workers * 3), Chan(workers * 3)
    wg = WaitGroup()
    for _ in range(workers):
        wg.go(lambda: [r.send(v) for v in q])
    expect = sum(primes[i % len(primes)] for i in range(n))

    def feed() -> None:
        for i in range(n):
            q.send(primes[i % len(primes)])
        q.close()
        wg.wait()
        r.close()

    go(feed)
    got = list(r)
    assert (len(got), sum(got)) == (n, expect)
