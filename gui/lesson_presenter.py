"""What the window shows of a lesson and its run, live or replayed.

:class:`LessonPresenter` belongs to the main window. It puts a lesson on
the window (its header, catalogue entry, controls, code, text, plots, chat
tab and questions: one function, :meth:`LessonPresenter.show_lesson`, for
a live lesson and a replay alike), hands every batch of the run's events
to the views (:meth:`LessonPresenter.feed`), and keeps the note strip, the
state badge and the status bar true to the run.

Invariants: every view is fed the same batches in the same order; a view
is cleared only with all the others (:meth:`LessonPresenter.clear`); the
stage of a live run is drawn from the bridge's one model, never re-folded.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QObject

from core.scenarios import Scenario
from core.teaching import WaitForGraph, leak_report
from core.trace import Kind, TraceEvent, WaitRecord
from gui.panels import discard as _discard
from gui.panels.chat import ChatPanel
from gui.panels.controls import format_speed
from gui.player import PlayerState
from gui.stage.view import DEFAULT_PLUMBING
from gui.window_menus import APP_NAME

__all__ = ["BADGES", "HELD_SHOWN_S", "LessonPresenter", "record_sentence"]

HELD_SHOWN_S = 1.0  # the status bar says the run was held back for this long after a hold
BADGES = {
    PlayerState.IDLE: "STOPPED",
    PlayerState.RUNNING: "RUNNING",
    PlayerState.PAUSED: "PAUSED",
    PlayerState.FINISHED: "FINISHED",
}


def record_sentence(r: WaitRecord) -> str:
    """One goroutine of a deadlock, from its record: who waits, how, on what."""
    how = r.reason or r.state.replace("_", " ")
    on = f" on {r.obj_name}" if r.obj_name else ""
    return f"{r.name or 'goroutine'} (goroutine {r.g}) waits [{how}]{on}, and nothing can wake it"


class LessonPresenter(QObject):
    """Shows *window*'s lesson and run on its header, panels, badge and status bar."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self._w = window
        self.chat: ChatPanel | None = None  # the Chat tab, for the chat lesson only
        self.goroutine_names: dict[int, str] = {}  # of the run on stage, by id

    # -- the lesson -------------------------------------------------------------------

    def show_lesson(self, cls: type[Scenario], values: dict[str, Any], replay: bool) -> None:
        """Put lesson *cls* (run with *values*) on the window, live or (*replay*) from a
        recording: its header, catalogue entry, controls, code, text, plots, chat and
        questions. A replay's controls drive the recording, not the player."""
        w = self._w
        w.catalogue.select(cls.id)
        chapter = cls.chapter.upper()
        w.chapter_label.setText(f"REPLAY · {chapter}" if replay else chapter)
        w.title_label.setText(cls.title)
        w.summary_label.setText(cls.summary)
        w.setWindowTitle(f"{'Replay: ' if replay else ''}{cls.title} — {APP_NAME}")
        live = None if replay else w.player
        w.controls.set_scenario(cls, values, live)
        w.presenter_strip.set_actions()
        w.scheduler.set_lesson(cls.id)
        self.apply_plumbing(cls, w.show_plumbing)
        w.stage.set_lanes(cls.lanes)
        w.code.set_scenario(cls, live, None if replay else w.selected_goroutine)
        w.lesson.set_scenario(cls)
        w.plots.set_metrics(cls.metrics, None, cls.id)
        self._set_chat_tab(cls)
        w.program.lesson_opened(cls)
        self.show_note("")
        w.questions.load(cls)

    def apply_plumbing(self, cls: type[Scenario] | None, show: bool) -> None:
        """Hide the default plumbing and lesson *cls*'s own (its ``plumbing`` patterns),
        unless *show*."""
        extra = tuple(getattr(cls, "plumbing", ())) if cls is not None else ()
        self._w.stage.set_hidden_names(() if show else (*DEFAULT_PLUMBING, *extra))

    def _set_chat_tab(self, cls: type[Scenario]) -> None:
        tabs = self._w.tabs
        if self.chat is not None:
            tabs.removeTab(tabs.indexOf(self.chat))
            self.chat.detach()
            _discard(self.chat)
            self.chat = None
        if cls.id == "chat":
            self.chat = ChatPanel(self._w.theme)
            tabs.insertTab(0, self.chat, "Chat")
            tabs.setCurrentWidget(self.chat)

    def forget_leaving_runs(self) -> None:
        """Nothing of the last lesson stays: its leak report comes once its run has
        stopped (later, off this thread), so a run stopped by this switch is
        forgotten when its report arrives, just after show_stop_report shows it."""
        w = self._w
        w.statusBar().clearMessage()
        w.reports.clear()
        leaving = {r for r in (w.player.run, w.player.last_run) if r is not None}
        leaving.discard(w.player.stopped_run)  # reported already
        if not leaving:
            return

        def forget_leaving(report: Any) -> None:
            run = w.player.stopped_run
            if run not in leaving:
                return
            leaving.discard(run)
            if not leaving:
                w.player.stopped.disconnect(forget_leaving)
            if w.scenario_cls is not None and run.scenario.id != w.scenario_cls.id:
                w.reports.clear_leaks()
                if isinstance(report, Exception) or getattr(report, "leaked", None):
                    w.statusBar().clearMessage()  # the message it just showed

        w.player.stopped.connect(forget_leaving)

    def show_stop_report(self, report: Any) -> None:
        """Say how the run stopped (*report*: a StopReport, or the Exception stopping raised):
        goroutines that leaked in the status bar, the leak report in Reports."""
        w = self._w
        leaked = getattr(report, "leaked", None)
        if isinstance(report, Exception):
            w.statusBar().showMessage(f"Stopping the lesson failed: {report}", 8000)
        elif leaked:
            w.statusBar().showMessage(
                f"Stopped; {len(leaked)} goroutine(s) never ended on cancellation and were "
                "unwound (a leak): " + "; ".join(leaked[:3]),
                10000,
            )
        run = w.player.stopped_run
        if run is not None and not isinstance(report, Exception) and report is not None:
            events = run.tracer.events() if run.tracer is not None else []
            leaks = leak_report(report, events)
            w.reports.set_leaks(f"{run.scenario.title} (the run that just ended)", leaks.text)
            if not leaks.clean:
                w.teach_tabs.flag(w.reports)

    # -- the run's events -------------------------------------------------------------

    def clear(self) -> None:
        """Empty every view of the run: a new run, a replay entered or left."""
        w = self._w
        w.bridge.detach()
        w.stage.clear_banner()
        w.stage.reset()
        w.timeline.reset()
        w.events.reset()
        w.scheduler.set_runtime(None)
        w.waitfor.set_runtime(None)
        w.selects.reset()
        w.reports.reset()
        w.teach_tabs.clear_flags()
        self.goroutine_names = {}

    def feed(
        self, batch: list[TraceEvent], rows: list[tuple] | None = None, live: bool = False
    ) -> None:
        """Hand *batch* to every view (a live run's, or a replay's with its log *rows*).

        Live, the stage is drawn from the bridge's model, not from the batch.
        """
        w = self._w
        if not live:
            w.stage.apply_events(batch)
        w.timeline.apply_events(batch)
        if rows is None:
            w.events.apply_events(batch)
        else:
            w.events.show_rows(rows)
        if self.chat is not None:
            self.chat.apply_events(batch)
        w.scheduler.apply_events(batch)
        w.waitfor.apply_events(batch)
        w.selects.apply_events(batch)
        if w.reports.apply_events(batch):
            w.teach_tabs.flag(w.reports)
        note = None
        for ev in batch:
            k = ev.kind
            if k is Kind.GO_CREATE and ev.obj_name:
                self.goroutine_names[ev.obj] = ev.obj_name
            elif k is Kind.NOTE:
                note = ev.value
            elif k is Kind.DEADLOCK:
                w.stage.show_banner(ev.value, "deadlock")
                self.set_badge("DEADLOCK", "deadlock")
                self._report_deadlock(ev)
            elif k is Kind.FAULT:
                # A timer callback raised: the run goes on, but the teacher should know.
                w.statusBar().showMessage(f"A runtime callback failed: {ev.value}", 8000)
        if note is not None:
            self.show_note(note)

    def _report_deadlock(self, ev: TraceEvent) -> None:
        """Go's deadlock block, with a sentence per goroutine it names: from the
        wait-for graph in a live run, from the event's records in a replay."""
        w = self._w
        records = [WaitRecord(*r) for r in ev.payload.goroutines]
        rt = w.player.runtime
        if rt is not None and w.replay is None:
            graph = WaitForGraph.from_runtime(rt, usage=w.waitfor.usage)
            explanations = [graph.explain(r.g) for r in records]
        else:
            explanations = [record_sentence(r) for r in records]
        w.reports.set_deadlock(ev.value, explanations)
        w.teach_tabs.flag(w.reports)

    # -- the note strip, the badge, the status bar ------------------------------------

    def show_note(self, text: str) -> None:
        """Show the lesson's note strip with *text* ("" hides it; "BROKEN..." in red)."""
        label = self._w.note_label
        label.setText(text)
        label.setVisible(bool(text))
        broken = text.upper().startswith("BROKEN")
        if label.property("broken") != broken:
            label.setProperty("broken", broken)
            label.style().unpolish(label)
            label.style().polish(label)

    def show_player_state(self, state: str) -> None:
        """Show the player's *state* on the controls and the badge (not during a replay,
        which drives them itself)."""
        w = self._w
        if w.replay is not None:
            return
        w.controls.set_state(state)
        w.presenter_strip.sync()
        w.scheduler.set_paused(state == PlayerState.PAUSED)
        rt = w.player.runtime
        if state != PlayerState.PAUSED:
            # Steps are over: the caption and the ring would tell an old story.
            w.stage.clear_caption()
            w.stage.spotlight(0)
        if rt is not None and rt.deadlock is not None and state != PlayerState.IDLE:
            self.set_badge("DEADLOCK", "deadlock")  # resuming does not undo a deadlock
        else:
            self.set_badge(BADGES.get(state, state.upper()), state)

    def set_badge(self, text: str, state: str) -> None:
        """Say *text* on the state badge, coloured by the stylesheet for *state*."""
        badge = self._w.state_badge
        badge.setText(text)
        badge.setProperty("state", state)
        badge.style().unpolish(badge)
        badge.style().polish(badge)

    def update_status(self) -> None:
        """Refresh the clock, the goroutine and event counts and the speed."""
        w = self._w
        w.status_speed.setText(f"speed {format_speed(w.player.speed)}")
        r = w.replay
        if r is not None:
            w.clock_label.setText(f"t = {r.position:.1f} s")
            w.stage.set_time(r.position)
            n = sum(1 for g in w.stage.model.goroutines.values() if not g.finished)
            w.status_goroutines.setText(f"{n} goroutine{'s' if n != 1 else ''} (replay)")
            w.status_events.setText(f"{r.index:,} of {len(r.events):,} events")
            return
        rt = w.player.runtime
        if rt is not None:
            now = rt.clock.now()
            w.clock_label.setText(f"t = {now:.1f} s")
            w.stage.set_time(now)
            n = len(rt.goroutines())
            w.status_goroutines.setText(f"{n} goroutine{'s' if n != 1 else ''} alive")
        else:
            w.clock_label.setText("")
            w.status_goroutines.setText("")
        bridge = w.bridge
        held = bridge.holding or time.monotonic() - bridge.held_at < HELD_SHOWN_S
        w.status_events.setText(
            f"{bridge.delivered:,} events"
            + (f" ({bridge.missed:,} missed)" if bridge.missed else "")
            + (" · run held back: the picture is catching up" if held else "")
        )
