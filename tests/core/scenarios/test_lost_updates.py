"""Lesson "lost-updates": the unprotected counter loses increments, the others never do.

(Parameters, declarations and a run with every action: test_every_scenario.py.)
"""

from __future__ import annotations

from scenario_harness import has_metrics, notes, play

from core.scenarios.lost_updates import LostUpdates


def test_a_round_ends_with_bad_below_and_safe_and_atomic_at_the_expected_count():
    run = play(
        LostUpdates,
        duration=1.5,
        actions=(),
        ready=has_metrics,
        stop_timeout=1.0,
        goroutines=8,
        increments=10,
        rate=20,
        gap=20,
    )
    assert run.report.clean
    over = [n for n in notes(run) if n.startswith("Round over")]
    assert over, notes(run)
    assert "SafeCounter 80, AtomicCounter 80" in over[0]
    lost = int(over[0].split("lost ")[1].split(")")[0])
    assert lost > 0, over[0]


def test_more_goroutines_doubles_the_next_round():
    run = play(
        LostUpdates,
        duration=1.0,
        actions=[(0.3, "more-goroutines")],
        ready=has_metrics,
        stop_timeout=1.0,
        goroutines=3,
    )
    assert run.scenario.recorder.series("expected")[1][:2] == [60.0, 120.0]
