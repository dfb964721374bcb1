"""The Code tab: opens at what the stage shows, marks where a goroutine stands, and
runs the Go version with the lesson's numbers."""

from __future__ import annotations

import inspect

import pytest
from PySide6.QtGui import QTextCursor

from core import scenarios
from gui import resources
from gui.panels.code import CodePanel, flag_name, go_duration, go_flags, go_run_command
from gui.player import PlayerState

LESSONS = [c.id for c in scenarios.catalogue()]


# -- the Go programs' flags -----------------------------------------------------------


def _lesson_default(param) -> object:
    if param.unit == "s":
        return float(param.default)
    if param.unit == "ms":
        return param.default / 1000
    return param.default


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_go_program_takes_the_lessons_parameters_as_flags_with_its_defaults(lesson):
    cls = scenarios.get(lesson)
    source = resources.go_source(lesson)
    assert source is not None, f"resources/go/{lesson}.go is missing"
    flags = {f.name: f for f in go_flags(source)}
    assert set(flags) == {flag_name(p) for p in cls.params}
    for p in cls.params:
        f = flags[flag_name(p)]
        want = _lesson_default(p)
        if isinstance(want, float):
            assert f.default == pytest.approx(want), p.name
        else:
            assert f.default == want, p.name


def test_buffered_channel_runs_with_the_lessons_capacity():
    cls = scenarios.get("buffered-channel")
    line = go_run_command(cls, {}, resources.go_source("buffered-channel"))
    assert line == (
        "go run buffered-channel.go -capacity=4 -producer-interval=150ms -consumer-delay=200ms"
    )


def test_the_go_run_line_follows_the_values():
    cls = scenarios.get("lost-updates")
    line = go_run_command(cls, {"goroutines": 8, "gap": 0}, resources.go_source("lost-updates"))
    assert line == "go run lost-updates.go -goroutines=8 -increments=20 -rate=5 -gap=0ms"


@pytest.mark.parametrize(
    "seconds, text", [(0.3, "300ms"), (0.05, "50ms"), (1.0, "1s"), (1.5, "1.5s"), (4.0, "4s")]
)
def test_durations_are_written_as_go_reads_them(seconds, text):
    assert go_duration(seconds) == text


def test_an_unreadable_default_is_refused_not_guessed():
    with pytest.raises(ValueError, match="-gap"):
        go_flags('x := flag.Duration("gap", someCall(), "the gap")')


# -- the panel --------------------------------------------------------------------------


@pytest.fixture
def code_tab(window, qtbot):
    window.resize(1500, 950)
    window.tabs.setCurrentWidget(window.code)
    return window.code


def test_the_code_tab_opens_at_the_scenarios_run(window, code_tab, qtbot):
    assert window.open_lesson("pipeline", play=False)
    cls = scenarios.get("pipeline")
    assert code_tab.module_choice.currentText() == cls.__module__
    view = code_tab.python_view
    qtbot.waitUntil(lambda: view.verticalScrollBar().value() > 0, timeout=3000)
    top = view.cursorForPosition(view.viewport().rect().topLeft()).blockNumber() + 1
    assert top == inspect.getsourcelines(cls.run)[1]
    assert "def run(self, ctx" in view.document().findBlockByNumber(top - 1).text()


def test_narrow_the_panes_take_turns_at_full_width(window, code_tab, qtbot):
    assert window.open_lesson("pipeline", play=False)
    assert code_tab.width() < CodePanel.WIDE  # the tab beside the teaching tabs at 1500 px
    assert code_tab.python_view.isVisible() and not code_tab.go_view.isVisible()
    qtbot.waitUntil(lambda: code_tab.python_view.width() >= code_tab.width() - 30)
    code_tab.show_go_button.click()
    assert code_tab.go_view.isVisible() and not code_tab.python_view.isVisible()
    qtbot.waitUntil(lambda: code_tab.go_view.width() >= code_tab.width() - 30)


def test_wide_the_panes_stand_side_by_side(qtbot):
    from gui.theme import theme_by_name

    panel = CodePanel(theme_by_name("dark"))
    qtbot.addWidget(panel)
    panel.resize(CodePanel.WIDE + 200, 500)
    panel.show()
    panel.set_scenario(scenarios.get("pipeline"))
    qtbot.waitUntil(lambda: panel.python_view.isVisible() and panel.go_view.isVisible())
    assert not panel.show_go_button.isVisible()
    assert min(panel.python_view.width(), panel.go_view.width()) >= 500


def test_the_go_run_line_shows_the_runs_parameters(window, code_tab, qtbot):
    assert window.open_lesson("buffered-channel", {"capacity": 2})
    qtbot.waitUntil(lambda: "-capacity=2 " in code_tab.go_command_line(), timeout=3000)
    assert code_tab.go_command_line().startswith("go run buffered-channel.go")


def test_a_paused_goroutine_s_line_is_marked(window, code_tab, qtbot):
    window.player.set_speed(2.0)
    assert window.open_lesson("unbuffered-channel")
    qtbot.waitUntil(lambda: window.bridge.delivered > 20, timeout=5000)
    window.player.pause()
    assert window.player.state == PlayerState.PAUSED
    qtbot.waitUntil(lambda: code_tab.position is not None, timeout=3000)
    pos = code_tab.position
    shown = code_tab.module_choice.currentText()
    # The marked line is the goroutine's line in the module on screen, and is in view.
    selections = code_tab.python_view.extraSelections()
    assert len(selections) == 1
    block = selections[0].cursor.block()
    assert block.blockNumber() + 1 == pos.line == code_tab.marked_line
    view = code_tab.python_view
    assert view.viewport().rect().intersects(view.cursorRect(QTextCursor(block)))
    assert shown.rsplit(".", 1)[-1] in pos.filename.replace("/", ".")
    assert pos.name in code_tab.position_label.text()
    window.player.resume()
    qtbot.waitUntil(lambda: not code_tab.python_view.extraSelections(), timeout=3000)


def test_the_selected_goroutine_is_the_one_marked(window, code_tab, qtbot):
    window.player.set_speed(2.0)
    assert window.open_lesson("unbuffered-channel")
    qtbot.waitUntil(lambda: window.bridge.delivered > 20, timeout=5000)
    window.player.pause()
    qtbot.waitUntil(lambda: code_tab.position is not None, timeout=3000)
    others = [g for g in window.player.runtime.goroutines() if g.id != code_tab.position.g]
    from core.teaching import source_positions
    from gui.panels.code import python_file

    files = [python_file(m) for m in scenarios.get("unbuffered-channel").source_modules]
    standing = {p.g for p in source_positions(others, [f for f in files if f])}
    if not standing:
        pytest.skip("only one goroutine stands in the lesson's code at this pause")
    g = min(standing)
    window._on_goroutine_clicked(g)
    qtbot.waitUntil(lambda: code_tab.position is not None and code_tab.position.g == g)


def test_the_go_version_opens_at_func_main(window, code_tab, qtbot):
    assert window.open_lesson("buffered-channel", play=False)
    code_tab.show_go_button.click()
    view = code_tab.go_view

    def top_line() -> str:
        return view.cursorForPosition(view.viewport().rect().topLeft()).block().text()

    qtbot.waitUntil(lambda: top_line().startswith("func main()"), timeout=3000)
