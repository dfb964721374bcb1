"""'Your program' in the window: the editor driven with real keys, runs in a child process."""

from __future__ import annotations

import time

import pytest
from helpers import wait_until
from PySide6.QtCore import Qt

from core.scenarios.program_host import ProgramRun
from gui.program import PROGRAM_ID
from gui.resources import program_examples


def open_program(window, text: str | None = None) -> None:
    window.open_lesson(PROGRAM_ID, play=False)
    if text is not None:
        window.program.editor.set_text(text)


def type_program(qtbot, window, lines: list[str]) -> None:
    """Type *lines* into the empty editor with real keys (Return keeps the indent)."""
    code = window.program.editor.code
    code.setFocus()
    code.selectAll()
    qtbot.keyClick(code, Qt.Key.Key_Delete)
    for i, line in enumerate(lines):
        if i:
            qtbot.keyClick(code, Qt.Key.Key_Return)
        qtbot.keyClicks(code, line)


def ctrl_enter(qtbot, window) -> None:
    qtbot.keyClick(
        window.program.editor.code, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
    )


def wait_run_ended(qtbot, window, timeout: int = 10_000) -> ProgramRun:
    run = window.program.current_run
    assert isinstance(run, ProgramRun)
    qtbot.waitUntil(lambda: run.finished and "exit status" in output(window), timeout=timeout)
    return run


def output(window) -> str:
    return window.program.editor.output.toPlainText()


def test_your_program_is_first_in_the_catalogue_and_opens_the_editor(window, qtbot):
    window.catalogue.select(PROGRAM_ID, notify=True)
    assert window.scenario_cls is window.program.scenario_cls
    assert window.tabs.currentWidget() is window.program.editor
    assert not window.tabs.isTabVisible(window.tabs.indexOf(window.code))
    run = wait_run_ended(qtbot, window)  # the first example runs at once, as a lesson does
    assert run.result.status == 0
    assert "[main] all workers done" in output(window)
    window.open_lesson("select", play=False)
    assert window.tabs.indexOf(window.program.editor) < 0
    assert window.tabs.isTabVisible(window.tabs.indexOf(window.code))


def test_typed_program_runs_on_ctrl_enter_with_its_goroutines_output(window, qtbot):
    open_program(window)
    type_program(
        qtbot,
        window,
        [
            "from core.runtime import Chan, go",
            "def worker(ch):",
            'ch.send("hi from worker")',
            "",
        ],
    )
    # Return kept the indent inside worker(); leave the function before main's code.
    code = window.program.editor.code
    qtbot.keyClick(code, Qt.Key.Key_Home)
    qtbot.keyClicks(code, "ch = Chan(name='ch')")
    qtbot.keyClick(code, Qt.Key.Key_Return)
    qtbot.keyClicks(code, "go(worker, ch, name='worker')")
    qtbot.keyClick(code, Qt.Key.Key_Return)
    qtbot.keyClicks(code, "print(ch.recv()[0])")
    assert "    ch.send(" in window.program.editor.text
    ctrl_enter(qtbot, window)
    run = wait_run_ended(qtbot, window)
    assert run.result.status == 0, output(window)
    assert "[main] hi from worker" in output(window)
    snap = window.bridge.model.snapshot()
    assert any(c["name"] == "ch" for c in snap["channels"].values()) or any(
        ev.obj_name == "ch" for ev in run.tracer.events()
    )


def test_stop_ends_while_true_pass_within_2_s(window, qtbot):
    open_program(window)
    type_program(qtbot, window, ["print('spinning', flush=True)", "while True:", "pass"])
    ctrl_enter(qtbot, window)
    run = window.program.current_run
    assert isinstance(run, ProgramRun)
    qtbot.waitUntil(lambda: "[main] spinning" in output(window), timeout=10_000)
    assert window.program.editor.stop_button.isEnabled()
    t0 = time.monotonic()
    qtbot.mouseClick(window.program.editor.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: run.finished, timeout=2_000)
    latency = time.monotonic() - t0
    assert latency < 2.0
    qtbot.waitUntil(lambda: "program stopped" in output(window), timeout=2_000)
    assert not window.program.editor.stop_button.isEnabled()


def test_syntax_error_is_marked_at_its_line_and_nothing_runs(window, qtbot):
    open_program(window, "x = 1\nprint('x'\n")
    ctrl_enter(qtbot, window)
    run = wait_run_ended(qtbot, window)
    assert run.result.status == 1
    editor = window.program.editor
    assert editor.code.error_line == 2
    assert editor.message.isVisible() and "Nothing ran" in editor.message.text()
    assert "SyntaxError" in editor.message.text()
    assert window.bridge.delivered == 0


def test_exception_in_a_goroutine_is_a_panic_at_its_line(window, qtbot):
    open_program(
        window,
        "from core.runtime import Chan, go\n"
        "def bad():\n"
        "    return {}['missing']\n"
        "go(bad, name='bad')\n"
        "Chan().recv()\n",
    )
    ctrl_enter(qtbot, window)
    run = wait_run_ended(qtbot, window)
    assert run.result.status == 2
    assert window.program.editor.code.error_line == 3
    assert "panic: KeyError: 'missing'" in output(window)


def test_deadlock_example_shows_gos_words_on_stage_and_in_the_editor(window, qtbot):
    open_program(window)
    menu = window.program.editor.examples_menu
    [act] = [a for a in menu.actions() if a.text().startswith("A deadlock")]
    act.trigger()
    assert "results.close()" in window.program.editor.text
    ctrl_enter(qtbot, window)
    run = wait_run_ended(qtbot, window)
    assert run.result.status == 2
    qtbot.waitUntil(lambda: window.state_badge.text() == "DEADLOCK", timeout=5_000)
    assert "fatal error: all goroutines are asleep - deadlock!" in output(window)
    line = next(
        i + 1
        for i, text in enumerate(window.program.editor.text.splitlines())
        if "for r in results" in text
    )
    assert window.program.editor.code.error_line == line
    assert window.program.editor.message.text().startswith(f"Line {line}: fatal error")


def test_removing_a_close_turns_a_clean_run_into_a_deadlock(window, qtbot):
    path = next(p for t, p in program_examples() if t.startswith("An unbuffered"))
    open_program(window)
    window.program.load_example(str(path))
    ctrl_enter(qtbot, window)
    assert wait_run_ended(qtbot, window).result.status == 0
    text = window.program.editor.text.replace("    ch.close()\n", "")
    window.program.editor.set_text(text)
    ctrl_enter(qtbot, window)
    assert wait_run_ended(qtbot, window).result.status == 2
    assert "deadlock!" in output(window)


# A producer that sends 1,000 numbers to main: long enough to pause and step.
NUMBERS = (
    "from core.runtime import Chan, go\n"
    "ch = Chan(name='numbers')\n"
    "def producer():\n"
    "    for i in range(1000):\n"
    "        ch.send(i)\n"
    "go(producer, name='producer')\n"
    "for v in ch:\n"
    "    pass\n"
)


def test_a_paused_program_steps_one_operation(window, qtbot):
    open_program(window, NUMBERS)
    window.player.set_speed(1.0)
    window.program.run()
    run = window.program.current_run
    window.player.pause()
    qtbot.waitUntil(lambda: bool(run.runtime.gated()), timeout=10_000)
    with qtbot.waitSignal(window.stepper.stepped, timeout=5_000) as blocker:
        assert window.step()
    _rt, result = blocker.args
    assert result.moved, result.text
    assert not run.finished
    window.program.stop()
    qtbot.waitUntil(lambda: run.finished, timeout=3_000)


@pytest.mark.parametrize("remember", [True])
def test_last_program_is_kept_across_restarts(qtbot, settings, no_new_goroutines, remember):
    from gui.main_window import MainWindow

    w = MainWindow(settings, remember=remember)
    qtbot.addWidget(w)
    w.program.editor.set_text("print('kept')\n")
    w.close()
    assert w.player.wait_stopped(5.0)
    w2 = MainWindow(settings, remember=remember)
    qtbot.addWidget(w2)
    assert w2.program.editor.text == "print('kept')\n"
    w2.close()
    assert w2.player.wait_stopped(5.0)


def test_closing_the_window_ends_a_running_program(qtbot, settings, no_new_goroutines):
    from gui.main_window import MainWindow

    w = MainWindow(settings, remember=False)
    qtbot.addWidget(w)
    w.show()
    w.open_lesson(PROGRAM_ID, play=False)
    w.program.editor.set_text("while True:\n    pass\n")
    w.program.run()
    run = w.program.current_run
    wait_until(lambda: run.process.pid is not None, timeout=5.0)
    w.close()
    assert w.player.wait_stopped(5.0)
    assert run.finished


def test_editor_colours_python_and_numbers_its_lines(window, qtbot):
    open_program(window, 'def f():\n    """a\n    docstring"""\n    return 1\n')
    code = window.program.editor.code
    doc = code.document()

    def colour_at(block: int, pos: int) -> str | None:
        for r in doc.findBlockByNumber(block).layout().formats():
            if r.start <= pos < r.start + r.length:
                return r.format.foreground().color().name()
        return None

    qtbot.waitUntil(lambda: colour_at(0, 0) is not None, timeout=2_000)
    assert colour_at(0, 0) != colour_at(0, 4)  # "def" and the function's name
    string = colour_at(1, 4)  # the docstring opens on line 2...
    assert string is not None and colour_at(2, 6) == string  # ...and line 3 is inside it
    assert colour_at(3, 4) != string  # "return" is not
    assert code.line_number_width() > code.fontMetrics().horizontalAdvance("999")


def test_plots_follow_goroutines_and_channel_depth(window, qtbot):
    open_program(
        window,
        "from core.runtime import Chan, go, sleep\n"
        "ch = Chan(5, name='jobs')\n"
        "def fill():\n"
        "    for i in range(5):\n"
        "        ch.send(i)\n"
        "go(fill, name='filler')\n"
        "sleep(0.5)\n",
    )
    window.program.run()
    run = window.program.current_run
    rec = run.scenario.recorder
    qtbot.waitUntil(lambda: 5 in rec.series("buffered")[1], timeout=10_000)
    assert max(rec.series("goroutines")[1]) >= 1
    wait_run_ended(qtbot, window)


def test_a_program_run_is_saved_and_replayed(window, qtbot, tmp_path):
    open_program(window)
    path = next(p for t, p in program_examples() if t.startswith("A pipeline"))
    window.program.load_example(str(path))
    ctrl_enter(qtbot, window)
    run = wait_run_ended(qtbot, window)
    out = tmp_path / "program.run.json"
    n = window.replays.save_run(out)
    assert n == len(run.tracer.events()) > 0
    assert window.replays.open_run(out, play=False)
    assert window.scenario_cls is window.program.scenario_cls


def test_lesson_tab_shows_the_guide_of_your_program(window):
    from gui.resources import lesson_text

    open_program(window)
    text = lesson_text(PROGRAM_ID)
    assert text is not None and text.startswith("# Your program")
    assert "2 GiB" in text and "600 seconds" in text  # the limits, said to the learner


def test_program_option_opens_the_window_on_the_file(qtbot, settings, no_new_goroutines, tmp_path):
    from gui.main_window import MainWindow
    from gui.program import open_on_start

    path = tmp_path / "mine.py"
    path.write_text("print('from the command line')\n", encoding="utf-8")
    open_on_start(str(path))  # what main.py --program FILE.py does before the window
    w = MainWindow(settings, remember=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.scenario_cls is w.program.scenario_cls, timeout=5_000)
    assert w.program.editor.text == "print('from the command line')\n"
    qtbot.waitUntil(lambda: "[main] from the command line" in output(w), timeout=10_000)
    w.close()
    assert w.player.wait_stopped(5.0)


def test_be_the_scheduler_on_a_paused_program(window, qtbot):
    open_program(window, NUMBERS)
    window.program.run()
    run = window.program.current_run
    window.player.pause()
    window.teach_tabs.setCurrentWidget(window.scheduler)
    qtbot.waitUntil(lambda: bool(window.scheduler.choices()), timeout=10_000)
    choice = window.scheduler.choices()[0]
    assert choice.name in ("main", "producer")
    with qtbot.waitSignal(window.stepper.stepped, timeout=5_000) as blocker:
        assert window.step_goroutine(choice.g)
    assert blocker.args[1].moved and blocker.args[1].g == choice.g
    window.program.stop()
    qtbot.waitUntil(lambda: run.finished, timeout=3_000)


def test_wait_for_graph_shows_a_programs_blocked_goroutine(window, qtbot):
    open_program(
        window,
        "from core.runtime import Chan, go, sleep\n"
        "ch = Chan(name='never-read')\n"
        "go(lambda: ch.send(1), name='leaker')\n"
        "sleep(30)\n",
    )
    window.program.run()
    run = window.program.current_run
    window.teach_tabs.setCurrentWidget(window.waitfor)

    def leaker_waits() -> bool:
        window.waitfor.refresh(force=True)
        graph = window.waitfor.graph
        return graph is not None and any(
            n.name == "leaker" and n.state == "blocked_send" for n in graph.goroutines.values()
        )

    qtbot.waitUntil(leaker_waits, timeout=10_000)
    window.program.stop()
    qtbot.waitUntil(lambda: run.finished, timeout=3_000)


def test_window_shortcuts_do_not_steal_the_editors_keys(window, qtbot):
    """Space, R, [ ], Left and Right are the window's shortcuts; in the editor they type."""
    open_program(window, "")
    code = window.program.editor.code
    code.setFocus()
    qtbot.keyClicks(code, "r = [1 ]")
    qtbot.keyClick(code, Qt.Key.Key_Left)
    qtbot.keyClick(code, Qt.Key.Key_Left)
    qtbot.keyClicks(code, ",2")
    qtbot.keyClick(code, Qt.Key.Key_Right)
    qtbot.keyClicks(code, "R")
    assert window.program.editor.text == "r = [1,2 R]"
    assert window.player.run is None  # nothing was started, reset or stepped
