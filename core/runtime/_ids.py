"""Process-wide ids for runtime objects (channels, mutexes, contexts ...)."""

from __future__ import annotations

import itertools

# next() on itertools.count is atomic under the GIL.
_object_ids = itertools.count(1)


def next_object_id() -> int:
    return next(_object_ids)
