"""Channels, with Go's own algorithm (``runtime/chan.go``); select is ``_select``.

A sender that finds a parked receiver hands the value straight to it and
wakes only that one goroutine; a receiver that finds a parked sender takes
its value (unbuffered) or moves it into the buffer it just made room in.
Each parked goroutine waits on its own lock (see ``_goroutine``). A select
locks its channels in id order, polls the cases in a random order, and if
none is ready parks one waiter on every channel at once; the first channel
to claim the select's one-shot token wins, the others skip it.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

from core.runtime._errors import Goexit, Panic
from core.runtime._goroutine import Goroutine, State, _me, _tls, current_runtime
from core.runtime._ids import next_object_id
from core.runtime._waitq import block as _block
from core.runtime._waitq import park as _park
from core.runtime._waitq import ready as _ready
from core.runtime._waitq import wake as _wake
from core.trace import Kind, short_repr

__all__ = ["Chan", "ChanStats", "nil_chan"]

_RUNNING = State.RUNNING
_RUNNABLE = State.RUNNABLE


# The kinds the hot paths emit, looked up once (an Enum member lookup costs ~0.1 us).
_SEND = Kind.CHAN_SEND
_RECV = Kind.CHAN_RECV
_HANDOFF = Kind.CHAN_HANDOFF


class _Sudog:
    """One goroutine waiting in one channel queue (Go's ``sudog``)."""

    __slots__ = ("cancelled", "chan", "g", "index", "is_send", "ok", "sel", "value")

    def __init__(self, g: Goroutine, value: Any, chan: Chan, is_send: bool) -> None:
        self.g = g
        self.value = value
        self.ok = False
        self.sel: _Select | None = None
        self.index = 0
        self.cancelled = False
        self.chan = chan
        self.is_send = is_send


class _Select:
    """The shared state of one parked select: a one-shot token and the case that won."""

    __slots__ = ("cancelled", "fired", "id", "name", "shape", "sudogs", "token")

    def __init__(self) -> None:
        self.token = threading.Lock()  # acquired by whoever completes (or kills) the select
        self.fired: _Sudog | None = None
        self.sudogs: list[_Sudog] = []
        self.shape: tuple = ()  # the cases as traced: (("recv"|"send"|"nil", chan id), ...)
        self.cancelled = False
        self.id = 0
        self.name = "select"

    def watched_ids(self) -> list[int]:
        return [sg.chan.id for sg in self.sudogs]

    def cases(self) -> list[tuple[int, str, int]]:
        """The parked cases: (case index, "send" or "recv", channel id)."""
        return [(sg.index, "send" if sg.is_send else "recv", sg.chan.id) for sg in self.sudogs]

    def _cancel_wait(self, _waiter: Any) -> bool:
        return self.token.acquire(False)


def _claim(sg: _Sudog) -> bool:
    """Take *sg* out of contention; False if its select was already completed."""
    sel = sg.sel
    if sel is None:
        return True
    if not sel.token.acquire(False):
        return False
    sel.fired = sg
    return True


@dataclass(frozen=True)
class ChanStats:
    length: int
    cap: int
    closed: bool
    waiting_senders: int
    waiting_receivers: int
    sent: int
    received: int


class Chan:
    """A Go channel: unbuffered (``cap == 0``, a rendezvous) or buffered (FIFO).

    Go: ``make(chan T)``, ``make(chan T, cap)``
    """

    __slots__ = (
        "__weakref__",
        "_buf",
        "_case_shapes",
        "_closed",
        "_lock",
        "_received",
        "_recvq",
        "_rt",
        "_sendq",
        "_sent",
        "cap",
        "id",
        "name",
    )

    def __init__(self, cap: int = 0, *, name: str | None = None) -> None:
        if isinstance(cap, bool) or not isinstance(cap, int):
            raise TypeError(f"channel capacity must be an int, got {type(cap).__name__}")
        if cap < 0:
            raise Panic("makechan: size out of range")
        self.id = next_object_id()
        self.name = name or f"chan-{self.id}"
        self.cap = cap
        self._rt = current_runtime()
        self._lock = threading.Lock()
        # Invariants, whenever self._lock is free:
        #   self._sendq or self._recvq holds no claimable waiter, not both;
        #   self._buf non-empty       => no claimable receiver waits;
        #   len(self._buf) < self.cap => no claimable sender waits;
        #   self._closed              => both queues are empty.
        # (A waiter of a select that another channel completed may linger
        # until that select dequeues it; it is never claimable.)
        self._buf: deque[Any] = deque()
        self._recvq: deque[_Sudog] = deque()
        self._sendq: deque[_Sudog] = deque()
        self._closed = False  # guarded by self._lock
        self._sent = 0
        self._received = 0
        self._case_shapes = (("recv", self.id), ("send", self.id))  # a select case, as traced
        tr = self._rt.tracer
        if tr is not None:
            tr.emit(Kind.CHAN_MAKE, g=_me().id, obj=self.id, name=self.name, extra=(cap,))
        self._rt._register(self, "Chan")

    # -- the locked core, shared by send/recv/select ---------------------
    # Every change below is traced once, under self._lock, and a goroutine it
    # wakes is made runnable here too (its state, then the event that says so);
    # the caller releases its parker once the lock is free (_waitq).

    def _send_locked(self, value: Any) -> tuple[bool, _Sudog | None]:
        """Send without blocking; returns (done, receiver to wake). Lock held, not closed."""
        rq = self._recvq
        while rq:
            sg = rq.popleft()
            if sg.sel is not None and not _claim(sg):
                continue
            sg.value = value
            sg.ok = True
            self._sent += 1
            self._received += 1
            g = sg.g
            g.state = _RUNNABLE  # _waitq.ready, inlined
            g.waiting_on = None
            tr = self._rt.tracer
            if tr is not None:
                me = _me().id
                case = sg.index if sg.sel is not None else -1
                tr.emit(_HANDOFF, me, self.id, self.name, value, (me, g.id, g.id, case))
            return True, sg
        buf = self._buf
        if len(buf) < self.cap:
            buf.append(value)
            self._sent += 1
            tr = self._rt.tracer
            if tr is not None:
                sender = getattr(_tls, "g", None) or _me()
                tr.emit(_SEND, sender.id, self.id, self.name, value, (len(buf),))
            return True, None
        return False, None

    def _recv_locked(self) -> tuple[bool, Any, bool, _Sudog | None]:
        """Receive without blocking; (done, value, ok, sender to wake). Lock held."""
        buf = self._buf
        if buf:
            value = buf.popleft()
            self._received += 1
            sq = self._sendq
            while sq:
                sg = sq.popleft()
                if sg.sel is not None and not _claim(sg):
                    continue
                # The slot just freed takes the first parked sender's value.
                buf.append(sg.value)
                sg.ok = True
                self._sent += 1
                g = sg.g
                g.state = _RUNNABLE
                g.waiting_on = None
                tr = self._rt.tracer
                if tr is not None:
                    case = sg.index if sg.sel is not None else -1
                    tr.emit(
                        _RECV,
                        _me().id,
                        self.id,
                        self.name,
                        value,
                        (len(buf), True, g.id, short_repr(sg.value), case),
                    )
                return True, value, True, sg
            tr = self._rt.tracer
            if tr is not None:
                me = getattr(_tls, "g", None) or _me()
                tr.emit(_RECV, me.id, self.id, self.name, value, (len(buf),))
            return True, value, True, None
        sq = self._sendq
        while sq:
            sg = sq.popleft()
            if sg.sel is not None and not _claim(sg):
                continue
            value = sg.value
            sg.ok = True
            self._sent += 1
            self._received += 1
            g = sg.g
            g.state = _RUNNABLE
            g.waiting_on = None
            tr = self._rt.tracer
            if tr is not None:
                me = _me().id
                case = sg.index if sg.sel is not None else -1
                tr.emit(_HANDOFF, me, self.id, self.name, value, (g.id, me, g.id, case))
            return True, value, True, sg
        if self._closed:
            tr = self._rt.tracer
            if tr is not None:
                me = getattr(_tls, "g", None) or _me()
                tr.emit(_RECV, me.id, self.id, self.name, None, (0, False))
            return True, None, False, None
        return False, None, False, None

    # -- operations -----------------------------------------------------

    def send(self, value: Any) -> None:
        """Send *value* on the channel.

        Blocks until a receiver takes it (unbuffered) or there is room in the
        buffer. Receivers get values in the order they were sent.

        Raises:
            Panic: "send on closed channel" if the channel is closed before
                or while the sender waits.

        Go: ``ch <- value``
        """
        rt = self._rt
        if rt._gating:
            rt._checkpoint("chan send", self)
        lock = self._lock
        lock.acquire()
        if self._closed:
            lock.release()
            raise Panic("send on closed channel")
        buf = self._buf
        if not self._recvq and len(buf) < self.cap:
            # The common buffered case, inlined (the same as _send_locked).
            buf.append(value)
            self._sent += 1
            tr = rt.tracer
            if tr is not None:
                me = getattr(_tls, "g", None) or _me()
                tr.emit(_SEND, me.id, self.id, self.name, value, (len(buf),))
            lock.release()
            return
        done, wake = self._send_locked(value)
        if done:
            lock.release()
            if wake is not None:
                wake.g.parker.release()
            return
        me = getattr(_tls, "g", None) or _me()
        if me._kill:
            lock.release()
            raise Goexit
        sg = _Sudog(me, value, self, True)
        self._sendq.append(sg)
        rt._block(me, self, sg, State.BLOCKED_SEND, "chan send")
        lock.release()
        # _waitq.park(me, sg), inlined on this hot path:
        me.parker.acquire()
        me._blocked_on = None
        me.state = _RUNNING
        if sg.cancelled:
            raise Goexit
        if not sg.ok:
            raise Panic("send on closed channel")

    def recv(self) -> tuple[Any, bool]:
        """Receive a value: ``(value, True)``, or ``(None, False)`` once closed and drained.

        Blocks until a value is there or the channel is closed.

        Go: ``v, ok := <-ch``
        """
        rt = self._rt
        if rt._gating:
            rt._checkpoint("chan receive", self)
        lock = self._lock
        lock.acquire()
        buf = self._buf
        if buf and not self._sendq:
            # The common buffered case, inlined (the same as _recv_locked).
            value = buf.popleft()
            self._received += 1
            tr = rt.tracer
            if tr is not None:
                me = getattr(_tls, "g", None) or _me()
                tr.emit(_RECV, me.id, self.id, self.name, value, (len(buf),))
            lock.release()
            return value, True
        done, value, ok, wake = self._recv_locked()
        if done:
            lock.release()
            if wake is not None:
                wake.g.parker.release()
            return value, ok
        me = getattr(_tls, "g", None) or _me()
        if me._kill:
            lock.release()
            raise Goexit
        sg = _Sudog(me, None, self, False)
        self._recvq.append(sg)
        rt._block(me, self, sg, State.BLOCKED_RECV, "chan receive")
        lock.release()
        # _waitq.park(me, sg), inlined on this hot path:
        me.parker.acquire()
        me._blocked_on = None
        me.state = _RUNNING
        if sg.cancelled:
            raise Goexit
        return sg.value, sg.ok

    # The reference paths: send and recv without their inlined fast and parked paths.
    # Tests run the channel suite through these too, so the inlined copies above
    # cannot drift from the locked core they copy.

    def _send_general(self, value: Any) -> None:
        rt = self._rt
        if rt._gating:
            rt._checkpoint("chan send", self)
        with self._lock:
            if self._closed:
                raise Panic("send on closed channel")
            done, wake = self._send_locked(value)
            if not done:
                me = _me()
                if me._kill:
                    raise Goexit
                sg = _Sudog(me, value, self, True)
                self._sendq.append(sg)
                _block(rt, me, self, sg, State.BLOCKED_SEND, "chan send")
        if done:
            if wake is not None:
                _wake(wake.g)
            return
        _park(me, sg)
        if not sg.ok:
            raise Panic("send on closed channel")

    def _recv_general(self) -> tuple[Any, bool]:
        rt = self._rt
        if rt._gating:
            rt._checkpoint("chan receive", self)
        with self._lock:
            done, value, ok, wake = self._recv_locked()
            if not done:
                me = _me()
                if me._kill:
                    raise Goexit
                sg = _Sudog(me, None, self, False)
                self._recvq.append(sg)
                _block(rt, me, self, sg, State.BLOCKED_RECV, "chan receive")
        if done:
            if wake is not None:
                _wake(wake.g)
            return value, ok
        _park(me, sg)
        return sg.value, sg.ok

    def close(self) -> None:
        """Close the channel: receivers drain the buffer, then get ``(None, False)``.

        Wakes every waiting receiver and every waiting sender (which panics).

        Raises:
            Panic: "close of closed channel" on a second close.

        Go: ``close(ch)``
        """
        rt = self._rt
        if rt._gating:
            rt._checkpoint("chan close", self)
        lock = self._lock
        lock.acquire()
        if self._closed:
            lock.release()
            raise Panic("close of closed channel")
        self._closed = True
        wake = []
        for sg in self._recvq:
            if _claim(sg):
                sg.value = None
                sg.ok = False
                wake.append(sg)
        for sg in self._sendq:
            if _claim(sg):
                sg.ok = False
                wake.append(sg)
        self._recvq.clear()
        self._sendq.clear()
        for sg in wake:
            _ready(sg.g)
        tr = rt.tracer
        if tr is not None:
            woken = tuple((sg.g.id, sg.index if sg.sel is not None else -1) for sg in wake)
            tr.emit(Kind.CHAN_CLOSE, g=_me().id, obj=self.id, name=self.name, extra=(woken,))
        lock.release()
        for sg in wake:
            sg.g.parker.release()

    def _offer(self, value: Any) -> bool:
        """Send without ever blocking (timers, tickers): False if full or closed."""
        lock = self._lock
        lock.acquire()
        if self._closed:
            lock.release()
            return False
        done, wake = self._send_locked(value)
        lock.release()
        if wake is not None:
            wake.g.parker.release()
        return done

    def _cancel_wait(self, sg: _Sudog) -> bool:
        """Remove a parked waiter (the runtime is killing it); False if already woken."""
        with self._lock:
            q = self._sendq if sg.is_send else self._recvq
            try:
                q.remove(sg)
            except ValueError:
                return False
            return True

    # -- inspection -----------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    def __len__(self) -> int:
        return len(self._buf)

    def __bool__(self) -> bool:
        return True  # an empty channel is still a channel (len() says how full it is)

    def __iter__(self) -> Iterator[Any]:
        """Go: ``for v := range ch``: ends when the channel is closed and drained."""
        while True:
            value, ok = self.recv()
            if not ok:
                return
            yield value

    def statistics(self) -> ChanStats:
        with self._lock:
            return ChanStats(
                length=len(self._buf),
                cap=self.cap,
                closed=self._closed,
                waiting_senders=sum(
                    1 for sg in self._sendq if sg.sel is None or sg.sel.fired is None
                ),
                waiting_receivers=sum(
                    1 for sg in self._recvq if sg.sel is None or sg.sel.fired is None
                ),
                sent=self._sent,
                received=self._received,
            )

    def buffer(self) -> list[Any]:
        """A copy of the values waiting in the buffer, oldest first."""
        with self._lock:
            return list(self._buf)

    def _snapshot(self) -> tuple[str, dict]:
        """This channel's entry in ``Runtime.snapshot()``."""
        with self._lock:
            return "channels", {
                "name": self.name,
                "cap": self.cap,
                "buffer": [short_repr(v) for v in self._buf],
                "closed": self._closed,
            }

    def __repr__(self) -> str:
        return (
            f"<Chan {self.name!r} {len(self._buf)}/{self.cap}{' closed' if self._closed else ''}>"
        )


class _NilChan(Chan):
    """Go's nil channel as a value (``var ch chan T``); its one instance is ``nil_chan``.

    ``send`` and ``recv`` (and ``for v in nil_chan``) block forever: the
    goroutine parks as blocked on a send or a receive (Go's wait reasons
    "chan send (nil chan)", "chan receive (nil chan)"), so it counts as
    asleep, and only ``Runtime.stop`` ends it (Goexit). ``close`` panics.
    ``len`` and ``cap`` are 0, and it is falsy, like None. As a select case
    it is never ready (``Recv``/``Send`` read it as None). It belongs to no
    runtime: one value serves every runtime, has id 0, is never traced as a
    channel and never registered, so no picture shows it.
    """

    __slots__ = ("_parked",)
    _parked: set[_Sudog]  # guarded by self._lock: every goroutine parked here

    def __new__(cls) -> _NilChan:
        self = globals().get("nil_chan")
        if self is not None:
            return self
        self = object.__new__(cls)
        self.id = 0
        self.name = "nil chan"
        self.cap = 0
        # It belongs to no runtime. Chan's methods that read _rt are overridden here, or
        # never reached (select reads nil_chan as None), so _rt is never used as a Runtime.
        self._rt = None  # type: ignore[assignment]
        self._lock = threading.Lock()
        self._buf = deque()
        self._recvq = deque()
        self._sendq = deque()
        self._closed = False
        self._sent = self._received = 0
        self._parked = set()
        return self

    def __init__(self) -> None:
        pass  # made once, in __new__

    def __reduce__(self) -> str:
        return "nil_chan"  # pickles and copies as the one nil channel

    def __copy__(self) -> _NilChan:
        return self

    def __deepcopy__(self, _memo: dict) -> _NilChan:
        return self

    def send(self, value: Any) -> None:
        """Block forever. Go: ``ch <- value`` on a nil ``ch``."""
        self._park_forever(True, value)

    def recv(self) -> tuple[Any, bool]:
        """Block forever. Go: ``<-ch`` on a nil ``ch``."""
        self._park_forever(False, None)

    _send_general = send
    _recv_general = recv

    def _park_forever(self, is_send: bool, value: Any) -> NoReturn:
        rt = current_runtime()
        op = "chan send" if is_send else "chan receive"
        if rt._gating:
            rt._checkpoint(op, None, 0, self.name)
        me = _me()
        if me._kill:
            raise Goexit
        sg = _Sudog(me, value, self, is_send)
        with self._lock:
            self._parked.add(sg)
            state = State.BLOCKED_SEND if is_send else State.BLOCKED_RECV
            rt._block(me, self, sg, state, f"{op} (nil chan)")
        rt._wait(me, sg)  # only Runtime.stop wakes it (cancelled: raises Goexit)
        raise AssertionError("a goroutine parked on a nil channel was woken")

    def close(self) -> None:
        """Close nothing: a nil channel cannot be closed.

        Raises:
            Panic: "close of nil channel", always.

        Go: ``close(ch)`` on a nil ``ch``
        """
        rt = current_runtime()
        if rt._gating:
            rt._checkpoint("chan close", None, 0, self.name)
        raise Panic("close of nil channel")

    def _offer(self, value: Any) -> bool:
        return False

    def _cancel_wait(self, sg: _Sudog) -> bool:
        """Unpark *sg* (the runtime is ending its goroutine); False if already done."""
        with self._lock:
            if sg in self._parked:
                self._parked.remove(sg)
                return True
            return False

    def __len__(self) -> int:
        return 0

    def __bool__(self) -> bool:
        return False  # nil, like None

    def statistics(self) -> ChanStats:
        with self._lock:
            senders = sum(1 for sg in self._parked if sg.is_send)
            return ChanStats(0, 0, False, senders, len(self._parked) - senders, 0, 0)

    def buffer(self) -> list[Any]:
        return []

    def __repr__(self) -> str:
        return "<nil chan>"


nil_chan: Chan = _NilChan()
"""Go's nil channel (``var ch chan T``): see :class:`_NilChan`."""
