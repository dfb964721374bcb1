"""TraceBridge: the tracer drained in bounded, ordered batches from one GUI timer."""

from __future__ import annotations

import threading

from helpers import join, wait_until

from core.trace import Kind, TraceEvent, Tracer
from gui.bridge import TraceBridge


def collect(bridge: TraceBridge) -> list[list[TraceEvent]]:
    batches: list[list[TraceEvent]] = []
    bridge.events_ready.connect(batches.append)
    return batches


def test_bridge_delivers_events_in_order(qtbot):
    tracer = Tracer(1000)
    bridge = TraceBridge()
    batches = collect(bridge)
    bridge.attach(tracer)
    for i in range(10):
        tracer.emit(Kind.NOTE, value=str(i))
    qtbot.waitUntil(lambda: bridge.delivered == 10, timeout=2000)
    seqs = [ev.seq for b in batches for ev in b]
    assert seqs == list(range(1, 11))
    bridge.detach()


def test_bridge_bounds_each_batch(qtbot):
    tracer = Tracer(100_000)
    bridge = TraceBridge(batch_limit=500)
    batches = collect(bridge)
    bridge.attach(tracer)
    bridge.detach()  # drive the ticks by hand
    bridge._tracer = tracer
    for _ in range(1_200):
        tracer.emit(Kind.NOTE)
    sizes = [bridge.poll(), bridge.poll(), bridge.poll(), bridge.poll()]
    assert sizes == [500, 500, 200, 0]
    assert sum(len(b) for b in batches) == 1_200


def test_bridge_counts_events_the_ring_overwrote(qtbot):
    tracer = Tracer(100)
    bridge = TraceBridge()
    bridge.attach(tracer)
    bridge._timer.stop()
    for _ in range(250):
        tracer.emit(Kind.NOTE)
    bridge.poll()
    assert bridge.missed == 150
    assert bridge.delivered == 100
    assert bridge.last_seq == 250


def test_bridge_resumes_after_an_event_still_being_written(qtbot):
    tracer = Tracer(1000)
    bridge = TraceBridge()
    bridge.attach(tracer)
    bridge._timer.stop()
    tracer.emit(Kind.NOTE, value="1")
    # An emitter has taken seq 2 and not stored it yet; seq 3 is stored.
    next(tracer._seq)
    tracer.emit(Kind.NOTE, value="3")
    assert bridge.poll() == 1
    assert bridge.poll() == 0  # waits at seq 2 rather than skip it
    assert bridge.last_seq == 1 and bridge.missed == 0


def test_bridge_takes_events_from_many_threads_without_loss(qtbot):
    tracer = Tracer(200_000)
    bridge = TraceBridge()
    batches = collect(bridge)
    bridge.attach(tracer)

    def emit() -> None:
        for _ in range(5_000):
            tracer.emit(Kind.NOTE)

    threads = [threading.Thread(target=emit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        join(t)
    qtbot.waitUntil(lambda: bridge.delivered + bridge.missed == 20_000, timeout=5000)
    seqs = [ev.seq for b in batches for ev in b]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs) == 20_000
    bridge.detach()


def test_bridge_detach_stops_the_timer(qtbot):
    bridge = TraceBridge()
    bridge.attach(Tracer(10))
    assert bridge.active
    bridge.detach()
    assert not bridge.active


def test_a_flood_is_held_back_so_the_window_misses_nothing(qtbot):
    """The GUI thread looks away while a run floods a small ring: the run holds itself
    back instead of overwriting events; the window then reads all of them, and its
    picture equals the runtime's."""
    from core.runtime import Chan, Runtime

    tracer = Tracer(4_000)  # a flood overwrites this in a few milliseconds
    rt = Runtime(name="flood", tracer=tracer)
    bridge = TraceBridge(hold_lag=2_000, release_lag=500)
    held: list[bool] = []
    bridge.holding_changed.connect(held.append)
    bridge.attach(tracer)
    n = 20_000

    def producer(ch: Chan) -> None:
        for i in range(n):
            ch.send(i)
        ch.close()

    with rt.active():
        ch = Chan(64, name="jobs")
        rt.go(producer, ch, name="producer")
        consumer = rt.go(lambda: sum(ch), name="consumer")
    try:
        # No event loop here: nothing is read, the run must stop by itself.
        wait_until(lambda: tracer.lagging and rt.quiescent(), message="the run ran on")
        assert tracer.last_seq < tracer.capacity
        qtbot.waitUntil(lambda: not consumer.alive, timeout=20_000)
        qtbot.waitUntil(lambda: bridge.delivered == tracer.last_seq, timeout=5_000)
        assert bridge.missed == 0
        assert tracer.last_seq > 2 * n  # every send and receive came through
        assert True in held  # the status bar was told
        real = rt.snapshot(timeout=2.0)
        picture = bridge.model.snapshot()
        assert real["channels"] == picture["channels"]
        assert real["goroutines"] == picture["goroutines"]
    finally:
        bridge.detach()
        rt.stop(timeout=2.0)
