"""The Goroutine Lab window: catalogue, stage, controls and the tabs under the stage.

Data flow (one direction): the :class:`~gui.player.Player` runs a lesson in
its own Runtime; the :class:`~gui.bridge.TraceBridge` drains the run's
tracer on a 16 ms timer and hands each batch to the stage, the timeline and
the event log; the plots read the scenario's metrics recorder on their own
timer. No slot here waits on the core: stopping a run happens on a Python
thread (see the player), and calls that may block run in goroutines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core import scenarios
from core.scenarios._base import Scenario
from core.trace import Kind, TraceEvent, write_chrome_trace
from gui import resources
from gui.bridge import TraceBridge
from gui.catalogue import CataloguePanel
from gui.panels import discard as _discard
from gui.panels.chat import ChatPanel
from gui.panels.code import CodePanel
from gui.panels.controls import ControlsPanel, format_speed
from gui.panels.events import EventsPanel
from gui.panels.lesson import LessonPanel
from gui.panels.plots import PlotsPanel
from gui.panels.timeline import TimelinePanel
from gui.player import Player, PlayerState
from gui.settings import Settings, clamp_speed
from gui.stage import StageView
from gui.theme import Theme, theme_by_name

__all__ = ["MainWindow"]


APP_NAME = "Goroutine Lab"


def panic_banner(ev: TraceEvent, name: str) -> str:
    """Go's words for a goroutine that died of a panic."""
    text = ev.value if ev.value.startswith("panic:") else f"panic: {ev.value}"
    return (
        f"{text}\n\ngoroutine {ev.g} [running]: {name}\n"
        "(In Go this ends the whole program: exit status 2. Here only this goroutine died.)"
    )


class MainWindow(QMainWindow):
    """The application window. *settings* defaults to the user's QSettings.

    ``theme``, ``presenter`` and ``speed`` override what the settings
    remember (command-line options); *remember* False neither restores nor
    saves anything (screenshots, tests).
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        theme: str | None = None,
        presenter: bool | None = None,
        speed: float | None = None,
        remember: bool = True,
        seed: int | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings if settings is not None else Settings()
        self._remember = remember
        self._theme: Theme = theme_by_name(theme or self.settings.theme)
        self._presenter = bool(presenter if presenter is not None else self.settings.presenter)
        speed = clamp_speed(speed if speed is not None else self.settings.speed)
        self._catalogue = scenarios.catalogue()
        self._scenario_cls: type[Scenario] | None = None
        self._values: dict[str, Any] = {}
        self._selected_g: int | None = None
        self._g_names: dict[int, str] = {}
        self._closing = False
        self._catalogue_was_visible = True  # before presenter mode hid it

        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(resources.icon("app"))
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
        )

        self.player = Player(self, speed=speed, seed=seed)
        self.bridge = TraceBridge(self)

        # Centre: lesson header, note strip, the stage, the tabs.
        self.stage = StageView(self._theme)
        self.timeline = TimelinePanel(self._theme)
        self.plots = PlotsPanel(self._theme)
        self.events = EventsPanel(self._theme)
        self.code = CodePanel(self._theme)
        self.lesson = LessonPanel(self._theme)
        self.chat: ChatPanel | None = None

        self.title_label = QLabel()
        self.title_label.setObjectName("lessonTitle")
        self.chapter_label = QLabel()
        self.chapter_label.setObjectName("lessonChapter")
        self.summary_label = QLabel()
        self.summary_label.setObjectName("lessonSummary")
        self.summary_label.setWordWrap(True)
        self.state_badge = QLabel()
        self.state_badge.setObjectName("stateBadge")
        self.clock_label = QLabel()
        self.clock_label.setObjectName("lessonTitle")
        self.clock_label.setToolTip("Runtime clock: seconds since the lesson started")
        self.clock_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        # Room for "t = 9999.9 s", so the header does not jump as the digits change.
        self.clock_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("t = 9999.9 s") * 2)
        self.note_label = QLabel()
        self.note_label.setObjectName("noteStrip")
        self.note_label.setWordWrap(True)
        self.note_label.setTextFormat(Qt.TextFormat.PlainText)
        self.note_label.hide()

        header = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(self.chapter_label)
        titles.addWidget(self.title_label)
        titles.addWidget(self.summary_label)
        header.addLayout(titles, 1)
        header.addWidget(self.state_badge, 0, Qt.AlignmentFlag.AlignTop)
        header.addWidget(self.clock_label, 0, Qt.AlignmentFlag.AlignTop)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.plots, "Plots")
        self.tabs.addTab(self.timeline, "Timeline")
        self.tabs.addTab(self.events, "Events")
        self.tabs.addTab(self.code, "Code")
        self.tabs.addTab(self.lesson, "Lesson")

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.stage)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([580, 420])  # proportions: the stage, then the tabs
        self.splitter.setChildrenCollapsible(False)

        central = QWidget()
        central.setObjectName("central")
        cl = QVBoxLayout(central)
        cl.setContentsMargins(8, 6, 8, 4)
        cl.setSpacing(6)
        cl.addLayout(header)
        cl.addWidget(self.note_label)
        cl.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        # Docks: the catalogue on the left, the controls on the right.
        self.catalogue = CataloguePanel(self._catalogue)
        self.catalogue_dock = QDockWidget("Lessons", self)
        self.catalogue_dock.setObjectName("catalogueDock")
        self.catalogue_dock.setWidget(self.catalogue)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.catalogue_dock)

        self.controls = ControlsPanel(self._theme, speed)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.controls)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.controls_dock = QDockWidget("Controls", self)
        self.controls_dock.setObjectName("controlsDock")
        self.controls_dock.setWidget(scroll)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.controls_dock)

        # Status bar.
        self.status_events = QLabel()
        self.status_goroutines = QLabel()
        self.status_speed = QLabel()
        for w in (self.status_goroutines, self.status_events, self.status_speed):
            self.statusBar().addPermanentWidget(w)

        self._build_menus()
        self._connect()

        self._status_timer = QTimer(self)
        self._status_timer.setInterval(200)
        self._status_timer.timeout.connect(self._on_status_timer_timeout)
        self._status_timer.start()

        self.resize(1500, 950)
        self.size_docks()
        if self._remember:
            self.settings.restore_window(self)
        if self._presenter:
            self._catalogue_was_visible = self.catalogue_dock.isVisible()
            self.catalogue_dock.hide()
        self._apply_theme()
        self._on_player_state_changed(PlayerState.IDLE)
        self._update_status()

    # -- building ----------------------------------------------------------------

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.act_export = self._action(
            file_menu, "Export trace (Chrome / Perfetto JSON)…", self._on_export_trace, "Ctrl+E"
        )
        self.act_save_window = self._action(
            file_menu, "Save window as PNG…", self._on_save_window, "Ctrl+Shift+S"
        )
        self.act_save_stage = self._action(file_menu, "Save stage as PNG…", self._on_save_stage)
        file_menu.addSeparator()
        self._action(file_menu, "Quit", self.close, QKeySequence.StandardKey.Quit)

        run_menu = bar.addMenu("&Run")
        self.act_play = self._action(run_menu, "Play / Pause", self.player_toggle, "Space")
        self.act_step = self._action(run_menu, "Step one operation", self.step, "Right")
        self.act_reset = self._action(run_menu, "Reset", self.reset_lesson, "R")
        run_menu.addSeparator()
        self._action(run_menu, "Slower", lambda: self._nudge_speed(1 / 1.5), "[")
        self._action(run_menu, "Faster", lambda: self._nudge_speed(1.5), "]")

        view = bar.addMenu("&View")
        group = QActionGroup(self)
        self.act_dark = self._action(view, "Dark theme", lambda: self.set_theme("dark"))
        self.act_light = self._action(view, "Light theme", lambda: self.set_theme("light"))
        for a in (self.act_dark, self.act_light):
            a.setCheckable(True)
            group.addAction(a)
        self.act_presenter = self._action(view, "Presenter mode", self.toggle_presenter)
        self.act_presenter.setShortcuts([QKeySequence("F11"), QKeySequence("Ctrl+P")])
        self.act_presenter.setCheckable(True)
        view.addSeparator()
        view.addAction(self.catalogue_dock.toggleViewAction())
        view.addAction(self.controls_dock.toggleViewAction())

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "Keyboard shortcuts", self._on_shortcuts, "F1")
        self._action(help_menu, f"About {APP_NAME}", self._on_about)

    def _action(self, menu: Any, text: str, slot: Any, shortcut: Any = None) -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        a.triggered.connect(lambda _=False: slot())
        menu.addAction(a)
        self.addAction(a)  # shortcuts work with the menu bar hidden too
        return a

    def _connect(self) -> None:
        self.catalogue.lesson_selected.connect(self._on_catalogue_lesson_selected)
        self.controls.play_pause_requested.connect(self.player_toggle)
        self.controls.step_requested.connect(self.step)
        self.controls.reset_requested.connect(self.reset_lesson)
        self.controls.speed_changed.connect(self._on_controls_speed_changed)
        self.controls.params_changed.connect(self._on_controls_params_changed)
        self.controls.action_requested.connect(self._on_controls_action_requested)
        self.player.started.connect(self._on_player_started)
        self.player.state_changed.connect(self._on_player_state_changed)
        self.player.stopped.connect(self._on_player_stopped)
        self.player.finished.connect(self._on_player_finished)
        self.bridge.events_ready.connect(self._on_bridge_events_ready)
        self.stage.goroutine_clicked.connect(self._on_goroutine_clicked)
        self.timeline.goroutine_clicked.connect(self._on_goroutine_clicked)

    # -- lessons ------------------------------------------------------------------

    @property
    def scenario_cls(self) -> type[Scenario] | None:
        return self._scenario_cls

    @property
    def theme(self) -> Theme:
        return self._theme

    @property
    def presenter(self) -> bool:
        return self._presenter

    def open_lesson(
        self, scenario_id: str, values: dict[str, Any] | None = None, play: bool = True
    ) -> bool:
        """Put lesson *scenario_id* on stage (and start it, with *play*).

        *values* are parameter overrides; a refused value is reported in the
        status bar and its default used. Returns False for an unknown id.
        """
        try:
            cls = scenarios.get(scenario_id)
        except KeyError:
            self.statusBar().showMessage(f"No lesson called {scenario_id!r}.", 8000)
            return False
        self._scenario_cls = cls
        self._values = self._checked_values(cls, values or {})
        self.catalogue.select(cls.id)
        self.chapter_label.setText(cls.chapter.upper())
        self.title_label.setText(cls.title)
        self.summary_label.setText(cls.summary)
        self.setWindowTitle(f"{cls.title} — {APP_NAME}")
        self.controls.set_scenario(cls, self._values)
        self.code.set_scenario(cls)
        self.lesson.set_scenario(cls)
        self.plots.set_metrics(cls.metrics, None)
        self._set_chat_tab(cls)
        self._show_note("")
        if self._remember:
            self.settings.last_lesson = cls.id
        if play:
            self._start()
        else:
            self.player.stop()
            self._clear_views()
        return True

    def _checked_values(self, cls: type[Scenario], values: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, v in values.items():
            try:
                out[name] = cls.param(name).validate(v)
            except KeyError:
                self.statusBar().showMessage(f"{cls.title} has no parameter {name!r}.", 8000)
            except ValueError as exc:
                self.statusBar().showMessage(f"{exc}; using the default.", 8000)
        return out

    def _start(self) -> None:
        cls = self._scenario_cls
        if cls is None:
            return
        try:
            self.player.start(cls, self._values)
        except Exception as exc:  # a lesson that fails to start must not take the window down
            self.player.stop()
            self._clear_views()
            self.stage.show_banner(f"{cls.title} could not start:\n{exc}", "info")
            self.statusBar().showMessage(f"{cls.title} could not start: {exc}", 10000)

    def reset_lesson(self) -> None:
        """Start the lesson on stage again from the beginning."""
        self.controls.flush_params()
        self._start()

    def player_toggle(self) -> None:
        if self._scenario_cls is None:
            return
        if self.player.state in (PlayerState.IDLE, PlayerState.FINISHED):
            self._start()
        else:
            self.player.toggle_pause()

    def step(self) -> bool:
        """Let one goroutine perform one operation (the selected one if it waits at the gate)."""
        rt = self.player.runtime
        g = self._selected_g
        if rt is not None and g is not None and any(w.id == g for w, _ in rt.gated()):
            moved = self.player.step(g)
        else:
            moved = self.player.step()
        if not moved and self.player.runtime is not None:
            self.statusBar().showMessage(
                "Paused. Nothing moved yet: goroutines are reaching their next operation; "
                "press Step again.",
                4000,
            )
        return moved

    def _clear_views(self) -> None:
        self.bridge.detach()
        self.stage.clear_banner()
        self.stage.reset()
        self.timeline.reset()
        self.events.reset()
        self._g_names = {}
        self._selected_g = None

    def _set_chat_tab(self, cls: type[Scenario]) -> None:
        if self.chat is not None:
            self.tabs.removeTab(self.tabs.indexOf(self.chat))
            self.chat.detach()
            _discard(self.chat)
            self.chat = None
        if cls.id == "chat":
            self.chat = ChatPanel(self._theme)
            self.tabs.insertTab(0, self.chat, "Chat")
            self.tabs.setCurrentWidget(self.chat)

    # -- appearance -----------------------------------------------------------------

    def set_theme(self, name: str) -> None:
        self._theme = theme_by_name(name)
        if self._remember:
            self.settings.theme = self._theme.name
        self._apply_theme()

    def set_presenter(self, on: bool) -> None:
        """Presenter mode: large type and thick strokes; the lesson list steps aside
        (View > Lessons brings it back) to leave the room to the stage."""
        if on == self._presenter:
            return
        self._presenter = on
        if self._remember:
            self.settings.presenter = on
        if on:
            self._catalogue_was_visible = self.catalogue_dock.isVisible()
            self.catalogue_dock.hide()
        elif self._catalogue_was_visible:
            self.catalogue_dock.show()
        self._apply_theme()
        self.size_docks()

    def size_docks(self) -> None:
        """Widen the docks for presenter mode's larger type (and back)."""
        widths = [380, 460] if self._presenter else [290, 320]
        self.resizeDocks(
            [self.catalogue_dock, self.controls_dock], widths, Qt.Orientation.Horizontal
        )

    def toggle_presenter(self) -> None:
        self.set_presenter(not self._presenter)

    def _apply_theme(self) -> None:
        t, p = self._theme, self._presenter
        self.setStyleSheet(resources.stylesheet(t, p))
        self.act_dark.setChecked(t.name == "dark")
        self.act_light.setChecked(t.name == "light")
        self.act_presenter.setChecked(p)
        self.stage.set_theme(t)
        self.stage.set_presenter(p)
        self.timeline.set_theme(t)
        self.events.set_theme(t)
        self.plots.set_theme(t, p)
        self.code.set_theme(t, p)
        self.lesson.set_theme(t, p)
        self.controls.set_theme(t)
        if self.chat is not None:
            self.chat.set_theme(t)

    def _nudge_speed(self, factor: float) -> None:
        x = clamp_speed(self.player.speed * factor)
        self.controls.speed.set_speed(x)
        self._on_controls_speed_changed(x)

    # -- export ---------------------------------------------------------------------

    def export_trace(self, path: str | Path) -> int:
        """Write the current run's events as Chrome trace JSON; returns how many."""
        tracer = self.player.tracer
        events = tracer.events() if tracer is not None else []
        write_chrome_trace(path, events)
        return len(events)

    def save_window_png(self, path: str | Path) -> bool:
        return self.grab().save(str(path), "PNG")

    def save_stage_png(self, path: str | Path) -> bool:
        return self.stage.grab().save(str(path), "PNG")

    def _ask_path(self, title: str, name: str, filt: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self, title, str(Path.home() / name), filt)
        return path or None

    def _on_export_trace(self) -> None:
        sid = self._scenario_cls.id if self._scenario_cls else "trace"
        path = self._ask_path("Export trace", f"{sid}.trace.json", "Trace JSON (*.json)")
        if path:
            try:
                n = self.export_trace(path)
            except OSError as exc:
                QMessageBox.warning(self, "Export trace", f"Could not write {path}:\n{exc}")
                return
            self.statusBar().showMessage(
                f"Wrote {n:,} events to {path} (open it in ui.perfetto.dev)", 8000
            )

    def _on_save_window(self) -> None:
        path = self._ask_path("Save window", "goroutine-lab.png", "PNG image (*.png)")
        if path and not self.save_window_png(path):
            QMessageBox.warning(self, "Save window", f"Could not write {path}.")

    def _on_save_stage(self) -> None:
        path = self._ask_path("Save stage", "stage.png", "PNG image (*.png)")
        if path and not self.save_stage_png(path):
            QMessageBox.warning(self, "Save stage", f"Could not write {path}.")

    def _on_about(self) -> None:
        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            f"<h3>{APP_NAME}</h3>"
            "<p>Watch Go's concurrency patterns run: goroutines, channels, select, "
            "sync, atomics, context and timers, re-created in Python and animated "
            "event by event.</p>"
            "<p>Pause the runtime clock, step one operation at a time, inject "
            "cancellation, load and shutdown, and break each pattern on purpose.</p>"
            f"<p>{len(self._catalogue)} lessons. MIT licence.</p>",
        )

    def _on_shortcuts(self) -> None:
        QMessageBox.information(
            self,
            "Keyboard shortcuts",
            "Space\tplay / pause\n"
            "Right\tstep one operation (the clicked goroutine if it waits)\n"
            "R\treset the lesson\n"
            "[ and ]\tslower / faster\n"
            "F11, Ctrl+P\tpresenter mode\n"
            "Ctrl+E\texport the trace\n"
            "Ctrl+Shift+S\tsave the window as PNG",
        )

    # -- slots ----------------------------------------------------------------------

    def _on_catalogue_lesson_selected(self, scenario_id: str) -> None:
        if self._scenario_cls is None or scenario_id != self._scenario_cls.id:
            self.open_lesson(scenario_id)

    def _on_controls_speed_changed(self, x: float) -> None:
        self.player.set_speed(x)
        if self._remember:
            self.settings.speed = x
        self._update_status()

    def _on_controls_params_changed(self, values: dict) -> None:
        self._values = dict(values)
        self._start()

    def _on_controls_action_requested(self, name: str) -> None:
        cls = self._scenario_cls
        try:
            g = self.player.act(name)
        except (KeyError, RuntimeError, AttributeError) as exc:
            self.statusBar().showMessage(f"Action {name} failed: {exc}", 6000)
            return
        if g is not None and cls is not None:
            self.statusBar().showMessage(f"Teacher action: {cls.action(name).label}", 4000)

    def _on_player_started(self) -> None:
        run = self.player.run
        self._clear_views()
        if run is None:
            return
        self.bridge.attach(run.tracer)
        self.plots.set_recorder(run.scenario.recorder)
        if self.chat is not None:
            self.chat.attach(run)
        self._show_note("")

    def _on_player_state_changed(self, state: str) -> None:
        self.controls.set_state(state)
        labels = {
            PlayerState.IDLE: "STOPPED",
            PlayerState.RUNNING: "RUNNING",
            PlayerState.PAUSED: "PAUSED",
            PlayerState.FINISHED: "FINISHED",
        }
        self._set_badge(labels.get(state, state.upper()), state)

    def _set_badge(self, text: str, state: str) -> None:
        self.state_badge.setText(text)
        self.state_badge.setProperty("state", state)
        self.state_badge.style().unpolish(self.state_badge)
        self.state_badge.style().polish(self.state_badge)

    def _on_player_stopped(self, report: Any) -> None:
        leaked = getattr(report, "leaked", None)
        if isinstance(report, Exception):
            self.statusBar().showMessage(f"Stopping the lesson failed: {report}", 8000)
        elif leaked:
            self.statusBar().showMessage(
                f"Stopped; {len(leaked)} goroutine(s) never ended on cancellation and were "
                "unwound (a leak): " + "; ".join(leaked[:3]),
                10000,
            )

    def _on_player_finished(self) -> None:
        self.statusBar().showMessage(
            "The lesson's story is over. Press Play to run it again.", 8000
        )

    def _on_bridge_events_ready(self, batch: list[TraceEvent]) -> None:
        self.stage.apply_events(batch)
        self.timeline.apply_events(batch)
        self.events.apply_events(batch)
        if self.chat is not None:
            self.chat.apply_events(batch)
        note = None
        for ev in batch:
            k = ev.kind
            if k is Kind.GO_CREATE and ev.obj_name:
                self._g_names[ev.obj] = ev.obj_name
            elif k is Kind.NOTE:
                note = ev.value
            elif k is Kind.GO_PANIC:
                name = self._g_names.get(ev.g) or ev.obj_name or f"goroutine {ev.g}"
                self.stage.show_banner(panic_banner(ev, name), "panic")
            elif k is Kind.DEADLOCK:
                self.stage.show_banner(ev.value, "deadlock")
                self._set_badge("DEADLOCK", "deadlock")
        if note is not None:
            self._show_note(note)

    def _on_goroutine_clicked(self, g: int) -> None:
        self._selected_g = g
        self.events.filter_goroutine(g)
        name = self._g_names.get(g, f"goroutine {g}")
        hint = " Press Right to let it take one step." if self.player.paused else ""
        self.statusBar().showMessage(
            f"Selected {name} (id {g}): its events are listed.{hint}", 6000
        )

    def _on_status_timer_timeout(self) -> None:
        self._update_status()

    def _show_note(self, text: str) -> None:
        self.note_label.setText(text)
        self.note_label.setVisible(bool(text))
        broken = text.upper().startswith("BROKEN")
        if self.note_label.property("broken") != broken:
            self.note_label.setProperty("broken", broken)
            self.note_label.style().unpolish(self.note_label)
            self.note_label.style().polish(self.note_label)

    def _update_status(self) -> None:
        rt = self.player.runtime
        if rt is not None:
            self.clock_label.setText(f"t = {rt.clock.now():.1f} s")
            n = len(rt.goroutines())
            self.status_goroutines.setText(f"{n} goroutine{'s' if n != 1 else ''} alive")
        else:
            self.clock_label.setText("")
            self.status_goroutines.setText("")
        missed = self.bridge.missed
        self.status_events.setText(
            f"{self.bridge.delivered:,} events" + (f" ({missed:,} missed)" if missed else "")
        )
        self.status_speed.setText(f"speed {format_speed(self.player.speed)}")

    # -- closing --------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closing:
            event.accept()
            return
        self._closing = True
        self._status_timer.stop()
        self.bridge.detach()
        self.plots.stop()
        if self.chat is not None:
            self.chat.detach()
        if self._remember:
            if self._presenter and self._catalogue_was_visible:
                self.catalogue_dock.show()  # remember the layout of normal mode
            self.settings.save_window(self)
            self.settings.sync()
        self.player.shutdown(timeout=3.0)
        super().closeEvent(event)
