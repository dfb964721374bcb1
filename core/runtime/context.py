"""Go's ``context`` package: cancellation, deadlines and values down a tree.

A context is done when its ``done()`` channel is closed; ``err()`` then
says why, with the same error instance for every descendant ended by the
same cause. Cancelling a context cancels its whole subtree, never its
parent. Deadlines run on the runtime clock.

``cause(ctx)`` says more than ``err()`` when the context was ended through
``with_cancel_cause``'s cancel, or by a deadline of ``with_deadline_cause``;
``after_func`` runs a function once a context is done; ``without_cancel``
keeps a context's values but none of its ending.
"""

from __future__ import annotations

import threading
from typing import Any

from core.runtime._chan import Chan
from core.runtime._clock import TimerEntry
from core.runtime._errors import Panic
from core.runtime._goroutine import _me, current_runtime, trace_make
from core.runtime._ids import next_object_id
from core.trace import Kind

__all__ = [
    "CancelCauseFunc",
    "CancelFunc",
    "Canceled",
    "Context",
    "ContextError",
    "DeadlineExceeded",
    "after_func",
    "background",
    "cause",
    "todo",
    "with_cancel",
    "with_cancel_cause",
    "with_deadline",
    "with_deadline_cause",
    "with_timeout",
    "with_timeout_cause",
    "with_value",
    "without_cancel",
]


class ContextError(Exception):
    """Why a context ended."""


class Canceled(ContextError):
    """Go: ``context.Canceled``."""

    def __init__(self, message: str = "context canceled") -> None:
        super().__init__(message)


class DeadlineExceeded(ContextError, TimeoutError):
    """Go: ``context.DeadlineExceeded``."""

    def __init__(self, message: str = "context deadline exceeded") -> None:
        super().__init__(message)


CancelFunc = Any  # Callable[[], None]
CancelCauseFunc = Any  # Callable[[BaseException | None], None]


class Context:
    """The interface every context has. Go: ``context.Context``"""

    id: int = 0
    name: str = "context"
    parent: Context | None = None

    def done(self) -> Chan | None:
        """A channel closed when the context ends; None if it never ends."""
        return None

    def err(self) -> ContextError | None:
        """None while live; then a ``Canceled`` or ``DeadlineExceeded`` instance."""
        return None

    def deadline(self) -> float | None:
        """The runtime time at which it ends by itself, or None."""
        return None

    def value(self, key: Any) -> Any:
        """The value for *key* up the chain; None when missing."""
        return None

    def _cancel_node(self) -> _CancelCtx | None:
        """The nearest cancellable ancestor-or-self, or None."""
        return None


class _Background(Context):
    def __init__(self, name: str) -> None:
        self.id = next_object_id()
        self.name = name

    def __repr__(self) -> str:
        return f"context.{self.name.capitalize()}"


_background = _Background("background")
_todo = _Background("todo")


def background() -> Context:
    """Never done: ``done()`` is None (a nil channel). Go: ``context.Background()``"""
    return _background


def todo() -> Context:
    """Go: ``context.TODO()``"""
    return _todo


class _CancelCtx(Context):
    parent: Context  # never None: every constructor checks its parent (_check_parent)

    def __init__(
        self, parent: Context, name: str | None, kind: str, deadline: float | None
    ) -> None:
        self.id = next_object_id()
        self.name = name or f"ctx-{self.id}"
        self.parent = parent
        self._rt = current_runtime()
        self._lock = threading.Lock()
        self._done = Chan(0, name=f"{self.name}.Done")
        # Guarded by self._lock: _err and _cause are set once, together (a cause given
        # as None is the error itself, as in Go); _children only while live. A child
        # is a _CancelCtx or an _AfterFunc: anything with _cancel(err, remove, cause).
        self._err: ContextError | None = None
        self._cause: BaseException | None = None
        self._children: set[_CancelCtx | _AfterFunc] = set()
        self._deadline = deadline
        self._timer: TimerEntry | None = None  # a deadline's pending entry
        trace_make(self._rt, self, "Context", (parent.id, deadline, kind, self._done.id))

    def done(self) -> Chan:
        return self._done

    def err(self) -> ContextError | None:
        return self._err

    def deadline(self) -> float | None:
        return self._deadline

    def value(self, key: Any) -> Any:
        return self.parent.value(key) if self.parent is not None else None

    def _cancel_node(self) -> _CancelCtx:
        return self

    def _cancel(
        self, err: ContextError, remove_from_parent: bool, cause: BaseException | None = None
    ) -> None:
        """End this context and its subtree with *err* (and *cause*, default *err*).

        Only the first call counts. Go: ``cancelCtx.cancel(removeFromParent, err, cause)``
        """
        if cause is None:
            cause = err
        with self._lock:
            if self._err is not None:
                return
            self._err = err
            self._cause = cause
            children, self._children = self._children, set()
            timer, self._timer = self._timer, None
            tr = self._rt.tracer
            if tr is not None:
                tr.emit(
                    Kind.CTX_CANCEL,
                    g=_me().id,
                    obj=self.id,
                    name=self.name,
                    value=str(err),
                    extra=(
                        self.parent.id if self.parent else 0,
                        "" if cause is err else str(cause),
                    ),
                )
            self._done.close()
        if timer is not None:
            self._rt.clock.cancel(timer)
        for child in children:
            child._cancel(err, False, cause)
        if remove_from_parent:
            node = self.parent._cancel_node() if self.parent is not None else None
            if node is not None:
                node._remove_child(self)

    def _attach(self) -> None:
        """Join the parent's subtree; end at once if the parent already ended."""
        _propagate_cancel(self.parent, self)

    def _remove_child(self, child: _CancelCtx | _AfterFunc) -> None:
        with self._lock:
            self._children.discard(child)

    def __repr__(self) -> str:
        state = "live" if self._err is None else str(self._err)
        return f"<Context {self.name!r} {state}>"


def _propagate_cancel(parent: Context, child: _CancelCtx | _AfterFunc) -> None:
    """Arrange for *child* to end when *parent* does; end it at once, with the parent's
    error and cause, if the parent already ended. Go: ``propagateCancel``
    """
    node = parent._cancel_node()
    if node is None:
        return  # the parent never ends
    with node._lock:
        err, why = node._err, node._cause
        if err is None:
            node._children.add(child)
            return
    child._cancel(err, False, why)


class _AfterFunc:
    """What ``after_func`` registers: a child of the context that starts *fn* once.

    Either the context's end starts *fn* in a new goroutine, or ``stop`` prevents
    it; whichever comes first wins (Go's ``afterFuncCtx`` and its ``sync.Once``).
    """

    __slots__ = ("__weakref__", "_claimed", "_fn", "_lock", "_node", "_rt")

    def __init__(self, ctx: Context, fn: Any) -> None:
        self._rt = current_runtime()
        self._fn = fn
        self._node = ctx._cancel_node()
        self._lock = threading.Lock()
        self._claimed = False  # guarded by self._lock: fn started, or stopped

    def _claim(self) -> bool:
        with self._lock:
            if self._claimed:
                return False
            self._claimed = True
            return True

    def _cancel(
        self, err: ContextError, remove_from_parent: bool, cause: BaseException | None = None
    ) -> None:
        if not self._claim():
            return
        if remove_from_parent and self._node is not None:
            self._node._remove_child(self)
        self._rt.go(self._fn)

    def stop(self) -> bool:
        if not self._claim():
            return False
        if self._node is not None:
            self._node._remove_child(self)
        return True


class _WithoutCancel(Context):
    """A child with the parent's values and nothing of its ending. Go: ``withoutCancelCtx``"""

    parent: Context  # never None (_check_parent)

    def __init__(self, parent: Context) -> None:
        self.id = next_object_id()
        self.name = f"without_cancel({parent.name})"
        self.parent = parent
        trace_make(current_runtime(), self, "Context", (parent.id, None, "without_cancel", 0))

    def value(self, key: Any) -> Any:
        return self.parent.value(key)

    # done(), err(), deadline(): None, as Context's; _cancel_node(): None, so that
    # nothing is attached to the parent and cause() is err(), None (as Go's Cause).

    def __repr__(self) -> str:
        return f"<Context {self.name!r} without cancel>"


class _ValueCtx(Context):
    parent: Context  # never None (_check_parent)

    def __init__(self, parent: Context, key: Any, val: Any, name: str | None = None) -> None:
        self.id = next_object_id()
        self.name = name or f"value({key!r})"
        self.parent = parent
        self._key = key
        self._val = val
        done = parent.done()
        trace_make(
            current_runtime(),
            self,
            "Context",
            (parent.id, parent.deadline(), "value", done.id if done else 0),
        )

    def done(self) -> Chan | None:
        return self.parent.done()

    def err(self) -> ContextError | None:
        return self.parent.err()

    def deadline(self) -> float | None:
        return self.parent.deadline()

    def value(self, key: Any) -> Any:
        if key == self._key:
            return self._val
        return self.parent.value(key)

    def _cancel_node(self) -> _CancelCtx | None:
        return self.parent._cancel_node()


def _check_parent(parent: Context | None) -> None:
    if parent is None:
        raise Panic("cannot create context from nil parent")


def with_cancel(parent: Context, *, name: str | None = None) -> tuple[Context, CancelFunc]:
    """A child that ends when ``cancel()`` is called or the parent ends.

    ``cancel`` is idempotent and cancels every descendant; it never blocks.

    Raises:
        Panic: "cannot create context from nil parent" if *parent* is None.

    Go: ``ctx, cancel := context.WithCancel(parent)``
    """
    _check_parent(parent)
    ctx = _CancelCtx(parent, name, "cancel", parent.deadline())
    ctx._attach()
    return ctx, lambda: ctx._cancel(Canceled(), remove_from_parent=True)


def with_cancel_cause(
    parent: Context, *, name: str | None = None
) -> tuple[Context, CancelCauseFunc]:
    """As :func:`with_cancel`, but ``cancel(cause)`` also records why.

    ``err()`` is still ``Canceled``; ``cause(ctx)`` (and ``cause`` of every
    descendant it ends) is *cause*, or the error when *cause* is None. Only the
    first end counts: a cancel after the context ended sets no cause.

    Raises:
        Panic: "cannot create context from nil parent" if *parent* is None.

    Go: ``ctx, cancel := context.WithCancelCause(parent)``; ``cancel(cause)``
    """
    _check_parent(parent)
    ctx = _CancelCtx(parent, name, "cancel", parent.deadline())
    ctx._attach()

    def cancel(cause: BaseException | None = None) -> None:
        ctx._cancel(Canceled(), True, cause)

    return ctx, cancel


def cause(ctx: Context) -> BaseException | None:
    """Why *ctx* ended: None while it is live.

    The first end of *ctx* or of one of its ancestors sets it: the cause given
    to a ``with_cancel_cause`` cancel, or of a ``with_deadline_cause`` deadline;
    otherwise (a cause of None, a plain cancel or deadline) ``ctx.err()``. A
    ``without_cancel`` context has none.

    Go: ``context.Cause(ctx)``
    """
    node = ctx._cancel_node()
    if node is not None:
        with node._lock:
            why = node._cause
        if why is not None:
            return why
    return ctx.err()


def with_deadline(
    parent: Context, t: float, *, name: str | None = None
) -> tuple[Context, CancelFunc]:
    """A child that ends at runtime time *t*, or earlier with its parent.

    Raises:
        Panic: "cannot create context from nil parent" if *parent* is None.

    Go: ``context.WithDeadline(parent, t)``
    """
    return with_deadline_cause(parent, t, None, name=name)


def with_deadline_cause(
    parent: Context, t: float, cause: BaseException | None, *, name: str | None = None
) -> tuple[Context, CancelFunc]:
    """As :func:`with_deadline`; when the deadline passes, ``cause(ctx)`` is *cause*.

    The returned ``cancel`` sets no cause. When the parent's deadline is
    earlier, the child is a plain cancel context and *cause* is never used (as in Go).

    Raises:
        Panic: "cannot create context from nil parent" if *parent* is None.

    Go: ``context.WithDeadlineCause(parent, t, cause)``
    """
    _check_parent(parent)
    pd = parent.deadline()
    if pd is not None and pd <= t:
        # The parent ends first: this is just a cancel context (as Go does).
        return with_cancel(parent, name=name)
    ctx = _CancelCtx(parent, name, "deadline", t)
    ctx._attach()
    if ctx._err is None:
        clock = ctx._rt.clock
        if t <= clock.now():
            ctx._cancel(DeadlineExceeded(), True, cause)
        else:
            entry = clock.schedule(t, lambda: ctx._cancel(DeadlineExceeded(), True, cause))
            with ctx._lock:
                if ctx._err is None:
                    ctx._timer = entry
                else:
                    clock.cancel(entry)
    return ctx, lambda: ctx._cancel(Canceled(), remove_from_parent=True)


def with_timeout(
    parent: Context, d: float, *, name: str | None = None
) -> tuple[Context, CancelFunc]:
    """A child that ends *d* runtime seconds from now, or earlier with its parent.

    Raises:
        Panic: "cannot create context from nil parent" if *parent* is None.

    Go: ``context.WithTimeout(parent, d)``
    """
    return with_timeout_cause(parent, d, None, name=name)


def with_timeout_cause(
    parent: Context, d: float, cause: BaseException | None, *, name: str | None = None
) -> tuple[Context, CancelFunc]:
    """As :func:`with_timeout`; when the time is up, ``cause(ctx)`` is *cause*.

    Raises:
        Panic: "cannot create context from nil parent" if *parent* is None.

    Go: ``context.WithTimeoutCause(parent, d, cause)``
    """
    _check_parent(parent)
    return with_deadline_cause(parent, current_runtime().clock.now() + d, cause, name=name)


def with_value(parent: Context, key: Any, value: Any, *, name: str | None = None) -> Context:
    """A child carrying *key* -> *value* (*name* is what the stage calls it).

    Raises:
        Panic: "cannot create context from nil parent" if *parent* is None;
            "nil key" if *key* is None.

    Go: ``context.WithValue(parent, key, val)``
    """
    _check_parent(parent)
    if key is None:
        raise Panic("nil key")
    return _ValueCtx(parent, key, value, name)


def without_cancel(parent: Context) -> Context:
    """A child that keeps *parent*'s values but never ends, whatever the parent does.

    ``done()``, ``err()``, ``deadline()`` and ``cause()`` are None.

    Raises:
        Panic: "cannot create context from nil parent" if *parent* is None.

    Go: ``context.WithoutCancel(parent)``
    """
    _check_parent(parent)
    return _WithoutCancel(parent)


def after_func(ctx: Context, fn: Any) -> Any:
    """Run ``fn()`` in its own goroutine once *ctx* is done; returns ``stop``.

    If *ctx* is already done, ``fn`` starts at once. Neither call blocks: the
    cancel that ends *ctx* does not wait for ``fn``. ``stop()`` returns True if
    it stopped ``fn`` from being run; False if ``fn`` was already started or
    already stopped (it does not wait for a started ``fn`` to finish). Several
    ``after_func`` on one context are independent.

    Go: ``stop := context.AfterFunc(ctx, f)``
    """
    a = _AfterFunc(ctx, fn)
    _propagate_cancel(ctx, a)
    return a.stop
