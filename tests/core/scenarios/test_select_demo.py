"""The select lesson: three sources, one timer, an optional default, time.After broken."""

from __future__ import annotations

import threading

import pytest
from helpers import wait_until

from core.runtime import Runtime
from core.scenarios.select_demo import SelectDemo
from core.trace import Kind, Tracer

SPEED = 10.0


def start(**params):
    """Run the lesson in its own Runtime at SPEED; returns (scenario, runtime, tracer)."""
    tracer = Tracer()
    rt = Runtime(name="test-select", tracer=tracer)
    rt.clock.speed = SPEED
    s = SelectDemo(**params)
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


def last(s, metric: str) -> float:
    return s.recorder.last(metric) or 0


@pytest.mark.parametrize(
    ("param", "bad"),
    [
        ("rate_a", 0.0),
        ("rate_b", 21.0),
        ("rate_c", "often"),
        ("timeout", 0.0),
        ("timeout", 11.0),
        ("use_default", "maybe"),
        ("variant", "sloppy"),
    ],
)
def test_bad_param_is_refused_naming_it(param, bad):
    with pytest.raises(ValueError, match=param):
        SelectDemo(**{param: bad})


@pytest.mark.parametrize("variant", ["correct", "broken"])
def test_every_action_runs_and_stop_is_clean(variant):
    before = set(threading.enumerate())
    s, rt, _ = start(variant=variant)
    names = [a.name for a in s.actions]
    teachers = []
    for k, name in enumerate(names, 1):
        run_until(rt, 2.0 * k / (len(names) + 1))
        teachers.append(s.act(name))
    run_until(rt, 2.0)
    for g in teachers:
        assert g.join(2.0)
        assert g.panic is None
    report = stop(rt, before)
    assert report.clean, report
    assert rt.panics == []
    for m in s.metrics:
        assert s.recorder.series(m.name)[1], f"metric {m.name} has no sample"


def test_correct_loop_makes_one_timer():
    before = set(threading.enumerate())
    s, rt, _ = start(use_default=True, timeout=5.0)
    wait_until(lambda: last(s, "defaults") >= 10)
    assert last(s, "timers_created") == 1
    assert last(s, "timers_pending") <= 1
    assert stop(rt, before).clean


def test_broken_loop_piles_up_pending_timers():
    before = set(threading.enumerate())
    s, rt, tracer = start(variant="broken", use_default=True, timeout=5.0)
    wait_until(lambda: last(s, "timers_pending") >= 10)
    assert last(s, "timers_created") >= 10
    assert any(
        e.kind is Kind.NOTE and e.value.startswith("BROKEN VARIANT") for e in tracer.events()
    )
    assert stop(rt, before).clean


def test_timeout_case_wins_when_the_sources_are_quiet():
    before = set(threading.enumerate())
    s, rt, _ = start(rate_a=0.1, rate_b=0.1, rate_c=0.1, timeout=0.05)
    wait_until(lambda: last(s, "timeouts") >= 5)
    assert last(s, "defaults") == 0
    assert stop(rt, before).clean


def test_default_case_wins_instead_of_the_timeout():
    before = set(threading.enumerate())
    s, rt, _ = start(rate_a=0.1, rate_b=0.1, rate_c=0.1, timeout=0.5, use_default=True)
    wait_until(lambda: last(s, "defaults") >= 10)
    assert last(s, "timeouts") == 0
    assert stop(rt, before).clean


def test_closed_source_is_switched_off_with_a_nil_channel():
    before = set(threading.enumerate())
    s, rt, tracer = start(rate_c=20.0)
    wait_until(lambda: last(s, "wins_c") >= 3)
    assert s.act("close-source").join(2.0)
    wait_until(lambda: any("c = nil" in e.value for e in tracer.events() if e.kind is Kind.NOTE))
    run_until(rt, rt.clock.now() + 0.3)  # at least one sample after the close
    closed_at = last(s, "wins_c")
    run_until(rt, rt.clock.now() + 0.5)
    assert last(s, "wins_c") == closed_at
    assert stop(rt, before).clean
