"""Flights: values between goroutines and channels, cancellations down the context tree."""

from __future__ import annotations

import time
from functools import partial

from core.trace import Transfer
from gui.stage.stage_common import (
    CANCEL_STEP_S,
    StageViewBase,
    _alpha,
    _short_time,
)

__all__ = ["FlightsMixin"]


class FlightsMixin(StageViewBase):
    """Part of :class:`~gui.stage.view.StageView` (see the module docstring)."""

    # -- flights ----------------------------------------------------------------------

    def _start_transfer(self, tr: Transfer, now: float) -> None:
        st = self._style
        anim = self._anim
        kind = tr.kind
        if kind in ("to_slot", "from_slot", "handoff", "closed"):
            c = self._c_items.get(tr.chan)
            if c is None:
                return
            src = self._g_items.get(tr.src)
            dst = self._g_items.get(tr.dst)
            if kind == "to_slot":
                start = src.hand_out if src is not None else None
                if start is None:  # the runtime sent it: a timer firing into its channel
                    tm = self._timer_items.get(self.model.timer_chans.get(tr.chan, 0))
                    if tm is None or not tm.isVisible():
                        return
                    start = tm.right_mid
                slot = tr.slot
                cid = tr.chan
                anim.fly(
                    "value",
                    _short_time(tr.value) if src is None else tr.value,
                    [start, c.mouth_in, partial(c.slot_point, slot)],
                    now,
                    chan_in=cid,
                    legs=1.4,
                    lane=cid,
                    on_land=partial(self._refresh_channel, cid),
                )
            elif kind == "from_slot":
                if dst is None:
                    return
                text = _short_time(tr.value) if tr.chan in self.model.timer_chans else tr.value
                anim.fly(
                    "value",
                    text,
                    [partial(c.slot_point, 0), c.mouth_out, dst.hand_in],
                    now,
                    after_chan=tr.chan,
                    legs=1.4,
                    lane=-tr.chan,
                )
            elif kind == "handoff":
                a = src.hand_out if src is not None else c.mouth_in
                b = dst.hand_in if dst is not None else c.mouth_out
                anim.fly(
                    "value",
                    tr.value,
                    [a, c.mouth_in, c.center_point, c.mouth_out, b],
                    now,
                    legs=1.8,
                    lane=tr.chan,
                )
            else:  # closed: the close reaches a receiver
                if dst is None:
                    return
                anim.fly("closed", "closed", [c.mouth_out, dst.hand_in], now, legs=1.2)
                anim.pulse(c.center_point, st.danger, now, radius=70 * st.k)
        elif kind == "release":
            wg = self._wg_items.get(tr.obj)
            dst = self._g_items.get(tr.dst)
            if wg is not None and dst is not None:
                anim.fly("signal", "", [wg.right_mid, dst.hand_in], now)
                anim.pulse(wg.center, st.ok, now, radius=60 * st.k)
        elif kind == "fire":
            tm = self._timer_items.get(tr.obj)
            if tm is not None and tm.isVisible():
                anim.pulse(tm.icon_center, st.accent, now, radius=50 * st.k, duration=0.5)
                return
            # A one-shot timer (not drawn): its firing reaches whoever waits on it.
            tv = self.model.timers.get(tr.obj)
            cv = self.model.channels.get(tv.chan) if tv is not None else None
            if cv is not None:
                for gid in (*cv.receivers, *cv.selectors)[:20]:
                    g_item = self._g_items.get(gid)
                    if g_item is not None and g_item.isVisible():
                        anim.pulse(
                            g_item.center,
                            _alpha(st.accent, 0.5),
                            now,
                            radius=30 * st.k,
                            duration=0.35,
                        )
        elif kind == "cancel":
            self._start_cancel(tr, now)

    def _start_cancel(self, tr: Transfer, now: float) -> None:
        item = self._ctx_items.get(tr.obj)
        if item is None:
            return
        cx = self.model.contexts.get(tr.obj)
        parent = self._ctx_items.get(cx.parent) if cx is not None else None
        oid = tr.obj

        def reveal() -> None:
            item.cancel_shown = True
            cxv = self.model.contexts.get(oid)
            if cxv is not None:
                item.show_view(cxv, self.model.now)
            self._anim.pulse(
                item.center, self._style.danger, time.monotonic(), radius=60 * self._style.k
            )
            self._edges_dirty = True

        if tr.depth == 0 or parent is None:
            reveal()
            return
        # The cancellation travels down the tree one level per CANCEL_STEP_S.
        self._anim.fly(
            "cancel",
            "",
            [parent.bottom_mid, item.top_mid],
            now,
            delay=(tr.depth - 1) * CANCEL_STEP_S,
            on_land=reveal,
            legs=CANCEL_STEP_S / self._anim.leg,
        )

    def _refresh_channel(self, cid: int) -> None:
        item = self._c_items.get(cid)
        c = self.model.channels.get(cid)
        if item is not None and c is not None:
            item.show_view(c, self._anim.in_flight(cid), self._chan_fmt(cid))
