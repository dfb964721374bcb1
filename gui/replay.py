"""Replay a saved run in the window: the stage, the timeline and the events, from the file.

A :class:`~core.teaching.Recording` holds every event of a run. Replaying
means feeding those events, in their recorded order, to the same views a
live run feeds; no runtime runs. Playing forwards hands each tick the
events up to the new time (the views animate them as they would live).
Seeking, forwards or backwards, rebuilds each view's state at the new time.

Rebuilding from the first event would cost about 3 µs per event on this
machine (stage, timeline, select and race models: about 150 ms for 50,000
events). So :class:`ReplaySession` walks the log once when it loads and
keeps a *checkpoint* every :data:`CHECKPOINT_EVERY` events: the Qt-free
models pickled (:class:`ReplayState`). A seek restores the nearest
checkpoint before the target and applies at most that many events; the
event log's rows are described once, up front, and a seek shows a slice.
The checkpoints are made and read by this process only.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from core.teaching import Recording, Replay, SelectStats
from core.trace import Kind, RunModel, TraceEvent
from gui.panels.events import EventTableModel
from gui.panels.reports import RaceTracker
from gui.panels.timeline import TimelineModel
from gui.theme import Theme

__all__ = ["CHECKPOINT_EVERY", "ReplayBar", "ReplaySession", "ReplayState"]

CHECKPOINT_EVERY = 4096  # events between two checkpoints


@dataclass
class ReplayState:
    """Every model a replay rebuilds, at one moment of the run (Qt-free, picklable).

    ``scene`` is the run's :class:`~core.trace.RunModel` (what the stage draws).
    """

    scene: RunModel = field(default_factory=RunModel)
    timeline: TimelineModel = field(default_factory=TimelineModel)
    select: SelectStats = field(default_factory=SelectStats)
    races: RaceTracker = field(default_factory=RaceTracker)
    index: int = 0  # events[:index] are folded in

    def apply(self, events: list[TraceEvent]) -> None:
        if not events:
            return
        self.scene.apply(events)
        self.timeline.apply(events)
        self.select.apply(events)
        self.races.apply(events)
        self.index += len(events)


class ReplaySession:
    """A recording ready to replay: its events, their rows, checkpoints, a cursor.

    Not thread-safe: the GUI thread owns it. ``position`` is the replay's
    runtime time; ``index`` how many events are shown (``events[:index]``:
    :class:`~core.teaching.Replay`'s "longest prefix whose times are all at
    most the position").
    """

    def __init__(self, recording: Recording) -> None:
        self.recording = recording
        self.events = recording.events
        self._replay = Replay(recording)
        self.duration = self._replay.duration
        self.start = self.events[0].t if self.events else 0.0
        self.rows = EventTableModel.describe(self.events)  # one row per event, METRIC excepted
        self._row_at = _row_index(self.events)  # events[:i] make rows[:_row_at[i]]
        self._checkpoints: list[bytes] = []  # the state before events[k * CHECKPOINT_EVERY]
        state = ReplayState()
        for i in range(0, max(1, len(self.events)), CHECKPOINT_EVERY):
            self._checkpoints.append(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))
            state.apply(self.events[i : i + CHECKPOINT_EVERY])
        self.position = self.start
        self.index = 0
        self._replay.seek(self.start)

    # -- time and events ------------------------------------------------------------

    def rows_until(self, index: int) -> list[tuple]:
        """The event log's rows of events[:index] (the last ``EventTableModel.LIMIT``)."""
        end = self._row_at[index]
        return self.rows[max(0, end - EventTableModel.LIMIT) : end]

    def seek(self, t: float) -> ReplayState:
        """The state at time *t* (clamped to the run): restored from the nearest
        checkpoint, then the events after it applied. Moves the cursor to *t*."""
        t = min(max(t, self.start), self.duration)
        index = len(self._replay.seek(t))
        k = min(index // CHECKPOINT_EVERY, len(self._checkpoints) - 1)
        state: ReplayState = pickle.loads(self._checkpoints[k])
        state.apply(self.events[state.index : index])
        self.position = t
        self.index = index
        return state

    def advance(self, t: float) -> list[TraceEvent]:
        """Play forward to *t*: the events after the cursor up to *t* (none if *t* is earlier)."""
        t = min(t, self.duration)
        if t < self.position:
            return []
        out = self._replay.events_until(t)
        self.index += len(out)
        self.position = t
        return out

    def next_event_time(self) -> float | None:
        """The time at which the next event shows (None at the end): a replay's Step."""
        if self.index >= len(self.events):
            return None
        return max(self.position, self.events[self.index].t)

    @property
    def at_end(self) -> bool:
        return self.index >= len(self.events) and self.position >= self.duration

    def last(self, kind: Kind) -> TraceEvent | None:
        """The latest event of *kind* shown so far."""
        for e in reversed(self.events[: self.index]):
            if e.kind is kind:
                return e
        return None


def _row_index(events: list[TraceEvent]) -> list[int]:
    """out[i] = how many rows events[:i] make (the event log skips METRIC events)."""
    out = [0]
    n = 0
    for e in events:
        if e.kind is not Kind.METRIC:
            n += 1
        out.append(n)
    return out


class ReplayBar(QFrame):
    """REPLAY, play/pause, the scrubber, the time, and the way out.

    Signals:
        play_toggled(): play or pause the replay.
        seek_requested(float): the teacher moved the scrubber (runtime seconds).
        close_requested(): leave the replay.
    """

    play_toggled = Signal()
    seek_requested = Signal(float)
    close_requested = Signal()

    TICKS_PER_S = 100  # scrubber resolution: 10 ms of runtime

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("replayBar")
        self._start = 0.0
        self._end = 0.0
        self.tag = QLabel("REPLAY")
        self.tag.setObjectName("replayTag")
        self.info = QLabel()
        self.info.setObjectName("hint")
        self.play_button = QPushButton("Play")
        self.play_button.setToolTip("Play or pause the replay (Space)")
        self.play_button.clicked.connect(self.play_toggled)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setAccessibleName("Replay position")
        self.slider.setToolTip(
            "Drag to move through the run; the stage, timeline and events follow"
        )
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.time_label = QLabel()
        self.time_label.setObjectName("speedValue")
        self.close_button = QPushButton("Close replay")
        self.close_button.clicked.connect(self.close_requested)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.tag)
        row.addWidget(self.play_button)
        row.addWidget(self.slider, 1)
        row.addWidget(self.time_label)
        row.addWidget(self.info)
        row.addWidget(self.close_button)
        self._quiet = False
        self.set_theme(theme)

    def set_range(self, start: float, end: float, info: str) -> None:
        self._start = start
        self._quiet = True
        self.slider.setRange(0, max(1, round((end - start) * self.TICKS_PER_S)))
        self.slider.setPageStep(self.TICKS_PER_S)
        self.slider.setValue(0)
        self._quiet = False
        self._end = end
        self.info.setText(info)

    def show_position(self, t: float) -> None:
        """Move the scrubber to *t* without asking for a seek."""
        self._quiet = True
        self.slider.setValue(round((t - self._start) * self.TICKS_PER_S))
        self._quiet = False
        self.time_label.setText(f"{t:.2f} / {self._end:.2f} s")

    def set_playing(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")

    def set_theme(self, theme: Theme) -> None:
        self.setStyleSheet(
            f"#replayBar {{ background: {theme.surface}; border: 1px solid {theme.accent}; "
            f"border-radius: 6px; }}"
            f"#replayBar QLabel#replayTag {{ color: {theme.background}; background: "
            f"{theme.accent}; font-weight: 700; padding: 2px 8px; border-radius: 4px; }}"
        )

    def _on_slider_value_changed(self, value: int) -> None:
        if not self._quiet:
            # The right end is the run's end exactly (the ticks round it).
            at_end = value >= self.slider.maximum()
            self.seek_requested.emit(
                self._end if at_end else self._start + value / self.TICKS_PER_S
            )
