"""Lesson "signal-broadcast": closing a channel wakes every goroutine waiting on it.

Listener goroutines each wait on the signal channel. A broadcast closes it:
a receive on a closed channel returns at once, so every listener wakes in
the same instant, does a little work, and waits again on the next channel.

The broken variant broadcasts by *sending* one value instead: a send is
taken by exactly one receiver, so one listener wakes and the rest keep
waiting.
"""

from __future__ import annotations

from typing import ClassVar

from core.patterns.broadcast import SignalBroadcaster
from core.runtime import AtomicInt64, Chan, Mutex, Recv, Send, WaitGroup, now, select
from core.runtime.context import Context
from core.scenarios._base import Action, Metric, Param, Scenario, variant_param

__all__ = ["SendingSignal", "SignalBroadcastScenario"]

_SAMPLE = 0.25  # runtime seconds between metric samples


class SendingSignal:
    """The broken broadcast: ``broadcast`` sends one value on the shared channel.

    A send is received by one goroutine only, so one listener wakes and the
    others go on waiting. (With nobody waiting, the value is not sent at all:
    ``select`` with ``default``.)

    Go (the mistake): ``select { case ch <- struct{}{}: default: }`` instead of ``close(ch)``
    """

    def __init__(self) -> None:
        self._ch = Chan(0, name="signal")

    def subscribe(self) -> Chan:
        return self._ch

    def broadcast(self) -> int:
        i, _, _ = select(Send(self._ch, "signal"), default=True)
        return 1 if i == 0 else 0


class SignalBroadcastScenario(Scenario):
    """Listeners wait on one channel; ``close`` wakes them all at once."""

    id = "signal-broadcast"
    title = "Signal broadcast: close wakes everyone"
    chapter = "Broadcast"
    summary = (
        "Listeners wait on one channel; closing it wakes every one of them at once. "
        "A send would wake only one."
    )
    params: ClassVar[tuple[Param, ...]] = (
        Param(
            "listeners",
            int,
            5,
            "Goroutines waiting for the signal at the start",
            minimum=1,
            maximum=12,
            unit="goroutines",
        ),
        Param(
            "period",
            float,
            3.0,
            "Runtime seconds between automatic broadcasts; 0: only when you press Broadcast",
            minimum=0.0,
            maximum=20.0,
            unit="s",
        ),
        Param(
            "work_time",
            float,
            0.6,
            "What a woken listener does before it waits for the next signal",
            minimum=0.05,
            maximum=5.0,
            unit="s",
        ),
        variant_param(
            "correct: broadcast closes the channel; broken: it sends one value",
        ),
    )
    actions: ClassVar[tuple[Action, ...]] = (
        Action("broadcast", "Broadcast", "Signal now: every listener waiting on the channel wakes"),
        Action(
            "add-listener", "Add listener", "Start one more goroutine that waits for the signal"
        ),
    )
    metrics: ClassVar[tuple[Metric, ...]] = (
        Metric("waiting", "goroutines", "Listeners blocked on the signal channel right now"),
        Metric("woken", "goroutines", "Listeners woken since the last broadcast"),
        Metric(
            "wake_latency",
            "ms",
            "Time from a broadcast until a listener it woke runs (one sample per wake)",
        ),
    )
    source_modules = ("core.patterns.broadcast", "core.scenarios.signal_broadcast")

    # Set by run() once everything the actions use exists; until then they do nothing.
    signal: SignalBroadcaster | SendingSignal | None = None

    def run(self, ctx: Context) -> None:
        self._ctx = ctx
        if self.broken:
            self.note(
                "BROKEN VARIANT: broadcast sends one value instead of closing the channel. "
                "A send is received by one goroutine: one listener wakes, the others keep waiting."
            )
        self._waiting = AtomicInt64(0, name="waiting")
        self._woken = AtomicInt64(0, name="woken")
        self._broadcast_at = now()
        self._mu = Mutex(name="listeners.mu")
        self._stopping = False  # guarded by _mu: no listener starts once run is finishing
        self._count = 0  # guarded by _mu
        self._wg = WaitGroup(name="listeners")
        self.signal = SendingSignal() if self.broken else SignalBroadcaster()
        for _ in range(self["listeners"]):
            self._add_listener()

        period = self["period"]
        next_broadcast = now() + period
        try:
            for t in self.ticks(ctx, _SAMPLE):
                self.record_many(waiting=self._waiting.load(), woken=self._woken.load())
                if period > 0 and t >= next_broadcast:
                    self._broadcast()
                    next_broadcast = now() + period
        finally:
            with self._mu:
                self._stopping = True
            self._wg.wait()

    def _add_listener(self) -> str | None:
        """Start a listener; its name, or None once run is finishing."""
        with self._mu:
            if self._stopping:
                return None
            self._count += 1
            name = f"listener-{self._count}"
            self._wg.go(self._listen, name=name)
            return name

    def _listen(self) -> None:
        ctx = self._ctx
        signal = self.signal
        assert signal is not None  # run() sets it before it starts any listener
        while True:
            ch = signal.subscribe()
            self._waiting.add(1)
            i, _, _ = select(Recv(ctx.done()), Recv(ch))
            self._waiting.add(-1)
            if i == 0:
                return
            self._woken.add(1)
            self.record("wake_latency", (now() - self._broadcast_at) * 1000)
            if not self.nap(ctx, self["work_time"], name="work"):
                return

    def _broadcast(self) -> int:
        self._woken.store(0)
        self._broadcast_at = now()
        assert self.signal is not None  # run() calls it once set; on_broadcast checks first
        return self.signal.broadcast()

    # -- teacher actions ------------------------------------------------------

    def on_broadcast(self) -> None:
        if self.signal is None:
            return
        released = self._broadcast()
        if self.broken:
            self.note(f"signal <- v: a send wakes one listener ({released} woke)")
        else:
            self.note(f"close(signal): all {released} waiting listeners wake at once")

    def on_add_listener(self) -> None:
        if self.signal is None:
            return
        name = self._add_listener()
        if name is not None:
            self.note(f"{name} starts waiting for the signal")
