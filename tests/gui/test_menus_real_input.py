"""The File and Help menus driven as a teacher drives them: shortcuts and the keyboard
in the menus themselves. The file dialogs and message boxes are modal, so they are
replaced by stand-ins that answer (a path) or record what they would have shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from core.teaching import Recording


@pytest.fixture
def shown(monkeypatch) -> list[tuple[str, str]]:
    """(title, text) of every message box the window would have opened."""
    boxes: list[tuple[str, str]] = []
    for name in ("about", "information", "warning"):
        monkeypatch.setattr(
            QMessageBox, name, lambda _parent, title, text, *a, **k: boxes.append((title, text))
        )
    return boxes


def answer_save_with(monkeypatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))


def answer_open_with(monkeypatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))


def running(window, qtbot, lesson: str = "unbuffered-channel") -> None:
    window.player.set_speed(4.0)
    assert window.open_lesson(lesson)
    qtbot.waitUntil(lambda: window.bridge.delivered > 20, timeout=5000)


def menu_named(window, title: str) -> QMenu:
    for action in window.menuBar().actions():
        if action.text().replace("&", "") == title:
            return action.menu()
    raise AssertionError(f"no menu {title!r}")


def choose(qtbot, menu: QMenu, text: str) -> None:
    """Open *menu* and walk down to the item *text* with the arrow keys, then Return."""
    menu.popup(QPoint(0, 0))
    qtbot.waitUntil(menu.isVisible, timeout=3000)
    items = [a for a in menu.actions() if not a.isSeparator() and a.isEnabled()]
    target = next(i for i, a in enumerate(items) if a.text().startswith(text))
    for _ in range(target + 1):
        qtbot.keyClick(menu, Qt.Key.Key_Down)
    assert menu.activeAction() is items[target]
    qtbot.keyClick(menu, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not menu.isVisible(), timeout=3000)


def test_ctrl_s_saves_the_run_and_ctrl_o_opens_it_as_a_replay(
    window, qtbot, monkeypatch, tmp_path, shown
):
    running(window, qtbot)
    path = tmp_path / "class.run.json"
    answer_save_with(monkeypatch, path)
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(path.exists, timeout=5000)
    saved = Recording.load(path)
    assert saved.scenario == "unbuffered-channel" and saved.events
    assert "Saved the run" in window.statusBar().currentMessage()
    answer_open_with(monkeypatch, path)
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.replay is not None, timeout=5000)
    assert shown == []  # no error box on the way


def test_ctrl_e_exports_the_trace_for_perfetto(window, qtbot, monkeypatch, tmp_path, shown):
    running(window, qtbot)
    path = tmp_path / "class.trace.json"
    answer_save_with(monkeypatch, path)
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(path.exists, timeout=5000)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["traceEvents"] and doc["displayTimeUnit"] == "ms"
    assert shown == []


def test_file_save_run_from_the_menu_with_the_keyboard(window, qtbot, monkeypatch, tmp_path, shown):
    running(window, qtbot)
    path = tmp_path / "from-menu.run.json"
    answer_save_with(monkeypatch, path)
    choose(qtbot, menu_named(window, "File"), "Save run")
    qtbot.waitUntil(path.exists, timeout=5000)
    assert Recording.load(path).scenario == "unbuffered-channel"


def test_help_shortcuts_with_f1_and_about_from_the_menu(window, qtbot, shown):
    qtbot.keyClick(window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=3000)
    title, text = shown[0]
    assert title == "Keyboard shortcuts" and "Space\tplay / pause" in text
    choose(qtbot, menu_named(window, "Help"), "About")
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=3000)
    title, text = shown[1]
    assert title.startswith("About") and "lessons" in text
