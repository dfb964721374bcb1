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
