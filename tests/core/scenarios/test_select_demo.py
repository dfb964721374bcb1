"""The select lesson: three sources, one timer, an optional default, time.After broken.

(Parameters, declarations and runs with every action: test_every_scenario.py.)
"""

from __future__ import annotations

from helpers import wait_until
from scenario_harness import assert_refuses, at, last, notes, start, stop

from core.scenarios.select import SelectDemo


def test_a_rate_that_is_no_number_is_refused_naming_it():
    assert_refuses(SelectDemo, "rate_c", "often")


def test_correct_loop_makes_one_timer():
    run = start(SelectDemo, use_default=True, timeout=5.0)
    wait_until(lambda: last(run, "defaults") >= 10)
    assert last(run, "timers_created") == 1
    assert last(run, "timers_pending") <= 1
    assert stop(run).clean


def test_broken_loop_piles_up_pending_timers():
    run = start(SelectDemo, variant="broken", use_default=True, timeout=5.0)
    wait_until(lambda: last(run, "timers_pending") >= 10)
    assert last(run, "timers_created") >= 10
    assert any(n.startswith("BROKEN VARIANT") for n in notes(run))
    assert stop(run).clean


def test_timeout_case_wins_when_the_sources_are_quiet():
    run = start(SelectDemo, rate_a=0.1, rate_b=0.1, rate_c=0.1, timeout=0.05)
    wait_until(lambda: last(run, "timeouts") >= 5)
    assert last(run, "defaults") == 0
    assert stop(run).clean


def test_default_case_wins_instead_of_the_timeout():
    run = start(SelectDemo, rate_a=0.1, rate_b=0.1, rate_c=0.1, timeout=0.5, use_default=True)
    wait_until(lambda: last(run, "defaults") >= 10)
    assert last(run, "timeouts") == 0
    assert stop(run).clean


def test_closed_source_is_switched_off_with_a_nil_channel():
    run = start(SelectDemo, rate_c=20.0)
    wait_until(lambda: last(run, "wins_c") >= 3)
    assert run.act("close-source").join(2.0)
    wait_until(lambda: any("c = nil" in n for n in notes(run)))
    at(run, run.runtime.clock.now() + 0.3)  # at least one sample after the close
    closed_at = last(run, "wins_c")
    at(run, run.runtime.clock.now() + 0.5)
    assert last(run, "wins_c") == closed_at
    assert stop(run).clean
