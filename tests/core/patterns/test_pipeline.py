"""Pipeline stages: every item exactly once, order kept per stage, cancel leaves nothing blocked."""

from __future__ import annotations

import itertools
import random

import pytest
from helpers import wait_until

from core.patterns.pipeline import fan_out, generate, merge, stage
from core.runtime import Runtime, WaitGroup, context, current, now

RT_SPEED = 20


def collect(rt: Runtime, ch) -> list:
    """Receive from *ch* until it is closed, in a goroutine; return the values."""
    out: list = []
    g = rt.go(lambda: out.extend(ch), name="sink")
    assert g.join(5.0), "the channel was never closed"
    return out


def test_generate_sends_every_item_then_closes(rt):
    ctx = context.background()
    assert collect(rt, generate(ctx, ["a", "b", "c"])) == ["a", "b", "c"]


def test_generate_paces_items_on_the_runtime_clock(rt):
    t0 = now()
    assert collect(rt, generate(context.background(), range(5), interval=0.1)) == list(range(5))
    assert now() - t0 >= 0.5 - 1e-9


def test_a_stage_keeps_the_order_of_its_input(rt):
    ctx = context.background()
    squares = stage(ctx, generate(ctx, range(20)), lambda x: x * x, "square")
    assert collect(rt, squares) == [x * x for x in range(20)]


def test_fan_out_and_merge_deliver_every_item_exactly_once(rt):
    ctx = context.background()
    squares = stage(ctx, generate(ctx, range(200)), lambda x: x * x, "square")
    workers = fan_out(ctx, squares, lambda v: v + 1, 4)
    out = collect(rt, merge(ctx, *workers))
    assert sorted(out) == [x * x + 1 for x in range(200)]


def test_fan_out_shares_the_work_between_its_workers(rt):
    ctx = context.background()
    seen: dict = {}

    def work(v):
        name = current().name
        seen[name] = seen.get(name, 0) + 1
        return v

    workers = fan_out(ctx, generate(ctx, range(60), interval=0.01), work, 3, name="w")
    assert len(collect(rt, merge(ctx, *workers))) == 60
    assert sorted(seen) == ["w-1", "w-2", "w-3"]


def test_merge_of_no_channel_is_closed_at_once(rt):
    assert collect(rt, merge(context.background())) == []


def test_fan_out_needs_a_worker(rt):
    ctx = context.background()
    with pytest.raises(ValueError, match="n must be"):
        fan_out(ctx, generate(ctx, []), lambda v: v, 0)


def test_a_context_error_raised_by_the_stage_function_ends_the_stage(rt):
    ctx, cancel = context.with_cancel(context.background())

    def fn(v):
        cancel()
        raise ctx.err()

    wg = WaitGroup()
    out = stage(ctx, generate(ctx, itertools.count(), wg=wg), fn, "s", wg=wg)
    assert collect(rt, out) == []
    g = rt.go(wg.wait, name="wait")
    assert g.join(2.0)
    assert g.panic is None


@pytest.mark.parametrize("seed", range(6))
def test_cancel_at_a_random_point_leaves_no_goroutine_blocked(rt, seed):
    rng = random.Random(seed)
    ctx, cancel = context.with_cancel(context.background())
    wg = WaitGroup(name="pipeline")
    numbers = generate(ctx, itertools.count(), wg=wg)
    squares = stage(ctx, numbers, lambda x: x * x, "square", wg=wg)
    workers = fan_out(ctx, squares, lambda v: v, rng.randint(1, 4), wg=wg)
    merged = merge(ctx, *workers, wg=wg)
    wanted = rng.randrange(0, 40)

    def consumer():
        # Reads some values, then stops reading: upstream stages block in sends.
        return [merged.recv()[0] for _ in range(wanted)]

    g = rt.go(consumer, name="consumer")
    assert g.join(5.0)
    wait_until(lambda: all(x.state.blocked for x in rt.goroutines()))
    cancel()
    wait_until(lambda: not rt.goroutines(), timeout=2.0, message="a stage is still alive")


def test_a_stage_blocked_sending_to_nobody_returns_on_cancel(rt):
    ctx, cancel = context.with_cancel(context.background())
    wg = WaitGroup()
    out = stage(ctx, generate(ctx, [1, 2, 3], wg=wg), lambda v: v, "s", wg=wg)
    wait_until(lambda: any(x.name == "s" and x.state.blocked for x in rt.goroutines()))
    cancel()
    wait_until(lambda: not rt.goroutines(), timeout=2.0)
    assert out.recv() == (None, False)  # closed by the stage on its way out
