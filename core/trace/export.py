"""Chrome-trace JSON (opens in Perfetto) and atomic file writes."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable

from core.trace.events import Kind, TraceEvent, woken_by

__all__ = ["atomic_write_bytes", "atomic_write_text", "to_chrome_trace", "write_chrome_trace"]

# Kinds that put their actor (g) into a waiting span.
_SPAN_OPENERS = frozenset((Kind.GO_BLOCK, Kind.GO_SLEEP, Kind.GO_GATE))
# Kinds that end the actor's span (it runs, or it is over).
_SPAN_CLOSERS = frozenset((Kind.GO_STEP, Kind.GO_END, Kind.GO_PANIC))


def to_chrome_trace(events: Iterable[TraceEvent], names: dict[int, str] | None = None) -> dict:
    """Convert events to the Chrome trace format (opens in Perfetto).

    Each goroutine is a thread lane; its blocked and sleeping spans are
    duration slices (closed by whoever woke it), every event an instant with
    its details in ``args``.
    """
    names = dict(names or {})
    out: list[dict] = []
    open_span: dict[int, tuple[float, str]] = {}
    last_t = 0.0

    def close(g: int, ts: float) -> None:
        span = open_span.pop(g, None)
        if span is not None:
            out.append(
                {
                    "ph": "X",
                    "pid": 1,
                    "tid": g,
                    "ts": span[0],
                    "dur": max(ts - span[0], 0.0),
                    "name": span[1],
                    "cat": "state",
                }
            )

    for ev in events:
        ts = ev.t * 1e6
        last_t = max(last_t, ts)
        k = ev.kind
        if k is Kind.GO_CREATE and ev.obj_name:
            names[ev.obj] = ev.obj_name
        lane = ev.obj if k is Kind.GO_CREATE else ev.g
        for g in woken_by(ev):
            close(g, ts)
        if k in _SPAN_OPENERS:
            if k is Kind.GO_SLEEP:
                label = "sleep"
            elif k is Kind.GO_BLOCK:
                label = ev.payload.reason or "blocked"
            else:
                label = ev.value
            if ev.obj_name:
                label = f"{label} {ev.obj_name}"
            close(ev.g, ts)
            open_span[ev.g] = (ts, label)
        elif k in _SPAN_CLOSERS:
            close(ev.g, ts)
        out.append(
            {
                "ph": "i",
                "s": "t",
                "pid": 1,
                "tid": lane,
                "ts": ts,
                "name": k.value if not ev.obj_name else f"{k.value} {ev.obj_name}",
                "cat": k.value.split(".")[0],
                "args": {"seq": ev.seq, "value": ev.value, "obj": ev.obj, "extra": list(ev.extra)},
            }
        )
    for g, (start, label) in open_span.items():
        out.append(
            {
                "ph": "X",
                "pid": 1,
                "tid": g,
                "ts": start,
                "dur": max(last_t - start, 0.0),
                "name": label,
                "cat": "state",
            }
        )
    meta = [{"ph": "M", "pid": 1, "name": "process_name", "args": {"name": "Goroutine Lab"}}]
    for g, n in sorted(names.items()):
        meta.append({"ph": "M", "pid": 1, "tid": g, "name": "thread_name", "args": {"name": n}})
    return {"traceEvents": meta + out, "displayTimeUnit": "ms"}


def write_chrome_trace(path: str | os.PathLike, events: Iterable[TraceEvent]) -> None:
    """Write the Chrome trace JSON atomically (temporary file, then rename)."""
    data = to_chrome_trace(events)
    atomic_write_text(path, json.dumps(data))


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write *text* (UTF-8) to *path* atomically; see :func:`atomic_write_bytes`."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write *data* to *path* so that a crash never leaves a half-written file.

    A temporary file in the same folder, flushed to disk, then renamed over
    *path*; on any error it is removed and *path* is left as it was.

    Raises:
        OSError: the file could not be written.
    """
    name = os.fspath(path)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=os.path.dirname(os.path.abspath(name)))
    try:
        with os.fdopen(fd, "wb") as f:
            if hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), 0o644)  # mkstemp's 0600 would hide a file meant to share
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, name)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
