"""Test helpers: wait for a state with a deadline, never sleep to synchronise."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


def wait_until(pred: Callable[[], object], timeout: float = 5.0, message: str = "") -> None:
    """Return once *pred()* is true; raise AssertionError after *timeout* seconds.

    Polls with a short backoff: this waits for a state, it does not guess a delay.
    """
    deadline = time.monotonic() + timeout
    delay = 0.0005
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(message or f"condition not reached within {timeout} s")
        time.sleep(delay)
        delay = min(delay * 2, 0.01)


def run_thread(fn: Callable[[], object]) -> tuple[threading.Thread, list]:
    """Run *fn* in a plain daemon thread; returns the thread and a list that gets its result."""
    out: list = []

    def target() -> None:
        try:
            out.append(fn())
        except BaseException as exc:  # surfaced to the test through the list
            out.append(exc)

    t = threading.Thread(target=target, daemon=True)
    t.start()
    return t, out


def join(t: threading.Thread, timeout: float = 5.0) -> None:
    """Join *t*; fail the test if it is still alive after *timeout*."""
    t.join(timeout)
    assert not t.is_alive(), f"thread {t.name} still alive after {timeout} s"


def run_in(rt, fn: Callable[[], object], timeout: float = 5.0) -> object:
    """Run *fn* in a goroutine of *rt*; return its result or the exception it raised."""
    out: list = []

    def wrap() -> None:
        try:
            out.append(fn())
        except Exception as exc:  # handed to the test
            out.append(exc)

    g = rt.go(wrap, name="caller")
    assert g.join(timeout), "the goroutine did not finish"
    return out[0]
