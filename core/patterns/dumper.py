"""A goroutine that reports the counters every interval until it is told to stop.

A :class:`~core.runtime.Ticker` drives it; a ``select`` on the ticker and on
``ctx.done()`` lets the cancellation in. The ticker is stopped on the way
out (in Go a ticker never stopped keeps its timer alive: ``defer t.Stop()``).

Go::

    func (d *CounterDumper) Start(ctx context.Context) {
        t := time.NewTicker(d.interval)
        defer t.Stop()
        for {
            select {
            case <-ctx.Done():
                return
            case <-t.C:
                d.onDump(d.counters.GetAll())
            }
        }
    }
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from core.runtime import Recv, Ticker, select

__all__ = ["CounterDumper", "Snapshotter"]


class Snapshotter(Protocol):
    """Anything with ``get_all() -> dict`` (a :class:`UserCounters`)."""

    def get_all(self) -> dict[str, int]: ...


class CounterDumper:
    """Calls ``on_dump(counters.get_all())`` every *interval* runtime seconds.

    Raises:
        ValueError: *interval* is not positive.
    """

    def __init__(
        self,
        counters: Snapshotter,
        interval: float,
        on_dump: Callable[[dict[str, int]], Any],
        *,
        name: str = "dump",
    ) -> None:
        if not interval > 0:
            raise ValueError(f"interval must be > 0 s, got {interval!r}")
        self.counters = counters
        self.interval = interval
        self.on_dump = on_dump
        self.name = name

    def start(self, ctx: Any) -> None:
        """Dump every interval; return once *ctx* is done.

        Blocks the calling goroutine for the whole life of the dumper (run
        it with ``go``). A context that is already done returns at once,
        and no dump starts after the context is seen done. An exception
        from ``on_dump`` propagates (the ticker is still stopped).

        Go: ``for { select { case <-ctx.Done(): return; case <-t.C: ... } }``
        """
        ticker = Ticker(self.interval, name=f"{self.name}.ticker")
        try:
            while True:
                i, _, _ = select(Recv(ctx.done()), Recv(ticker.c))
                # When both are ready select picks at random, as Go's does; the
                # err() check keeps a tick that won that draw from dumping after done.
                if i == 0 or ctx.err() is not None:
                    return
                self.on_dump(self.counters.get_all())
        finally:
            ticker.stop()
