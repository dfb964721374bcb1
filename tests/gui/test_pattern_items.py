"""Patterns drawn as themselves: the rate limiter's token bucket, the breaker's states."""

from __future__ import annotations

from PySide6.QtCore import Qt

from gui.stage.pattern_items import BreakerItem, TokenBucketItem


def pattern_items(window, cls):
    return [i for i in window.stage.item_tables()["p"].values() if isinstance(i, cls)]


def test_the_rate_limiter_draws_its_token_bucket_filling_and_refusing(window, qtbot):
    window.player.set_speed(4.0)
    assert window.open_lesson("rate-limiter", {"rate": 2.0, "burst": 5, "demand": 6.0})
    qtbot.waitUntil(lambda: bool(pattern_items(window, TokenBucketItem)), timeout=5000)
    (bucket,) = pattern_items(window, TokenBucketItem)
    view = window.stage.model.patterns[bucket.oid]
    assert view.name == "bucket" and view.state["burst"] == 5
    # Demand above the rate: the bucket runs dry and refuses.
    qtbot.waitUntil(lambda: view.state.get("refused", 0) > 0, timeout=8000)
    assert bucket.isVisible()
    assert bucket.tokens < 5
    assert "refused" in bucket.tip
    # Its parts are plumbing: the bucket is drawn, not its lock and timers.
    names = {window.stage.item_name(key) for key in _keys(window)}
    assert not any(n.startswith("bucket.") for n in names)
    # Between records the picture earns tokens at the rate (the clock moves it).
    window.player.pause()
    qtbot.waitUntil(lambda: window.player.runtime.clock.paused, timeout=3000)
    st = view.state
    later = st["at"] + 1.0
    bucket.show_view(view, later)
    assert bucket.tokens == min(5.0, st["tokens"] + st["rate"] * 1.0)


def test_the_circuit_breaker_draws_its_state_machine_open_after_an_outage(window, qtbot):
    window.player.set_speed(2.0)
    assert window.open_lesson("circuit-breaker", {"open_timeout": 5.0})
    qtbot.waitUntil(lambda: bool(pattern_items(window, BreakerItem)), timeout=5000)
    (breaker,) = pattern_items(window, BreakerItem)
    view = window.stage.model.patterns[breaker.oid]
    assert view.state["state"] == "closed"
    assert breaker.detail.startswith("failures in a row:")
    qtbot.mouseClick(window.controls.action_button("outage"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.state["state"] == "open", timeout=8000)
    qtbot.waitUntil(lambda: breaker.detail.startswith("half-open in "), timeout=3000)
    assert "circuit breaker breaker: open" in breaker.tip
    assert view.counts.get("opened", 0) >= 1


def _keys(window):
    for tag, table in window.stage.item_tables().items():
        for oid in table:
            yield (tag, oid)


def test_batching_draws_the_pending_batch_filling_and_its_flushes(window, qtbot):
    from gui.stage.pattern_items import BatcherItem

    window.player.set_speed(2.0)
    assert window.open_lesson("batching", {"max_items": 4, "max_wait": 2.0})
    qtbot.waitUntil(lambda: bool(pattern_items(window, BatcherItem)), timeout=5000)
    (batch,) = pattern_items(window, BatcherItem)
    view = window.stage.model.patterns[batch.oid]
    assert view.name == "batcher's batch" and view.state["max_items"] == 4
    qtbot.waitUntil(lambda: view.state["pending"] > 0, timeout=5000)
    qtbot.waitUntil(lambda: view.state["by_size"] > 0, timeout=8000)
    assert "flushed by size" in batch.tip
    names = {window.stage.item_name(key) for key in _keys(window)}
    assert "batcher.stats" not in names and "batcher.timer" not in names
    assert "chan batcher.in" in names or "batcher.in" in names  # the queue stays


def test_an_errgroup_round_draws_its_members_first_error_and_leaves_when_over(window, qtbot):
    from gui.stage.pattern_items import ErrGroupItem

    window.player.set_speed(4.0)
    assert window.open_lesson("errgroup-semaphore", {"failure_probability": 0.0})
    qtbot.waitUntil(lambda: bool(pattern_items(window, ErrGroupItem)), timeout=5000)
    (group,) = pattern_items(window, ErrGroupItem)
    view = window.stage.model.patterns[group.oid]
    qtbot.waitUntil(lambda: view.state["running"] > 0, timeout=5000)
    qtbot.mouseClick(window.controls.action_button("fail-one"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.state.get("over") is True, timeout=8000)
    assert view.state["failed"] >= 1 and view.state["first"]
    assert "first error" in group.tip
    # The round is over: its group leaves the stage (the next round brings its own).
    qtbot.waitUntil(lambda: group.oid not in window.stage.item_tables()["p"], timeout=10_000)


def test_the_worker_pool_draws_its_phase_queue_and_refusals(window, qtbot):
    from gui.stage.pattern_items import WorkerPoolItem

    window.player.set_speed(2.0)
    assert window.open_lesson("worker-pool", {"queue_size": 2, "workers": 2, "max_retries": 0})
    qtbot.waitUntil(lambda: bool(pattern_items(window, WorkerPoolItem)), timeout=5000)
    (pool,) = pattern_items(window, WorkerPoolItem)
    view = window.stage.model.patterns[pool.oid]
    assert view.state["phase"] == "running" and view.state["queue_size"] == 2
    qtbot.mouseClick(window.controls.action_button("burst"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.state["rejected"] > 0, timeout=8000)  # a full queue refuses
    assert view.state["queued"] <= 2 and view.state["busy"] <= view.state["workers"]
    qtbot.mouseClick(window.controls.action_button("shutdown"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.state["phase"] == "stopped", timeout=10_000)
    st = view.state
    assert st["accepted"] == st["completed"] + st["failed"]  # every accepted job ran
    assert "worker pool pool: stopped" in pool.tip


def test_the_cache_draws_its_entries_ttl_and_the_stampedes_single_load(window, qtbot):
    from gui.stage.pattern_items import CacheItem

    window.player.set_speed(2.0)
    assert window.open_lesson("cache", {"ttl": 5.0, "loader_delay": 1.0})
    qtbot.waitUntil(lambda: bool(pattern_items(window, CacheItem)), timeout=5000)
    (cache,) = pattern_items(window, CacheItem)
    view = window.stage.model.patterns[cache.oid]
    qtbot.waitUntil(lambda: bool(view.state.get("entries")), timeout=5000)
    assert all(0.0 <= f <= 1.0 for _, f in cache.left)
    qtbot.mouseClick(window.controls.action_button("stampede"), Qt.MouseButton.LeftButton)
    # One load for the stampede's key, with the other callers waiting for it.
    qtbot.waitUntil(
        lambda: any(k.startswith("stampede") and n > 0 for k, n in view.state.get("loading", ())),
        timeout=8000,
    )
    assert "waiting" in cache.tip
    names = {window.stage.item_name(key) for key in _keys(window)}
    assert "cache.mu" not in names and "cache.hits" not in names


def test_a_selects_timeout_counts_down_on_its_card(window, qtbot):
    window.player.set_speed(1.0)
    values = {"rate_a": 0.3, "rate_b": 0.3, "rate_c": 0.3, "timeout": 3.0}
    assert window.open_lesson("select", values)

    def timeout_row() -> str:
        for item in window.stage.item_tables()["g"].values():
            for name in item._chan_names:
                if name.startswith("timeout.C · "):
                    return name
        return ""

    qtbot.waitUntil(lambda: bool(timeout_row()), timeout=5000)
    first = timeout_row()
    left = float(first.split("· ")[1].split(" s")[0])
    assert 0.0 <= left <= 3.0
    qtbot.waitUntil(lambda: timeout_row() not in ("", first), timeout=3000)  # it runs down
