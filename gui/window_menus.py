"""The main window's menus, their shortcuts and the File menu's dialogs.

:class:`WindowMenus` builds File, Run, View and Help on the window's menu
bar. Every action is also added to the window itself, so its shortcut works
with the menu bar hidden (presenter mode, a projector). The slots that ask
for a file name or show a message box live here too; what they do to the
run (save it, open it, export it) is the window's and its controllers'.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox

from core import scenarios
from gui.desktop_entry import entry_paths

__all__ = ["APP_NAME", "RUN_FILTER", "SHORTCUTS_TEXT", "WindowMenus"]

APP_NAME = "Goroutine Lab"
RUN_FILTER = "Goroutine Lab run (*.run.json *.json)"

SHORTCUTS_TEXT = (
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
    "to the start; drag the scrubber to move in time."
)

PLUMBING_TIP = (
    "Also draw the helpers a learner does not need: metric samplers and their "
    "tickers, pacing timers, the run's root context, bookkeeping locks"
)


class WindowMenus(QObject):
    """The menu bar of *window* and the actions behind it (``dark``, ``questions``...)."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self._w = w = window
        bar = w.menuBar()

        file_menu = bar.addMenu("&File")
        self.open_run = self._action(file_menu, "Open run…", self._on_open_run, "Ctrl+O")
        self.save_run = self._action(file_menu, "Save run…", self._on_save_run, "Ctrl+S")
        file_menu.addSeparator()
        self.export = self._action(
            file_menu, "Export trace (Chrome / Perfetto JSON)…", self._on_export_trace, "Ctrl+E"
        )
        self.save_window = self._action(
            file_menu, "Save window as PNG…", self._on_save_window, "Ctrl+Shift+S"
        )
        self.save_stage = self._action(file_menu, "Save stage as PNG…", self._on_save_stage)
        self.export_picture = self._action(
            file_menu, "Export picture (SVG, PNG)…", w.exporter.export_picture, "Ctrl+Shift+E"
        )
        self.export_animation = self._action(
            file_menu,
            "Export animation (GIF, WebP, MP4)…",
            w.exporter.export_animation,
            "Ctrl+Shift+R",
        )
        file_menu.addSeparator()
        self._action(file_menu, "Quit", w.close, QKeySequence.StandardKey.Quit)

        run_menu = bar.addMenu("&Run")
        self.play = self._action(run_menu, "Play / Pause", w.player_toggle, "Space")
        self.step = self._action(run_menu, "Step one operation", w.step, "Right")
        self.reset = self._action(run_menu, "Reset", w.reset_lesson, "R")
        run_menu.addSeparator()
        self._action(run_menu, "Slower", lambda: w.nudge_speed(1 / 1.5), "[")
        self._action(run_menu, "Faster", lambda: w.nudge_speed(1.5), "]")

        view = bar.addMenu("&View")
        group = QActionGroup(self)
        self.dark = self._action(view, "Dark theme", lambda: w.set_theme("dark"))
        self.light = self._action(view, "Light theme", lambda: w.set_theme("light"))
        for a in (self.dark, self.light):
            a.setCheckable(True)
            group.addAction(a)
        self.presenter = self._action(view, "Presenter mode", w.toggle_presenter)
        self.presenter.setShortcuts([QKeySequence("F11"), QKeySequence("Ctrl+P")])
        self.presenter.setCheckable(True)
        view.addSeparator()
        self.questions = self._toggle(
            view,
            "Questions: predict, then run",
            "Pause at the lesson's marked moments and ask a question",
            w.set_questions,
        )
        self.teach_tabs = self._toggle(
            view, "Teaching tabs", "Show the Scheduler, Wait-for, Select and Reports tabs", None
        )
        self.teach_tabs.setChecked(True)
        self.teach_tabs.toggled.connect(w.teach_tabs.setVisible)
        self.plumbing = self._toggle(view, "Show plumbing", PLUMBING_TIP, None)
        self.plumbing.setChecked(w.show_plumbing)
        self.plumbing.toggled.connect(w.set_show_plumbing)
        view.addSeparator()
        view.addAction(w.catalogue_dock.toggleViewAction())
        view.addAction(w.controls_dock.toggleViewAction())

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "Keyboard shortcuts", self._on_shortcuts, "F1")
        self._action(help_menu, f"About {APP_NAME}", self._on_about)

    def show_checked(self, action: QAction, on: bool) -> None:
        """Tick *action* without calling its slot (the state changed elsewhere)."""
        action.blockSignals(True)
        action.setChecked(on)
        action.blockSignals(False)

    def _action(self, menu: Any, text: str, slot: Any, shortcut: Any = None) -> QAction:
        a = QAction(text, self._w)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        a.triggered.connect(lambda _=False: slot())
        menu.addAction(a)
        self._w.addAction(a)  # shortcuts work with the menu bar hidden too
        return a

    def _toggle(self, menu: Any, text: str, tip: str, slot: Any) -> QAction:
        a = QAction(text, self._w)
        a.setCheckable(True)
        a.setToolTip(tip)
        if slot is not None:
            a.toggled.connect(slot)
        menu.addAction(a)
        return a

    # -- File -----------------------------------------------------------------------

    def _ask_path(self, title: str, name: str, filt: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self._w, title, str(Path.home() / name), filt)
        return path or None

    def _lesson_id(self, default: str) -> str:
        cls = self._w.scenario_cls
        return cls.id if cls is not None else default

    def _on_export_trace(self) -> None:
        w = self._w
        path = self._ask_path(
            "Export trace", f"{self._lesson_id('trace')}.trace.json", "Trace JSON (*.json)"
        )
        if not path:
            return
        try:
            n = w.export_trace(path)
        except OSError as exc:
            QMessageBox.warning(w, "Export trace", f"Could not write {path}:\n{exc}")
            return
        w.statusBar().showMessage(
            f"Wrote {n:,} events to {path} (open it in ui.perfetto.dev)", 8000
        )

    def _on_save_window(self) -> None:
        path = self._ask_path("Save window", "goroutine-lab.png", "PNG image (*.png)")
        if path and not self._w.save_window_png(path):
            QMessageBox.warning(self._w, "Save window", f"Could not write {path}.")

    def _on_save_stage(self) -> None:
        path = self._ask_path("Save stage", "stage.png", "PNG image (*.png)")
        if path and not self._w.save_stage_png(path):
            QMessageBox.warning(self._w, "Save stage", f"Could not write {path}.")

    def _on_save_run(self) -> None:
        w = self._w
        path = self._ask_path("Save run", f"{self._lesson_id('run')}.run.json", RUN_FILTER)
        if not path:
            return
        try:
            n = w.replays.save_run(path)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(w, "Save run", f"Could not save the run to {path}:\n{exc}")
            return
        w.statusBar().showMessage(f"Saved the run ({n:,} events) to {path}", 8000)

    def _on_open_run(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self._w, "Open run", str(Path.home()), RUN_FILTER)
        if path:
            self._w.replays.open_run(path)

    # -- Help -----------------------------------------------------------------------

    def _on_about(self) -> None:
        QMessageBox.about(
            self._w,
            f"About {APP_NAME}",
            f"<h3>{APP_NAME}</h3>"
            "<p>Watch Go's concurrency patterns run: goroutines, channels, select, "
            "sync, atomics, context and timers, re-created in Python and animated "
            "event by event.</p>"
            "<p>Pause the runtime clock, step one operation at a time, inject "
            "cancellation, load and shutdown, and break each pattern on purpose.</p>"
            f"<p>{len(scenarios.catalogue())} lessons. MIT licence.</p>"
            "<p>Desktop entry (<code>goroutine-lab --install-desktop-entry</code>):<br>"
            + "<br>".join(f"<code>{html.escape(str(p))}</code>" for p in entry_paths())
            + "</p>",
        )

    def _on_shortcuts(self) -> None:
        QMessageBox.information(self._w, "Keyboard shortcuts", SHORTCUTS_TEXT)
