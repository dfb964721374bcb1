"""Test helpers: wait for a state with a deadline, never sleep to synchronise."""

from __future__ import annotations

import itertools
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


class TraceMaker:
    """Makes trace events by hand, as a runtime would emit them (the stage's tests):
    sequence numbers in order, each event *step* runtime seconds after the last.

    ``tr(kind, g=, obj=, name=, value=, extra=)`` makes one event; ``tr.t`` is the
    runtime clock (a test moves it on to age what the stage shows)."""

    def __init__(self, step: float = 0.01) -> None:
        self._seq = itertools.count(1)
        self.t = 0.0
        self.step = step

    def __call__(self, kind, g=0, obj=0, name="", value="", extra=()):
        from core.trace import TraceEvent

        self.t += self.step
        return TraceEvent(next(self._seq), self.t, kind, g, obj, name, value, tuple(extra))

    def go(self, gid: int, name: str, parent: int = 0) -> list:
        """A goroutine made (by *parent*) and started."""
        from core.trace import Kind

        return [
            self(Kind.GO_CREATE, g=parent, obj=gid, name=name),
            self(Kind.GO_START, g=gid, obj=gid, name=name),
        ]

    def chan(self, cid: int, name: str, cap: int = 0):
        """A channel made."""
        from core.trace import Kind

        return self(Kind.CHAN_MAKE, obj=cid, name=name, value=str(cap), extra=(cap,))

    def recv_block(self, gid: int, cid: int, name: str):
        """Goroutine *gid* parks receiving from channel *cid*."""
        from core.trace import Kind

        return self(
            Kind.GO_BLOCK, g=gid, obj=cid, name=name, extra=("blocked_recv", "chan receive", ())
        )
