"""Parking and waking: the one path every blocking primitive goes through.

A goroutine that must wait puts a waiter record in the queue of the object
it waits on and, still under that object's lock, calls :func:`block`: its
state, what it waits on and the GO_BLOCK event are published together. It
then releases the object's lock and calls :func:`park`, which acquires its
own ``parker`` lock (held whenever the goroutine is not parked).

Whoever wakes it (having taken the waiter out of the queue under the
object's lock, or claimed a select's one-shot token) calls :func:`ready`
inside that same critical section, so the goroutine is runnable in the same
instant the event that reports the wake-up is emitted, as Go's ``goready``
does: no observer (the deadlock check, a snapshot) ever sees a woken
goroutine as asleep. After the lock is released the waker calls
:func:`wake`, which releases the parker exactly once.

The hot paths of ``Chan.send``/``recv`` inline :func:`park`; those copies are
marked there.
"""

from __future__ import annotations

from typing import Any

from core.runtime._errors import Goexit
from core.trace.events import Kind, State

__all__ = ["block", "park", "ready", "wake"]

_RUNNABLE = State.RUNNABLE
_RUNNING = State.RUNNING


def block(rt: Any, me: Any, owner: Any, waiter: Any, state: State, reason: str) -> None:
    """Publish that *me* is about to park on *owner* (called under the owner's lock).

    The caller has queued *waiter* on *owner*; it then releases its lock and
    calls :func:`park`. Emits GO_BLOCK (the select's cases for a select).
    """
    me.state = state
    me.wait_reason = reason
    me.waiting_on = owner
    me._blocked_on = (owner, waiter)
    tr = rt.tracer
    if tr is not None:
        cases = getattr(owner, "shape", None)
        if cases is not None:  # a select: it waits on several channels, named in its cases
            tr.emit(Kind.GO_BLOCK, me.id, 0, "", "", (state._value_, reason, cases))
        else:
            tr.emit(
                Kind.GO_BLOCK,
                me.id,
                getattr(owner, "id", 0),
                getattr(owner, "name", ""),
                "",
                (state._value_, reason, ()),
            )


def park(me: Any, waiter: Any) -> None:
    """Wait until woken. Called with no lock held.

    Raises:
        Goexit: the runtime is stopping and killed this wait.
    """
    me.parker.acquire()
    me._blocked_on = None
    me.state = _RUNNING
    if waiter.cancelled:
        raise Goexit


def ready(g: Any) -> None:
    """Make the parked goroutine *g* runnable (under the lock of what it waited on).

    The caller emits the event that reports the wake-up in the same critical
    section, then calls :func:`wake` once the lock is released.
    """
    g.state = _RUNNABLE
    g.waiting_on = None


def wake(g: Any) -> None:
    """Let the goroutine made :func:`ready` run: release its parker (exactly once)."""
    g.parker.release()
