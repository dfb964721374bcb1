"""Fixtures of the window tests: a window on throw-away settings, and a thread guard.

Every fixture that starts a lesson also stops it and waits for its goroutines.
"""

from __future__ import annotations

import gc
import threading

import pytest
from helpers import wait_until
from PySide6.QtCore import QSettings

from gui.settings import Settings
from gui.stage import StageView
from gui.theme import DARK


@pytest.fixture(autouse=True)
def _garbage_collected_in_the_gui_thread():
    """No goroutine thread runs the cycle collector while a window test runs: it would
    destroy Qt objects off the GUI thread and hang both (see gui.gc_guard). The test's
    garbage is collected here, in the GUI thread, when it ends."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        gc.enable()


def _goroutine_threads() -> set[threading.Thread]:
    """Threads running goroutines right now (the runtime names them ``go:<name>``)."""
    return {t for t in threading.enumerate() if t.name.startswith("go:") and t.is_alive()}


@pytest.fixture
def goroutine_threads():
    """The function that lists the live goroutine threads."""
    return _goroutine_threads


@pytest.fixture
def stage(qtbot) -> StageView:
    """A shown 1000x600 stage, dark theme."""
    v = StageView(DARK)
    qtbot.addWidget(v)
    v.resize(1000, 600)
    v.show()
    return v


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def no_new_goroutines():
    """Fails the test if goroutine threads it started are still alive 5 s after it ended."""
    before = _goroutine_threads()
    yield
    wait_until(
        lambda: not (_goroutine_threads() - before),
        timeout=5.0,
        message="goroutines still alive after the test",
    )


@pytest.fixture
def window(qtbot, settings, no_new_goroutines):
    from gui.main_window import MainWindow

    w = MainWindow(settings, theme="dark", remember=False)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()
    assert w.player.wait_stopped(5.0)
