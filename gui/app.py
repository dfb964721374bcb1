"""Start the Goroutine Lab window (``python main.py``).

``main(args)`` takes the options ``main.py`` parsed: ``--scenario``,
``--speed``, ``--theme``, ``--presenter``, ``--param k=v``, ``--seed`` and
``--screenshot PATH --quit-after S`` (run the lesson S seconds, save the
window as PNG, exit; works with ``QT_QPA_PLATFORM=offscreen``).
"""

from __future__ import annotations

import argparse
import gc
import signal
import sys
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from core import scenarios
from gui.settings import APPLICATION, MAX_SPEED, MIN_SPEED, ORGANIZATION, Settings

__all__ = ["main", "parse_params"]

DEFAULT_QUIT_AFTER = 3.0
SCREENSHOT_SIZE = (1600, 1000)


def parse_params(pairs: list[str]) -> dict[str, str]:
    """``["workers=4", "variant=broken"]`` -> ``{"workers": "4", "variant": "broken"}``.

    Raises:
        ValueError: an item has no ``=`` or an empty name.
    """
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--param wants NAME=VALUE, got {pair!r}")
        out[name.strip()] = value.strip()
    return out


def _check(args: argparse.Namespace) -> tuple[str | None, dict[str, Any]]:
    """The lesson id and its parameters, checked; raises ``ValueError`` with a message."""
    if args.speed is not None and not (MIN_SPEED <= args.speed <= MAX_SPEED):
        raise ValueError(f"--speed must be from {MIN_SPEED} to {MAX_SPEED:g}, got {args.speed}")
    params = parse_params(getattr(args, "param", None) or [])
    sid = args.scenario
    if sid is None:
        if params:
            raise ValueError("--param needs --scenario")
        return None, {}
    try:
        cls = scenarios.get(sid)
    except KeyError as exc:
        raise ValueError(exc.args[0]) from None
    try:
        cls(**params)  # validates every value, naming the parameter and its range
    except ValueError as exc:
        raise ValueError(str(exc)) from None
    return sid, params


def main(args: argparse.Namespace | None = None) -> int:
    """Open the window; returns the process exit status."""
    if args is None:
        from core.cli import build_parser  # the console script entry point

        args = build_parser().parse_args()
    try:
        scenario_id, params = _check(args)
    except ValueError as exc:
        print(f"goroutine-lab: {exc}", file=sys.stderr)
        return 2

    # CPU-bound goroutines would starve the GUI through the GIL at the default
    # 5 ms switch interval (DESIGN.md, performance notes); the window sets 1 ms.
    sys.setswitchinterval(0.001)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setStyle("Fusion")

    from gui.main_window import MainWindow

    screenshot = getattr(args, "screenshot", None)
    settings = Settings()
    window = MainWindow(
        settings,
        theme=args.theme,
        presenter=True if args.presenter else None,
        speed=args.speed,
        remember=screenshot is None,
        seed=getattr(args, "seed", None),
    )
    first = scenarios.catalogue()[0].id
    sid = scenario_id or (None if screenshot else settings.last_lesson) or first
    if not window.open_lesson(sid, params):
        window.open_lesson(first)
    # The window's ~80,000 long-lived objects (Qt wrappers, pyqtgraph) would make
    # every full garbage collection stall the GUI for ~40 ms; freezing them moves
    # them out of the collector's sight (they live as long as the window anyway).
    gc.collect()
    gc.freeze()

    status = {"code": 0}
    if screenshot:
        window.resize(*SCREENSHOT_SIZE)
        window.size_docks()
        quit_after = args.quit_after if args.quit_after is not None else DEFAULT_QUIT_AFTER

        def shoot() -> None:
            if not window.save_window_png(screenshot):
                print(f"goroutine-lab: could not write {screenshot}", file=sys.stderr)
                status["code"] = 1
            window.close()

        QTimer.singleShot(max(0, int(quit_after * 1000)), shoot)
    window.show()

    # Ctrl+C in the terminal closes the window cleanly; the timer lets Python see the signal.
    previous = signal.signal(signal.SIGINT, lambda *_: window.close())
    wake = QTimer()
    wake.timeout.connect(lambda: None)
    wake.start(250)
    try:
        rc = app.exec()
    finally:
        wake.stop()
        signal.signal(signal.SIGINT, previous)
    return status["code"] or rc
