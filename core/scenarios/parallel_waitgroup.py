"""Lesson "parallel-waitgroup": workers over a jobs channel, a WaitGroup to wait for them."""

from __future__ import annotations

from collections.abc import Callable

from core.patterns.parallel import ParallelProcessor
from core.scenarios._parallel_lesson import ParallelLesson

__all__ = ["ParallelWaitGroup"]


class ParallelWaitGroup(ParallelLesson):
    """Batches through ``ParallelProcessor.process``: workers, a jobs channel, a WaitGroup."""

    id = "parallel-waitgroup"
    title = "Parallel processing: workers and a WaitGroup"
    summary = (
        "A fixed team of worker goroutines ranges over a jobs channel; each writes its "
        "result into its own slot; WaitGroup.Wait tells when the batch is done."
    )
    source_modules = (
        "core.patterns.parallel",
        "core.scenarios._parallel_lesson",
        "core.scenarios.parallel_waitgroup",
    )

    def intro(self) -> str:
        return (
            f"{self['workers']} workers take item numbers from the jobs channel; "
            "wg.Wait() returns when all are done."
        )

    def process(self, processor: ParallelProcessor, items: list[int], fn: Callable) -> list:
        return processor.process(items, fn)
