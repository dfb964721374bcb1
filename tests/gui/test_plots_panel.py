"""Plots that do not mislead: y from 0, round tops, constants in range, every plot in view."""

from __future__ import annotations

import pytest

from core import scenarios
from core.scenarios._base import Metric
from gui.panels.plots import (
    MIN_CELL_H,
    MIN_CELL_W,
    MetricPlot,
    grid_shape,
    nice_ceiling,
    whole_tick_step,
    y_range,
)
from gui.theme import theme_by_name

LESSONS_WITH_METRICS = [c.id for c in scenarios.catalogue() if c.metrics]


# -- the arithmetic -----------------------------------------------------------------


@pytest.mark.parametrize(
    "x, top", [(0.3, 0.3), (0.31, 0.4), (1.0, 1.0), (1.1, 1.2), (2.2, 2.5), (11, 12), (9000, 10000)]
)
def test_nice_ceiling_is_the_next_round_number(x, top):
    assert nice_ceiling(x) == pytest.approx(top)


def test_a_non_negative_series_starts_at_0():
    assert y_range([9.7, 10.2, 10.4])[0] == 0.0


def test_an_all_zero_series_gets_0_to_1():
    assert y_range([0.0, 0.0, 0.0]) == (0.0, 1.0)


def test_a_constant_sits_high_in_a_range_from_0():
    lo, hi = y_range([2.0] * 20)
    assert lo == 0.0 and 2.0 < hi <= 3.0  # not -5..5, not 1.5..2.5


def test_a_series_with_negative_values_gets_round_bounds_on_both_sides():
    assert y_range([-3.0, 2.0]) == (-4.0, 2.5)


@pytest.mark.parametrize("span", [1, 2.5, 6, 12, 40, 1000])
def test_whole_ticks_are_at_most_five(span):
    step = whole_tick_step(span)
    assert step >= 1 and step == int(step) and span / step <= 5


def test_three_plots_in_a_short_wide_tab_take_two_columns():
    assert grid_shape(3, 470, 250, MIN_CELL_W, MIN_CELL_H) == (2, 2)


def test_the_grid_never_has_more_columns_than_fit():
    for n in range(1, 9):
        rows, cols = grid_shape(n, 470, 200, MIN_CELL_W, MIN_CELL_H)
        assert cols * MIN_CELL_W <= 470 and rows * cols >= n


def test_the_side_by_side_chart_takes_two_places():
    rows, cols = grid_shape(5, 900, 400, MIN_CELL_W, MIN_CELL_H, wide=True)
    assert rows * cols >= 6


# -- one plot -----------------------------------------------------------------------


@pytest.fixture
def plot(qtbot):
    p = MetricPlot(
        Metric("in_flight", "items", "Items in flight"), "accent", theme_by_name("dark"), False
    )
    qtbot.addWidget(p)
    p.resize(300, 200)
    p.show()
    return p


def test_a_constant_metric_is_drawn_in_a_sensible_range(plot):
    t = [k * 0.25 for k in range(40)]
    plot.set_data(t, [2.0] * 40, 30.0)
    assert plot.y_shown == (0.0, 2.5)
    lo, hi = plot.plot.getViewBox().viewRange()[1]
    assert lo == pytest.approx(0.0) and hi == pytest.approx(2.5)


def test_a_rate_is_drawn_from_0(plot):
    t = [k * 0.25 for k in range(40)]
    plot.set_data(t, [9.8 + 0.01 * (k % 3) for k in range(40)], 30.0)
    assert plot.y_shown == (0.0, 12.0)


def test_the_range_follows_the_visible_window_only(plot):
    t = [k * 1.0 for k in range(100)]
    v = [500.0 if k < 10 else 3.0 for k in range(100)]  # an early burst scrolled out of view
    plot.set_data(t, v, 30.0)
    assert plot.y_shown == (0.0, 4.0)


def test_the_latest_value_is_shown_beside_the_title(plot):
    plot.set_data([0.0, 1.0], [1.0, 7.25], 30.0)
    assert plot.value.text() == "7.25"
    assert "items" in plot.heading.text()


# -- the window ---------------------------------------------------------------------


def _cells_in_view(window) -> bool:
    panel = window.plots
    view = panel._scroll.viewport()
    cells = panel._cells()
    if not cells or not all(c.isVisible() for c in cells):
        return False
    for c in cells:
        left = c.mapTo(view, c.rect().topLeft()).x()
        if left < 0 or left + c.width() > view.width():
            return False
    return True


@pytest.mark.parametrize("lesson", LESSONS_WITH_METRICS)
def test_every_plot_is_in_view_without_sideways_scrolling_at_1500_px(window, qtbot, lesson):
    window.resize(1500, 950)
    assert window.open_lesson(lesson, play=False)
    window.tabs.setCurrentWidget(window.plots)  # the chat lesson opens at its Chat tab
    qtbot.waitUntil(lambda: _cells_in_view(window), timeout=3000)
    bar = window.plots._scroll.horizontalScrollBar()
    assert not bar.isVisible() and bar.maximum() == 0
    for c in window.plots._cells():
        assert c.width() >= MIN_CELL_W


def test_a_running_lessons_rate_plot_starts_at_0(window, qtbot):
    window.player.set_speed(5.0)
    window.tabs.setCurrentWidget(window.plots)
    assert window.open_lesson("pipeline")
    throughput = next(p for p in window.plots.plots if p.spec.name == "throughput")
    # Once a rate is measured, the axis starts at 0 and holds it with room above.
    # (The rate itself is not asserted: at 5x a busy machine drops ticks, as Go's
    # ticker does, and the pipeline makes fewer than its 10 items/s.)
    qtbot.waitUntil(lambda: float(throughput.value.text() or 0) >= 4, timeout=5000)
    low, high = throughput.y_shown
    assert low == 0.0 and high > float(throughput.value.text())


def test_metrics_on_the_side_by_side_chart_get_no_second_plot(window):
    assert window.open_lesson("lost-updates", play=False)
    in_chart = {n for n, _l, _c in window.plots.side_by_side.spec.bars}
    names = [p.spec.name for p in window.plots.plots]
    assert names and not in_chart & set(names)
