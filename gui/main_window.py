"""The Goroutine Lab window: catalogue, stage, controls and the tabs under the stage.

Data flow (one direction): the :class:`~gui.player.Player` runs a lesson in
its own Runtime; the :class:`~gui.bridge.TraceBridge` drains the run's
tracer on a 16 ms timer and hands each batch to the stage, the timeline and
the event log; the plots read the scenario's metrics recorder on their own
timer. No slot here waits on the core: stopping a run happens on a Python
thread (see the player), a step on another (see the stepper), and calls
that may block run in goroutines.

The window assembles its parts and controllers: :class:`WindowMenus` (the
menu bar and its dialogs), :class:`WindowLayout` (the room the stage, the
tabs and the docks share; presenter mode), :class:`QuestionController`
("predict, then run" over the stage), :class:`ReplayController` (a saved
run replayed), :class:`ExportController` and :class:`ProgramController`
(the learner's own program). A lesson, live or replayed, is put on the
window by one function, :meth:`MainWindow.present_lesson`, and every batch
of events, live or replayed, reaches the views through :meth:`MainWindow.feed`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core import scenarios
from core.scenarios import Scenario
from core.teaching import WaitForGraph, stuck_report
from core.trace import TraceEvent, write_chrome_trace
from gui import resources
from gui.bridge import TraceBridge
from gui.catalogue import CataloguePanel
from gui.export_controller import ExportController
from gui.lesson_presenter import LessonPresenter
from gui.panels.chat import ChatPanel
from gui.panels.code import CodePanel
from gui.panels.controls import ControlsPanel
from gui.panels.events import EventsPanel
from gui.panels.lesson import LessonPanel
from gui.panels.plots import PlotsPanel
from gui.panels.presenter_strip import PresenterStrip
from gui.panels.question import QuestionCard
from gui.panels.reports import ReportsPanel
from gui.panels.scheduler import SchedulerPanel
from gui.panels.select import SelectPanel
from gui.panels.teach_tabs import TeachTabs
from gui.panels.timeline import TimelinePanel
from gui.panels.waitfor import WaitForPanel
from gui.player import Player, PlayerState
from gui.program import ProgramController
from gui.question_controller import QuestionController
from gui.replay import ReplayBar, ReplaySession
from gui.replay_controller import ReplayController
from gui.settings import Settings, clamp_speed
from gui.stage import StageView
from gui.stepper import Stepper
from gui.theme import Theme, theme_by_name
from gui.window_layout import WindowLayout
from gui.window_menus import APP_NAME, WindowMenus

__all__ = ["MainWindow"]

PLUMBING_KEY = "view/show_plumbing"  # QSettings: View > Show plumbing
STATUS_MS = 200  # the clock, the goroutine count and the events count are refreshed so often


class MainWindow(QMainWindow):
    """The application window. *settings* defaults to the user's QSettings.

    ``theme``, ``presenter`` and ``speed`` override what the settings
    remember (command-line options); *remember* False neither restores nor
    saves anything (screenshots, tests). ``questions`` turns the lessons'
    questions on or off; by default the settings say (on for a new user),
    and a window that does not *remember* asks none.
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
        questions: bool | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings if settings is not None else Settings()
        self._remember = remember
        self._theme: Theme = theme_by_name(theme or self.settings.theme)
        self._presenter = bool(presenter if presenter is not None else self.settings.presenter)
        speed = clamp_speed(speed if speed is not None else self.settings.speed)
        self._scenario_cls: type[Scenario] | None = None
        self._values: dict[str, Any] = {}
        self._selected_g: int | None = None
        self._closing = False
        self._shown_once = False  # the first show splits the height (see showEvent)
        # View > Show plumbing (off: the stage hides samplers, pacing timers...).
        plumbing = str(self.settings.store.value(PLUMBING_KEY, "false")).lower()
        self._show_plumbing = plumbing in ("true", "1")
        if questions is None:
            questions = self.settings.questions if remember else False

        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(resources.icon("app"))
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
        )
        self.player = Player(self, speed=speed, seed=seed)
        self.bridge = TraceBridge(self)
        self.stepper = Stepper(self)
        self._build_panels(speed)
        self._build_centre()
        self._build_docks(speed)

        self.panes = WindowLayout(self)
        self.presentation = LessonPresenter(self)
        self.questions = QuestionController(self, bool(questions))
        self.replays = ReplayController(self)
        self.exporter = ExportController(self)
        self.menus = WindowMenus(self)
        self._connect()
        self.program = ProgramController(self)  # "Your program": the learner's own code

        self._status_timer = QTimer(self)
        self._status_timer.setInterval(STATUS_MS)
        self._status_timer.timeout.connect(self._on_status_timer_timeout)
        self._status_timer.start()

        self.resize(1500, 950)
        self.panes.size_docks()
        if self._remember:
            self.settings.restore_window(self)
        self.lower_splitter.setSizes([1, 1])  # half and half
        if self._presenter:
            self.panes.enter_presenter()
        self._apply_theme()
        self.presentation.show_player_state(PlayerState.IDLE)
        self.set_questions(self.questions.enabled, remember=False)
        self.presentation.update_status()

    # -- building ----------------------------------------------------------------

    def _build_panels(self, speed: float) -> None:
        t = self._theme
        self.stage = StageView(t)
        self.timeline = TimelinePanel(t)
        self.plots = PlotsPanel(t)
        self.events = EventsPanel(t)
        self.code = CodePanel(t)
        self.lesson = LessonPanel(t)
        self.scheduler = SchedulerPanel(t)
        self.waitfor = WaitForPanel(t)
        self.waitfor.wanted = True  # the Reports tab reads it too (a build costs ~1 ms)
        self.selects = SelectPanel(t)
        self.reports = ReportsPanel(t)
        self.question_card = QuestionCard(t, self._presenter)  # placed over the stage
        self.replay_bar = ReplayBar(t)
        self.replay_bar.hide()
        self.controls = ControlsPanel(t, speed)

    def _label(self, name: str, wrap: bool = False) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setWordWrap(wrap)
        return label

    def _build_centre(self) -> None:
        """The lesson's header, the note strip, the stage and the two tab widgets under it."""
        self.chapter_label = self._label("lessonChapter")
        self.title_label = self._label("lessonTitle")
        self.summary_label = self._label("lessonSummary", wrap=True)
        self.state_badge = self._label("stateBadge")
        self.clock_label = self._label("lessonTitle")
        self.clock_label.setToolTip("Runtime clock: seconds since the lesson started")
        self.clock_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        # Room for "t = 9999.9 s", so the header does not jump as the digits change.
        self.clock_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("t = 9999.9 s") * 2)
        self.note_label = self._label("noteStrip", wrap=True)
        self.note_label.setTextFormat(Qt.TextFormat.PlainText)
        self.note_label.hide()

        header = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(0)
        for label in (self.chapter_label, self.title_label, self.summary_label):
            titles.addWidget(label)
        header.addLayout(titles, 1)
        header.addWidget(self.state_badge, 0, Qt.AlignmentFlag.AlignTop)
        header.addWidget(self.clock_label, 0, Qt.AlignmentFlag.AlignTop)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for page, title in (
            (self.plots, "Plots"),
            (self.timeline, "Timeline"),
            (self.events, "Events"),
            (self.code, "Code"),
            (self.lesson, "Lesson"),
        ):
            self.tabs.addTab(page, title)
        # The teaching tabs, beside the others: both stay in view under the stage.
        self.teach_tabs = TeachTabs(
            [
                (self.scheduler, "Scheduler"),
                (self.waitfor, "Wait-for"),
                (self.selects, "Select"),
                (self.reports, "Reports"),
            ]
        )
        self.lower_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        for splitter, parts in (
            (self.lower_splitter, (self.tabs, self.teach_tabs)),
            (self.splitter, (self.stage, self.lower_splitter)),
        ):
            for part in parts:
                splitter.addWidget(part)
            splitter.setChildrenCollapsible(False)
        self.lower_splitter.setStretchFactor(0, 1)
        self.lower_splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 1)

        central = QWidget()
        central.setObjectName("central")
        cl = QVBoxLayout(central)
        cl.setContentsMargins(8, 6, 8, 4)
        cl.setSpacing(6)
        cl.addLayout(header)
        cl.addWidget(self.note_label)
        cl.addWidget(self.replay_bar)
        cl.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        # Presenter mode: the controls a teacher presses, in a row above the stage.
        self.presenter_strip = PresenterStrip(self.controls, self.nudge_speed)
        self.presenter_strip.hide()
        cl.insertWidget(1, self.presenter_strip)
        # Not in the layout: a card over the stage (see QuestionController.place_card).
        self.question_card.setParent(central)
        self.question_card.hide()

    def _build_docks(self, speed: float) -> None:
        """The catalogue on the left, the controls on the right, the status bar."""
        self.catalogue = CataloguePanel(scenarios.catalogue())
        self.catalogue_dock = QDockWidget("Lessons", self)
        self.catalogue_dock.setObjectName("catalogueDock")
        self.catalogue_dock.setWidget(self.catalogue)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.catalogue_dock)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.controls)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.controls_dock = QDockWidget("Controls", self)
        self.controls_dock.setObjectName("controlsDock")
        self.controls_dock.setWidget(scroll)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.controls_dock)
        self.status_events = QLabel()
        self.status_goroutines = QLabel()
        self.status_speed = QLabel()
        for w in (self.status_goroutines, self.status_events, self.status_speed):
            self.statusBar().addPermanentWidget(w)

    def _connect(self) -> None:
        self.catalogue.lesson_selected.connect(self._on_catalogue_lesson_selected)
        self.controls.play_pause_requested.connect(self.player_toggle)
        self.controls.step_requested.connect(self.step)
        self.controls.reset_requested.connect(self.reset_lesson)
        self.controls.speed_changed.connect(self._on_controls_speed_changed)
        self.controls.params_changed.connect(self._on_controls_params_changed)
        self.controls.action_requested.connect(self._on_controls_action_requested)
        self.controls.questions_toggled.connect(self.set_questions)
        self.player.started.connect(self._on_player_started)
        self.player.state_changed.connect(self.presentation.show_player_state)
        self.player.stopped.connect(self.presentation.show_stop_report)
        self.player.finished.connect(self._on_player_finished)
        self.bridge.events_ready.connect(self._on_bridge_events_ready)
        self.bridge.model_changed.connect(self._on_bridge_model_changed)
        self.stage.goroutine_clicked.connect(self._on_goroutine_clicked)
        self.timeline.goroutine_clicked.connect(self._on_goroutine_clicked)
        self.stepper.stepped.connect(self._on_stepper_stepped)
        self.scheduler.goroutine_chosen.connect(self.step_goroutine)
        self.scheduler.step_requested.connect(self.step)
        self.waitfor.graph_changed.connect(self._on_waitfor_graph_changed)
        self.splitter.splitterMoved.connect(lambda *_: self.questions.place_card())

    # -- lessons ------------------------------------------------------------------

    @property
    def scenario_cls(self) -> type[Scenario] | None:
        """The lesson on the window (live or replayed), or None."""
        return self._scenario_cls

    @property
    def values(self) -> dict[str, Any]:
        """The parameter values the lesson on the window runs with (a copy)."""
        return dict(self._values)

    @property
    def theme(self) -> Theme:
        return self._theme

    @property
    def presenter(self) -> bool:
        return self._presenter

    @property
    def replay(self) -> ReplaySession | None:
        """The replay on stage, or None (a live lesson)."""
        return self.replays.session

    def open_lesson(
        self, scenario_id: str, values: dict[str, Any] | None = None, play: bool = True
    ) -> bool:
        """Put lesson *scenario_id* on stage (and start it, with *play*).

        *values* are parameter overrides; a refused value is reported in the
        status bar and its default used. Returns False for an unknown id.
        """
        try:
            cls = self.program.lesson(scenario_id) or scenarios.get(scenario_id)
        except KeyError:
            self.statusBar().showMessage(f"No lesson called {scenario_id!r}.", 8000)
            return False
        self.replays.leave()
        if cls is not self._scenario_cls:
            self.presentation.forget_leaving_runs()
        self.present_lesson(cls, self._checked_values(cls, values or {}))
        if self._remember:
            self.settings.last_lesson = cls.id
        if play:
            self._start()
        else:
            self.player.stop()
            self.clear_views()
        return True

    def present_lesson(
        self, cls: type[Scenario], values: dict[str, Any], replay: bool = False
    ) -> None:
        """Put lesson *cls* on the window, live or (*replay*) from a recording (see
        :meth:`LessonPresenter.show_lesson`)."""
        self._scenario_cls = cls
        self._values = dict(values)
        self.presentation.show_lesson(cls, self._values, replay)

    def selected_goroutine(self) -> int | None:
        """The goroutine last clicked on the stage or the timeline, or None."""
        return self._selected_g

    @property
    def chat(self) -> ChatPanel | None:
        """The Chat tab (the chat lesson only)."""
        return self.presentation.chat

    def clear_views(self) -> None:
        """Empty every view of the run (see :meth:`LessonPresenter.clear`)."""
        self.presentation.clear()
        self._selected_g = None

    @property
    def show_plumbing(self) -> bool:
        return self._show_plumbing

    def set_show_plumbing(self, on: bool) -> None:
        """Draw the lesson's plumbing on stage too (remembered in the settings)."""
        on = bool(on)
        if self.menus.plumbing.isChecked() != on:
            self.menus.plumbing.setChecked(on)  # toggled calls back here
            return
        self._show_plumbing = on
        if self._remember:
            self.settings.store.setValue(PLUMBING_KEY, "true" if on else "false")
        self.presentation.apply_plumbing(self._scenario_cls, self._show_plumbing)

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
        if self.replay is not None:
            self.replays.leave()
            self.setWindowTitle(f"{cls.title} — {APP_NAME}")
        try:
            self.player.start(cls, self._values)
        except Exception as exc:  # a lesson that fails to start must not take the window down
            self.player.stop()
            self.clear_views()
            self.stage.show_banner(f"{cls.title} could not start:\n{exc}", "info")
            self.statusBar().showMessage(f"{cls.title} could not start: {exc}", 10000)

    def reset_lesson(self) -> None:
        """Start the lesson on stage again from the beginning (a replay: back to its start)."""
        if self.replay is not None:
            self.replays.seek(self.replay.start)
            return
        self.controls.flush_params()
        self._start()

    def player_toggle(self) -> None:
        """Play or pause (a replay, or the lesson; a finished lesson starts again)."""
        if self.replay is not None:
            self.replays.toggle()
            return
        if self._scenario_cls is None:
            return
        if self.player.state in (PlayerState.IDLE, PlayerState.FINISHED):
            self._start()
        else:
            self.player.toggle_pause()

    def step(self) -> bool:
        """Let one goroutine perform one operation (the selected one if it waits at the gate).

        Pauses a running lesson first. The step runs off the GUI thread (see
        :mod:`gui.stepper`); what moved is then said in the status bar, over
        the stage (the goroutine ringed) and in the Scheduler's history. In a
        replay, shows the next recorded event. Returns whether a step started.
        """
        if self.replay is not None:
            return self.replays.step()
        rt = self.player.runtime
        g = self._selected_g
        if rt is not None and g is not None and not any(w.id == g for w, _ in rt.gated()):
            g = None
        return self.step_goroutine(g)

    def step_goroutine(self, g: int | None) -> bool:
        """Be the scheduler: let goroutine *g* (None: the longest waiting) take one step."""
        rt = self.player.runtime
        if rt is None or self.player.state not in (PlayerState.RUNNING, PlayerState.PAUSED):
            return False
        if self.stepper.busy:
            self.statusBar().showMessage("Still stepping: wait for the step to finish.", 2000)
            return False
        if self.player.state == PlayerState.RUNNING:
            self.player.pause()
        started = self.stepper.step(rt, g)
        if started:
            self.scheduler.set_busy(True)
        return started

    # -- settings: theme, presenter mode, questions, speed ----------------------------

    def set_theme(self, name: str) -> None:
        self._theme = theme_by_name(name)
        if self._remember:
            self.settings.theme = self._theme.name
        self._apply_theme()

    def set_presenter(self, on: bool) -> None:
        """Presenter mode: large type and thick strokes; the docks step aside
        (View brings them back) to leave the room to the stage."""
        if on == self._presenter:
            return
        self._presenter = on
        if self._remember:
            self.settings.presenter = on
        if on:
            self.panes.enter_presenter()
        else:
            self.panes.leave_presenter()
        self._apply_theme()
        self.panes.size_docks()

    def toggle_presenter(self) -> None:
        self.set_presenter(not self._presenter)

    def set_questions(self, on: bool, remember: bool = True) -> None:
        """Ask the lessons' questions (or not); remembered in the settings.

        Turned off while a question waits, the question goes away and the run
        goes on. Questions whose time passes while they are off are not asked.
        """
        on = bool(on)
        if remember and self._remember:
            self.settings.questions = on
        self.menus.show_checked(self.menus.questions, on)
        self.controls.set_questions(on)
        self.questions.set_enabled(on)

    def _apply_theme(self) -> None:
        t, p = self._theme, self._presenter
        self.setStyleSheet(resources.stylesheet(t, p))
        self.menus.dark.setChecked(t.name == "dark")
        self.menus.light.setChecked(t.name == "light")
        self.menus.presenter.setChecked(p)
        self.stage.set_theme(t)
        self.stage.set_presenter(p)
        for panel in (self.timeline, self.events, self.controls, self.scheduler, self.replay_bar):
            panel.set_theme(t)
        for big in (self.plots, self.code, self.lesson, self.waitfor, self.selects, self.reports):
            big.set_theme(t, p)
        self.question_card.set_theme(t, p)
        if self.chat is not None:
            self.chat.set_theme(t)
        self.questions.place_card()
        if not self.panes.panels_open:  # the folded strip's height follows the type size
            self.panes.set_panels_open(False)
        if self.replay is not None:
            self.controls.set_replay(self.replays.playing)

    def nudge_speed(self, factor: float) -> None:
        """Run *factor* times faster (Run > Slower and Faster, the presenter strip)."""
        x = clamp_speed(self.player.speed * factor)
        self.controls.speed.set_speed(x)
        self._on_controls_speed_changed(x)

    # -- export ---------------------------------------------------------------------

    def export_trace(self, path: str | Path) -> int:
        """Write the current run's events as Chrome trace JSON; returns how many.

        Raises OSError if the file cannot be written."""
        tracer = self.player.tracer
        events = tracer.events() if tracer is not None else []
        write_chrome_trace(path, events)
        return len(events)

    def save_window_png(self, path: str | Path) -> bool:
        return self.grab().save(str(path), "PNG")

    def save_stage_png(self, path: str | Path) -> bool:
        return self.stage.grab().save(str(path), "PNG")

    # -- the run ----------------------------------------------------------------------

    def _on_catalogue_lesson_selected(self, scenario_id: str) -> None:
        if self._scenario_cls is None or scenario_id != self._scenario_cls.id:
            self.open_lesson(scenario_id)

    def _on_controls_speed_changed(self, x: float) -> None:
        self.player.set_speed(x)
        if self._remember:
            self.settings.speed = x
        self.presentation.update_status()

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
        self.clear_views()
        self.questions.restart()
        self.stepper.reset()
        self.presentation.show_player_state(self.player.state)  # the badge: no stale DEADLOCK
        if run is None:
            return
        self.scheduler.set_runtime(run.runtime)
        self.waitfor.set_runtime(run.runtime)
        self.bridge.attach(run.tracer)
        self.plots.set_recorder(run.scenario.recorder)
        self.stage.panic_ends_program = run.scenario.panic_ends_program
        if self.chat is not None:
            self.chat.attach(run, self.player.act)
        self.presentation.show_note("")

    def _on_player_finished(self) -> None:
        self.statusBar().showMessage(
            "The lesson's story is over. Press Play to run it again.", 8000
        )

    def _on_bridge_events_ready(self, batch: list[TraceEvent]) -> None:
        self.presentation.feed(batch, live=True)

    def _on_bridge_model_changed(self, diff: Any) -> None:
        # The stage draws the run's one model, folded once by the bridge.
        self.stage.show_change(self.bridge.model, diff)

    def _on_goroutine_clicked(self, g: int) -> None:
        self._selected_g = g
        self.events.filter_goroutine(g)
        name = self.presentation.goroutine_names.get(g, f"goroutine {g}")
        hint = " Press Right to let it take one step." if self.player.paused else ""
        self.statusBar().showMessage(
            f"Selected {name} (id {g}): its events are listed.{hint}", 6000
        )

    def _on_stepper_stepped(self, rt: Any, result: Any) -> None:
        self.scheduler.set_busy(False)
        if rt is not self.player.runtime or self.replay is not None:
            return  # a step of a run that has ended since
        self.scheduler.refresh()
        if not result.moved:
            self.statusBar().showMessage(result.text, 5000)
            return
        n = self.stepper.count
        self.scheduler.add_step(n, result.text)
        self.stage.show_caption(f"Step {n}: {result.text}")
        self.stage.spotlight(result.g or 0)
        self.statusBar().showMessage(f"Step {n}: {result.text}", 10000)

    def _on_waitfor_graph_changed(self, graph: WaitForGraph) -> None:
        if self.reports.set_stuck(stuck_report(graph)) and graph.stuck():
            self.teach_tabs.flag(self.waitfor)
            self.teach_tabs.flag(self.reports)

    # -- the status bar and the note strip -------------------------------------------

    def _on_status_timer_timeout(self) -> None:
        self.presentation.update_status()
        if self._presenter:
            self.presenter_strip.sync()

    # -- Qt events --------------------------------------------------------------------

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._shown_once:  # the stage's share, once the layout has its real size
            self._shown_once = True
            QTimer.singleShot(0, self.panes.split_stage)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        QTimer.singleShot(0, self.questions.place_card)  # once the layout has settled

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closing:
            event.accept()
            return
        self._closing = True
        self._status_timer.stop()
        self.questions.stop()
        self.replays.stop()
        self.bridge.detach()
        self.plots.stop()
        if self.chat is not None:
            self.chat.detach()
        if self._remember:
            if self._presenter:  # remember the layout of normal mode
                self.panes.restore_docks()
            self.settings.save_window(self)
            self.settings.sync()
        self.player.shutdown(timeout=3.0)
        self.stepper.wait_idle(2.0)  # the runtime is stopped: a step under way ends at once
        super().closeEvent(event)
