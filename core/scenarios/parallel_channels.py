"""Lesson "parallel-channels": a goroutine per item, a semaphore, a results channel."""

from __future__ import annotations

from collections.abc import Callable

from core.patterns.parallel import ParallelProcessor
from core.scenarios._base import variant_param
from core.scenarios._parallel_lesson import ParallelLesson, leaky_process_with_channels

__all__ = ["ParallelChannels"]


class ParallelChannels(ParallelLesson):
    """Batches through ``process_with_channels``: a goroutine per item, a results channel."""

    id = "parallel-channels"
    title = "Parallel processing: a goroutine per item, results by channel"
    summary = (
        "A goroutine per item; a semaphore channel lets `workers` of them work at once; "
        "results come back on a channel and are put back in input order."
    )
    source_modules = (
        "core.patterns.parallel",
        "core.scenarios._parallel_lesson",
        "core.scenarios.parallel_channels",
    )
    params = (
        variant_param(
            "correct: a results channel with room for every item, all results received; "
            "broken: unbuffered, and the collector returns at the first error",
        ),
        *ParallelLesson.params,
    )

    def intro(self) -> str:
        if self.broken:
            return (
                "BROKEN VARIANT: the results channel is unbuffered and the collector returns "
                "at the first error. Make an item fail and watch the other goroutines block "
                "forever on their send."
            )
        return (
            f"A goroutine per item; at most {self['workers']} hold a token of the sem "
            "channel and work; each sends its result on the results channel."
        )

    def process(self, processor: ParallelProcessor, items: list[int], fn: Callable) -> list:
        if self.broken:
            return leaky_process_with_channels(items, fn, self["workers"])
        return processor.process_with_channels(items, fn)

    def failure_text(self, batch: int, exc: Exception) -> str:
        if self.broken:
            return (
                f"BROKEN VARIANT: batch {batch} failed ({exc}) and the collector returned at "
                "once: the goroutines still working will block forever sending their result."
            )
        return super().failure_text(batch, exc)
