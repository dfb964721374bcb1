"""Chaos for the patterns: load, bursts, cancels and cuts at random moments.

Each repetition draws its own shape from a seed (workers, queue, buffer sizes, how
many producers, when to cut) and runs in a fresh Runtime at top speed. Afterwards it
accounts for every item: nothing accepted is lost, nothing is delivered twice, no
goroutine panicked, and ``Runtime.stop`` finds nothing left (``report.clean``). The
seed is in every failure message; rerun one with ``CHAOS_SEED=<seed>``.

The CI versions are small (20 x 2,000 jobs for the pool); the ``slow`` ones are the
issue's full sizes (100 x 10,000), run with ``--run-slow``.
"""

from __future__ import annotations

import itertools
import os
import random
import sys
import threading
from collections import Counter
from collections.abc import Iterator

import pytest
from helpers import wait_until

from core.patterns import (
    Batcher,
    BatcherClosed,
    Job,
    MessageBroadcaster,
    QueueFull,
    ShuttingDown,
    WorkerPool,
    fan_out,
    generate,
    merge,
    stage,
)
from core.runtime import Runtime, WaitGroup, gosched, sleep
from core.runtime.context import with_cancel

from .conftest import goroutine_threads, record_chaos

JOIN = 60.0  # seconds: generous, a hang fails instead of blocking the suite


def seeds(reps: int) -> list[int]:
    one = os.environ.get("CHAOS_SEED")
    return [int(one)] if one else list(range(reps))


@pytest.fixture(autouse=True)
def preempt_often(request: pytest.FixtureRequest) -> Iterator[None]:
    """Switch threads far more often than CPython's 5 ms in most repetitions.

    A check-then-act race needs a switch inside a window of a few bytecodes; at 1 us
    such windows are hit in a few repetitions, at 5 ms almost never.
    """
    seed = request.node.callspec.params.get("seed", 0) if hasattr(request.node, "callspec") else 0
    old = sys.getswitchinterval()
    sys.setswitchinterval((0.005, 1e-4, 1e-6)[seed % 3])
    yield
    sys.setswitchinterval(old)


def stopped_clean(rt: Runtime, seed: int) -> None:
    report = rt.stop(timeout=2.0)
    assert report.clean, f"seed {seed}: left behind {report}"
    assert not rt.panics, f"seed {seed}: panics {[(g.name, e) for g, e in rt.panics]}"


# -- WorkerPool ---------------------------------------------------------------------------


def pool_chaos(seed: int, jobs: int) -> None:
    """One repetition: submitters in bursts (plain and with retry, some cancelled), workers
    killed, a reader that lags, and shutdown at a random moment."""
    r = random.Random(seed)
    rt = Runtime(name=f"pool-chaos-{seed}", speed=20.0, seed=seed)
    workers, queue = r.randint(1, 8), r.choice([0, 1, 4, 16, 64])
    fail_every = r.choice([0, 3, 7])
    # The attempt that starts shutdown; after all of them one time in five.
    shutdown_at = r.choice([r.randint(1, jobs), r.randint(jobs // 2, jobs), jobs + 1])
    n_submitters = r.randint(1, 4)

    def handler(job: Job) -> int:
        if job.payload:
            gosched()
        if fail_every and job.id % fail_every == 0:
            raise ValueError(job.id)
        return job.id * 2

    with rt.active():
        pool = WorkerPool(workers, queue, handler)
        root = rt.root_context()
        cancels = [with_cancel(root) for _ in range(n_submitters)]
    attempts = itertools.count(1)  # next() is atomic under the GIL
    accepted: list[list[int]] = [[] for _ in range(n_submitters)]
    # One counter per submitter: `+=` on a shared one would lose updates (preempted).
    refusals = [Counter() for _ in range(n_submitters)]
    results = []
    shutdowns = []

    def submitter(s: int) -> None:
        sr = random.Random(seed * 100 + s)
        ctx, cancel = cancels[s]
        refused = refusals[s]
        ids = iter(range(s, jobs, n_submitters))
        for job_id in ids:
            if next(attempts) == shutdown_at:
                shutdowns.append(rt.go(pool.shutdown, name="shutdown"))
            job = Job(job_id, sr.random() < 0.2)
            try:
                if sr.random() < 0.25:
                    pool.submit_with_retry(job, sr.randint(0, 5), 0.001, 0.01, cancel=ctx.done())
                else:
                    for _ in range(sr.randint(0, 20)):  # a client that backs off itself
                        try:
                            pool.submit(job)
                            break
                        except QueueFull:
                            refused["full"] += 1
                            sleep(0.0005)
                    else:
                        pool.submit(job)  # the last try: QueueFull drops the job
                accepted[s].append(job_id)
            except QueueFull:
                refused["full"] += 1
                refused["dropped"] += 1
            except ShuttingDown:
                refused["closing"] += 1
            if sr.random() < 0.01:
                cancel()  # later retries give up at once
            if sr.random() < 0.005:
                pool.kill_worker()
            if sr.random() < 0.05:  # end of a burst
                sleep(sr.choice([0.0, 0.001, 0.005]))

    def reader() -> None:
        rr = random.Random(seed + 7)
        for res in pool.results():
            results.append(res)
            if rr.random() < 0.1:
                gosched()  # a reader that lags behind

    subs = [rt.go(submitter, s, name=f"submitter-{s}") for s in range(n_submitters)]
    read = rt.go(reader, name="reader")
    try:
        assert all(g.join(JOIN) for g in subs), f"seed {seed}: a submitter hung"
        if not shutdowns:
            shutdowns.append(rt.go(pool.shutdown, name="shutdown"))
        assert all(g.join(JOIN) for g in shutdowns), f"seed {seed}: shutdown hung"
        assert read.join(JOIN), f"seed {seed}: results never closed"
    finally:
        stopped_clean(rt, seed)
    ids = Counter(res.job_id for res in results)
    taken = Counter(j for a in accepted for j in a)
    assert set(taken.values()) <= {1}
    missing, extra = taken - ids, ids - taken
    assert not missing, f"seed {seed}: accepted jobs without a result: {sorted(missing)[:10]}"
    assert not extra, f"seed {seed}: results for no accepted job: {sorted(extra)[:10]}"
    assert set(ids.values()) <= {1}, f"seed {seed}: a job yielded two results"
    for res in results:
        if fail_every and res.job_id % fail_every == 0:
            assert isinstance(res.error, ValueError) and res.data is None
        else:
            assert res.error is None and res.data == res.job_id * 2
    stats = pool.statistics()
    assert stats.accepted == len(results)
    assert stats.completed + stats.failed == len(results)
    refused = sum(refusals, Counter())
    assert stats.rejected == refused["full"]
    assert len(results) + refused["dropped"] + refused["closing"] == jobs
    record_chaos(
        f"worker pool ({jobs:,} jobs)",
        jobs=jobs,
        accepted=len(results),
        results=len(results),
        failed=stats.failed,
        queue_full=refused["full"],
        dropped_after_retries=refused["dropped"],
        refused_shutting_down=refused["closing"],
        shutdown_before_the_end=int(shutdown_at <= jobs),
    )


@pytest.mark.parametrize("seed", seeds(20))
def test_worker_pool_chaos_every_accepted_job_yields_one_result(seed):
    pool_chaos(seed, jobs=2_000)


@pytest.mark.slow
@pytest.mark.parametrize("seed", seeds(100))
def test_worker_pool_chaos_every_accepted_job_yields_one_result_long(seed):
    pool_chaos(seed, jobs=10_000)


# -- MessageBroadcaster --------------------------------------------------------------------


def broadcaster_chaos(seed: int, messages: int) -> None:
    """Publishers send *messages* while subscribers join, read a while, leave, rejoin."""
    r = random.Random(seed)
    rt = Runtime(name=f"broadcast-chaos-{seed}", speed=20.0, seed=seed)
    with rt.active():
        b = MessageBroadcaster(buffer=r.choice([0, 1, 4, 16]))
    n_pub, n_sub = r.randint(1, 3), r.randint(2, 8)
    stopping = threading.Event()
    sessions: list[list[tuple[int, int]]] = []
    returned = [0] * n_pub
    lock = threading.Lock()

    pace = r.choice([0.01, 0.3, 1.0])  # how often a publisher yields: drops vary a lot

    def publish(p: int) -> None:
        pr = random.Random(seed * 10 + p)
        for i in range(p, messages, n_pub):
            returned[p] += b.broadcast((p, i))
            if pr.random() < pace:
                gosched()

    def subscriber(s: int) -> None:
        sr = random.Random(seed * 100 + s)
        while not stopping.is_set():
            sid, ch = b.subscribe()
            got: list[tuple[int, int]] = []
            with lock:
                sessions.append(got)
            if stopping.is_set():  # unsubscribe_all may have run before subscribe
                b.unsubscribe(sid)
            for _ in range(sr.randint(0, 300)):
                msg, ok = ch.recv()
                if not ok:
                    break
                got.append(msg)
            b.unsubscribe(sid)  # closes ch (or unsubscribe_all already did)
            got.extend(ch)  # what was still buffered, up to the close

    pubs = [rt.go(publish, p, name=f"publisher-{p}") for p in range(n_pub)]
    subs = [rt.go(subscriber, s, name=f"subscriber-{s}") for s in range(n_sub)]
    try:
        assert all(g.join(JOIN) for g in pubs), f"seed {seed}: a publisher hung"
        stopping.set()
        with rt.active():
            b.unsubscribe_all()
        assert all(g.join(JOIN) for g in subs), f"seed {seed}: a subscriber never saw its close"
    finally:
        stopped_clean(rt, seed)
    stats = b.statistics()
    received = sum(len(s) for s in sessions)
    assert received == stats.delivered == sum(returned), (
        f"seed {seed}: received {received}, delivered {stats.delivered}, "
        f"broadcast returned {sum(returned)}"
    )
    assert stats.broadcasts == messages
    record_chaos(
        "broadcaster",
        messages=messages,
        subscriptions=len(sessions),
        delivered=stats.delivered,
        received=received,
        dropped_full=stats.dropped,
    )
    for got in sessions:
        last: dict[int, int] = {}
        for p, i in got:
            assert i > last.get(p, -1), f"seed {seed}: a subscriber got ({p}, {i}) out of order"
            last[p] = i


@pytest.mark.parametrize("seed", seeds(6))
def test_broadcaster_chaos_subscribers_come_and_go_during_10_000_messages(seed):
    broadcaster_chaos(seed, messages=10_000)


@pytest.mark.slow
@pytest.mark.parametrize("seed", seeds(30))
def test_broadcaster_chaos_subscribers_come_and_go_long(seed):
    broadcaster_chaos(seed, messages=10_000)


# -- Batcher -------------------------------------------------------------------------------


def batcher_chaos(seed: int, items: int) -> None:
    """Producers add until a close at a random moment; flushes by size, time and close."""
    r = random.Random(seed)
    rt = Runtime(name=f"batcher-chaos-{seed}", speed=20.0, seed=seed)
    flushed: list[list] = []
    fail = r.choice([0, 5])

    def flush(batch: list) -> None:
        flushed.append(batch)
        if fail and len(flushed) % fail == 0:
            raise RuntimeError("sink down")  # counted; the items count as flushed

    with rt.active():
        b = Batcher(
            r.randint(1, 20), r.choice([0.001, 0.01, 0.05]), flush, buffer=r.choice([None, 0, 3])
        )
    n_prod = r.randint(1, 4)
    cut_at = r.randint(0, items)
    counter = itertools.count(1)
    accepted: list[list[tuple[int, int]]] = [[] for _ in range(n_prod)]
    closers = []

    def produce(p: int) -> None:
        for i in range(items):
            if next(counter) == cut_at:
                closers.append(rt.go(b.close, name="closer"))
            try:
                b.add((p, i))
            except BatcherClosed:
                return
            accepted[p].append((p, i))
            if i % 50 == 0:
                sleep(0.001)

    prods = [rt.go(produce, p, name=f"producer-{p}") for p in range(n_prod)]
    try:
        assert all(g.join(JOIN) for g in prods), f"seed {seed}: a producer hung"
        if not closers:
            closers.append(rt.go(b.close, name="closer"))
        assert all(g.join(JOIN) for g in closers), f"seed {seed}: close hung"
    finally:
        stopped_clean(rt, seed)
    out = [x for batch in flushed for x in batch]
    assert Counter(out) == Counter(x for a in accepted for x in a), (
        f"seed {seed}: flushed items differ from those added before the cut"
    )
    for p in range(n_prod):
        assert [x for x in out if x[0] == p] == accepted[p], f"seed {seed}: producer {p} reordered"
    s = b.statistics()
    assert s.items_in == s.items_out == len(out) and s.pending == 0
    record_chaos(
        f"batcher ({items:,} items per producer)",
        added=len(out),
        flushed=len(out),
        by_size=s.flushes_by_size,
        by_time=s.flushes_by_time,
        by_close=s.flushes_by_close,
        flush_errors=s.flush_errors,
    )


@pytest.mark.parametrize("seed", seeds(15))
def test_batcher_closed_at_a_random_moment_loses_and_duplicates_nothing(seed):
    batcher_chaos(seed, items=2_000)


@pytest.mark.slow
@pytest.mark.parametrize("seed", seeds(100))
def test_batcher_closed_at_a_random_moment_long(seed):
    batcher_chaos(seed, items=5_000)


@pytest.mark.parametrize("seed", seeds(5))
def test_batcher_killed_by_stop_mid_flight_leaves_no_thread_and_no_duplicate(seed):
    r = random.Random(seed)
    before = goroutine_threads()
    rt = Runtime(name=f"batcher-kill-{seed}", speed=20.0, seed=seed)
    flushed: list[list] = []
    tried: set[tuple[int, int]] = set()
    with rt.active():
        b = Batcher(r.randint(1, 10), 0.01, flushed.append, buffer=r.choice([0, 2]))

    def produce(p: int) -> None:
        for i in range(100_000):
            tried.add((p, i))
            b.add((p, i))

    for p in range(3):
        rt.go(produce, p, name=f"producer-{p}")
    cut = r.randint(10, 500)
    wait_until(lambda: len(tried) >= cut, timeout=JOIN)
    report = rt.stop(timeout=1.0)  # producers and the loop are killed wherever they are
    assert not report.alive, report
    wait_until(lambda: not (goroutine_threads() - before), timeout=5.0)
    out = [x for batch in flushed for x in batch]
    assert len(out) == len(set(out)), f"seed {seed}: an item flushed twice"
    assert set(out) <= tried


# -- pipeline --------------------------------------------------------------------------------


def pipeline_chaos(seed: int, n: int) -> None:
    """generate -> stage -> (fan-out + merge)? -> consumer; cancelled after a random count."""
    r = random.Random(seed)
    rt = Runtime(name=f"pipeline-chaos-{seed}", speed=20.0, seed=seed)
    fan = r.choice([0, 0, 2, 4])
    cap = r.choice([0, 1, 4])
    # The count after which the consumer cancels; one time in four never (n + 1): then
    # everything must arrive.
    cut = r.choice([r.randint(0, n), r.randint(0, n), r.randint(0, n), n + 1])
    received: list[int] = []
    with rt.active():
        ctx, cancel = with_cancel(rt.root_context())
        wg = WaitGroup(name="pipeline")
        src = generate(ctx, range(n), cap=cap, wg=wg)
        sq = stage(ctx, src, lambda x: x * x, "square", cap=cap, wg=wg)
        if fan:
            outs = fan_out(ctx, sq, lambda x: x + 1, fan, cap=cap, wg=wg)
            out = merge(ctx, *outs, cap=cap, wg=wg)
        else:
            out = stage(ctx, sq, lambda x: x + 1, "plus-one", cap=cap, wg=wg)

    def consume() -> None:
        for v in out:
            received.append(v)
            if len(received) == cut:
                cancel()
        wg.wait()  # every stage has returned

    consumer = rt.go(consume, name="consumer")
    try:
        assert consumer.join(JOIN), f"seed {seed}: the pipeline never drained after the cut"
    finally:
        stopped_clean(rt, seed)
    expected = [x * x + 1 for x in range(n)]
    assert len(received) == len(set(received)), f"seed {seed}: a value arrived twice"
    assert set(received) <= set(expected), f"seed {seed}: a value nobody made"
    if cut >= n:  # cancelled after the last value, or never
        assert sorted(received) == expected, f"seed {seed}: lost values without a cut"
    if not fan:  # one path: what arrived is a gap-free prefix, in order
        assert received == expected[: len(received)], f"seed {seed}: a gap before the cut"
    assert len(received) >= min(cut, n)
    record_chaos(
        f"pipeline ({n:,} items)",
        received=len(received),
        cancelled=int(cut < n),
        fan_out=int(fan > 0),
    )


@pytest.mark.parametrize("seed", seeds(20))
def test_pipeline_cancelled_at_a_random_moment_loses_nothing_before_the_cut(seed):
    pipeline_chaos(seed, n=1_000)


@pytest.mark.slow
@pytest.mark.parametrize("seed", seeds(100))
def test_pipeline_cancelled_at_a_random_moment_long(seed):
    pipeline_chaos(seed, n=3_000)
