"""Program benchmark: trace events across the process boundary ("Your program", issue 15).

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_program.py [--quick]

A learner's program runs in a child process (core.scenarios.program_host) and
streams its trace records to the window. This measures, on a flood program
(producer/consumer goroutine pairs on buffered channels, as fast as they go):

1. the encoding: a batch of 5,000 real records dumped and loaded with pickle
   (what the host uses) and with marshal, in microseconds per event and bytes
   per event;
2. the process boundary alone: events per second emitted by the child and
   received by the parent's MirrorTracer, the largest batch, and the backlog
   (the most events the child had not sent yet; it holds its run at 20,000);
3. through the window's TraceBridge: events per second folded into the one
   RunModel on the GUI thread, the largest lag of the bridge behind the mirror
   (it holds the run through RemoteRuntime past 5,000) and the longest stall
   of the GUI thread.

Target (issue 15): >= 100,000 events/s across the process, with a bounded backlog.
Prints numbers, never asserts.
"""

from __future__ import annotations

import argparse
import marshal
import os
import pickle
import sys
import tempfile
import textwrap
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from core.scenarios.program_host import HOLD_LAG, ProgramProcess, RemoteRuntime

FLOOD = """\
from core.runtime import Chan, WaitGroup

N = {n}
PAIRS = {pairs}

def producer(ch):
    for i in range(N):
        ch.send(i)
    ch.close()

def consumer(ch):
    for _ in ch:
        pass

wg = WaitGroup()
for k in range(PAIRS):
    ch = Chan(128, name=f"jobs-{{k}}")
    wg.go(producer, ch)
    wg.go(consumer, ch)
wg.wait()
"""


def flood_file(n: int, pairs: int) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False, prefix="flood-") as f:
        f.write(textwrap.dedent(FLOOD.format(n=n, pairs=pairs)))
    return f.name


def bench_encoding(records: list[tuple]) -> dict:
    batch = records[:5000]
    out = {}
    for name, dumps, loads in (
        ("pickle", lambda b: pickle.dumps(b, 5), pickle.loads),
        ("marshal", marshal.dumps, marshal.loads),
    ):
        reps = 20
        t0 = time.perf_counter()
        for _ in range(reps):
            data = dumps(batch)
        t1 = time.perf_counter()
        for _ in range(reps):
            loads(data)
        t2 = time.perf_counter()
        n = len(batch) * reps
        out[name] = ((t1 - t0) / n * 1e6, (t2 - t1) / n * 1e6, len(data) / len(batch))
    return out


def bench_boundary(n: int, pairs: int) -> tuple[dict, list[tuple]]:
    path = flood_file(n, pairs)
    try:
        proc = ProgramProcess(path, trace=True, capture_output=True)
        t0 = time.perf_counter()
        proc.start()
        result = proc.wait(120.0)
        dt = time.perf_counter() - t0
        events = proc.tracer.events()
    finally:
        os.unlink(path)
    first, last = events[0].t, events[-1].t
    raw = [
        (e.seq, e.t, e.kind.value, e.g, e.obj, e.obj_name, e.value, e.extra) for e in events[:5000]
    ]
    return {
        "status": result.status if result else None,
        "events": proc.received,
        "missed": proc.tracer.remote_missed,
        "wall_s": dt,
        "rate": proc.received / dt,
        "rate_run": proc.received / max(last - first, 1e-9),
        "max_batch": proc.max_batch,
        "max_lag": proc.max_lag,
    }, raw


def bench_bridge(n: int, pairs: int) -> dict:
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from gui.bridge import TraceBridge

    app = QApplication.instance() or QApplication([])
    path = flood_file(n, pairs)
    proc = ProgramProcess(path, trace=True, capture_output=True)
    _remote = RemoteRuntime(proc)  # the tracer holds the child through it when the window lags
    bridge = TraceBridge()
    bridge.attach(proc.tracer)
    held = [0.0, 0.0]
    worst_lag = [0]

    def on_hold(on: bool) -> None:
        now = time.perf_counter()
        if on:
            held[1] = now
        else:
            held[0] += now - held[1]

    bridge.holding_changed.connect(on_hold)
    sys.setswitchinterval(0.001)  # as the window does
    worst = 0.0
    beat = QElapsedTimer()
    beat.start()
    heart = QTimer()
    heart.setInterval(1)

    def on_beat() -> None:
        nonlocal worst
        worst = max(worst, beat.restart())
        worst_lag[0] = max(worst_lag[0], proc.tracer.last_seq - bridge.last_seq)

    heart.timeout.connect(on_beat)
    loop = QEventLoop()
    done = QTimer()
    done.setInterval(5)
    done.timeout.connect(
        lambda: loop.quit() if proc.finished and bridge.last_seq >= proc.tracer.last_seq else None
    )
    t0 = time.perf_counter()
    proc.start()
    heart.start()
    done.start()
    QTimer.singleShot(120_000, loop.quit)
    loop.exec()
    dt = time.perf_counter() - t0
    heart.stop()
    done.stop()
    delivered, missed = bridge.delivered, bridge.missed
    if bridge.holding:
        on_hold(False)
    bridge.detach()
    os.unlink(path)
    del app
    return {
        "delivered": delivered,
        "rate": delivered / dt,
        "held_s": held[0],
        "missed": missed + proc.tracer.remote_missed,
        "max_lag": worst_lag[0],
        "child_lag": proc.max_lag,
        "stall_ms": worst,
        "model_goroutines": len(bridge.model.snapshot()["goroutines"]),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a smaller flood")
    args = ap.parse_args()
    n = 50_000 if args.quick else 200_000
    pairs = 2
    b, raw = bench_boundary(n, pairs)
    print(f"Flood program: {pairs} producer/consumer pairs, {n:,} values each, buffered 128")
    print()
    print("Encoding a batch of 5,000 records")
    for name, (dump, load, size) in bench_encoding(raw).items():
        print(
            f"  {name:<10} dump {dump:6.2f} us/event  load {load:6.2f} us/event"
            f"  {size:5.1f} B/event"
        )
    print()
    print("Across the process boundary (child -> parent MirrorTracer, no window)")
    print(f"  {'exit status':<40}{b['status']!s:>12}")
    print(f"  {'events received':<40}{b['events']:>12,}")
    print(f"  {'events/s (start of process to end)':<40}{b['rate']:>12,.0f}")
    print(f"  {'events/s (first to last event)':<40}{b['rate_run']:>12,.0f}")
    print(f"  {'largest batch':<40}{b['max_batch']:>12,}")
    print(f"  {'backlog in the child, at most':<40}{b['max_lag']:>12,}  (holds at {HOLD_LAG:,})")
    print(f"  {'lost (child ring overwrote)':<40}{b['missed']:>12,}")
    g = bench_bridge(n, pairs)
    print()
    print("Through the window's TraceBridge (folded into RunModel on the GUI thread)")
    print(f"  {'events delivered':<40}{g['delivered']:>12,}")
    print(f"  {'events/s':<40}{g['rate']:>12,.0f}")
    print(f"  {'bridge behind the mirror, at most':<40}{g['max_lag']:>12,}")
    print(f"  {'backlog in the child, at most':<40}{g['child_lag']:>12,}")
    print(f"  {'run held back (window behind)':<40}{g['held_s']:>12.2f} s")
    print(f"  {'lost':<40}{g['missed']:>12,}")
    print(f"  {'longest GUI-thread stall':<40}{g['stall_ms']:>12.1f} ms")


if __name__ == "__main__":
    main()
