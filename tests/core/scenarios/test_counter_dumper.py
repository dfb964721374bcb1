"""Lesson "counter-dumper": a stopped dumper stops; the broken one keeps dumping and leaks.

(Parameters, declarations and runs with every action: test_every_scenario.py.)
"""

from __future__ import annotations

from scenario_harness import has_metrics, last, play

from core.scenarios.counter_dumper import CounterDumperLesson
from core.trace import Kind


def play_stop_dumper(**params):
    """Stop the dumper at runtime second 0.3, play on until 1.5."""
    return play(
        CounterDumperLesson,
        duration=1.5,
        actions=[(0.3, "stop-dumper")],
        ready=has_metrics,
        stop_timeout=1.0,
        interval=0.2,
        **params,
    )


def test_stopped_dumper_makes_no_more_dumps():
    run = play_stop_dumper()
    assert run.report.clean
    t, dumps = run.scenario.recorder.series("dumps")
    stopped_at = next(
        e.t for e in run.tracer.events() if e.kind is Kind.NOTE and "Cancelled" in e.value
    )
    after = [d for when, d in zip(t, dumps) if when > stopped_at + 0.1]
    assert after and len(set(after)) == 1  # the count stands still
    assert last(run, "dumpers") == 0


def test_broken_dumper_keeps_dumping_after_stop_and_leaks():
    run = play_stop_dumper(variant="broken")
    assert run.runtime.panics == []
    t, dumps = run.scenario.recorder.series("dumps")
    after = [d for when, d in zip(t, dumps) if when > 0.5]
    assert after[-1] > after[0]  # still dumping after the stop at 0.3 s
    assert [line for line in run.report.leaked if "dumper" in line], run.report
