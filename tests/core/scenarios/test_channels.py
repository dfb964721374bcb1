"""The channel lessons: unbuffered-channel and buffered-channel.

(Parameters, declarations and runs with every action: test_every_scenario.py.)
"""

from __future__ import annotations

import pytest
from helpers import wait_until
from scenario_harness import assert_refuses, at, last, notes, start, stop

from core.scenarios.buffered_channel import BufferedChannel
from core.scenarios.unbuffered_channel import UnbufferedChannel
from core.trace import Kind


@pytest.mark.parametrize(
    ("cls", "param", "bad"),
    [
        (UnbufferedChannel, "receive_delay", "fast"),
        (BufferedChannel, "capacity", 2.5),
        (BufferedChannel, "consumer_delay", float("nan")),
    ],
)
def test_a_value_of_the_wrong_kind_is_refused_naming_it(cls, param, bad):
    assert_refuses(cls, param, bad)


def test_unbuffered_sender_blocks_while_the_receiver_is_slow():
    run = start(UnbufferedChannel, send_interval=0.05, receive_delay=1.0)
    wait_until(lambda: last(run, "sender_blocked") > 50)
    assert stop(run).clean


def test_unbuffered_close_ends_the_receivers_range_with_ok_false():
    run = start(UnbufferedChannel, send_interval=0.05)
    at(run, 0.3)
    assert run.act("close").join(2.0)
    wait_until(lambda: any(n.startswith("receiver got ok=false") for n in notes(run)))
    wait_until(lambda: {g.name for g in run.runtime.goroutines()} == {"main"})
    events = run.tracer.events()
    closes = [e for e in events if e.kind is Kind.CHAN_CLOSE and e.obj_name == "ch"]
    assert len(closes) == 1
    assert stop(run).clean


def test_buffered_queue_fills_to_capacity_when_the_consumer_is_slow():
    run = start(BufferedChannel, capacity=4, producer_interval=0.05, consumer_delay=2.0)
    wait_until(lambda: run.scenario.recorder.last("queue_depth") == 4)
    wait_until(lambda: last(run, "producer_blocked") > 50)
    assert stop(run).clean


def test_buffered_close_delivers_the_buffer_before_ok_false():
    run = start(BufferedChannel, capacity=8, producer_interval=0.02, consumer_delay=0.5)
    wait_until(lambda: run.scenario.recorder.last("queue_depth") == 8)
    assert run.act("close").join(2.0)
    wait_until(lambda: any(n.startswith("consumer got ok=false") for n in notes(run)))
    events = run.tracer.events()
    recvs = [e for e in events if e.kind is Kind.CHAN_RECV and e.obj_name == "ch"]
    # Into the buffer: a send that found room, or a parked sender's value moved in by a receive.
    sent = [e for e in events if e.kind is Kind.CHAN_SEND and e.obj_name == "ch"]
    sent += [e for e in recvs if e.payload.sender]
    received = [e for e in recvs if e.payload.ok]
    assert len(received) == len(sent) >= 8
    assert stop(run).clean
