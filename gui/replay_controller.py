"""Save a run, open it again, and replay it on the window's stage.

:class:`ReplayController` belongs to the main window. Opening a run file
loads it into a :class:`~gui.replay.ReplaySession`, puts its lesson on the
window (the same presentation a live lesson gets, marked REPLAY) and shows
the :class:`~gui.replay.ReplayBar`. Playing hands each 33 ms tick the
recorded events up to the new time, through the window's one feed; seeking
rebuilds every view from the session's checkpoints. A scrubber drag is
coalesced: only its latest position is rebuilt, once per turn of the loop.

Invariants: while ``session`` is set no run plays (the player is stopped)
and the replay drives the controls and the state badge; leaving the replay
clears every view, so nothing recorded lingers beside a live run.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from core import scenarios
from core.scenarios import Scenario
from core.teaching import Recording, record
from gui.player import PlayerState
from gui.replay import ReplaySession
from gui.stage.overlays import panic_text

__all__ = ["ReplayController"]

TICK_MS = 33  # a played replay's frame


class ReplayController(QObject):
    """The replay on *window*'s stage, if any, and the saving of runs."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self._w = window
        self.bar = window.replay_bar
        self._session: ReplaySession | None = None
        self._playing = False
        self._clock = 0.0  # monotonic time of the last tick
        self._seek_to: float | None = None  # a scrubber move not shown yet
        self.last_seek_ms = 0.0  # the cost of the last seek
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.bar.play_toggled.connect(self.toggle)
        self.bar.seek_requested.connect(self._on_bar_seek_requested)
        self.bar.close_requested.connect(self.close)

    @property
    def session(self) -> ReplaySession | None:
        """The replay on stage, or None (a live lesson)."""
        return self._session

    @property
    def playing(self) -> bool:
        return self._playing

    # -- saving and opening ---------------------------------------------------------

    def current_recording(self) -> Recording | None:
        """What Save run writes: the run playing, else the replay, else the last run."""
        player = self._w.player
        if player.run is not None:
            return record(player.run)
        if self._session is not None:
            return self._session.recording
        if player.last_run is not None:
            return record(player.last_run)
        return None

    def save_run(self, path: str | Path) -> int:
        """Write the current run (see :meth:`current_recording`) to *path*, atomically.

        Returns how many events it holds.

        Raises:
            ValueError: there is no run to save, or it cannot be written as JSON.
            OSError: the file cannot be written.
        """
        rec = self.current_recording()
        if rec is None:
            raise ValueError("there is no run to save: play a lesson first")
        rec.save(path)
        return len(rec.events)

    def open_run(self, path: str | Path, play: bool = True) -> bool:
        """Replay the run saved in *path*; False (and a message box) if it cannot be.

        A file that is not a valid recording, names a lesson this version does
        not have, or carries refused parameters is refused and changes nothing.
        """
        try:
            rec = Recording.load(path)
            cls = self._w.program.lesson(rec.scenario) or scenarios.get(rec.scenario)
            values = cls(**rec.params).values
        except KeyError:
            return self._refuse(
                path, f"it records a lesson this version does not have ({rec.scenario!r})"
            )
        except (OSError, ValueError) as exc:
            return self._refuse(path, str(exc))
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            session = ReplaySession(rec)
        except Exception as exc:  # a well-formed file whose events make no sense
            return self._refuse(path, f"its events cannot be replayed ({exc})")
        finally:
            QApplication.restoreOverrideCursor()
        self._enter(cls, values, session, Path(path).name)
        if play:
            self.play(True)
        return True

    def _refuse(self, path: str | Path, why: str) -> bool:
        QMessageBox.warning(
            self._w,
            "Open run",
            f"Could not open {path} as a Goroutine Lab run:\n{why}\n\nNothing was changed.",
        )
        return False

    # -- entering and leaving -------------------------------------------------------

    def _enter(
        self, cls: type[Scenario], values: dict[str, Any], session: ReplaySession, name: str
    ) -> None:
        w = self._w
        self.leave()
        w.player.stop()
        w.present_lesson(cls, values, replay=True)
        w.clear_views()
        self._session = session
        w.waitfor.set_runtime(None, replay=True)
        rec = session.recording
        seed = f", seed {rec.seed}" if rec.seed is not None else ""
        self.bar.set_range(
            session.start, session.duration, f"{name} · {len(session.events):,} events{seed}"
        )
        self.bar.show()
        w.presentation.set_badge("REPLAY", "paused")
        self.seek(session.start)
        self.play(False)

    def leave(self) -> None:
        """Stop replaying, clear the views and give the controls back to the player."""
        if self._session is None:
            return
        w = self._w
        self._session = None
        self._playing = False
        self._timer.stop()
        self._seek_to = None
        self.bar.hide()
        cls = w.scenario_cls
        w.chapter_label.setText(cls.chapter.upper() if cls else "")
        w.clear_views()
        w.presentation.show_player_state(w.player.state)
        labels = {PlayerState.IDLE: "STOPPED", PlayerState.FINISHED: "FINISHED"}
        w.presentation.set_badge(labels.get(w.player.state, "STOPPED"), w.player.state)

    def close(self) -> None:
        """Leave the replay: its lesson comes back on stage, stopped."""
        w = self._w
        cls, values = w.scenario_cls, w.values
        self.leave()
        if cls is not None:
            w.open_lesson(cls.id, values, play=False)

    # -- playing --------------------------------------------------------------------

    def play(self, on: bool) -> None:
        """Play the replay at the player's speed (or pause it); Play at the end starts again."""
        r = self._session
        if r is None:
            return
        if on and r.at_end:
            self.seek(r.start)
        self._playing = on
        self._clock = time.monotonic()
        if on:
            self._timer.start()
        else:
            self._timer.stop()
        self.bar.set_playing(on)
        self._w.controls.set_replay(on)
        self._w.presentation.set_badge("REPLAY", "running" if on else "paused")

    def toggle(self) -> None:
        self.play(not self._playing)

    def seek(self, t: float) -> None:
        """Show the replay at runtime time *t*: every view rebuilt as it was then."""
        r, w = self._session, self._w
        if r is None:
            return
        t0 = time.perf_counter()
        state = r.seek(t)
        scene = state.scene
        w.stage.load_model(scene)
        w.timeline.load_model(state.timeline, r.position)
        w.events.show_rows(r.rows_until(r.index))
        w.selects.load_stats(state.select)
        w.reports.load_races(state.races)
        w.reports.set_deadlock(scene.deadlock, [])
        if scene.panics and not scene.deadlock:
            g, text = scene.panics[-1]
            name = scene.goroutines[g].name if g in scene.goroutines else f"goroutine {g}"
            w.stage.show_banner(panic_text(text, g, name), "panic")
        w.presentation.goroutine_names = {gid: g.name for gid, g in scene.goroutines.items()}
        w.presentation.show_note(scene.notes[-1] if scene.notes else "")
        self.bar.show_position(r.position)
        w.presentation.update_status()
        self.last_seek_ms = (time.perf_counter() - t0) * 1000

    def step(self) -> bool:
        """Show the next recorded event (the replay pauses first); False at the end."""
        r, w = self._session, self._w
        if r is None:
            return False
        self.play(False)
        t = r.next_event_time()
        if t is None:
            return False
        batch = r.advance(t)
        rows = r.rows_until(r.index)
        w.presentation.feed(batch, rows)
        w.timeline.set_now(r.position)
        self.bar.show_position(r.position)
        said = "; ".join(row[5] for row in rows[-min(3, len(batch)) :])
        w.stage.show_caption(f"t = {r.position:.3f} s: {said}")
        w.presentation.update_status()
        return bool(batch)

    def stop(self) -> None:
        """Stop the replay's timer (the window closes)."""
        self._timer.stop()

    def _on_timer_timeout(self) -> None:
        r, w = self._session, self._w
        if r is None:
            self._timer.stop()
            return
        now = time.monotonic()
        dt, self._clock = now - self._clock, now
        batch = r.advance(r.position + dt * w.player.speed)
        if batch:
            w.presentation.feed(batch, r.rows_until(r.index))
        w.timeline.set_now(r.position)
        self.bar.show_position(r.position)
        if r.position >= r.duration:
            self.play(False)

    def _on_bar_seek_requested(self, t: float) -> None:
        pending = self._seek_to is not None
        self._seek_to = t
        if not pending:
            QTimer.singleShot(0, self._on_seek_due)

    def _on_seek_due(self) -> None:
        t, self._seek_to = self._seek_to, None
        if t is not None:
            self.seek(t)
