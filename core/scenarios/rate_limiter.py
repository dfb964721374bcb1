"""Lesson "rate-limiter": a token bucket in front of clients that ask too often.

The :class:`~core.patterns.ratelimit.TokenBucket` earns *rate* tokens per
second and saves at most *burst*. Each client request spends a token
(``allow()``) or is rejected (HTTP 429 in a web server). A quiet spell fills
the bucket, so a burst goes through at once, then the requests are held to
the rate. The teacher changes the rate live.

Go (``golang.org/x/time/rate``)::

    lim := rate.NewLimiter(rate.Limit(10), 5)
    if !lim.Allow() {
        http.Error(w, "too many requests", http.StatusTooManyRequests)
        return
    }
"""

from __future__ import annotations

from core.patterns.ratelimit import TokenBucket
from core.runtime import AtomicInt64, context
from core.scenarios._base import Action, Metric, Param, Scenario
from core.scenarios._pacing import RATE_WINDOW, Rates

__all__ = ["RateLimiterLesson"]

SAMPLE = 0.25  # runtime seconds between two metric samples
BURST_REQUESTS = 30  # requests of the "burst" action
MAX_RATE = 200.0
MIN_RATE = 0.5


class RateLimiterLesson(Scenario):
    """Clients ask a token bucket for each request; demand above the rate is refused."""

    id = "rate-limiter"
    title = "Rate limiter: a token bucket"
    chapter = "Production patterns"
    summary = (
        "Clients ask for tokens; the bucket earns them at a fixed rate and saves a burst. "
        "Requests beyond the rate are rejected. Change the rate live and watch the plots."
    )
    params = (
        Param(
            "rate",
            float,
            10.0,
            "Tokens the bucket earns per runtime second",
            minimum=1.0,
            maximum=100.0,
            unit="tokens/s",
        ),
        Param(
            "burst",
            int,
            5,
            "Most tokens the bucket saves up (the largest burst let through)",
            minimum=1,
            maximum=50,
            unit="tokens",
        ),
        Param(
            "clients",
            int,
            4,
            "Client goroutines sending requests",
            minimum=1,
            maximum=20,
            unit="goroutines",
        ),
        Param(
            "demand",
            float,
            5.0,
            "Requests each client sends per runtime second",
            minimum=0.5,
            maximum=20.0,
            unit="requests/s",
        ),
    )
    actions = (
        Action(
            "burst",
            "Burst",
            f"{BURST_REQUESTS} requests at once: the saved tokens let a few through",
        ),
        Action("raise-rate", "Raise rate", f"Double the rate (at most {MAX_RATE:g} tokens/s)"),
        Action("lower-rate", "Lower rate", f"Halve the rate (at least {MIN_RATE:g} tokens/s)"),
    )
    metrics = (
        Metric(
            "allowed_per_s",
            "requests/s",
            "Requests that got a token, per runtime second, "
            f"over the last {RATE_WINDOW:g} s, smoothed",
        ),
        Metric(
            "rejected_per_s",
            "requests/s",
            "Requests refused for lack of a token, per runtime second, "
            f"over the last {RATE_WINDOW:g} s, smoothed",
        ),
        Metric(
            "tokens", "tokens", "Tokens saved in the bucket now (a fraction while one is earned)"
        ),
        Metric("rate", "tokens/s", "The bucket's current rate"),
    )
    # the bucket's own lock, change channel and next-token timers: the stage draws the bucket itself
    plumbing = ("bucket.*",)
    source_modules = ("core.patterns.ratelimit", "core.scenarios.rate_limiter")

    def run(self, ctx: context.Context) -> None:
        """Start the clients, sample until *ctx* is done, wait for them."""
        self._allowed = AtomicInt64(name="allowed")
        self._rejected = AtomicInt64(name="rejected")
        self._bucket = TokenBucket(self["rate"], self["burst"], name="bucket")
        self.ctx = ctx  # ready: the actions may run from now on
        clients = self.crew(self["clients"], self._client, ctx, name="client")
        rates = Rates()
        try:
            for t in self.ticks(ctx, SAMPLE):
                allowed, rejected = self._allowed.load(), self._rejected.load()
                self.record_many(
                    **rates.update(t, allowed_per_s=allowed, rejected_per_s=rejected),
                    tokens=self._bucket.tokens(),
                    rate=self._bucket.rate,
                )
        finally:
            clients.wait()

    def _request(self) -> bool:
        ok = self._bucket.allow()
        (self._allowed if ok else self._rejected).add(1)
        return ok

    def _client(self, ctx: context.Context) -> None:
        for _ in self.paced(ctx, self["demand"]):
            self._request()

    # -- the teacher's actions ---------------------------------------------------

    def on_burst(self) -> None:
        if not self.started():
            return
        saved = self._bucket.tokens()
        allowed = sum(self._request() for _ in range(BURST_REQUESTS))
        self.note(
            f"Burst of {BURST_REQUESTS} requests: {allowed} got a token (the bucket held "
            f"{saved:.1f}), {BURST_REQUESTS - allowed} were rejected."
        )

    def on_raise_rate(self) -> None:
        if not self.started():
            return
        rate = min(self._bucket.rate * 2, MAX_RATE)
        self._bucket.set_rate(rate)
        self.note(f"Rate raised to {rate:g} tokens/s: fewer rejections.")

    def on_lower_rate(self) -> None:
        if not self.started():
            return
        rate = max(self._bucket.rate / 2, MIN_RATE)
        self._bucket.set_rate(rate)
        self.note(f"Rate lowered to {rate:g} tokens/s: more requests are rejected.")
