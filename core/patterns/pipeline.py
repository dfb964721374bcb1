"""Pipelines: stages connected by channels, fan-out, fan-in, and cancellation.

Each stage is a goroutine that receives from its input channel, works, and
sends on its output channel, which it closes when it returns. ``fan_out``
starts several goroutines on one input (they share the work); ``merge``
gathers several channels into one (fan-in).

Cancelling the context stops every stage and leaves no goroutine blocked:
every receive and every send is a ``select`` with ``ctx.done()``, so a
stage whose downstream stopped reading is never stuck in a send (the
classic goroutine leak of pipelines without cancellation).

Every function takes an optional ``wg`` (a ``WaitGroup``): each goroutine it
starts is added to it, so the owner can wait until the whole pipeline ended.
A stage's goroutine is called *name* and its output channel ``name.out``.

Go ("Go Concurrency Patterns: Pipelines and cancellation", go.dev/blog/pipelines)::

    func sq(ctx context.Context, in <-chan int) <-chan int {
        out := make(chan int)
        go func() {
            defer close(out)
            for n := range in {
                select {
                case out <- n * n:
                case <-ctx.Done():
                    return
                }
            }
        }()
        return out
    }
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from core.patterns.backoff import sleep_ctx
from core.runtime import Chan, Recv, Send, WaitGroup, go, select
from core.runtime.context import ContextError

__all__ = ["fan_out", "generate", "merge", "stage"]


def _send(ctx: Any, ch: Chan, value: Any) -> bool:
    """Send *value* unless *ctx* ends first; returns whether it was sent."""
    i, _, _ = select(Send(ch, value), Recv(ctx.done()))
    return i == 0


def _recv(ctx: Any, ch: Chan) -> tuple[Any, bool]:
    """Receive from *ch* unless *ctx* ends first; ``(None, False)`` when closed or done."""
    i, value, ok = select(Recv(ch), Recv(ctx.done()))
    if i == 1:
        return None, False
    return value, ok


def _start(fn: Callable[[], None], name: str, wg: WaitGroup | None) -> None:
    if wg is None:
        go(fn, name=name)
        return
    wg.add(1)

    def tracked() -> None:
        try:
            fn()
        finally:
            wg.done()

    go(tracked, name=name)


def generate(
    ctx: Any,
    items: Iterable[Any],
    *,
    name: str = "generate",
    interval: float = 0.0,
    cap: int = 0,
    wg: WaitGroup | None = None,
) -> Chan:
    """Start a goroutine that sends each of *items* on a new channel; return the channel.

    With *interval* > 0 it waits that long (runtime seconds) before each
    item. The channel (capacity *cap*) is closed after the last item, or
    when *ctx* ends. Never blocks the caller.

    Go: ``func gen(ctx context.Context, nums ...int) <-chan int``
    """
    out = Chan(cap, name=f"{name}.out")

    def run() -> None:
        try:
            for item in items:
                if interval > 0:
                    sleep_ctx(ctx, interval)
                if not _send(ctx, out, item):
                    return
        except ContextError:
            return  # sleep_ctx saw ctx end
        finally:
            out.close()

    _start(run, name, wg)
    return out


def stage(
    ctx: Any,
    in_ch: Chan,
    fn: Callable[[Any], Any],
    name: str = "stage",
    *,
    cap: int = 0,
    wg: WaitGroup | None = None,
) -> Chan:
    """Start a goroutine that sends ``fn(v)`` for each *v* received from *in_ch*.

    Returns its output channel (capacity *cap*), closed when *in_ch* is
    closed and drained or when *ctx* ends. A ``ContextError`` raised by
    ``fn`` once *ctx* is done (e.g. ``sleep_ctx(ctx, ...)``) just ends the
    stage; any other exception from ``fn`` ends the goroutine with it (a
    panic, in Go's words). Never blocks the caller.

    Go: ``func sq(ctx context.Context, in <-chan int) <-chan int``
    """
    out = Chan(cap, name=f"{name}.out")

    def run() -> None:
        try:
            while True:
                value, ok = _recv(ctx, in_ch)
                if not ok:
                    return
                try:
                    result = fn(value)
                except ContextError:
                    if ctx.err() is not None:
                        return
                    raise
                if not _send(ctx, out, result):
                    return
        finally:
            out.close()

    _start(run, name, wg)
    return out


def fan_out(
    ctx: Any,
    in_ch: Chan,
    fn: Callable[[Any], Any],
    n: int,
    *,
    name: str = "worker",
    cap: int = 0,
    wg: WaitGroup | None = None,
) -> list[Chan]:
    """Start *n* stages (``name-1`` ... ``name-n``) that share the work of *in_ch*.

    Each value goes to exactly one of them (whichever receives first).
    Returns their *n* output channels; pass them to :func:`merge`.

    Raises:
        ValueError: *n* is below 1.

    Go: ``c1 := sq(ctx, in); c2 := sq(ctx, in)`` (distribute work)
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n!r}")
    return [stage(ctx, in_ch, fn, f"{name}-{k}", cap=cap, wg=wg) for k in range(1, n + 1)]


def merge(
    ctx: Any,
    *chans: Chan,
    name: str = "merge",
    cap: int = 0,
    wg: WaitGroup | None = None,
) -> Chan:
    """Forward every value of *chans* to one new channel (fan-in); return it.

    One forwarding goroutine per input (``name-1`` ...) and one that closes
    the output once they all returned (``name.closer``): when every input
    is closed and drained, or when *ctx* ends. Values of one input keep
    their order; values of different inputs interleave. Never blocks the
    caller.

    Go::

        var wg sync.WaitGroup
        wg.Add(len(cs))
        for _, c := range cs {
            go func(c <-chan int) {
                defer wg.Done()
                for n := range c {
                    select {
                    case out <- n:
                    case <-ctx.Done():
                        return
                    }
                }
            }(c)
        }
        go func() { wg.Wait(); close(out) }()
    """
    out = Chan(cap, name=f"{name}.out")
    forwarders = WaitGroup(name=f"{name}.wg")
    forwarders.add(len(chans))

    def forward(ch: Chan) -> None:
        try:
            while True:
                value, ok = _recv(ctx, ch)
                if not ok or not _send(ctx, out, value):
                    return
        finally:
            forwarders.done()

    for k, ch in enumerate(chans, 1):
        _start(functools.partial(forward, ch), f"{name}-{k}", wg)

    def closer() -> None:
        forwarders.wait()
        out.close()

    _start(closer, f"{name}.closer", wg)
    return out
