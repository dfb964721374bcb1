"""Patterns record what Go's runtime cannot see (Kind.PATTERN), and the model folds it."""

from __future__ import annotations

import pytest

from core.patterns.breaker import CircuitBreaker, CircuitOpen
from core.patterns.ratelimit import TokenBucket
from core.runtime import Runtime
from core.trace import Kind, RunModel, Tracer


def run_traced(fn) -> tuple[list, RunModel]:
    tracer = Tracer()
    rt = Runtime(name="patterns", tracer=tracer)
    try:
        with rt.active():
            g = rt.go(fn, name="main")
        assert g.join(5)
    finally:
        rt.stop(timeout=2.0)
    events = tracer.events()
    model = RunModel()
    model.apply(events)
    return [ev for ev in events if ev.kind is Kind.PATTERN], model


def test_a_token_bucket_records_each_request_and_its_tokens():
    out = {}

    def main() -> None:
        bucket = TokenBucket(0.5, 2, name="bucket")
        out["id"] = bucket.id
        out["answers"] = [bucket.allow() for _ in range(3)]

    records, model = run_traced(main)
    assert out["answers"] == [True, True, False]
    assert [ev.payload.what for ev in records] == ["made", "allowed", "allowed", "refused"]
    assert records[-1].value.startswith("refused a request: no whole token")
    v = model.patterns[out["id"]]
    assert v.pattern == "token-bucket" and v.name == "bucket"
    assert v.state["burst"] == 2 and v.state["rate"] == 0.5
    assert v.state["tokens"] < 1 and v.state["allowed"] == 2 and v.state["refused"] == 1
    assert v.counts == {"made": 1, "allowed": 2, "refused": 1}


def test_a_circuit_breaker_records_its_state_machine():
    out = {}

    def fail() -> None:
        raise RuntimeError("down")

    def main() -> None:
        cb = CircuitBreaker(failure_threshold=2, open_timeout=30, name="breaker")
        out["id"] = cb.id
        for _ in range(2):
            with pytest.raises(RuntimeError):
                cb.call(fail)
        with pytest.raises(CircuitOpen):
            cb.call(fail)

    records, model = run_traced(main)
    whats = [ev.payload.what for ev in records]
    assert whats == ["made", "failed", "opened", "rejected"]
    opened = records[2]
    assert opened.value == "opened (2 failures in a row): calls are rejected for 30 s"
    v = model.patterns[out["id"]]
    assert v.pattern == "circuit-breaker"
    assert v.state["state"] == "open" and v.state["opens"] == 1
    assert v.state["rejections"] == 1 and v.state["failures"] == 2
    assert v.state["opened_at"] + v.state["open_timeout"] > v.t


def test_a_batcher_records_its_pending_batch_and_why_it_flushed():
    out = {}

    def main() -> None:
        from core.patterns.batcher import Batcher

        flushed: list[list[int]] = []
        b = Batcher(3, 30.0, flushed.append, name="batcher")
        out["id"] = b.id
        for i in range(4):
            b.add(i)
        b.close()
        out["flushed"] = flushed

    records, model = run_traced(main)
    assert out["flushed"] == [[0, 1, 2], [3]]
    whats = [ev.payload.what for ev in records]
    assert whats == [
        "made",
        "added",
        "added",
        "added",
        "flushed by size",
        "added",
        "flushed by close",
    ]
    assert [ev.payload.fields()["pending"] for ev in records[1:4]] == [1, 2, 3]
    v = model.patterns[out["id"]]
    assert v.name == "batcher's batch" and v.pattern == "batcher"
    assert v.state["pending"] == 0 and v.state["size"] == 1
    assert (v.state["by_size"], v.state["by_time"], v.state["by_close"]) == (1, 0, 1)


def test_an_errgroup_records_its_members_and_the_first_error():
    out = {}

    def main() -> None:
        from core.patterns.errgroup import with_context
        from core.runtime import Chan, Recv, current_runtime, select

        gate = Chan(0, name="gate")
        group, gctx = with_context(current_runtime().root_context(), name="group")
        out["id"] = group.id

        def fails() -> None:
            raise ValueError("boom")

        def waits() -> None:
            select(Recv(gctx.done()), Recv(gate))
            raise gctx.err()

        group.go(waits, name="waiter")
        group.go(fails, name="failer")
        out["err"] = group.wait()

    records, model = run_traced(main)
    assert str(out["err"]) == "boom"
    first = next(ev for ev in records if ev.payload.what == "first error")
    assert first.value.startswith("failer returned the first error (boom)")
    v = model.patterns[out["id"]]
    st = v.state
    assert (st["started"], st["running"], st["failed"], st["cancelled"]) == (2, 0, 1, 1)
    assert st["first"] == "boom" and st["first_by"] == "failer" and st["over"] is True
    assert v.what == "waited" and v.text == "wait() returned the first error: boom"


def test_a_cache_records_its_entries_and_the_loads_in_flight_with_their_waiters():
    out = {}

    def main() -> None:
        from core.patterns.cache import Cache
        from core.runtime import Chan, WaitGroup, go

        cache = Cache(ttl=5.0, name="cache")
        out["id"] = cache.id
        release = Chan(0, name="release")
        wg = WaitGroup(name="readers")

        def loader(key: str) -> str:
            release.recv()  # the load stays in flight until main lets it finish
            return f"value of {key}"

        def read() -> None:
            out.setdefault("values", []).append(cache.get_or_load("k10", loader))
            wg.done()

        wg.add(3)
        for i in range(3):
            go(read, name=f"reader-{i}")
        from helpers import wait_until

        wait_until(lambda: len(cache._calls) == 1 and cache._calls["k10"].waiters == 2)
        release.send(None)
        wg.wait()
        cache.set("k2", "two")

    records, model = run_traced(main)
    assert out["values"] == ["value of k10"] * 3
    loads = [ev.payload.fields()["loading"] for ev in records if "loading" in ev.payload.fields()]
    assert loads[0] == (("k10", 0),) and (("k10", 2),) in loads and loads[-1] == ()
    v = model.patterns[out["id"]]
    assert [k for k, _ in v.state["entries"]] == ["k2", "k10"]  # in a reader's order
    assert v.state["size"] == 2 and v.state["ttl"] == 5.0 and v.state["loading"] == ()
