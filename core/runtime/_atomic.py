"""Go's ``sync/atomic`` types: Bool, Int32, Int64, Uint32, Uint64 and Value.

Every type shares :class:`_Atomic`: one lock per variable makes each
operation indivisible, each operation first passes the runtime's pause gate,
and each change is traced (``Kind.ATOMIC``) inside the lock that made it.
The types differ only in how a Python value becomes a value of the type
(:meth:`_Atomic._new`): the integers wrap around at their width, as Go's
arithmetic does; a ``Value`` checks that every store has the first one's type.
"""

from __future__ import annotations

import threading
from typing import Any

from core.runtime._errors import Panic
from core.runtime._goroutine import _me, current_runtime, trace_make
from core.runtime._ids import next_object_id
from core.trace import Kind, short_repr

__all__ = [
    "AtomicBool",
    "AtomicInt32",
    "AtomicInt64",
    "AtomicUint32",
    "AtomicUint64",
    "AtomicValue",
]


class _Atomic:
    """What every atomic type shares: load, store, swap and compare-and-swap.

    None of them blocks (beyond the pause gate of a paused runtime).
    A subclass says how a value is converted to its type (:meth:`_new`,
    :meth:`_old`) and how it is shown in the trace (:meth:`_text`).
    """

    __slots__ = ("_l", "_rt", "_v", "id", "name")

    def __init__(self, value: Any, name: str | None) -> None:
        """*value* is already a value of the type (see :meth:`_new`)."""
        self.id = next_object_id()
        self.name = name or f"atomic-{self.id}"
        self._rt = current_runtime()
        self._l = threading.Lock()
        self._v = value  # already of this type (None: a Value not yet stored)
        trace_make(self._rt, self, type(self).__name__)

    # -- what a subclass decides ----------------------------------------------------------

    def _new(self, op: str, value: Any) -> Any:
        """*value* as a value of this type, to be stored by *op*; called under ``self._l``.

        Raises Panic where Go would (a ``Value``'s nil or inconsistently typed value).
        """
        raise NotImplementedError

    def _old(self, old: Any) -> Any:
        """The *old* of ``compare_and_swap`` as a value of this type (to compare)."""
        return self._new("cas", old)

    def _text(self, v: Any) -> str:
        """How the trace shows a value of this type."""
        return str(v)

    # -- the operations -------------------------------------------------------------------

    def _trace(self, op: str, v: Any) -> None:
        tr = self._rt.tracer
        if tr is not None:
            tr.emit(Kind.ATOMIC, _me().id, self.id, self.name, self._text(v), (op,))

    def load(self) -> Any:
        """The value; never blocks. Go: ``x.Load()``"""
        rt = self._rt
        if rt._gating:
            rt._checkpoint("atomic.Load", self)
        return self._v

    def store(self, value: Any) -> None:
        """Set the value to *value*; never blocks. Go: ``x.Store(v)``"""
        rt = self._rt
        if rt._gating:
            rt._checkpoint("atomic.Store", self)
        with self._l:
            self._v = v = self._new("store", value)
            if rt.tracer is not None:
                self._trace("store", v)

    def swap(self, value: Any) -> Any:
        """Store *value* and return the old value, in one step. Go: ``x.Swap(v)``"""
        rt = self._rt
        if rt._gating:
            rt._checkpoint("atomic.Swap", self)
        with self._l:
            v = self._new("swap", value)
            old, self._v = self._v, v
            if rt.tracer is not None:
                self._trace("swap", v)
        return old

    def compare_and_swap(self, old: Any, new: Any) -> bool:
        """Store *new* if the value is *old*, in one step; True if it did.

        Go: ``x.CompareAndSwap(old, new)``
        """
        rt = self._rt
        if rt._gating:
            rt._checkpoint("atomic.CompareAndSwap", self)
        with self._l:
            v = self._new("cas", new)
            if self._v != self._old(old):
                return False
            self._v = v
            if rt.tracer is not None:
                self._trace("cas", v)
        return True

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} {self._v!r}>"


class _AtomicInt(_Atomic):
    """An integer of ``_BITS`` bits, signed or not, that wraps around like Go's.

    Every value given (to the constructor, ``store``, ``swap``, ``add``, either
    argument of ``compare_and_swap``) is converted as Go's ``intN(x)`` or ``uintN(x)``
    conversion does: modulo 2**bits. So ``AtomicUint32(0).add(-1)`` is 4294967295,
    Go's ``Add(^uint32(0))``.
    """

    __slots__ = ()
    _BITS = 64
    _SIGNED = True
    # Set from _BITS and _SIGNED for each subclass: wrapping is ((v + _HALF) & _MASK) - _HALF.
    _MASK = (1 << 64) - 1
    _HALF = 1 << 63

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._MASK = (1 << cls._BITS) - 1
        cls._HALF = 1 << (cls._BITS - 1) if cls._SIGNED else 0

    def __init__(self, value: int = 0, *, name: str | None = None) -> None:
        super().__init__(self._new("init", value), name)

    def _new(self, op: str, value: Any) -> int:
        half = self._HALF
        return ((int(value) + half) & self._MASK) - half

    def add(self, delta: int) -> int:
        """Add *delta*, wrapping around; returns the new value. Go: ``x.Add(delta)``"""
        rt = self._rt
        if rt._gating:
            rt._checkpoint("atomic.Add", self)
        with self._l:
            self._v = v = self._new("add", self._v + delta)
            if rt.tracer is not None:
                self._trace("add", v)
        return v


class AtomicInt32(_AtomicInt):
    """An int32 updated atomically: every operation is indivisible.

    Go: ``atomic.Int32``
    """

    __slots__ = ()
    _BITS = 32


class AtomicInt64(_AtomicInt):
    """An int64 updated atomically: every operation is indivisible.

    Go: ``atomic.Int64``
    """

    __slots__ = ()


class AtomicUint32(_AtomicInt):
    """A uint32 updated atomically: every operation is indivisible.

    Go: ``atomic.Uint32``
    """

    __slots__ = ()
    _BITS = 32
    _SIGNED = False


class AtomicUint64(_AtomicInt):
    """A uint64 updated atomically: every operation is indivisible.

    Go: ``atomic.Uint64``
    """

    __slots__ = ()
    _SIGNED = False


class AtomicBool(_Atomic):
    """A bool updated atomically: ``load``, ``store``, ``swap``, ``compare_and_swap``.

    A value given is taken as ``bool(value)``. Go: ``atomic.Bool``
    """

    __slots__ = ()

    def __init__(self, value: bool = False, *, name: str | None = None) -> None:
        super().__init__(bool(value), name)

    def _new(self, op: str, value: Any) -> bool:
        return bool(value)


# Go's panic texts (sync/atomic/value.go), by operation: a nil value, a value of
# another type than the first one stored.
_NIL = {
    "store": "sync/atomic: store of nil value into Value",
    "swap": "sync/atomic: swap of nil value into Value",
    "cas": "sync/atomic: compare and swap of nil value into Value",
}
_INCONSISTENT = {
    "store": "sync/atomic: store of inconsistently typed value into Value",
    "swap": "sync/atomic: swap of inconsistently typed value into Value",
    "cas": "sync/atomic: compare and swap of inconsistently typed value into Value",
}


class AtomicValue(_Atomic):
    """A value of one consistent type, loaded and stored atomically.

    ``load()`` is None before the first store. Every store, swap and
    compare-and-swap must give a value of the type of the first one stored
    (``type(v)``, exactly: ``True`` is not an ``int`` here, as a Go ``bool``
    is not an ``int``). Values are compared with ``==``, as Go compares two
    interface values of the same type.

    Raises:
        Panic: Go's texts, "sync/atomic: store of nil value into Value" and
            "sync/atomic: store of inconsistently typed value into Value" (and
            the same with "swap of" and "compare and swap of").

    Go: ``atomic.Value``
    """

    __slots__ = ()

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(None, name)

    def _new(self, op: str, value: Any) -> Any:
        if value is None:
            raise Panic(_NIL[op])
        if self._v is not None and type(value) is not type(self._v):
            raise Panic(_INCONSISTENT[op])
        return value

    def _old(self, old: Any) -> Any:
        return old

    def _text(self, v: Any) -> str:
        return short_repr(v)

    def store(self, value: Any) -> None:
        """Set the value to *value*; never blocks.

        Raises:
            Panic: "sync/atomic: store of nil value into Value" if *value* is None;
                "sync/atomic: store of inconsistently typed value into Value" if its
                type is not the type of the first value stored.

        Go: ``v.Store(val)``
        """
        super().store(value)

    def swap(self, value: Any) -> Any:
        """Store *value*; returns the old value (None if there was none); never blocks.

        Raises:
            Panic: "sync/atomic: swap of nil value into Value" if *value* is None;
                "sync/atomic: swap of inconsistently typed value into Value" if its
                type is not the type of the first value stored.

        Go: ``v.Swap(new)``
        """
        return super().swap(value)

    def compare_and_swap(self, old: Any, new: Any) -> bool:
        """Store *new* if the value is *old* (None: no value yet); True if it did.

        An *old* of the stored value's type that is not equal to it, or an
        *old* of None once a value is stored, returns False.

        Raises:
            Panic: "sync/atomic: compare and swap of nil value into Value" if *new*
                is None; "sync/atomic: compare and swap of inconsistently typed
                values" if *old* is not None and not of *new*'s type;
                "sync/atomic: compare and swap of inconsistently typed value into
                Value" if *new* is not of the stored value's type.

        Go: ``v.CompareAndSwap(old, new)``
        """
        if new is None:
            raise Panic(_NIL["cas"])
        if old is not None and type(old) is not type(new):
            raise Panic("sync/atomic: compare and swap of inconsistently typed values")
        return super().compare_and_swap(old, new)
