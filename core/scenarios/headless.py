"""Run a lesson without a window: ``main.py --headless`` and ``--list-scenarios``."""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from typing import TextIO

from core.scenarios import ScenarioRun, catalogue, get
from core.scenarios._base import Scenario
from core.trace import Kind, write_chrome_trace

__all__ = [
    "describe_actions",
    "describe_params",
    "main",
    "parse_actions",
    "parse_params",
    "run_headless",
]

_FATAL = "fatal error: all goroutines are asleep - deadlock!"


def parse_params(items: list[str]) -> dict[str, str]:
    """``["workers=4", "variant=broken"]`` -> dict; ``ValueError`` on a malformed item."""
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--param takes NAME=VALUE, got {item!r}")
        out[name.strip().replace("-", "_")] = value.strip()
    return out


def describe_params(cls: type[Scenario]) -> list[str]:
    """One line per parameter of *cls*: name, kind and range (or choices), default, help."""
    if not cls.params:
        return [f"{cls.id} has no parameters"]
    width = max(len(p.name) for p in cls.params)
    lines = [f"parameters of {cls.id} (--param NAME=VALUE):"]
    for p in cls.params:
        if p.kind is bool:
            kind = "true or false"
        elif p.kind is str:
            kind = " | ".join(p.choices)
        else:
            lo, hi = (
                "" if x is None else str(int(x)) if p.kind is int else f"{x:g}"
                for x in (p.minimum, p.maximum)
            )
            kind = f"{'integer' if p.kind is int else 'number'} {lo}..{hi}"
            if p.unit:
                kind += f" {p.unit}"
        lines.append(f"  {p.name:<{width}}  {kind} (default {p.default}): {p.help}")
    return lines


def describe_actions(cls: type[Scenario]) -> list[str]:
    """One line per teacher action of *cls*: name and what it does."""
    if not cls.actions:
        return [f"{cls.id} has no actions"]
    width = max(len(a.name) for a in cls.actions)
    lines = [f"actions of {cls.id} (--action NAME@SECONDS):"]
    lines += [f"  {a.name:<{width}}  {a.help or a.label}" for a in cls.actions]
    return lines


def parse_actions(items: list[str]) -> list[tuple[float, str]]:
    """``["burst@1", "shutdown@2.5"]`` -> ``[(1.0, "burst"), (2.5, "shutdown")]``, by time.

    Raises:
        ValueError: an item whose time is not a number.
    """
    out = []
    for item in items:
        name, sep, at = item.partition("@")
        try:
            t = float(at) if sep else 0.0
        except ValueError:
            raise ValueError(f"--action takes NAME@SECONDS, got {item!r}") from None
        out.append((t, name.strip()))
    return sorted(out)


def run_headless(
    scenario: Scenario,
    duration: float,
    speed: float = 1.0,
    actions: list[tuple[float, str]] | None = None,
    seed: int | None = None,
) -> ScenarioRun:
    """Play *scenario* for *duration* runtime seconds, injecting *actions*; returns the stopped run.

    Blocks the calling thread (wall time is about duration / speed).
    """
    run = ScenarioRun(scenario, speed=speed, seed=seed)
    for _, name in actions or ():
        scenario.action(name)  # unknown action: KeyError before anything starts
    pending = list(actions or ())
    run.start()
    clock = run.runtime.clock
    while clock.now() < duration and not run.finished:
        while pending and pending[0][0] <= clock.now():
            run.act(pending.pop(0)[1])
        time.sleep(0.01)
    run.stop(2.0)
    return run


def summarize(run: ScenarioRun, out: TextIO) -> None:
    s = run.scenario
    rt = run.runtime
    print(f"{s.title} ({s.id}) - {s.chapter}", file=out)
    print(f"  {s.summary}", file=out)
    if s.values:
        print("  parameters: " + ", ".join(f"{k}={v}" for k, v in s.values.items()), file=out)
    print(f"  ran {rt.clock.now():.2f} runtime s at speed {rt.clock.speed:g}", file=out)
    print("\nmetrics:", file=out)
    for line in s.summary_lines():
        print("  " + line, file=out)
    if run.tracer is not None:
        kinds = Counter(ev.kind for ev in run.tracer.events())
        top = ", ".join(f"{k.value} {n}" for k, n in kinds.most_common(8))
        print(f"\nevents: {run.tracer.last_seq} ({run.tracer.dropped} dropped) - {top}", file=out)
        notes = [ev.value for ev in run.tracer.events() if ev.kind is Kind.NOTE]
        if rt.deadlock is not None:  # Go's report is printed once, below, from the runtime
            why = set(rt.deadlock.explanations)
            notes = [
                n
                for n in notes
                if not n.startswith(_FATAL) and n.removeprefix("Why: ").rstrip(".") not in why
            ]
        if notes:
            print("\nnotes:", file=out)
            for n in notes[-10:]:
                print("  " + n, file=out)
    for g, exc in rt.panics:
        print(f"\npanic: {exc}\n  in goroutine {g.id} ({g.name})", file=out)
    if rt.deadlock is not None:
        print("\n" + rt.deadlock.text, file=out)
        for line in rt.deadlock.explanations:
            print("  " + line, file=out)
    report = run.report
    if report is not None and not report.clean:
        # After a deadlock its goroutines are blocked by definition: name only the others.
        said = rt.deadlock.text if rt.deadlock is not None else ""
        lines = [line for line in report.leaked + report.alive if line not in said]
        if lines:
            print("\ngoroutines still blocked when the run stopped (leaked):", file=out)
            for line in lines:
                print("  " + line, file=out)


def main(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Entry point for ``main.py --list-scenarios`` and ``--headless``; returns the exit code."""
    out = out or sys.stdout  # looked up now: whoever redirected stdout since import gets it
    if args.list_scenarios:
        for cls in catalogue():
            print(f"{cls.id}\t{cls.chapter}\t{cls.title}\t{cls.summary}", file=out)
        return 0
    if not args.scenario:
        print("--headless needs --scenario ID (see --list-scenarios)", file=sys.stderr)
        return 2
    try:
        cls = get(args.scenario)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    try:
        scenario = cls(**parse_params(args.param))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print("\n".join(describe_params(cls)), file=sys.stderr)
        return 2
    try:
        actions = parse_actions(args.action)
        for _, name in actions:
            cls.action(name)
    except (KeyError, ValueError) as exc:
        what = f"{cls.id} has no action {exc.args[0]!r}" if isinstance(exc, KeyError) else exc
        print(f"error: {what}", file=sys.stderr)
        print("\n".join(describe_actions(cls)), file=sys.stderr)
        return 2
    speed = 1.0 if args.speed is None else args.speed
    try:
        run = run_headless(scenario, args.duration, speed, actions, args.seed)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    summarize(run, out)
    if args.trace and run.tracer is not None:
        write_chrome_trace(args.trace, run.tracer.events())
        print(f"\ntrace written to {args.trace} (open it in Perfetto)", file=out)
    return 0
