"""Retry with exponential backoff and jitter, honouring a context.

A flaky call is tried up to *attempts* times. Between two tries the caller
waits a delay that grows geometrically (``base``, ``base*factor``,
``base*factor**2`` ... capped at ``max_delay``), shortened by a random
amount (*jitter*) so that many callers that failed together do not all come
back at the same instant (the "thundering herd").

Waiting honours the context: the sleep is a ``select`` on ``ctx.done()`` and
a timer, so a cancelled caller stops waiting at once.

Go (there is no standard package; this is the usual shape, e.g.
``github.com/cenkalti/backoff`` or ``k8s.io/apimachinery/pkg/util/wait``)::

    func Retry(ctx context.Context, attempts int, b Backoff, fn func() error) error {
        var err error
        for i := 0; i < attempts; i++ {
            if err = fn(); err == nil {
                return nil
            }
            if i == attempts-1 {
                break
            }
            t := time.NewTimer(b.Delay(i))
            select {
            case <-ctx.Done():
                t.Stop()
                return ctx.Err()
            case <-t.C:
            }
        }
        return err
    }
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from core.runtime import Recv, Timer, select

__all__ = ["Backoff", "retry", "sleep_ctx"]

T = TypeVar("T")


def sleep_ctx(ctx: Any, d: float) -> None:
    """Sleep *d* runtime seconds, or less if *ctx* ends first.

    Blocks the calling goroutine in a ``select`` on ``ctx.done()`` and a
    timer (a context without a done channel, like ``background()``, just
    sleeps). The timer is stopped on the way out.

    Raises:
        ContextError: ``ctx.err()`` (a ``Canceled`` or ``DeadlineExceeded``
            instance) when the context is done before or while sleeping.

    Go::

        t := time.NewTimer(d)
        defer t.Stop()
        select {
        case <-ctx.Done():
            return ctx.Err()
        case <-t.C:
            return nil
        }
    """
    err = ctx.err()
    if err is not None:
        raise err
    if d <= 0:
        return
    timer = Timer(d, name="sleep")
    try:
        i, _, _ = select(Recv(ctx.done()), Recv(timer.c))
    finally:
        timer.stop()
    if i == 0:
        raise ctx.err()


class Backoff:
    """The delays between retries: exponential, capped, with jitter.

    The n-th delay (n from 0) is ``min(max_delay, base * factor**n)``,
    multiplied by ``1 - jitter * r`` with ``r`` drawn uniformly from [0, 1)
    by *rng*. ``jitter=0`` gives the exact sequence; ``jitter=1`` is "full
    jitter" (anywhere between 0 and the delay).

    Never blocks.

    Raises:
        ValueError: *base* is not positive, *factor* is below 1,
            *max_delay* is below *base*, or *jitter* is outside 0..1.
    """

    def __init__(
        self,
        base: float = 0.1,
        factor: float = 2.0,
        max_delay: float = 10.0,
        jitter: float = 0.0,
        rng: random.Random | None = None,
    ) -> None:
        if not base > 0:
            raise ValueError(f"base must be > 0 s, got {base!r}")
        if not factor >= 1:
            raise ValueError(f"factor must be >= 1, got {factor!r}")
        if not max_delay >= base:
            raise ValueError(f"max_delay must be >= base ({base!r} s), got {max_delay!r}")
        if not 0 <= jitter <= 1:
            raise ValueError(f"jitter must be from 0 to 1, got {jitter!r}")
        self.base = float(base)
        self.factor = float(factor)
        self.max_delay = float(max_delay)
        self.jitter = float(jitter)
        self.rng = rng if rng is not None else random.Random()

    def delays(self) -> Iterator[float]:
        """The delays to wait before retry 1, 2, 3 ... (an endless iterator)."""
        d = self.base
        while True:
            yield self._jittered(d)
            # Multiply step by step (not base * factor**n) so that a long run
            # never overflows: once at the cap it stays there.
            d = min(d * self.factor, self.max_delay)

    def _jittered(self, d: float) -> float:
        if self.jitter == 0:
            return d
        return d * (1.0 - self.jitter * self.rng.random())


def retry(
    ctx: Any,
    fn: Callable[[], T],
    attempts: int = 3,
    backoff: Backoff | None = None,
    *,
    on_retry: Callable[[int, Exception, float], Any] | None = None,
) -> T:
    """Call ``fn()`` until it returns, at most *attempts* times; return its result.

    After a failed try (``fn`` raised an ``Exception``) the caller sleeps the
    next delay of *backoff* (default ``Backoff()``) on the runtime clock,
    in a ``select`` with ``ctx.done()``. ``on_retry(attempt, error, delay)``
    is called before each of those sleeps (attempt counts from 1).

    Blocks the calling goroutine while ``fn`` runs and while it sleeps.

    Raises:
        ContextError: ``ctx.err()`` when the context is done before a try,
            after a failed try, or while waiting for the next one.
        Exception: the last error of ``fn`` after *attempts* failures.
        ValueError: *attempts* is below 1.
    """
    if attempts < 1:
        raise ValueError(f"attempts must be >= 1, got {attempts!r}")
    delays = (backoff or Backoff()).delays()
    last: Exception | None = None
    for attempt in range(1, attempts + 1):
        err = ctx.err()
        if err is not None:
            raise err
        try:
            return fn()
        except Exception as exc:
            last = exc
        # A call that failed because the context ended (or while it did) is no
        # reason to retry: report why the caller stopped.
        err = ctx.err()
        if err is not None:
            raise err from last
        if attempt == attempts:
            break
        delay = next(delays)
        if on_retry is not None:
            on_retry(attempt, last, delay)
        sleep_ctx(ctx, delay)
    assert last is not None  # the loop ran at least once and every try failed
    raise last
