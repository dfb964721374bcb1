"""What the trace says about who used which object: :class:`UsageIndex`, a reducer.

Fed event batches in trace order (:meth:`UsageIndex.apply`), it keeps names, kinds,
makers, the roles of every goroutine toward every object (sent on, received from,
locked, added to ...), mutex holders, context trees and select sites. The wait-for
graph (``core.teaching.waitfor``) reads it to judge who could still wake whom.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from core.trace import Kind, TraceEvent, Tracer

__all__ = [
    "ADD",
    "CLOSE",
    "LOCK",
    "MAKE",
    "RECV",
    "SELECT_ANY",
    "SELECT_RECV",
    "SELECT_SEND",
    "SEND",
    "UNLOCK",
    "WAIT",
    "UsageIndex",
]

# Roles a goroutine can have toward an object (UsageIndex.uses).
SEND, RECV, CLOSE = "send", "recv", "close"
SELECT_SEND, SELECT_RECV, SELECT_ANY = "select-send", "select-recv", "select"
LOCK, UNLOCK, ADD, WAIT, MAKE = "lock", "unlock", "add", "wait", "make"

_SENDERS = frozenset({SEND, SELECT_SEND, SELECT_ANY, CLOSE})
_RECEIVERS = frozenset({RECV, SELECT_RECV, SELECT_ANY})
_SELECT_ROLES = frozenset({SELECT_SEND, SELECT_RECV, SELECT_ANY})


class UsageIndex:
    """What the trace says about who used which object; fed incrementally by :meth:`apply`.

    Not thread-safe: one reader feeds it (the GUI's event batches, or a test).
    Events by id 0 (code outside goroutines, the timer thread) are not
    counted as uses.
    """

    def __init__(self, events: Iterable[TraceEvent] = ()) -> None:
        self.names: dict[int, str] = {}  # object id -> name
        self.kinds: dict[int, str] = {}  # object id -> "chan", "Mutex", "Context", ...
        self.makers: dict[int, int] = {}  # object id -> goroutine that made it
        self.goroutine_names: dict[int, str] = {}
        self.parents: dict[int, int] = {}  # goroutine id -> the goroutine that started it
        self.ended: set[int] = set()
        self.timer_chans: dict[int, int] = {}  # channel id -> its Timer/Ticker id
        self.ctx_done: dict[int, int] = {}  # done channel id -> its context id
        self.done_of_ctx: dict[int, int] = {}  # context id -> its done channel id
        self.ctx_parent: dict[int, int] = {}  # context id -> parent context id
        self.ctx_deadline: dict[int, float | None] = {}
        self.closed: set[int] = set()
        # object id -> goroutine id -> roles (SEND, RECV, LOCK, ...)
        self.uses: dict[int, dict[int, set[str]]] = {}
        self.writer: dict[int, int] = {}  # mutex id -> the goroutine holding it for writing
        self.readers: dict[int, Counter[int]] = {}  # RWMutex id -> readers holding it
        # Select sites: (goroutine, number of channel cases) -> channels of its latest select;
        # and goroutine -> channel -> the sites where it used the channel.
        self._site_latest: dict[tuple[int, int], frozenset[int]] = {}
        self._select_sites: dict[int, dict[int, set[tuple[int, int]]]] = {}
        self.made_at: dict[int, int] = {}  # object id -> events_seen when it was made
        self.born_at: dict[int, int] = {}  # goroutine id -> events_seen when it was started
        # (object, goroutine) -> events_seen at its first use (making it does not count)
        self.first_use: dict[tuple[int, int], int] = {}
        # goroutine -> (events_seen, channel) of each of its sends, in order
        self.sends: dict[int, list[tuple[int, int]]] = {}
        self.events_seen = 0
        self.last_seq = 0  # the highest trace sequence number folded in
        self.apply(events)

    # -- feeding ------------------------------------------------------------

    def apply(self, events: Iterable[TraceEvent]) -> None:
        """Fold *events* (in trace order) into the index.

        An event already folded (its ``seq`` at most :attr:`last_seq`) is
        skipped, so a caller may feed batches that overlap a :meth:`catch_up`.
        """
        for ev in events:
            if ev.seq:
                if ev.seq <= self.last_seq:
                    continue
                self.last_seq = ev.seq
            self.events_seen += 1
            handler = _HANDLERS.get(ev.kind)
            if handler is not None:
                handler(self, ev)

    def catch_up(self, tracer: Tracer) -> None:
        """Fold what *tracer* holds beyond :attr:`last_seq`. Never blocks."""
        while True:
            events, _missed = tracer.since(self.last_seq, 5_000)
            if not events:
                return
            self.apply(events)

    def _use(self, obj: int, g: int, role: str) -> None:
        if g and obj:
            self.uses.setdefault(obj, {}).setdefault(g, set()).add(role)
            if role != MAKE:
                self.first_use.setdefault((obj, g), self.events_seen)

    def _name(self, ev: TraceEvent) -> None:
        if ev.obj and ev.obj_name:
            self.names.setdefault(ev.obj, ev.obj_name)

    def _on_go_create(self, ev: TraceEvent) -> None:
        self.goroutine_names[ev.obj] = ev.obj_name
        self.parents[ev.obj] = ev.g
        self.born_at[ev.obj] = self.events_seen

    def _on_go_end(self, ev: TraceEvent) -> None:
        self.ended.add(ev.g)
        if ev.obj_name:
            self.goroutine_names.setdefault(ev.g, ev.obj_name)

    def _on_chan_make(self, ev: TraceEvent) -> None:
        self.names[ev.obj] = ev.obj_name
        self.kinds[ev.obj] = "chan"
        self._maker(ev)

    def _maker(self, ev: TraceEvent) -> None:
        self.made_at[ev.obj] = self.events_seen
        if ev.g:
            self.makers[ev.obj] = ev.g
            self._use(ev.obj, ev.g, MAKE)

    def _on_sync_make(self, ev: TraceEvent) -> None:
        self.names[ev.obj] = ev.obj_name
        self.kinds[ev.obj] = ev.value
        self._maker(ev)
        p = ev.payload
        if ev.value in ("Timer", "Ticker") and p.chan:
            self.timer_chans[p.chan] = ev.obj
        elif ev.value == "Context":
            self.ctx_parent[ev.obj] = p.parent
            self.ctx_deadline[ev.obj] = p.deadline
            if p.chan:
                self.done_of_ctx[ev.obj] = p.chan
                # A value context shares its parent's done channel: the channel stays
                # the cancellable context's.
                self.ctx_done.setdefault(p.chan, ev.obj)

    def _on_chan_send(self, ev: TraceEvent) -> None:
        self._name(ev)
        self._use(ev.obj, ev.g, SEND)
        if ev.g:
            self.sends.setdefault(ev.g, []).append((self.events_seen, ev.obj))

    def _on_chan_recv(self, ev: TraceEvent) -> None:
        self._name(ev)
        self._use(ev.obj, ev.g, RECV)
        p = ev.payload
        if p.sender:  # a parked sender's value moved into the freed slot
            self._use(ev.obj, p.sender, SEND)
            self.sends.setdefault(p.sender, []).append((self.events_seen, ev.obj))

    def _on_chan_handoff(self, ev: TraceEvent) -> None:
        self._name(ev)
        p = ev.payload
        self._use(ev.obj, p.sender, SEND)
        self._use(ev.obj, p.receiver, RECV)
        if p.sender:
            self.sends.setdefault(p.sender, []).append((self.events_seen, ev.obj))

    def _on_chan_close(self, ev: TraceEvent) -> None:
        self._name(ev)
        self.closed.add(ev.obj)
        self._use(ev.obj, ev.g, CLOSE)

    def _on_select(self, ev: TraceEvent) -> None:
        self._select_shape(ev.g, ev.payload.cases)

    def _select_shape(self, g: int, shape: tuple) -> None:
        chans = []
        for kind, ch in shape:
            if kind == "nil" or not ch:
                continue
            chans.append(ch)
            self._use(ch, g, SELECT_SEND if kind == "send" else SELECT_RECV)
        self._select_site(g, chans)

    def _select_site(self, g: int, chans: list[int]) -> None:
        if not g:
            return
        site = (g, len(chans))
        self._site_latest[site] = frozenset(chans)
        per_g = self._select_sites.setdefault(g, {})
        for ch in chans:
            per_g.setdefault(ch, set()).add(site)

    def _on_go_block(self, ev: TraceEvent) -> None:
        p = ev.payload
        if p.state == "blocked_select":
            self._select_shape(ev.g, p.cases)
        elif p.state == "blocked_send":
            self._use(ev.obj, ev.g, SEND)
        elif p.state == "blocked_recv":
            self._use(ev.obj, ev.g, RECV)
        self._name(ev)

    def _on_lock(self, ev: TraceEvent) -> None:
        self._name(ev)
        self._use(ev.obj, ev.g, LOCK)
        if ev.payload.mode == "r":
            self.readers.setdefault(ev.obj, Counter())[ev.g] += 1
        else:
            self.writer[ev.obj] = ev.g

    def _on_unlock(self, ev: TraceEvent) -> None:
        self._name(ev)
        self._use(ev.obj, ev.g, UNLOCK)
        if ev.payload.mode == "r":
            held = self.readers.get(ev.obj)
            if held:
                # Not owned (as in Go): any goroutine may release a read lock.
                who = ev.g if held[ev.g] else next(iter(held))
                held[who] -= 1
                if held[who] <= 0:
                    del held[who]
        else:
            self.writer.pop(ev.obj, None)

    def _on_wg_add(self, ev: TraceEvent) -> None:
        self._name(ev)
        self._use(ev.obj, ev.g, ADD)

    def _on_wg_wait(self, ev: TraceEvent) -> None:
        self._name(ev)
        self._use(ev.obj, ev.g, WAIT)

    # -- questions ----------------------------------------------------------

    def name_of_goroutine(self, g: int) -> str:
        return self.goroutine_names.get(g) or f"goroutine {g}"

    def name_of(self, obj: int) -> str:
        return self.names.get(obj) or f"object {obj}"

    def roles(self, obj: int, g: int) -> set[str]:
        """The roles *g* has toward *obj*, without select uses its select site has left."""
        roles = set(self.uses.get(obj, {}).get(g, ()))
        sel = roles & _SELECT_ROLES
        if sel and self._left_select(g, obj):
            roles -= sel
        return roles

    def _left_select(self, g: int, obj: int) -> bool:
        sites = self._select_sites.get(g, {}).get(obj, ())
        return bool(sites) and all(obj not in self._site_latest[s] for s in sites)

    def users(self, obj: int, roles: frozenset[str] | set[str]) -> set[int]:
        """Goroutines with one of *roles* toward *obj* (select uses left behind excluded)."""
        return {g for g in self.uses.get(obj, {}) if self.roles(obj, g) & roles}

    def holders(self, obj: int) -> list[int]:
        """Who holds the mutex *obj* now, as far as the trace shows (writer first)."""
        out = []
        w = self.writer.get(obj)
        if w is not None:
            out.append(w)
        out.extend(g for g in self.readers.get(obj, {}) if g not in out)
        return out

    def adders(self, obj: int) -> set[int]:
        """Goroutines that added to the WaitGroup *obj*, and those an adder started."""
        adders = self.users(obj, {ADD})
        children = {g for g, parent in self.parents.items() if parent in adders}
        return adders | children

    def context_chain(self, ctx: int) -> list[int]:
        """*ctx* and its traced ancestors, nearest first."""
        chain = []
        while ctx and ctx not in chain and ctx in self.ctx_parent:
            chain.append(ctx)
            ctx = self.ctx_parent[ctx]
        return chain


_HANDLERS = {
    Kind.GO_CREATE: UsageIndex._on_go_create,
    Kind.GO_END: UsageIndex._on_go_end,
    Kind.CHAN_MAKE: UsageIndex._on_chan_make,
    Kind.SYNC_MAKE: UsageIndex._on_sync_make,
    Kind.CHAN_SEND: UsageIndex._on_chan_send,
    Kind.CHAN_RECV: UsageIndex._on_chan_recv,
    Kind.CHAN_HANDOFF: UsageIndex._on_chan_handoff,
    Kind.CHAN_CLOSE: UsageIndex._on_chan_close,
    Kind.SELECT: UsageIndex._on_select,
    Kind.GO_BLOCK: UsageIndex._on_go_block,
    Kind.LOCK: UsageIndex._on_lock,
    Kind.UNLOCK: UsageIndex._on_unlock,
    Kind.WG_ADD: UsageIndex._on_wg_add,
    Kind.WG_WAIT: UsageIndex._on_wg_wait,
}
