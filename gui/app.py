"""Start the Goroutine Lab window (``python main.py``).

``main(args)`` takes the options ``main.py`` parsed: ``--scenario``,
``--speed``, ``--theme``, ``--presenter``, ``--param k=v``, ``--seed``,
``--screenshot PATH --quit-after S`` (run the lesson S seconds, save the
window as PNG, or the stage as SVG for a ``.svg`` name, exit) and
``--record PATH --quit-after S`` (record the stage over the first S seconds of
runtime to a GIF, WebP or MP4, exit). Both work with ``QT_QPA_PLATFORM=offscreen``.

Start it through :func:`gui.launcher.main`, which checks the system libraries
Qt needs before PySide6 is imported.
"""

from __future__ import annotations

import argparse
import gc
import signal
import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from core import scenarios
from core.scenarios.headless import describe_actions, describe_params, parse_actions
from gui import resources
from gui.animation_writer import MAX_FPS, format_of
from gui.desktop_entry import APP_ID
from gui.gc_guard import collect_in_gui_thread
from gui.picture import write_description
from gui.settings import APPLICATION, MAX_SPEED, MIN_SPEED, ORGANIZATION, Settings

__all__ = ["main", "parse_params", "parse_size"]

DEFAULT_QUIT_AFTER = 3.0
DEFAULT_RECORD_S = 10.0
RECORD_STALL_S = 3.0  # a runtime clock that stands still this long: the run is over
SCREENSHOT_SIZE = (1600, 1000)
# The GIL's switch interval while the window runs. CPU-bound goroutines would starve
# the GUI thread at Python's default 5 ms (DESIGN.md, performance notes). Measured
# here (bench_gui, 500 goroutines and two spinning threads, 2 vCPUs): about 45-55 fps
# at 1 ms, 55-80 at 0.5 ms; unpinned traced runtime throughput at 0.5 ms against 1 ms:
# ping-pong unchanged, buffered 4p/4c -13%, select fan-in -19%.
SWITCH_INTERVAL_S = 0.0005


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


def parse_size(text: str, option: str = "--record-size") -> tuple[int, int] | None:
    """``"1280x720"`` -> ``(1280, 720)``; ``"stage"`` -> ``None`` (the stage's own size).

    Raises:
        ValueError: not WIDTHxHEIGHT with sides from 16 to 7680.
    """
    if option == "--record-size" and text.strip().lower() == "stage":
        return None
    w, sep, h = text.lower().partition("x")
    try:
        size = (int(w), int(h)) if sep else None
    except ValueError:
        size = None
    if size is None or not all(16 <= v <= 7680 for v in size):
        also = " or 'stage'" if option == "--record-size" else ""
        raise ValueError(f"{option} wants WIDTHxHEIGHT (16 to 7680){also}, got {text!r}")
    return size


def _check_record(args: argparse.Namespace) -> None:
    record = getattr(args, "record", None)
    if not record:
        return
    format_of(record)
    parse_size(getattr(args, "record_size", "1280x720"))
    fps = getattr(args, "record_fps", 15.0)
    if not 1 <= fps <= MAX_FPS:
        raise ValueError(f"--record-fps must be from 1 to {MAX_FPS}, got {fps:g}")
    if args.quit_after is not None and args.quit_after <= 0:
        raise ValueError(f"--quit-after must be more than 0 s, got {args.quit_after:g}")
    if getattr(args, "screenshot", None):
        raise ValueError("use --record or --screenshot, not both")


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
        raise ValueError(f"{exc}\n" + "\n".join(describe_params(cls))) from None
    if getattr(args, "action", None):
        if sid is None:
            raise ValueError("--action needs --scenario")
        known = {a.name for a in cls.actions}
        for _, name in parse_actions(args.action):
            if name not in known:
                raise ValueError(
                    f"{sid} has no action {name!r}\n" + "\n".join(describe_actions(cls))
                )
    return sid, params


def _window_size(args: argparse.Namespace) -> tuple[int, int]:
    text = getattr(args, "window_size", None)
    size = parse_size(text, "--window-size") if text else None
    return size or SCREENSHOT_SIZE


def _inject_actions(window: Any, actions: list[tuple[float, str]]) -> QTimer | None:
    """``--action NAME@T`` in the window: act when the runtime clock reaches each T."""
    if not actions:
        return None
    todo = list(actions)
    timer = QTimer(window)

    def poll() -> None:
        rt = window.player.runtime
        while todo and rt is not None and rt.clock.now() >= todo[0][0]:
            window.player.act(todo.pop(0)[1])
        if not todo:
            timer.stop()

    timer.timeout.connect(poll)
    timer.start(20)
    return timer


def _when_runtime_reaches(window: Any, t: float, then) -> None:
    """Call *then* once the lesson's runtime clock reaches *t* seconds (or, should the
    clock stand still, a pause or a lesson that ended, once that much wall time and a
    grace of 10 s have passed)."""
    timer = QTimer(window)
    started = time.monotonic()

    def poll() -> None:
        rt = window.player.runtime
        now = rt.clock.now() if rt is not None else 0.0
        if now >= t or time.monotonic() - started > t + 10.0:
            timer.stop()
            then()

    timer.timeout.connect(poll)
    timer.start(20)


def main(args: argparse.Namespace | None = None) -> int:
    """Open the window; returns the process exit status."""
    if args is None:
        from core.cli import build_parser  # the console script entry point

        args = build_parser().parse_args()
    try:
        scenario_id, params = _check(args)
        _check_record(args)
        screenshot = getattr(args, "screenshot", None)
        if screenshot and Path(screenshot).suffix.lower() not in (".png", ".svg"):
            raise ValueError(
                f"--screenshot writes .png (the window) or .svg (the stage): {screenshot}"
            )
    except ValueError as exc:
        print(f"goroutine-lab: {exc}", file=sys.stderr)
        return 2

    sys.setswitchinterval(SWITCH_INTERVAL_S)
    running = QApplication.instance()
    app = running if isinstance(running, QApplication) else QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setStyle("Fusion")
    app.setWindowIcon(resources.icon("app"))
    app.setDesktopFileName(APP_ID)  # Wayland finds the icon through the desktop entry
    collect_in_gui_thread()

    from gui.main_window import MainWindow

    record = getattr(args, "record", None)
    scripted = bool(screenshot or record)
    settings = Settings()
    window = MainWindow(
        settings,
        theme=args.theme,
        presenter=True if args.presenter else None,
        speed=args.speed,
        remember=not scripted,
        seed=getattr(args, "seed", None),
    )
    first = scenarios.catalogue()[0].id
    sid = scenario_id or (None if scripted else settings.last_lesson) or first
    if not window.open_lesson(sid, params):
        window.open_lesson(first)
    # The window's ~80,000 long-lived objects (Qt wrappers, pyqtgraph) would make
    # every full garbage collection stall the GUI for ~40 ms; freezing them moves
    # them out of the collector's sight (they live as long as the window anyway).
    gc.collect()
    gc.freeze()

    status = {"code": 0}
    size = _window_size(args)
    actions = _inject_actions(window, parse_actions(getattr(args, "action", None) or []))
    if screenshot:
        window.set_questions(False, remember=False)  # a question would pause the run
        window.resize(*size)
        window.panes.size_docks()
        quit_after = args.quit_after if args.quit_after is not None else DEFAULT_QUIT_AFTER

        def shoot() -> None:
            window.stage.settle()  # the PNG shows what its description says
            if Path(screenshot).suffix.lower() == ".svg":
                from gui.export import save_stage_picture

                try:
                    save_stage_picture(window.stage, screenshot, title=window.windowTitle())
                except OSError as exc:
                    print(f"goroutine-lab: could not write {screenshot}: {exc}", file=sys.stderr)
                    status["code"] = 1
            elif not window.save_window_png(screenshot):
                print(f"goroutine-lab: could not write {screenshot}", file=sys.stderr)
                status["code"] = 1
            else:
                try:
                    write_description(window, Path(screenshot).with_suffix(".json"))
                except OSError as exc:
                    print(f"goroutine-lab: could not describe {screenshot}: {exc}", file=sys.stderr)
                    status["code"] = 1
            window.close()

        _when_runtime_reaches(window, quit_after, shoot)
    recorder = None
    if record:
        window.set_questions(False, remember=False)  # a question would pause the run
        window.resize(*size)
        record_size = parse_size(args.record_size)
        window.panes.size_docks()
    window.show()
    if record:
        recorder = _start_recording(app, window, args, record_size, status)

    # Ctrl+C in the terminal closes the window cleanly; the timer lets Python see the signal.
    previous = signal.signal(signal.SIGINT, lambda *_: window.close())
    wake = QTimer()
    wake.timeout.connect(lambda: None)
    wake.start(250)
    try:
        rc = app.exec()
    finally:
        wake.stop()
        if actions is not None:
            actions.stop()
        signal.signal(signal.SIGINT, previous)
        if recorder is not None:
            recorder.cancel()  # closed before the end (Ctrl+C): nothing half-written is left
    return status["code"] or rc


def _start_recording(app: QApplication, window: Any, args: argparse.Namespace, size, status):
    """``--record``: make the stage about as large as the animation, record, then close."""
    from gui.export import StageRecorder

    if size is not None:  # grow the window until the stage is at least the animation's size
        app.processEvents()
        vp = window.stage.viewport()
        dw, dh = max(0, size[0] - vp.width()), max(0, size[1] - vp.height())
        if dw or dh:
            window.resize(window.width() + dw, window.height() + dh)
            app.processEvents()
    span = args.quit_after if args.quit_after is not None else DEFAULT_RECORD_S

    def clock() -> float | None:
        rt = window.player.runtime
        return None if rt is None else rt.clock.now()

    recorder = StageRecorder(
        window.stage, args.record, span, clock, args.record_fps, size, stall_s=RECORD_STALL_S
    )

    def on_finished(path: str) -> None:
        w = recorder.writer
        print(
            f"recorded {recorder.runtime_done():.1f} s of runtime to {path}: "
            f"{w.frames_written} frames at {recorder.fps:g} fps, {recorder.recorded_s:.1f} s, "
            f"{Path(path).stat().st_size / 1e6:.1f} MB"
        )
        window.close()

    def on_failed(why: str) -> None:
        if why != "cancelled":
            print(f"goroutine-lab: could not record {args.record}: {why}", file=sys.stderr)
            status["code"] = 1
        window.close()

    recorder.finished.connect(on_finished)
    recorder.failed.connect(on_failed)
    QTimer.singleShot(0, recorder.start)
    return recorder
