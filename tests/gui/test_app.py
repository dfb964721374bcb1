"""gui.app.main: the command line of the window."""

from __future__ import annotations

import gc
import sys

import pytest
from PySide6.QtGui import QImage

from gui.app import SWITCH_INTERVAL_S, main, parse_params
from main import build_parser


def test_screenshot_runs_the_lesson_and_saves_a_png(qtbot, tmp_path, no_new_goroutines):
    path = tmp_path / "shot.png"
    interval = sys.getswitchinterval()
    args = build_parser().parse_args(
        [
            "--scenario",
            "select",
            "--theme",
            "light",
            "--screenshot",
            str(path),
            "--quit-after",
            "0.5",
        ]
    )
    try:
        assert main(args) == 0
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S)
    finally:
        sys.setswitchinterval(interval)
        gc.unfreeze()  # main() froze the test process's heap, as it does the app's
    image = QImage(str(path))
    assert image.width() >= 1000 and image.height() >= 700


def test_unknown_lesson_exits_with_a_message(capsys):
    assert main(build_parser().parse_args(["--scenario", "no-such-lesson"])) == 2
    assert "no scenario" in capsys.readouterr().err


def test_out_of_range_parameter_exits_with_a_message(capsys):
    args = build_parser().parse_args(["--scenario", "cancel-by-close", "--param", "workers=99"])
    assert main(args) == 2
    assert "workers" in capsys.readouterr().err


def test_params_are_parsed_as_name_value_pairs():
    assert parse_params(["a=1", " b = x "]) == {"a": "1", "b": "x"}
