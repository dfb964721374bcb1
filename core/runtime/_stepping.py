"""The pause gate and stepping: how a Runtime pauses, holds and steps its goroutines.

Pause and step. While the runtime is gated (paused), every primitive
operation first waits at the gate (:meth:`Stepping._checkpoint`); ``step``
lets exactly one waiting goroutine through for one operation. A hold (the
window, or the tracer's reader, fell behind) stops them at the same place,
and the clock with them, but no state changes and nothing is traced.

:class:`Stepping` is a mixin of :class:`~core.runtime._runtime.Runtime`:
``Runtime.__init__`` makes every attribute it declares.

Invariants, whenever ``_gate_cv`` is free:
  ``_at_gate`` holds the goroutines waiting at the gate (each with the
  operation it will do next), ``_at_hold`` those waiting out a hold;
  ``_grant`` is the goroutine a step let through, until it takes the step up;
  ``_reader_froze_clock`` is true exactly while a reader hold holds the clock;
  ``_gating`` is ``_gate_needed()`` each time it is recomputed; besides, an
  emitter sets it without the lock when the reader falls behind, and a halt
  sets it so that killed goroutines unwind at their next operation.
Lock order: ``_gate_cv``, then the clock's lock.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from core.runtime._clock import Clock
from core.runtime._errors import Goexit
from core.runtime._goroutine import Goroutine, State, _me
from core.trace import Kind, Tracer

__all__ = ["Stepping"]


class Stepping:
    """The pause gate and stepping of a :class:`~core.runtime._runtime.Runtime`."""

    # Made by Runtime.__init__ (see the comments there).
    clock: Clock
    tracer: Tracer | None
    _gating: bool
    _gate_cv: threading.Condition
    _at_gate: dict[Goroutine, str]
    _at_hold: set[Goroutine]
    _grant: Goroutine | None
    _stopping: bool
    _held: bool
    _reader_behind: bool
    _reader_froze_clock: bool
    _user_paused: bool

    def _on_pause_change(self, paused: bool) -> None:
        with self._gate_cv:
            self._user_paused = paused
            self._gating = self._gate_needed()
            self._gate_cv.notify_all()

    def _gate_needed(self) -> bool:
        """Whether goroutines must stop at the gate (read under ``_gate_cv``)."""
        return (self._user_paused or self._held or self._reader_behind) and not self._stopping

    def _on_reader_behind(self) -> None:
        """The tracer's reader fell behind: every goroutine waits at its next operation.

        Called by :meth:`Tracer.emit` inside the emitter's critical section, so it
        takes no lock: two plain stores (atomic under the GIL). The first goroutine
        at the gate holds the clock (see :meth:`_checkpoint`). A store lost to a
        concurrent recomputation of ``_gating`` is made again by the reader's next
        :meth:`Tracer.mark_read`.
        """
        if not self._stopping:
            self._reader_behind = True
            self._gating = True

    def _on_reader_caught_up(self) -> None:
        """The reader caught up: the goroutines held for it go on, and so does time."""
        with self._gate_cv:
            self._reader_behind = False
            self._gating = self._gate_needed()
            thaw, self._reader_froze_clock = self._reader_froze_clock, False
            self._gate_cv.notify_all()
            if thaw:
                self.clock.release()

    def hold(self) -> None:
        """Hold every goroutine at its next operation, and the clock, until :meth:`release`.

        For a window that fell behind the trace: the run waits for the
        picture instead of the picture guessing. Unlike :meth:`pause`, a
        hold is invisible to the program and to the picture: no state
        changes, no event; runtime time stands still meanwhile.
        """
        with self._gate_cv:
            if self._held or self._stopping:
                return
            self._held = True
            self._gating = True
        self.clock.hold()

    def release(self) -> None:
        """End a :meth:`hold`."""
        with self._gate_cv:
            if not self._held:
                return
            self._held = False
            self._gating = self._gate_needed()
            self._gate_cv.notify_all()
        self.clock.release()

    @property
    def held(self) -> bool:
        return self._held

    def _checkpoint(self, op: str, obj: Any, obj_id: int = 0, obj_name: str = "") -> None:
        """Wait at the gate while paused or held, until a step (or the end of it) lets us go.

        The object is *obj* (its id and name), or given as *obj_id*/*obj_name*.
        Called with no lock of the runtime's objects held.
        """
        me = _me()
        if me.id == 0:
            return  # plain threads (the GUI, tests) are never gated
        if me._kill:
            raise Goexit
        with self._gate_cv:
            if self._reader_behind and not self._reader_froze_clock and not self._stopping:
                # Held for the trace's reader: time stands still meanwhile, as in hold().
                # (Lock order _gate_cv -> the clock's: the clock calls out with none held.)
                self._reader_froze_clock = True
                self.clock.hold()
            while (
                (self._held or self._reader_behind)
                and not self._user_paused
                and not self._stopping
                and not me._kill
            ):
                self._at_hold.add(me)
                self._gate_cv.wait()
            self._at_hold.discard(me)
            if not self._user_paused or self._stopping:
                return
            self._at_gate[me] = op
            prev = me.state
            me.state = State.RUNNABLE
            tr = self.tracer
            if tr is not None:
                tr.emit(
                    Kind.GO_GATE,
                    g=me.id,
                    obj=getattr(obj, "id", obj_id),
                    name=getattr(obj, "name", obj_name),
                    value=op,
                )
            while self._gating and self._grant is not me and not me._kill:
                self._gate_cv.wait()
            del self._at_gate[me]
            me.state = prev if prev is not State.RUNNABLE else State.RUNNING
            if self._grant is me:
                self._grant = None
                if tr is not None:
                    tr.emit(Kind.GO_STEP, g=me.id, value=op)
            # Resumed: no event; its next operation shows it running.
        if me._kill:
            raise Goexit

    def gated(self) -> list[tuple[Goroutine, str]]:
        """Goroutines waiting at the pause gate, with the operation each will do next."""
        with self._gate_cv:
            return list(self._at_gate.items())

    def step(self, g_id: int | None = None, timeout: float = 1.0) -> bool:
        """While paused, let exactly one operation through.

        With *g_id*, that goroutine goes (it must be waiting at the gate);
        otherwise the one that has waited longest. If no goroutine waits at
        the gate, the clock jumps to the next timer instead. Returns False if
        nothing could move. Waits up to *timeout* for the previous step to be
        taken up.
        """
        with self._gate_cv:
            if not self._gating:
                return False
            deadline = time.monotonic() + timeout
            while self._grant is not None:  # the previous step not taken yet
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._gate_cv.wait(left)
            chosen = None
            for g in self._at_gate:
                if g_id is None or g.id == g_id:
                    chosen = g
                    break
            if chosen is not None:
                self._grant = chosen
                self._gate_cv.notify_all()
                return True
            if g_id is not None:
                return False
        return self.clock.advance_to_next()

    def pause(self) -> None:
        self.clock.pause()

    def resume(self) -> None:
        self.clock.resume()
