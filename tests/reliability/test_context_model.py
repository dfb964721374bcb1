"""Context trees against a model: who ends, with which error instance, and never upwards.

Serial: hypothesis builds a random tree step by step (``with_cancel``, ``with_timeout``
far in the future, ``with_deadline`` already past, ``with_value``) interleaved with
random cancels; after every step each context is compared with the model: live or
ended, ``Canceled`` or ``DeadlineExceeded``, *which* node's cause ended it (every node
ended by one cause shares that cause's error instance), ``done()`` closed exactly when
ended, ``deadline()`` the earliest up the chain, ``value()`` the nearest.

Concurrent: a random tree with real timeouts (high clock speed) while several
goroutines cancel random nodes and others add children to random nodes. After it all
settles: a context has ended iff something at or above it was cancelled or timed out;
walking up from an ended node along the same error instance leads to a node whose own
cancel was called (``Canceled``) or whose own deadline passed (``DeadlineExceeded``);
so no parent was ever ended by a child.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from helpers import wait_until
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.runtime import Runtime, gosched, sleep
from core.runtime.context import (
    Canceled,
    Context,
    DeadlineExceeded,
    background,
    with_cancel,
    with_deadline,
    with_timeout,
    with_value,
)

FAR = 1000.0  # a timeout that never fires during a test
KEYS = ("a", "b")


@dataclass
class Node:
    """One context and what the model knows of it."""

    ctx: Context
    parent: int | None  # index of the parent node; None: background
    kind: str  # "cancel", "timeout", "past", "value"
    cancel: Any = None  # the cancel function (None for a value context)
    own_deadline: float | None = None  # set by its own with_deadline/with_timeout
    key: str | None = None
    val: Any = None
    origin: int | None = None  # model: the node whose cause ended it (None: live)
    err_type: type | None = None
    cancel_called: bool = False
    children: list[int] = field(default_factory=list)


class Tree:
    """The contexts made so far and the model's expectation for each."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []

    def chain(self, i: int | None):
        while i is not None:
            yield i
            i = self.nodes[i].parent

    def subtree(self, i: int):
        stack = [i]
        while stack:
            j = stack.pop()
            yield j
            stack.extend(self.nodes[j].children)

    def parent_ctx(self, p: int | None) -> Context:
        return background() if p is None else self.nodes[p].ctx

    def ended_above(self, p: int | None) -> int | None:
        """The origin of the nearest ended node at or above *p* (what a new child inherits)."""
        for j in self.chain(p):
            if self.nodes[j].origin is not None:
                return self.nodes[j].origin
        return None

    # -- operations, applied to the runtime and the model together ------------------

    def make(self, p: int | None, kind: str, key: str = "a", val: Any = None) -> int:
        parent = self.parent_ctx(p)
        i = len(self.nodes)
        if kind == "cancel":
            ctx, cancel = with_cancel(parent, name=f"n{i}")
            node = Node(ctx, p, kind, cancel)
        elif kind == "timeout":
            ctx, cancel = with_timeout(parent, FAR, name=f"n{i}")
            node = Node(ctx, p, kind, cancel)
        elif kind == "past":
            t = ctx_clock_now() - 1.0
            ctx, cancel = with_deadline(parent, t, name=f"n{i}")
            node = Node(ctx, p, kind, cancel, own_deadline=t)
        else:
            ctx = with_value(parent, key, val)
            node = Node(ctx, p, kind, key=key, val=val)
        self.nodes.append(node)
        if p is not None:
            self.nodes[p].children.append(i)
        inherited = self.ended_above(p)
        if inherited is not None:
            node.origin = inherited
            node.err_type = self.nodes[inherited].err_type
        elif kind == "past":
            node.origin, node.err_type = i, DeadlineExceeded
        return i

    def cancel(self, i: int) -> None:
        node = self.nodes[i]
        node.cancel()
        node.cancel_called = True
        if node.origin is not None:
            return  # already ended: cancel is idempotent
        for j in self.subtree(i):
            if self.nodes[j].origin is None:
                self.nodes[j].origin = i
                self.nodes[j].err_type = Canceled

    # -- what the model says -----------------------------------------------------------

    def expected_deadline(self, i: int) -> float | None:
        ds = []
        for j in self.chain(i):
            n = self.nodes[j]
            d = n.own_deadline if n.kind == "past" else None
            if n.kind == "timeout":
                d = n.ctx.deadline()  # its own: FAR from when it was made (checked below)
            if d is not None:
                ds.append(d)
        return min(ds) if ds else None

    def expected_value(self, i: int, key: str) -> Any:
        for j in self.chain(i):
            n = self.nodes[j]
            if n.kind == "value" and n.key == key:
                return n.val
        return None

    def check(self, why: str) -> None:
        for i, n in enumerate(self.nodes):
            where = f"n{i} ({n.kind}, parent n{n.parent}) after {why}"
            err = n.ctx.err()
            if n.origin is None:
                assert err is None, f"{where}: ended ({err!r}), model: live"
            else:
                assert err is not None, f"{where}: live, model: ended by n{n.origin}"
                assert type(err) is n.err_type, f"{where}: {err!r}, model {n.err_type}"
                assert err is self.nodes[n.origin].ctx.err(), (
                    f"{where}: not the error instance of n{n.origin}, whose cause ended it"
                )
            done = n.ctx.done()
            has_cancel_above = any(self.nodes[j].kind != "value" for j in self.chain(i))
            if not has_cancel_above:
                assert done is None, f"{where}: done() should be a nil channel"
            else:
                assert done is not None and done.closed == (err is not None), where
            assert n.ctx.deadline() == self.expected_deadline(i), where
            for key in KEYS:
                assert n.ctx.value(key) == self.expected_value(i, key), where
        instances: dict[int, int] = {}
        for n in self.nodes:
            if n.origin is not None and n.kind != "value":
                # Different causes never share an error instance.
                prev = instances.setdefault(id(n.ctx.err()), n.origin)
                assert prev == n.origin, f"n{prev} and n{n.origin} share one error instance"


_rt_for_clock: list[Runtime] = []


def ctx_clock_now() -> float:
    return _rt_for_clock[-1].clock.now()


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_context_trees_end_exactly_as_the_model_says(data):
    rt = Runtime(name="ctx-model")
    _rt_for_clock.append(rt)
    tree = Tree()
    try:
        with rt.active():
            for step in range(data.draw(st.integers(1, 30), label="steps")):
                cancellable = [i for i, n in enumerate(tree.nodes) if n.kind != "value"]
                if cancellable and data.draw(st.integers(0, 3), label=f"op@{step}") == 0:
                    i = data.draw(st.sampled_from(cancellable), label="cancel")
                    tree.cancel(i)
                    tree.check(f"cancel n{i}")
                    continue
                p = data.draw(st.sampled_from([None, *range(len(tree.nodes))]), label="parent")
                kind = data.draw(
                    st.sampled_from(["cancel", "cancel", "timeout", "past", "value"]),
                    label="kind",
                )
                key = data.draw(st.sampled_from(KEYS), label="key")
                i = tree.make(p, kind, key, val=step)
                if kind == "timeout":
                    assert tree.nodes[i].ctx.deadline() <= rt.clock.now() + FAR
                tree.check(f"make n{i} {kind} under n{p}")
    finally:
        _rt_for_clock.pop()
        report = rt.stop(timeout=0.5)
    assert report.clean


# -- concurrent: cancels, timeouts and new children at once -----------------------------


@dataclass
class CNode:
    ctx: Context
    parent: int | None
    cancel: Any
    own_deadline: float | None  # its own timeout's deadline, if it set one that counts
    cancel_called: bool = False


def _origin(nodes: list[CNode], i: int) -> int:
    """Walk up from ended node *i* while the parent holds the very same error instance."""
    err = nodes[i].ctx.err()
    while nodes[i].parent is not None and nodes[nodes[i].parent].ctx.err() is err:
        i = nodes[i].parent
    return i


@settings(max_examples=50, deadline=None, database=None)
@given(
    shape=st.lists(st.integers(0, 40), min_size=1, max_size=40),
    timeouts=st.lists(st.one_of(st.none(), st.floats(0.01, 0.4)), min_size=40, max_size=40),
    cancellers=st.integers(1, 4),
    cancels=st.lists(st.integers(0, 80), max_size=30),
    growers=st.integers(0, 3),
    seed=st.integers(0, 2**16),
)
def test_concurrent_cancels_and_timeouts_never_end_a_parent_from_a_child(
    shape, timeouts, cancellers, cancels, growers, seed
):
    rt = Runtime(name="ctx-chaos", speed=20.0, seed=seed)
    nodes: list[CNode] = []
    lock = threading.Lock()  # guards nodes (appended by the growers)

    def add(p: int | None, timeout: float | None) -> None:
        parent = background() if p is None else nodes[p].ctx
        if timeout is None:
            ctx, cancel = with_cancel(parent)
            own = None
        else:
            ctx, cancel = with_timeout(parent, timeout)
            pd = parent.deadline()
            own = ctx.deadline() if pd is None or ctx.deadline() < pd else None
        with lock:
            nodes.append(CNode(ctx, p, cancel, own))

    with rt.active():
        for k, x in enumerate(shape):
            add(None if k == 0 or x >= k else x, timeouts[k])

    def canceller(c: int) -> None:
        for n, i in enumerate(cancels):
            if n % cancellers != c:
                continue
            with lock:
                node = nodes[i % len(nodes)]
                node.cancel_called = True  # before the call: the check runs after all
            node.cancel()
            if n % 3 == 0:
                sleep(0.02)  # let timers fire in between
            gosched()

    def grower(g: int) -> None:
        for n in range(10):
            with lock:
                p = (n * 7 + g) % len(nodes)
            add(p, None if n % 2 else 0.05)
            sleep(0.01)

    gs = [rt.go(canceller, c, name=f"canceller-{c}") for c in range(cancellers)]
    gs += [rt.go(grower, g, name=f"grower-{g}") for g in range(growers)]
    try:
        assert all(g.join(10.0) for g in gs)
        horizon = max((n.ctx.deadline() or 0.0) for n in nodes if (n.ctx.deadline() or 0) < FAR)
        wait_until(lambda: rt.clock.now() > horizon + 0.01, timeout=10.0)

        def triggered(i: int) -> bool:
            n = nodes[i]
            return n.cancel_called or (n.own_deadline is not None and n.own_deadline <= horizon)

        def should_end(i: int) -> bool:
            j: int | None = i
            while j is not None:
                if triggered(j):
                    return True
                j = nodes[j].parent
            return False

        wait_until(
            lambda: all(n.ctx.err() is not None for k, n in enumerate(nodes) if should_end(k)),
            timeout=5.0,
            message="a context whose ancestor ended is still live",
        )
        for i, n in enumerate(nodes):
            err = n.ctx.err()
            if not should_end(i):
                assert err is None, f"n{i} ended ({err!r}) though nothing at or above it did"
                assert not n.ctx.done().closed
                continue
            assert n.ctx.done().closed
            o = _origin(nodes, i)
            if isinstance(err, Canceled):
                assert nodes[o].cancel_called, f"n{i} canceled by n{o}, never cancelled"
            else:
                assert isinstance(err, DeadlineExceeded), err
                assert nodes[o].own_deadline is not None, f"n{o} has no deadline of its own"
                assert nodes[o].own_deadline <= rt.clock.now()
    finally:
        report = rt.stop(timeout=1.0)
    assert report.clean, report
