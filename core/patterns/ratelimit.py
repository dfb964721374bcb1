"""Rate limiting: a token bucket, and a limiter paced by a ticker.

:class:`TokenBucket` holds up to *burst* tokens and earns *rate* tokens per
runtime second. Each request spends one token: ``allow()`` says at once
whether one was there (reject the request otherwise), ``wait(ctx)`` blocks
until one is. Tokens are not added by a goroutine: the bucket computes what
it earned since it last looked, from the runtime clock (``now()``), which is
what Go's ``golang.org/x/time/rate`` does too.

:class:`TickerLimiter` is the simplest limiter in Go: receive from a ticker
before each request, so requests go out at most once per interval.

Go::

    lim := rate.NewLimiter(rate.Limit(10), 5) // 10 tokens/s, burst 5
    if !lim.Allow() { http.Error(w, "slow down", 429) }
    if err := lim.Wait(ctx); err != nil { return err }

    tick := time.NewTicker(100 * time.Millisecond)
    for req := range requests {
        <-tick.C
        go handle(req)
    }
"""

from __future__ import annotations

from typing import Any

from core.runtime import (
    Chan,
    Mutex,
    Recv,
    Ticker,
    Timer,
    next_object_id,
    now,
    select,
    trace_pattern,
)

__all__ = ["TickerLimiter", "TokenBucket"]


class TokenBucket:
    """A token bucket: *rate* tokens per runtime second, at most *burst* saved.

    It starts full. ``set_rate`` and ``set_burst`` take effect at once, also
    for goroutines already waiting in :meth:`wait`. Safe from any goroutine.

    Raises:
        ValueError: *rate* is not positive or *burst* is below 1.

    Go: ``rate.NewLimiter(rate.Limit(r), burst)`` (``golang.org/x/time/rate``)
    """

    def __init__(self, rate: float, burst: int, *, name: str = "limiter") -> None:
        _check_rate(rate)
        _check_burst(burst)
        self.name = name
        self.id = next_object_id()
        self._mu = Mutex(name=f"{name}.mu")
        # Guarded by self._mu. Invariant: 0 <= self._tokens <= self._burst, and
        # self._tokens is what the bucket held at runtime time self._last.
        self._rate = float(rate)
        self._burst = int(burst)
        self._tokens = float(burst)
        self._last = now()
        # Counters for the picture (guarded by self._mu): requests let through at
        # once, refused at once, and goroutines waiting in wait() now.
        self._allowed = 0
        self._refused = 0
        self._waiting = 0
        # Closed (and replaced) when the rate or burst changes, so that waiters
        # recompute how long to wait: Go's "broadcast by closing a channel".
        self._changed = Chan(name=f"{name}.changed")
        self._trace("made", f"{rate:g} tokens/s, burst {burst}: starts full")

    def _trace(self, what: str, text: str) -> None:
        """Record the bucket's state after *what* (caller holds self._mu).

        Fields: ``tokens`` held at runtime time ``at`` (the picture adds
        ``rate`` per second since, up to ``burst``), ``allowed``, ``refused``,
        ``waiting``.
        """
        trace_pattern(
            self.id,
            self.name,
            "token-bucket",
            what,
            text,
            tokens=self._tokens,
            at=self._last,
            rate=self._rate,
            burst=self._burst,
            allowed=self._allowed,
            refused=self._refused,
            waiting=self._waiting,
        )

    def _left(self) -> str:
        return f"{self._tokens:.1f} of {self._burst} tokens left"

    def _advance(self, t: float) -> None:
        """Add the tokens earned up to time *t*. Caller holds self._mu."""
        if t > self._last:
            self._tokens = min(float(self._burst), self._tokens + (t - self._last) * self._rate)
            self._last = t

    # -- taking tokens ------------------------------------------------------------

    def allow(self) -> bool:
        """Take one token if there is one; never blocks.

        Go: ``lim.Allow()``
        """
        with self._mu:
            self._advance(now())
            if self._tokens >= 1:
                self._tokens -= 1
                self._allowed += 1
                self._trace("allowed", f"allowed a request: {self._left()}")
                return True
            self._refused += 1
            self._trace("refused", f"refused a request: no whole token ({self._left()})")
            return False

    def wait(self, ctx: Any) -> None:
        """Block until a token is available and take it.

        Blocks the calling goroutine in a ``select`` on ``ctx.done()``, a timer
        set to when the next token will be earned, and the "changed" channel
        (a new rate or burst). Waiters are not served in arrival order: when
        a token appears, whichever waiter's timer fires first takes it.

        Raises:
            ContextError: ``ctx.err()`` (``Canceled`` or ``DeadlineExceeded``)
                when *ctx* is done before a token is taken.

        Go: ``lim.Wait(ctx)``
        """
        while True:
            err = ctx.err()
            if err is not None:
                raise err
            with self._mu:
                self._advance(now())
                if self._tokens >= 1:
                    self._tokens -= 1
                    self._trace("took", f"gave a waiting request a token: {self._left()}")
                    return
                delay = (1.0 - self._tokens) / self._rate
                changed = self._changed
                self._waiting += 1
                self._trace("waits", f"a request waits {delay:.2f} s for its token")
            timer = Timer(delay, name=f"{self.name}.next-token")
            i = -1
            try:
                i, _, _ = select(Recv(ctx.done()), Recv(timer.c), Recv(changed))
            finally:
                timer.stop()
                with self._mu:
                    self._waiting -= 1
                    if i <= 0:  # its context ended (or the run is ending): no token taken
                        self._trace("gave up", "a waiting request gave up: its context ended")
            if i == 0:
                raise ctx.err()

    # -- live settings -------------------------------------------------------------

    @property
    def rate(self) -> float:
        """Tokens earned per runtime second."""
        with self._mu:
            return self._rate

    @property
    def burst(self) -> int:
        """The most tokens the bucket saves up."""
        with self._mu:
            return self._burst

    def set_rate(self, rate: float) -> None:
        """Change the rate at once; tokens earned so far are kept.

        Raises:
            ValueError: *rate* is not positive.

        Go: ``lim.SetLimit(rate.Limit(r))``
        """
        _check_rate(rate)
        with self._mu:
            self._advance(now())
            self._rate = float(rate)
            self._trace("changed", f"now earns {rate:g} tokens/s")
            self._wake_waiters()

    def set_burst(self, burst: int) -> None:
        """Change the burst at once; saved tokens above it are dropped.

        Raises:
            ValueError: *burst* is below 1.

        Go: ``lim.SetBurst(b)``
        """
        _check_burst(burst)
        with self._mu:
            self._advance(now())
            self._burst = int(burst)
            self._tokens = min(self._tokens, float(self._burst))
            self._trace("changed", f"now saves up to {burst} tokens")
            self._wake_waiters()

    def _wake_waiters(self) -> None:
        """Caller holds self._mu."""
        self._changed.close()
        self._changed = Chan(name=f"{self.name}.changed")

    def tokens(self) -> float:
        """The tokens available now (a fraction while one is being earned).

        Go: ``lim.Tokens()``
        """
        with self._mu:
            self._advance(now())
            return self._tokens


class TickerLimiter:
    """Lets one request through per *interval*, paced by a ``Ticker``.

    The ticker's channel holds one tick, so after a quiet spell one request
    may go at once (a burst of 1); ticks that find it full are dropped.

    Raises:
        Panic: "non-positive interval for NewTicker" when *interval* <= 0.

    Go: ``tick := time.NewTicker(interval)`` then ``<-tick.C`` before each request.
    """

    def __init__(self, interval: float, *, name: str = "ticker-limiter") -> None:
        self.interval = interval
        self._ticker = Ticker(interval, name=name)

    def wait(self, ctx: Any) -> None:
        """Block until the next tick (``select`` on the ticker and ``ctx.done()``).

        After :meth:`stop` no tick ever comes: ``wait`` then blocks until
        *ctx* is done (a stopped Go ticker is not closed either).

        Raises:
            ContextError: ``ctx.err()`` when *ctx* is done first.
        """
        err = ctx.err()
        if err is not None:
            raise err
        i, _, _ = select(Recv(ctx.done()), Recv(self._ticker.c))
        if i == 0:
            raise ctx.err()

    def stop(self) -> None:
        """Stop the ticker (Go: ``tick.Stop()``). Never blocks."""
        self._ticker.stop()


def _check_rate(rate: float) -> None:
    if not (isinstance(rate, (int, float)) and rate > 0 and rate != float("inf")):
        raise ValueError(f"rate must be a finite number > 0 tokens/s, got {rate!r}")


def _check_burst(burst: int) -> None:
    if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
        raise ValueError(f"burst must be an integer >= 1, got {burst!r}")
