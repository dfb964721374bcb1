"""Patterns drawn as themselves, one item per kind of pattern record.

Each item shows a :class:`core.trace.PatternView` (the pattern's own records,
Kind.PATTERN) at the stage's runtime time: a bucket earns tokens between records,
an open breaker counts down to half-open, a cache entry's TTL runs out, so every
item takes the time in ``show_view``. :func:`pattern_item` makes the item for a
view's ``pattern``; the items live in ``pattern_flow`` and ``pattern_work``.
"""

from __future__ import annotations

from core.trace import PatternView
from gui.stage.pattern_base import PatternItem
from gui.stage.pattern_flow import BatcherItem, BreakerItem, TokenBucketItem
from gui.stage.pattern_work import CacheItem, ErrGroupItem, WorkerPoolItem
from gui.stage.style import StageStyle

__all__ = [
    "BatcherItem",
    "BreakerItem",
    "CacheItem",
    "ErrGroupItem",
    "PatternItem",
    "TokenBucketItem",
    "WorkerPoolItem",
    "pattern_item",
]

_ITEMS: dict[str, type[PatternItem]] = {
    "token-bucket": TokenBucketItem,
    "circuit-breaker": BreakerItem,
    "batcher": BatcherItem,
    "errgroup": ErrGroupItem,
    "worker-pool": WorkerPoolItem,
    "cache": CacheItem,
}


def pattern_item(style: StageStyle, v: PatternView) -> PatternItem | None:
    """The item that draws *v*'s pattern, or None for a pattern the stage cannot draw."""
    cls = _ITEMS.get(v.pattern)
    return cls(style, v.id) if cls is not None else None
