"""Panic and Goexit: how the runtime says what Go would say."""

from __future__ import annotations

__all__ = ["Goexit", "Panic"]


class Panic(Exception):
    """Raised where Go would panic; the message is Go's own text.

    Go: ``panic("send on closed channel")``
    """


class Goexit(BaseException):
    """Unwinds a goroutine that the runtime is stopping (like ``runtime.Goexit``).

    A ``BaseException`` so that ``except Exception`` in user code does not
    swallow it; ``finally`` blocks and ``with`` statements still run.
    """
