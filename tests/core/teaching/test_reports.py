"""Reports in Go's words: the race detector, the deadlock, the goroutine leak."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers import wait_until

from core.patterns.counters import BadCounter
from core.runtime import Chan, Runtime, StopReport, WaitGroup, go, sleep
from core.teaching.reports import deadlock_report, leak_report, race_reports, stuck_report
from core.teaching.waitfor import WaitForGraph
from core.trace import Kind, TraceEvent, Tracer, WaitRecord


@pytest.fixture
def rt() -> Iterator[Runtime]:
    runtime = Runtime(name="teaching", tracer=Tracer())
    with runtime.active():
        yield runtime
    runtime.stop(timeout=0.2)


def ev(seq: int, kind: Kind, g: int = 0, obj: int = 0, name: str = "", value: str = ""):
    return TraceEvent(seq, seq / 100, kind, g, obj, name, value)


NAMES = [ev(1, Kind.GO_CREATE, 0, 7, "adder-1"), ev(2, Kind.GO_CREATE, 0, 8, "adder-2")]


# -- races -----------------------------------------------------------------------------


def test_lost_update_is_reported_in_the_race_detectors_shape():
    events = [
        *NAMES,
        ev(3, Kind.MEM_READ, 7, 42, "count", "0"),
        ev(4, Kind.MEM_READ, 8, 42, "count", "0"),
        ev(5, Kind.MEM_WRITE, 8, 42, "count", "1"),
        ev(6, Kind.MEM_WRITE, 7, 42, "count", "1"),
    ]
    (report,) = race_reports(events)
    assert (report.writer, report.previous_writer, report.lost) == (7, 8, 1)
    assert report.text == (
        "==================\n"
        "WARNING: DATA RACE\n"
        "Write at count (object 42) by goroutine 7 (adder-1):\n"
        "  count++ (write 1)   t=0.060 s\n"
        "\n"
        "Previous write at count (object 42) by goroutine 8 (adder-2):\n"
        "  count++ (write 1)   t=0.050 s\n"
        "\n"
        "Goroutine 7 (adder-1) read 0 at t=0.030 s, goroutine 8 (adder-2) wrote 1 at "
        "t=0.050 s in between: the increment of goroutine 8 (adder-2) is lost.\n"
        "=================="
    )


def test_increments_one_after_the_other_are_not_a_race():
    events = [
        *NAMES,
        ev(3, Kind.MEM_READ, 7, 42, "count", "0"),
        ev(4, Kind.MEM_WRITE, 7, 42, "count", "1"),
        ev(5, Kind.MEM_READ, 8, 42, "count", "1"),
        ev(6, Kind.MEM_WRITE, 8, 42, "count", "2"),
    ]
    assert race_reports(events) == []


def test_a_read_overlapping_only_a_read_is_not_a_lost_update():
    events = [
        *NAMES,
        ev(3, Kind.MEM_READ, 7, 42, "count", "0"),
        ev(4, Kind.MEM_READ, 8, 42, "count", "0"),
        ev(5, Kind.MEM_WRITE, 7, 42, "count", "1"),
    ]
    assert race_reports(events) == []


def test_writes_to_different_objects_do_not_race():
    events = [
        *NAMES,
        ev(3, Kind.MEM_READ, 7, 1, "x", "0"),
        ev(4, Kind.MEM_READ, 8, 2, "y", "0"),
        ev(5, Kind.MEM_WRITE, 8, 2, "y", "1"),
        ev(6, Kind.MEM_WRITE, 7, 1, "x", "1"),
    ]
    assert race_reports(events) == []


def test_racing_bad_counter_reports_name_both_goroutines(rt):
    counter = BadCounter(gap=0.001)  # each count++ sleeps between its read and its write
    wg = WaitGroup(name="wg")

    def add(n: int) -> None:
        for _ in range(n):
            counter.inc()

    for k in range(4):
        wg.go(add, 50, name=f"adder-{k}")
    done = go(wg.wait, name="main")
    assert done.join(10)
    assert counter.value() < 200  # some increments really were lost
    reports = race_reports(rt.tracer.events())
    assert reports
    for r in reports:
        assert r.writer != r.previous_writer
        assert f"by goroutine {r.writer} ({r.writer_name}):" in r.text
        assert f"Previous write at count (object {counter.id}) by goroutine " in r.text
        assert f"goroutine {r.previous_writer} ({r.previous_writer_name})" in r.text
        assert r.writer_name.startswith("adder-") and r.previous_writer_name.startswith("adder-")
    assert len(race_reports(rt.tracer.events(), limit=1)) == 1


# -- deadlocks and the stuck ----------------------------------------------------------------


def test_deadlock_report_is_gos_text_with_explanations(rt):
    def main() -> None:
        results = Chan(0, name="results")
        results.recv()  # the producer was never started

    m = go(main, name="main")
    wait_until(lambda: m.state.blocked)
    report = None

    def found() -> bool:
        nonlocal report
        report = deadlock_report(rt)
        return report is not None

    wait_until(found)
    assert report.text.startswith("fatal error: all goroutines are asleep - deadlock!\n\n")
    assert f"goroutine {m.id} [chan receive]: main on results" in report.text
    assert report.explanations == [
        "main waits to receive from results; no goroutine will ever send on it."
    ]
    assert report.text.endswith(report.explanations[0])
    assert report.cycles == []


def test_no_deadlock_report_while_someone_sleeps(rt):
    go(sleep, 30, name="sleeper")
    assert deadlock_report(rt) is None


def test_stuck_report_names_a_goroutine_blocked_while_others_run(rt):
    def main() -> None:
        orphan = Chan(0, name="orphan")
        go(orphan.send, 1, name="leaker")
        # main never receives: it forgets orphan (and ends)

    assert go(main, name="main").join(5)
    go(sleep, 30, name="busy")  # the program still runs: Go would report nothing
    wait_until(lambda: any(g.name == "leaker" and g.state.blocked for g in rt.goroutines()))
    text = stuck_report(WaitForGraph.from_runtime(rt))
    assert text is not None
    assert text.startswith("1 goroutine can never wake:\n")
    assert "leaker waits to send on orphan; no goroutine will ever receive it" in text
    assert "busy" not in text


# -- leaks -----------------------------------------------------------------------------


def test_leak_report_lists_each_leaked_goroutine_as_goleak_would(rt):
    jobs = Chan(0, name="jobs")

    def spawner() -> None:
        go(jobs.recv, name="worker-3")

    assert go(spawner, name="main").join(5)
    wait_until(lambda: len(rt.goroutines()) == 1 and rt.goroutines()[0].state.blocked)
    worker = rt.goroutines()[0]
    stop = rt.stop(timeout=0.2)
    report = leak_report(stop, rt.tracer.events())
    assert not report.clean
    (leaked,) = report.leaked
    assert (leaked.id, leaked.name, leaked.state, leaked.waiting_on) == (
        worker.id,
        "worker-3",
        "chan receive",
        "jobs",
    )
    assert leaked.created_by.endswith("(main)") and leaked.killed
    assert report.text.startswith(
        f"found unexpected goroutines:\n[Goroutine {worker.id} in state chan receive, "
        "with worker-3 waiting on jobs on top of the stack"
    )
    assert f"goroutine {worker.id} [chan receive]: worker-3 on jobs" in report.text
    assert report.text.endswith("]")


def test_leak_report_of_a_clean_stop_is_empty():
    report = leak_report(StopReport(), [])
    assert report.clean and report.text == ""


def test_leak_report_keeps_a_name_that_contains_on():
    events = [ev(1, Kind.GO_CREATE, 1, 9, "hold on tight")]
    rec = WaitRecord(9, "hold on tight", "blocked_select", "select", 0, "")
    stopped = StopReport(leaked=[rec.line()], leaked_ids=[9], leaked_records=[rec])
    report = leak_report(stopped, events)
    (leaked,) = report.leaked
    assert (leaked.name, leaked.waiting_on, leaked.state) == ("hold on tight", "", "select")
