"""Lesson "resource-keeper": inc fails fast after a stop, times out when slow; broken, blocks.

(Parameters, declarations and runs with every action: test_every_scenario.py.)
"""

from __future__ import annotations

from scenario_harness import has_metrics, last, play

from core.scenarios.resource_keeper import ResourceKeeperLesson


def play_keeper(action: str, duration: float = 2.0, **params):
    """Inject *action* at runtime second 0.3, play on until *duration*."""
    return play(
        ResourceKeeperLesson,
        duration=duration,
        actions=[(0.3, action)],
        ready=has_metrics,
        stop_timeout=1.0,
        **params,
    )


def nobody_waits_on_a_stopped_keeper(s: ResourceKeeperLesson) -> bool:
    rec = s.recorder
    return rec.last("keeper_alive") == 0 and rec.last("failed") > 0 and rec.last("waiting") == 0


def every_client_blocks(s: ResourceKeeperLesson) -> bool:
    return s.recorder.last("waiting") == s["clients"]


def test_after_stop_keeper_inc_fails_at_once_and_no_client_waits():
    run = play_keeper("stop-keeper", duration=1.5, until=nobody_waits_on_a_stopped_keeper)
    assert run.report.clean
    assert last(run, "keeper_alive") == 0
    assert last(run, "failed") > 0
    assert last(run, "waiting") == 0


def test_slow_keeper_makes_inc_time_out():
    run = play_keeper("slow-keeper", timeout=50, slow_delay=500)
    assert run.report.clean
    assert last(run, "failed") > 0


def test_broken_variant_clients_block_forever_after_stop():
    run = play_keeper("stop-keeper", duration=1.5, until=every_client_blocks, variant="broken")
    assert run.runtime.panics == []
    assert last(run, "waiting") == run.scenario["clients"]
    assert [line for line in run.report.leaked if "[chan send]: client-" in line], run.report
