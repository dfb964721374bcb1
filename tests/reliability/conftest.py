"""Reliability suite: the ``--run-slow`` switch, a thread guard, the chaos figures.

Long variants are marked ``@pytest.mark.slow`` and skipped unless pytest runs with
``--run-slow`` (defined in tests/conftest.py) or ``RUN_SLOW=1`` in the environment.
The chaos tests add their counts with :func:`record_chaos`; they are printed at the end.
"""

from __future__ import annotations

import os
import sys
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

# The bare ``pytest`` script does not put the project root on sys.path (``python -m
# pytest`` does); without it ``core`` would resolve to the namespace of ``tests/core``.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.append(_ROOT)

from helpers import wait_until  # noqa: E402


def _run_slow(config: pytest.Config) -> bool:
    return bool(config.getoption("--run-slow", default=False)) or os.environ.get(
        "RUN_SLOW", ""
    ) not in ("", "0")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _run_slow(config):
        return
    skip = pytest.mark.skip(reason="long variant: run with --run-slow (or RUN_SLOW=1)")
    here = Path(__file__).parent
    for item in items:
        if "slow" in item.keywords and here in Path(str(item.path)).parents:
            item.add_marker(skip)


def goroutine_threads() -> set[threading.Thread]:
    """Live threads that run goroutines (the runtime names them ``go:<name>``)."""
    return {t for t in threading.enumerate() if t.name.startswith("go:") and t.is_alive()}


@pytest.fixture
def no_thread_left() -> Iterator[None]:
    """Fails the test if a thread it started (goroutine, timer, anything) outlives it by 5 s."""
    before = set(threading.enumerate())
    yield

    def new_threads() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t not in before and t.is_alive()]

    try:
        wait_until(lambda: not new_threads(), timeout=5.0)
    except AssertionError:
        names = ", ".join(t.name for t in new_threads())
        raise AssertionError(f"threads left behind: {names}") from None


# Figures of the chaos repetitions, printed at the end of the run (the issue asks for them).
CHAOS: defaultdict[str, Counter[str]] = defaultdict(Counter)


def record_chaos(name: str, **figures: int) -> None:
    """Add one repetition's figures to the summary line of *name*."""
    c = CHAOS[name]
    c["repetitions"] += 1
    c.update(figures)


def pytest_terminal_summary(terminalreporter) -> None:
    if not CHAOS:
        return
    terminalreporter.section("chaos figures")
    for name, c in sorted(CHAOS.items()):
        terminalreporter.write_line(f"{name}: " + ", ".join(f"{k} {v:,}" for k, v in c.items()))
