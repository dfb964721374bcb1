"""UserCounters counts per user exactly under concurrency; the unsafe map loses counts."""

from __future__ import annotations

from helpers import wait_until

from core.patterns.user_counters import UnsafeUserCounters, UserCounters
from core.runtime import Chan, Runtime
from core.trace import Kind, Tracer

GOROUTINES = 8
INCREMENTS = 2_000
USERS = ("alice", "bob", "carol", "dave")


def run_all(rt: Runtime, fns) -> None:
    gs = [rt.go(fn, name=f"g-{k}") for k, fn in enumerate(fns)]
    for g in gs:
        assert g.join(10.0), f"{g.name} did not finish"
        assert g.panic is None


def test_get_of_an_unknown_user_is_zero():
    assert UserCounters().get("nobody") == 0


def test_inc_counts_each_user_separately(rt):
    c = UserCounters()

    def work() -> None:
        c.inc("alice")
        c.inc("alice")
        c.inc("bob")

    run_all(rt, [work])
    assert (c.get("alice"), c.get("bob")) == (2, 1)


def test_get_all_returns_a_copy(rt):
    c = UserCounters()
    run_all(rt, [lambda: c.inc("alice")])
    snapshot = c.get_all()
    snapshot["alice"] = 99
    snapshot["mallory"] = 1
    assert c.get_all() == {"alice": 1}


def test_no_count_is_lost_under_8_goroutines_x_2000(rt):
    c = UserCounters()

    def work(k: int) -> None:
        for i in range(INCREMENTS):
            c.inc(USERS[(k + i) % len(USERS)])

    run_all(rt, [lambda k=k: work(k) for k in range(GOROUTINES)])
    per_user = GOROUTINES * INCREMENTS // len(USERS)
    assert c.get_all() == dict.fromkeys(USERS, per_user)


def step_until(rt: Runtime, g, op: str) -> None:
    """While paused, step *g* until it waits at the gate in front of *op*."""

    def steps() -> int:
        return sum(1 for e in rt.tracer.events() if e.kind is Kind.GO_STEP and e.g == g.id)

    while True:
        wait_until(lambda: g in dict(rt.gated()))
        if dict(rt.gated())[g] == op:
            return
        taken = steps()
        assert rt.step(g.id)
        wait_until(lambda taken=taken: steps() > taken)  # g left this gate


def test_two_goroutines_that_both_missed_a_user_create_one_counter(rt):
    rt.set_tracer(Tracer())
    c = UserCounters()
    rt.pause()
    gs = [rt.go(c.inc, "new", name=f"g-{k}") for k in range(2)]
    for g in gs:  # both find no counter under the read lock...
        step_until(rt, g, "sync.RWMutex.Lock")
    rt.resume()  # ...then take the write lock one after the other
    for g in gs:
        assert g.join(5.0)
    assert c.get("new") == 2


def test_racing_first_uses_of_a_user_lose_no_count(rt):
    c = UserCounters()
    start = Chan(name="start")  # closed to release every goroutine at once

    def work() -> None:
        start.recv()
        c.inc("new")

    gs = [rt.go(work, name=f"g-{k}") for k in range(GOROUTINES)]
    start.close()
    for g in gs:
        assert g.join(5.0)
    assert c.get("new") == GOROUTINES


def test_get_all_while_users_are_added_sees_a_growing_map(rt):
    c = UserCounters()
    sizes: list[list[int]] = [[], []]

    def writer(k: int) -> None:
        for i in range(500):
            c.inc(f"user-{k}-{i}")

    def reader(r: int) -> None:
        for _ in range(200):
            sizes[r].append(len(c.get_all()))

    run_all(rt, [lambda k=k: writer(k) for k in range(4)] + [lambda: reader(0), lambda: reader(1)])
    assert len(c.get_all()) == 4 * 500
    for seen in sizes:
        assert seen == sorted(seen)  # users are never removed


def test_unsafe_map_loses_counts_under_8_goroutines_x_2000(rt):
    c = UnsafeUserCounters()

    def work() -> None:
        for _ in range(INCREMENTS):
            c.inc("alice")

    run_all(rt, [work] * GOROUTINES)
    assert 0 < c.get("alice") < GOROUTINES * INCREMENTS
