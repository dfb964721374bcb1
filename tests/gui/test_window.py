"""The main window: lessons play, controls act, views follow, closing is clean."""

from __future__ import annotations

import json

import pytest
from helpers import wait_until
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from core import scenarios
from core.trace import Kind
from gui.player import PlayerState

LESSON_IDS = [s.id for s in scenarios.catalogue()]


def open_and_wait(window, qtbot, lesson: str, values=None) -> None:
    assert window.open_lesson(lesson, values)
    qtbot.waitUntil(lambda: window.bridge.delivered > 0, timeout=3000)


def stop(window, qtbot) -> None:
    run = window.player.run
    with qtbot.waitSignal(window.player.stopped, timeout=5000):
        window.player.stop()
    assert run.runtime.goroutines() == []


def test_window_opens_with_every_panel(window):
    assert window.isVisible()
    tabs = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert tabs == ["Plots", "Timeline", "Events", "Code", "Lesson"]
    # Every lesson, and "Your program" (the learner's own code) first.
    assert window.catalogue.visible_ids()[0] == "program"
    assert sorted(window.catalogue.visible_ids()) == sorted([*LESSON_IDS, "program"])


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_every_lesson_starts_animates_and_stops(window, qtbot, lesson):
    open_and_wait(window, qtbot, lesson)
    assert window.player.state == PlayerState.RUNNING
    assert window.title_label.text() == scenarios.get(lesson).title
    qtbot.waitUntil(lambda: window.events.model.rowCount() > 0, timeout=3000)
    qtbot.waitUntil(lambda: len(window.stage.scene().items()) > 0, timeout=3000)
    stop(window, qtbot)


def test_selecting_in_the_catalogue_opens_the_lesson(window, qtbot):
    window.catalogue.select("select", notify=True)
    qtbot.waitUntil(lambda: window.bridge.delivered > 0, timeout=3000)
    assert window.scenario_cls.id == "select"


def test_catalogue_search_filters_lessons(window):
    window.catalogue.search_box.setText("worker-pool")
    assert window.catalogue.visible_ids() == ["worker-pool"]
    window.catalogue.search_box.setText("your program")
    assert window.catalogue.visible_ids() == ["program"]
    window.catalogue.search_box.setText("")
    assert len(window.catalogue.visible_ids()) == len(LESSON_IDS) + 1


def test_space_pauses_and_resumes(window, qtbot):
    open_and_wait(window, qtbot, "unbuffered-channel")
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.player.state == PlayerState.PAUSED
    assert window.player.runtime.clock.paused
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.player.state == PlayerState.RUNNING


def test_r_resets_the_lesson(window, qtbot):
    open_and_wait(window, qtbot, "unbuffered-channel")
    first = window.player.run
    with qtbot.waitSignal(window.player.started, timeout=2000):
        qtbot.keyClick(window, Qt.Key.Key_R)
    assert window.player.run is not first


def test_right_arrow_steps_while_paused(window, qtbot):
    open_and_wait(window, qtbot, "unbuffered-channel")
    rt = window.player.runtime
    qtbot.keyClick(window, Qt.Key.Key_Space)
    seq = window.player.tracer.last_seq
    for _ in range(30):
        qtbot.keyClick(window, Qt.Key.Key_Right)
        try:
            qtbot.waitUntil(
                lambda: any(ev.kind is Kind.GO_STEP for ev in window.player.tracer.since(seq)[0]),
                timeout=300,
            )
            break
        except qtbot.TimeoutError:
            continue  # a step that only advanced the clock to the next timer
    assert rt.clock.paused
    assert any(ev.kind is Kind.GO_STEP for ev in window.player.tracer.since(seq)[0])


def test_speed_slider_sets_the_clock_speed(window, qtbot):
    open_and_wait(window, qtbot, "unbuffered-channel")
    slider = window.controls.speed.slider
    slider.setValue(slider.maximum())
    assert window.player.runtime.clock.speed == 20.0
    assert "20×" in window.status_speed.text()


def test_cancel_button_stops_every_worker(window, qtbot):
    open_and_wait(window, qtbot, "cancel-by-close")
    scenario = window.player.scenario
    qtbot.waitUntil(lambda: scenario._running > 0, timeout=3000)
    qtbot.mouseClick(window.controls.action_button("cancel"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: scenario._running == 0, timeout=5000)
    qtbot.waitUntil(
        lambda: any(
            window.events.model.row(i)[6] is Kind.CHAN_CLOSE
            for i in range(window.events.model.rowCount())
        ),
        timeout=3000,
    )


def test_changing_a_parameter_restarts_with_the_new_value(window, qtbot):
    open_and_wait(window, qtbot, "cancel-by-close")
    first = window.player.run
    window.controls.params.widget("workers").setValue(2)
    qtbot.waitUntil(lambda: window.player.run is not first, timeout=3000)
    assert window.player.scenario["workers"] == 2


def test_refused_parameter_falls_back_to_the_default(window, qtbot):
    open_and_wait(window, qtbot, "cancel-by-close", {"workers": 999})
    assert (
        window.player.scenario["workers"]
        == scenarios.get("cancel-by-close").param("workers").default
    )
    assert "workers" in window.statusBar().currentMessage()


def test_panic_shows_a_banner_in_gos_words(window, qtbot):
    open_and_wait(window, qtbot, "closed-channel-panic", {"variant": "broken"})
    qtbot.waitUntil(lambda: window.stage.banner_kind == "panic", timeout=8000)
    text = window.stage.banner_text
    assert text.startswith("panic: ") and "goroutine" in text


def test_deadlock_shows_a_banner_in_gos_words(window, qtbot):
    open_and_wait(window, qtbot, "deadlock", {"variant": "broken"})
    qtbot.waitUntil(lambda: window.stage.banner_kind == "deadlock", timeout=8000)
    assert "fatal error: all goroutines are asleep - deadlock!" in window.stage.banner_text
    assert window.state_badge.text() == "DEADLOCK"


def test_reset_clears_the_banner(window, qtbot):
    open_and_wait(window, qtbot, "deadlock", {"variant": "broken"})
    qtbot.waitUntil(lambda: window.stage.banner_kind == "deadlock", timeout=8000)
    window.reset_lesson()
    assert window.stage.banner_text == ""


def test_theme_switch_restyles_the_window(window, qtbot):
    window.set_theme("light")
    assert window.theme.name == "light"
    assert window.theme.background in window.styleSheet()
    window.set_theme("dark")
    assert window.menus.dark.isChecked()


def test_f11_toggles_presenter_mode(window, qtbot):
    assert not window.presenter
    qtbot.keyClick(window, Qt.Key.Key_F11)
    assert window.presenter
    assert "15pt" in window.styleSheet()
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert not window.presenter


def test_export_trace_writes_chrome_json(window, qtbot, tmp_path):
    open_and_wait(window, qtbot, "unbuffered-channel")
    path = tmp_path / "t.json"
    n = window.export_trace(path)
    data = json.loads(path.read_text())
    assert n > 0 and len(data["traceEvents"]) >= n


def test_save_window_and_stage_as_png(window, qtbot, tmp_path):
    open_and_wait(window, qtbot, "unbuffered-channel")
    assert window.save_window_png(tmp_path / "w.png")
    assert window.save_stage_png(tmp_path / "s.png")
    assert QImage(str(tmp_path / "w.png")).width() == window.width()


def test_plots_follow_the_metrics(window, qtbot):
    open_and_wait(window, qtbot, "buffered-channel")
    cls = scenarios.get("buffered-channel")
    assert [p.spec.name for p in window.plots.plots] == [m.name for m in cls.metrics]
    qtbot.waitUntil(lambda: window.plots.redraws > 0, timeout=5000)


def test_lesson_and_code_tabs_show_the_lesson(window, qtbot):
    window.open_lesson("unbuffered-channel", play=False)
    window.tabs.setCurrentWidget(window.code)
    assert "class" in window.code.python_view.toPlainText()
    assert "func main" in window.code.go_view.toPlainText()
    window.tabs.setCurrentWidget(window.lesson)
    assert window.lesson.view.toPlainText().strip()


def test_switching_lessons_fifty_times_leaves_no_goroutine(window, qtbot, goroutine_threads):
    before = goroutine_threads()
    for i in range(50):
        window.open_lesson(LESSON_IDS[i % len(LESSON_IDS)])
        qtbot.wait(1)
    window.player.stop()
    assert window.player.wait_stopped(10.0)
    wait_until(lambda: not (goroutine_threads() - before), timeout=5.0)


def test_closing_mid_run_stops_everything(qtbot, settings, no_new_goroutines):
    from gui.main_window import MainWindow

    w = MainWindow(settings, remember=False)
    qtbot.addWidget(w)
    w.show()
    open_and_wait(w, qtbot, "worker-pool")
    run = w.player.run
    w.close()
    assert run.runtime.stopped
    assert run.runtime.goroutines() == []
    assert not w.bridge.active


def test_window_remembers_theme_speed_and_lesson(qtbot, settings, no_new_goroutines):
    from gui.main_window import MainWindow

    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.open_lesson("select", play=False)
    w.set_theme("light")
    w.controls.speed.slider.setValue(w.controls.speed.to_position(2.0))
    w.close()
    assert (settings.theme, settings.speed, settings.last_lesson) == ("light", 2.0, "select")


def test_shutdown_button_drains_the_pool(window, qtbot):
    open_and_wait(window, qtbot, "worker-pool")
    window.player.set_speed(5.0)
    scenario = window.player.scenario
    qtbot.waitUntil(lambda: scenario.pool is not None, timeout=3000)
    qtbot.waitUntil(lambda: scenario.pool.statistics().accepted > 3, timeout=5000)
    qtbot.mouseClick(window.controls.action_button("shutdown"), Qt.MouseButton.LeftButton)

    def shut_down_note() -> str:
        notes = [ev.value for ev in window.player.tracer.events() if ev.kind is Kind.NOTE]
        return next((n for n in notes if n.startswith("pool shut down:")), "")

    qtbot.waitUntil(lambda: shut_down_note() != "", timeout=8000)
    # "pool shut down: 12 jobs accepted, 12 results (1 failed)": every accepted job ran.
    words = shut_down_note().split()
    assert int(words[3]) > 3 and words[3] == words[6], shut_down_note()
    model = window.events.model
    qtbot.waitUntil(
        lambda: any(model.row(i)[5] == shut_down_note() for i in range(model.rowCount())),
        timeout=3000,
    )


def test_closing_while_paused_stops_everything(qtbot, settings, no_new_goroutines):
    from gui.main_window import MainWindow

    w = MainWindow(settings, remember=False)
    qtbot.addWidget(w)
    w.show()
    open_and_wait(w, qtbot, "unbuffered-channel")
    run = w.player.run
    w.player.pause()
    assert run.runtime.clock.paused
    w.close()
    assert run.runtime.stopped
    assert run.runtime.goroutines() == []
