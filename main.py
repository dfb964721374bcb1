"""Goroutine Lab: watch Go's concurrency patterns run.

python main.py                       open the window on the first lesson
python main.py --list-scenarios      list the lessons
python main.py --headless --scenario ID [--duration S] [--speed X]
    [--param k=v ...] [--action NAME@T ...] [--trace out.json]
"""

from __future__ import annotations

import sys

from core.cli import build_parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.list_scenarios or args.headless:
        from core.scenarios import headless

        return headless.main(args)
    from gui.app import main as gui_main

    return gui_main(args)


if __name__ == "__main__":
    sys.exit(main())
