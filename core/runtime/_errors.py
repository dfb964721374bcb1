"""Panic, Fatal and Goexit: how the runtime says what Go would say."""

from __future__ import annotations

__all__ = ["Fatal", "Goexit", "Panic"]


class Panic(Exception):
    """Raised where Go would panic; the message is Go's own text.

    Go: ``panic("send on closed channel")``
    """


class Fatal(BaseException):
    """Go's unrecoverable ``fatal error:`` (unlock of an unlocked mutex, a global deadlock).

    A ``BaseException``: ``except Panic`` and ``except Exception`` do not catch
    it, as ``recover`` cannot stop a fatal error in Go. The message is Go's
    text without the ``fatal error: `` prefix.
    """


class Goexit(BaseException):
    """Ends the calling goroutine after its ``finally`` blocks, as Go's ``runtime.Goexit()``.

    The runtime also raises it to unwind a goroutine it is stopping. A
    ``BaseException`` so that ``except Exception`` in user code does not
    swallow it; ``finally`` blocks and ``with`` statements still run.
    """
