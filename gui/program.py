"""'Your program': the learner's own code on the window's stage.

:class:`ProgramController` puts a "Your program" entry at the top of the
lesson list and, while it is open, a Program tab (:class:`ProgramEditor`)
under the stage. Running it (Run, Ctrl+Enter, Space, R) goes through the
window's one player like a lesson: the player asks the scenario for its run,
and :class:`EditorProgram` answers with a :class:`ProgramRun`, whose child
process streams its events into a mirror tracer that the window's bridge
reads as it reads a lesson's; pause, step, speed and Stop reach the child
through :class:`~core.scenarios.program_host.RemoteRuntime`. Nothing here
waits on the child: output and the program's end are polled on a timer.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QFileDialog, QMessageBox

from core.scenarios.program_host import (
    MEMORY_LIMIT,
    WINDOW_DURATION,
    ProgramResult,
    ProgramRun,
    ProgramScenario,
)
from gui import resources
from gui.panels.editor import ProgramEditor
from gui.player import PlayerState

__all__ = ["PROGRAM_ID", "ProgramController", "open_on_start"]

PROGRAM_ID = ProgramScenario.id
TAB_TITLE = "Program"
POLL_MS = 50
SAMPLE_EVERY = 0.1  # runtime seconds between the plots' points
EDITOR_SHARE = 45  # percent of the stage's and tabs' height the Program tab gets

_open_on_start: str | None = None  # main.py --program FILE.py (no --headless)


def open_on_start(path: str | None) -> None:
    """Open *path* in "Your program" when the next window is made (``--program``)."""
    global _open_on_start
    _open_on_start = path


class ProgramController(QObject):
    """The window's "Your program": its catalogue entry, editor tab and runs."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self._w = window
        self.editor = ProgramEditor(window.theme, resources.program_examples())
        self._scratch = tempfile.TemporaryDirectory(prefix="goroutine-lab-")
        self._path = ""  # the learner's file ("" before a save or an open)
        self._saved_text: str | None = None  # the file's text as last read or written
        self._run: ProgramRun | None = None
        self._reported: ProgramRun | None = None
        self._sampled = 0.0  # runtime time of the plots' last point
        self._open = False
        self.scenario_cls = self._make_scenario_cls()

        window.catalogue.add_entry(
            PROGRAM_ID,
            "Your program",
            "Your program\nWrite Go-style Python against core.runtime, run it as Go runs a "
            "program (Ctrl+Enter), watch it on the stage, step it, break it.",
        )
        self._restore()

        e = self.editor
        e.run_requested.connect(self.run)
        e.stop_requested.connect(self.stop)
        e.example_chosen.connect(self.load_example)
        e.open_requested.connect(self._on_editor_open_requested)
        e.save_requested.connect(self._on_editor_save_requested)
        e.code.textChanged.connect(self._on_code_text_changed)
        p = window.player
        p.started.connect(self._on_player_started)
        p.state_changed.connect(self._on_player_state_changed)
        p.stopped.connect(self._on_player_stopped)

        self._remember_timer = QTimer(self)
        self._remember_timer.setSingleShot(True)
        self._remember_timer.setInterval(500)
        self._remember_timer.timeout.connect(self.remember)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._on_poll_timeout)
        self._poll.start()

        window.installEventFilter(self)  # the text is kept when the window closes
        if _open_on_start:
            path = _open_on_start
            open_on_start(None)
            if self.load_file(path):
                QTimer.singleShot(0, lambda: window.open_lesson(PROGRAM_ID))

    # -- the window's hooks -----------------------------------------------------------

    def lesson(self, scenario_id: str) -> type[ProgramScenario] | None:
        """The scenario class of "Your program" when *scenario_id* names it, else None."""
        return self.scenario_cls if scenario_id == PROGRAM_ID else None

    def lesson_opened(self, cls: type) -> None:
        """A lesson was put on stage: show the editor for ours, hide it for the others."""
        w = self._w
        opening = cls is self.scenario_cls
        code_index = w.tabs.indexOf(w.code)
        if code_index >= 0:
            w.tabs.setTabVisible(code_index, not opening)  # the editor is the code
        index = w.tabs.indexOf(self.editor)
        if opening and index < 0:
            w.tabs.insertTab(0, self.editor, TAB_TITLE)
        elif not opening and index >= 0:
            w.tabs.removeTab(index)
        if opening:
            w.tabs.setCurrentWidget(self.editor)
            self.editor.code.setFocus()
            QTimer.singleShot(0, self._make_room)
        self._open = opening

    def _make_room(self) -> None:
        """Room to write: the Program tab gets more of the height and width than a tab
        usually has (a learner reads and types code there). Not in presenter mode,
        where the stage is what the room reads."""
        w = self._w
        if not self._open or w.presenter or not getattr(w, "_panels_open", True):
            return
        total = sum(w.splitter.sizes())
        if total > 0:
            lower = total * EDITOR_SHARE // 100
            w.splitter.setSizes([total - lower, lower])
        wide = sum(w.lower_splitter.sizes())
        if wide > 0:
            w.lower_splitter.setSizes([wide * 2 // 3, wide - wide * 2 // 3])

    @property
    def is_open(self) -> bool:
        return self._open

    @property
    def current_run(self) -> ProgramRun | None:
        return self._run

    # -- running ---------------------------------------------------------------------------

    def run(self) -> None:
        """Run the editor's text as the program (it replaces the run on stage)."""
        self.remember()
        w = self._w
        if not self._open or w.scenario_cls is not self.scenario_cls:
            w.open_lesson(PROGRAM_ID)  # opens and plays
        else:
            w.reset_lesson()

    def stop(self) -> None:
        """End the program (the player stops its run; the child is killed if it must be)."""
        if self._run is not None and self._w.player.run is self._run:
            self._w.player.stop()

    def program_file(self) -> str:
        """The file to run: the learner's own if saved as it is, else a scratch copy."""
        text = self.editor.text
        if self._path and text == self._saved_text:
            return self._path
        name = Path(self._path).name if self._path else "program.py"
        scratch = Path(self._scratch.name) / name
        scratch.write_text(text, encoding="utf-8")
        return str(scratch)

    def _make_scenario_cls(self) -> type[ProgramScenario]:
        controller = self

        class EditorProgram(ProgramScenario):
            """The program in the editor, run in its own process."""

            def make_run(self, speed: float = 1.0, seed: int | None = None) -> ProgramRun:
                return ProgramRun(
                    self, controller.program_file(), speed=speed, duration=WINDOW_DURATION
                )

        EditorProgram.__module__ = ProgramScenario.__module__
        return EditorProgram

    # -- files and examples ---------------------------------------------------------------

    def load_example(self, path: str) -> None:
        text = Path(path).read_text(encoding="utf-8")
        self._set_program(text, "", f"example: {Path(path).name}")

    def load_file(self, path: str) -> bool:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            QMessageBox.warning(self._w, "Open program", f"Could not read {path}:\n{exc}")
            return False
        self._set_program(text, str(Path(path).resolve()), "")
        return True

    def save_file(self, path: str) -> bool:
        text = self.editor.text
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as exc:
            QMessageBox.warning(self._w, "Save program", f"Could not write {path}:\n{exc}")
            return False
        self._path = str(Path(path).resolve())
        self._saved_text = text
        self.editor.set_file(self._path)
        self.remember()
        return True

    def _set_program(self, text: str, path: str, label: str) -> None:
        self._path = path
        self._saved_text = text if path else None
        self.editor.set_text(text)
        self.editor.set_file(path or label)
        self.editor.clear_output()
        self.remember()

    def _restore(self) -> None:
        text, path = ("", "")
        if self._w._remember:
            text, path = self._w.settings.last_program
        if text:
            self._path = path if path and Path(path).is_file() else ""
            if self._path:
                try:
                    self._saved_text = Path(self._path).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    self._path = ""
            self.editor.set_text(text)
            self.editor.set_file(self._path or "your last program")
            return
        examples = resources.program_examples()
        if examples:
            self.load_example(str(examples[0][1]))

    def remember(self) -> None:
        """Keep the editor's text (and its file) for the next start of the window."""
        if self._w._remember:
            self._w.settings.last_program = (self.editor.text, self._path)

    # -- what the run says -------------------------------------------------------------------

    def _on_player_started(self) -> None:
        run = self._w.player.run
        if not isinstance(run, ProgramRun):
            self._run = None
            self.editor.set_running(False)
            return
        self._run = run
        self._reported = None
        self._sampled = -SAMPLE_EVERY
        self.editor.clear_output()
        self.editor.set_running(True)

    def _on_player_state_changed(self, state: str) -> None:
        running = state in (PlayerState.RUNNING, PlayerState.PAUSED)
        self.editor.set_running(running and self._run is not None and not self._run.finished)

    def _on_player_stopped(self, _report: Any) -> None:
        run = self._w.player.stopped_run
        if isinstance(run, ProgramRun):
            self._drain(run)
            self._report_end(run)

    def _on_poll_timeout(self) -> None:
        run = self._run
        if run is None:
            return
        self._drain(run)
        if not run.finished:
            self._sample(run)
        if run.finished and self._reported is not run:
            self._report_end(run)

    def _sample(self, run: ProgramRun) -> None:
        """The plots' points: goroutines alive and values waiting in channels, from the
        window's model of the run (what the stage shows), every SAMPLE_EVERY runtime s."""
        t = run.runtime.clock.now()
        if t - self._sampled < SAMPLE_EVERY or self._w.bridge.tracer is not run.tracer:
            return
        self._sampled = t
        snap = self._w.bridge.model.snapshot()
        rec = run.scenario.recorder
        rec.record("goroutines", t, len(snap["goroutines"]))
        rec.record("buffered", t, sum(len(c["buffer"]) for c in snap["channels"].values()))

    def _drain(self, run: ProgramRun) -> None:
        lines = []
        out = run.output
        while out:
            g, name, text, _seq = out.popleft()
            lines.append((g, name, text))
        if run is self._run:
            self.editor.append_output(lines)

    def _report_end(self, run: ProgramRun) -> None:
        result = run.result
        if result is None or self._reported is run or run is not self._run:
            return
        self._reported = run
        self.editor.set_running(False)
        self.editor.append_text(result.text)
        self.editor.append_text(f"exit status {result.status}")
        self.editor.show_message(*self.describe(result))
        if result.reason == "compile":
            where = f" (line {result.line})" if result.line else ""
            self._w.stage.show_banner(
                f"Nothing ran: the program does not compile{where}.\n{result.message}", "info"
            )
        elif result.reason == "crash" and "deadlock" not in result.message:
            # The whole program ended (the trace's own banner says only a goroutine died).
            self._w.stage.show_banner(
                f"{result.text.strip()}\n\nexit status {result.status}", "panic"
            )
        elif result.reason in ("timeout", "killed", "memory"):
            self._w.stage.show_banner(result.text.strip(), "info")

    @staticmethod
    def describe(result: ProgramResult) -> tuple[str, int | None]:
        """The editor's line for *result* and the line to mark (None: nothing to say)."""
        line = result.line
        at = f"Line {line}: " if line else ""
        if result.reason == "compile":
            return f"{at}{result.message}. Nothing ran.", line
        if result.reason == "memory":
            limit = MEMORY_LIMIT // 1024**3
            return f"{at}out of memory: the program passed its limit of {limit} GiB.", line
        if result.reason == "crash":
            return f"{at}{result.message}", line
        if result.reason in ("timeout", "killed") or (result.reason == "exit" and result.status):
            return result.text.strip().splitlines()[0], None
        return "", None

    # -- slots ---------------------------------------------------------------------------------

    def _on_code_text_changed(self) -> None:
        self._remember_timer.start()

    def _on_editor_open_requested(self) -> None:
        start = str(Path(self._path).parent) if self._path else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(
            self._w, "Open program", start, "Python program (*.py)"
        )
        if path:
            self.load_file(path)

    def _on_editor_save_requested(self) -> None:
        start = self._path or str(Path.home() / "program.py")
        path, _ = QFileDialog.getSaveFileName(
            self._w, "Save program", start, "Python program (*.py)"
        )
        if path:
            self.save_file(path)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self._w and event.type() == QEvent.Type.Close:
            self.remember()
            self._poll.stop()
        elif obj is self._w and event.type() == QEvent.Type.Show and self._open:
            # The window splits its height once shown (a posted call); ours comes after.
            QTimer.singleShot(0, lambda: QTimer.singleShot(0, self._make_room))
        return False
