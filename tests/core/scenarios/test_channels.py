"""The channel lessons: unbuffered-channel and buffered-channel."""

from __future__ import annotations

import threading

import pytest
from helpers import wait_until

from core.runtime import Runtime
from core.scenarios.channels import BufferedChannel, UnbufferedChannel
from core.trace import Kind, Tracer

SPEED = 10.0


def start(cls, **params):
    """Run scenario *cls* in its own Runtime at SPEED; returns (scenario, runtime, tracer)."""
    tracer = Tracer()
    rt = Runtime(name=f"test-{cls.id}", tracer=tracer)
    rt.clock.speed = SPEED
    s = cls(**params)
    s.runtime = rt
    rt.go(s.run, rt.root_context(), name="run")
    return s, rt, tracer


def run_until(rt, t: float) -> None:
    wait_until(lambda: rt.clock.now() >= t, message=f"runtime clock never reached {t}")


def act_all(s, rt, seconds: float = 2.0) -> list:
    """Inject every action of *s*, evenly spread over *seconds* runtime seconds."""
    names = [a.name for a in s.actions]
    teachers = []
    for k, name in enumerate(names, 1):
        run_until(rt, seconds * k / (len(names) + 1))
        teachers.append(s.act(name))
    run_until(rt, seconds)
    return teachers


def stop(rt, before: set) -> object:
    """stop(2.0), then check that no thread started since *before* is alive."""
    report = rt.stop(2.0)
    wait_until(
        lambda: not [t for t in threading.enumerate() if t not in before],
        timeout=1.0,
        message="a thread outlived runtime.stop",
    )
    return report


def notes(tracer) -> list[str]:
    return [e.value for e in tracer.events() if e.kind is Kind.NOTE]


@pytest.mark.parametrize(
    ("cls", "param", "bad"),
    [
        (UnbufferedChannel, "send_interval", 0.0),
        (UnbufferedChannel, "receive_delay", -1.0),
        (UnbufferedChannel, "receive_delay", "fast"),
        (BufferedChannel, "capacity", 33),
        (BufferedChannel, "capacity", -1),
        (BufferedChannel, "capacity", 2.5),
        (BufferedChannel, "producer_interval", 5.0),
        (BufferedChannel, "consumer_delay", float("nan")),
    ],
)
def test_bad_param_is_refused_naming_it(cls, param, bad):
    with pytest.raises(ValueError, match=param):
        cls(**{param: bad})


@pytest.mark.parametrize("cls", [UnbufferedChannel, BufferedChannel])
def test_every_action_runs_and_stop_is_clean(cls):
    before = set(threading.enumerate())
    s, rt, _ = start(cls)
    teachers = act_all(s, rt)
    for g in teachers:
        assert g.join(2.0)
        assert g.panic is None
    report = stop(rt, before)
    assert report.clean, report
    assert rt.panics == []
    for m in s.metrics:
        assert s.recorder.series(m.name)[1], f"metric {m.name} has no sample"


def test_unbuffered_sender_blocks_while_the_receiver_is_slow():
    before = set(threading.enumerate())
    s, rt, _ = start(UnbufferedChannel, send_interval=0.05, receive_delay=1.0)
    wait_until(lambda: (s.recorder.last("sender_blocked") or 0) > 50)
    assert stop(rt, before).clean


def test_unbuffered_close_ends_the_receivers_range_with_ok_false():
    before = set(threading.enumerate())
    s, rt, tracer = start(UnbufferedChannel, send_interval=0.05)
    run_until(rt, 0.3)
    assert s.act("close").join(2.0)
    wait_until(lambda: any(n.startswith("receiver got ok=false") for n in notes(tracer)))
    wait_until(lambda: {g.name for g in rt.goroutines()} == {"run"})
    closes = [e for e in tracer.events() if e.kind is Kind.CHAN_CLOSE and e.obj_name == "ch"]
    assert len(closes) == 1
    assert stop(rt, before).clean


def test_buffered_queue_fills_to_capacity_when_the_consumer_is_slow():
    before = set(threading.enumerate())
    s, rt, _ = start(BufferedChannel, capacity=4, producer_interval=0.05, consumer_delay=2.0)
    wait_until(lambda: s.recorder.last("queue_depth") == 4)
    wait_until(lambda: (s.recorder.last("producer_blocked") or 0) > 50)
    assert stop(rt, before).clean


def test_buffered_close_delivers_the_buffer_before_ok_false():
    before = set(threading.enumerate())
    s, rt, tracer = start(BufferedChannel, capacity=8, producer_interval=0.02, consumer_delay=0.5)
    wait_until(lambda: s.recorder.last("queue_depth") == 8)
    assert s.act("close").join(2.0)
    wait_until(lambda: any(n.startswith("consumer got ok=false") for n in notes(tracer)))
    sent = [e for e in tracer.events() if e.kind is Kind.CHAN_SEND and e.obj_name == "ch"]
    received = [
        e
        for e in tracer.events()
        if e.kind is Kind.CHAN_RECV and e.obj_name == "ch" and e.extra != ("closed",)
    ]
    assert len(received) == len(sent) >= 8
    assert stop(rt, before).clean
