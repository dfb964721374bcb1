"""Lesson "pub-sub": a publisher fans messages out; a slow subscriber misses some.

A publisher broadcasts numbered messages at a steady rate to every
subscriber's buffered channel, never waiting for anyone. Fast subscribers
keep up; the slow one fills its buffer and then misses messages (dropped),
while the publisher and the others go on unaffected.

The broken variant uses the broadcaster as it is often first written:
``publish`` copies the subscriber list under the lock and sends outside it;
``unsubscribe`` removes a subscriber and closes its channel. An unsubscribe
between the copy and the send makes the publisher send on a closed
channel: ``panic: send on closed channel``.
"""

from __future__ import annotations

import itertools
from typing import Any, ClassVar

from core.patterns.broadcast import BroadcastStats, MessageBroadcaster
from core.runtime import (
    AtomicInt64,
    Chan,
    Goroutine,
    Mutex,
    Recv,
    Send,
    WaitGroup,
    after,
    select,
)
from core.runtime.context import Context
from core.scenarios._base import Action, Metric, Param, Scenario, variant_param
from core.scenarios._pacing import Rates

__all__ = ["PubSubScenario", "TextbookBroadcaster"]

_SAMPLE = 0.25  # runtime seconds between metric samples
_FAST_DELAY = 0.02  # what a fast subscriber spends on a message, runtime seconds
_BURST = 20  # messages in a burst
_RESTART = 1.0  # runtime seconds before a panicked publisher is restarted


class TextbookBroadcaster:
    """The broadcaster of many blog posts: it looks right, and it panics.

    ``broadcast`` copies the subscriber list under the lock, then sends
    outside it. ``unsubscribe`` removes a subscriber under the lock, then
    closes its channel. An unsubscribe that lands between the copy and the
    send closes a channel that the publisher is about to send on.

    To make the race visible every time rather than once in a million, each
    send is spread over the message period (``spread``): the publisher is
    almost always between its copy and its last send.

    Go (the mistake)::

        b.mu.Lock(); subs := slices.Clone(b.subs); b.mu.Unlock()
        for _, ch := range subs {
            select { case ch <- msg: default: } // panics if ch was closed meanwhile
        }
    """

    def __init__(self, buffer: int) -> None:
        self.buffer = buffer
        self._mu = Mutex(name="broadcaster.mu")
        self._subs: dict[int, Chan] = {}  # guarded by _mu
        self._ids = itertools.count(1)
        self._broadcasts = AtomicInt64(0, name="broadcasts")
        self._delivered = AtomicInt64(0, name="delivered")
        self._dropped = AtomicInt64(0, name="dropped")

    def subscribe(self, *, name: str | None = None) -> tuple[int, Chan]:
        with self._mu:
            sub_id = next(self._ids)
            ch = self._subs[sub_id] = Chan(self.buffer, name=name or f"sub-{sub_id} inbox")
            return sub_id, ch

    def unsubscribe(self, sub_id: int) -> bool:
        with self._mu:
            ch = self._subs.pop(sub_id, None)
        if ch is None:
            return False
        ch.close()  # outside the lock: a publisher may hold a copy that still has ch
        return True

    def unsubscribe_all(self) -> int:
        with self._mu:
            subs, self._subs = self._subs, {}
        for ch in subs.values():
            ch.close()
        return len(subs)

    def broadcast(self, msg: Any, spread: float = 0.0, cancel: Chan | None = None) -> int:
        """Send *msg* to a copy of the subscriber list, taking *spread* seconds in all.

        Returns early (sending nothing more) once the *cancel* channel is closed.

        Raises:
            Panic: "send on closed channel" when a subscriber was unsubscribed
                after the copy was taken (the bug this class shows).
        """
        self._broadcasts.add(1)
        with self._mu:
            subs = list(self._subs.values())  # a copy, so the lock is not held while sending
        n = 0
        for ch in subs:
            if spread > 0:
                i, _, _ = select(Recv(cancel), Recv(after(spread / len(subs))))
                if i == 0:
                    break
            i, _, _ = select(Send(ch, msg), default=True)  # panics if ch is closed now
            if i == 0:
                n += 1
        self._delivered.add(n)
        self._dropped.add(len(subs) - n)
        return n

    def statistics(self) -> BroadcastStats:
        return BroadcastStats(
            self._broadcasts.load(), self._delivered.load(), self._dropped.load(), {}
        )


class PubSubScenario(Scenario):
    """A publisher, N subscribers, one of them slow: fan-out that never waits."""

    id = "pub-sub"
    title = "Pub-sub: fan-out that never waits for the slow"
    chapter = "Broadcast"
    summary = (
        "A publisher sends every message to each subscriber's buffered channel without "
        "waiting: the slow subscriber fills its buffer and misses messages; nobody else slows down."
    )
    params: ClassVar[tuple[Param, ...]] = (
        Param(
            "subscribers",
            int,
            4,
            "Subscribers at the start; the first one is slow",
            minimum=1,
            maximum=8,
            unit="goroutines",
        ),
        Param(
            "buffer",
            int,
            4,
            "Messages each subscriber's channel holds",
            minimum=0,
            maximum=32,
            unit="messages",
        ),
        Param(
            "publish_rate",
            float,
            8.0,
            "Messages the publisher sends per second",
            minimum=0.5,
            maximum=40.0,
            unit="msg/s",
        ),
        Param(
            "slow_delay",
            float,
            0.5,
            "Time the slow subscriber spends on each message",
            minimum=0.0,
            maximum=3.0,
            unit="s",
        ),
        variant_param(
            "correct: sends and closes under one lock; broken: the textbook broadcaster "
            "that sends outside the lock and panics when someone unsubscribes",
        ),
    )
    actions: ClassVar[tuple[Action, ...]] = (
        Action(
            "subscribe",
            "Subscribe",
            "A new (fast) subscriber joins and gets every message from now on",
        ),
        Action("unsubscribe", "Unsubscribe", "The newest subscriber leaves: its channel is closed"),
        Action(
            "burst",
            "Burst",
            f"The publisher sends {_BURST} messages back to back: buffers fill, "
            "the slow subscriber misses most of them",
        ),
    )
    metrics: ClassVar[tuple[Metric, ...]] = (
        Metric("delivered", "msg/s", "Messages put into subscriber channels per second"),
        Metric(
            "dropped",
            "msg/s",
            "Messages skipped per second because a subscriber's channel was full",
        ),
        Metric("slow_buffer", "messages", "Messages waiting in the slow subscriber's channel"),
        Metric("subscribers", "goroutines", "Current subscribers"),
    )
    source_modules = ("core.patterns.broadcast", "core.scenarios.pub_sub")

    # Set by run() once everything the actions use exists; until then they do nothing.
    broker: MessageBroadcaster | TextbookBroadcaster | None = None

    def run(self, ctx: Context) -> None:
        self._ctx = ctx
        if self.broken:
            self.note(
                "BROKEN VARIANT: publish copies the subscriber list under the lock and sends "
                "outside it; unsubscribe closes the channel. Press Unsubscribe: the publisher "
                "sends on the closed channel and panics."
            )
        self._seq = itertools.count(1)  # message numbers (next() is atomic)
        self._mu = Mutex(name="subscribers.mu")
        self._subs: dict[int, Chan] = {}  # guarded by _mu: id -> channel, oldest first
        self._slow_id = 0  # guarded by _mu
        self._stopping = False  # guarded by _mu: nothing starts once run is finishing
        self._wg = WaitGroup(name="subscribers")
        self._publishers = WaitGroup(name="publishers")
        broadcaster = TextbookBroadcaster if self.broken else MessageBroadcaster
        broker = broadcaster(self["buffer"])
        for n in range(self["subscribers"]):
            self._subscribe(broker, slow=n == 0)
        # Ready: the actions run from here on. Not before the first subscribers exist:
        # an Unsubscribe that came between would find nobody ("nobody left") and the
        # subscribers would come after it, so they would never all be gone.
        self.broker = broker
        publisher = self._start_publisher()
        restart_at = None

        rates = Rates()
        try:
            for t in self.ticks(ctx, _SAMPLE):
                stats = self.broker.statistics()
                with self._mu:
                    slow = self._subs.get(self._slow_id)
                    count = len(self._subs)
                self.record_many(
                    **rates.update(t, delivered=stats.delivered, dropped=stats.dropped),
                    slow_buffer=len(slow) if slow is not None else 0,
                    subscribers=count,
                )
                if publisher.alive:
                    continue
                if restart_at is None:
                    restart_at = t + _RESTART
                    if publisher.panic is not None:
                        self.note(
                            f"panic: {publisher.panic}. The publisher sent on a channel that "
                            "unsubscribe had just closed. In Go this crashes the whole "
                            "program; here the publisher restarts in a second."
                        )
                elif t >= restart_at:
                    publisher, restart_at = self._start_publisher(), None
        finally:
            with self._mu:
                self._stopping = True
            # The publisher first: the textbook one would panic on the channels closed next.
            self._publishers.wait()
            self.broker.unsubscribe_all()  # every subscriber's range loop ends
            self._wg.wait()

    def _start_publisher(self) -> Goroutine:
        return self._publishers.go(self._publish, name="publisher")

    def _publish(self) -> None:
        ctx = self._ctx
        period = 1.0 / self["publish_rate"]
        assert self.broker is not None  # run() sets it before it starts the publisher
        if isinstance(self.broker, TextbookBroadcaster):
            # The period is spent inside broadcast, between the copy and the sends.
            while ctx.err() is None:
                self.broker.broadcast(f"msg-{next(self._seq)}", period, ctx.done())
        else:
            while self.nap(ctx, period, name="publish"):
                self.broker.broadcast(f"msg-{next(self._seq)}")

    def _subscribe(
        self, broker: MessageBroadcaster | TextbookBroadcaster, slow: bool = False
    ) -> str | None:
        """Start a subscriber of *broker*; its channel's name, or None once run is finishing."""
        with self._mu:
            if self._stopping:
                return None
            sub_id, ch = broker.subscribe()
            self._subs[sub_id] = ch
            if slow:
                self._slow_id = sub_id
            name = f"sub-{sub_id}" + (" (slow)" if slow else "")
            self._wg.go(self._receive, ch, slow, name=name)
            return name

    def _receive(self, ch: Chan, slow: bool) -> None:
        ctx = self._ctx
        while True:
            i, _, ok = select(Recv(ctx.done()), Recv(ch))
            if i == 0 or not ok:
                return
            delay = self["slow_delay"] if slow else _FAST_DELAY
            if delay > 0 and not self.nap(ctx, delay, name="read"):
                return

    # -- teacher actions ------------------------------------------------------

    def on_subscribe(self) -> None:
        broker = self.broker
        if broker is None:
            return
        name = self._subscribe(broker)
        if name is not None:
            self.note(f"{name} subscribes: it gets every message from now on")

    def on_unsubscribe(self) -> None:
        if self.broker is None:
            return
        with self._mu:
            if not self._subs:
                self.note("nobody left to unsubscribe")
                return
            sub_id = next(reversed(self._subs))  # the newest
            del self._subs[sub_id]
        self.broker.unsubscribe(sub_id)
        self.note(f"sub-{sub_id} unsubscribes: its channel is closed, its range loop ends")

    def on_burst(self) -> None:
        if self.broker is None:
            return
        self.note(f"burst: {_BURST} messages back to back")
        for _ in range(_BURST):
            self.broker.broadcast(f"msg-{next(self._seq)}")
