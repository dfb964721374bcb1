"""Channel, select, mutex and goroutine throughput against the stdlib, in one process.

Each workload runs for our primitive and for its stdlib baseline, interleaved,
``--reps`` times; the table shows median ops/s and the median of the per-rep
ratios (ours / baseline), with tracing off and with a tracer installed.

Then the scale workload: ``--goroutines`` (10,000) goroutines of a fresh runtime
start, park on one channel, are all released by one close and joined; it prints
the seconds each phase took (median of ``--scale-reps`` runs).

    taskset -c 0 python benchmarks/bench_runtime.py      # pinned: the figures to compare
    python benchmarks/bench_runtime.py                   # unpinned, for reference
    python benchmarks/bench_runtime.py --both            # both, one after the other
    python benchmarks/bench_runtime.py --pin --only mutex,select --traced-only

The ratio column is the median of the per-rep ratios; the spread is their range.
"""

from __future__ import annotations

import argparse
import os
import queue
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from core.runtime import Chan, Mutex, Recv, Runtime, WaitGroup, select
from core.trace import Tracer

Workload = Callable[[int], float]  # n -> seconds


def _threads(*fns: Callable[[], None]) -> list[threading.Thread]:
    ts = [threading.Thread(target=f, daemon=True) for f in fns]
    for t in ts:
        t.start()
    return ts


def _join(ts: list[threading.Thread]) -> None:
    for t in ts:
        t.join(60)
        if t.is_alive():
            raise RuntimeError("benchmark thread hung")


# -- ping-pong ---------------------------------------------------------------


def pingpong_queue(n: int) -> float:
    a, b = queue.Queue(), queue.Queue()

    def echo() -> None:
        for _ in range(n):
            b.put(a.get())

    ts = _threads(echo)
    t0 = time.perf_counter()
    for i in range(n):
        a.put(i)
        b.get()
    dt = time.perf_counter() - t0
    _join(ts)
    return dt


def pingpong_chan(rt: Runtime) -> Workload:
    def run(n: int) -> float:
        with rt.active():
            a, b = Chan(), Chan()

        def echo() -> None:
            for _ in range(n):
                b.send(a.recv()[0])

        g = rt.go(echo)
        t0 = time.perf_counter()
        for i in range(n):
            a.send(i)
            b.recv()
        dt = time.perf_counter() - t0
        g.join(60)
        return dt

    return run


# -- buffered producers/consumers --------------------------------------------


def buffered_queue(producers: int) -> Workload:
    def run(n: int) -> float:
        q: queue.Queue = queue.Queue(128)
        per = n // producers

        def prod() -> None:
            put = q.put
            for i in range(per):
                put(i)

        def cons() -> None:
            get = q.get
            for _ in range(per):
                get()

        t0 = time.perf_counter()
        _join(_threads(*([prod] * producers + [cons] * producers)))
        return time.perf_counter() - t0

    return run


def buffered_chan(rt: Runtime, producers: int) -> Workload:
    def run(n: int) -> float:
        with rt.active():
            ch = Chan(128)
        per = n // producers

        def prod() -> None:
            send = ch.send
            for i in range(per):
                send(i)

        def cons() -> None:
            recv = ch.recv
            for _ in range(per):
                recv()

        t0 = time.perf_counter()
        gs = [rt.go(prod) for _ in range(producers)] + [rt.go(cons) for _ in range(producers)]
        for g in gs:
            g.join(60)
        return time.perf_counter() - t0

    return run


# -- select fan-in -----------------------------------------------------------


def fanin_queue(n: int) -> float:
    q: queue.Queue = queue.Queue(128)
    per = n // 4

    def prod() -> None:
        for i in range(per):
            q.put(i)

    t0 = time.perf_counter()
    ts = _threads(*[prod] * 4)
    for _ in range(per * 4):
        q.get()
    _join(ts)
    return time.perf_counter() - t0


def fanin_select(rt: Runtime) -> Workload:
    def run(n: int) -> float:
        with rt.active():
            chans = [Chan(32) for _ in range(4)]
        per = n // 4
        cases = [Recv(c) for c in chans]

        def prod(c: Chan) -> None:
            for i in range(per):
                c.send(i)

        t0 = time.perf_counter()
        gs = [rt.go(prod, c) for c in chans]
        for _ in range(per * 4):
            select(*cases)
        for g in gs:
            g.join(60)
        return time.perf_counter() - t0

    return run


# -- mutex -------------------------------------------------------------------


def counter_lock(n: int) -> float:
    lk = threading.Lock()
    box = [0]
    per = n // 4

    def work() -> None:
        for _ in range(per):
            with lk:
                box[0] += 1

    t0 = time.perf_counter()
    _join(_threads(*[work] * 4))
    return time.perf_counter() - t0


def counter_mutex(rt: Runtime) -> Workload:
    def run(n: int) -> float:
        with rt.active():
            mu = Mutex()
        box = [0]
        per = n // 4

        def work() -> None:
            for _ in range(per):
                with mu:
                    box[0] += 1

        t0 = time.perf_counter()
        gs = [rt.go(work) for _ in range(4)]
        for g in gs:
            g.join(60)
        assert box[0] == per * 4
        return time.perf_counter() - t0

    return run


# -- goroutines --------------------------------------------------------------


def spawn_threads(n: int) -> float:
    t0 = time.perf_counter()
    ts = [threading.Thread(target=lambda: None) for _ in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    return time.perf_counter() - t0


def spawn_goroutines(rt: Runtime) -> Workload:
    def run(n: int) -> float:
        with rt.active():
            wg = WaitGroup()
        t0 = time.perf_counter()
        for _ in range(n):
            wg.go(lambda: None)
        wg.wait()
        return time.perf_counter() - t0

    return run


# -- many goroutines at once -------------------------------------------------


def park_release(n: int) -> tuple[float, float, float]:
    """Seconds to start *n* goroutines, to have them all parked on one channel, and
    to release them all with one close and join them: (start, parked, released)."""
    rt = Runtime(name="scale")
    with rt.active():
        gate = Chan(name="gate")
    waiting = gate._recvq  # a deque: its length is read without the channel's lock
    t0 = time.perf_counter()
    gs = [rt.go(gate.recv) for _ in range(n)]
    t1 = time.perf_counter()
    while len(waiting) < n:
        time.sleep(0.001)
    t2 = time.perf_counter()
    gate.close()
    for g in gs:
        if not g.join(60):
            raise RuntimeError("a goroutine did not end")
    t3 = time.perf_counter()
    rt.stop(5.0)
    return t1 - t0, t2 - t0, t3 - t0


def measure(name: str, n: int, ours: Workload, base: Workload, reps: int) -> tuple:
    """Run *base* and *ours* interleaved *reps* times (after one small warm-up each).

    Returns (name, median ops/s ours, median ops/s baseline, per-rep ratios ours/baseline).
    """
    ours_s, base_s, ratios = [], [], []
    ours(max(n // 10, 10))  # warm up
    base(max(n // 10, 10))
    for _ in range(reps):
        b = base(n)
        o = ours(n)
        base_s.append(n / b)
        ours_s.append(n / o)
        ratios.append(b / o)
    return name, statistics.median(ours_s), statistics.median(base_s), ratios


# Each workload: key, label, size, ours (given a runtime), baseline.
WORKLOADS: list[tuple[str, str, int, Callable[[Runtime], Workload], Workload]] = [
    ("pingpong", "unbuffered ping-pong vs 2 queue.Queue", 20_000, pingpong_chan, pingpong_queue),
    (
        "buffered1",
        "buffered 128, 1p/1c vs queue.Queue(128)",
        200_000,
        lambda rt: buffered_chan(rt, 1),
        buffered_queue(1),
    ),
    (
        "buffered4",
        "buffered 128, 4p/4c vs queue.Queue(128)",
        200_000,
        lambda rt: buffered_chan(rt, 4),
        buffered_queue(4),
    ),
    ("select", "select fan-in of 4 vs one queue.Queue", 100_000, fanin_select, fanin_queue),
    ("mutex", "Mutex counter 4x vs threading.Lock", 400_000, counter_mutex, counter_lock),
    ("spawn", "go + WaitGroup vs Thread + join", 1_000, spawn_goroutines, spawn_threads),
]


def pin_to_one_core() -> None:
    """Pin this process to its first allowed core, as ``taskset -c 0`` would."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def run_both(argv: list[str]) -> None:
    """Run this benchmark twice, each in a fresh process: pinned, then unpinned."""
    args = [a for a in argv if a != "--both"]
    for mode in (["--pin"], []):
        subprocess.run([sys.executable, os.path.abspath(__file__), *args, *mode], check=True)
        print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every workload size")
    ap.add_argument("--goroutines", type=int, default=10_000, help="the scale workload's size")
    ap.add_argument("--scale-reps", type=int, default=3)
    ap.add_argument("--only-scale", action="store_true", help="run the scale workload only")
    ap.add_argument(
        "--only",
        default="",
        help="comma-separated workloads to run: " + ", ".join(w[0] for w in WORKLOADS),
    )
    ap.add_argument("--untraced-only", action="store_true", help="skip the traced runs")
    ap.add_argument("--traced-only", action="store_true", help="skip the untraced runs")
    ap.add_argument("--pin", action="store_true", help="pin to one core first (as taskset -c 0)")
    ap.add_argument("--both", action="store_true", help="run pinned, then unpinned (two processes)")
    ap.add_argument(
        "--switch-interval",
        type=float,
        default=0.0,
        help="the GIL's switch interval in ms (the window sets its own; default: Python's)",
    )
    args = ap.parse_args()
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval / 1000)
    if args.both:
        run_both(sys.argv[1:])
        return
    if args.pin:
        pin_to_one_core()
    only = {k for k in args.only.split(",") if k}
    unknown = only - {w[0] for w in WORKLOADS}
    if unknown:
        ap.error(f"unknown workload(s): {', '.join(sorted(unknown))}")
    pinned = hasattr(os, "sched_getaffinity") and len(os.sched_getaffinity(0)) == 1
    print(
        f"CPython {sys.version.split()[0]}, {'pinned to one core' if pinned else 'unpinned'}, "
        f"switch interval {sys.getswitchinterval() * 1000:g} ms, {args.reps} reps\n"
    )

    def sz(n: int) -> int:
        return max(int(n * args.scale), 100)

    skip = {False: args.traced_only, True: args.untraced_only}
    modes = [traced for traced in (False, True) if not skip[traced]]
    rows = []
    for traced in modes if not args.only_scale else ():
        rt = Runtime(name="bench", tracer=Tracer(1 << 16) if traced else None)
        tag = " [traced]" if traced else ""
        for key, label, n, ours, base in WORKLOADS:
            if not only or key in only:
                rows.append(measure(label + tag, sz(n), ours(rt), base, args.reps))
        rt.stop(1.0)
    if rows:
        w = max(len(r[0]) for r in rows)
        print(
            f"{'workload':<{w}}  {'ours ops/s':>12}  {'stdlib ops/s':>12}  {'ratio':>6}  "
            "spread (min-max)"
        )
        for name, o, b, ratios in rows:
            r = statistics.median(ratios)
            print(
                f"{name:<{w}}  {o:>12,.0f}  {b:>12,.0f}  {r:>5.2f}x  "
                f"{min(ratios):.2f}-{max(ratios):.2f}"
            )
    if only and not args.only_scale:
        return
    runs = [park_release(args.goroutines) for _ in range(args.scale_reps)]
    start, parked, released = (statistics.median(x) for x in zip(*runs, strict=True))
    print(
        f"\n{args.goroutines:,} goroutines on one channel (median of {args.scale_reps}): "
        f"started {start:.2f} s, all parked {parked:.2f} s, "
        f"released by one close and joined {released:.2f} s (total)"
    )


if __name__ == "__main__":
    main()
