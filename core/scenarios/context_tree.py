"""Lesson "context-tree": cancellation flows from a context to all its descendants.

Never up to its parent; deadlines are inherited.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from core.runtime import Chan, Recv, Ticker, Timer, WaitGroup, context, select
from core.runtime.context import Canceled, DeadlineExceeded
from core.scenarios._base import Action, Metric, Param, Scenario
from core.scenarios._pacing import try_send

__all__ = ["ContextTree"]

_SAMPLE_EVERY = 0.25  # runtime seconds between metric samples

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
    source_modules = ("core.scenarios.context_tree",)
    # How the teacher's "New request" reaches run, and its pause between requests.
    plumbing = ("new request", "between requests", "between requests.C")

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
