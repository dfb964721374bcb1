"""What the stage leaves out (plumbing), its clock, and a banner that leaves the drawing in view."""

from __future__ import annotations

from helpers import TraceMaker as Trace

from core.trace import Kind, TraceEvent
from gui.stage.view import DEFAULT_PLUMBING


def lesson_with_plumbing(tr: Trace) -> list[TraceEvent]:
    """A worker waiting on "jobs", a sampler ("meter") waiting on the root context's Done."""
    return [
        *tr.go(1, "worker"),
        *tr.go(2, "meter"),
        tr.chan(100, "jobs"),
        tr.chan(101, "lesson.root.Done"),
        tr.recv_block(1, 100, "jobs"),
        tr.recv_block(2, 101, "lesson.root.Done"),
    ]


def test_default_plumbing_is_not_drawn(stage):
    stage.apply_events(lesson_with_plumbing(Trace()))
    assert stage.hidden_names == DEFAULT_PLUMBING
    assert stage.goroutine_item(1) is not None and stage.channel_item(100) is not None
    assert stage.goroutine_item(2) is None and stage.channel_item(101) is None
    assert 2 in stage.model.goroutines  # the model still tracks it


def test_hidden_items_have_no_lines(stage):
    stage.apply_events(lesson_with_plumbing(Trace()))
    stage.tick()
    lines = sum(len(curves) + len(straight) for _, curves, straight in stage._edges.groups)
    assert lines == 1  # worker <- jobs; none to the hidden sampler


def test_showing_plumbing_brings_hidden_items_back(stage):
    stage.apply_events(lesson_with_plumbing(Trace()))
    stage.set_hidden_names(())
    assert stage.goroutine_item(2) is not None and stage.channel_item(101) is not None
    assert stage.goroutine_item(2).isVisible()


def test_hiding_again_removes_them(stage):
    stage.apply_events(lesson_with_plumbing(Trace()))
    stage.set_hidden_names(())
    stage.set_hidden_names(("work*",))
    assert stage.goroutine_item(1) is None
    assert stage.goroutine_item(2) is not None


def test_status_line_counts_hidden_goroutines_apart(stage):
    stage.apply_events(lesson_with_plumbing(Trace()))
    stage.set_time(0.0)
    assert "1 goroutine " in stage.status_text + " "
    assert "1 plumbing hidden" in stage.status_text


def test_status_line_shows_the_clock_it_is_given(stage):
    stage.apply_events(lesson_with_plumbing(Trace()))
    stage.set_time(12.34)
    assert stage.status_text.startswith("t = 12.3 s")


def test_deadlock_banner_leaves_most_of_the_stage_in_view(stage):
    report = "fatal error: all goroutines are asleep - deadlock!\n\n" + "\n".join(
        f"goroutine {g} [chan receive]: worker {g} on jobs" for g in range(1, 30)
    )
    stage.show_banner(report, "deadlock")
    assert stage.banner_text == report  # the whole text, even if the banner shows less
    assert stage.banner_geometry.height() <= stage.viewport().height() * 0.35


def test_window_hides_the_default_and_the_lessons_plumbing(window, monkeypatch):
    from core import scenarios
    from gui.stage.view import DEFAULT_PLUMBING

    monkeypatch.setattr(scenarios.get("select"), "plumbing", ("source c",), raising=False)
    window.open_lesson("select", play=False)
    assert window.stage.hidden_names == (*DEFAULT_PLUMBING, "source c")


def test_show_plumbing_turns_hiding_off(window):
    window.open_lesson("select", play=False)
    assert not window.menus.plumbing.isChecked()
    window.menus.plumbing.trigger()
    assert window.show_plumbing and window.stage.hidden_names == ()


def test_show_plumbing_is_remembered(qtbot, settings):
    from gui.main_window import MainWindow

    w = MainWindow(settings, theme="dark", questions=False)
    qtbot.addWidget(w)
    w.set_show_plumbing(True)
    again = MainWindow(settings, theme="dark", questions=False)
    qtbot.addWidget(again)
    assert again.menus.plumbing.isChecked() and again.show_plumbing


def test_a_hidden_done_channel_and_plumbing_activity_stay_out_of_status_lines(window, qtbot):
    """The root context's Done() is plumbing though drawn with "()"; a goroutine's last
    operation on plumbing (the bucket's own lock) is not shown either."""
    window.player.set_speed(2.0)
    assert window.open_lesson("rate-limiter")
    stage = window.stage
    assert stage.hides("rate-limiter.root.Done") and stage.hides("bucket.mu")

    def lines() -> list[str]:
        return [i._status + " | " + i._activity(i._g) for i in stage.item_tables()["g"].values()]

    qtbot.waitUntil(lambda: len(lines()) >= 4, timeout=5000)
    qtbot.waitUntil(lambda: any("allowed" in s or "rejected" in s for s in lines()), timeout=5000)
    assert not any(".root.Done" in s or "bucket.mu" in s for s in lines())


def test_every_line_is_drawn_with_an_opaque_pen(stage):
    """Faint lines are mixed with the background, not translucent: Qt strokes an
    antialiased curve about 6x slower with a translucent pen (a 200-goroutine
    stage fell to 16 fps redrawing its "uses" lines)."""
    tr = Trace()
    stage.apply_events(
        [
            *lesson_with_plumbing(tr),
            *tr.go(3, "producer"),
            tr(Kind.CHAN_SEND, g=3, obj=100, name="jobs", value="1", extra=(1,)),
        ]
    )
    stage.settle()
    pens = [pen for pen, curves, straight in stage._edges.groups if curves or straight]
    assert len(pens) == 2  # the worker's wait, the producer's use
    assert all(pen.color().alpha() == 255 for pen in pens)
