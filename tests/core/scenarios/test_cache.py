"""Lesson "cache": the stampede in both variants, and the janitor until it is stopped.

(Parameters, declarations and a run with every action: test_every_scenario.py.)
"""

from __future__ import annotations

from helpers import wait_until
from scenario_harness import assert_clean, has_metrics, last, notes, start, stop

from core.scenarios.cache import STAMPEDE, CacheLesson


def test_code_tab_shows_the_cache_pattern_then_the_lesson():
    assert CacheLesson.source_modules == ("core.patterns.cache", "core.scenarios.cache")


def test_stampede_makes_one_load_with_singleflight():
    run = start(CacheLesson, ready=has_metrics)
    try:
        assert run.act("stampede").join(2.0)
    finally:
        stop(run)
    assert_clean(run)
    said = " ".join(notes(run))
    assert f"Stampede: {STAMPEDE} callers asked for stampede-1 at once: 1 load," in said


def test_broken_variant_stampede_makes_many_loads():
    run = start(CacheLesson, ready=has_metrics, variant="broken")
    try:
        assert run.act("stampede").join(2.0)
    finally:
        stop(run)
    assert_clean(run)
    said = [n for n in notes(run) if n.startswith("Stampede")]
    assert said and "loads of the same key" in said[0]
    assert any(n.startswith("BROKEN VARIANT") for n in notes(run))


def test_the_janitor_evicts_expired_entries_until_it_is_stopped():
    run = start(CacheLesson, ready=has_metrics, ttl=0.2, janitor_interval=0.1, keys=4)
    clock = run.runtime.clock
    try:
        wait_until(lambda: last(run, "evictions") > 0, message="no eviction")
        assert run.act("stop-janitor").join(2.0)
        stopped_at = clock.now()
        # A sample taken well after the stop is the final count...
        wait_until(lambda: run.scenario.recorder.series("evictions")[0][-1] > stopped_at + 0.3)
        after_stop = last(run, "evictions")
        # ...while entries keep expiring (ttl 0.2 s) for 1 s more: none is evicted.
        wait_until(lambda: clock.now() >= stopped_at + 1.3)
        assert last(run, "evictions") == after_stop
    finally:
        stop(run)
    assert_clean(run)
