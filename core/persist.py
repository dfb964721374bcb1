"""Reading the files the app reads back, and writing files atomically.

One saved-run format exists: :class:`core.teaching.Recording` (File > Save run / Open
run). This module is its safe reader's first half, and the one place that decides what
JSON a file may hold.

Writes are atomic (:func:`atomic_write_text`, :func:`atomic_write_bytes`, from
:mod:`core.trace`: a temporary file in the same directory, flushed and synced, then
renamed over the target), so a crash mid-save leaves the previous file as it was.

Reads trust nothing. :func:`read_json_file` refuses a file with a
:class:`FileFormatError` (a ``ValueError`` whose message names the file and what is
wrong with it) when it is not a regular file, is larger than the limit, is not UTF-8,
is corrupt or truncated JSON, nests deeper than :data:`MAX_DEPTH`, repeats a key, holds
``NaN``/``Infinity`` or a string longer than :data:`MAX_STRING`; :func:`parse_json`
applies the same rules to text. Loading never changes anything: it only reads. I/O
failures (a missing file, no permission) raise ``OSError`` as usual.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Iterable
from typing import Any

from core.trace import atomic_write_bytes, atomic_write_text

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_STRING",
    "FileFormatError",
    "atomic_write_bytes",
    "atomic_write_text",
    "parse_json",
    "read_json_file",
]

MAX_FILE_BYTES = 128 * 1024 * 1024  # a full 200,000-event ring is about 30 MB
MAX_DEPTH = 16  # nesting of arrays/objects; the formats need 5
MAX_STRING = 1_000_000  # characters in one string (a long chat message fits)


class FileFormatError(ValueError):
    """A file was refused: it is not what it claims to be, or not safe to use."""


# -- saving ---------------------------------------------------------------------------


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
    return parse_json(text, name)


def parse_json(text: str, name: str = "text") -> Any:
    """Parse *text* with :func:`read_json_file`'s rules (no duplicate keys, no NaN,
    bounded nesting and strings); *name* starts every message.

    Raises:
        FileFormatError: anything wrong with it.
    """
    if not isinstance(text, str):
        raise FileFormatError(f"{name}: JSON must be text, got {type(text).__name__}")
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


def _bad_float(x: Any) -> bool:
    return isinstance(x, float) and not math.isfinite(x)


def _type(x: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(x), "null" if x is None else f"a {type(x).__name__}"
    )
