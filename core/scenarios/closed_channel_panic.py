"""Lesson "closed-channel-panic": a channel is closed once, by the sending side.

Broken, a producer closes while another still sends ("send on closed
channel") and the receiver closes what is already closed ("close of closed
channel"); both are real panics of goroutines.
"""

from __future__ import annotations

import threading

from core import runtime
from core.runtime import Chan, Recv, Send, WaitGroup, context, select
from core.scenarios._base import Action, Metric, Param, Scenario, variant_param
from core.scenarios._pacing import Pause

__all__ = ["ClosedChannelPanic"]

_BETWEEN_ROUNDS = 0.6  # runtime seconds between two rounds of a story


class ClosedChannelPanic(Scenario):
    """Two producers, one consumer, one channel: who may close it?

    Correct (Go)::

        var wg sync.WaitGroup
        for _, n := range []int{4, 6} {
            wg.Add(1)
            go func() { defer wg.Done(); for i := range n { ch <- i } }()
        }
        go func() { wg.Wait(); close(ch) }() // once, after the last send
        for v := range ch { ... }            // the receiver never closes

    Broken (Go)::

        go func() { for i := range 4 { ch <- i }; close(ch) }() // "I'm done"
        go func() { for i := range 6 { ch <- i }; close(ch) }() // panics on send
        for v := range ch { ... }
        close(ch) // "to be tidy": panic: close of closed channel
    """

    id = "closed-channel-panic"
    title = "Closed channel: panic on send, panic on a second close"
    chapter = "Pitfalls"
    summary = (
        "Only the sending side closes a channel, once, after the last send. Broken: a producer "
        "closes while another still sends, and the receiver closes it again: two panics."
    )
    params = (
        variant_param(
            "correct: a closer closes once after every producer is done. broken: each producer "
            "closes when it is done, and the receiver closes too.",
        ),
        Param(
            "capacity",
            int,
            2,
            "Capacity of the jobs channel.",
            minimum=0,
            maximum=8,
            unit="values",
        ),
        Param(
            "producer_interval",
            float,
            0.15,
            "Time each producer takes to make one value.",
            minimum=0.05,
            maximum=1.0,
            unit="s",
        ),
    )
    actions = (
        Action(
            "close-early",
            "Close early",
            "The receiver wants to stop now. Broken: it closes the channel itself. "
            "Correct: it asks the producers to stop, and the closer closes.",
        ),
    )
    metrics = (
        Metric("received", "values", "Values the consumer received since the start."),
        Metric("panics", "panics", "Goroutines that died of a panic since the start."),
        Metric("rounds", "rounds", "Rounds of the story that ended."),
    )
    source_modules = ("core.scenarios.closed_channel_panic",)

    _SENDS = (4, 6)  # values each producer sends in a round

    def __init__(self, **values: object) -> None:
        super().__init__(**values)
        self._lock = threading.Lock()  # guards the counter and the current round's channels
        self._received = 0
        self._rounds = 0  # written by run() only
        self._ch: Chan | None = None
        self._quit: Chan | None = None
        self._quit_once: runtime.Once | None = None

    def run(self, ctx: context.Context) -> None:
        """Play rounds until *ctx* ends; sample the counters after each."""
        if self.broken:
            self.note(
                "BROKEN VARIANT: each producer closes the channel when it is done, and the "
                "consumer closes it too: expect 'send on closed channel' and "
                "'close of closed channel'."
            )
        else:
            self.note(
                "Only the sending side closes: a closer waits for every producer, then closes."
            )
        rt = runtime.current_runtime()
        with Pause(ctx, "between rounds") as between:
            while ctx.err() is None:
                goroutines = self._round(ctx)
                for g in goroutines:
                    g.join(1.0)  # its panic, if any, is recorded once its thread ends
                    if g.panic is not None:
                        self.note(f"panic in {g.name}: {g.panic}")
                if ctx.err() is None:
                    self._rounds += 1
                self._sample(len(rt.panics))
                between.wait(_BETWEEN_ROUNDS)

    def _sample(self, panics: int) -> None:
        with self._lock:
            received = self._received
        self.record("received", received)
        self.record("panics", panics)
        self.record("rounds", self._rounds)

    def _round(self, ctx: context.Context) -> list[runtime.Goroutine]:
        """One round: two producers and a consumer; returns once all have ended."""
        ch = Chan(self["capacity"], name="jobs")
        quit_ = Chan(0, name="quit")
        with self._lock:
            self._ch, self._quit = ch, quit_
            self._quit_once = runtime.Once(name="quit once")
        wg = WaitGroup(name="round")
        producers = WaitGroup(name="producers")
        gs = []
        for k, n in enumerate(self._SENDS, 1):
            producers.add(1)
            wg.add(1)
            gs.append(
                runtime.go(
                    self._producer, ctx, ch, quit_, k, n, producers, wg, name=f"producer {k}"
                )
            )
        if not self.broken:
            gs.append(wg.go(self._closer, producers, ch, name="closer"))
        gs.append(wg.go(self._consumer, ctx, ch, name="consumer"))
        wg.wait()
        return gs

    def _producer(
        self,
        ctx: context.Context,
        ch: Chan,
        quit_: Chan,
        k: int,
        n: int,
        producers: WaitGroup,
        wg: WaitGroup,
    ) -> None:
        """Send *n* values, one per interval; broken: then close ch ("I'm done")."""
        try:
            with Pause(ctx, f"producer {k} works") as pause:
                for i in range(1, n + 1):
                    if not pause.wait(self["producer_interval"]):
                        return
                    if self.broken:
                        ch.send(f"p{k}-{i}")  # panics once another goroutine has closed ch
                    else:
                        j, _, _ = select(Send(ch, f"p{k}-{i}"), Recv(quit_), Recv(ctx.done()))
                        if j != 0:
                            return  # asked to stop: the closer will close ch
                if self.broken:
                    ch.close()  # BROKEN: "I'm done", but the other producer is not
        finally:
            producers.done()
            wg.done()

    def _closer(self, producers: WaitGroup, ch: Chan) -> None:
        """Close ch once, after the last send. Go: ``go func() { wg.Wait(); close(ch) }()``"""
        producers.wait()
        ch.close()

    def _consumer(self, ctx: context.Context, ch: Chan) -> None:
        """Receive until ch is closed (Go: ``for v := range ch``); broken: then close it too."""
        while True:
            # range ch, with a way out when the program ends
            i, _, ok = select(Recv(ch), Recv(ctx.done()))
            if i == 1:
                return
            if not ok:
                break
            with self._lock:
                self._received += 1
        if self.broken:
            ch.close()  # BROKEN: "to be tidy", but it is already closed

    def on_close_early(self) -> None:
        with self._lock:
            ch, quit_, once = self._ch, self._quit, self._quit_once
        if ch is None or quit_ is None or once is None:
            return
        if self.broken:
            self.note("The consumer closes jobs itself, while the producers still send.")
            ch.close()  # BROKEN: a receiver closing; a second close panics right here
        else:
            self.note("The consumer asks the producers to stop (close(quit)); the closer closes.")
            once.do(quit_.close)
