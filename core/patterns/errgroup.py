"""errgroup and a semaphore: run tasks together, stop them all at the first error.

A :class:`Group` runs functions in goroutines and waits for all of them;
``wait()`` returns the first error any of them raised. Made with
:func:`with_context`, the group also owns a derived context that is
cancelled at that first error, so the other tasks (which watch it) stop
early instead of finishing work nobody needs. ``set_limit(n)`` caps how
many of its goroutines run at once.

A :class:`Semaphore` is a buffered channel of *n* slots: acquiring sends a
token (blocks while all *n* slots are taken), releasing receives one.

Go: ``golang.org/x/sync/errgroup`` and the channel semaphore of Effective Go
(``golang.org/x/sync/semaphore`` is the weighted version)::

    g, ctx := errgroup.WithContext(ctx)
    g.SetLimit(3)
    for _, url := range urls {
        g.Go(func() error { return fetch(ctx, url) })
    }
    if err := g.Wait(); err != nil { ... }

    sem := make(chan struct{}, n)
    sem <- struct{}{}        // acquire
    defer func() { <-sem }() // release
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

from core.runtime import (
    Chan,
    Goroutine,
    Once,
    Panic,
    Recv,
    Send,
    WaitGroup,
    go,
    next_object_id,
    select,
    trace_pattern,
)
from core.runtime import context as _context

__all__ = ["Group", "Semaphore", "with_context"]


class Semaphore:
    """At most *n* holders at once: a buffered channel of *n* slots.

    Usable as ``with sem:`` (acquire without a context, release on exit).

    Raises:
        ValueError: *n* is below 1.

    Go: ``sem := make(chan struct{}, n)``
    """

    def __init__(self, n: int, *, name: str = "semaphore") -> None:
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n!r}")
        self.name = name
        self._slots = Chan(n, name=name)  # one token in the buffer per holder

    @property
    def capacity(self) -> int:
        return self._slots.cap

    def in_use(self) -> int:
        """How many slots are held now. Never blocks."""
        return len(self._slots)

    def acquire(self, ctx: Any = None) -> None:
        """Take a slot; blocks (a channel send) while all of them are held.

        With *ctx*, the send is a ``select`` with ``ctx.done()``.

        Raises:
            ContextError: ``ctx.err()`` when *ctx* is done before a slot is
                free (also when it is already done on entry).

        Go: ``sem <- struct{}{}`` / ``select { case sem <- struct{}{}: case <-ctx.Done(): }``
        """
        if ctx is None:
            self._slots.send("token")
            return
        err = ctx.err()
        if err is not None:
            raise err
        i, _, _ = select(Send(self._slots, "token"), Recv(ctx.done()))
        if i == 1:
            raise ctx.err()

    def try_acquire(self) -> bool:
        """Take a slot if one is free; never blocks.

        Go: ``select { case sem <- struct{}{}: return true; default: return false }``
        """
        i, _, _ = select(Send(self._slots, "token"), default=True)
        return i == 0

    def release(self) -> None:
        """Give a slot back; never blocks.

        Raises:
            Panic: "semaphore: released more than held" when no slot is held
                (Go's ``x/sync/semaphore`` panics with these words).

        Go: ``<-sem``
        """
        i, _, _ = select(Recv(self._slots), default=True)
        if i == -1:
            raise Panic("semaphore: released more than held")

    def __enter__(self) -> Semaphore:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class Group:
    """A set of goroutines working on one task; ``wait()`` returns the first error.

    Use :func:`with_context` to get a group whose context is cancelled by
    the first error. A zero ``Group()`` has no context and no limit.

    Go: ``var g errgroup.Group``
    """

    def __init__(self, *, name: str = "errgroup") -> None:
        self.name = name
        self._wg = WaitGroup(name=f"{name}.wg")
        self._err_once = Once(name=f"{name}.err")
        self._err: Exception | None = None  # written once, inside self._err_once
        self._cancel: Callable[[], None] | None = None
        self._sem: Semaphore | None = None
        self._numbers = itertools.count(1)  # names the goroutines; next() is atomic
        # For the picture (guarded by _count_lock, a plain lock: not part of the program):
        # members started, running now, ended fine, failed, stopped by the context.
        self.id = next_object_id()
        self._count_lock = threading.Lock()
        self._counts = {"started": 0, "running": 0, "ok": 0, "failed": 0, "cancelled": 0}
        self._first = ""  # the first error's text, and who raised it
        self._first_by = ""
        self._trace("made", "a group of goroutines; wait() returns the first error")

    def _trace(self, what: str, text: str, over: bool = False) -> None:
        """Record the group's members after *what* (caller holds _count_lock, or owns it).

        Fields: members ``started``, ``running``, ended ``ok``, ``failed``
        (an error of their own), ``cancelled`` (stopped by the group's
        context), the ``first`` error and who raised it (``first_by``), and
        the ``limit`` (0: none), and whether ``wait`` returned (``over``).
        """
        trace_pattern(
            self.id,
            self.name,
            "errgroup",
            what,
            text,
            **self._counts,
            first=self._first,
            first_by=self._first_by,
            limit=self._sem.capacity if self._sem is not None else 0,
            over=over,
        )

    def _ended(self, how: str, who: str, err: Exception | None = None) -> None:
        """Count a member that returned (the first error was recorded by its Once)."""
        with self._count_lock:
            c = self._counts
            c["running"] -= 1
            c[how] += 1
            if how == "ok":
                self._trace("ended", f"{who} returned nil")
            elif who == self._first_by:
                self._trace(how, f"{who} ended with the group's first error")
            elif how == "cancelled":
                self._trace("cancelled", f"{who} stopped: its context was cancelled ({err})")
            else:
                self._trace("failed", f"{who} failed too ({err}); only the first error counts")

    def set_limit(self, n: int) -> None:
        """Allow at most *n* of the group's goroutines at once (negative: no limit).

        Raises:
            ValueError: *n* is 0 (Go's limit 0 blocks every ``Go`` for ever).
            Panic: "errgroup: modify limit while N goroutines in the group
                are still active" (Go's words).

        Go: ``g.SetLimit(n)``
        """
        if n == 0:
            raise ValueError("limit must be >= 1, or negative for no limit")
        if self._sem is not None and self._sem.in_use() != 0:
            raise Panic(
                f"errgroup: modify limit while {self._sem.in_use()} goroutines "
                "in the group are still active"
            )
        self._sem = Semaphore(n, name=f"{self.name}.limit") if n > 0 else None

    def go(self, fn: Callable[..., Any], *args: Any, name: str | None = None) -> Goroutine:
        """Run ``fn(*args)`` in a new goroutine of the group; returns it.

        With a limit, blocks the caller until one of the group's goroutines
        is free (a semaphore acquire). An ``Exception`` raised by ``fn`` is
        the group's error if it is the first (and cancels the group's
        context).

        Go: ``g.Go(func() error { ... })``
        """
        sem = self._sem
        if sem is not None:
            sem.acquire()
        return self._start(fn, args, name, sem)

    def try_go(self, fn: Callable[..., Any], *args: Any, name: str | None = None) -> bool:
        """Like :meth:`go`, but never blocks: returns False when the limit is reached.

        Go: ``g.TryGo(func() error { ... })``
        """
        sem = self._sem
        if sem is not None and not sem.try_acquire():
            return False
        self._start(fn, args, name, sem)
        return True

    def _start(
        self, fn: Callable[..., Any], args: tuple, name: str | None, sem: Semaphore | None
    ) -> Goroutine:
        self._wg.add(1)
        name = name or f"{self.name}-{next(self._numbers)}"
        with self._count_lock:
            self._counts["started"] += 1
            self._counts["running"] += 1
            self._trace("go", f"started {name}")
        return go(self._run, fn, args, sem, name, name=name)

    def _run(self, fn: Callable[..., Any], args: tuple, sem: Semaphore | None, who: str) -> None:
        how, failure = "ok", None
        try:
            fn(*args)
        except Exception as exc:
            err = failure = exc  # `exc` is unbound when the except block ends
            how = "cancelled" if isinstance(err, _context.ContextError) else "failed"

            def first() -> None:
                self._err = err
                with self._count_lock:
                    self._first, self._first_by = str(err) or type(err).__name__, who
                    text = f"{who} returned the first error ({err}): the context is cancelled"
                    self._trace("first error", text)
                if self._cancel is not None:
                    self._cancel()

            self._err_once.do(first)
        finally:
            self._ended(how, who, failure)
            if sem is not None:
                sem.release()
            self._wg.done()

    def wait(self) -> Exception | None:
        """Block until every goroutine of the group returned; return the first error.

        Returns None when none raised. Cancels the group's context (if any).

        Go: ``err := g.Wait()``
        """
        self._wg.wait()
        if self._cancel is not None:
            self._cancel()
        with self._count_lock:
            said = f"the first error: {self._first}" if self._first else "nil"
            self._trace("waited", f"wait() returned {said}", over=True)
        return self._err


def with_context(ctx: Any, *, name: str = "errgroup") -> tuple[Group, Any]:
    """A new group and a context derived from *ctx*, cancelled by its first error.

    The context is also cancelled when ``wait()`` returns.

    Go: ``g, ctx := errgroup.WithContext(ctx)``
    """
    gctx, cancel = _context.with_cancel(ctx)
    group = Group(name=name)
    group._cancel = cancel
    return group, gctx
