"""The picture is the truth: for every lesson and its broken variant, with the
teacher's actions injected, the run rebuilt from the trace alone (RunModel)
equals the runtime's real state (Runtime.snapshot) at random pauses.

Each pause waits (with a deadline) for the run to be quiescent: every
goroutine parked or at the pause gate. A pause that never becomes quiescent
(a goroutine computing) is not compared, but most must be.
"""

from __future__ import annotations

import random
import threading

import pytest

from core.scenarios import ScenarioRun, catalogue
from core.trace import RunModel

CATALOGUE = catalogue()
CASES = [(cls, None) for cls in CATALOGUE] + [
    (cls, "broken") for cls in CATALOGUE if any(p.name == "variant" for p in cls.params)
]
PAUSES = 4


def case_id(case) -> str:
    cls, variant = case
    return cls.id + (f"[{variant}]" if variant else "")


def moved_on(run: ScenarioRun, n: int) -> None:
    """Wait (up to 1 s) for *n* more events: a deadlocked or finished run makes none."""
    target = run.tracer.last_seq + n
    enough = threading.Event()
    unsubscribe = run.tracer.subscribe(lambda ev: ev.seq >= target and enough.set())
    try:
        enough.wait(1.0)
    finally:
        unsubscribe()


def differences(real: dict, model: dict) -> list[str]:
    out = []
    for table in ("goroutines", "channels", "mutexes", "rwmutexes", "waitgroups", "contexts"):
        a, b = real[table], model[table]
        for oid in sorted(set(a) | set(b)):
            if a.get(oid) != b.get(oid):
                out.append(f"{table}[{oid}]: runtime {a.get(oid)} != model {b.get(oid)}")
    return out


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_model_from_the_trace_equals_the_runtime_at_random_pauses(case):
    cls, variant = case
    scenario = cls(variant=variant) if variant else cls()
    rng = random.Random(hash(case_id(case)) & 0xFFFF)
    run = ScenarioRun(scenario, speed=10.0, seed=7)
    rt = run.runtime
    run.start()
    compared = 0
    try:
        actions = [a.name for a in cls.actions]
        for i in range(PAUSES):
            if actions:
                run.act(rng.choice(actions))
            moved_on(run, rng.randint(20, 400))
            rt.pause()
            try:
                real = rt.snapshot(timeout=1.0)
                if not real["quiescent"]:
                    continue
                model = RunModel()
                model.apply(run.tracer.events())
                assert run.tracer.dropped == 0
                assert model.mismatches == 0
                assert differences(real, model.snapshot()) == [], f"pause {i}"
                compared += 1
            finally:
                rt.resume()
    finally:
        run.stop(timeout=1.0)
    assert compared >= 1
