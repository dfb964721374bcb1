"""Lesson "user-counters": no count lost with the RWMutex, counts lost without it.

(Parameters, declarations and a run with every action: test_every_scenario.py.)
"""

from __future__ import annotations

from scenario_harness import has_metrics, last, play

from core.scenarios.user_counters import UserCountersLesson


def test_correct_variant_loses_no_count():
    run = play(UserCountersLesson, actions=[(0.3, "burst")], ready=has_metrics, stop_timeout=1.0)
    assert last(run, "lost") == 0
    assert last(run, "counted") > 0


def test_broken_variant_loses_counts():
    run = play(
        UserCountersLesson,
        actions=[(0.3, "burst")],
        ready=has_metrics,
        stop_timeout=1.0,
        variant="broken",
    )
    assert run.report.clean
    assert last(run, "lost") > 0


def test_new_user_gets_a_counter():
    run = play(
        UserCountersLesson,
        actions=[(0.3, "new-user")],
        ready=has_metrics,
        stop_timeout=1.0,
        users=1,
    )
    assert last(run, "users") == 2
