"""The stage's items for what a RunDiff names: made, updated, removed, named."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import (
    QRectF,
)

from core.trace import RunDiff
from gui.stage.channel_item import ChannelItem
from gui.stage.goroutine_item import GoroutineItem, display_name
from gui.stage.items import StageItem
from gui.stage.overlays import panic_text
from gui.stage.pattern_items import pattern_item
from gui.stage.stage_common import (
    CROWD_LEAVES_S,
    FREED_OPACITY,
    FULL_MAX,
    LAYOUT_EVERY_BIG_S,
    LAYOUT_EVERY_S,
    LINGER_S,
    PANIC_LINGER_S,
    REDRAW_BUSY_S,
    SMALL_MAX,
    StageViewBase,
    _ctx_base,
    _in_use,
    _short_time,
)
from gui.stage.sync_items import (
    CellItem,
    ContextItem,
    LockItem,
    OnceItem,
    TimerItem,
    WaitGroupItem,
)

__all__ = ["DiffMixin"]


class DiffMixin(StageViewBase):
    """Part of :class:`~gui.stage.view.StageView` (see the module docstring)."""

    # -- diff -> items --------------------------------------------------------------

    def _tables(self) -> tuple[dict, ...]:
        return (
            self._g_items,
            self._c_items,
            self._lock_items,
            self._wg_items,
            self._cell_items,
            self._once_items,
            self._timer_items,
            self._ctx_items,
            self._pattern_items,
        )

    def item_tables(self) -> dict[str, dict[int, StageItem]]:
        """The stage's items by the tag of their keys ("g" goroutines, "c" channels,
        "m" locks, "w" WaitGroups, "v" memory cells, "o" Onces, "t" timers, "x" contexts,
        "p" patterns drawn as themselves)."""
        tags = ("g", "c", "m", "w", "v", "o", "t", "x", "p")
        return dict(zip(tags, self._tables(), strict=True))

    def item_name(self, key: tuple[str, int]) -> str:
        """The name the stage shows for the item of *key*."""
        tag, oid = key
        if tag == "g":
            return self._goroutine_name(oid)
        if tag == "c" and (c_item := self._c_items.get(oid)) is not None and c_item.drawn_name:
            return c_item.drawn_name  # also once the model forgot it (freed, fading)
        if tag not in ("g", "c"):
            item = self.item_tables()[tag].get(oid)
            if item is not None and item.title:
                return item.title
        return self._obj_name(oid) or self._freed_names.get(oid) or str(oid)

    def token_rects(self) -> list[tuple[str, int, QRectF]]:
        """``(text, channel id or 0, scene rect)`` of every value shown: in flight, or
        waiting in a channel's buffer."""
        out = []
        for f in self._anim.flights:
            t = f.token
            if t.isVisible():
                out.append((t.text, f.chan_in, t.sceneBoundingRect()))
        for cid, item in self._c_items.items():
            if not item.isVisible():
                continue
            for text, r in zip(item.values, item.slot_rects(), strict=False):
                out.append((text, cid, r.translated(item.px, item.py)))
        return out

    def _name_of(self, oid: int) -> str:
        g = self.model.goroutines.get(oid)
        if g is not None:
            return display_name(g.name)
        return self.model.object_name(oid) or str(oid)

    def _obj_name(self, oid: int) -> str:
        return self.model.object_name(oid)

    def _shown_name(self, oid: int) -> str:
        """Object *oid*'s name as the stage draws it (a channel's label: ``ctx.Done()``)."""
        item = self._c_items.get(oid)
        if item is not None and item.label:
            return item.label
        return self._channel_label(oid) or self._obj_name(oid)

    def _case_name(self, cid: int) -> str:
        """A select case's channel as its card names it: a timer's counts down
        ("timeout.C · 0.3 s") while the timer will fire."""
        name = self._shown_name(cid)
        m = self.model
        tid = m.timer_chans.get(cid)
        tm = m.timers.get(tid) if tid is not None else None
        if tm is None or tm.due is None or tm.stopped:
            return name
        return f"{name} · {max(0.0, tm.due - self._stage_time()):.1f} s"

    def _goroutine_name(self, gid: int) -> str:
        item = self._g_items.get(gid)
        if item is not None and item.title:
            return item.title
        g = self.model.goroutines.get(gid)
        return display_name(g.name) if g is not None else f"goroutine {gid}"

    def _channel_label(self, cid: int) -> str | None:
        """A better name for channel *cid* than its own, or None: a context's Done
        channel reads ``ctx.Done()`` (or ``<name>.Done()`` for a context the lesson
        named), as the Go code says it."""
        m = self.model
        cx = m.contexts.get(m.done_chans.get(cid, 0))
        if cx is None:  # not a Done channel, or its context is freed (the name stays)
            name = m.done_names.get(cid)
            return None if name is None else f"{_ctx_base(name)}.Done()"
        item = self._ctx_items.get(cx.id)
        if item is not None and item.title:
            return f"{item.title}.Done()"
        return f"{_ctx_base(cx.name)}.Done()"

    def _stage_time(self) -> float:
        """The runtime clock as the stage last heard it: lifecycles (lingering,
        retiring) run on it, so nothing leaves while the run is paused."""
        return self.model.now if self._clock is None else max(self._clock, self.model.now)

    def _add(self, table: dict, key: tuple[str, int], item: StageItem) -> None:
        item.device_scale = self._device_scale
        item.scheduler = self._schedule_draw
        item.clock = self._stage_time
        item.changed_at = self._stage_time()
        table[key[1]] = item
        self._order[key] = self._next_order
        self._next_order += 1
        item.setVisible(False)  # shown once the layout gives it a place
        self._unplaced.add(item)
        self._scene.addItem(item)
        self._layout_dirty = True

    def _schedule_draw(self, item: StageItem) -> None:
        self._to_draw[item] = None
        self._kick()

    def _draw_pending(self, now: float, budget: float) -> bool:
        """Draw items whose look changed, oldest first, for at most *budget* seconds.

        On a crowded stage an item draws at most every REDRAW_BUSY_S (a channel
        whose buffer changes 100 times a second shows its latest state 10 times
        a second: nobody reads faster, and each drawing costs a millisecond).
        """
        if not self._to_draw:
            return False
        end = time.perf_counter() + budget
        gap = 0.0 if self.lod == "full" else REDRAW_BUSY_S
        drew = False
        for item in list(self._to_draw):
            if gap and now - item.rendered_at < gap:
                continue
            del self._to_draw[item]
            item.render()
            drew = True
            if time.perf_counter() > end:
                break
        return drew

    def _remove(self, table: dict, key: tuple[str, int]) -> None:
        item = table.pop(key[1], None)
        if item is not None:
            if item not in self._unplaced:
                now = self._stage_time()
                left = self._departures
                left.append(now)
                while now - left[0] > CROWD_LEAVES_S:
                    left.popleft()
            self._to_draw.pop(item, None)
            self._scene.removeItem(item)
            self._movers.discard(item)
            self._unplaced.discard(item)
            self._order.pop(key, None)
            self._freed.pop(key, None)
            self._freed_names.pop(key[1], None)
            self._anim.forget(item)  # no value flies on to where it was
            self._layout_dirty = True
            self._edges_dirty = True  # no line may lead to where it was

    def _fade_out(self, table: dict, key: tuple[str, int], name: str) -> None:
        """The program let go of the object of *key*: its item fades where it stands
        and leaves RETIRE_S later (see LifecycleMixin._sweep), so a value flying to it
        lands and the eye sees it go; an item never shown leaves at once. *name* is
        the object's last name (the model has forgotten it)."""
        item = table.get(key[1])
        if item is None or key in self._freed:
            return
        if item in self._unplaced:
            self._remove(table, key)
            return
        self._freed[key] = self._stage_time()
        self._freed_names[key[1]] = name
        item.setOpacity(FREED_OPACITY)

    def _apply_diff(self, d: RunDiff) -> None:
        m = self.model
        now = time.monotonic()
        st = self._style
        for gid in d.removed_goroutines:
            self._remove(self._g_items, ("g", gid))
        for cid in d.removed_channels:
            self._fade_out(self._c_items, ("c", cid), d.freed_names.get(cid, ""))
        for oid in d.removed_objects:  # freed: no goroutine can reach them any more
            for table, tag in (
                (self._lock_items, "m"),
                (self._wg_items, "w"),
                (self._cell_items, "v"),
                (self._once_items, "o"),
                (self._timer_items, "t"),
                (self._ctx_items, "x"),
            ):
                if oid in table:
                    self._fade_out(table, (tag, oid), d.freed_names.get(oid, ""))
        # 1. Items for everything new (flights need their anchors).
        for gid in d.goroutines:
            g = m.goroutines.get(gid)
            # A goroutine already done when we first hear of it (or retired) is not
            # drawn again; a panicked or leaked one is: it is the story.
            if (
                gid not in self._g_items
                and g is not None
                and (g.state != "done" or g.leaked)
                and not self.hides(g.name)
            ):
                new_g = GoroutineItem(st, gid, self.lod)
                new_g.spotlit = gid == self._spot
                new_g.hides = self.hides_object
                new_g.case_name = self._case_name
                new_g.object_name = self._obj_name
                self._add(self._g_items, ("g", gid), new_g)
                parent = self._g_items.get(m.goroutines[gid].parent)
                if parent is not None and parent not in self._unplaced:
                    # Born where its `go` statement ran; the next layout moves it.
                    new_g.place(parent.px, parent.py)
                    new_g.arriving = True
                    new_g.setVisible(True)
                    self._unplaced.discard(new_g)
        for cid in d.channels:
            c = m.channels.get(cid)
            if (
                cid not in self._c_items
                and c is not None
                and self._shows_channel(c)
                and not self.hides(c.name)
            ):
                new_c = ChannelItem(st, cid)
                new_c.label = self._channel_label(cid)
                self._add(self._c_items, ("c", cid), new_c)
                tid = m.timer_chans.get(cid)
                if (
                    tid is not None
                    and tid not in self._timer_items
                    and not self.hides(m.object_name(tid))
                ):  # its clock comes too
                    self._add(self._timer_items, ("t", tid), TimerItem(st, tid))
                    d.timers.add(tid)
        for ids, src, table, cls, tag in (
            (d.locks, m.locks, self._lock_items, LockItem, "m"),
            (d.waitgroups, m.waitgroups, self._wg_items, WaitGroupItem, "w"),
            (d.cells, m.cells, self._cell_items, CellItem, "v"),
            (d.onces, m.onces, self._once_items, OnceItem, "o"),
            (d.timers, m.timers, self._timer_items, TimerItem, "t"),
            (d.contexts, m.contexts, self._ctx_items, ContextItem, "x"),
        ):
            if tag == "x" and not self._show_contexts:
                ctxs = m.contexts.values()
                # The run's own root contexts say nothing; a deadline, a cancel or
                # a tree the lesson built does: then the whole tree appears.
                if any(c.deadline is not None or c.cancelled for c in ctxs) or len(ctxs) >= 3:
                    self._show_contexts = True
                    ids = set(m.contexts)
                else:
                    continue
            for oid in ids:
                o = src.get(oid)
                if (
                    oid not in table
                    and o is not None
                    and _in_use(o)
                    and not self.hides(m.object_name(oid))
                ):
                    self._add(table, (tag, oid), cls(st, oid))
        for oid in d.patterns:
            v = m.patterns.get(oid)
            if oid not in self._pattern_items and v is not None and not self.hides(v.name):
                new_p = pattern_item(st, v)
                if new_p is not None:
                    self._add(self._pattern_items, ("p", oid), new_p)
        if d.structure:
            self._layout_dirty = True
        if self._unplaced and len(self._g_items) <= FULL_MAX:
            self._tell_namesakes_apart()  # a new round's namesakes, from their first frame
        if self._unplaced and self._freed:
            self._retire_freed(self._stage_time())  # a fading item's namesake came
        self._update_lod()
        if self._unplaced and now - self._last_layout >= self._layout_every():
            self._relayout(now)
        # 2. Flights.
        for tr in d.transfers:
            self._start_transfer(tr, now)
        for oid, what in d.pattern_moments[-8:]:
            p_item = self._pattern_items.get(oid)
            color = {
                "refused": st.danger,
                "opened": st.danger,
                "full": st.warning,
                "closed": st.ok,
            }.get(what)
            if p_item is not None and p_item.isVisible() and color is not None:
                self._anim.pulse(p_item.focus_point, color, now, radius=44 * st.k, duration=0.6)
        for cell_id, _g in d.lost_updates[:8]:
            cell_item = self._cell_items.get(cell_id)
            if cell_item is not None and cell_item.isVisible():
                self._anim.pulse(cell_item.center, st.danger, now, radius=90 * st.k, duration=0.8)
        # 3. What each changed item shows.
        resized = False
        for gid in d.goroutines:
            g_item = self._g_items.get(gid)
            g = m.goroutines.get(gid)
            if g_item is None or g is None:
                continue
            resized |= g_item.show_view(g, m.selects.get(gid), self._shown_name)
            if g.finished and not g.leaked and g_item.finished_at is None:
                # A panicked goroutine stays longer: it is the story.
                extra = PANIC_LINGER_S - LINGER_S if g.state == "panicked" else 0
                g_item.finished_at = self._stage_time() + extra
        for cid in d.channels:
            c_item = self._c_items.get(cid)
            c = m.channels.get(cid)
            if c_item is not None and c is not None:
                resized |= c_item.show_view(c, self._anim.in_flight(cid), self._chan_fmt(cid))
        for oid in d.locks:
            if oid in self._lock_items:
                self._lock_items[oid].show_view(m.locks[oid], self._goroutine_name)
        for oid in d.waitgroups:
            if oid in self._wg_items:
                self._wg_items[oid].show_view(m.waitgroups[oid], self._goroutine_name)
        for oid in d.cells:
            if oid in self._cell_items:
                self._cell_items[oid].show_view(m.cells[oid], self._goroutine_name)
        for oid in d.patterns:
            if oid in self._pattern_items:
                self._pattern_items[oid].show_view(m.patterns[oid], self._stage_time())
        for oid in d.onces:
            if oid in self._once_items:
                self._once_items[oid].show_view(m.onces[oid], self._goroutine_name)
        for oid in d.timers:
            if oid in self._timer_items:
                self._timer_items[oid].show_view(m.timers[oid], self._goroutine_name)
        for oid in d.contexts:
            x_item = self._ctx_items.get(oid)
            if x_item is not None:
                cx = m.contexts[oid]
                if cx.cancelled and not any(
                    t.kind == "cancel" and t.obj == oid for t in d.transfers
                ):
                    x_item.cancel_shown = True  # cancelled without a flight (already spread)
                x_item.show_view(cx, m.now)
        if resized:
            # A grown card covers its neighbour: lay out on the next frame, not a
            # layout period later (cards keep their size once grown, so this is rare).
            self._layout_dirty = True
            self._layout_now = True
        # 4. Banners in Go's words.
        for gid, text in d.panics:
            banner = panic_text(text, gid, self._goroutine_name(gid), self.panic_ends_program)
            self.show_banner(banner, "panic")
        if d.deadlock:
            self.show_banner(d.deadlock, "deadlock")
        self._edges_dirty = True
        self._kick()

    def _chan_fmt(self, cid: int) -> Callable[[str], str] | None:
        return _short_time if cid in self.model.timer_chans else None

    def _shows_channel(self, c) -> bool:
        """Channels appear on first use. A timer's channel (time.After, a pacing
        Ticker) that one goroutine reads is not drawn: that goroutine names it
        (status line, select card) and the timer firing pulses it. A Ticker
        shared by several goroutines is drawn, with its clock."""
        tid = self.model.timer_chans.get(c.id)
        if tid is not None:
            tm = self.model.timers.get(tid)
            if tm is None or tm.kind != "Ticker" or len(c.readers | set(c.selectors)) < 2:
                return False
        return bool(
            c.writers
            or c.readers
            or c.selectors
            or c.senders
            or c.receivers
            or c.buffer
            or c.closed
        )

    def _layout_every(self) -> float:
        return LAYOUT_EVERY_S if len(self._g_items) < 300 else LAYOUT_EVERY_BIG_S

    def _update_lod(self) -> None:
        n = len(self._g_items)
        lod = self.lod
        if lod == "full" and n > FULL_MAX:
            lod = "small" if n <= SMALL_MAX else "dot"
        elif lod == "small" and (n > SMALL_MAX or n < FULL_MAX - 6):
            lod = "dot" if n > SMALL_MAX else "full"
        elif lod == "dot" and n < SMALL_MAX - 30:
            lod = "full" if n <= FULL_MAX else "small"
        if lod == "full" and self._cramped:
            lod = "small"
        elif lod == "small" and not self._cramped and n <= FULL_MAX:
            lod = "full"
        if lod != self.lod:
            self.lod = lod
            m = self.model
            for gid, item in self._g_items.items():
                item.set_lod(lod)
                g = m.goroutines.get(gid)
                if g is not None:
                    item.show_view(g, m.selects.get(gid), self._shown_name)
            self._layout_dirty = True
            self._tidy = True
