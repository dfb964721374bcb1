"""Files the app writes and reads back: saved runs and trace files.

Writes are atomic (:func:`atomic_write_text`, from :mod:`core.trace`: a temporary file
in the same directory, flushed and synced, then renamed over the target), so a crash
mid-save leaves the previous file as it was. :func:`atomic_write_bytes` does the same for
binary files (exported pictures and animations).

Loads trust nothing. A file is refused with a :class:`FileFormatError` (a
``ValueError`` whose message names the file and what is wrong with it) when it is not
a regular file, is larger than the limit, is not UTF-8, is corrupt or truncated JSON,
has the wrong format name or version, nests deeper than :data:`MAX_DEPTH`, repeats a
key, holds ``NaN``/``Infinity`` or a value of the wrong type. Loading never changes
anything: it only reads. I/O failures (a missing file, no permission) raise ``OSError``
as usual.

Formats (JSON objects; ``version`` is an int, bumped on incompatible changes):

* a saved run: ``{"format": "goroutine-lab.run", "version": 1, "run": {...}}`` where
  the run has ``scenario`` (str, required), and optionally ``params`` (str -> str, int,
  float or bool), ``speed`` (number > 0), ``seed`` (int or null), ``duration`` (number
  >= 0), ``events`` (trace events, ``TraceEvent.to_dict`` form, strictly increasing
  ``seq``), ``dropped`` (int >= 0), ``metrics`` (name -> ``{"t": [...], "v": [...]}``
  of equal lengths; ``save_run`` also takes ``MetricsRecorder.snapshot()``'s
  ``(t, v)`` pairs), ``notes`` (list of str); other keys are kept if they are plain
  JSON within the depth limit.
* a trace file: ``{"format": "goroutine-lab.trace", "version": 1, "dropped": n,
  "events": [...]}``.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Iterable
from typing import Any, TypeGuard

from core.trace import Kind, TraceEvent, atomic_write_bytes, atomic_write_text

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_STRING",
    "RUN_FORMAT",
    "RUN_VERSION",
    "TRACE_FORMAT",
    "TRACE_VERSION",
    "FileFormatError",
    "atomic_write_bytes",
    "atomic_write_text",
    "load_run",
    "load_trace",
    "read_json_file",
    "save_run",
    "save_trace",
]

RUN_FORMAT = "goroutine-lab.run"
RUN_VERSION = 1
TRACE_FORMAT = "goroutine-lab.trace"
TRACE_VERSION = 1

MAX_FILE_BYTES = 128 * 1024 * 1024  # a full 200,000-event ring is about 30 MB
MAX_DEPTH = 16  # nesting of arrays/objects; the formats need 5
MAX_STRING = 1_000_000  # characters in one string (a long chat message fits)

_KINDS = frozenset(k.value for k in Kind)


class FileFormatError(ValueError):
    """A file was refused: it is not what it claims to be, or not safe to use."""


# -- saving ---------------------------------------------------------------------------


def save_run(path: str | os.PathLike, run_record: dict[str, Any]) -> None:
    """Write *run_record* to *path* as a saved run, atomically.

    ``run_record["events"]`` may hold :class:`TraceEvent` objects or their dicts.
    The record is checked exactly as :func:`load_run` checks it, before anything is
    written: what is saved can be loaded back.

    Raises:
        ValueError: the record would not load back (the message says why); the file
            is left as it was.
        OSError: the file could not be written; the previous file is left as it was.
    """
    record = dict(run_record)
    if isinstance(record.get("events"), (list, tuple)):
        record["events"] = [_event_dict(e) for e in record["events"]]
    if isinstance(record.get("metrics"), dict):  # MetricsRecorder.snapshot(): name -> (t, v)
        record["metrics"] = {
            name: {"t": list(s[0]), "v": list(s[1])} if isinstance(s, (tuple, list)) else s
            for name, s in record["metrics"].items()
        }
    _check_run(record, "run")
    text = _dumps({"format": RUN_FORMAT, "version": RUN_VERSION, "run": record})
    atomic_write_text(path, text)


def save_trace(path: str | os.PathLike, events: Iterable[TraceEvent], dropped: int = 0) -> None:
    """Write *events* (and how many the ring had *dropped*) to *path*, atomically.

    Raises:
        ValueError: an event would not load back; the file is left as it was.
        OSError: the file could not be written; the previous file is left as it was.
    """
    doc = {
        "format": TRACE_FORMAT,
        "version": TRACE_VERSION,
        "dropped": dropped,
        "events": [_event_dict(e) for e in events],
    }
    _check_trace(doc)
    atomic_write_text(path, _dumps(doc))


def _event_dict(e: Any) -> Any:
    """The JSON form of an event (a dict passes through; anything else is left for the check)."""
    if isinstance(e, TraceEvent):
        d = e.to_dict()
    elif isinstance(e, dict):
        d = dict(e)
    else:
        return e
    if isinstance(d.get("extra"), (list, tuple)):
        d["extra"] = _lists(d["extra"])  # a select's extra nests tuples
    return d


def _lists(x: Any) -> Any:
    return [_lists(y) for y in x] if isinstance(x, (list, tuple)) else x


def _dumps(doc: dict[str, Any]) -> str:
    try:
        return json.dumps(doc, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise FileFormatError(f"cannot be saved as JSON: {exc}") from None


# -- loading ---------------------------------------------------------------------------


def load_run(path: str | os.PathLike, *, max_bytes: int = MAX_FILE_BYTES) -> dict[str, Any]:
    """Read a saved run; ``events`` come back as :class:`TraceEvent` objects.

    Raises:
        FileFormatError: (a ``ValueError``) the file is not a valid saved run of this
            version; the message names the file and the first problem found.
        OSError: the file could not be read.
    """
    doc = read_json_file(path, max_bytes)
    try:
        _check_envelope(doc, RUN_FORMAT, RUN_VERSION)
        _expect_keys(doc, "file", {"format", "version", "run"}, set())
        run = doc["run"]
        _check_run(run, "run")
    except FileFormatError as exc:
        raise FileFormatError(f"{os.fspath(path)}: not a saved run: {exc}") from None
    if "events" in run:
        run["events"] = [TraceEvent.from_dict(d) for d in run["events"]]
    return run


def load_trace(path: str | os.PathLike, *, max_bytes: int = MAX_FILE_BYTES) -> list[TraceEvent]:
    """Read a trace file written by :func:`save_trace`.

    Raises:
        FileFormatError: (a ``ValueError``) the file is not a valid trace file.
        OSError: the file could not be read.
    """
    doc = read_json_file(path, max_bytes)
    try:
        _check_envelope(doc, TRACE_FORMAT, TRACE_VERSION)
        _check_trace(doc)
    except FileFormatError as exc:
        raise FileFormatError(f"{os.fspath(path)}: not a trace file: {exc}") from None
    return [TraceEvent.from_dict(d) for d in doc["events"]]


def read_json_file(path: str | os.PathLike, max_bytes: int = MAX_FILE_BYTES) -> Any:
    """Read a JSON file defensively: a regular file only (a FIFO never blocks), at most
    *max_bytes*, UTF-8, no duplicate keys, no NaN, bounded nesting.

    Raises:
        OSError: the file cannot be opened.
        FileFormatError: anything else wrong with it (the message names the file).
    """
    name = os.fspath(path)
    # Non-blocking: opening a FIFO planted under the name must not hang the app.
    fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise FileFormatError(f"{name}: not a regular file")
        if st.st_size > max_bytes:
            raise FileFormatError(f"{name}: {st.st_size:,} bytes, more than {max_bytes:,}")
        data = f.read(max_bytes + 1)  # the size may have changed since fstat
    if len(data) > max_bytes:
        raise FileFormatError(f"{name}: more than {max_bytes:,} bytes")
    if not data.strip():
        raise FileFormatError(f"{name}: the file is empty")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileFormatError(f"{name}: not UTF-8 text (byte {exc.start})") from None
    try:
        doc = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise FileFormatError(
            f"{name}: {'truncated' if _cut_off(text, exc) else 'corrupt'} JSON "
            f"({exc.msg}: line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise FileFormatError(f"{name}: nested deeper than {MAX_DEPTH} levels") from None
    except FileFormatError as exc:
        raise FileFormatError(f"{name}: {exc}") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise FileFormatError(f"{name}: unreadable JSON value ({exc})") from None
    try:
        _check_plain(doc, "file", 0)
    except FileFormatError as exc:
        raise FileFormatError(f"{name}: {exc}") from None
    return doc


def _cut_off(text: str, exc: json.JSONDecodeError) -> bool:
    """Whether the error is the end of the text coming too soon (for the message only).

    The decoder stops at the end, inside a string, or before the last partial token
    (``0.`` of ``0.5``, ``n`` of ``null``, ``\\u00`` of an escape).
    """
    rest = text[exc.pos :].rstrip()
    return (
        not rest
        or exc.msg.startswith("Unterminated string")
        or any(word.startswith(rest) for word in ("true", "false", "null"))
        or re.fullmatch(r"[-+0-9.eE]+|\\?u[0-9a-fA-F]{0,3}", rest) is not None
    )


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise FileFormatError(f"key {k!r} appears twice in one object")
        out[k] = v
    return out


def _no_constant(name: str) -> Any:
    raise FileFormatError(f"{name} is not a number JSON allows")


def _check_plain(value: Any, where: str, depth: int) -> None:
    """Only JSON's own types, string keys, limited depth and string length.

    Iterative, so that a hostile nesting cannot exhaust the Python stack.
    """
    stack = [(value, where, depth)]
    while stack:
        v, w, d = stack.pop()
        if isinstance(v, dict):
            items: Iterable[tuple[Any, Any]] = v.items()
            for k in v:
                if not isinstance(k, str):
                    raise FileFormatError(f"{w}: key {k!r:.40} is not a string")
        elif isinstance(v, list):
            items = enumerate(v)
        elif isinstance(v, str):
            if len(v) > MAX_STRING:
                raise FileFormatError(f"{w}: {len(v):,} characters, more than {MAX_STRING:,}")
            continue
        elif (
            v is None or isinstance(v, (bool, int)) or (isinstance(v, float) and not _bad_float(v))
        ):
            continue
        else:
            raise FileFormatError(f"{w}: {_type(v)} is not a JSON value")
        if d >= MAX_DEPTH:
            raise FileFormatError(f"{w}: nested deeper than {MAX_DEPTH} levels")
        for k, x in items:
            stack.append((x, f"{w}[{k!r}]" if isinstance(v, dict) else f"{w}[{k}]", d + 1))


# -- the formats ------------------------------------------------------------------------


def _check_envelope(doc: Any, fmt: str, version: int) -> None:
    if not isinstance(doc, dict):
        raise FileFormatError(f"expected a JSON object, found {_type(doc)}")
    found = doc.get("format")
    if found != fmt:
        raise FileFormatError(f"format is {found!r}, expected {fmt!r}")
    v = doc.get("version")
    if not _is_int(v):
        raise FileFormatError(f"version is {v!r}, expected the integer {version}")
    if v > version:
        raise FileFormatError(
            f"version {v} was written by a newer Goroutine Lab (this reads {version})"
        )
    if v != version:
        raise FileFormatError(f"version {v} is not supported (this reads {version})")


def _check_run(run: Any, where: str) -> None:
    if not isinstance(run, dict):
        raise FileFormatError(f"{where}: expected an object, found {_type(run)}")
    for k in run:
        if not isinstance(k, str):
            raise FileFormatError(f"{where}: key {k!r} is not a string")
    scenario = run.get("scenario")
    if not isinstance(scenario, str) or not scenario.strip() or len(scenario) > 200:
        raise FileFormatError(f"{where}.scenario: expected a lesson id, found {scenario!r:.60}")
    params = run.get("params", {})
    if not isinstance(params, dict):
        raise FileFormatError(f"{where}.params: expected an object, found {_type(params)}")
    for k, v in params.items():
        if not isinstance(v, (str, int, float, bool)) or _bad_float(v):
            raise FileFormatError(f"{where}.params[{k!r}]: {_type(v)} is not a parameter value")
    if "speed" in run and not (_is_number(run["speed"]) and run["speed"] > 0):
        raise FileFormatError(f"{where}.speed: expected a number > 0, found {run['speed']!r:.60}")
    if "seed" in run and run["seed"] is not None and not _is_int(run["seed"]):
        raise FileFormatError(f"{where}.seed: expected an integer or null")
    if "duration" in run and not (_is_number(run["duration"]) and run["duration"] >= 0):
        raise FileFormatError(f"{where}.duration: expected a number >= 0")
    if "dropped" in run and not (_is_int(run["dropped"]) and run["dropped"] >= 0):
        raise FileFormatError(f"{where}.dropped: expected an integer >= 0")
    if "events" in run:
        _check_events(run["events"], f"{where}.events")
    if "metrics" in run:
        _check_metrics(run["metrics"], f"{where}.metrics")
    notes = run.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise FileFormatError(f"{where}.notes: expected a list of strings")
    _check_plain(run, where, 1)


def _check_trace(doc: dict[str, Any]) -> None:
    _expect_keys(doc, "file", {"format", "version", "events"}, {"dropped"})
    if "dropped" in doc and not (_is_int(doc["dropped"]) and doc["dropped"] >= 0):
        raise FileFormatError("dropped: expected an integer >= 0")
    _check_events(doc["events"], "events")


def _check_events(events: Any, where: str) -> None:
    if not isinstance(events, list):
        raise FileFormatError(f"{where}: expected a list, found {_type(events)}")
    last = 0
    for i, d in enumerate(events):
        w = f"{where}[{i}]"
        if not isinstance(d, dict):
            raise FileFormatError(f"{w}: expected an object, found {_type(d)}")
        _expect_keys(d, w, {"seq", "t", "kind"}, {"g", "obj", "obj_name", "value", "extra"})
        seq = d["seq"]
        if not _is_int(seq) or seq <= last:
            raise FileFormatError(f"{w}.seq: expected an integer above {last}, found {seq!r:.40}")
        last = seq
        if not _is_number(d["t"]):
            raise FileFormatError(f"{w}.t: expected a number, found {d['t']!r:.40}")
        if d["kind"] not in _KINDS:
            raise FileFormatError(f"{w}.kind: unknown event kind {d['kind']!r:.40}")
        for k in ("g", "obj"):
            if k in d and not (_is_int(d[k]) and d[k] >= 0):
                raise FileFormatError(f"{w}.{k}: expected an integer >= 0, found {d[k]!r:.40}")
        for k in ("obj_name", "value"):
            if k in d and not isinstance(d[k], str):
                raise FileFormatError(f"{w}.{k}: expected a string, found {_type(d[k])}")
        extra = d.get("extra", [])
        if not isinstance(extra, list) or not _plain_scalars(extra):
            raise FileFormatError(f"{w}.extra: expected a list of numbers, strings and lists")


def _check_metrics(metrics: Any, where: str) -> None:
    if not isinstance(metrics, dict):
        raise FileFormatError(f"{where}: expected an object, found {_type(metrics)}")
    for name, series in metrics.items():
        w = f"{where}[{name!r}]"
        if not isinstance(series, dict):
            raise FileFormatError(f"{w}: expected an object with t and v")
        _expect_keys(series, w, {"t", "v"}, set())
        t, v = series["t"], series["v"]
        if not (isinstance(t, list) and isinstance(v, list)) or len(t) != len(v):
            raise FileFormatError(f"{w}: t and v must be lists of the same length")
        if not all(_is_number(x) for x in t) or not all(_is_number(x) for x in v):
            raise FileFormatError(f"{w}: t and v must hold numbers only")


def _expect_keys(d: dict[str, Any], where: str, required: set[str], optional: set[str]) -> None:
    missing = required - d.keys()
    if missing:
        raise FileFormatError(f"{where}: missing {', '.join(sorted(missing))}")
    unknown = d.keys() - required - optional
    if unknown:
        raise FileFormatError(f"{where}: unexpected {', '.join(sorted(map(repr, unknown)))}")


def _plain_scalars(items: list[Any]) -> bool:
    stack = list(items)
    while stack:
        x = stack.pop()
        if isinstance(x, list):
            stack.extend(x)
        elif not (x is None or isinstance(x, (str, int, float, bool))) or _bad_float(x):
            return False
    return True


def _is_int(x: Any) -> TypeGuard[int]:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and not _bad_float(x)


def _bad_float(x: Any) -> bool:
    return isinstance(x, float) and not math.isfinite(x)


def _type(x: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(x), "null" if x is None else f"a {type(x).__name__}"
    )
