"""The only crossing from core threads to the GUI thread.

Core threads never call Qt. They append events to the run's
:class:`core.trace.Tracer` (a lock-free ring); one ~16 ms ``QTimer`` on the
GUI thread reads what came since the last tick with ``Tracer.since``, folds
it into the run's one :class:`core.trace.RunModel` and emits the batch and
the model's diff. A Qt signal per event would cap near 150k events/s and
slow the producers; this costs the producers nothing.

Never a wrong picture: the bridge sets the tracer's reader limit
(``Tracer.limit_lag``): when the run gets more than ``hold_lag`` events ahead
of the window, the emitting goroutines themselves hold the run (every
goroutine waits at its next operation and runtime time stands still) until
the window has read to within ``release_lag``; :attr:`holding` says so for the
status bar. The emitters engage the hold, not this thread: four busy
goroutines can keep the GUI thread from the GIL for 20-30 ms, so a hold
decided here would come late. The ring is far larger than ``hold_lag``, so a
held run loses nothing; an event the ring overwrote anyway is counted in
:attr:`missed` and the status bar reports it.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal

from core.trace import RunDiff, RunModel, TraceEvent, Tracer

__all__ = ["TraceBridge"]

# Events read and folded at a time, between looks at the clock. With budget_ms
# they bound a GUI-thread stall: bench_gui's flood (4 busy goroutines, 250,000
# events/s) stalled it 10-13 ms with 250 and 4 ms, 6-7 ms with 100 and 2 ms, for
# the same events delivered.
_CHUNK = 100
# Within FLOOD_S of the last hold, look every FLOOD_INTERVAL_MS even when caught up:
# a run that fills hold_lag faster than a frame would otherwise wait for the frame.
FLOOD_S = 0.5
FLOOD_INTERVAL_MS = 2


class TraceBridge(QObject):
    """Polls a tracer from the GUI thread and emits ``events_ready(batch)``.

    Each tick delivers at most ``batch_limit`` events, oldest first, in
    sequence order, read within ``budget_ms``; the rest waits for the next
    tick, so a flood never stalls the GUI thread. Events the ring overwrote
    before they were read are counted in :attr:`missed`.
    """

    events_ready = Signal(list)
    model_changed = Signal(object)  # the RunDiff of the batch just folded into .model
    holding_changed = Signal(bool)

    def __init__(
        self,
        parent: QObject | None = None,
        interval_ms: int = 16,
        batch_limit: int = 5_000,
        budget_ms: float = 2.0,
        hold_lag: int = 3_000,
        release_lag: int = 1_000,
    ) -> None:
        super().__init__(parent)
        self.model = RunModel()
        self._holding = False
        self.hold_lag = hold_lag
        self.release_lag = release_lag
        self.held_at = 0.0  # time.monotonic() when the run was last held back
        self._tracer: Tracer | None = None
        self._last_seq = 0
        self._missed = 0
        self._delivered = 0
        self._batch_limit = batch_limit
        self._budget = budget_ms / 1000.0  # reading time allowed per tick
        self._interval = interval_ms
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll)

    # -- properties -------------------------------------------------------------

    @property
    def tracer(self) -> Tracer | None:
        return self._tracer

    @property
    def last_seq(self) -> int:
        """The sequence number of the last event delivered (or given up on)."""
        return self._last_seq

    @property
    def missed(self) -> int:
        """Events emitted by the run but never delivered (the ring overflowed)."""
        return self._missed

    @property
    def delivered(self) -> int:
        return self._delivered

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    # -- control ----------------------------------------------------------------

    @property
    def holding(self) -> bool:
        """The run is held back while the window catches up."""
        return self._holding

    def attach(self, tracer: Tracer | None) -> None:
        """Follow *tracer* from its first event into a new model; ``None`` detaches.

        The previous tracer's run is let go; the new one is held back whenever
        the window falls ``hold_lag`` events behind. Counters restart.
        """
        old = self._tracer
        if old is not None and old is not tracer:
            old.limit_lag(0, 0)
        self._set_holding(False)
        self.model = RunModel()
        self._tracer = tracer
        self._last_seq = 0
        self._missed = 0
        self._delivered = 0
        self.held_at = 0.0
        if tracer is None:
            self._timer.stop()
        else:
            tracer.limit_lag(self.hold_lag, self.release_lag)
            self._timer.start()

    def detach(self) -> None:
        """Stop polling; events not yet delivered are dropped with the tracer."""
        self.attach(None)

    def poll(self) -> int:
        """Deliver one batch now (the timer's tick); returns how many events it held.

        Reads in chunks until the batch is full, the tracer is drained or the
        time budget is spent (under GIL contention with busy goroutines a
        chunk can take several milliseconds). If events are left, the next
        tick comes at once rather than after the full interval, so the
        bridge keeps up with a flood without ever holding the GUI thread long.
        """
        tracer = self._tracer
        if tracer is None:
            return 0
        batch, diff = self._fold(tracer)
        if batch:
            self._delivered += len(batch)
            self.events_ready.emit(batch)
            self.model_changed.emit(diff)
        tracer.mark_read(self._last_seq)  # may let a held run go on
        self._set_holding(tracer.lagging)
        lag = tracer.last_seq - self._last_seq
        if self._timer.isActive():
            if lag > 0:
                interval = 0
            elif time.monotonic() - self.held_at < FLOOD_S:
                interval = FLOOD_INTERVAL_MS  # a held run waits for our next look
            else:
                interval = self._interval
            self._timer.setInterval(interval)
        return len(batch)

    def _fold(self, tracer: Tracer) -> tuple[list[TraceEvent], RunDiff]:
        """Read and fold events until the batch is full, the ring is drained or
        the budget is spent; returns the batch and its diff."""
        deadline = time.perf_counter() + self._budget
        batch: list[TraceEvent] = []
        diff = RunDiff()
        model = self.model
        while len(batch) < self._batch_limit:
            chunk, missed = tracer.since(
                self._last_seq, min(_CHUNK, self._batch_limit - len(batch))
            )
            # ``since`` covers the sequence numbers right after ours without a gap:
            # each was returned or counted as missed (it stops before an event still
            # being written, and we ask again from there).
            self._last_seq += missed + len(chunk)
            self._missed += missed
            if not chunk:
                break
            batch.extend(chunk)
            model.apply(chunk, into=diff)  # folding counts against the budget too
            if time.perf_counter() > deadline:
                break
        return batch, diff

    def _set_holding(self, on: bool) -> None:
        if on == self._holding:
            return
        self._holding = on
        if on:
            self.held_at = time.monotonic()
        self.holding_changed.emit(on)
