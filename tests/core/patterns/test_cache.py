"""Cache: TTL on the runtime clock, the janitor, and single-flight loading under a stampede."""

from __future__ import annotations

import pytest
from helpers import wait_until

from core.patterns.cache import Cache
from core.runtime import AtomicInt64, Chan, Runtime, State, context, now

STAMPEDE = 20


RT_SPEED = 20


def run_all(rt: Runtime, fns) -> list:
    """Run each fn in its own goroutine; return their results (or the exception raised)."""
    results: list = [None] * len(fns)

    def wrap(k, fn):
        try:
            results[k] = fn()
        except Exception as exc:
            results[k] = exc

    gs = [rt.go(wrap, k, fn, name=f"g-{k}") for k, fn in enumerate(fns)]
    for g in gs:
        assert g.join(5.0), f"{g.name} did not finish"
    return results


def test_get_of_a_missing_key_misses(rt):
    c = Cache(ttl=10)
    assert c.get("k") == (None, False)
    assert c.statistics().misses == 1


def test_get_after_set_hits(rt):
    c = Cache(ttl=10)
    c.set("k", 42)
    assert c.get("k") == (42, True)
    assert c.statistics().hits == 1


def test_entry_expires_after_ttl_on_the_runtime_clock(rt):
    c = Cache(ttl=0.5)
    t0 = now()
    c.set("k", 1)
    wait_until(lambda: not c.get("k")[1], timeout=2.0)
    assert now() - t0 >= 0.5


def test_set_with_its_own_ttl_overrides_the_default(rt):
    c = Cache(ttl=1000)
    c.set("short", 1, ttl=0.2)
    c.set("long", 2)
    wait_until(lambda: not c.get("short")[1], timeout=2.0)
    assert c.get("long") == (2, True)


def test_expired_entry_stays_until_evicted(rt):
    c = Cache(ttl=10)
    c.set("k", 1)
    c.expire_all()
    assert c.get("k") == (None, False)
    assert c.statistics().size == 1
    assert c.delete_expired() == 1
    assert c.statistics().size == 0
    assert c.statistics().evictions == 1


def test_delete_expired_keeps_fresh_entries(rt):
    c = Cache(ttl=1000)
    c.set("old", 1, ttl=0.05)
    c.set("fresh", 2)
    wait_until(lambda: not c.get("old")[1], timeout=2.0)
    assert c.delete_expired() == 1
    assert c.get("fresh") == (2, True)


def test_delete_removes_a_key(rt):
    c = Cache(ttl=10)
    c.set("k", 1)
    assert c.delete("k") is True
    assert c.delete("k") is False
    assert c.get("k") == (None, False)


def test_janitor_evicts_expired_entries(rt):
    c = Cache(ttl=0.2, janitor_interval=0.1)
    ctx, cancel = context.with_cancel(context.background())
    janitor = c.start_janitor(ctx)
    c.set("k", 1)
    wait_until(lambda: c.statistics().evictions == 1, timeout=2.0)
    assert c.statistics().size == 0
    cancel()
    assert janitor.join(2.0)


def test_janitor_returns_when_its_context_is_cancelled(rt):
    c = Cache(ttl=10, janitor_interval=0.1)
    ctx, cancel = context.with_cancel(context.background())
    janitor = c.start_janitor(ctx)
    wait_until(lambda: janitor.state is State.BLOCKED_SELECT)
    cancel()
    assert janitor.join(2.0)
    assert janitor.panic is None


def test_get_or_load_returns_a_cached_value_without_loading(rt):
    c = Cache(ttl=10)
    c.set("k", "cached")
    assert run_all(rt, [lambda: c.get_or_load("k", lambda k: "loaded")]) == ["cached"]
    assert c.statistics().loads == 0


def test_get_or_load_stores_what_it_loaded(rt):
    c = Cache(ttl=10)
    assert run_all(rt, [lambda: c.get_or_load("k", lambda k: k.upper())]) == ["K"]
    assert c.get("k") == ("K", True)


def stampede(rt: Runtime, c: Cache, loader) -> tuple[list, list]:
    """STAMPEDE goroutines call get_or_load("hot") while the first load is held open.

    Returns (goroutines, results holder); the caller releases the load.
    """
    results: list = [None] * STAMPEDE

    def caller(k: int) -> None:
        try:
            results[k] = c.get_or_load("hot", loader)
        except Exception as exc:
            results[k] = exc

    gs = [rt.go(caller, k, name=f"caller-{k}") for k in range(STAMPEDE)]
    return gs, results


def test_stampede_of_20_callers_makes_one_load(rt):
    c = Cache(ttl=10)
    release = Chan(name="release")
    calls = AtomicInt64()

    def loader(key):
        calls.add(1)
        release.recv()  # held until every caller is waiting
        return "value"

    gs, results = stampede(rt, c, loader)
    # One goroutine is in the loader, the 19 others wait for its result: all 20 blocked.
    wait_until(lambda: all(g.state is State.BLOCKED_RECV for g in gs))
    release.close()
    for g in gs:
        assert g.join(5.0)
    assert results == ["value"] * STAMPEDE
    assert calls.load() == 1
    assert c.statistics().loads == 1


def test_loader_error_reaches_every_waiter(rt):
    c = Cache(ttl=10)
    release = Chan(name="release")
    boom = OSError("backend down")

    def loader(key):
        release.recv()
        raise boom

    gs, results = stampede(rt, c, loader)
    wait_until(lambda: all(g.state is State.BLOCKED_RECV for g in gs))
    release.close()
    for g in gs:
        assert g.join(5.0)
    assert all(r is boom for r in results)


def test_loader_error_is_not_cached(rt):
    c = Cache(ttl=10)
    answers = iter([OSError("down"), "value"])

    def loader(key):
        a = next(answers)
        if isinstance(a, Exception):
            raise a
        return a

    first, second = run_all(rt, [lambda: c.get_or_load("k", loader)] * 2)
    assert isinstance(first, OSError)
    assert second == "value"
    assert c.statistics().loads == 2


def test_expired_key_is_loaded_again(rt):
    c = Cache(ttl=10)
    c.set("k", "old")
    c.expire_all()
    assert run_all(rt, [lambda: c.get_or_load("k", lambda k: "new")]) == ["new"]
    assert c.statistics().loads == 1


def test_statistics_count_hits_misses_and_size(rt):
    c = Cache(ttl=10)
    c.set("a", 1)
    c.set("b", 2)
    c.get("a")
    c.get("a")
    c.get("zzz")
    st = c.statistics()
    assert (st.hits, st.misses, st.size) == (2, 1, 2)


@pytest.mark.parametrize("kwargs", [{"ttl": 0}, {"ttl": -1}, {"janitor_interval": 0}])
def test_non_positive_durations_are_refused(rt, kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        Cache(**kwargs)


def test_set_with_a_non_positive_ttl_is_refused(rt):
    with pytest.raises(ValueError, match="ttl"):
        Cache(ttl=1).set("k", 1, ttl=0)
