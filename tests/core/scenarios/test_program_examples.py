"""Every example program of the editor's menu runs headless with its expected Go exit status."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PROGRAMS = sorted((ROOT / "resources" / "programs").glob("*.py"))

# name: (exit status, a line of stdout or stderr it must print)
EXPECTED = {
    "01_goroutines.py": (0, "all workers done"),
    "02_unbuffered.py": (0, "received pong"),
    "03_buffered.py": (0, "consumed 8"),
    "04_select_timeout.py": (0, "timed out waiting 0.3 s"),
    "05_worker_pool.py": (0, "9 squared is 81"),
    "06_pipeline.py": (0, "25"),
    "07_mutex_counter.py": (0, "count = 100 (expected 100)"),
    "08_context_timeout.py": (0, "context deadline exceeded"),
    "09_deadlock.py": (2, "fatal error: all goroutines are asleep - deadlock!"),
    "10_leak.py": (0, "main ends; slow-server never finished"),
    "11_panic.py": (2, "panic: send on closed channel"),
    "12_fan_in.py": (0, "b-2"),
}


def test_every_example_has_an_expectation():
    assert [p.name for p in PROGRAMS] == sorted(EXPECTED)


@pytest.fixture(scope="module")
def finished() -> dict[str, subprocess.CompletedProcess]:
    """Every example run headless at once (each in its own processes: about 1 s in all)."""
    procs = {
        p.name: subprocess.Popen(
            [sys.executable, "main.py", "--headless", "--program", str(p), "--duration", "10"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in PROGRAMS
    }
    out = {}
    for name, proc in procs.items():
        try:
            stdout, stderr = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate(timeout=10)
        out[name] = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    return out


@pytest.mark.parametrize("path", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_example_runs_headless_with_its_status(path, finished):
    status, line = EXPECTED[path.name]
    r = finished[path.name]
    assert r.returncode == status, r.stderr
    assert line in r.stdout + r.stderr


def test_each_example_says_what_it_shows():
    for p in PROGRAMS:
        first = p.read_text(encoding="utf-8").split("\n", 1)[0]
        assert first.startswith('"""') and len(first) > 10, p.name
