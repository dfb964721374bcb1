"""CounterDumper dumps every interval on a Ticker and returns when its context is done."""

from __future__ import annotations

import itertools

import pytest
from helpers import wait_until

import core.patterns.dumper as dumper_module
from core.patterns.dumper import CounterDumper
from core.patterns.user_counters import UserCounters
from core.runtime import Ticker, context

INTERVAL = 0.1  # runtime seconds; the clock runs at 10x: one dump per 10 ms


RT_SPEED = 10


class Counters:
    """A stand-in for UserCounters whose snapshot says how often it was taken."""

    def __init__(self) -> None:
        self.calls = 0

    def get_all(self) -> dict[str, int]:
        self.calls += 1
        return {"calls": self.calls}


def test_dumps_every_interval_until_cancelled(rt):
    dumps: list[tuple[float, dict]] = []
    ctx, cancel = context.with_cancel(rt.root_context())
    d = CounterDumper(Counters(), INTERVAL, lambda snap: dumps.append((rt.clock.now(), snap)))
    g = rt.go(d.start, ctx, name="dumper")
    wait_until(lambda: len(dumps) >= 4)
    cancel()
    assert g.join(2.0)
    times = [t for t, _ in dumps]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(INTERVAL * 0.5 < gap < INTERVAL * 3 for gap in gaps), gaps
    assert [snap["calls"] for _, snap in dumps] == list(range(1, len(dumps) + 1))


def test_dumps_a_snapshot_of_the_counters(rt):
    counters = UserCounters()
    dumps: list[dict] = []
    ctx, cancel = context.with_cancel(rt.root_context())

    def count() -> None:
        counters.inc("alice")
        counters.inc("alice")
        counters.inc("bob")

    assert rt.go(count).join(2.0)
    g = rt.go(CounterDumper(counters, INTERVAL, dumps.append).start, ctx)
    wait_until(lambda: dumps)
    cancel()
    assert g.join(2.0)
    assert dumps[0] == {"alice": 2, "bob": 1}


def test_returns_at_once_when_the_context_is_already_done(rt):
    dumps: list[dict] = []
    ctx, cancel = context.with_cancel(rt.root_context())
    cancel()
    g = rt.go(CounterDumper(Counters(), INTERVAL, dumps.append).start, ctx)
    assert g.join(2.0)
    assert dumps == []


def test_makes_no_dump_once_the_context_is_done(rt):
    dumps: list[dict] = []
    ctx, cancel = context.with_cancel(rt.root_context())
    g = rt.go(CounterDumper(Counters(), INTERVAL, dumps.append).start, ctx)
    wait_until(lambda: dumps)
    cancel()
    cancelled_at = rt.clock.now()
    assert g.join(2.0)
    n = len(dumps)
    # The ticker would have fired five times by now: nothing more was dumped.
    wait_until(lambda: rt.clock.now() > cancelled_at + 5 * INTERVAL)
    assert len(dumps) == n


def test_stops_its_ticker_when_it_returns(rt, monkeypatch):
    made: list[Ticker] = []

    class RecordingTicker(Ticker):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.stopped = False
            made.append(self)

        def stop(self) -> None:
            self.stopped = True
            super().stop()

    monkeypatch.setattr(dumper_module, "Ticker", RecordingTicker)
    ctx, cancel = context.with_cancel(rt.root_context())
    g = rt.go(CounterDumper(Counters(), INTERVAL, lambda snap: None).start, ctx)
    wait_until(lambda: made)
    cancel()
    assert g.join(2.0)
    assert [t.stopped for t in made] == [True]


def test_an_error_in_on_dump_ends_the_dumper_with_that_error(rt):
    def on_dump(snap: dict) -> None:
        raise RuntimeError("disk full")

    g = rt.go(CounterDumper(Counters(), INTERVAL, on_dump).start, rt.root_context())
    assert g.join(2.0)
    assert isinstance(g.panic, RuntimeError)


@pytest.mark.parametrize("interval", [0, -1.0])
def test_rejects_a_non_positive_interval(interval):
    with pytest.raises(ValueError, match="interval"):
        CounterDumper(Counters(), interval, print)
