"""Lifecycles: finished goroutines linger and leave, finished rounds retire, namesakes
are told apart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from core.trace import CellView, LockView, PatternView, RunModel, WaitGroupView
from gui.stage.goroutine_item import display_name
from gui.stage.stage_common import (
    LINGER_MAX,
    LINGER_S,
    RETIRE_S,
    StageViewBase,
    _ctx_base,
)

__all__ = ["LifecycleMixin"]


class LifecycleMixin(StageViewBase):
    """Part of :class:`~gui.stage.view.StageView` (see the module docstring)."""

    def _sweep(self, wall: float) -> bool:
        """Retire finished goroutines that lingered, channels, locks, WaitGroups,
        memory and contexts that a finished round left; refresh deadline countdowns.

        Ages are runtime seconds (:meth:`_stage_time`): a paused run keeps its picture.
        Invariant after a sweep: no two shown goroutines, or two shown objects of one
        kind, share a name unless both are still in use.
        """
        now = self._stage_time()
        changed = self._retire_idle(now)
        changed |= self._retire_duplicates()
        changed |= self._tell_namesakes_apart()
        changed |= self._retire_freed(now)  # last: a fading item whose name was just given
        done = sorted(
            (i.finished_at, gid) for gid, i in self._g_items.items() if i.finished_at is not None
        )
        # Each stays LINGER_S; of a crowd finishing together, only the last few;
        # of finished goroutines with one name (a lesson's rounds), only the latest.
        # Names before namesakes were told apart: "producer 2 (panicked)" is a "producer 2".
        own = {gid: self._own_name("g", gid) for _t, gid in done}
        latest = {own[gid]: t for t, gid in done}
        old = [
            gid
            for k, (t, gid) in enumerate(done)
            if now - t >= LINGER_S or k < len(done) - LINGER_MAX or t < latest[own[gid]]
        ]
        for gid in old:
            self._remove(self._g_items, ("g", gid))
            changed = True
        if old:
            self._update_lod()
        m = self.model
        for oid, item in self._ctx_items.items():
            cx = m.contexts.get(oid)
            if cx is not None and cx.deadline is not None:
                item.show_view(cx, m.now)
                changed = True
        return changed

    def _retire_freed(self, now: float) -> bool:
        """Items whose object was freed leave once they have faded RETIRE_S, or as soon
        as a newcomer draws their name (the next round's namesake)."""
        if not self._freed:
            return False
        tables = self.item_tables()
        name = self.item_name
        drawn = {
            tag: Counter(name((tag, k)) for k in tables[tag]) for tag in {k[0] for k in self._freed}
        }
        old = [
            key
            for key, t in self._freed.items()
            if now - t >= RETIRE_S or drawn[key[0]][name(key)] > 1
        ]
        for key in old:
            self._remove(tables[key[0]], key)
        return bool(old)

    def _retire_idle(self, now: float) -> bool:
        m = self.model
        gone = False
        freed = self._freed
        for cid, c_item in list(self._c_items.items()):
            if ("c", cid) in freed:
                continue  # fading (_retire_freed)
            c = m.channels.get(cid)
            if c is None:
                self._remove(self._c_items, ("c", cid))
                gone = True
                continue
            if c.senders or c.receivers or c.selectors:
                continue
            if now - c_item.changed_at < RETIRE_S:
                continue
            # Closed and drained is over whoever still holds it; so is a channel whose
            # every receiver has finished (a stopped keeper's requests: a send would
            # block forever, and a goroutine that tries shows it again). Otherwise it
            # stays while a live goroutine may use it or a value waits in it.
            over = c.closed and not c.buffer
            deaf = bool(c.readers) and not self._used_by_live(c.readers) and not c.buffer
            if over or deaf or (not self._has_live(c) and not c.buffer):
                self._remove(self._c_items, ("c", cid))
                gone = True
        # Locks, WaitGroups, memory of finished goroutines (a round that is over).
        for tag, table, src in (
            ("m", self._lock_items, m.locks),
            ("w", self._wg_items, m.waitgroups),
            ("v", self._cell_items, m.cells),
            ("p", self._pattern_items, m.patterns),
        ):
            for oid, item in list(table.items()):
                if now - item.changed_at < RETIRE_S or (tag, oid) in freed:
                    continue
                o = src.get(oid)
                if o is None:
                    busy = False
                elif isinstance(o, LockView):  # a lock nobody holds, wants or will use again
                    busy = bool(o.waiters) or o.held or self._used_by_live(o.users)
                elif isinstance(o, WaitGroupView):  # nobody waits on it (bookkeeping, a round over)
                    busy = bool(o.waiters) or self._used_by_live(o.users)
                elif isinstance(o, PatternView):  # it says it is over (an errgroup waited for)
                    busy = not o.state.get("over") and self._used_by_live(o.users)
                else:  # memory: a round's result stays until the next round's
                    busy = True  # namesake replaces it (_retire_duplicates) or it is freed
                if not busy:
                    self._remove(table, (tag, oid))
                    gone = True
        # Contexts a finished round cancelled (with all they hold below them).
        for oid in list(self._ctx_items):
            if ("x", oid) in freed:
                continue
            cx = m.contexts.get(oid)
            if cx is None or (
                cx.cancelled
                and now - (cx.cancelled_t or 0.0) >= RETIRE_S
                and not any(
                    (sub := m.contexts.get(k)) is not None and not sub.cancelled
                    for k in self._ctx_subtree(oid)
                )
            ):
                self._remove(self._ctx_items, ("x", oid))
                gone = True
        return gone

    def _used_by_live(self, users) -> bool:
        gs = self.model.goroutines
        return any(g in gs and not gs[g].finished for g in users)

    def _ctx_subtree(self, oid: int) -> list[int]:
        m = self.model
        out, todo = [], list(m.contexts[oid].children) if oid in m.contexts else []
        while todo:
            k = todo.pop()
            out.append(k)
            c = m.contexts.get(k)
            if c is not None:
                todo.extend(c.children)
        return out

    def _retire_duplicates(self) -> bool:
        """Of shown items of one kind sharing a name, those no longer in use leave as
        soon as a newer one is there (a lesson's new round): one ``chan jobs``."""
        m = self.model
        gone = False
        for tag, table in self.item_tables().items():
            if len(table) < 2:
                continue
            by_name: dict[str, list[int]] = {}
            for oid in table:  # by own name: a retitled "jobs (earlier)" is still a "jobs"
                by_name.setdefault(self._own_name(tag, oid), []).append(oid)
            for oids in by_name.values():
                if len(oids) < 2:
                    continue
                newest = max(oids, key=lambda o: self._order.get((tag, o), 0))
                for oid in oids:
                    if oid != newest and self._replaced(tag, oid, m):
                        self._remove(table, (tag, oid))
                        gone = True
        return gone

    def _tell_namesakes_apart(self) -> bool:
        """Shown items of one kind that share a name and all stay (a leaked goroutine
        beside its successor, a live channel of the previous round): the newest keeps
        the name, the older ones say what they are ("dumper (leaked)", "jobs
        (earlier)"), numbered if that is not enough. Contexts read "ctx", "ctx #2" in
        the order they were made. Invariant after it: no two shown items of one kind
        draw one name."""
        m = self.model
        changed = False
        seen: dict[str, int] = {}
        for oid in sorted(self._ctx_items, key=lambda o: self._order.get(("x", o), 0)):
            cx = m.contexts.get(oid)
            if cx is None:
                continue
            base = _ctx_base(cx.name)
            n = seen[base] = seen.get(base, 0) + 1
            changed |= self._retitle("x", oid, base if n == 1 else f"{base} #{n}")
        for tag, table in self.item_tables().items():
            if tag == "x":
                continue
            by_name: dict[str, list[int]] = {}
            for oid in table:
                by_name.setdefault(self._own_name(tag, oid), []).append(oid)
            for base, oids in by_name.items():
                oids.sort(key=lambda o: self._order.get((tag, o), 0))
                changed |= self._retitle(tag, oids[-1], None)
                taken = {base}
                for oid in oids[:-1]:
                    g = m.goroutines.get(oid) if tag == "g" else None
                    why = "earlier"
                    if g is not None and g.leaked:
                        why = "leaked"
                    elif g is not None and g.state == "panicked":
                        why = "panicked"
                    title, n = f"{base} ({why})", 2
                    while title in taken:
                        title, n = f"{base} ({why} #{n})", n + 1
                    taken.add(title)
                    changed |= self._retitle(tag, oid, title)
        return changed

    def _own_name(self, tag: str, oid: int) -> str:
        """The name item (*tag*, *oid*) has before namesakes are told apart."""
        m = self.model
        if tag == "g":
            g = m.goroutines.get(oid)
            return display_name(g.name) if g is not None else f"goroutine {oid}"
        if tag == "c":
            c = m.channels.get(oid)
            return self._channel_label(oid) or (
                c.name if c is not None else self._freed_names.get(oid, "")
            )
        return self._obj_name(oid) or self._freed_names.get(oid, "")

    def _retitle(self, tag: str, oid: int, title: str | None) -> bool:
        """Draw item (*tag*, *oid*) as *title* (None: its own name) and redraw it;
        True if that changed anything."""
        m = self.model
        if tag == "c":  # a channel's label also names a context's Done channel
            c_item = self._c_items[oid]
            label = title or self._channel_label(oid)
            if c_item.label == label:
                return False
            c_item.label = label
            if (c := m.channels.get(oid)) is not None:
                c_item.show_view(c, self._anim.in_flight(oid), self._chan_fmt(oid))
            return True
        item = self.item_tables()[tag][oid]
        title = title if tag == "g" else title or ""
        if item.title == title:
            return False
        item.title = title
        # Each kind of item shows its own kind of view.
        name = self._goroutine_name
        if tag == "g" and (g := m.goroutines.get(oid)) is not None:
            self._g_items[oid].show_view(g, m.selects.get(oid), self._shown_name)
        elif tag == "x" and (cx := m.contexts.get(oid)) is not None:
            self._ctx_items[oid].show_view(cx, m.now)
        elif tag == "p" and (v := m.patterns.get(oid)) is not None:
            self._pattern_items[oid].show_view(v, self._stage_time())
        elif tag == "m" and (lk := m.locks.get(oid)) is not None:
            self._lock_items[oid].show_view(lk, name)
        elif tag == "w" and (wg := m.waitgroups.get(oid)) is not None:
            self._wg_items[oid].show_view(wg, name)
        elif tag == "v" and (cell := m.cells.get(oid)) is not None:
            self._cell_items[oid].show_view(cell, name)
        elif tag == "o" and (once := m.onces.get(oid)) is not None:
            self._once_items[oid].show_view(once, name)
        elif tag == "t" and (tm := m.timers.get(oid)) is not None:
            self._timer_items[oid].show_view(tm, name)
        return True

    def _replaced(self, tag: str, oid: int, m: RunModel) -> bool:
        """An older item with a newer namesake leaves when it is over, or when it
        has stood idle RETIRE_S and nobody is parked on it or holds it."""
        if self._finished(tag, oid, m):
            return True
        item = self.item_tables()[tag].get(oid)
        if item is None or self._stage_time() - item.changed_at < RETIRE_S:
            return False
        if tag == "c":
            c = m.channels.get(oid)
            return c is None or not (c.senders or c.receivers or c.selectors or c.buffer)
        if tag in ("m", "w"):
            o = (m.locks if tag == "m" else m.waitgroups).get(oid)
            return o is None or not (o.waiters or getattr(o, "held", False))
        return tag == "v"

    def _finished(self, tag: str, oid: int, m: RunModel) -> bool:
        """The item of (*tag*, *oid*) shows something over: nobody uses it again."""
        if tag == "g":
            g = m.goroutines.get(oid)
            return g is None or (g.finished and g.state != "panicked")
        if tag == "c":
            c = m.channels.get(oid)
            return c is None or (
                not (c.senders or c.receivers or c.selectors) and not self._has_live(c)
            )
        if tag == "x":
            cx = m.contexts.get(oid)
            return cx is None or cx.cancelled
        if tag == "p":  # it says it is over (a stopped pool, an errgroup waited for)
            pv = m.patterns.get(oid)
            return pv is None or bool(pv.state.get("over"))
        srcs: dict[str, Mapping[int, LockView | WaitGroupView | CellView]] = {
            "m": m.locks,
            "w": m.waitgroups,
            "v": m.cells,
        }
        src = srcs.get(tag)
        if src is None:
            return False
        o = src.get(oid)
        if o is None:
            return True
        if getattr(o, "waiters", None) or getattr(o, "held", False):
            return False
        return not self._used_by_live(o.users)

    def _has_live(self, c) -> bool:
        gs = self.model.goroutines
        return any(g in gs and not gs[g].finished for g in (*c.writers, *c.readers))
