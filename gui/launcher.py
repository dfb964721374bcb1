"""The one entry point: ``python main.py`` and the ``goroutine-lab`` console script.

Parses the command line, then: ``--install-desktop-entry``; ``--list-scenarios``
and ``--headless`` (no Qt at all); else checks the system libraries of Qt's
platform plugin (:mod:`gui.launch_check`) *before* PySide6 is imported, and
opens the window (:func:`gui.app.main`). This module imports no Qt.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

from core.cli import build_parser

__all__ = ["main"]


def _headless_rendering(args, environ: MutableMapping[str, str]) -> None:
    """``--record`` and ``--screenshot`` without any display (a server, CI, an SSH
    session) render offscreen instead of failing to connect to one."""
    if not (getattr(args, "record", None) or getattr(args, "screenshot", None)):
        return
    if not sys.platform.startswith("linux") or environ.get("QT_QPA_PLATFORM"):
        return
    if not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")):
        environ["QT_QPA_PLATFORM"] = "offscreen"


def main(argv: list[str] | None = None) -> int:
    """Run Goroutine Lab with *argv* (default: ``sys.argv[1:]``); returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.install_desktop_entry:
        from gui import desktop_entry

        return desktop_entry.main()
    if args.headless and args.program:
        from core.scenarios import program_host

        return program_host.main(args)
    if args.list_scenarios or args.headless:
        from core.scenarios import headless

        return headless.main(args)
    _headless_rendering(args, os.environ)
    from gui import launch_check

    status = launch_check.check()
    if status:
        return status
    from gui.app import main as gui_main  # the first import of PySide6

    if args.program:
        from gui.program import open_on_start

        open_on_start(args.program)  # the window opens "Your program" on it

    return gui_main(args)


if __name__ == "__main__":
    sys.exit(main())
