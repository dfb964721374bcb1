"""The command line of Goroutine Lab (``main.py`` and the ``goroutine-lab`` script)."""

from __future__ import annotations

import argparse

__all__ = ["build_parser"]


class _Given(argparse.Action):
    """Store the value and note that it was given (``--duration``: a lesson's default
    is 5 s, a program's limit 60 s)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        setattr(namespace, self.dest, values)
        setattr(namespace, f"{self.dest}_given", True)


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``goroutine-lab`` / ``main.py`` (window, headless, program)."""
    p = argparse.ArgumentParser(
        prog="goroutine-lab",
        description="Goroutine Lab: watch Go's concurrency patterns run, pause them, step them, "
        "break them.",
        epilog="Exit status: 0 ok, 1 a file could not be written, 2 a wrong option, "
        "3 a system library that Qt needs is missing (the message says what to install).",
    )
    p.add_argument(
        "--scenario", metavar="ID", help="the lesson to open or run (see --list-scenarios)"
    )
    p.add_argument(
        "--speed",
        type=float,
        default=None,
        metavar="X",
        help="runtime clock speed, 0.05 to 20 (default 1.0)",
    )
    p.add_argument("--theme", choices=("dark", "light"), help="colour theme of the window")
    p.add_argument(
        "--presenter",
        action="store_true",
        help="presenter mode: large fonts and thick strokes for a projector",
    )
    p.add_argument(
        "--screenshot",
        metavar="PATH",
        help="run the lesson, then save PATH and exit: PATH.png is the window, "
        "PATH.svg the stage as vectors (for slides)",
    )
    p.add_argument(
        "--record",
        metavar="PATH",
        help="record the stage over the first --quit-after seconds of runtime to PATH "
        "(.gif, .webp or .mp4), then exit",
    )
    p.add_argument(
        "--window-size",
        metavar="WxH",
        default=None,
        help="the window's size in pixels with --screenshot or --record (default 1600x1000)",
    )
    p.add_argument(
        "--program",
        metavar="FILE.py",
        help="your own program, written against core.runtime: open it in the window's editor, "
        "or with --headless run it as Go runs a program (exit status 0; 1 a syntax error; "
        "2 a panic, fatal error or deadlock; 124 stopped by --duration)",
    )
    p.add_argument(
        "--record-size",
        metavar="WxH",
        default="1280x720",
        help="with --record: the animation's size in pixels (default 1280x720; "
        "'stage' for the stage's own size)",
    )
    p.add_argument(
        "--record-fps",
        type=float,
        default=15.0,
        metavar="N",
        help="with --record: frames per second (default 15)",
    )
    p.add_argument(
        "--quit-after",
        type=float,
        default=None,
        metavar="S",
        help="with --screenshot: seconds to run before the screenshot (default 3); "
        "with --record: seconds of runtime to record (default 10)",
    )
    p.add_argument(
        "--install-desktop-entry",
        action="store_true",
        help="add Goroutine Lab to the desktop's application menu (a .desktop file and the "
        "icon under ~/.local/share), then exit",
    )
    p.add_argument(
        "--list-scenarios",
        action="store_true",
        help="print id, chapter, title and summary of every lesson, then exit",
    )
    p.add_argument(
        "--headless",
        action="store_true",
        help="run --scenario without a window and print a summary of its metrics",
    )
    p.add_argument(
        "--duration",
        type=float,
        default=5.0,
        action=_Given,
        metavar="S",
        help="with --headless: runtime seconds to run (default 5); with --program: stop the "
        "program if it still runs after S runtime seconds, even one that never calls the "
        "runtime (default 60), and exit with status 124",
    )
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="with --headless or the window: set a scenario parameter (repeatable)",
    )
    p.add_argument(
        "--action",
        action="append",
        default=[],
        metavar="NAME@T",
        help="inject the lesson's action NAME at runtime second T, headless or in the window "
        "(repeatable)",
    )
    p.add_argument(
        "--trace",
        metavar="PATH",
        help="with --headless: write the run's trace as Chrome trace JSON (Perfetto)",
    )
    p.add_argument("--seed", type=int, default=None, help="random seed of the run")
    p.set_defaults(duration_given=False)
    return p
