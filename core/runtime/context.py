"""Go's ``context`` package: cancellation, deadlines and values down a tree.

A context is done when its ``done()`` channel is closed; ``err()`` then
says why, with the same error instance for every descendant ended by the
same cause. Cancelling a context cancels its whole subtree, never its
parent. Deadlines run on the runtime clock.
"""

from __future__ import annotations

import threading
from typing import Any

from core.runtime._chan import Chan
from core.runtime._goroutine import _me, current_runtime, trace_make
from core.runtime._ids import next_object_id
from core.trace import Kind

__all__ = [
    "CancelFunc",
    "Canceled",
    "Context",
    "ContextError",
    "DeadlineExceeded",
    "background",
    "todo",
    "with_cancel",
    "with_deadline",
    "with_timeout",
    "with_value",
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
    def __init__(
        self, parent: Context, name: str | None, kind: str, deadline: float | None
    ) -> None:
        self.id = next_object_id()
        self.name = name or f"ctx-{self.id}"
        self.parent = parent
        self._rt = current_runtime()
        self._lock = threading.Lock()
        self._done = Chan(0, name=f"{self.name}.Done")
        # Guarded by self._lock: _err is set once; _children only while live.
        self._err: ContextError | None = None
        self._children: set[_CancelCtx] = set()
        self._deadline = deadline
        self._timer = None
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

    def _cancel(self, err: ContextError, remove_from_parent: bool) -> None:
        with self._lock:
            if self._err is not None:
                return
            self._err = err
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
                    extra=(self.parent.id if self.parent else 0,),
                )
            self._done.close()
        if timer is not None:
            self._rt.clock.cancel(timer)
        for child in children:
            child._cancel(err, remove_from_parent=False)
        if remove_from_parent:
            node = self.parent._cancel_node() if self.parent is not None else None
            if node is not None:
                with node._lock:
                    node._children.discard(self)

    def _attach(self) -> None:
        """Join the parent's subtree; end at once if the parent already ended."""
        node = self.parent._cancel_node() if self.parent is not None else None
        if node is None:
            return
        with node._lock:
            err = node._err
            if err is None:
                node._children.add(self)
                return
        self._cancel(err, remove_from_parent=False)

    def __repr__(self) -> str:
        state = "live" if self._err is None else str(self._err)
        return f"<Context {self.name!r} {state}>"


class _ValueCtx(Context):
    def __init__(self, parent: Context, key: Any, val: Any) -> None:
        self.id = next_object_id()
        self.name = f"value({key!r})"
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


def with_cancel(parent: Context, *, name: str | None = None) -> tuple[Context, CancelFunc]:
    """A child that ends when ``cancel()`` is called or the parent ends.

    ``cancel`` is idempotent and cancels every descendant. Go:
    ``ctx, cancel := context.WithCancel(parent)``
    """
    ctx = _CancelCtx(parent, name, "cancel", parent.deadline())
    ctx._attach()
    return ctx, lambda: ctx._cancel(Canceled(), remove_from_parent=True)


def with_deadline(
    parent: Context, t: float, *, name: str | None = None
) -> tuple[Context, CancelFunc]:
    """A child that ends at runtime time *t*, or earlier with its parent.

    Go: ``context.WithDeadline(parent, t)``
    """
    pd = parent.deadline()
    if pd is not None and pd <= t:
        # The parent ends first: this is just a cancel context (as Go does).
        return with_cancel(parent, name=name)
    ctx = _CancelCtx(parent, name, "deadline", t)
    ctx._attach()
    if ctx._err is None:
        clock = ctx._rt.clock
        if t <= clock.now():
            ctx._cancel(DeadlineExceeded(), remove_from_parent=True)
        else:
            entry = clock.schedule(t, lambda: ctx._cancel(DeadlineExceeded(), True))
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

    Go: ``context.WithTimeout(parent, d)``
    """
    return with_deadline(parent, current_runtime().clock.now() + d, name=name)


def with_value(parent: Context, key: Any, value: Any) -> Context:
    """A child carrying *key* -> *value*. Go: ``context.WithValue(parent, key, val)``"""
    return _ValueCtx(parent, key, value)
