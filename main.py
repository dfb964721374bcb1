"""Goroutine Lab: watch Go's concurrency patterns run.

python main.py                       open the window on the first lesson
python main.py --list-scenarios      list the lessons
python main.py --headless --scenario ID [--duration S] [--speed X]
    [--param k=v ...] [--action NAME@T ...] [--trace out.json]
python main.py --headless --program FILE.py [--trace out.json] [--duration S]
    run your own program as Go runs one (exit 0; 1 syntax error; 2 panic, fatal
    error or deadlock; 124 stopped after S runtime seconds)
python main.py --scenario ID --record out.gif --quit-after 10    (.gif, .webp, .mp4)
python main.py --scenario ID --screenshot stage.svg
python main.py --install-desktop-entry

The ``goroutine-lab`` console script is the same program (:func:`gui.launcher.main`).
"""

from __future__ import annotations

import sys

from core.cli import build_parser
from gui.launcher import main

__all__ = ["build_parser", "main"]

if __name__ == "__main__":
    sys.exit(main())
