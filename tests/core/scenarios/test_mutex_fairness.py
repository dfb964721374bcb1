"""The mutex-fairness lesson: a hog, a waiter, Go's starvation mode.

(Parameters, declarations and runs with every action: test_every_scenario.py.)
"""

from __future__ import annotations

from helpers import wait_until
from scenario_harness import last, notes, start, stop

from core.scenarios.mutex_fairness import MutexFairness
from core.trace import Kind


def waits(run) -> list[float]:
    return run.scenario.recorder.series("wait")[1]


def test_broken_hog_starves_mu_and_the_waiter_still_gets_it_every_round():
    # At speed 2 a hold lasts 0.1 s of wall time: long enough for the woken waiter's
    # thread to run and lose once (which starts starvation mode) on a loaded machine.
    run = start(MutexFairness, variant="broken", needs=3, speed=2.0)
    wait_until(lambda: any(n.startswith("waiter: 3 locks") for n in notes(run)))
    assert max(run.scenario.recorder.series("starving")[1]) == 1
    assert any("STARVATION MODE" in n for n in notes(run))
    # The rest of one hold plus a whole one (hold 0.2 s: at most ~0.4 s; a loaded machine
    # at speed 10 may add a little).
    longest = last(run, "longest_wait")
    assert 200 <= longest < 600, longest  # under 3 holds, even on a loaded machine
    # Starvation mode hands the lock over: a LOCK traced as handed to the waiter.
    handed = [
        e
        for e in run.tracer.events()
        if e.kind is Kind.LOCK and e.obj_name == "mu" and getattr(e.payload, "handed", False)
    ]
    assert handed
    assert stop(run).clean


def test_correct_hog_leaves_the_waiter_waiting_for_nothing():
    run = start(MutexFairness, needs=5)
    wait_until(lambda: any(n.startswith("waiter: 5 locks") for n in notes(run)))
    assert max(waits(run)) < 1.0  # ms: mu was free every time
    assert max(run.scenario.recorder.series("starving")[1]) == 0
    assert not any("STARVATION" in n for n in notes(run))
    assert stop(run).clean


def test_added_waiters_each_get_the_lock_in_the_broken_variant():
    run = start(MutexFairness, variant="broken", needs=2, ready=lambda s: s.ctx is not None)
    assert run.act("add-waiter").join(2.0)
    assert run.act("add-waiter").join(2.0)
    for name in ("waiter", "waiter 2", "waiter 3"):
        wait_until(lambda name=name: any(n.startswith(f"{name}: 2 locks") for n in notes(run)))
    assert run.act("add-waiter").join(2.0)
    wait_until(lambda: any("3 waiters already" in n for n in notes(run)))
    assert stop(run).clean


def test_hog_steps_out_and_the_waiter_gets_mu_at_once():
    run = start(MutexFairness, variant="broken", hold=0.3, gap=0.05, ready=lambda s: s.ctx)
    assert run.act("hog-pauses").join(2.0)
    # During the hog's second outside the lock, some wait is (almost) zero.
    wait_until(lambda: any(w < 1.0 for w in waits(run)[1:]))
    assert stop(run).clean
