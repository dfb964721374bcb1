"""Soak: play every lesson headless, over and over, for a given time, and watch for rot.

Each lesson of ``core.scenarios.catalogue()`` runs in turn for a few runtime seconds
at a high clock speed, with random parameters (within their bounds; the ``variant``
is "correct" or "broken" at random), teacher actions injected at random moments and,
unless ``--no-clock-chaos``, the clock paused, stepped and resumed at random. Every
``--report-every`` seconds it prints: elapsed time, the lesson running, resident
memory (VmRSS), thread count, trace events per second, panics and leaks; at the end
a summary. Exit status 1 when anything unexpected happened.

What counts as unexpected: a panic, a leaked goroutine or a deadlock in a lesson
playing its *correct* variant (the broken ones show them on purpose and are counted
apart as intended); a goroutine that survives ``stop``; threads that do not come back
after a lesson; an exception from the soak itself.

    python benchmarks/soak.py --minutes 10
    python benchmarks/soak.py --minutes 1 --lesson-seconds 4 --report-every 5
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from core.scenarios import ScenarioRun, catalogue
from core.scenarios._base import Scenario


def rss_mb() -> float:
    """Resident memory of this process, from /proc/self/status (VmRSS), in MB."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Outcome:
    """What one play of one lesson did."""

    lesson: str
    variant: str
    wall: float = 0.0
    events: int = 0
    dropped: int = 0
    panics: list[str] = field(default_factory=list)
    leaked: list[str] = field(default_factory=list)
    deadlock: list[str] = field(default_factory=list)  # the goroutines Go's report names
    params: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # always unexpected

    @property
    def intended(self) -> bool:
        return self.variant == "broken"


def random_values(cls: type[Scenario], rng: random.Random) -> dict:
    """Parameters: the default half the time, else anywhere within the bounds."""
    values = {}
    for p in cls.params:
        if p.name == "variant":
            values[p.name] = rng.choice(p.choices)
        elif rng.random() < 0.5:
            continue
        elif p.kind is bool:
            values[p.name] = rng.random() < 0.5
        elif p.kind is str:
            values[p.name] = rng.choice(p.choices)
        elif p.kind is int:
            values[p.name] = rng.randint(int(p.minimum), int(p.maximum))
        else:
            values[p.name] = rng.uniform(p.minimum, p.maximum)
    return values


invalid_combinations: Counter[str] = Counter()  # random parameters a lesson refused


def play(cls: type[Scenario], rng: random.Random, args: argparse.Namespace) -> Outcome:
    """Run *cls* for ``args.lesson_seconds`` runtime seconds with random faults; then stop."""
    for _ in range(20):
        values = random_values(cls, rng)
        try:
            scenario = cls(**values)
            break
        except ValueError:  # values fine one by one, not together (a lesson's own check)
            invalid_combinations[cls.id] += 1
    else:
        scenario = cls()
    out = Outcome(cls.id, str(scenario.values.get("variant", "-")), params=dict(scenario.values))
    threads_before = threading.active_count()
    run = ScenarioRun(
        scenario,
        speed=args.speed,
        tracer_capacity=args.tracer_capacity,
        seed=rng.randrange(2**32),
    )
    rt, clock = run.runtime, run.runtime.clock
    actions = sorted(
        (rng.uniform(0, args.lesson_seconds), a.name)
        for a in cls.actions
        for _ in range(rng.randint(0, args.max_actions))
    )
    t0 = time.monotonic()
    run.start()
    try:
        while clock.now() < args.lesson_seconds and not run.finished:
            while actions and actions[0][0] <= clock.now():
                run.act(actions.pop(0)[1])
            if args.clock_chaos and rng.random() < 0.05:
                rt.pause()
                for _ in range(rng.randint(0, 5)):
                    rt.step(timeout=0.05)
                time.sleep(rng.choice([0.0, 0.005, 0.02]))
                rt.resume()
            if time.monotonic() - t0 > args.lesson_seconds / args.speed * 10 + 5:
                out.problems.append(f"{cls.id}: runtime clock stuck at {clock.now():.2f}")
                break
            time.sleep(0.01)
    finally:
        report = run.stop(2.0)
    out.wall = time.monotonic() - t0
    if run.tracer is not None:
        out.events, out.dropped = run.tracer.last_seq, run.tracer.dropped
    out.panics = [f"{g.name}: {type(e).__name__}: {e}" for g, e in rt.panics]
    out.leaked = list(report.leaked)
    out.deadlock = list(rt.deadlock.goroutines) if rt.deadlock is not None else []
    if report.alive:
        out.problems.append(f"{cls.id}: goroutines survived stop: {report.alive[:3]}")
    deadline = time.monotonic() + 5.0
    while threading.active_count() > threads_before and time.monotonic() < deadline:
        time.sleep(0.01)
    if threading.active_count() > threads_before:
        extra = threading.active_count() - threads_before
        out.problems.append(f"{cls.id}: {extra} thread(s) still alive 5 s after stop")
    return out


class Sampler(threading.Thread):
    """Samples RSS and the thread count four times a second."""

    def __init__(self) -> None:
        super().__init__(name="soak-sampler", daemon=True)
        self.stop_event = threading.Event()
        self.rss_min = self.rss_max = rss_mb()
        self.threads_max = threading.active_count()

    def run(self) -> None:
        while not self.stop_event.wait(0.25):
            r = rss_mb()
            self.rss_min, self.rss_max = min(self.rss_min, r), max(self.rss_max, r)
            self.threads_max = max(self.threads_max, threading.active_count())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0, help="total wall time")
    ap.add_argument("--lesson-seconds", type=float, default=6.0, help="runtime s per lesson")
    ap.add_argument("--speed", type=float, default=20.0, help="clock speed (0.05..20)")
    ap.add_argument("--report-every", type=float, default=30.0, help="wall s between lines")
    ap.add_argument("--max-actions", type=int, default=3, help="per action kind and play")
    ap.add_argument("--tracer-capacity", type=int, default=200_000)
    ap.add_argument("--no-clock-chaos", dest="clock_chaos", action="store_false")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args(argv)

    seed = args.seed if args.seed is not None else random.randrange(2**32)
    rng = random.Random(seed)
    lessons = catalogue()
    print(
        f"soak: {len(lessons)} lessons, {args.minutes:g} min, {args.lesson_seconds:g} runtime s "
        f"each at {args.speed:g}x, seed {seed}",
        flush=True,
    )
    sampler = Sampler()
    sampler.start()
    start = time.monotonic()
    end = start + args.minutes * 60
    plays = Counter()
    panics = Counter()  # (lesson, variant, text) of unexpected panics
    intended = Counter(panics=0, leaks=0, deadlocks=0)
    unexpected = Counter(panics=0, leaks=0, deadlocks=0)
    problems: list[str] = []
    events = dropped = 0
    window_events, window_start = 0, start
    last_print = start
    header = (
        f"{'elapsed':>8}  {'lesson':<20} {'RSS MB':>7} {'threads':>7} {'events/s':>9} "
        f"{'panics':>11} {'leaks':>11} {'plays':>6}  (unexpected/intended)"
    )
    print(header, flush=True)
    cycle: list[type[Scenario]] = []
    while time.monotonic() < end:
        if not cycle:
            cycle = list(lessons)
        cls = cycle.pop(0)
        try:
            o = play(cls, rng, args)
        except Exception:
            problems.append(f"{cls.id}: the soak itself raised:\n{traceback.format_exc()}")
            continue
        plays[cls.id] += 1
        events += o.events
        dropped += o.dropped
        window_events += o.events
        kind = intended if o.intended else unexpected
        kind["panics"] += len(o.panics)
        kind["leaks"] += len(o.leaked)
        kind["deadlocks"] += bool(o.deadlock)
        if not o.intended:
            for p in o.panics:
                panics[(o.lesson, p.split(": ", 1)[1])] += 1
            if o.leaked:
                problems.append(f"{o.lesson} {o.params}: leaked {o.leaked[:3]}")
            if o.deadlock:
                problems.append(f"{o.lesson} {o.params}: deadlock reported: {o.deadlock}")
        problems.extend(o.problems)
        now = time.monotonic()
        if now - last_print >= args.report_every or now >= end:
            rate = window_events / max(now - window_start, 1e-9)
            print(
                f"{now - start:>7.0f}s  {o.lesson:<20} {rss_mb():>7.1f} "
                f"{threading.active_count():>7} {rate:>9.0f} "
                f"{unexpected['panics']:>5}/{intended['panics']:<5} "
                f"{unexpected['leaks']:>5}/{intended['leaks']:<5} {sum(plays.values()):>6}",
                flush=True,
            )
            last_print, window_events, window_start = now, 0, now
    sampler.stop_event.set()
    sampler.join(1.0)
    wall = time.monotonic() - start

    print("\nsummary")
    print(f"  wall time          {wall / 60:.1f} min, seed {seed}")
    print(
        f"  lessons run        {sum(plays.values())} plays of {len(plays)}/{len(lessons)} lessons"
    )
    print(f"  RSS                min {sampler.rss_min:.1f} MB, max {sampler.rss_max:.1f} MB")
    print(f"  threads            max {sampler.threads_max}, at the end {threading.active_count()}")
    print(f"  events             {events:,} ({events / wall:,.0f}/s), {dropped:,} dropped by rings")
    print(
        f"  intended (broken)  {intended['panics']} panics, {intended['leaks']} leaks, "
        f"{intended['deadlocks']} deadlocks"
    )
    print(
        f"  unexpected         {unexpected['panics']} panics, {unexpected['leaks']} leaks, "
        f"{unexpected['deadlocks']} deadlocks"
    )
    for (lesson, text), n in panics.most_common(20):
        print(f"    panic x{n} in {lesson} (correct): {text}")
    for lesson, n in invalid_combinations.most_common():
        print(f"  refused params     {lesson}: {n} random combination(s) (ValueError), redrawn")
    print(f"  failures           {len(problems) + sum(panics.values())}")
    for p in problems[:30]:
        print(f"    {p}")
    return 1 if problems or panics else 0


if __name__ == "__main__":
    sys.exit(main())
