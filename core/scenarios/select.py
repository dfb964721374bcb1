"""select: one loop waits on several channels and a timeout at once.

Three sources (a, b, c) send at different random rates. One goroutine, the
selector, takes whichever value is ready; if none comes within the timeout,
the timeout case wins. Among several ready cases select picks one at random.

The timeout is ONE Timer for the whole loop, stopped and reset on each pass.
The broken variant writes ``case <-time.After(timeout)`` in the loop: every
pass makes a new timer, and each stays pending until it fires, even when
another case won (they pile up; before Go 1.23 none could be collected
before firing).

A closed source is always ready (``ok == false`` at once, forever): the
loop sets that channel to nil, and a nil channel's case is never ready.

Go::

    timer := time.NewTimer(timeout)
    defer timer.Stop()
    for {
        timer.Reset(timeout) // Go 1.23+: Reset also discards a fire nobody received
        select {
        case <-ctx.Done():
            return
        case v, ok := <-a:
            if !ok { a = nil; continue } // closed: never pick this case again
            wins["a"]++
        case v := <-b: ...
        case <-timer.C:
            timeouts++
        // case <-time.After(timeout): // BROKEN: a new timer on every pass
        }
    }
"""

from __future__ import annotations

from core import runtime
from core.runtime import Chan, Recv, Send, Timer, context, select
from core.scenarios._base import Action, Metric, Param, Scenario, variant_param
from core.scenarios._pacing import Pause, try_send

__all__ = ["SelectDemo"]

_SAMPLE_EVERY = 0.25  # runtime seconds between metric samples
_OTHER_WORK = 0.05  # what the loop does when the default case wins (runtime seconds)
_BURST = 10  # values source a sends in a row on "burst-source-a"
_SOURCES = ("a", "b", "c")


class SelectDemo(Scenario):
    """Three sources, a timeout and an optional default case in one select loop."""

    id = "select"
    title = "select: wait on several channels at once"
    chapter = "Messages"
    summary = (
        "One loop serves three sources and a timeout; a closed source is switched off "
        "with a nil channel. Broken: time.After in the loop piles up timers."
    )
    params = (
        Param(
            "rate_a",
            float,
            3.0,
            "Average rate at which source a sends (random gaps).",
            minimum=0.1,
            maximum=20.0,
            unit="values/s",
        ),
        Param(
            "rate_b",
            float,
            1.5,
            "Average rate at which source b sends (random gaps).",
            minimum=0.1,
            maximum=20.0,
            unit="values/s",
        ),
        Param(
            "rate_c",
            float,
            0.5,
            "Average rate at which source c sends (random gaps).",
            minimum=0.1,
            maximum=20.0,
            unit="values/s",
        ),
        Param(
            "timeout",
            float,
            0.5,
            "How long one pass of the loop waits for any source before the timeout case wins.",
            minimum=0.05,
            maximum=10.0,
            unit="s",
        ),
        Param(
            "use_default",
            bool,
            False,
            "Give the select a default case: it never waits, the loop polls instead.",
            label="Default case",
        ),
        variant_param(
            "correct: one Timer reset on each pass. broken: time.After(timeout) on each pass.",
        ),
    )
    actions = (
        Action("burst-source-a", "Burst source a", f"Source a sends {_BURST} values in a row."),
        Action(
            "silence-source-b",
            "Silence source b",
            "Source b stops sending (press again to wake it): its timer case becomes nil.",
        ),
        Action(
            "toggle-default",
            "Toggle default",
            "Add or remove the select's default case.",
        ),
        Action(
            "close-source",
            "Close source c",
            "Source c closes its channel: the loop sees ok=false and sets c to nil.",
        ),
    )
    # The teacher's requests reach the sources through these channels: machinery of
    # the lesson's buttons, not of the pattern (Go's sources would not have them).
    plumbing = ("* request",)
    metrics = (
        Metric("wins_a", "cases", "How many times the case <-a won the select.", label="a won"),
        Metric("wins_b", "cases", "How many times the case <-b won the select.", label="b won"),
        Metric("wins_c", "cases", "How many times the case <-c won the select.", label="c won"),
        Metric(
            "timeouts",
            "cases",
            "How many passes no source sent within the timeout (the timer case won).",
        ),
        Metric(
            "defaults",
            "cases",
            "How many passes found no case ready and took the default case.",
        ),
        Metric(
            "timers_created",
            "timers",
            "Timers the loop has made: 1 with Reset, one per pass with time.After.",
            label="timers created",
        ),
        Metric(
            "timers_pending",
            "timers",
            "Timers the loop made that have not fired yet (each holds memory until it fires).",
            label="timers pending",
        ),
    )
    source_modules = ("core.scenarios.select",)

    def __init__(self, **values: object) -> None:
        super().__init__(**values)
        # The loop's counters: written by the selector only, read by run()'s sampler.
        self._wins = dict.fromkeys(_SOURCES, 0)
        self._timeouts = 0
        self._defaults = 0
        self._timers_created = 0
        self._timers_pending = 0
        # The teacher's switch (one writer at a time, read by the selector each pass).
        self._use_default: bool = self["use_default"]
        # Made by run() so that they belong to the scenario's runtime.
        self._burst: Chan | None = None
        self._silence: Chan | None = None
        self._close_c: Chan | None = None
        self._close_once: runtime.Once | None = None

    def run(self, ctx: context.Context) -> None:
        """Start the sources and the selector; sample the counters until *ctx* ends."""
        self._burst = Chan(1, name="burst request")
        self._silence = Chan(1, name="silence request")
        self._close_c = Chan(0, name="close request")
        self._close_once = runtime.Once(name="close once")
        chans = {s: Chan(0, name=s) for s in _SOURCES}
        if self.broken:
            self.note(
                "BROKEN VARIANT: the loop writes case <-time.After(timeout): every pass makes "
                "a new timer that stays pending until it fires, even when a source won."
            )
        else:
            self.note("One Timer for the whole loop: stopped and Reset at the top of every pass.")
        runtime.go(
            self._source, ctx, chans["a"], "rate_a", self._burst, None, None, name="source a"
        )
        runtime.go(
            self._source, ctx, chans["b"], "rate_b", None, self._silence, None, name="source b"
        )
        runtime.go(
            self._source, ctx, chans["c"], "rate_c", None, None, self._close_c, name="source c"
        )
        runtime.go(self._selector, ctx, chans, name="selector")
        for _ in self.ticks(ctx, _SAMPLE_EVERY, name="metrics tick"):
            self.record_many(
                **{f"wins_{s}": self._wins[s] for s in _SOURCES},
                timeouts=self._timeouts,
                defaults=self._defaults,
                timers_created=self._timers_created,
                timers_pending=self._timers_pending,
            )

    def _source(
        self,
        ctx: context.Context,
        ch: Chan,
        rate_param: str,
        burst: Chan | None,
        silence: Chan | None,
        close: Chan | None,
    ) -> None:
        """Send "a1", "a2"... after random gaps until ctx ends or it is told to close ch.

        *burst*, *silence* and *close* are the teacher's requests; None (a
        nil channel) where this source takes no such request. When silent,
        the source's own timer case is nil too, so only a request wakes it.
        """
        rate = self[rate_param]
        pace = Timer(self.rng.expovariate(rate), name=f"{ch.name} pace")
        silent = False
        extra = 0  # values still to send at once (a burst)
        n = 0
        try:
            while True:
                if extra:
                    extra -= 1
                else:
                    i, _, _ = select(
                        Recv(ctx.done()),
                        Recv(close),
                        Recv(burst),
                        Recv(silence),
                        Recv(None if silent else pace.c),
                    )
                    if i == 0:
                        return
                    if i == 1:
                        self.note(f"source {ch.name} closes its channel after {n} values.")
                        ch.close()  # the sender closes; the selector will see ok=false
                        return
                    if i == 2:
                        extra = _BURST
                        continue
                    if i == 3:
                        silent = not silent
                        self.note(
                            f"source {ch.name} is silent: its pace case is a nil channel now."
                            if silent
                            else f"source {ch.name} speaks again."
                        )
                        continue
                    pace.reset(self.rng.expovariate(rate))  # it fired and was received
                n += 1
                i, _, _ = select(Recv(ctx.done()), Send(ch, f"{ch.name}{n}"))
                if i == 0:
                    return
        finally:
            pace.stop()

    def _selector(self, ctx: context.Context, chans: dict[str, Chan]) -> None:
        """The select loop; returns when ctx ends."""
        timeout = self["timeout"]
        srcs: list[Chan | None] = [chans[s] for s in _SOURCES]
        other_work = Pause(ctx, "other work")
        timer: Timer | None = None
        pending: list[Chan] = []  # broken: time.After channels that have not fired yet
        try:
            while True:
                if self.broken:
                    t = runtime.after(timeout)  # BROKEN: a new timer on every pass
                    self._timers_created += 1
                else:
                    if timer is None:
                        timer = Timer(timeout, name="timeout")
                        self._timers_created = self._timers_pending = 1
                    else:
                        timer.reset(timeout)  # as in Go 1.23+, Reset discards an unreceived fire
                    assert timer.c is not None  # only an after_func's Timer has no channel
                    t = timer.c
                i, _v, ok = select(
                    Recv(ctx.done()),
                    Recv(srcs[0]),
                    Recv(srcs[1]),
                    Recv(srcs[2]),
                    Recv(t),
                    default=self._use_default,
                )
                if self.broken:
                    if i != 4:
                        pending.append(t)
                    # An After channel that fired holds its value: it is no longer pending.
                    pending = [c for c in pending if len(c) == 0]
                    self._timers_pending = len(pending)
                if i == 0:
                    return
                if i == -1:
                    self._defaults += 1
                    if not other_work.wait(_OTHER_WORK):
                        return
                elif i == 4:
                    self._timeouts += 1
                elif not ok:
                    name = _SOURCES[i - 1]
                    srcs[i - 1] = None
                    self.note(
                        f"<-{name} returned ok=false: {name} is closed, and a closed channel is "
                        f"always ready. The loop sets {name} = nil: that case is never picked "
                        "again."
                    )
                else:
                    self._wins[_SOURCES[i - 1]] += 1
        finally:
            other_work.stop()
            if timer is not None:
                timer.stop()

    # -- teacher actions ------------------------------------------------------

    def on_burst_source_a(self) -> None:
        if not try_send(self._burst):
            self.note("A burst is already waiting for source a.")

    def on_silence_source_b(self) -> None:
        if not try_send(self._silence):
            self.note("Source b has not taken the last request yet.")

    def on_toggle_default(self) -> None:
        self._use_default = not self._use_default
        if self._use_default:
            self.note(
                "default case on: select never waits. With nothing ready the loop does other "
                "work and comes back (polling); the timeout can no longer win."
            )
        else:
            self.note("default case off: select waits for a source or the timeout.")

    def on_close_source(self) -> None:
        if self._close_once is not None and self._close_c is not None:
            self._close_once.do(self._close_c.close)
