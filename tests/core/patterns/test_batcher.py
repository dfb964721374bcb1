"""Batcher: flush by size or by time, close flushes the rest, nothing lost or duplicated."""

from __future__ import annotations

import itertools
import threading

import pytest
from helpers import wait_until

from core.patterns.batcher import Batcher, BatcherClosed
from core.runtime import Chan, Panic, State, now

PRODUCERS = 4
ITEMS = 600  # close once this many were added


RT_SPEED = 20


class Sink:
    """Collects the batches flushed (flush runs in the batcher's goroutine)."""

    def __init__(self) -> None:
        self.batches: list[list] = []
        self.times: list[float] = []
        self._lock = threading.Lock()

    def __call__(self, batch: list) -> None:
        with self._lock:
            self.batches.append(batch)
            self.times.append(now())

    def items(self) -> list:
        with self._lock:
            return [x for b in self.batches for x in b]


def test_a_full_batch_is_flushed_at_once(rt):
    sink = Sink()
    b = Batcher(3, max_wait=1000, flush=sink)
    for x in range(7):
        b.add(x)
    wait_until(lambda: len(sink.batches) == 2)
    assert sink.batches == [[0, 1, 2], [3, 4, 5]]
    assert b.statistics().flushes_by_size == 2
    b.close()


def test_a_partial_batch_is_flushed_after_max_wait(rt):
    sink = Sink()
    b = Batcher(100, max_wait=0.5, flush=sink)
    t0 = now()
    b.add("a")
    b.add("b")
    wait_until(lambda: sink.batches, timeout=2.0)
    assert sink.batches == [["a", "b"]]
    assert sink.times[0] - t0 >= 0.5
    assert b.statistics().flushes_by_time == 1
    b.close()


def test_max_wait_counts_from_the_first_item_of_each_batch(rt):
    sink = Sink()
    b = Batcher(2, max_wait=0.5, flush=sink)
    b.add(1)
    b.add(2)  # full: flushed by size, the timer is stopped
    wait_until(lambda: len(sink.batches) == 1)
    t0 = now()
    b.add(3)
    wait_until(lambda: len(sink.batches) == 2, timeout=2.0)
    assert sink.batches[1] == [3]
    assert sink.times[1] - t0 >= 0.5
    b.close()


def test_close_flushes_what_the_batcher_holds_and_waits(rt):
    sink = Sink()
    b = Batcher(100, max_wait=1000, flush=sink)
    b.add(1)
    b.add(2)
    b.close()
    assert sink.batches == [[1, 2]]
    st = b.statistics()
    assert (st.flushes_by_close, st.items_in, st.items_out, st.closed) == (1, 2, 2, True)
    assert b.goroutine.join(1.0)


def test_close_twice_is_harmless(rt):
    b = Batcher(2, max_wait=1, flush=Sink())
    b.close()
    b.close()
    assert b.closed


def test_add_after_close_raises_batcher_closed_not_panic(rt):
    b = Batcher(2, max_wait=1, flush=Sink())
    b.close()
    with pytest.raises(BatcherClosed, match="add after close") as info:
        b.add(1)
    assert not isinstance(info.value, Panic)


def test_add_blocks_while_the_input_buffer_is_full(rt):
    release = Chan(name="release")
    b = Batcher(1, max_wait=1000, flush=lambda batch: release.recv(), buffer=2)
    b.add(0)  # taken by the batcher, whose flush now waits for release
    wait_until(lambda: b.goroutine.state is State.BLOCKED_RECV)
    b.add(1)
    b.add(2)  # the buffer of 2 is full
    g = rt.go(b.add, 3, name="blocked-producer")
    wait_until(lambda: g.state is State.BLOCKED_SEND)
    release.close()
    assert g.join(2.0)
    b.close()
    assert b.statistics().items_out == 4


def test_a_flush_that_raises_is_counted_and_the_batcher_goes_on(rt):
    sink = Sink()

    def flaky(batch):
        if batch == [1]:
            raise OSError("disk full")
        sink(batch)

    b = Batcher(1, max_wait=1000, flush=flaky)
    b.add(1)
    b.add(2)
    b.close()
    assert sink.batches == [[2]]
    assert b.statistics().flush_errors == 1
    assert isinstance(b.last_error, OSError)


def test_four_producers_and_a_close_lose_and_duplicate_nothing(rt):
    sink = Sink()
    b = Batcher(7, max_wait=0.05, flush=sink, buffer=3)
    accepted: list[list] = [[] for _ in range(PRODUCERS)]
    refused: list = []

    def produce(k: int) -> None:
        # Adds until the batcher refuses: every producer is adding when close comes.
        for i in itertools.count():
            try:
                b.add((k, i))
            except BatcherClosed:
                refused.append(k)
                return
            accepted[k].append((k, i))

    producers = [rt.go(produce, k, name=f"producer-{k}") for k in range(PRODUCERS)]
    wait_until(lambda: b.statistics().items_in >= ITEMS)
    b.close()
    for g in producers:
        assert g.join(5.0)
        assert g.panic is None
    assert sorted(refused) == list(range(PRODUCERS))
    flushed = sink.items()
    assert len(flushed) == len(set(flushed)), "an item was flushed twice"
    assert sorted(flushed) == sorted(x for a in accepted for x in a), "an item was lost"
    st = b.statistics()
    assert st.items_in == st.items_out == len(flushed) >= ITEMS
    assert all(len(batch) <= 7 for batch in sink.batches)


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"max_items": 0, "max_wait": 1}, "max_items"),
        ({"max_items": 1, "max_wait": 0}, "max_wait"),
        ({"max_items": 1, "max_wait": 1, "buffer": -1}, "buffer"),
    ],
)
def test_bad_settings_are_refused(rt, kwargs, word):
    with pytest.raises(ValueError, match=word):
        Batcher(flush=Sink(), **kwargs)
