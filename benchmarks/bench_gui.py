"""GUI benchmark: stage frames per second, reducer cost, timeline paint (offscreen).

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py [--quick]

Feeds the stage synthetic trace events (no runtime needed), as the bridge
does: every frame one batch (goroutines blocking and waking, values sent and
received, goroutines ending and new ones starting, so the layout moves too),
then one animation tick, then the viewport is rendered to a pixmap
(``viewport().grab()``: the whole paint path, as a screen would get it).
Prints a table of fps and ms/frame (mean and 95th percentile), with the
split between folding the batch, the tick and the render.

Then how often a frame hands the GIL away (see bench_gil_losses).

Targets (issue 4): >= 60 fps with 500 animated goroutines, >= 30 fps with
2,000; >= 55 fps with 500 while two Python threads spin on the CPU with
the switch interval the window sets (``gui.app.SWITCH_INTERVAL_S``); a 10,000-event
batch folded well under 16 ms; the bridge moves >= 200,000 events/s to the
GUI thread with no stall over 20 ms.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import sys
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from PySide6.QtWidgets import QApplication

from core.trace import Kind, RunModel, TraceEvent
from gui.app import SWITCH_INTERVAL_S
from gui.panels.timeline import TimelinePanel
from gui.stage import StageView
from gui.theme import DARK


class Workload:
    """A synthetic program: *n* goroutines around n/25 buffered channels.

    Half the goroutines send on their channel, half receive; each frame a
    share of them block, wake, send or receive; a few end and are replaced
    (so the stage lays itself out again now and then).
    """

    def __init__(self, n: int, seed: int = 1) -> None:
        self.n = n
        self.rng = random.Random(seed)
        self.seq = itertools.count(1)
        self.t = 0.0
        self.nchan = max(2, n // 25)
        self.next_gid = 1
        self.role: dict[int, tuple[int, bool]] = {}  # goroutine -> (channel, is_sender)
        self.blocked: set[int] = set()
        self.fill = [0] * self.nchan
        self.value = itertools.count()
        self.frames = 0

    def ev(self, kind, g=0, obj=0, name="", value="", extra=()) -> TraceEvent:
        return TraceEvent(next(self.seq), self.t, kind, g, obj, name, value, extra)

    def chan_id(self, i: int) -> int:
        return 1_000_000 + i

    def spawn(self, out: list) -> None:
        gid = self.next_gid
        self.next_gid += 1
        ci = (gid // 2) % self.nchan  # each channel gets senders and receivers
        self.role[gid] = (ci, gid % 2 == 0)
        out.append(self.ev(Kind.GO_CREATE, g=0, obj=gid, name=f"g{gid}"))
        out.append(self.ev(Kind.GO_START, g=gid, obj=gid, name=f"g{gid}"))

    def setup(self) -> list[TraceEvent]:
        out = [
            self.ev(Kind.CHAN_MAKE, obj=self.chan_id(i), name=f"ch{i}", value="4", extra=(4,))
            for i in range(self.nchan)
        ]
        for _ in range(self.n):
            self.spawn(out)
        for gid, (ci, sender) in self.role.items():
            out.append(self.op(gid, ci, sender))
        return out

    def op(self, gid: int, ci: int, sender: bool) -> TraceEvent:
        cid = self.chan_id(ci)
        if sender and self.fill[ci] < 4:
            self.fill[ci] += 1
            return self.ev(
                Kind.CHAN_SEND, g=gid, obj=cid, value=str(next(self.value)), extra=(self.fill[ci],)
            )
        if not sender and self.fill[ci] > 0:
            self.fill[ci] -= 1
            return self.ev(Kind.CHAN_RECV, g=gid, obj=cid, value="v", extra=(self.fill[ci],))
        self.blocked.add(gid)
        state, reason = (
            ("blocked_send", "chan send") if sender else ("blocked_recv", "chan receive")
        )
        return self.ev(Kind.GO_BLOCK, g=gid, obj=cid, name=f"ch{ci}", extra=(state, reason, ()))

    def frame(self, share: float = 0.12, churn: int = 0) -> list[TraceEvent]:
        self.t += 1 / 60
        self.frames += 1
        out: list[TraceEvent] = []
        if self.frames % 30 == 0:
            self.spawn(out)  # a new goroutine: the stage lays out again, everything glides
        gids = list(self.role)
        for gid in self.rng.sample(gids, max(1, int(len(gids) * share))):
            ci, sender = self.role[gid]
            if gid in self.blocked:
                self.blocked.discard(gid)
                out.append(self.ev(Kind.GO_UNBLOCK, g=gid, extra=(0,)))
            else:
                out.append(self.op(gid, ci, sender))
        for gid in self.rng.sample(gids, churn):
            out.append(self.ev(Kind.GO_END, g=gid, obj=gid))
            del self.role[gid]
            self.blocked.discard(gid)
            self.spawn(out)
        return out


def laid_out_stage(app: QApplication, n: int) -> tuple[StageView, Workload]:
    """A shown 1600x900 stage with *n* goroutines' workload, laid out and drawn once."""
    view = StageView(DARK)
    view.resize(1600, 900)
    view.show()
    work = Workload(n)
    view.apply_events(work.setup())
    t = time.monotonic()
    for i in range(40):  # first layout, items placed
        view.tick(t + i * 0.05)
    app.processEvents()
    view.viewport().grab()
    return view, work


def bench_stage(app: QApplication, n: int, frames: int, spinners: int = 0) -> dict:
    view, work = laid_out_stage(app, n)
    stop = threading.Event()
    threads = []
    old_interval = sys.getswitchinterval()
    if spinners:
        sys.setswitchinterval(SWITCH_INTERVAL_S)

        def spin() -> None:
            x = 0
            while not stop.is_set():
                x += 1

        threads = [threading.Thread(target=spin, daemon=True) for _ in range(spinners)]
        for th in threads:
            th.start()
    fold, tick, render, total = [], [], [], []
    try:
        start = time.perf_counter()
        for _ in range(frames):
            t0 = time.perf_counter()
            view.apply_events(work.frame())
            t1 = time.perf_counter()
            view.tick()
            t2 = time.perf_counter()
            view.viewport().grab()
            t3 = time.perf_counter()
            fold.append(t1 - t0)
            tick.append(t2 - t1)
            render.append(t3 - t2)
            total.append(t3 - t0)
        elapsed = time.perf_counter() - start
    finally:
        stop.set()
        for th in threads:
            th.join(timeout=2)
        sys.setswitchinterval(old_interval)
    row = {
        "case": f"{n} goroutines" + (f", {spinners} spinning threads" if spinners else ""),
        "lod": view.lod,
        "fps": frames / elapsed,
        "mean": statistics.mean(total) * 1e3,
        "p95": sorted(total)[int(len(total) * 0.95)] * 1e3,
        "fold": statistics.mean(fold) * 1e3,
        "tick": statistics.mean(tick) * 1e3,
        "render": statistics.mean(render) * 1e3,
        "tokens": view.tokens_in_flight,
    }
    view.close()
    view.deleteLater()
    app.processEvents()
    return row


def bench_gil_losses(app: QApplication, n: int, frames: int = 30) -> dict:
    """How often a frame hands the GIL away: one thread spins at a 50 ms switch
    interval, so each time the GUI thread releases the GIL (a Qt call that lets go
    of it, the destructor of a Qt object dropped from Python) while the spinner
    waits for it costs the frame about 50 ms; the extra time per phase over 50 ms
    counts those losses. Returns losses per frame in folding, the tick and the render."""
    view, work = laid_out_stage(app, n)
    interval = 0.05
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(interval)
    stop = threading.Event()

    def spin() -> None:
        x = 0
        while not stop.is_set():
            x += 1

    spinner = threading.Thread(target=spin, daemon=True)
    spinner.start()
    spent = {"fold": 0.0, "tick": 0.0, "render": 0.0}
    try:
        for _ in range(frames):
            batch = work.frame()
            t0 = time.perf_counter()
            view.apply_events(batch)
            t1 = time.perf_counter()
            view.tick()
            t2 = time.perf_counter()
            view.viewport().grab()
            t3 = time.perf_counter()
            spent["fold"] += t1 - t0
            spent["tick"] += t2 - t1
            spent["render"] += t3 - t2
    finally:
        stop.set()
        spinner.join(timeout=2)
        sys.setswitchinterval(old_interval)
        view.close()
        view.deleteLater()
        app.processEvents()
    return {k: v / frames / interval for k, v in spent.items()}


def bench_fold(batch: int, repeats: int) -> tuple[float, float]:
    """ms to fold one *batch*-event batch: the reducer alone, and the whole stage."""
    work = Workload(500)
    setup = work.setup()
    batches = []
    for _ in range(repeats):
        evs: list[TraceEvent] = []
        while len(evs) < batch:
            evs.extend(work.frame(share=0.5, churn=0))
        batches.append(evs[:batch])
    model = RunModel()
    model.apply(setup)
    t0 = time.perf_counter()
    for b in batches:
        model.apply(b)
    model_ms = (time.perf_counter() - t0) / repeats * 1e3
    view = StageView(DARK)
    view.resize(1600, 900)
    view.apply_events(setup)
    view.tick()
    times = []
    for b in batches:
        t = time.perf_counter()
        view.apply_events(b)
        times.append(time.perf_counter() - t)
    view.close()
    return model_ms, statistics.mean(times) * 1e3


def bench_timeline(app: QApplication, lanes: int, frames: int) -> float:
    panel = TimelinePanel(DARK)
    panel.resize(1600, 400)
    panel.show()
    work = Workload(lanes)
    panel.apply_events(work.setup())
    for _ in range(300):
        panel.apply_events(work.frame())
    app.processEvents()
    t0 = time.perf_counter()
    for _ in range(frames):
        panel.apply_events(work.frame())
        panel.canvas.sync_scrollbars()
        panel.canvas.viewport().grab()
    ms = (time.perf_counter() - t0) / frames * 1e3
    panel.close()
    return ms


def bench_bridge(app: QApplication, seconds: float, rate: float = 250_000, pairs: int = 2) -> dict:
    """A real traced run floods the window: *pairs* producer/consumer goroutine pairs
    on buffered channels, paced at *rate* events/s in all; the TraceBridge folds the
    trace into its RunModel on the GUI thread and holds the run back when behind.

    Runs with the switch interval the window sets. At the end the
    run is paused and the bridge's model compared with ``Runtime.snapshot()``.

    Returns events emitted and delivered per second, what the ring dropped, how long
    the run was held back, whether the picture equals the runtime (``wrong`` counts
    the objects that differ), and the longest GUI-thread stall.
    """
    import gc

    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer

    from core.runtime import Chan, Runtime
    from core.trace import Tracer
    from gui.bridge import TraceBridge

    tracer = Tracer(200_000)
    rt = Runtime(name="flood", tracer=tracer)
    bridge = TraceBridge()
    got = [0]
    held = [0.0, 0.0]  # total seconds held, when the current hold began
    bridge.events_ready.connect(lambda batch: got.__setitem__(0, got[0] + len(batch)))

    def on_hold(on: bool) -> None:
        now = time.perf_counter()
        if on:
            held[1] = now
        else:
            held[0] += now - held[1]

    bridge.holding_changed.connect(on_hold)
    bridge.attach(tracer)
    stop = threading.Event()
    per_pair = rate / pairs / 2  # a send and a receive: two events per value

    def producer(ch) -> None:
        i = 0
        start = time.perf_counter()
        while not stop.is_set():
            for _ in range(200):
                ch.send(i)
                i += 1
            ahead = i / per_pair - (time.perf_counter() - start)
            if ahead > 0:
                time.sleep(ahead)
        ch.close()

    def consumer(ch) -> None:
        for _ in ch:
            pass

    with rt.active():
        for k in range(pairs):
            ch = Chan(128, name=f"jobs-{k}")
            rt.go(producer, ch, name=f"producer-{k}")
            rt.go(consumer, ch, name=f"consumer-{k}")
    gc.collect()
    gc.freeze()  # as gui.app does once the window is built
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    worst = 0.0
    beat = QElapsedTimer()
    beat.start()
    heart = QTimer()
    heart.setInterval(1)

    def on_beat() -> None:
        nonlocal worst
        worst = max(worst, beat.restart())

    heart.timeout.connect(on_beat)
    heart.start()
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    t0 = time.perf_counter()
    loop.exec()
    dt = time.perf_counter() - t0
    heart.stop()
    # The end: pause, let the window catch up, compare the picture with the truth.
    rt.pause()
    real = rt.snapshot(timeout=2.0)
    while bridge.poll():
        pass
    picture = bridge.model.snapshot()
    wrong = sum(
        real[t].get(k) != picture[t].get(k)
        for t in ("goroutines", "channels", "mutexes", "rwmutexes", "waitgroups", "contexts")
        for k in set(real[t]) | set(picture[t])
    )
    for t in ("goroutines", "channels", "mutexes", "rwmutexes", "waitgroups", "contexts"):
        for k in set(real[t]) | set(picture[t]):
            if real[t].get(k) != picture[t].get(k):
                print(f"  differs: {t}[{k}]: runtime {real[t].get(k)} picture {picture[t].get(k)}")
    missed = bridge.missed
    if bridge.holding:
        on_hold(False)
    bridge.detach()
    stop.set()
    rt.resume()
    rt.stop(timeout=2.0)
    gc.unfreeze()
    sys.setswitchinterval(old_interval)
    return {
        "emitted": tracer.last_seq / dt,
        "delivered": got[0] / dt,
        "missed": missed,
        "held_s": held[0],
        "quiescent": real["quiescent"],
        "wrong": wrong,
        "stall_ms": worst,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer frames")
    args = ap.parse_args()
    frames = 120 if args.quick else 300
    app = QApplication.instance() or QApplication([])
    rows = [
        bench_stage(app, 30, frames),
        bench_stage(app, 200, frames),
        bench_stage(app, 500, frames),
        bench_stage(app, 2000, frames),
        bench_stage(app, 500, frames, spinners=2),
    ]
    print(f"Stage, offscreen 1600x900, {frames} frames (fold batch + tick + render viewport)")
    print(
        f"{'case':<38}{'lod':>6}{'fps':>8}{'ms/frame':>10}{'p95':>8}"
        f"{'fold':>8}{'tick':>8}{'render':>8}"
    )
    for r in rows:
        print(
            f"{r['case']:<38}{r['lod']:>6}{r['fps']:>8.1f}{r['mean']:>10.2f}{r['p95']:>8.2f}"
            f"{r['fold']:>8.2f}{r['tick']:>8.2f}{r['render']:>8.2f}"
        )
    losses = bench_gil_losses(app, 500)
    print()
    print("GIL handed away per frame, 500 goroutines (one spinning thread, 50 ms interval)")
    print("  " + "  ".join(f"{k} {v:.1f}" for k, v in losses.items()))
    model_ms, stage_ms = bench_fold(10_000, 5 if args.quick else 10)
    print()
    print("Folding one batch of 10,000 events")
    print(f"{'reducer (RunModel.apply)':<38}{model_ms:>10.2f} ms")
    print(f"{'stage (StageView.apply_events)':<38}{stage_ms:>10.2f} ms")
    tl = bench_timeline(app, 500, 60 if args.quick else 150)
    print()
    print(f"{'timeline, 500 lanes: fold + paint':<38}{tl:>10.2f} ms/frame")
    b = bench_bridge(app, 3.0 if args.quick else 10.0)
    print()
    print(
        "Flood: 2 producer/consumer goroutine pairs, traced, paced at 250,000 events/s;"
        " TraceBridge folds into its RunModel on the GUI thread"
    )
    print(f"{'emitted':<38}{b['emitted']:>10,.0f} events/s")
    print(f"{'delivered to the GUI thread':<38}{b['delivered']:>10,.0f} events/s")
    print(f"{'run held back (window behind)':<38}{b['held_s']:>10.2f} s")
    print(f"{'overwritten before read (missed)':<38}{b['missed']:>10,}")
    print(f"{'quiescent at the end':<38}{b['quiescent']!s:>10}")
    print(f"{'objects the picture got wrong':<38}{b['wrong']:>10}")
    print(f"{'longest GUI-thread stall':<38}{b['stall_ms']:>10.1f} ms")


if __name__ == "__main__":
    main()
