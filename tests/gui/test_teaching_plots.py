"""Same load, side by side: lost-updates' three counters and the lost increments on one chart."""

from __future__ import annotations


def test_lost_updates_shows_three_counters_and_the_lost_on_one_chart(window, qtbot):
    window.player.set_speed(5.0)
    window.tabs.setCurrentWidget(window.plots)
    assert window.open_lesson("lost-updates")
    chart = window.plots.side_by_side
    assert [name for name, _label, _color in chart.spec.bars] == [
        "expected",
        "bad",
        "safe",
        "atomic",
        "lost",
    ]
    recorder = window.player.scenario.recorder
    qtbot.waitUntil(lambda: recorder.last("lost") is not None, timeout=5000)
    qtbot.waitUntil(lambda: None not in chart.values, timeout=3000)
    window.plots.refresh()
    heights = list(chart.bars.opts["height"])
    assert heights == [recorder.last(n) for n in ("expected", "bad", "safe", "atomic", "lost")]
    assert [label.toPlainText() for label in chart.labels] == [f"{h:,.0f}" for h in heights]


def test_other_lessons_have_no_side_by_side_chart(window):
    window.open_lesson("buffered-channel", play=False)
    assert window.plots.side_by_side is None
