"""Fixtures of the runtime tests: a fresh Runtime per test, stopped (and checked) at teardown.

``rt`` is made current for the test's thread (``with rt.active():``), so the channels,
mutexes and timers a test makes bind to it, and ``go(...)`` starts goroutines in it.
A test that leaves goroutines blocked on purpose stops the runtime itself and checks
the report; ``stop`` is idempotent, so the teardown then finds nothing left.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# The bare ``pytest`` script does not put the project root on sys.path (``python -m
# pytest`` does); without it ``core`` would resolve to the namespace of ``tests/core``.
_ROOT = str(Path(__file__).resolve().parents[3])
if _ROOT not in sys.path:
    sys.path.append(_ROOT)

from core.runtime import Goroutine, Runtime  # noqa: E402
from core.trace import Tracer  # noqa: E402


def _stopped_clean(runtime: Runtime) -> None:
    report = runtime.stop(timeout=1.0)
    assert report.clean, f"goroutines left behind: {report}"


@pytest.fixture
def rt() -> Iterator[Runtime]:
    """A fresh untraced runtime, current for the test; it must stop clean."""
    runtime = Runtime(name="test")
    with runtime.active():
        yield runtime
    _stopped_clean(runtime)


@pytest.fixture
def tracer() -> Tracer:
    return Tracer(capacity=100_000)


@pytest.fixture
def traced_rt(tracer: Tracer) -> Iterator[Runtime]:
    """A fresh runtime with ``tracer`` installed, current for the test; it must stop clean."""
    runtime = Runtime(name="traced", tracer=tracer)
    with runtime.active():
        yield runtime
    _stopped_clean(runtime)


Spawn = Callable[..., tuple[Goroutine, list]]


@pytest.fixture
def spawn() -> Spawn:
    """``spawn(fn, *args, name=None) -> (goroutine, out)``: run ``fn`` in a goroutine of
    the current runtime; ``out`` gets its return value, or the exception it raised."""
    from core.runtime import go

    def start(fn: Callable[..., Any], *args: Any, name: str | None = None):
        out: list = []

        def body() -> None:
            try:
                out.append(fn(*args))
            except Exception as exc:  # handed to the test; Goexit (a BaseException) passes
                out.append(exc)

        body.__name__ = getattr(fn, "__name__", "body")
        return go(body, name=name), out

    return start
