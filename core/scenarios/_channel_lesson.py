"""Channels: the unbuffered rendezvous and the buffered queue.

Two lessons on Go's ``chan``. In both, one sender (the only goroutine that
closes the channel) and one receiver are joined by a channel; the teacher
changes their pace, asks for a burst, or has the sender close.

The shutdown is Go's clean one: when the program ends, the sender stops
sending and closes the channel; the receiver, which ranges over the channel,
drains what is left and ends on its own. Nobody ever closes a channel it
only receives from.

Go::

    go func() { // the sender owns ch: it sends, then closes
        defer close(ch)
        for i := 1; ; i++ {
            select {
            case <-ctx.Done():
                return
            case <-tick.C:
            }
            ch <- i // unbuffered: waits for the receiver
        }
    }()
    for v := range ch { // ends when ch is closed and drained
        time.Sleep(receiveDelay)
    }
"""

from __future__ import annotations

import threading
from collections import deque

from core import runtime
from core.runtime import Chan, Recv, Timer, context, select
from core.scenarios._base import Scenario
from core.scenarios._pacing import Pause

__all__ = ["ChannelLesson"]

# How often run() samples the metrics (runtime seconds).
_SAMPLE_EVERY = 0.25
# The window of the per-second rates (runtime seconds).
_RATE_WINDOW = 1.0


class _RateMeter:
    """Counts events and tells how many happened in the last second.

    Any goroutine may ``tick``; the sampler reads ``rate``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._times: deque[float] = deque()  # guarded by self._lock

    def tick(self) -> None:
        with self._lock:
            self._times.append(runtime.now())

    def rate(self) -> float:
        """Events per runtime second over the last :data:`_RATE_WINDOW`."""
        now = runtime.now()
        with self._lock:
            while self._times and self._times[0] <= now - _RATE_WINDOW:
                self._times.popleft()
            return len(self._times) / _RATE_WINDOW


class _BlockedMeter:
    """How long one goroutine has spent blocked, including a block still going on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._total = 0.0  # guarded by self._lock
        self._since: float | None = None  # guarded by self._lock: start of the current block

    def start(self) -> None:
        with self._lock:
            self._since = runtime.now()

    def stop(self) -> float:
        """End the current block; returns how long it lasted (runtime seconds)."""
        with self._lock:
            since, self._since = self._since, None
            d = runtime.now() - since if since is not None else 0.0
            self._total += d
            return d

    def total(self) -> float:
        with self._lock:
            ongoing = runtime.now() - self._since if self._since is not None else 0.0
            return self._total + ongoing


class ChannelLesson(Scenario):
    """What both channel lessons share: a sender, a receiver, a channel between them.

    Subclasses say how big the channel is, which parameters pace the two
    goroutines, and which metrics they publish (see :meth:`_sample`).
    """

    _interval_param: str
    _delay_param: str
    _sender_name: str
    _receiver_name: str
    # How the teacher's Burst and Close reach the sender: not the lesson's channel.
    plumbing = ("send-now request", "close request")

    def __init__(self, **values: object) -> None:
        super().__init__(**values)
        # The teacher's knobs: plain attributes, written by one action
        # goroutine at a time and read by the receiver (not part of the lesson).
        self._delay: float = self[self._delay_param]
        self._sent = _RateMeter()
        self._received = _RateMeter()
        self._blocked = _BlockedMeter()
        self._last_wait = 0.0
        # Requests to the sender, which alone may close the channel; made by
        # run() so that they belong to the scenario's runtime.
        self._more: Chan | None = None
        self._close_request: Chan | None = None
        self._close_once: runtime.Once | None = None

    def _capacity(self) -> int:
        return 0

    def _burst_size(self) -> int:
        return 1

    def run(self, ctx: context.Context) -> None:
        """Start the sender and the receiver, sample the metrics until *ctx* ends.

        Returns as soon as *ctx* is done; by then the sender is closing ch
        and the receiver drains it without pausing, so both end at once.
        """
        self._more = Chan(1, name="send-now request")
        self._close_request = Chan(0, name="close request")
        self._close_once = runtime.Once(name="close once")
        ch = Chan(self._capacity(), name="ch")
        self.note(self._intro())
        runtime.go(self._sender, ctx, ch, name=self._sender_name)
        runtime.go(self._receiver, ctx, ch, name=self._receiver_name)
        last_t, last_blocked = runtime.now(), 0.0
        for t in self.ticks(ctx, _SAMPLE_EVERY, name="metrics tick"):
            blocked = self._blocked.total()
            share = (blocked - last_blocked) / (t - last_t) if t > last_t else 0.0
            last_t, last_blocked = t, blocked
            self._sample(ch, min(max(share, 0.0), 1.0) * 100.0)

    def _sender(self, ctx: context.Context, ch: Chan) -> None:
        """Send 1, 2, 3... one per interval (or at once when asked); close ch on the way out.

        The interval is one Timer, reset after each tick: no timer is left
        behind, and a request or the end of the program interrupts the wait.
        """
        interval = self[self._interval_param]
        tick = Timer(interval, name=f"{self._sender_name} interval")
        n = 0
        extra = 0  # values still to send at once (send-now, burst)
        try:
            while True:
                if extra == 0:
                    i, _, _ = select(
                        Recv(ctx.done()), Recv(self._close_request), Recv(self._more), Recv(tick.c)
                    )
                    if i == 0:
                        return
                    if i == 1:
                        self.note(
                            f"{self._sender_name} closes ch after {n} values: no more will "
                            f"come. {self._receiver_name} first gets any value still buffered."
                        )
                        return
                    if i == 2:
                        extra = self._burst_size()
                        continue
                    tick.reset(interval)  # the timer fired and was received: safe to reset
                else:
                    extra -= 1
                    if ctx.err() is not None:
                        return
                n += 1
                self._blocked.start()
                ch.send(n)  # unbuffered: waits for the receiver; buffered: waits while full
                self._last_wait = self._blocked.stop()
                self._sent.tick()
        finally:
            tick.stop()
            ch.close()  # the sender, and only the sender, closes

    def _receiver(self, ctx: context.Context, ch: Chan) -> None:
        """Receive until ch is closed and drained, spending the receive delay on each value.

        Once the program is ending it stops pausing, so the drain is quick.
        Go: ``for v := range ch { ... }`` (written out to show ``ok``).
        """
        with Pause(ctx, f"{self._receiver_name} delay") as pause:
            while True:
                _v, ok = ch.recv()  # Go: v, ok := <-ch
                if not ok:
                    if ctx.err() is None:
                        self.note(
                            f"{self._receiver_name} got ok=false: ch is closed and drained, "
                            "so its range loop ends."
                        )
                    return
                self._received.tick()
                if ctx.err() is None and self._delay > 0:
                    pause.wait(self._delay)

    # -- teacher actions ------------------------------------------------------

    def _set_delay(self, delay: float, what: str) -> None:
        self._delay = delay
        self.note(f"{self._receiver_name} now takes {delay:.2f} s per value: {what}")

    def on_close(self) -> None:
        """Ask the sender to close the channel (a second request does nothing)."""
        if self._close_once is not None and self._close_request is not None:
            self._close_once.do(self._close_request.close)

    def _intro(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def _sample(self, ch: Chan, blocked_share: float) -> None:  # pragma: no cover - abstract
        raise NotImplementedError
