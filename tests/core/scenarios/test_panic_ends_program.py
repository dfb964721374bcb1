"""The panic-ends-program lesson: a worker pool whose job panics.

(Parameters, declarations and runs with every action: test_every_scenario.py.)
"""

from __future__ import annotations

from helpers import wait_until
from scenario_harness import last, notes, start, stop

from core.runtime import Panic
from core.scenarios.panic_ends_program import PanicEndsProgram
from core.trace import Kind


def test_broken_unrecovered_panic_ends_the_whole_program_with_gos_text():
    run = start(PanicEndsProgram, variant="broken")
    assert run.wait_finished(5.0), "run() should return once the program ended"
    (g, exc), *more = run.runtime.panics
    assert not more
    assert isinstance(exc, Panic) and str(exc) == "job 6: bad input"
    assert g.name.startswith("worker-")
    text = run.scenario.exit_text
    assert text.startswith("panic: job 6: bad input\n\ngoroutine ")
    assert f"goroutine {g.id} [running]:" in text and text.endswith("exit status 2")
    assert any(n.startswith("panic: job 6: bad input") and "exit status 2" in n for n in notes(run))
    traced = [e for e in run.tracer.events() if e.kind is Kind.GO_PANIC]
    assert [e.value for e in traced] == ["job 6: bad input"]
    assert last(run, "workers") == 0
    assert last(run, "done") < 12  # job 6 panicked: the batch never finished
    assert not any(n.startswith("batch ") for n in notes(run))
    # Every other goroutine of the program ended with it: nothing for stop to unwind.
    wait_until(lambda: [x.name for x in run.runtime.goroutines()] == [])
    report = stop(run)
    assert report.clean and report.alive == []


def test_correct_recover_turns_the_panic_into_an_error_and_the_pool_goes_on():
    run = start(PanicEndsProgram, jobs=4, poison_job=2, job_time=0.1)
    wait_until(lambda: sum(n.startswith("batch ") for n in notes(run)) >= 2)
    assert [n for n in notes(run) if n.startswith("batch ")][:2] == [
        "batch 1: 3 jobs done, 1 recovered into an error",
        "batch 2: 3 jobs done, 1 recovered into an error",
    ]
    assert "job 2: panic: job 2: bad input: recovered into an error; the worker goes on" in notes(
        run
    )
    assert last(run, "errors") >= 2 and last(run, "done") >= 8
    assert run.runtime.panics == []
    assert not run.finished
    assert stop(run).clean


def test_correct_nil_map_action_is_recovered_as_gos_runtime_error():
    run = start(PanicEndsProgram, poison_job=0, job_time=0.1, ready=lambda s: s.ctx)
    assert run.act("nil-map").join(2.0)
    wait_until(lambda: last(run, "errors") >= 1)
    assert any("panic: assignment to entry in nil map: recovered" in n for n in notes(run))
    assert run.runtime.panics == []
    assert stop(run).clean


def test_broken_poison_action_ends_a_program_that_had_no_poisoned_job():
    run = start(
        PanicEndsProgram, variant="broken", poison_job=0, job_time=0.1, ready=lambda s: s.ctx
    )
    wait_until(lambda: last(run, "done") >= 3)
    assert not run.finished
    assert run.act("poison").join(2.0)
    assert run.wait_finished(5.0)
    assert next(str(exc) for _, exc in run.runtime.panics).endswith(": bad input")
    assert run.scenario.exit_text.endswith("exit status 2")
    assert stop(run).alive == []
