"""select, with Go's own algorithm (``runtime/select.go``), over ``core.runtime._chan``.

A select locks its channels in id order, polls the cases in a random order
(a ready case wins at random among the ready ones), and if none is ready and
there is no default, parks one waiter on every channel at once; the first
channel to claim the select's one-shot token wins, the others skip it.
"""

from __future__ import annotations

import itertools
from operator import attrgetter
from typing import Any

from core.runtime._chan import (
    Chan,
    _Select,
    _Sudog,
    nil_chan,
)
from core.runtime._errors import Goexit, Panic
from core.runtime._goroutine import State, _me, _tls, current_runtime
from core.trace import Kind

_SELECT = Kind.SELECT

__all__ = ["Recv", "Send", "select"]


class Recv:
    """A receive case of :func:`select`; ``ch`` may be None or ``nil_chan`` (never ready)."""

    __slots__ = ("ch",)
    is_send = False
    value = None

    def __init__(self, ch: Chan | None) -> None:
        # select reads a nil channel as None: one test on its paths, none on the hot ones.
        self.ch = None if ch is nil_chan else ch


class Send:
    """A send case of :func:`select`; ``ch`` may be None or ``nil_chan`` (never ready)."""

    __slots__ = ("ch", "value")
    is_send = True

    def __init__(self, ch: Chan | None, value: Any) -> None:
        self.ch = None if ch is nil_chan else ch
        self.value = value


def select(*cases: Recv | Send, default: bool = False) -> tuple[int, Any, bool]:
    """Wait until one case can proceed, and perform it.

    Returns ``(index, value, ok)``: for a ``Recv`` what ``recv()`` would
    return, for a ``Send`` ``(index, None, True)``. Among several ready cases
    it picks one uniformly at random. With ``default=True`` and no case
    ready it returns ``(-1, None, False)`` at once. A case whose channel is
    None is never ready; with no ready case possible and no default, it
    blocks forever (Go's ``select {}``).

    Raises:
        Panic: "send on closed channel" when the chosen Send's channel is closed.

    Go: ``select { case v, ok := <-a: ... case b <- x: ... default: ... }``
    """
    rt = None
    for c in cases:
        ch = c.ch
        if ch is not None:
            rt = ch._rt
            break
    if rt is None:
        rt = current_runtime()
    if rt._gating:
        rt._checkpoint("select", None)
    order = _poll_order(rt.rng, len(cases))
    if rt.tracer is None:
        # Fast pass: each case under its own lock, in the random order; a
        # case that proceeds is a correct pick. (Traced, the slow path below
        # takes all locks at once so that the ready set it records is one
        # consistent snapshot.)
        for i in order:
            c = cases[i]
            ch = c.ch
            if ch is None:
                continue
            lock = ch._lock
            lock.acquire()
            if c.is_send:
                if ch._closed:
                    lock.release()
                    raise Panic("send on closed channel")
                done, wake = ch._send_locked(c.value)
                if done:
                    lock.release()
                    if wake is not None:
                        wake.g.parker.release()
                    return i, None, True
            else:
                buf = ch._buf
                if buf and not ch._sendq:
                    # The common buffered case, inlined (the same as _recv_locked).
                    value = buf.popleft()
                    ch._received += 1
                    lock.release()
                    return i, value, True
                done, value, ok, wake = ch._recv_locked()
                if done:
                    lock.release()
                    if wake is not None:
                        wake.g.parker.release()
                    return i, value, ok
            lock.release()
        # Nothing was ready when each case was looked at, but that was not
        # one moment: taking the default (or parking) needs the snapshot
        # below, under all the locks (Go: TestNonblockSelectRace).
    locked = _lock_order(cases)
    for ch in locked:
        ch._lock.acquire()
    tr = rt.tracer
    if tr is not None:
        # Traced: one snapshot of the ready cases, under all the locks; only they
        # are tried (a ready case can still fail: its receiver's select was killed).
        ready, shape = _snapshot(cases)
        candidates = ready if len(ready) < 2 else [i for i in order if i in ready]
    else:
        ready, shape, candidates = (), (), order
    for i in candidates:
        c = cases[i]
        ch = c.ch
        if ch is None:
            continue
        if c.is_send:
            if ch._closed:
                _unlock(locked)
                raise Panic("send on closed channel")
            done, wake = ch._send_locked(c.value)
            if done:
                if tr is not None:
                    _trace_select(tr, i, ready, shape, ch)
                _unlock(locked)
                if wake is not None:
                    wake.g.parker.release()
                return i, None, True
        else:
            done, value, ok, wake = ch._recv_locked()
            if done:
                if tr is not None:
                    _trace_select(tr, i, ready, shape, ch)
                _unlock(locked)
                if wake is not None:
                    wake.g.parker.release()
                return i, value, ok
    if default:
        if tr is not None:
            _trace_select(tr, -1, ready, shape, None)
        _unlock(locked)
        return -1, None, False
    me = _me()
    if me._kill:
        _unlock(locked)
        raise Goexit
    sel = _Select()
    sel.shape = shape
    for i, c in enumerate(cases):
        ch = c.ch
        if ch is None:
            continue
        sg = _Sudog(me, c.value, ch, c.is_send)
        sg.sel = sel
        sg.index = i
        (ch._sendq if c.is_send else ch._recvq).append(sg)
        sel.sudogs.append(sg)
    reason = "select" if sel.sudogs else "select (no cases)"
    rt._block(me, sel, sel, State.BLOCKED_SELECT, reason)
    _unlock(locked)
    try:
        rt._wait(me, sel)
    finally:
        _dequeue_losers(sel, locked)
    fired = sel.fired
    assert fired is not None
    # Break the cycles select <-> sudogs: they would keep every channel of the cases
    # alive until the cycle collector runs (in the window, many seconds), where Go
    # frees a channel as soon as nobody holds it. No queue holds a sudog any more.
    sel.sudogs = []
    sel.fired = None
    if fired.is_send:
        if not fired.ok:
            raise Panic("send on closed channel")
        return fired.index, None, True
    return fired.index, fired.value, fired.ok


_PERMUTATIONS: dict[int, tuple[tuple[int, ...], ...]] = {}


def _poll_order(rng, n: int):
    """A uniformly random order of *n* cases (Go's pollorder), cheaply for small n."""
    if n <= 1:
        return range(n)
    if n == 2:
        return (0, 1) if rng.random() < 0.5 else (1, 0)
    if n <= 5:
        perms = _PERMUTATIONS.get(n)
        if perms is None:
            perms = _PERMUTATIONS[n] = tuple(itertools.permutations(range(n)))
        return perms[int(rng.random() * len(perms))]
    order = list(range(n))
    rng.shuffle(order)
    return order


def _lock_order(cases: tuple) -> list[Chan]:
    """The cases' channels, each once, in id order: one global order, no lock-order deadlock."""
    if len(cases) == 2:  # the common select: two channels, sorted without a call
        a, b = cases[0].ch, cases[1].ch
        if a is None:
            return [] if b is None else [b]
        if b is None or b is a:
            return [a]
        return [a, b] if a.id < b.id else [b, a]
    chans = [c.ch for c in cases if c.ch is not None]
    chans.sort(key=_BY_ID)
    prev = None
    for ch in chans:
        if ch is prev:  # one channel in several cases (rare): keep it once
            return list(dict.fromkeys(chans))
        prev = ch
    return chans


_BY_ID = attrgetter("id")


def _unlock(locked: list[Chan]) -> None:
    for ch in reversed(locked):
        ch._lock.release()


def _dequeue_losers(sel: _Select, locked: list[Chan]) -> None:
    """Remove the select's other waiters from their queues (Go: dequeueSudoG)."""
    for ch in locked:
        with ch._lock:
            for sg in sel.sudogs:
                if sg is sel.fired or sg.chan is not ch:
                    continue
                q = ch._sendq if sg.is_send else ch._recvq
                try:
                    q.remove(sg)
                except ValueError:
                    pass


def _claimable(q) -> bool:
    """Whether a channel queue holds a waiter that can still be claimed."""
    return any(sg.sel is None or sg.sel.fired is None for sg in q)


def _snapshot(cases: tuple) -> tuple[tuple[int, ...], tuple]:
    """The cases that could proceed now, and each case as traced: ``(op, channel
    id)``, op "send", "recv" or "nil" (a nil channel, id 0). All channel locks held."""
    ready = []
    shape = []
    for i, c in enumerate(cases):
        ch = c.ch
        if ch is None:
            shape.append(_NIL_CASE)
            continue
        if c.is_send:
            shape.append(ch._case_shapes[1])
            if ch._closed or len(ch._buf) < ch.cap or (ch._recvq and _claimable(ch._recvq)):
                ready.append(i)
        else:
            shape.append(ch._case_shapes[0])
            if ch._buf or ch._closed or (ch._sendq and _claimable(ch._sendq)):
                ready.append(i)
    return tuple(ready), tuple(shape)


_NIL_CASE = ("nil", 0)
_PICKED = tuple(str(i) for i in range(-1, 64))  # SELECT's value, by pick + 1


def _trace_select(tr, picked: int, ready: tuple, shape: tuple, ch: Chan | None) -> None:
    value = _PICKED[picked + 1] if picked < 63 else str(picked)
    extra = (picked, ready, shape)
    me = (getattr(_tls, "g", None) or _me()).id
    if ch is None:
        tr.emit(_SELECT, me, 0, "default", value, extra)
    else:
        tr.emit(_SELECT, me, ch.id, ch.name, value, extra)
