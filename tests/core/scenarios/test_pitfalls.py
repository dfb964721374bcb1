"""The pitfall lessons: deadlock and closed-channel-panic."""

from __future__ import annotations

import threading

import pytest
from helpers import wait_until

from core.runtime import Panic, Runtime
from core.scenarios.pitfalls import ClosedChannelPanic, Deadlock
from core.trace import Kind, Tracer

SPEED = 10.0
MISTAKES = ("forgotten-unlock", "everyone-waiting", "receive-without-sender")


def start(cls, **params):
    """Run scenario *cls* in its own Runtime at SPEED; returns (scenario, runtime, tracer)."""
    tracer = Tracer()
    rt = Runtime(name=f"test-{cls.id}", tracer=tracer)
    rt.clock.speed = SPEED
    s = cls(**params)
    s.runtime = rt
    rt.go(s.run, rt.root_context(), name="run")
    return s, rt, tracer


def run_until(rt, t: float) -> None:
    wait_until(lambda: rt.clock.now() >= t, message=f"runtime clock never reached {t}")


def stop(rt, before: set) -> object:
    """stop(2.0), then check that no thread started since *before* is alive."""
    report = rt.stop(2.0)
    wait_until(
        lambda: not [t for t in threading.enumerate() if t not in before],
        timeout=1.0,
        message="a thread outlived runtime.stop",
    )
    return report


def notes(tracer) -> list[str]:
    return [e.value for e in tracer.events() if e.kind is Kind.NOTE]


def last(s, metric: str) -> float:
    return s.recorder.last(metric) or 0


@pytest.mark.parametrize(
    ("cls", "param", "bad"),
    [
        (Deadlock, "variant", "fixed"),
        (Deadlock, "mistake", "double-lock"),
        (ClosedChannelPanic, "variant", "fixed"),
        (ClosedChannelPanic, "capacity", 9),
        (ClosedChannelPanic, "producer_interval", 0.0),
    ],
)
def test_bad_param_is_refused_naming_it(cls, param, bad):
    with pytest.raises(ValueError, match=param):
        cls(**{param: bad})


# -- deadlock ----------------------------------------------------------------


@pytest.mark.parametrize("mistake", MISTAKES)
def test_broken_variant_reports_gos_deadlock(mistake):
    before = set(threading.enumerate())
    s, rt, tracer = start(Deadlock, variant="broken", mistake=mistake)
    wait_until(lambda: any("all goroutines are asleep - deadlock!" in n for n in notes(tracer)))
    assert any(n.startswith("Why: ") for n in notes(tracer))
    assert any(e.kind is Kind.DEADLOCK for e in tracer.events())
    assert last(s, "asleep") >= 1
    # run() waits on the root context's done channel: never part of the deadlock.
    assert not any(line.endswith(": run") for line in rt.deadlock.goroutines)
    report = stop(rt, before)
    assert report.leaked and report.alive == []


@pytest.mark.parametrize("mistake", MISTAKES)
def test_correct_variant_runs_without_deadlock(mistake):
    before = set(threading.enumerate())
    s, rt, tracer = start(Deadlock, variant="correct", mistake=mistake)
    wait_until(lambda: last(s, "rounds") >= 3 or rt.deadlock is not None)
    assert rt.deadlock is None, rt.deadlock.text
    assert not any("deadlock" in n for n in notes(tracer))
    assert stop(rt, before).clean


def test_forgotten_unlock_explains_who_holds_the_lock():
    before = set(threading.enumerate())
    _, rt, tracer = start(Deadlock, variant="broken", mistake="forgotten-unlock")
    wait_until(lambda: rt.deadlock is not None)
    wait_until(lambda: any(n.startswith("Why: worker 2 waits for mu") for n in notes(tracer)))
    assert any("held by worker 1" in n for n in notes(tracer))
    stop(rt, before)


# -- closed-channel-panic ----------------------------------------------------


def test_every_action_runs_and_stop_is_clean():
    before = set(threading.enumerate())
    s, rt, _ = start(ClosedChannelPanic)
    run_until(rt, 1.0)
    teacher = s.act("close-early")
    run_until(rt, 2.0)
    assert teacher.join(2.0) and teacher.panic is None
    report = stop(rt, before)
    assert report.clean, report
    assert rt.panics == []
    for m in s.metrics:
        assert s.recorder.series(m.name)[1], f"metric {m.name} has no sample"


def test_broken_variant_panics_on_send_and_on_second_close():
    before = set(threading.enumerate())
    s, rt, tracer = start(ClosedChannelPanic, variant="broken")

    def texts() -> set[str]:
        return {str(exc) for _, exc in rt.panics}

    wait_until(lambda: {"send on closed channel", "close of closed channel"} <= texts())
    for g, exc in rt.panics:
        assert isinstance(exc, Panic)
        assert g.panic is exc
    traced = {e.value for e in tracer.events() if e.kind is Kind.GO_PANIC}
    assert {"send on closed channel", "close of closed channel"} <= traced
    wait_until(lambda: last(s, "panics") >= 2)
    assert stop(rt, before).alive == []


def test_broken_close_early_panics_the_producers():
    before = set(threading.enumerate())
    s, rt, _ = start(ClosedChannelPanic, variant="broken", producer_interval=0.2)
    run_until(rt, 0.3)  # round 1: both producers are still sending
    assert s.act("close-early").join(2.0)
    wait_until(lambda: len([g for g, _ in rt.panics if g.name.startswith("producer")]) >= 2)
    assert stop(rt, before).alive == []


def test_correct_close_early_stops_the_producers_without_panic():
    before = set(threading.enumerate())
    s, rt, tracer = start(ClosedChannelPanic, producer_interval=0.2)
    run_until(rt, 0.3)
    assert s.act("close-early").join(2.0)
    wait_until(lambda: last(s, "rounds") >= 1)
    assert last(s, "received") < sum(ClosedChannelPanic._SENDS)
    closes = [e for e in tracer.events() if e.kind is Kind.CHAN_CLOSE and e.obj_name == "jobs"]
    assert len(closes) == 1
    assert rt.panics == []
    assert stop(rt, before).clean
