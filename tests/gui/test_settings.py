"""Settings: remembered values come back checked."""

from __future__ import annotations

import math

from PySide6.QtWidgets import QMainWindow

from gui.settings import Settings


def test_values_survive_a_new_settings_object(settings):
    settings.theme = "light"
    settings.speed = 2.5
    settings.last_lesson = "select"
    settings.presenter = True
    settings.sync()
    again = Settings(settings.store)
    assert (again.theme, again.speed, again.last_lesson, again.presenter) == (
        "light",
        2.5,
        "select",
        True,
    )


def test_bad_stored_values_fall_back_to_defaults(settings):
    settings.store.setValue("view/theme", "purple")
    settings.store.setValue("run/speed", "fast")
    assert settings.theme == "dark"
    assert settings.speed == 1.0


def test_speed_is_clamped(settings):
    settings.speed = 1000
    assert settings.speed == 20.0
    settings.speed = math.nan
    assert settings.speed == 1.0


def test_window_geometry_round_trips(qtbot, settings):
    w = QMainWindow()
    qtbot.addWidget(w)
    w.resize(700, 500)
    settings.save_window(w)
    w2 = QMainWindow()
    qtbot.addWidget(w2)
    assert settings.restore_window(w2)
    assert w2.size().width() == 700
