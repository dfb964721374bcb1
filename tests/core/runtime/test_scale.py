"""Many goroutines at once: 10,000 start, park on one channel, are all released by one close
and all joined. No timing is asserted here (``benchmarks/bench_runtime.py`` prints the
figure); the suite's timeout bounds it.

Go twin::

    func main() {
        ch := make(chan struct{}); var wg sync.WaitGroup
        for i := 0; i < 10000; i++ { wg.Add(1); go func() { defer wg.Done(); <-ch }() }
        close(ch); wg.Wait()
    }
"""

from __future__ import annotations

import pytest
from helpers import wait_until

from core.runtime import AtomicInt64, Chan, State, go

MANY = 10_000


@pytest.mark.timeout(120)
def test_10000_goroutines_park_on_one_channel_and_one_close_releases_them_all(rt):
    gate = Chan(name="gate")
    woke = AtomicInt64(0)

    def body() -> None:
        _, ok = gate.recv()
        if not ok:
            woke.add(1)

    gs = [go(body) for _ in range(MANY)]
    assert all(g.alive for g in gs)
    wait_until(lambda: gate.statistics().waiting_receivers == MANY, timeout=90.0)
    assert all(g.state is State.BLOCKED_RECV for g in gs)
    gate.close()
    assert all(g.join(60.0) for g in gs)
    assert woke.load() == MANY
    assert all(g.state is State.DONE and not g.alive for g in gs)
    wait_until(lambda: rt.goroutines() == [])


@pytest.mark.timeout(60)
def test_2000_goroutines_made_in_a_row_each_run_once(rt):
    # go() returns once the goroutine's thread has begun: it is alive and listed at once.
    out = Chan(2_000)
    gs = []
    for k in range(2_000):
        g = go(out.send, k, name=f"sender-{k}")
        assert g.alive or g.join(0)
        gs.append(g)
    assert all(g.join(30.0) for g in gs)
    assert sorted(out.recv()[0] for _ in range(2_000)) == list(range(2_000))
