"""AtomicInt64: Go's atomic.Int64 (ported from sync/atomic's tests where they apply)."""

from __future__ import annotations

from core.runtime import AtomicInt64, WaitGroup

INT64_MAX = (1 << 63) - 1
INT64_MIN = -(1 << 63)


def test_atomic_starts_at_zero_or_the_given_value(rt):
    assert AtomicInt64().load() == 0
    assert AtomicInt64(42).load() == 42


def test_atomic_store_then_load(rt):
    a = AtomicInt64()
    a.store(-7)
    assert a.load() == -7


def test_atomic_add_returns_the_new_value(rt):
    a = AtomicInt64(10)
    assert a.add(5) == 15
    assert a.add(-20) == -5
    assert a.load() == -5


def test_atomic_swap_returns_the_old_value(rt):
    a = AtomicInt64(1)
    assert a.swap(2) == 1
    assert a.load() == 2


def test_atomic_compare_and_swap_stores_only_on_a_match(rt):
    a = AtomicInt64(1)
    assert not a.compare_and_swap(0, 5)
    assert a.load() == 1
    assert a.compare_and_swap(1, 5)
    assert a.load() == 5


def test_atomic_add_wraps_around_like_int64(rt):
    # Go: AddInt64 wraps on overflow (two's complement).
    a = AtomicInt64(INT64_MAX)
    assert a.add(1) == INT64_MIN
    assert a.add(-1) == INT64_MAX


def test_atomic_takes_a_name_and_has_a_unique_id(rt):
    a, b = AtomicInt64(name="hits"), AtomicInt64()
    assert a.name == "hits"
    assert isinstance(b.name, str) and b.name
    assert a.id != b.id


def test_concurrent_adds_are_never_lost(rt):
    # Go: TestAddInt64 / hammerAddInt64.
    a = AtomicInt64()
    wg = WaitGroup()
    for _ in range(8):
        wg.go(lambda: [a.add(1) for _ in range(2000)])
    wg.wait()
    assert a.load() == 8 * 2000


def test_compare_and_swap_loops_never_lose_an_increment(rt):
    # Go: hammerCompareAndSwapInt64: the classic lock-free increment.
    a = AtomicInt64()

    def inc() -> None:
        for _ in range(500):
            while True:
                old = a.load()
                if a.compare_and_swap(old, old + 1):
                    break

    wg = WaitGroup()
    for _ in range(4):
        wg.go(inc)
    wg.wait()
    assert a.load() == 4 * 500


def test_concurrent_swaps_hand_out_every_value_once(rt):
    # Each swap takes the previous value: together they see every value exactly once.
    a = AtomicInt64(-1)
    seen = []
    wg = WaitGroup()

    def swapper(base: int) -> None:
        for i in range(500):
            seen.append(a.swap(base + i))

    for k in range(4):
        wg.go(swapper, k * 1000)
    wg.wait()
    seen.append(a.load())
    assert sorted(seen) == sorted([-1, *(k * 1000 + i for k in range(4) for i in range(500))])
