"""Who waits on what, and who could wake it: the wait-for graph.

:class:`UsageIndex` reads trace events and remembers, for every object,
which goroutines have used it and how (sent on / received from a channel,
locked and unlocked a mutex, added to a WaitGroup, made it), who holds each
mutex now, which channels belong to timers and contexts, and goroutine names.

:meth:`WaitForGraph.from_runtime` joins that with the runtime's live states:
nodes are goroutines and the objects they wait on; a *wait* edge says
"g waits on obj", a *wake* edge "obj could be signalled by g". From it:
:meth:`~WaitForGraph.cycles` (goroutines each waiting for the next),
:meth:`~WaitForGraph.stuck` (blocked goroutines that can never wake) and
:meth:`~WaitForGraph.explain` (one sentence in plain words).

What it can know, and what it cannot
------------------------------------
Who *could* signal an object is judged from the past, as a person reading
the trace would. Each wake edge is either *evidence* (a use that can wake
the waiter) or a *guess* (``Wake.guess``: a goroutine that may hold the
object); both count for :meth:`~WaitForGraph.stuck`, only evidence counts
for :meth:`~WaitForGraph.cycles` and leads the explanations.

* A goroutine blocked sending on a channel: evidence is a goroutine that has
  received from it (plainly or in a select); blocked receiving: one that has
  sent on it (a sender may also close it). A goroutine that has used it the
  same way only is a guess (a channel semaphore: send to acquire, receive to
  release).
* Guesses for goroutines that hold a channel without having used it yet:
  its maker, while it has not used it itself; the goroutines the maker
  started after making it and before its own first use (``go worker(ch)``);
  and the receivers of what the maker sent meanwhile (a request carrying
  its reply channel).
* A mutex: the goroutine(s) holding it now (from LOCK/UNLOCK events; a
  locked mutex whose holder the trace did not show counts as wakeable).
* A WaitGroup: the goroutines that have added to it or called ``done``, and
  the goroutines an adder started (``wg.go`` / ``wg.add(1); go``).
* A timer's or ticker's channel, and a context with a deadline: the clock,
  while it has a pending timer. A context: the goroutines that made it or
  one of its ancestors (they hold the cancel functions). A context below
  the runtime's root, or any object marked external: ``stop()``.
* A select: whoever could signal any of its channels. A goroutine whose
  select *site* (its selects with the same number of channels) has since
  moved on to other channels no longer counts for the channels it left (the
  caller that gave up on ``result #3`` and now selects on ``result #4``). A
  select seen only while parked lists its channels without directions; its
  direction is read from the runtime while it is still parked, and is
  otherwise counted both ways.

It cannot know about a goroutine that has never touched an object and is
none of the guesses above, yet holds it (handed over through a shared
struct, or a channel of channels received later): :meth:`stuck` may then
call a goroutine stuck that this one would wake. Conversely, a goroutine
that received once and never will again (``v := <-ch``, then other work)
still counts while it lives, so a leak behind it shows only when it ends
(:func:`core.teaching.reports.leak_report` lists it at the end). Threads
that are not goroutines (id 0: tests, the GUI, the timer thread) are not
counted, as Go's own deadlock check counts only goroutines. Events the
tracer's ring dropped are unknown. The runtime's
:meth:`~core.runtime.Runtime.check_deadlock` is exact for a whole-program
deadlock; this graph adds the partial cases, with the judgement above.
Measured on the 25 lessons at their defaults (speed 5, 1.5 s each, a
snapshot every 30 ms, about 1,200 snapshots): no goroutine was called stuck.
In the broken lessons it finds the deadlocks at once and the leaked queries
of cancel-by-timeout as they happen; the leaked items of parallel-channels
(behind a caller that received, then moved on) only at the end.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from core.runtime import Runtime, State
from core.teaching.usage import (
    ADD,
    CLOSE,
    MAKE,
    RECV,
    SELECT_ANY,
    SELECT_RECV,
    SELECT_SEND,
    SEND,
    WAIT,
    UsageIndex,
)
from core.trace import TraceEvent

__all__ = ["Cycle", "GoroutineNode", "ObjectNode", "UsageIndex", "Wait", "WaitForGraph", "Wake"]

_SENDERS = frozenset({SEND, SELECT_SEND, SELECT_ANY, CLOSE})
_RECEIVERS = frozenset({RECV, SELECT_RECV, SELECT_ANY})


# -- the graph ------------------------------------------------------------------


@dataclass(frozen=True)
class GoroutineNode:
    """A goroutine: live (with its state) or ended (it appears as a would-be waker)."""

    id: int
    name: str
    state: str  # a core.runtime.State value, or "done"
    reason: str = ""  # Go's wait reason while blocked ("chan send", ...)

    @property
    def alive(self) -> bool:
        return self.state not in ("done", "panicked")


@dataclass(frozen=True)
class ObjectNode:
    """An object a goroutine waits on."""

    id: int
    name: str
    kind: str  # "chan", "Mutex", "RWMutex", "WaitGroup", "select", ...


@dataclass(frozen=True)
class Wait:
    """Goroutine *g* waits on object *obj*; *op* is "send", "recv", "lock", "wait"."""

    g: int
    obj: int
    op: str


@dataclass(frozen=True)
class Wake:
    """Object *obj* could be signalled by goroutine *g*; *how* says why we think so."""

    obj: int
    g: int
    how: str  # "has received from it", "holds it", "made it", ...
    # True for a goroutine counted only because it may have been handed the object (see
    # the module doc); such edges count for stuck() but not for cycles().
    guess: bool = False


@dataclass(frozen=True)
class Cycle:
    """Goroutines each waiting for the next: ``steps[i] = (g, obj)`` means g waits on
    obj, and the goroutine of ``steps[i + 1]`` (cyclically) has used obj in a way
    that could wake g (or holds it, for a lock)."""

    steps: tuple[tuple[int, int], ...]

    @property
    def goroutines(self) -> tuple[int, ...]:
        return tuple(g for g, _ in self.steps)


@dataclass
class WaitForGraph:
    """A snapshot: who waits on what, and who could wake each object (see the module doc)."""

    goroutines: dict[int, GoroutineNode] = field(default_factory=dict)
    objects: dict[int, ObjectNode] = field(default_factory=dict)
    waits: list[Wait] = field(default_factory=list)
    wakes: list[Wake] = field(default_factory=list)
    # object id -> what outside the goroutines can wake it ("the clock", "stop()", ...)
    outside: dict[int, list[str]] = field(default_factory=dict)
    usage: UsageIndex = field(default_factory=UsageIndex)
    # Computed once, on first use (a graph is a snapshot: nothing changes it after building).
    _stuck: set[int] | None = field(default=None, init=False, repr=False, compare=False)
    _cycles: list[Cycle] | None = field(default=None, init=False, repr=False, compare=False)
    # (goroutine, channel) -> "send" | "recv" for the selects parked now
    _live_dirs: dict[tuple[int, int], str] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    # -- building -----------------------------------------------------------

    @classmethod
    def from_runtime(
        cls,
        rt: Runtime,
        events: Iterable[TraceEvent] | None = None,
        usage: UsageIndex | None = None,
    ) -> WaitForGraph:
        """Snapshot *rt*'s goroutines and judge who could wake each blocked one.

        *usage* is an index the caller keeps up to date; else one is built
        from *events*, else from every event in ``rt.tracer`` (without a
        tracer nothing is known about uses, and most waits look hopeless).
        Never blocks; the goroutines keep running while it looks, so the
        snapshot can be a moment out of date.
        """
        # States first, then events: uses can only grow, and more uses mean fewer
        # false "stuck" verdicts, never more.
        live = [(g, g.state, g.wait_reason, g.waiting_on, _asleep(g)) for g in rt.goroutines()]
        if usage is None:
            if events is None:
                events = rt.tracer.events() if rt.tracer is not None else []
            usage = UsageIndex(events)
        elif rt.tracer is not None:
            # The caller's index lags the run (a window folds batches a tick late):
            # a wait on an object it has not seen made yet would look hopeless.
            usage.catch_up(rt.tracer)
        graph = cls(usage=usage)
        for g, state, _reason, obj, asleep in live:
            if asleep and state is State.BLOCKED_SELECT and obj is not None:
                for ch, op in _select_cases(obj):
                    graph._live_dirs[(g.id, ch)] = op
        external = _external_ids(rt)
        timers_pending = rt.clock.pending_channel_timers() > 0
        for g, state, reason, obj, asleep in live:
            shown = state.value if (asleep or not state.blocked) else State.RUNNING.value
            # A blocked state read without its object is a snapshot torn by a wake-up.
            waiting = asleep and obj is not None
            graph.goroutines[g.id] = GoroutineNode(g.id, g.name, shown, reason if waiting else "")
            usage.goroutine_names.setdefault(g.id, g.name)
            if waiting:
                graph._add_waits(g.id, state, obj, external, timers_pending)
        missing = {w.g for w in graph.wakes} - set(graph.goroutines)
        if missing:
            # Started after the snapshot (alive, running) or ended since (done).
            now_live = {g.id for g in rt.goroutines()}
            for gid in missing:
                then = "running" if gid in now_live and gid not in usage.ended else "done"
                graph.goroutines[gid] = GoroutineNode(gid, usage.name_of_goroutine(gid), then)
        return graph

    def _add_waits(
        self, g: int, state: State, obj: Any, external: set[int], timers_pending: bool
    ) -> None:
        if state is State.BLOCKED_SELECT:
            for ch, op in _select_cases(obj):
                self._wait_on(g, ch, op, external, timers_pending)
            return
        op = {
            State.BLOCKED_SEND: "send",
            State.BLOCKED_RECV: "recv",
            State.BLOCKED_LOCK: "lock",
            State.BLOCKED_WAITGROUP: "wait",
        }.get(state, "wait")
        oid = getattr(obj, "id", 0)
        if oid:
            self.usage.names.setdefault(oid, getattr(obj, "name", ""))
            locked = getattr(obj, "locked", None) is True  # Mutex only; RWMutex has no flag
            if op == "lock" and locked and not self.usage.holders(oid):
                self.outside.setdefault(oid, []).append("a holder the trace did not show")
            self._wait_on(g, oid, op, external, timers_pending, kind=type(obj).__name__)

    def _wait_on(
        self,
        g: int,
        obj: int,
        op: str,
        external: set[int],
        timers_pending: bool,
        kind: str = "",
    ) -> None:
        u = self.usage
        if obj not in self.objects:
            k = u.kinds.get(obj) or ("chan" if kind in ("Chan", "") else kind)
            self.objects[obj] = ObjectNode(obj, u.name_of(obj), k)
        self.waits.append(Wait(g, obj, op))
        if any(w.obj == obj for w in self.waits[:-1]):
            # Another goroutine waits on it too: what outside can wake it is known.
            for who, how, guess in self._wakers(obj, op, g):
                self._add_wake(Wake(obj, who, how, guess))
            return
        outside: list[str] = []
        if obj in external:
            outside.append("stop() (the runtime's root context)")
        if obj in u.timer_chans and timers_pending:
            outside.append("the clock (a timer is pending)")
        ctx = u.ctx_done.get(obj)
        if ctx is not None:
            for c in u.context_chain(ctx):
                if c != ctx and u.done_of_ctx.get(c) in external:
                    outside.append("stop() (it descends from the root context)")
                if u.ctx_deadline.get(c) is not None and timers_pending:
                    outside.append("the clock (a deadline is pending)")
                maker = u.makers.get(c)
                if maker:
                    self._add_wake(Wake(obj, maker, f"made {u.name_of(c)} (holds its cancel)"))
        if outside:
            self.outside.setdefault(obj, []).extend(dict.fromkeys(outside))
        for who, how, guess in self._wakers(obj, op, g):
            self._add_wake(Wake(obj, who, how, guess))

    def _add_wake(self, wake: Wake) -> None:
        if all((w.obj, w.g) != (wake.obj, wake.g) for w in self.wakes):
            self.wakes.append(wake)

    def _wakers(self, obj: int, op: str, waiter: int) -> list[tuple[int, str, bool]]:
        """(goroutine, how, guess) for each goroutine that could signal *obj* for *waiter*."""
        u = self.usage
        if op == "lock":
            return [(h, "holds it", False) for h in u.holders(obj)]
        if op == "wait":  # a WaitGroup
            adders = u.users(obj, {ADD})
            return [
                (h, "added to it" if h in adders else f"was started by {_starter(u, h)}", False)
                for h in sorted(u.adders(obj))
            ]
        if op == "send":
            roles, how, want, too = _RECEIVERS, "has received from it", "recv", "also sends on it"
        elif op == "recv":
            roles, how, want, too = _SENDERS, "has sent on it", "send", "also receives from it"
        else:  # a select case whose direction the runtime did not give
            roles, how, want, too = _RECEIVERS | _SENDERS, "has used it", "", "has used it"

        def counterpart(h: int, rs: set[str]) -> bool:
            if rs & (roles - {SELECT_ANY}):
                return True
            if SELECT_ANY not in rs:
                return False
            # A select seen only parked: its direction is known while it is still parked.
            live = self._live_dirs.get((h, obj))
            return live is None or not want or live == want

        out: list[tuple[int, str, bool]] = []
        for h in sorted(u.uses.get(obj, {})):
            if h == waiter:
                continue
            rs = u.roles(obj, h) - {MAKE, WAIT}
            if counterpart(h, rs):
                out.append((h, how, False))
            elif rs:
                # Used it the same way as the waiter: it may use it the other way later
                # (a channel semaphore: send to acquire, receive to release).
                out.append((h, too, True))
        # Stand-ins for goroutines that may hold it without having used it yet: its maker,
        # while it has not used it itself, and the goroutines the maker started after making
        # it and before its own first use (it may have handed it to them).
        maker = u.makers.get(obj)
        if maker:
            made = u.made_at.get(obj, 0)
            first_use = u.first_use.get((obj, maker))
            if first_use is None and maker != waiter:
                out.append((maker, "made it", True))
            end = first_use if first_use is not None else u.events_seen + 1
            name = u.name_of_goroutine(maker)
            for c, parent in sorted(u.parents.items()):
                if parent != maker or c == waiter or (obj, c) in u.first_use:
                    continue
                if made < u.born_at.get(c, 0) < end:
                    out.append((c, f"was started by {name} after it made it", True))
            # ... and whoever receives what the maker sent meanwhile (the channel may
            # travel in the message: a request carrying its reply channel).
            log = u.sends.get(maker, [])
            via = {ch for at, ch in log[bisect.bisect_right(log, (made, 0)) :] if at < end}
            seen = {h for h, _how, _guess in out}
            for ch in sorted(via - {obj}):
                for h in sorted(u.users(ch, {RECV, SELECT_RECV, SELECT_ANY})):
                    if h not in seen and h not in (maker, waiter):
                        seen.add(h)
                        out.append((h, f"received from {u.name_of(ch)} what {name} sent", True))
        return out

    # -- questions ----------------------------------------------------------

    def waits_of(self, g: int) -> list[Wait]:
        return [w for w in self.waits if w.g == g]

    def wakers_of(self, obj: int, exclude: int = 0) -> list[Wake]:
        return [w for w in self.wakes if w.obj == obj and w.g != exclude]

    def _alive(self, g: int) -> bool:
        node = self.goroutines.get(g)
        return node is not None and node.alive

    def _edges(self) -> dict[int, list[tuple[int, int]]]:
        """Goroutine -> [(object it waits on, a live goroutine known to be able to signal it)]."""
        out: dict[int, list[tuple[int, int]]] = {}
        for w in self.waits:
            for k in self.wakers_of(w.obj, exclude=w.g):
                if self._alive(k.g) and not k.guess:
                    out.setdefault(w.g, []).append((w.obj, k.g))
        return out

    def stuck(self) -> set[int]:
        """Blocked goroutines that can never wake (as far as the module doc's judgement goes).

        Fixpoint: start from every blocked goroutine; drop one whose objects
        something outside can wake, or that a live goroutine outside the set
        could signal; repeat until nothing changes.
        """
        if self._stuck is None:
            stuck = {g.id for g in self.goroutines.values() if g.alive and g.reason}
            changed = True
            while changed:
                changed = False
                for g in sorted(stuck):
                    if self._can_wake(g, stuck):
                        stuck.discard(g)
                        changed = True
            self._stuck = stuck
        return set(self._stuck)

    def _can_wake(self, g: int, stuck: set[int]) -> bool:
        for w in self.waits_of(g):
            if self.outside.get(w.obj):
                return True
            for k in self.wakers_of(w.obj, exclude=g):
                if self._alive(k.g) and k.g not in stuck:
                    return True
        return False

    def cycles(self) -> list[Cycle]:
        """Groups of goroutines that each wait for another of the group.

        One cycle per strongly connected group (Tarjan), starting at its
        smallest goroutine id. Members of a cycle are blocked, but a cycle
        alone does not make them stuck: one may have another way out (a
        select's other case); :meth:`stuck` decides that.
        """
        if self._cycles is None:
            edges = self._edges()
            out = []
            for comp in _strongly_connected(edges):
                if len(comp) < 2:
                    continue
                path = _cycle_in(edges, comp, min(comp))
                if path:
                    out.append(Cycle(tuple(path)))
            self._cycles = sorted(out, key=lambda c: c.goroutines)
        return list(self._cycles)

    def explain(self, g: int) -> str:
        """One sentence in plain words: what *g* waits for, and whether anything can wake it."""
        node = self.goroutines.get(g)
        if node is None:
            return f"{self.usage.name_of_goroutine(g)} is not a goroutine of this runtime."
        if not node.alive:
            return f"{node.name} has ended."
        if not node.reason:
            if node.state == State.SLEEPING.value:
                return f"{node.name} is sleeping; the clock will wake it."
            if node.state == State.RUNNABLE.value:
                return f"{node.name} is ready to run, waiting at the pause gate."
            return f"{node.name} is running."
        stuck = self.stuck()
        base = f"{node.name} {self._doing(g, 'waits')}"
        if g not in stuck:
            return f"{base}; {self._way_out(g, stuck)}."
        return f"{base}{self._why_stuck(g, stuck)}."

    def _doing(self, g: int, verb: str) -> str:
        """What *g* waits for, without its name ("waits to send on results")."""
        ws = self.waits_of(g)
        u = self.usage
        if not ws:
            node = self.goroutines[g]
            return f"{verb} in {node.reason}"
        if len(ws) > 1 or self.goroutines[g].state == State.BLOCKED_SELECT.value:
            names = [u.name_of(w.obj) for w in ws]
            listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            return f"{verb} in select on {listed}"
        w = ws[0]
        name = u.name_of(w.obj)
        if w.op == "send":
            return f"{verb} to send on {name}"
        if w.op == "recv":
            return f"{verb} to receive from {name}"
        if w.op == "lock":
            holders = [self._gname(h) for h in u.holders(w.obj) if h != g]
            held = f", held by {' and '.join(holders)}" if holders else ""
            return f"{verb} for {name}{held}"
        return f"{verb} for {name}"

    def _gname(self, g: int) -> str:
        node = self.goroutines.get(g)
        return node.name if node is not None else self.usage.name_of_goroutine(g)

    def _way_out(self, g: int, stuck: set[int]) -> str:
        ws = self.waits_of(g)
        for w in ws:
            if self.outside.get(w.obj):
                return f"{self.outside[w.obj][0]} can still wake it"
        ops = {w.obj: w.op for w in ws}
        wakers = [k for w in ws for k in self.wakers_of(w.obj, exclude=g)]
        wakers.sort(key=lambda k: k.guess)  # evidence first
        for k in wakers:
            if not self._alive(k.g) or k.g in stuck:
                continue
            who = self._gname(k.g)
            if ops[k.obj] == "lock":
                return f"{who} can still unlock it"
            what = (
                "is blocked but may still wake"
                if self.goroutines[k.g].reason
                else "is still running"
            )
            return f"{who}, which {k.how}, {what}"
        return "something can still wake it"

    def _why_stuck(self, g: int, stuck: set[int]) -> str:
        ws = self.waits_of(g)
        wakers = [k for w in ws for k in self.wakers_of(w.obj, exclude=g)]
        # Explain with the evidence (who used it the other way, holds it, added to it);
        # the guesses only when there is no evidence at all.
        wakers = [k for k in wakers if not k.guess] or wakers
        blocked = [k for k in wakers if k.g in stuck]
        if blocked:
            k = blocked[0]
            w = next(w for w in ws if w.obj == k.obj)
            doing = self._doing(k.g, "waiting")
            tail = ""
            cycle = self._cycle_of(g, k.g)
            if cycle is not None:
                tail = ": neither can ever move" if len(cycle) == 2 else ": none can ever move"
            if w.op == "lock":
                return f", which is itself {doing}{tail}"
            return f"; {self._gname(k.g)}, which {k.how}, is itself {doing}{tail}"
        ended = [k for k in wakers if not self._alive(k.g)]
        op = ws[0].op if len(ws) == 1 else "select"
        if op == "lock":
            if ended:
                return ", which has ended without unlocking it"
            return "; nobody will ever unlock it"
        never = {
            "send": "no goroutine will ever receive it",
            "recv": "no goroutine will ever send on it",
            "wait": "no goroutine left will call Done",
            "select": "no goroutine will ever make one of its cases ready",
        }.get(op, "nothing can ever wake it")
        if ended:
            how = ended[0].how
            same = [k for k in ended if k.how == how]
            names = list(dict.fromkeys(self._gname(k.g) for k in same))
            who = " and ".join(names)
            verb = "have" if len(names) > 1 else "has"
            return f"; {never}: {who}, which {how}, {verb} ended"
        return f"; {never}"

    def _cycle_of(self, a: int, b: int) -> tuple[int, ...] | None:
        for c in self.cycles():
            if a in c.goroutines and b in c.goroutines:
                return c.goroutines
        return None


def _starter(u: UsageIndex, g: int) -> str:
    return u.name_of_goroutine(u.parents.get(g, 0))


def _asleep(g: Any) -> bool:
    """Blocked and not yet woken (its waker makes it runnable before it runs, as Go's goready)."""
    return g.state.blocked


def _external_ids(rt: Runtime) -> set[int]:
    return set(rt.external_ids())


def _select_cases(sel: Any) -> list[tuple[int, str]]:
    """(channel id, "send" | "recv") for each channel case of a parked select.

    The select object is private to the runtime; it lists its waiters as
    ``sudogs`` (with ``chan`` and ``is_send``) and its channels as
    ``watched_ids()``. When only the ids can be had, the direction is "any".
    """
    sudogs = getattr(sel, "sudogs", None)
    if sudogs is not None:
        try:
            return [(sg.chan.id, "send" if sg.is_send else "recv") for sg in list(sudogs)]
        except AttributeError:
            pass
    ids = getattr(sel, "watched_ids", None)
    return [(i, "any") for i in ids()] if ids is not None else []


def _strongly_connected(edges: dict[int, list[tuple[int, int]]]) -> list[list[int]]:
    """Tarjan's algorithm, iterative; the graph is goroutine -> goroutines it waits for."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    out: list[list[int]] = []
    counter = 0
    nodes = sorted(set(edges) | {b for targets in edges.values() for _, b in targets})
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on_stack.add(v)
            succ = [b for _, b in edges.get(v, [])]
            if i < len(succ):
                work.append((v, i + 1))
                w = succ[i]
                if w not in index:
                    work.append((w, 0))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(sorted(comp))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    return out


def _cycle_in(
    edges: dict[int, list[tuple[int, int]]], comp: list[int], start: int
) -> list[tuple[int, int]]:
    """A path start -> ... -> start inside *comp*, as (goroutine, object it waits on) steps."""
    members = set(comp)
    # Breadth-first from start, then walk back the parents: the shortest cycle through start.
    parent: dict[int, tuple[int, int]] = {}
    frontier = [start]
    seen = {start}
    while frontier:
        nxt = []
        for v in frontier:
            for obj, w in edges.get(v, []):
                if w not in members:
                    continue
                if w == start:
                    path = [(v, obj)]
                    while v != start:
                        pv, pobj = parent[v]
                        path.append((pv, pobj))
                        v = pv
                    return list(reversed(path))
                if w not in seen:
                    seen.add(w)
                    parent[w] = (v, obj)
                    nxt.append(w)
        frontier = nxt
    return []
