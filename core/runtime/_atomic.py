"""Go's ``sync/atomic`` for int64."""

from __future__ import annotations

import threading

from core.runtime._goroutine import _me, current_runtime, trace_make
from core.runtime._ids import next_object_id
from core.trace import Kind

__all__ = ["AtomicInt64"]

_MOD = 1 << 64
_HALF = 1 << 63


def _wrap(v: int) -> int:
    """Two's-complement int64 overflow, as Go's atomic.AddInt64 wraps."""
    return ((v + _HALF) % _MOD) - _HALF


class AtomicInt64:
    """An int64 updated atomically: every operation is indivisible.

    Go: ``atomic.Int64``
    """

    __slots__ = ("_l", "_rt", "_v", "id", "name")

    def __init__(self, value: int = 0, *, name: str | None = None) -> None:
        self.id = next_object_id()
        self.name = name or f"atomic-{self.id}"
        self._rt = current_runtime()
        self._l = threading.Lock()
        self._v = _wrap(int(value))
        trace_make(self._rt, self, "AtomicInt64")

    def _trace(self, op: str, v: int) -> None:
        tr = self._rt.tracer
        if tr is not None:
            tr.emit(Kind.ATOMIC, g=_me().id, obj=self.id, name=self.name, value=str(v), extra=(op,))

    def load(self) -> int:
        """Go: ``x.Load()``"""
        rt = self._rt
        if rt._gating:
            rt._checkpoint("atomic.Load", self)
        return self._v

    def store(self, value: int) -> None:
        """Go: ``x.Store(v)``"""
        rt = self._rt
        if rt._gating:
            rt._checkpoint("atomic.Store", self)
        with self._l:
            self._v = v = _wrap(int(value))
            if rt.tracer is not None:
                self._trace("store", v)

    def add(self, delta: int) -> int:
        """Add *delta*; returns the new value. Go: ``x.Add(delta)``"""
        rt = self._rt
        if rt._gating:
            rt._checkpoint("atomic.Add", self)
        with self._l:
            self._v = v = _wrap(self._v + delta)
            if rt.tracer is not None:
                self._trace("add", v)
        return v

    def swap(self, value: int) -> int:
        """Store *value*; returns the old one. Go: ``x.Swap(v)``"""
        rt = self._rt
        if rt._gating:
            rt._checkpoint("atomic.Swap", self)
        with self._l:
            old = self._v
            self._v = v = _wrap(int(value))
            if rt.tracer is not None:
                self._trace("swap", v)
        return old

    def compare_and_swap(self, old: int, new: int) -> bool:
        """Store *new* if the value is *old*; True if it did. Go: ``x.CompareAndSwap(old, new)``"""
        rt = self._rt
        if rt._gating:
            rt._checkpoint("atomic.CompareAndSwap", self)
        with self._l:
            if self._v != old:
                return False
            self._v = v = _wrap(int(new))
            if rt.tracer is not None:
                self._trace("cas", v)
        return True

    def __repr__(self) -> str:
        return f"<AtomicInt64 {self.name!r} {self._v}>"
