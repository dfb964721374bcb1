"""The stage's share of the window: at least 40% in normal mode, 65% in presenter
mode, where the controls become a strip above the stage and the tabs a strip below."""

import pytest
from PySide6.QtCore import Qt

from gui.picture import MIN_SHARE

pytestmark = pytest.mark.timeout(60)


def _share(window) -> float:
    vp = window.stage.viewport()
    return vp.width() * vp.height() / (window.width() * window.height())


@pytest.fixture
def big_window(window, qtbot):
    assert window.open_lesson("worker-pool")
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: window.stage.viewport().width() > 1000, timeout=5000)
    return window


def test_normal_mode_gives_the_stage_its_share(big_window, qtbot):
    big_window.panes.size_docks()
    qtbot.waitUntil(lambda: _share(big_window) >= MIN_SHARE[False], timeout=5000)
    assert big_window.controls_dock.isVisible()
    assert not big_window.presenter_strip.isVisible()


def test_presenter_mode_folds_the_panels_and_mirrors_the_controls(big_window, qtbot):
    w = big_window
    w.set_presenter(True)
    qtbot.waitUntil(lambda: _share(w) >= MIN_SHARE[True], timeout=5000)
    assert not w.controls_dock.isVisible() and not w.catalogue_dock.isVisible()
    assert w.presenter_strip.isVisible() and not w.panes.panels_open
    labels = [b.text() for b in w.presenter_strip.mirrors()]
    actions = [b.text() for b in w.controls.action_buttons()]
    assert labels[-len(actions) :] == actions and "Burst" in actions


def test_a_mirror_presses_the_controls_button(big_window, qtbot):
    w = big_window
    w.set_presenter(True)
    burst = next(b for b in w.presenter_strip.mirrors() if b.text() == "Burst")
    qtbot.waitUntil(burst.isEnabled, timeout=5000)  # the run is live (synced by the strip)
    with qtbot.waitSignal(w.controls.action_requested, timeout=3000) as blocker:
        qtbot.mouseClick(burst, Qt.MouseButton.LeftButton)
    assert blocker.args == ["burst"]


def test_a_tab_opens_the_folded_panels_and_folds_them_again(big_window, qtbot):
    w = big_window
    w.set_presenter(True)
    bar = w.tabs.tabBar()
    current = w.tabs.currentIndex()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(current).center())
    assert w.panes.panels_open
    qtbot.waitUntil(lambda: w.plots.isVisible(), timeout=3000)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(current).center())
    assert not w.panes.panels_open
    qtbot.waitUntil(lambda: _share(w) >= MIN_SHARE[True], timeout=5000)


def test_leaving_presenter_mode_brings_the_docks_and_panels_back(big_window, qtbot):
    w = big_window
    w.set_presenter(True)
    w.set_presenter(False)
    qtbot.waitUntil(lambda: w.controls_dock.isVisible() and w.catalogue_dock.isVisible())
    assert w.panes.panels_open and not w.presenter_strip.isVisible()
    qtbot.waitUntil(lambda: w.plots.isVisible(), timeout=3000)
