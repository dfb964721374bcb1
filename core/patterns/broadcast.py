"""Broadcast: wake every listener at once, or fan each message out to every subscriber.

Two patterns of the walkthrough:

* :class:`SignalBroadcaster` uses Go's ``close(ch)`` as a broadcast. A receive
  on a closed channel never blocks, so closing one channel wakes every
  goroutine waiting on it, however many there are. A send would wake one.
* :class:`MessageBroadcaster` gives each subscriber its own buffered channel
  and sends every message to each of them without ever waiting: a subscriber
  whose buffer is full misses that message (``select`` with ``default``), so
  one slow reader cannot stall the publisher or the other subscribers.

Both take a mutex around their subscriber bookkeeping. In the message
broadcaster that mutex is also held while sending, and a channel is closed
only after it has been removed under the same mutex: that is what makes
``unsubscribe`` racing ``broadcast`` safe (no "send on closed channel").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.runtime import Chan, Mutex, Send, select

__all__ = [
    "BroadcastStats",
    "MessageBroadcaster",
    "SignalBroadcaster",
    "SignalStats",
    "SubscriberStats",
]


@dataclass(frozen=True)
class SignalStats:
    """A snapshot of a :class:`SignalBroadcaster`."""

    broadcasts: int  # broadcast() calls so far
    waiting: int  # subscribe() calls since the last broadcast (they share one channel)


class SignalBroadcaster:
    """A one-shot signal that many goroutines wait for; ``broadcast`` wakes them all.

    Every ``subscribe()`` until the next ``broadcast()`` returns the same
    unbuffered channel; ``broadcast()`` closes it, so every receive on it
    returns at once with ``(None, False)``. The next ``subscribe()`` gets a
    fresh channel, so listeners can wait for the next broadcast. Each
    channel is closed exactly once.

    Go::

        type Signal struct {
            mu sync.Mutex
            ch chan struct{}
        }

        func (s *Signal) Subscribe() <-chan struct{} {
            s.mu.Lock(); defer s.mu.Unlock()
            if s.ch == nil { s.ch = make(chan struct{}) }
            return s.ch
        }

        func (s *Signal) Broadcast() {
            s.mu.Lock(); defer s.mu.Unlock()
            if s.ch != nil { close(s.ch); s.ch = nil }
        }
    """

    def __init__(self, *, name: str = "signal") -> None:
        self.name = name
        self._mu = Mutex(name=f"{name}.mu")
        # Guarded by _mu. _ch is None until the first subscribe after a broadcast;
        # a channel stored here is open, and it is closed only after it was removed.
        self._ch: Chan | None = None
        self._waiting = 0
        self._broadcasts = 0

    def subscribe(self) -> Chan:
        """Return the channel that the next ``broadcast()`` closes.

        Receive from it to wait: ``ch.recv()`` blocks until the broadcast, then
        returns ``(None, False)``. Blocks only briefly, on the internal mutex.

        Go: ``<-s.Subscribe()``
        """
        with self._mu:
            if self._ch is None:
                self._ch = Chan(0, name=self.name)
            self._waiting += 1
            return self._ch

    def broadcast(self) -> int:
        """Wake everyone who subscribed since the last broadcast, all at once.

        Closes their channel (once: a broadcast with no subscriber closes
        nothing). Never blocks except briefly on the internal mutex.

        Returns:
            How many ``subscribe()`` calls this broadcast released.

        Go: ``close(ch)``
        """
        with self._mu:
            self._broadcasts += 1
            released, self._waiting = self._waiting, 0
            if self._ch is not None:
                self._ch.close()
                self._ch = None
            return released

    def statistics(self) -> SignalStats:
        """Broadcasts so far and subscriptions waiting for the next one."""
        with self._mu:
            return SignalStats(self._broadcasts, self._waiting)


@dataclass(frozen=True)
class SubscriberStats:
    """What one subscriber of a :class:`MessageBroadcaster` got and missed."""

    id: int
    name: str  # the name of its channel
    delivered: int  # messages put in its channel
    dropped: int  # messages it missed because its channel was full
    length: int  # messages waiting in its channel now
    cap: int


@dataclass(frozen=True)
class BroadcastStats:
    """A snapshot of a :class:`MessageBroadcaster`.

    The totals include subscribers that have since unsubscribed;
    ``subscribers`` lists the current ones, by id.
    """

    broadcasts: int
    delivered: int
    dropped: int
    subscribers: dict[int, SubscriberStats]


class _Subscriber:
    __slots__ = ("ch", "delivered", "dropped")

    def __init__(self, ch: Chan) -> None:
        self.ch = ch
        self.delivered = 0
        self.dropped = 0


class MessageBroadcaster:
    """Fan each message out to every subscriber's buffered channel, never waiting.

    ``subscribe()`` gives a subscriber its own channel of capacity *buffer*;
    ``broadcast(msg)`` offers *msg* to each one with a non-blocking send: a
    subscriber whose channel is full misses the message (counted as
    dropped) instead of stalling the publisher. ``unsubscribe(id)`` closes
    that subscriber's channel, so its ``for msg in ch`` loop ends.

    Nothing here panics, whatever runs concurrently: channels are sent on
    and closed only with the mutex held, and a channel is removed from the
    map before it is closed, so no send ever meets a closed channel and no
    channel is closed twice.

    Go::

        func (b *Broadcaster) Broadcast(msg string) (n int) {
            b.mu.Lock(); defer b.mu.Unlock()
            for _, ch := range b.subs {
                select {
                case ch <- msg:
                    n++
                default: // full: this subscriber misses msg
                }
            }
            return n
        }

    Raises:
        ValueError: *buffer* is negative.
    """

    def __init__(self, buffer: int = 10, *, name: str = "broadcaster") -> None:
        if buffer < 0:
            raise ValueError(f"buffer must be 0 or more, got {buffer}")
        self.buffer = buffer
        self.name = name
        self._mu = Mutex(name=f"{name}.mu")
        # Invariants, whenever _mu is free:
        #   every channel in _subs is open, and _subs is the only place that holds it
        #   for sending; a channel is closed only after it was popped from _subs.
        self._subs: dict[int, _Subscriber] = {}  # guarded by _mu
        self._next_id = 1  # guarded by _mu
        self._broadcasts = 0  # guarded by _mu
        self._delivered = 0  # guarded by _mu, every subscriber ever
        self._dropped = 0  # guarded by _mu, every subscriber ever

    def subscribe(self, *, name: str | None = None) -> tuple[int, Chan]:
        """Add a subscriber; returns its id and its channel (capacity ``buffer``).

        The subscriber gets every message broadcast from now on that finds
        room in its channel. *name* names the channel on stage (default
        ``"sub-<id> inbox"``). Blocks only briefly, on the internal mutex.
        """
        with self._mu:
            sub_id = self._next_id
            self._next_id += 1
            ch = Chan(self.buffer, name=name or f"sub-{sub_id} inbox")
            self._subs[sub_id] = _Subscriber(ch)
            return sub_id, ch

    def unsubscribe(self, sub_id: int) -> bool:
        """Remove subscriber *sub_id* and close its channel.

        Messages already in the channel can still be received; then the
        receiver sees the close. A second ``unsubscribe`` of the same id (or
        an unknown id) does nothing.

        Returns:
            True if this call removed the subscriber.

        Go: ``delete(b.subs, id); close(ch)`` (both under ``b.mu``)
        """
        with self._mu:
            sub = self._subs.pop(sub_id, None)
            if sub is None:
                return False
            # Closed under _mu, after it left _subs: no broadcast can be sending on it.
            sub.ch.close()
            return True

    def unsubscribe_all(self) -> int:
        """Remove every subscriber, closing each channel once; returns how many."""
        with self._mu:
            subs, self._subs = self._subs, {}
            for sub in subs.values():
                sub.ch.close()
            return len(subs)

    def broadcast(self, msg: Any) -> int:
        """Offer *msg* to every current subscriber; returns how many got it.

        Never waits for a subscriber: a full channel is skipped and the miss
        counted. Blocks only on the internal mutex (held by a concurrent
        ``subscribe``, ``unsubscribe`` or ``broadcast``).

        Go: ``select { case ch <- msg: default: }`` for each subscriber
        """
        with self._mu:
            self._broadcasts += 1
            n = 0
            for sub in self._subs.values():
                # Not sub.ch.send(msg): one full subscriber would stall all the others.
                i, _, _ = select(Send(sub.ch, msg), default=True)
                if i == 0:
                    sub.delivered += 1
                    n += 1
                else:
                    sub.dropped += 1
            self._delivered += n
            self._dropped += len(self._subs) - n
            return n

    def subscribers(self) -> list[int]:
        """The ids of the current subscribers, oldest first."""
        with self._mu:
            return list(self._subs)

    def statistics(self) -> BroadcastStats:
        """Per-subscriber delivered / dropped counts and the totals.

        Blocks briefly on the internal mutex.
        """
        with self._mu:
            subs = {
                sub_id: SubscriberStats(
                    sub_id, s.ch.name, s.delivered, s.dropped, len(s.ch), s.ch.cap
                )
                for sub_id, s in self._subs.items()
            }
            return BroadcastStats(self._broadcasts, self._delivered, self._dropped, subs)
