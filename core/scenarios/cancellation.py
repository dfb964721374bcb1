"""Cancellation: close(done), a timeout around a slow call, and the context tree.

Three lessons on stopping goroutines that are already running:

* ``cancel-by-close``: a receive from a closed channel never blocks, so one
  ``close(done)`` is heard by every worker, however many there are.
* ``cancel-by-timeout``: a caller stops waiting for a slow call after a
  timeout. Done right (``context.WithTimeout``, a call that watches
  ``ctx.Done()``, a result channel with room for one value) nothing is left
  behind; done wrong (an unbuffered result channel, a call that ignores
  cancellation) every timed-out call leaves a goroutine blocked forever on
  its send: a goroutine leak.
* ``context-tree``: cancellation flows from a context to all its
  descendants, never up to its parent; deadlines are inherited.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field

from core import runtime
from core.runtime import Chan, Recv, Ticker, Timer, WaitGroup, context, select
from core.runtime.context import Canceled, DeadlineExceeded
from core.scenarios._base import Action, Metric, Param, Scenario, variant_param
from core.scenarios._pacing import Pause, try_send

__all__ = ["CancelByClose", "CancelByTimeout", "ContextTree"]

_SAMPLE_EVERY = 0.25  # runtime seconds between metric samples


# -- cancel-by-close ---------------------------------------------------------


class CancelByClose(Scenario):
    """Workers loop until a shared ``done`` channel is closed.

    Go::

        func worker(id int, done <-chan struct{}, wg *sync.WaitGroup) {
            defer wg.Done()
            tick := time.NewTicker(workTime)
            defer tick.Stop()
            for {
                select {
                case <-done:
                    return
                case <-tick.C:
                    jobs++ // one unit of work
                }
            }
        }
        close(done) // a broadcast: every worker wakes, not just one
        wg.Wait()
    """

    id = "cancel-by-close"
    title = "Cancel by close: one close(done) stops every worker"
    chapter = "Cancellation"
    summary = (
        "A receive from a closed channel never blocks, so close(done) is a broadcast: "
        "every worker's select sees it at once, now and later."
    )
    params = (
        Param(
            "workers",
            int,
            4,
            "How many workers start with the lesson.",
            minimum=1,
            maximum=8,
            unit="goroutines",
        ),
        Param(
            "work_time",
            float,
            0.3,
            "Time one unit of work takes; each worker checks done between units.",
            minimum=0.05,
            maximum=2.0,
            unit="s",
        ),
    )
    actions = (
        Action("cancel", "Cancel: close(done)", "Close the done channel: every worker returns."),
        Action(
            "add-worker",
            "Add worker",
            "Start one more worker (after close(done) it returns at once).",
        ),
    )
    metrics = (
        Metric(
            "workers_running",
            "goroutines",
            "Workers that have not returned yet.",
            label="workers running",
        ),
        Metric(
            "work_done",
            "units",
            "Units of work all workers have finished since the start.",
            label="work done",
        ),
        Metric(
            "stop_time",
            "ms",
            "Runtime time from close(done) until the last worker returned.",
            label="time to stop",
        ),
    )
    source_modules = ("core.scenarios.cancellation",)

    def __init__(self, **values: object) -> None:
        super().__init__(**values)
        self._lock = threading.Lock()  # guards the counters below (written by every worker)
        self._running = 0
        self._units = 0
        self._ids = itertools.count(1)
        # Made by run() so that they belong to the scenario's runtime.
        self._done: Chan | None = None
        self._close_once: runtime.Once | None = None
        self._wg: WaitGroup | None = None

    def run(self, ctx: context.Context) -> None:
        """Start the workers; sample until *ctx* ends, then close done and wait for them."""
        self._done = Chan(0, name="done")
        self._close_once = runtime.Once(name="close once")
        self._wg = WaitGroup(name="workers")
        self.note("Each worker: select { case <-done: return; case <-tick.C: work }.")
        for _ in range(self["workers"]):
            self._start_worker()
        for _ in self.ticks(ctx, _SAMPLE_EVERY, name="metrics tick"):
            self._sample()
        self._close_once.do(self._done.close)  # the program ends: stop whoever is left
        self._wg.wait()

    def _sample(self) -> None:
        with self._lock:
            running, units = self._running, self._units
        self.record_many(workers_running=running, work_done=units)

    def _start_worker(self) -> int:
        assert self._wg is not None and self._done is not None
        k = next(self._ids)
        with self._lock:
            self._running += 1
        self._wg.go(self._worker, k, self._done, name=f"worker {k}")
        return k

    def _worker(self, k: int, done: Chan) -> None:
        """Work one unit per tick until done is closed. Go: ``for { select {...} }``"""
        tick = Ticker(self["work_time"], name=f"worker {k} tick")
        try:
            while True:
                i, _, _ = select(Recv(done), Recv(tick.c))
                if i == 0:  # done is closed: the receive returned at once with ok=false
                    return
                with self._lock:
                    self._units += 1
        finally:
            tick.stop()
            with self._lock:
                self._running -= 1

    def on_cancel(self) -> None:
        """Close done (once) and report how long the workers took to return."""
        if self._done is None or self._wg is None or self._close_once is None:
            return
        if self._done.closed:
            self.note("done is already closed: closing it again would panic.")
            return
        with self._lock:
            n = self._running
        t0 = runtime.now()
        self._close_once.do(self._done.close)
        self._wg.wait()
        ms = (runtime.now() - t0) * 1000.0
        self.record("stop_time", ms)
        self._sample()
        self.note(
            f"close(done) woke all {n} workers at once (a close is a broadcast); "
            f"the last one returned {ms:.0f} ms later."
        )

    def on_add_worker(self) -> None:
        if self._wg is None or self._done is None:
            return
        k = self._start_worker()
        if self._done.closed:
            self.note(
                f"worker {k} started after close(done): its first select finds done closed "
                "and returns at once."
            )


# -- cancel-by-timeout -------------------------------------------------------

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
    source_modules = ("core.scenarios.cancellation",)

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

_SHORT_DEADLINE = 0.3  # runtime seconds: the deadline "timeout-now" gives a request
_BETWEEN_REQUESTS = 1.0  # runtime seconds the ended tree stays on stage
_WORK_EVERY = 0.25  # runtime seconds between two units of a node's work


@dataclass(eq=False)
class _Node:
    """One context of a request's tree, its cancel function (None for a value) and its worker."""

    name: str
    ctx: context.Context
    cancel: context.CancelFunc | None
    children: list[_Node] = field(default_factory=list)

    def descendants(self) -> list[_Node]:
        out = []
        for c in self.children:
            out.append(c)
            out.extend(c.descendants())
        return out


@dataclass(eq=False)
class _Request:
    n: int
    root: _Node
    db: _Node
    wg: WaitGroup

    def nodes(self) -> list[_Node]:
        return [self.root, *self.root.descendants()]


class ContextTree(Scenario):
    """A request's context tree: cancel the root, cancel a child, let deadlines pass.

    Go::

        req, cancel := context.WithTimeout(parent, requestTimeout)
        defer cancel()
        val := context.WithValue(req, "request", "r-7")
        db, cancelDB := context.WithTimeout(val, dbTimeout)
        query, cancelQuery := context.WithCancel(db)
        cache, cancelCache := context.WithTimeout(val, 2*requestTimeout) // capped by req
    """

    id = "context-tree"
    title = "Context tree: cancellation flows down, never up"
    chapter = "Cancellation"
    summary = (
        "A request context with children and a worker on each. Cancelling a context ends "
        "its whole subtree and never its parent; a child never outlives its parent's deadline."
    )
    params = (
        Param(
            "request_timeout",
            float,
            4.0,
            "Deadline of each request: the whole tree ends with it.",
            minimum=0.5,
            maximum=30.0,
            unit="s",
        ),
        Param(
            "db_timeout",
            float,
            1.5,
            "The db call's own timeout (its subtree ends then, the request goes on).",
            minimum=0.1,
            maximum=30.0,
            unit="s",
        ),
    )
    actions = (
        Action("cancel-root", "Cancel request", "Call the request's cancel(): every node ends."),
        Action(
            "cancel-child",
            "Cancel db",
            "Call the db context's cancel(): db and its child end, the rest goes on.",
        ),
        Action(
            "timeout-now",
            "Short deadline",
            f"Serve the request again with a {_SHORT_DEADLINE:g} s deadline "
            "(a live context's deadline cannot move).",
        ),
        Action("new-request", "New request", "End this request and serve a new one."),
    )
    metrics = (
        Metric(
            "live_contexts",
            "contexts",
            "Contexts of the current request that have not ended.",
            label="live contexts",
        ),
        Metric(
            "canceled",
            "contexts",
            "Contexts ended by a cancel() (theirs or an ancestor's): context canceled.",
        ),
        Metric(
            "deadline_exceeded",
            "contexts",
            "Contexts ended by a deadline (theirs or an ancestor's): context deadline exceeded.",
            label="deadline exceeded",
        ),
        Metric("requests", "requests", "Requests served since the start."),
    )
    source_modules = ("core.scenarios.cancellation",)

    def __init__(self, **values: object) -> None:
        super().__init__(**values)
        self._lock = threading.Lock()  # guards the counters (written by every worker)
        self._canceled = 0
        self._deadline = 0
        self._served = 0
        self._current: _Request | None = None  # written by run() only
        self._requests: Chan | None = None  # deadlines for the next request, from the teacher

    def run(self, ctx: context.Context) -> None:
        """Serve one request after another until *ctx* ends.

        A request ends by its deadline, a cancel, or the teacher asking for a
        new one; run then waits for its workers (all return at once, their
        contexts being done) and, after a pause, serves the next.
        """
        self._requests = Chan(1, name="new request")
        tick = Ticker(_SAMPLE_EVERY, name="metrics tick")
        pause = Timer(_BETWEEN_REQUESTS, name="between requests")
        pause.stop()
        deadline: float = self["request_timeout"]
        try:
            while ctx.err() is None:
                req = self._serve(ctx, deadline)
                deadline = self["request_timeout"]
                while True:
                    i, v, _ = select(
                        Recv(ctx.done()),
                        Recv(req.root.ctx.done()),
                        Recv(self._requests),
                        Recv(tick.c),
                    )
                    if i != 3:
                        break
                    self._sample()
                assert req.root.cancel is not None
                req.root.cancel()  # defer cancel(): also after a deadline, to release it
                req.wg.wait()
                self._sample()
                if i == 2:
                    deadline = v
                    continue
                if i == 1:  # the request ended by itself: leave the ended tree on stage
                    pause.reset(_BETWEEN_REQUESTS)
                    j, v, _ = select(Recv(ctx.done()), Recv(self._requests), Recv(pause.c))
                    if j == 1:
                        deadline = v
        finally:
            tick.stop()
            pause.stop()

    def _serve(self, parent: context.Context, d: float) -> _Request:
        """Build request n's tree and start a worker on every node."""
        with self._lock:
            self._served += 1
            n = self._served
        req_ctx, cancel = context.with_timeout(parent, d, name=f"request #{n}")
        root = _Node(f"request #{n}", req_ctx, cancel)
        val_ctx = context.with_value(req_ctx, "request", f"r-{n}", name="request-id")
        val = _Node("request-id", val_ctx, None)
        db_ctx, db_cancel = context.with_timeout(val_ctx, self["db_timeout"], name="db")
        db = _Node("db", db_ctx, db_cancel)
        q_ctx, q_cancel = context.with_cancel(db_ctx, name="db.query")
        cache_ctx, cache_cancel = context.with_timeout(val_ctx, 2 * d, name="cache")
        cache = _Node("cache", cache_ctx, cache_cancel)
        root.children = [val]
        val.children = [db, cache]
        db.children = [_Node("db.query", q_ctx, q_cancel)]
        req = _Request(n, root, db, WaitGroup(name=f"request #{n} workers"))
        self._current = req
        for node in req.nodes():
            req.wg.go(self._worker, node, name=f"{node.name} worker")
        self.note(
            f"request #{n}: deadline in {d:g} s; db has its own {self['db_timeout']:g} s; "
            f"cache asked for {2 * d:g} s but cannot outlive its parent "
            f"(cache deadline == request deadline: {cache_ctx.deadline() == req_ctx.deadline()})."
        )
        return req

    def _worker(self, node: _Node) -> None:
        """Work on *node* until its context ends; count the cause."""
        for _ in self.ticks(node.ctx, _WORK_EVERY, name=f"{node.name} work"):
            pass  # one unit of work on behalf of request node.ctx.value("request")
        err = node.ctx.err()
        with self._lock:
            if isinstance(err, DeadlineExceeded):
                self._deadline += 1
            elif isinstance(err, Canceled):
                self._canceled += 1

    def _sample(self) -> None:
        req = self._current
        live = sum(1 for nd in req.nodes() if nd.ctx.err() is None) if req else 0
        with self._lock:
            canceled, deadline, served = self._canceled, self._deadline, self._served
        self.record_many(
            live_contexts=live, canceled=canceled, deadline_exceeded=deadline, requests=served
        )

    def _cancel(self, node: _Node, req: _Request) -> None:
        """Call *node*'s cancel and say how far it spread."""
        below = node.descendants()
        live = [d for d in below if d.ctx.err() is None]
        if node.ctx.err() is not None:
            self.note(f"{node.name} has already ended ({node.ctx.err()}): cancel() does nothing.")
            return
        assert node.cancel is not None
        node.cancel()
        spread = [d.name for d in live if d.ctx.err() is not None]
        text = f"cancel({node.name}) spread to {len(spread)} descendant" + (
            "" if len(spread) == 1 else "s"
        )
        if spread:
            text += f" ({', '.join(spread)})"
        if node is not req.root and req.root.ctx.err() is None:
            text += f"; {req.root.name} and its other children keep running: it never goes up"
        self.note(text + ".")

    # -- teacher actions ------------------------------------------------------

    def on_cancel_root(self) -> None:
        req = self._current
        if req is not None:
            self._cancel(req.root, req)

    def on_cancel_child(self) -> None:
        req = self._current
        if req is not None:
            self._cancel(req.db, req)

    def on_timeout_now(self) -> None:
        if try_send(self._requests, _SHORT_DEADLINE):
            self.note(
                "A live context's deadline cannot move: the server ends this request and "
                f"serves it again under context.WithTimeout(parent, {_SHORT_DEADLINE:g} s)."
            )
        else:
            self.note("A new request is already waiting to be served.")

    def on_new_request(self) -> None:
        if not try_send(self._requests, self["request_timeout"]):
            self.note("A new request is already waiting to be served.")
