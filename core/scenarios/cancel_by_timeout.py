"""Lesson "cancel-by-timeout": stop waiting for a slow call, and let the call stop too.

Done right (``context.WithTimeout``, a call that watches ``ctx.Done()``, a
result channel with room for one value) nothing is left behind; done wrong (an
unbuffered result channel, a call that ignores cancellation) every timed-out
call leaves a goroutine blocked forever on its send: a goroutine leak.
"""

from __future__ import annotations

import itertools
import threading

from core import runtime
from core.runtime import Chan, Recv, Timer, context, select
from core.scenarios._base import Action, Metric, Param, Scenario, variant_param
from core.scenarios._pacing import Pause

__all__ = ["CancelByTimeout"]

_SAMPLE_EVERY = 0.25  # runtime seconds between metric samples

_CALL_GAP = 0.3  # runtime seconds the caller waits between two calls


class CancelByTimeout(Scenario):
    """A caller gives up on a slow query after a timeout; what happens to the query?

    Correct (Go)::

        ctx, cancel := context.WithTimeout(parent, timeout)
        defer cancel()
        out := make(chan result, 1) // room for the answer even if no one waits
        go func() { out <- slowQuery(ctx) }() // slowQuery returns when ctx ends
        select {
        case r := <-out:
            return r
        case <-ctx.Done():
            return ctx.Err()
        }

    Broken (Go)::

        out := make(chan string) // no buffer: the send needs a receiver
        go func() {
            time.Sleep(cost) // ignores any cancellation
            out <- "rows"    // after a timeout nobody receives: blocked forever
        }()
        select {
        case v := <-out:
        case <-time.After(timeout):
        }
    """

    id = "cancel-by-timeout"
    title = "Cancel by timeout: stop waiting, and let the call stop too"
    chapter = "Cancellation"
    summary = (
        "A caller waits for a slow query with a timeout. Done right, the query stops "
        "with the caller's context; done wrong, it runs on and blocks forever on its send."
    )
    params = (
        Param(
            "operation_time",
            float,
            0.5,
            "Average time one query takes (each call varies from half to one and a half).",
            minimum=0.05,
            maximum=5.0,
            unit="s",
        ),
        Param(
            "timeout",
            float,
            0.5,
            "How long the caller waits for the result before it gives up.",
            minimum=0.05,
            maximum=5.0,
            unit="s",
        ),
        variant_param(
            "correct: WithTimeout, a query that watches ctx, a result channel of capacity 1. "
            "broken: an unbuffered result channel and a query that ignores cancellation.",
        ),
    )
    actions = (
        Action("call", "Call", "Make one more call, from the teacher, beside the caller's."),
        Action("slower", "Slower query", "Queries take 1.5 times longer."),
        Action("faster", "Faster query", "Queries take 1.5 times less."),
    )
    metrics = (
        Metric("calls_ok", "calls", "Calls that got their result within the timeout.", "calls ok"),
        Metric("timeouts", "calls", "Calls whose caller gave up after the timeout."),
        Metric(
            "still_running",
            "goroutines",
            "Queries still working although their caller has already given up.",
            label="still running",
        ),
        Metric(
            "leaked",
            "goroutines",
            "Queries blocked forever on their result send: nobody will ever receive it.",
        ),
    )
    source_modules = ("core.scenarios.cancel_by_timeout",)

    def __init__(self, **values: object) -> None:
        super().__init__(**values)
        self._op_time: float = self["operation_time"]  # the teacher's knob
        self._calls = itertools.count(1)
        self._lock = threading.Lock()  # guards the counters and sets below
        self._ok = 0
        self._timeouts = 0
        # Call numbers: queries still computing, queries sending their result,
        # calls whose caller gave up. A query leaves the first two when it is
        # done; the sampler drops abandoned calls whose query is in neither.
        self._working: set[int] = set()
        self._sending: set[int] = set()
        self._abandoned: set[int] = set()

    def run(self, ctx: context.Context) -> None:
        """Start the caller; sample until *ctx* ends."""
        self.ctx = ctx  # ready: the actions may run from now on
        if self.broken:
            self.note(
                "BROKEN VARIANT: the result channel is unbuffered and the query ignores "
                "cancellation: after each timeout a query stays blocked on its send (a leak)."
            )
        runtime.go(self._caller, ctx, name="caller")
        for _ in self.ticks(ctx, _SAMPLE_EVERY, name="metrics tick"):
            self._sample()

    def _sample(self) -> None:
        with self._lock:
            self._abandoned &= self._working | self._sending
            ok, timeouts = self._ok, self._timeouts
            running = len(self._working & self._abandoned)
            leaked = len(self._sending & self._abandoned) if self.broken else 0
        self.record_many(calls_ok=ok, timeouts=timeouts, still_running=running, leaked=leaked)

    def _caller(self, ctx: context.Context) -> None:
        """Call, pause, call again, until ctx ends."""
        with Pause(ctx, "caller pause") as gap:
            while ctx.err() is None:
                self._call(ctx)
                gap.wait(_CALL_GAP)

    def _call(self, ctx: context.Context) -> None:
        """One call with a timeout; blocks up to the timeout (or until ctx ends)."""
        n = next(self._calls)
        cost = self._op_time * self.rng.uniform(0.5, 1.5)
        timeout = self["timeout"]
        with self._lock:
            self._working.add(n)
        if self.broken:
            out = Chan(0, name=f"result #{n}")
            runtime.go(self._broken_query, n, cost, out, name=f"query #{n}")
            # (Go's broken caller has no ctx case; this one needs it to end with the program.)
            i, _, _ = select(Recv(out), Recv(runtime.after(timeout)), Recv(ctx.done()))
        else:
            cctx, cancel = context.with_timeout(ctx, timeout, name=f"call #{n}")
            out = Chan(1, name=f"result #{n}")
            runtime.go(self._query, cctx, n, cost, out, name=f"query #{n}")
            try:
                i, r, _ = select(Recv(out), Recv(cctx.done()))
                if i == 0 and r is not None:  # the query itself saw the deadline
                    i = 1
            finally:
                cancel()  # defer cancel(): the query stops now if it is still running
        if ctx.err() is not None:
            return  # the program is ending: neither a success nor a timeout
        with self._lock:
            if i == 0:
                self._ok += 1
                return
            self._timeouts += 1
            self._abandoned.add(n)
        if self.broken:
            self.note(
                f"call #{n} gave up after {timeout:.2f} s. query #{n} does not know: it runs "
                f"on, and its send on the unbuffered result #{n} will block forever."
            )
        else:
            self.note(
                f"call #{n} gave up after {timeout:.2f} s; cancel() ended query #{n} too, and "
                "its result fits in the buffer: nothing is left behind."
            )

    def _query(self, ctx: context.Context, n: int, cost: float, out: Chan) -> None:
        """The correct query: works for *cost*, or less if ctx ends; never blocks on its send."""
        work = Timer(cost, name=f"query #{n} work")
        try:
            i, _, _ = select(Recv(work.c), Recv(ctx.done()))
        finally:
            work.stop()
        with self._lock:
            self._working.discard(n)
        out.send(None if i == 0 else ctx.err())  # capacity 1: never blocks

    def _broken_query(self, n: int, cost: float, out: Chan) -> None:
        """The broken query: ignores cancellation, then sends on an unbuffered channel."""
        runtime.sleep(cost)
        with self._lock:
            self._working.discard(n)
            self._sending.add(n)
        out.send("rows")  # blocks forever if the caller has gone
        with self._lock:
            self._sending.discard(n)

    # -- teacher actions ------------------------------------------------------

    def on_call(self) -> None:
        if self.ctx is not None and self.ctx.err() is None:
            self._call(self.ctx)

    def _set_op_time(self, t: float) -> None:
        p = self.param("operation_time")
        assert p.minimum is not None and p.maximum is not None
        self._op_time = min(max(t, p.minimum), p.maximum)
        self.note(
            f"Queries now take about {self._op_time:.2f} s; "
            f"the caller waits {self['timeout']:.2f} s."
        )

    def on_slower(self) -> None:
        self._set_op_time(self._op_time * 1.5)

    def on_faster(self) -> None:
        self._set_op_time(self._op_time / 1.5)


# -- context-tree ------------------------------------------------------------
