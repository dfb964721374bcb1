"""AtomicBool, AtomicInt32, AtomicUint32, AtomicUint64 and AtomicValue: Go's sync/atomic
types (ported from sync/atomic's atomic_test.go, types_test.go and value_test.go where they
apply). AtomicInt64 has its own file, test_atomic.py.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from helpers import wait_until

from core.runtime import (
    AtomicBool,
    AtomicInt32,
    AtomicInt64,
    AtomicUint32,
    AtomicUint64,
    AtomicValue,
    Panic,
    WaitGroup,
    go,
)
from core.trace import Kind

INT_TYPES = [AtomicInt32, AtomicInt64, AtomicUint32, AtomicUint64]

# (type, smallest, largest)
LIMITS = {
    AtomicInt32: (-(1 << 31), (1 << 31) - 1),
    AtomicInt64: (-(1 << 63), (1 << 63) - 1),
    AtomicUint32: (0, (1 << 32) - 1),
    AtomicUint64: (0, (1 << 64) - 1),
}


# -- the integers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", INT_TYPES)
def test_int_starts_at_zero_or_the_given_value(rt, cls):
    assert cls().load() == 0
    assert cls(42).load() == 42


@pytest.mark.parametrize("cls", INT_TYPES)
def test_int_add_returns_the_new_value(rt, cls):
    a = cls(10)
    assert a.add(5) == 15
    assert a.add(-3) == 12
    assert a.load() == 12


def test_uint32_add_of_minus_one_wraps_to_the_largest_value(rt):
    # Go: AddUint32(&x, ^uint32(0)) decrements; from 0 it wraps to 4294967295.
    assert AtomicUint32(0).add(-1) == 4294967295


def test_uint64_add_of_minus_one_wraps_to_the_largest_value(rt):
    assert AtomicUint64(0).add(-1) == 18446744073709551615


@pytest.mark.parametrize("cls", INT_TYPES)
def test_int_add_wraps_around_at_its_width(rt, cls):
    # Go: integer overflow wraps (two's complement for the signed types).
    lo, hi = LIMITS[cls]
    a = cls(hi)
    assert a.add(1) == lo
    assert a.add(-1) == hi
    assert a.load() == hi


@pytest.mark.parametrize("cls", INT_TYPES)
def test_int_store_swap_and_constructor_convert_as_go_does(rt, cls):
    # Go's intN(x) / uintN(x): the value modulo 2**bits.
    lo, hi = LIMITS[cls]
    assert cls(hi + 1).load() == lo
    a = cls()
    a.store(lo - 1)
    assert a.load() == hi
    assert a.swap(hi + 1) == hi
    assert a.load() == lo


@pytest.mark.parametrize("cls", INT_TYPES)
def test_int_swap_returns_the_old_value(rt, cls):
    a = cls(1)
    assert a.swap(2) == 1
    assert a.load() == 2


@pytest.mark.parametrize("cls", INT_TYPES)
def test_int_compare_and_swap_stores_only_on_a_match(rt, cls):
    # Go: TestCompareAndSwapInt32 and friends.
    a = cls(1)
    assert not a.compare_and_swap(0, 5)
    assert a.load() == 1
    assert a.compare_and_swap(1, 5)
    assert a.load() == 5


def test_uint32_compare_and_swap_converts_old_and_new(rt):
    # Go: CompareAndSwap(^uint32(0), 0): -1 stands for ^uint32(0), as in add(-1).
    a = AtomicUint32(0)
    assert a.compare_and_swap(0, -1)
    assert a.load() == 4294967295
    assert a.compare_and_swap(-1, 0)
    assert a.load() == 0


@pytest.fixture
def eager_switching() -> Iterator[None]:
    """Make the interpreter switch threads very often, so that an unlocked
    read-modify-write would lose updates within a test's few thousand operations."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


@pytest.mark.parametrize("cls", INT_TYPES)
def test_int_concurrent_adds_are_never_lost(rt, eager_switching, cls):
    # Go: hammerAddInt32 / hammerAddUint32 / hammerAddUint64.
    a = cls()
    wg = WaitGroup()
    for _ in range(8):
        wg.go(lambda: [a.add(1) for _ in range(1000)])
    wg.wait()
    assert a.load() == 8 * 1000


def test_uint32_concurrent_decrements_wrap_and_come_back(rt, eager_switching):
    # Adding -1 and +1 the same number of times from many goroutines ends where it began,
    # even though the value wraps below zero on the way.
    a = AtomicUint32(0)
    wg = WaitGroup()
    for k in range(8):
        delta = -1 if k % 2 else 1
        wg.go(lambda d=delta: [a.add(d) for _ in range(1000)])
    wg.wait()
    assert a.load() == 0


@pytest.mark.parametrize("cls", [AtomicInt32, AtomicUint32])
def test_compare_and_swap_loops_never_lose_an_increment(rt, cls, eager_switching):
    # Go: hammerCompareAndSwapInt32 / hammerCompareAndSwapUint32.
    a = cls()

    def inc() -> None:
        for _ in range(300):
            while True:
                old = a.load()
                if a.compare_and_swap(old, old + 1):
                    break

    wg = WaitGroup()
    for _ in range(4):
        wg.go(inc)
    wg.wait()
    assert a.load() == 4 * 300


@pytest.mark.parametrize("cls", INT_TYPES)
def test_every_type_takes_a_name_and_has_a_unique_id(rt, cls):
    a, b = cls(name="hits"), cls()
    assert a.name == "hits"
    assert isinstance(b.name, str) and b.name
    assert a.id != b.id


# -- AtomicBool -----------------------------------------------------------------------------------


def test_bool_load_store_swap_compare_and_swap(rt):
    # Go: TestBool (types_test.go).
    x = AtomicBool()
    assert x.load() is False
    x.store(True)
    assert x.load() is True
    assert x.swap(False) is True
    assert x.load() is False
    assert x.compare_and_swap(False, True)
    assert x.load() is True
    assert not x.compare_and_swap(False, False)
    assert x.load() is True


def test_bool_starts_at_the_given_value(rt):
    assert AtomicBool(True).load() is True


def test_bool_compare_and_swap_lets_exactly_one_goroutine_win(rt, eager_switching):
    # The classic "first one wins" flag: of many racing CAS(False, True), one succeeds.
    flag = AtomicBool()
    wins = AtomicInt32()
    wg = WaitGroup()
    for _ in range(16):
        wg.go(lambda: flag.compare_and_swap(False, True) and wins.add(1))
    wg.wait()
    assert wins.load() == 1
    assert flag.load() is True


# -- AtomicValue ----------------------------------------------------------------------------------


def test_value_loads_none_before_the_first_store(rt):
    # Go: TestValue.
    v = AtomicValue()
    assert v.load() is None
    v.store(42)
    assert v.load() == 42
    v.store(84)
    assert v.load() == 84


def test_value_holds_any_consistent_type(rt):
    # Go: TestValueLarge.
    v = AtomicValue()
    v.store("foo")
    assert v.load() == "foo"
    v.store("barbaz")
    assert v.load() == "barbaz"


def test_value_store_of_none_panics(rt):
    # Go: TestValuePanic.
    v = AtomicValue()
    with pytest.raises(Panic) as exc:
        v.store(None)
    assert str(exc.value) == "sync/atomic: store of nil value into Value"
    assert v.load() is None
    v.store(42)
    with pytest.raises(Panic) as exc:
        v.store(None)
    assert str(exc.value) == "sync/atomic: store of nil value into Value"
    assert v.load() == 42


def test_value_store_of_another_type_panics(rt):
    # Go: TestValuePanic.
    v = AtomicValue()
    v.store(42)
    with pytest.raises(Panic) as exc:
        v.store("foo")
    assert str(exc.value) == "sync/atomic: store of inconsistently typed value into Value"
    assert v.load() == 42


def test_value_types_must_match_exactly(rt):
    # A Go bool is not an int: True (a bool) after 1 (an int) is another type.
    v = AtomicValue()
    v.store(1)
    with pytest.raises(Panic, match="inconsistently typed"):
        v.store(True)


# Go: Value_SwapTests: (init, new, want, panic text or None).
SWAP_CASES = [
    (None, None, None, "sync/atomic: swap of nil value into Value"),
    (None, True, None, None),
    (True, "", None, "sync/atomic: swap of inconsistently typed value into Value"),
    (True, False, True, None),
]


@pytest.mark.parametrize(("init", "new", "want", "panic"), SWAP_CASES)
def test_value_swap(rt, init, new, want, panic):
    # Go: TestValue_Swap.
    v = AtomicValue()
    if init is not None:
        v.store(init)
    if panic is not None:
        with pytest.raises(Panic) as exc:
            v.swap(new)
        assert str(exc.value) == panic
        assert v.load() == init
        return
    assert v.swap(new) is want
    assert v.load() is new


def test_value_concurrent_swaps_see_every_value_once(rt, eager_switching):
    # Go: TestValueSwapConcurrent (smaller): every value swapped in is swapped out once.
    v = AtomicValue()
    m, n = 8, 300
    total = AtomicUint64()
    wg = WaitGroup()

    def swapper(base: int) -> None:
        c = 0
        for new in range(base, base + n):
            old = v.swap(new)
            if old is not None:
                c += old
        total.add(c)

    for i in range(0, m * n, n):
        wg.go(swapper, i)
    wg.wait()
    assert total.load() + v.load() == (m * n - 1) * (m * n) // 2


class _Pair:
    """A value type compared by value, as a Go struct is."""

    def __init__(self, a: int) -> None:
        self.a = a

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Pair) and other.a == self.a

    __hash__ = None  # type: ignore[assignment]


# Go: Value_CompareAndSwapTests: (init, old, new, want, panic text or None).
CAS_CASES = [
    (None, None, None, False, "sync/atomic: compare and swap of nil value into Value"),
    (None, "", True, False, "sync/atomic: compare and swap of inconsistently typed values"),
    (None, True, True, False, None),
    (None, None, True, True, None),
    (
        True,
        None,
        "",
        False,
        "sync/atomic: compare and swap of inconsistently typed value into Value",
    ),
    (True, False, True, False, None),
    (True, True, True, True, None),
    (_Pair(0), _Pair(0), _Pair(1), True, None),  # equal values, distinct objects
]


@pytest.mark.parametrize(("init", "old", "new", "want", "panic"), CAS_CASES)
def test_value_compare_and_swap(rt, init, old, new, want, panic):
    # Go: TestValue_CompareAndSwap, with the texts of value.go.
    v = AtomicValue()
    if init is not None:
        v.store(init)
    if panic is not None:
        with pytest.raises(Panic) as exc:
            v.compare_and_swap(old, new)
        assert str(exc.value) == panic
        assert v.load() is init
        return
    assert v.compare_and_swap(old, new) is want
    assert v.load() is (new if want else init)


def test_value_compare_and_swap_with_none_old_fails_once_stored(rt):
    # Go: CompareAndSwap(nil, x) only succeeds while the Value is empty.
    v = AtomicValue()
    assert v.compare_and_swap(None, 1)
    assert not v.compare_and_swap(None, 2)
    assert v.load() == 1


def test_value_compare_and_swap_concurrent_counts_up_exactly(rt):
    # Go: TestValueCompareAndSwapConcurrent (smaller): goroutine i moves j to j+1 only for
    # j = i, i+m, i+2m, ...; together they reach m*n with no step lost or repeated.
    v = AtomicValue()
    v.store(0)
    m, n = 8, 40
    wg = WaitGroup()

    def stepper(i: int) -> None:
        j = i
        while j < m * n:
            if v.compare_and_swap(j, j + 1):
                j += m

    for i in range(m):
        wg.go(stepper, i)
    wg.wait()
    assert v.load() == m * n


# -- the runtime: pause gate and trace ------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "op", "call"),
    [
        (lambda: AtomicUint32(), "atomic.Add", lambda a: a.add(-1)),
        (lambda: AtomicBool(), "atomic.Swap", lambda a: a.swap(True)),
        (lambda: AtomicValue(), "atomic.Store", lambda a: a.store("x")),
        (lambda: AtomicInt32(), "atomic.CompareAndSwap", lambda a: a.compare_and_swap(0, 7)),
    ],
)
def test_operations_wait_at_the_pause_gate(rt, make, op, call):
    a = make()
    before = a.load()
    rt.pause()
    g = go(call, a)
    wait_until(lambda: [(x.id, o) for x, o in rt.gated()] == [(g.id, op)])
    assert a.load() == before  # held before it changed anything
    assert rt.step(g.id)
    assert g.join(5)
    assert a.load() != before


def test_changes_are_traced_with_the_type_and_the_new_value(traced_rt, tracer):
    u = AtomicUint32(name="u")
    b = AtomicBool(name="b")
    v = AtomicValue(name="v")
    u.add(-1)
    b.store(True)
    v.store("hello")
    v.swap("world")
    assert not v.compare_and_swap("nope", "x")  # no change, no event
    makes = {e.obj: e.value for e in tracer.events() if e.kind is Kind.SYNC_MAKE}
    assert makes == {u.id: "AtomicUint32", b.id: "AtomicBool", v.id: "AtomicValue"}
    ops = [(e.obj, e.value, e.extra) for e in tracer.events() if e.kind is Kind.ATOMIC]
    assert ops == [
        (u.id, "4294967295", ("add",)),
        (b.id, "True", ("store",)),
        (v.id, "hello", ("store",)),
        (v.id, "world", ("swap",)),
    ]
