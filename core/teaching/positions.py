"""Where each goroutine stands in the lesson's source: the line a paused run waits at.

A goroutine of this runtime is a Python thread, so the interpreter knows its
stack (``sys._current_frames()``). The line a learner wants is the innermost
frame in the code on screen (the scenario's or the pattern's module): the
frames inside it are the runtime's own (a channel, the pause gate). Read
while the run is paused or stepping, this is the statement the goroutine
will run next, or the one it is blocked in. Running, it is only a glimpse.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from types import FrameType
from typing import Any

__all__ = ["SourcePosition", "same_file", "source_positions"]


@dataclass(frozen=True)
class SourcePosition:
    """Goroutine *g* (named *name*) stands at *line* of *filename*, in *function*."""

    g: int
    name: str
    filename: str
    line: int
    function: str


def same_file(path: str) -> str:
    """*path* in the form frames and modules are compared in (absolute, normalised)."""
    return os.path.normcase(os.path.realpath(path))


def _thread_ident(g: Any) -> int | None:
    # The runtime keeps a goroutine's thread private and offers no accessor; reading
    # it here only looks (never starts, joins or touches the thread).
    t = getattr(g, "_thread", None)
    return getattr(t, "ident", None)


def source_positions(
    goroutines: Iterable[Any],
    filenames: Collection[str],
    frames: dict[int, FrameType] | None = None,
) -> list[SourcePosition]:
    """Where each of *goroutines* stands in one of *filenames*, innermost frame first.

    A goroutine whose stack passes through none of the files (or whose thread
    has not started or has ended) is left out. *frames* defaults to
    ``sys._current_frames()``, one snapshot for all. Never blocks.
    """
    wanted = {same_file(f) for f in filenames}
    if frames is None:
        frames = sys._current_frames()
    known: dict[str, str] = {}  # co_filename -> same_file(co_filename)
    out: list[SourcePosition] = []
    for g in goroutines:
        ident = _thread_ident(g)
        frame = frames.get(ident) if ident is not None else None
        while frame is not None:
            code = frame.f_code
            path = known.get(code.co_filename)
            if path is None:
                path = known[code.co_filename] = same_file(code.co_filename)
            if path in wanted:
                out.append(
                    SourcePosition(
                        g.id,
                        g.name,
                        code.co_filename,
                        frame.f_lineno or code.co_firstlineno,
                        code.co_name,
                    )
                )
                break
            frame = frame.f_back
    return out
