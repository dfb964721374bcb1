"""Lesson "circuit-breaker": an outage opens the breaker, recovery closes it again.

(Parameters, declarations and a run with every action: test_every_scenario.py.)
"""

from __future__ import annotations

from helpers import wait_until
from scenario_harness import assert_clean, has_metrics, start, stop

from core.scenarios.circuit_breaker import CircuitBreakerLesson


def test_an_outage_opens_the_breaker_and_recovery_closes_it():
    run = start(
        CircuitBreakerLesson,
        ready=has_metrics,
        failure_rate=0,
        failure_threshold=3,
        open_timeout=0.3,
    )
    rec = run.scenario.recorder
    try:
        assert run.act("outage").join(2.0)
        wait_until(lambda: rec.last("state") == 2, message="never opened")
        wait_until(lambda: max(rec.series("calls_rejected")[1] or [0]) > 0)
        assert run.act("recover").join(2.0)
        wait_until(lambda: rec.last("state") == 0, message="never closed again")
    finally:
        stop(run)
    assert_clean(run)
    assert 1 in rec.series("state")[1]  # it went through half-open
