"""A learner's program in its own process: Go's exit statuses, limits, Stop, the event stream."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from core.scenarios.program_host import (
    STATUS_STOPPED,
    STATUS_TIMEOUT,
    ProgramProcess,
    ProgramRun,
    ProgramScenario,
)
from core.trace import Kind
from tests.helpers import wait_until

ROOT = Path(__file__).resolve().parents[3]


def program(tmp_path: Path, text: str, name: str = "prog.py") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def headless(path: Path, *extra: str, timeout: float = 20.0) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "main.py", "--headless", "--program", str(path), *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


HELLO = """\
    from core.runtime import Chan, go

    def worker(ch):
        ch.send("hello from a goroutine")

    def main():
        ch = Chan()
        go(worker, ch, name="worker")
        print(ch.recv()[0])

    if __name__ == "__main__":
        main()
"""


def test_headless_program_prints_and_exits_0(tmp_path):
    r = headless(program(tmp_path, HELLO))
    assert r.returncode == 0, r.stderr
    assert r.stdout == "hello from a goroutine\n"
    assert r.stderr == ""


def test_module_level_code_runs_as_main(tmp_path):
    r = headless(program(tmp_path, "print(__name__)\n"))
    assert (r.returncode, r.stdout) == (0, "__main__\n")


def test_deadlock_exits_2_with_gos_words_and_the_line(tmp_path):
    p = program(tmp_path, "from core.runtime import Chan\nch = Chan()\nch.send(1)\n")
    r = headless(p)
    assert r.returncode == 2
    assert r.stderr.startswith(
        "fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 [chan send]:\n"
    )
    assert f"\t{p}:3\n" in r.stderr
    assert "program_host" not in r.stderr  # the host's own frames are not the program's


def test_panic_in_a_goroutine_exits_2(tmp_path):
    p = program(
        tmp_path,
        """\
        from core.runtime import Chan, go
        go(lambda: 1 // 0)
        Chan().recv()  # main waits; the panic ends the program first
        """,
    )
    r = headless(p)
    assert r.returncode == 2
    assert r.stderr.startswith("panic: ZeroDivisionError: integer division or modulo by zero\n")
    assert "goroutine 2 [running]:" in r.stderr


def test_syntax_error_exits_1_and_names_the_line(tmp_path):
    r = headless(program(tmp_path, 'x = 1\nprint("x"\n'))
    assert r.returncode == 1
    assert "line 2" in r.stderr and "SyntaxError" in r.stderr


def test_duration_stops_a_spinning_program_with_its_own_status(tmp_path):
    p = program(tmp_path, "print('spinning', flush=True)\nwhile True:\n    pass\n")
    t0 = time.monotonic()
    r = headless(p, "--duration", "0.3")
    assert r.returncode == STATUS_TIMEOUT
    assert "still running after 0.3 s of runtime clock" in r.stderr
    assert r.stdout == "spinning\n"
    assert time.monotonic() - t0 < 6.0


def test_os_exit_status_is_reported(tmp_path):
    r = headless(program(tmp_path, "import os\nos._exit(7)\n"))
    assert r.returncode == 7
    assert "exited with status 7" in r.stderr


def test_trace_file_holds_the_programs_events(tmp_path):
    out = tmp_path / "t.json"
    r = headless(program(tmp_path, HELLO), "--trace", str(out))
    assert r.returncode == 0
    text = out.read_text()
    assert "chan.handoff" in text and "worker" in text


def test_missing_program_file_is_an_error(tmp_path):
    r = headless(tmp_path / "nope.py")
    assert r.returncode == 2 and "no program file" in r.stderr


# -- the process API the window uses ------------------------------------------------------


def test_events_and_output_cross_the_process_boundary(tmp_path):
    lines: list[tuple] = []
    proc = ProgramProcess(program(tmp_path, HELLO), on_output=lambda *a: lines.append(a))
    proc.start()
    result = proc.wait(10.0)
    assert result is not None and result.status == 0
    kinds = [ev.kind for ev in proc.tracer.events()]
    assert Kind.GO_CREATE in kinds and Kind.CHAN_HANDOFF in kinds
    assert [(g, name, text) for g, name, text, _ in lines] == [
        (1, "main", "hello from a goroutine")
    ]


def test_stop_ends_a_spinning_program_within_2_s(tmp_path):
    proc = ProgramProcess(program(tmp_path, "while True:\n    pass\n"))
    proc.start()
    wait_until(lambda: proc.now > 0.05, timeout=10.0)
    t0 = time.monotonic()
    result = proc.stop(timeout=2.0)
    assert time.monotonic() - t0 < 2.0
    assert result is not None and result.status == STATUS_STOPPED
    assert proc.finished


def test_program_run_steps_in_the_child(tmp_path):
    p = program(
        tmp_path,
        """\
        from core.runtime import Chan, go
        ch = Chan(1)
        def producer():
            for i in range(100):
                ch.send(i)
            ch.close()
        go(producer, name="producer")
        for v in ch:
            pass
        """,
    )
    scenario = ProgramScenario()
    scenario.path = str(p)
    run = scenario.make_run(speed=1.0)
    assert isinstance(run, ProgramRun)
    run.runtime.clock.pause()
    run.start()
    try:
        wait_until(lambda: run.runtime.gated(), timeout=10.0)
        before = run.tracer.last_seq
        assert run.runtime.step(None, 1.0)
        wait_until(lambda: run.tracer.last_seq > before, timeout=5.0)
        assert not run.finished
    finally:
        report = run.stop(2.0)
    assert report.clean
    assert run.finished


@pytest.mark.parametrize("what", ["a = bytearray(3 * 1024**3)"])
def test_memory_limit_is_said(tmp_path, what):
    r = headless(program(tmp_path, what + "\n"))
    assert r.returncode == 2
    assert "out of memory" in r.stderr and "memory limit" in r.stderr


def test_the_trace_ends_where_the_program_ends(tmp_path):
    """As Go exits when main returns, a goroutine still blocked stays blocked in the
    trace: the halt that ends it afterwards is not the program's story."""
    p = program(
        tmp_path,
        """\
        from core.runtime import Chan, go
        ch = Chan(name="never-read")
        go(lambda: ch.send(1), name="leaker")
        """,
    )
    proc = ProgramProcess(p)
    proc.start()
    assert proc.wait(10.0).status == 0
    events = proc.tracer.events()
    ends = [ev.g for ev in events if ev.kind is Kind.GO_END]
    assert ends == [1]  # main's end, and nobody else's
    assert events[-1].kind is Kind.GO_END
    blocked = [ev for ev in events if ev.kind is Kind.GO_BLOCK]
    assert [ev.g for ev in blocked] == [2]  # the leaker, parked on its send for good
