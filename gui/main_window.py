"""The Goroutine Lab window: catalogue, stage, controls and the tabs under the stage.

Data flow (one direction): the :class:`~gui.player.Player` runs a lesson in
its own Runtime; the :class:`~gui.bridge.TraceBridge` drains the run's
tracer on a 16 ms timer and hands each batch to the stage, the timeline and
the event log; the plots read the scenario's metrics recorder on their own
timer. No slot here waits on the core: stopping a run happens on a Python
thread (see the player), a step on another (see the stepper), and calls
that may block run in goroutines.

Teaching (issue 6): the Scheduler, Wait-for, Select and Reports tabs beside
the usual ones; "predict, then run" questions asked over the stage at the
lesson's marked moments; a run saved to a file and replayed with a
scrubber, the stage, timeline and events fed from the recording.
"""

from __future__ import annotations

import html
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core import scenarios
from core.scenarios import Scenario
from core.teaching import (
    Question,
    QuestionSchedule,
    Recording,
    WaitForGraph,
    leak_report,
    parse_questions,
    record,
    stuck_report,
)
from core.trace import Kind, TraceEvent, WaitRecord, write_chrome_trace
from gui import resources
from gui.bridge import TraceBridge
from gui.catalogue import CataloguePanel
from gui.desktop_entry import entry_paths
from gui.export_controller import ExportController
from gui.panels import discard as _discard
from gui.panels.chat import ChatPanel
from gui.panels.code import CodePanel
from gui.panels.controls import ControlsPanel, format_speed
from gui.panels.events import EventsPanel
from gui.panels.lesson import LessonPanel
from gui.panels.plots import PlotsPanel
from gui.panels.presenter_strip import PresenterStrip
from gui.panels.question import QuestionCard
from gui.panels.reports import ReportsPanel
from gui.panels.scheduler import SchedulerPanel
from gui.panels.select import SelectPanel
from gui.panels.timeline import TimelinePanel
from gui.panels.waitfor import WaitForPanel
from gui.player import Player, PlayerState
from gui.program import ProgramController
from gui.replay import ReplayBar, ReplaySession
from gui.settings import Settings, clamp_speed
from gui.stage import StageView
from gui.stage.overlays import panic_text
from gui.stage.view import DEFAULT_PLUMBING
from gui.stepper import Stepper
from gui.theme import Theme, theme_by_name

__all__ = ["MainWindow"]


APP_NAME = "Goroutine Lab"
RUN_FILTER = "Goroutine Lab run (*.run.json *.json)"
QWIDGETSIZE_MAX = (1 << 24) - 1  # Qt's "no maximum" for a widget's size
STAGE_SHARE = 0.73  # of the height the stage and the tabs under it share
STAGE_SHARE_PRESENTER = 0.74
PLUMBING_KEY = "view/show_plumbing"  # QSettings: View > Show plumbing
HELD_SHOWN_S = 1.0  # the status bar says the run was held back for this long after a hold


def record_sentence(r: WaitRecord) -> str:
    """One goroutine of a deadlock, from its record: who waits, how, on what."""
    how = r.reason or r.state.replace("_", " ")
    on = f" on {r.obj_name}" if r.obj_name else ""
    return f"{r.name or 'goroutine'} (goroutine {r.g}) waits [{how}]{on}, and nothing can wake it"


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
        self._catalogue = scenarios.catalogue()
        self._scenario_cls: type[Scenario] | None = None
        self._values: dict[str, Any] = {}
        self._selected_g: int | None = None
        self._g_names: dict[int, str] = {}
        self._closing = False
        self._catalogue_was_visible = True  # before presenter mode hid it
        # View > Show plumbing (off: the stage hides samplers, pacing timers...).
        self._show_plumbing = str(self.settings.store.value(PLUMBING_KEY, "false")).lower() in (
            "true",
            "1",
        )

        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(resources.icon("app"))
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
        )

        self.player = Player(self, speed=speed, seed=seed)
        self.bridge = TraceBridge(self)
        self.stepper = Stepper(self)

        # Centre: lesson header, note strip, the stage, the tabs.
        self.stage = StageView(self._theme)
        self.timeline = TimelinePanel(self._theme)
        self.plots = PlotsPanel(self._theme)
        self.events = EventsPanel(self._theme)
        self.code = CodePanel(self._theme)
        self.lesson = LessonPanel(self._theme)
        self.chat: ChatPanel | None = None
        self.scheduler = SchedulerPanel(self._theme)
        self.waitfor = WaitForPanel(self._theme)
        self.waitfor.wanted = True  # the Reports tab reads it too (a build costs ~1 ms)
        self.selects = SelectPanel(self._theme)
        self.reports = ReportsPanel(self._theme)
        self.question_card = QuestionCard(self._theme, self._presenter)  # placed in central
        self.replay_bar = ReplayBar(self._theme)
        self.replay_bar.hide()
        if questions is None:
            questions = self.settings.questions if remember else False
        self._questions_on = bool(questions)
        self._schedule: QuestionSchedule | None = None
        self._asking: Question | None = None
        self._question_paused = False  # the player was paused for the question on screen
        self._replay: ReplaySession | None = None
        self._replay_playing = False
        self._replay_clock = 0.0  # monotonic time of the replay's last tick
        self._seek_to: float | None = None  # a scrubber move not shown yet
        self.last_seek_ms = 0.0  # the cost of the last replay seek

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

        # The teaching tabs, beside the others: both stay in view under the stage.
        self.teach_tabs = QTabWidget()
        self.teach_tabs.setDocumentMode(True)
        self.teach_tabs.addTab(self.scheduler, "Scheduler")
        self.teach_tabs.addTab(self.waitfor, "Wait-for")
        self.teach_tabs.addTab(self.selects, "Select")
        self.teach_tabs.addTab(self.reports, "Reports")
        self.lower = QSplitter(Qt.Orientation.Horizontal)
        self.lower.addWidget(self.tabs)
        self.lower.addWidget(self.teach_tabs)
        self.lower.setStretchFactor(0, 1)
        self.lower.setStretchFactor(1, 1)
        self.lower.setChildrenCollapsible(False)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.stage)
        self.splitter.addWidget(self.lower)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)

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
        self._central_layout = cl
        # Not in the layout: a card over the stage (see _place_question_card).
        self.question_card.setParent(central)
        self.question_card.hide()
        self.splitter.splitterMoved.connect(lambda *_: self._place_question_card())

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
        # Presenter mode: the controls a teacher presses, in a row above the stage.
        self.presenter_strip = PresenterStrip(self.controls, self._nudge_speed)
        self.presenter_strip.hide()
        self._central_layout.insertWidget(1, self.presenter_strip)
        self._controls_was_visible = True  # before presenter mode hid the dock
        self._panels_open = True  # the tabs under the stage show their pages
        self._shown_once = False  # the first show splits the height (see showEvent)

        # Status bar.
        self.status_events = QLabel()
        self.status_goroutines = QLabel()
        self.status_speed = QLabel()
        for w in (self.status_goroutines, self.status_events, self.status_speed):
            self.statusBar().addPermanentWidget(w)

        self._build_menus()
        self._connect()
        self.program = ProgramController(self)  # "Your program": the learner's own code

        self._status_timer = QTimer(self)
        self._status_timer.setInterval(200)
        self._status_timer.timeout.connect(self._on_status_timer_timeout)
        self._status_timer.start()
        self._question_timer = QTimer(self)
        self._question_timer.setInterval(50)
        self._question_timer.timeout.connect(self._on_question_timer_timeout)
        self._question_timer.start()
        self._replay_timer = QTimer(self)
        self._replay_timer.setInterval(33)
        self._replay_timer.timeout.connect(self._on_replay_timer_timeout)

        self.resize(1500, 950)
        self.size_docks()
        if self._remember:
            self.settings.restore_window(self)
        self.lower.setSizes([1, 1])  # half and half
        if self._presenter:
            self._enter_presenter_layout()
        self._apply_theme()
        self._on_player_state_changed(PlayerState.IDLE)
        self.set_questions(self._questions_on, remember=False)
        self._update_status()

    # -- building ----------------------------------------------------------------

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.act_open_run = self._action(file_menu, "Open run…", self._on_open_run, "Ctrl+O")
        self.act_save_run = self._action(file_menu, "Save run…", self._on_save_run, "Ctrl+S")
        file_menu.addSeparator()
        self.act_export = self._action(
            file_menu, "Export trace (Chrome / Perfetto JSON)…", self._on_export_trace, "Ctrl+E"
        )
        self.act_save_window = self._action(
            file_menu, "Save window as PNG…", self._on_save_window, "Ctrl+Shift+S"
        )
        self.act_save_stage = self._action(file_menu, "Save stage as PNG…", self._on_save_stage)
        self.exporter = ExportController(self)
        self.act_export_picture = self._action(
            file_menu, "Export picture (SVG, PNG)…", self.exporter.export_picture, "Ctrl+Shift+E"
        )
        self.act_export_animation = self._action(
            file_menu,
            "Export animation (GIF, WebP, MP4)…",
            self.exporter.export_animation,
            "Ctrl+Shift+R",
        )
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
        self.act_questions = QAction("Questions: predict, then run", self)
        self.act_questions.setCheckable(True)
        self.act_questions.setToolTip("Pause at the lesson's marked moments and ask a question")
        self.act_questions.toggled.connect(self.set_questions)
        view.addAction(self.act_questions)
        self.act_teach_tabs = QAction("Teaching tabs", self)
        self.act_teach_tabs.setCheckable(True)
        self.act_teach_tabs.setChecked(True)
        self.act_teach_tabs.toggled.connect(self.teach_tabs.setVisible)
        view.addAction(self.act_teach_tabs)
        self.act_plumbing = QAction("Show plumbing", self)
        self.act_plumbing.setCheckable(True)
        self.act_plumbing.setToolTip(
            "Also draw the helpers a learner does not need: metric samplers and their "
            "tickers, pacing timers, the run's root context, bookkeeping locks"
        )
        self.act_plumbing.setChecked(self._show_plumbing)
        self.act_plumbing.toggled.connect(self.set_show_plumbing)
        view.addAction(self.act_plumbing)
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
        self.bridge.model_changed.connect(self._on_bridge_model_changed)
        self.stage.goroutine_clicked.connect(self._on_goroutine_clicked)
        self.timeline.goroutine_clicked.connect(self._on_goroutine_clicked)
        self.stepper.stepped.connect(self._on_stepper_stepped)
        self.scheduler.goroutine_chosen.connect(self._on_scheduler_goroutine_chosen)
        self.scheduler.step_requested.connect(self.step)
        self.controls.questions_toggled.connect(self.set_questions)
        self.question_card.answered.connect(self._on_question_card_answered)
        self.question_card.skipped.connect(self._on_question_card_skipped)
        self.question_card.dismissed.connect(self._on_question_card_dismissed)
        self.waitfor.graph_changed.connect(self._on_waitfor_graph_changed)
        self.teach_tabs.currentChanged.connect(self._on_teach_tabs_current_changed)
        for tabs in (self.tabs, self.teach_tabs):
            tabs.tabBarClicked.connect(lambda i, t=tabs: self._on_tab_bar_clicked(t, i))
        self.replay_bar.play_toggled.connect(self.replay_toggle)
        self.replay_bar.seek_requested.connect(self._on_replay_bar_seek_requested)
        self.replay_bar.close_requested.connect(self.close_replay)

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
            cls = self.program.lesson(scenario_id) or scenarios.get(scenario_id)
        except KeyError:
            self.statusBar().showMessage(f"No lesson called {scenario_id!r}.", 8000)
            return False
        self._leave_replay()
        # Nothing of the last lesson stays: its leak report comes once its run has
        # stopped (later, off this thread), so a run stopped by this switch is
        # forgotten when its report arrives, just after _on_player_stopped shows it.
        if cls is not self._scenario_cls:
            self.statusBar().clearMessage()
            self.reports.clear()
            leaving = {r for r in (self.player.run, self.player.last_run) if r is not None}
            leaving.discard(self.player.stopped_run)  # reported already

            def forget_leaving(report: Any) -> None:
                run = self.player.stopped_run
                if run not in leaving:
                    return
                leaving.discard(run)
                if not leaving:
                    self.player.stopped.disconnect(forget_leaving)
                if self._scenario_cls is not None and run.scenario.id != self._scenario_cls.id:
                    self.reports.clear_leaks()
                    if isinstance(report, Exception) or getattr(report, "leaked", None):
                        self.statusBar().clearMessage()  # the message it just showed

            if leaving:
                self.player.stopped.connect(forget_leaving)
        self._scenario_cls = cls
        self._values = self._checked_values(cls, values or {})
        self.catalogue.select(cls.id)
        self.chapter_label.setText(cls.chapter.upper())
        self.title_label.setText(cls.title)
        self.summary_label.setText(cls.summary)
        self.setWindowTitle(f"{cls.title} — {APP_NAME}")
        self.controls.set_scenario(cls, self._values, self.player)
        self.presenter_strip.set_actions()
        self.scheduler.set_lesson(cls.id)
        self._apply_plumbing()
        self.code.set_scenario(cls, self.player, lambda: self._selected_g)
        self.lesson.set_scenario(cls)
        self.plots.set_metrics(cls.metrics, None, cls.id)
        self._set_chat_tab(cls)
        self.program.lesson_opened(cls)
        self._show_note("")
        self._load_questions(cls)
        if self._remember:
            self.settings.last_lesson = cls.id
        if play:
            self._start()
        else:
            self.player.stop()
            self._clear_views()
        return True

    @property
    def show_plumbing(self) -> bool:
        return self._show_plumbing

    def set_show_plumbing(self, on: bool) -> None:
        """Draw the lesson's plumbing on stage too (remembered in the settings)."""
        on = bool(on)
        if self.act_plumbing.isChecked() != on:
            self.act_plumbing.setChecked(on)  # toggled calls back here
            return
        self._show_plumbing = on
        if self._remember:
            self.settings.store.setValue(PLUMBING_KEY, "true" if on else "false")
        self._apply_plumbing()

    def _apply_plumbing(self) -> None:
        """Hide the default plumbing and the lesson's own (its ``plumbing`` patterns)."""
        cls = self._scenario_cls
        extra = tuple(getattr(cls, "plumbing", ())) if cls is not None else ()
        self.stage.set_hidden_names(() if self._show_plumbing else (*DEFAULT_PLUMBING, *extra))

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
        if self._replay is not None:
            self._leave_replay()
            self.setWindowTitle(f"{cls.title} — {APP_NAME}")
        try:
            self.player.start(cls, self._values)
        except Exception as exc:  # a lesson that fails to start must not take the window down
            self.player.stop()
            self._clear_views()
            self.stage.show_banner(f"{cls.title} could not start:\n{exc}", "info")
            self.statusBar().showMessage(f"{cls.title} could not start: {exc}", 10000)

    def reset_lesson(self) -> None:
        """Start the lesson on stage again from the beginning (a replay: back to its start)."""
        if self._replay is not None:
            self.replay_seek(self._replay.start)
            return
        self.controls.flush_params()
        self._start()

    def player_toggle(self) -> None:
        if self._replay is not None:
            self.replay_toggle()
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
        if self._replay is not None:
            return self.replay_step()
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

    def _clear_views(self) -> None:
        self.bridge.detach()
        self.stage.clear_banner()
        self.stage.reset()
        self.timeline.reset()
        self.events.reset()
        self.scheduler.set_runtime(None)
        self.waitfor.set_runtime(None)
        self.selects.reset()
        self.reports.reset()
        self._reset_teach_badges()
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
            self._enter_presenter_layout()
        else:
            self._leave_presenter_layout()
        self._apply_theme()
        self.size_docks()

    def _enter_presenter_layout(self) -> None:
        """The stage takes the room: the docks step aside (View brings them back),
        the controls become a strip above the stage, the tabs a strip below it
        (click a tab to open the panels, click it again to close them)."""
        # isVisibleTo: before the window is first shown no dock "is visible".
        self._catalogue_was_visible = self.catalogue_dock.isVisibleTo(self)
        self._controls_was_visible = self.controls_dock.isVisibleTo(self)
        self.catalogue_dock.hide()
        self.controls_dock.hide()
        self.presenter_strip.set_actions()
        self.presenter_strip.show()
        self.set_panels_open(False)

    def _leave_presenter_layout(self) -> None:
        self.presenter_strip.hide()
        if self._catalogue_was_visible:
            self.catalogue_dock.show()
        if self._controls_was_visible:
            self.controls_dock.show()
        self.set_panels_open(True)

    @property
    def panels_open(self) -> bool:
        """Whether the tabs under the stage show their pages (not only their bars)."""
        return self._panels_open

    def set_panels_open(self, on: bool) -> None:
        """Open the tabs under the stage, or fold them to their tab bars."""
        self._panels_open = on
        for tabs in (self.tabs, self.teach_tabs):
            pages = tabs.findChild(QStackedWidget)
            if pages is not None:
                pages.setVisible(on)
        # Folded, the strip keeps its height when the window grows (on the tabs: a
        # QSplitter sets its own maximum from its children's).
        bars = max(t.tabBar().sizeHint().height() for t in (self.tabs, self.teach_tabs))
        for tabs in (self.tabs, self.teach_tabs):
            tabs.setMaximumHeight(QWIDGETSIZE_MAX if on else bars + 2)
        self.size_docks()
        self._place_question_card()

    def _on_tab_bar_clicked(self, tabs: QTabWidget, index: int) -> None:
        """In presenter mode a tab opens the folded panels; the open tab, clicked
        again, folds them."""
        if not self._presenter:
            return
        if not self._panels_open:
            self.set_panels_open(True)
        elif index == tabs.currentIndex():
            self.set_panels_open(False)

    def size_docks(self) -> None:
        """Widen the docks for presenter mode's larger type (and back)."""
        widths = [380, 460] if self._presenter else [290, 320]
        self.resizeDocks(
            [self.catalogue_dock, self.controls_dock], widths, Qt.Orientation.Horizontal
        )
        self._split_stage()

    def _split_stage(self) -> None:
        """Give the stage its share of the height: it is what a room reads."""
        total = max(sum(self.splitter.sizes()), 1000)
        if not self._panels_open:  # the tabs folded to their bars
            bars = max(t.tabBar().sizeHint().height() for t in (self.tabs, self.teach_tabs))
            self.splitter.setSizes([total - bars, bars])
            return
        stage = round(total * (STAGE_SHARE_PRESENTER if self._presenter else STAGE_SHARE))
        self.splitter.setSizes([stage, total - stage])

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
        self.scheduler.set_theme(t)
        self.waitfor.set_theme(t, p)
        self.selects.set_theme(t, p)
        self.reports.set_theme(t, p)
        self.question_card.set_theme(t, p)
        self.replay_bar.set_theme(t)
        self._place_question_card()
        if not self._panels_open:  # the folded strip's height follows the type size
            self.set_panels_open(False)
        if self._replay is not None:
            self.controls.set_replay(self._replay_playing)

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
            f"<p>{len(self._catalogue)} lessons. MIT licence.</p>"
            "<p>Desktop entry (<code>goroutine-lab --install-desktop-entry</code>):<br>"
            + "<br>".join(f"<code>{html.escape(str(p))}</code>" for p in entry_paths())
            + "</p>",
        )

    def _on_shortcuts(self) -> None:
        QMessageBox.information(
            self,
            "Keyboard shortcuts",
            "Space\tplay / pause\n"
            "Right\tstep one operation (the clicked goroutine if it waits;\n"
            "\tthe Scheduler tab lets you pick who goes next)\n"
            "R\treset the lesson\n"
            "[ and ]\tslower / faster\n"
            "F11, Ctrl+P\tpresenter mode\n"
            "F\ton the stage: fit the whole picture / follow the action again\n"
            "L\ton the stage: lay the picture out anew\n"
            "Double-click\ton the stage: bring that item to the centre; drag to pan\n"
            "Ctrl+E\texport the trace\n"
            "Ctrl+S / Ctrl+O\tsave the run / open a saved run (replay)\n"
            "Ctrl+Shift+S\tsave the window as PNG\n"
            "\n"
            "Replay: Space plays and pauses, Right shows the next event, R goes back "
            "to the start; drag the scrubber to move in time.",
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
        self._dismiss_question()
        if self._schedule is not None:
            self._schedule.reset()
        self.stepper.reset()
        self._on_player_state_changed(self.player.state)  # the badge: no stale DEADLOCK
        if run is None:
            return
        self.scheduler.set_runtime(run.runtime)
        self.waitfor.set_runtime(run.runtime)
        self.bridge.attach(run.tracer)
        self.plots.set_recorder(run.scenario.recorder)
        self.stage.panic_ends_program = run.scenario.panic_ends_program
        if self.chat is not None:
            self.chat.attach(run, self.player.act)
        self._show_note("")

    def _on_player_state_changed(self, state: str) -> None:
        if self._replay is not None:
            return  # the replay drives the controls and the badge
        self.controls.set_state(state)
        self.presenter_strip.sync()
        self.scheduler.set_paused(state == PlayerState.PAUSED)
        rt = self.player.runtime
        if state != PlayerState.PAUSED:
            # Steps are over: the caption and the ring would tell an old story.
            self.stage.clear_caption()
            self.stage.spotlight(0)
        labels = {
            PlayerState.IDLE: "STOPPED",
            PlayerState.RUNNING: "RUNNING",
            PlayerState.PAUSED: "PAUSED",
            PlayerState.FINISHED: "FINISHED",
        }
        if rt is not None and rt.deadlock is not None and state != PlayerState.IDLE:
            self._set_badge("DEADLOCK", "deadlock")  # resuming does not undo a deadlock
        else:
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
        run = self.player.stopped_run
        if run is not None and not isinstance(report, Exception) and report is not None:
            events = run.tracer.events() if run.tracer is not None else []
            leaks = leak_report(report, events)
            title = f"{run.scenario.title} (the run that just ended)"
            self.reports.set_leaks(title, leaks.text)
            if not leaks.clean:
                self._flag_tab(self.reports)

    def _on_player_finished(self) -> None:
        self.statusBar().showMessage(
            "The lesson's story is over. Press Play to run it again.", 8000
        )

    def _on_bridge_events_ready(self, batch: list[TraceEvent]) -> None:
        self._feed(batch, live=True)

    def _on_bridge_model_changed(self, diff) -> None:
        # The stage draws the run's one model, folded once by the bridge.
        self.stage.show_change(self.bridge.model, diff)

    def _feed(
        self, batch: list[TraceEvent], rows: list[tuple] | None = None, live: bool = False
    ) -> None:
        """Hand *batch* to every view (a live run's, or a replay's with its log *rows*).

        Live, the stage is drawn from the bridge's model (``_on_bridge_model_changed``).
        """
        if not live:
            self.stage.apply_events(batch)
        self.timeline.apply_events(batch)
        if rows is None:
            self.events.apply_events(batch)
        else:
            self.events.show_rows(rows)
        if self.chat is not None:
            self.chat.apply_events(batch)
        self.scheduler.apply_events(batch)
        self.waitfor.apply_events(batch)
        self.selects.apply_events(batch)
        if self.reports.apply_events(batch):
            self._flag_tab(self.reports)
        note = None
        for ev in batch:
            k = ev.kind
            if k is Kind.GO_CREATE and ev.obj_name:
                self._g_names[ev.obj] = ev.obj_name
            elif k is Kind.NOTE:
                note = ev.value
            elif k is Kind.DEADLOCK:
                self.stage.show_banner(ev.value, "deadlock")
                self._set_badge("DEADLOCK", "deadlock")
                self._report_deadlock(ev)
            elif k is Kind.FAULT:
                # A timer callback raised: the run goes on, but the teacher should know.
                self.statusBar().showMessage(f"A runtime callback failed: {ev.value}", 8000)
        if note is not None:
            self._show_note(note)

    def _report_deadlock(self, ev: TraceEvent) -> None:
        """Go's deadlock block, with a sentence per goroutine it names: from the
        wait-for graph in a live run, from the event's records in a replay."""
        records = [WaitRecord(*r) for r in ev.payload.goroutines]
        rt = self.player.runtime
        if rt is not None and self._replay is None:
            graph = WaitForGraph.from_runtime(rt, usage=self.waitfor.usage)
            explanations = [graph.explain(r.g) for r in records]
        else:
            explanations = [record_sentence(r) for r in records]
        self.reports.set_deadlock(ev.value, explanations)
        self._flag_tab(self.reports)

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
        if self._presenter:
            self.presenter_strip.sync()

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
        if self._replay is not None:
            r = self._replay
            self.clock_label.setText(f"t = {r.position:.1f} s")
            self.stage.set_time(r.position)
            n = sum(1 for g in self.stage.model.goroutines.values() if not g.finished)
            self.status_goroutines.setText(f"{n} goroutine{'s' if n != 1 else ''} (replay)")
            self.status_events.setText(f"{r.index:,} of {len(r.events):,} events")
            self.status_speed.setText(f"speed {format_speed(self.player.speed)}")
            return
        if rt is not None:
            now = rt.clock.now()
            self.clock_label.setText(f"t = {now:.1f} s")
            self.stage.set_time(now)
            n = len(rt.goroutines())
            self.status_goroutines.setText(f"{n} goroutine{'s' if n != 1 else ''} alive")
        else:
            self.clock_label.setText("")
            self.status_goroutines.setText("")
        missed = self.bridge.missed
        held = self.bridge.holding or time.monotonic() - self.bridge.held_at < HELD_SHOWN_S
        self.status_events.setText(
            f"{self.bridge.delivered:,} events"
            + (f" ({missed:,} missed)" if missed else "")
            + (" · run held back: the picture is catching up" if held else "")
        )
        self.status_speed.setText(f"speed {format_speed(self.player.speed)}")

    # -- teaching: steps ---------------------------------------------------------------

    def _on_scheduler_goroutine_chosen(self, g: int) -> None:
        self.step_goroutine(g)

    def _on_stepper_stepped(self, rt: Any, result: Any) -> None:
        self.scheduler.set_busy(False)
        if rt is not self.player.runtime or self._replay is not None:
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

    # -- teaching: questions ---------------------------------------------------------

    @property
    def questions_on(self) -> bool:
        return self._questions_on

    @property
    def question_schedule(self) -> QuestionSchedule | None:
        return self._schedule

    def set_questions(self, on: bool, remember: bool = True) -> None:
        """Ask the lessons' questions (or not); remembered in the settings.

        Turned off while a question waits, the question goes away and the run
        goes on. Questions whose time passes while they are off are not asked.
        """
        on = bool(on)
        self._questions_on = on
        if remember and self._remember:
            self.settings.questions = on
        self.act_questions.blockSignals(True)
        self.act_questions.setChecked(on)
        self.act_questions.blockSignals(False)
        self.controls.set_questions(on)
        if self._schedule is not None:
            self._schedule.enabled = on
        if not on and self._asking is not None:
            self._dismiss_question()
            self._resume_after_question()

    def _load_questions(self, cls: type[Scenario]) -> None:
        self._dismiss_question()
        text = resources.lesson_text(cls.id)
        questions: list[Question] = []
        if text:
            try:
                questions = parse_questions(text)
            except ValueError as exc:
                self.statusBar().showMessage(f"The lesson's questions cannot be read: {exc}", 8000)
        self._schedule = (
            QuestionSchedule(questions, enabled=self._questions_on) if questions else None
        )

    def _on_question_timer_timeout(self) -> None:
        sch = self._schedule
        rt = self.player.runtime
        if sch is None or rt is None or self._asking is not None or self._replay is not None:
            return
        if self.player.state != PlayerState.RUNNING:
            return
        q = sch.due(rt.clock.now())
        if q is not None:
            self.ask(q)

    def ask(self, q: Question) -> None:
        """Pause the run and put question *q* over the stage (answered with a click)."""
        sch = self._schedule
        self._asking = q
        if self.player.state == PlayerState.RUNNING:
            self.player.pause()
            self._question_paused = True
        number = sch.questions.index(q) + 1 if sch is not None and q in sch.questions else 1
        total = len(sch.questions) if sch is not None else 1
        self.question_card.ask(q, number, total)
        self.question_card.show()
        self._place_question_card()
        self.statusBar().showMessage("Predict: the run waits for your answer.", 8000)

    def answer(self, choice: int) -> Any:
        """Answer the question on screen with choice *choice*; returns the Verdict (or None)."""
        q, sch = self._asking, self._schedule
        if q is None or sch is None:
            return None
        verdict = sch.answer(q, choice)
        self._asking = None
        self.question_card.show_verdict(choice, verdict)
        self._place_question_card()
        self._resume_after_question()
        right, given = sch.score
        word = "Right" if verdict.correct else "Not this time"
        self.statusBar().showMessage(f"{word}. Score: {right} of {given}.", 8000)
        return verdict

    def _resume_after_question(self) -> None:
        if self._question_paused and self.player.state == PlayerState.PAUSED:
            self.player.resume()
        self._question_paused = False

    def _dismiss_question(self) -> None:
        self._asking = None
        self.question_card.hide()

    def _place_question_card(self) -> None:
        """Put the card over the bottom of the stage; when the stage is too short for it
        (presenter mode's large type), it reaches down over the tabs."""
        card = self.question_card
        if not card.isVisible():
            return
        area = self.splitter.geometry()  # in the central widget, the card's parent
        stage = self.stage.geometry().translated(area.topLeft())
        width = max(280, min(stage.width() - 28, 900))
        card.setFixedWidth(width)
        height = min(card.heightForWidth(width), area.height() - 12)
        bottom = stage.bottom() - 40  # above the stage's legend
        if bottom - height < area.top() + 6:
            bottom = area.top() + 6 + height
        card.setGeometry(
            stage.left() + (stage.width() - width) // 2, bottom - height, width, height
        )
        card.raise_()

    def _on_question_card_answered(self, choice: int) -> None:
        self.answer(choice)

    def _on_question_card_skipped(self) -> None:
        self._dismiss_question()
        self._resume_after_question()

    def _on_question_card_dismissed(self) -> None:
        self._dismiss_question()

    # -- teaching: tabs ----------------------------------------------------------------

    _TEACH_TITLES = ("Scheduler", "Wait-for", "Select", "Reports")

    def _flag_tab(self, widget: QWidget) -> None:
        """Mark a teaching tab that has something new while another tab is shown."""
        i = self.teach_tabs.indexOf(widget)
        if i >= 0 and self.teach_tabs.currentIndex() != i:
            self.teach_tabs.setTabText(i, f"{self._TEACH_TITLES[i]} ●")

    def _reset_teach_badges(self) -> None:
        for i, title in enumerate(self._TEACH_TITLES):
            self.teach_tabs.setTabText(i, title)

    def _on_teach_tabs_current_changed(self, i: int) -> None:
        if 0 <= i < len(self._TEACH_TITLES):
            self.teach_tabs.setTabText(i, self._TEACH_TITLES[i])

    def _on_waitfor_graph_changed(self, graph: WaitForGraph) -> None:
        if self.reports.set_stuck(stuck_report(graph)) and graph.stuck():
            self._flag_tab(self.waitfor)
            self._flag_tab(self.reports)

    # -- record and replay -----------------------------------------------------------

    @property
    def replay(self) -> ReplaySession | None:
        """The replay on stage, or None (a live lesson)."""
        return self._replay

    def current_recording(self) -> Recording | None:
        """What Save run writes: the run playing, else the replay, else the last run."""
        if self.player.run is not None:
            return record(self.player.run)
        if self._replay is not None:
            return self._replay.recording
        if self.player.last_run is not None:
            return record(self.player.last_run)
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
            cls = self.program.lesson(rec.scenario) or scenarios.get(rec.scenario)
            values = cls(**rec.params).values
        except KeyError:
            return self._refuse_run(
                path, f"it records a lesson this version does not have ({rec.scenario!r})"
            )
        except (OSError, ValueError) as exc:
            return self._refuse_run(path, str(exc))
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            session = ReplaySession(rec)
        except Exception as exc:  # a well-formed file whose events make no sense
            return self._refuse_run(path, f"its events cannot be replayed ({exc})")
        finally:
            QApplication.restoreOverrideCursor()
        self._enter_replay(cls, values, session, Path(path).name)
        if play:
            self.replay_play(True)
        return True

    def _refuse_run(self, path: str | Path, why: str) -> bool:
        QMessageBox.warning(
            self,
            "Open run",
            f"Could not open {path} as a Goroutine Lab run:\n{why}\n\nNothing was changed.",
        )
        return False

    def _enter_replay(
        self, cls: type[Scenario], values: dict[str, Any], session: ReplaySession, name: str
    ) -> None:
        self._leave_replay()
        self.player.stop()
        self._dismiss_question()
        self._scenario_cls = cls
        self._values = dict(values)
        self.catalogue.select(cls.id)
        self.chapter_label.setText(f"REPLAY · {cls.chapter.upper()}")
        self.title_label.setText(cls.title)
        self.summary_label.setText(cls.summary)
        self.setWindowTitle(f"Replay: {cls.title} — {APP_NAME}")
        self.controls.set_scenario(cls, self._values)
        self.presenter_strip.set_actions()
        self._apply_plumbing()
        self.code.set_scenario(cls)
        self.lesson.set_scenario(cls)
        self.plots.set_metrics(cls.metrics, None, cls.id)
        self._set_chat_tab(cls)
        self._load_questions(cls)
        self._clear_views()
        self._replay = session
        self.waitfor.set_runtime(None, replay=True)
        rec = session.recording
        seed = f", seed {rec.seed}" if rec.seed is not None else ""
        self.replay_bar.set_range(
            session.start, session.duration, f"{name} · {len(session.events):,} events{seed}"
        )
        self.replay_bar.show()
        self._set_badge("REPLAY", "paused")
        self.replay_seek(session.start)
        self.replay_play(False)

    def _leave_replay(self) -> None:
        if self._replay is None:
            return
        self._replay = None
        self._replay_playing = False
        self._replay_timer.stop()
        self._seek_to = None
        self.replay_bar.hide()
        self.chapter_label.setText(self._scenario_cls.chapter.upper() if self._scenario_cls else "")
        self._clear_views()
        self._on_player_state_changed(self.player.state)
        labels = {PlayerState.IDLE: "STOPPED", PlayerState.FINISHED: "FINISHED"}
        self._set_badge(labels.get(self.player.state, "STOPPED"), self.player.state)

    def close_replay(self) -> None:
        """Leave the replay: its lesson comes back on stage, stopped."""
        cls = self._scenario_cls
        self._leave_replay()
        if cls is not None:
            self.open_lesson(cls.id, self._values, play=False)

    def replay_play(self, on: bool) -> None:
        r = self._replay
        if r is None:
            return
        if on and r.at_end:
            self.replay_seek(r.start)  # Play at the end starts again
        self._replay_playing = on
        self._replay_clock = time.monotonic()
        if on:
            self._replay_timer.start()
        else:
            self._replay_timer.stop()
        self.replay_bar.set_playing(on)
        self.controls.set_replay(on)
        self._set_badge("REPLAY", "running" if on else "paused")

    def replay_toggle(self) -> None:
        self.replay_play(not self._replay_playing)

    def replay_seek(self, t: float) -> None:
        """Show the replay at runtime time *t*: every view rebuilt as it was then."""
        r = self._replay
        if r is None:
            return
        t0 = time.perf_counter()
        state = r.seek(t)
        self.stage.load_model(state.scene)
        self.timeline.load_model(state.timeline, r.position)
        self.events.show_rows(r.rows_until(r.index))
        self.selects.load_stats(state.select)
        self.reports.load_races(state.races)
        self.reports.set_deadlock(state.scene.deadlock, [])
        if state.scene.panics and not state.scene.deadlock:
            g, text = state.scene.panics[-1]
            name = (
                state.scene.goroutines[g].name if g in state.scene.goroutines else f"goroutine {g}"
            )
            self.stage.show_banner(panic_text(text, g, name), "panic")
        self._g_names = {gid: g.name for gid, g in state.scene.goroutines.items()}
        self._show_note(state.scene.notes[-1] if state.scene.notes else "")
        self.replay_bar.show_position(r.position)
        self._update_status()
        self.last_seek_ms = (time.perf_counter() - t0) * 1000

    def replay_step(self) -> bool:
        """Show the next recorded event (the replay pauses first); False at the end."""
        r = self._replay
        if r is None:
            return False
        self.replay_play(False)
        t = r.next_event_time()
        if t is None:
            return False
        batch = r.advance(t)
        rows = r.rows_until(r.index)
        self._feed(batch, rows)
        self.timeline.set_now(r.position)
        self.replay_bar.show_position(r.position)
        said = "; ".join(row[5] for row in rows[-min(3, len(batch)) :])
        self.stage.show_caption(f"t = {r.position:.3f} s: {said}")
        self._update_status()
        return bool(batch)

    def _on_replay_timer_timeout(self) -> None:
        r = self._replay
        if r is None:
            self._replay_timer.stop()
            return
        now = time.monotonic()
        dt, self._replay_clock = now - self._replay_clock, now
        batch = r.advance(r.position + dt * self.player.speed)
        if batch:
            self._feed(batch, r.rows_until(r.index))
        self.timeline.set_now(r.position)
        self.replay_bar.show_position(r.position)
        if r.position >= r.duration:
            self.replay_play(False)

    def _on_replay_bar_seek_requested(self, t: float) -> None:
        # Coalesce a drag: only the latest position is rebuilt, once per turn of the loop.
        pending = self._seek_to is not None
        self._seek_to = t
        if not pending:
            QTimer.singleShot(0, self._on_seek_timer_timeout)

    def _on_seek_timer_timeout(self) -> None:
        t, self._seek_to = self._seek_to, None
        if t is not None:
            self.replay_seek(t)

    def _on_save_run(self) -> None:
        sid = self._scenario_cls.id if self._scenario_cls else "run"
        path = self._ask_path("Save run", f"{sid}.run.json", RUN_FILTER)
        if not path:
            return
        try:
            n = self.save_run(path)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Save run", f"Could not save the run to {path}:\n{exc}")
            return
        self.statusBar().showMessage(f"Saved the run ({n:,} events) to {path}", 8000)

    def _on_open_run(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open run", str(Path.home()), RUN_FILTER)
        if path:
            self.open_run(path)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._shown_once:  # the stage's share, once the layout has its real size
            self._shown_once = True
            QTimer.singleShot(0, self._split_stage)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        QTimer.singleShot(0, self._place_question_card)  # once the layout has settled

    # -- closing --------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closing:
            event.accept()
            return
        self._closing = True
        self._status_timer.stop()
        self._question_timer.stop()
        self._replay_timer.stop()
        self.bridge.detach()
        self.plots.stop()
        if self.chat is not None:
            self.chat.detach()
        if self._remember:
            if self._presenter:  # remember the layout of normal mode
                self.catalogue_dock.setVisible(self._catalogue_was_visible)
                self.controls_dock.setVisible(self._controls_was_visible)
            self.settings.save_window(self)
            self.settings.sync()
        self.player.shutdown(timeout=3.0)
        self.stepper.wait_idle(2.0)  # the runtime is stopped: a step under way ends at once
        super().closeEvent(event)
