"""Lesson "cache": a TTL cache in front of a slow loader, a janitor, and a stampede.

Client goroutines read keys, most of them from a small hot set. A hit is
answered from the :class:`~core.patterns.cache.Cache` under a read lock; a
miss goes to a slow loader (a database, say). Entries expire after the TTL;
a janitor goroutine evicts them on a ticker. When many clients miss the
same key at once (a "stampede"), ``get_or_load`` makes one load and lets
the others wait for it. The broken variant is the naive cache-aside code:
every client that misses loads the key itself, so one popular key that
expires sends N identical requests to the backend.

Go::

    v, err := cache.GetOrLoad(key, func(k string) (any, error) {
        return db.Query(ctx, k) // at most one query per key at a time
    })
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.patterns.backoff import sleep_ctx
from core.patterns.cache import Cache
from core.runtime import AtomicInt64, Chan, WaitGroup, context
from core.runtime.context import ContextError
from core.scenarios._base import Action, Metric, Param, Scenario, variant_param

__all__ = ["CacheLesson"]

SAMPLE = 0.25  # runtime seconds between two metric samples
STAMPEDE = 20  # callers of the "stampede" action
HOT_SHARE = 0.8  # share of reads that go to the hot keys


class CacheLesson(Scenario):
    """Clients read through a TTL cache; a janitor evicts; singleflight shares one load."""

    id = "cache"
    title = "Cache: TTL, janitor and singleflight"
    chapter = "Production patterns"
    summary = (
        "Clients read through a TTL cache in front of a slow loader; a janitor evicts "
        "expired entries; a stampede of callers on one missing key makes one load. "
        "Broken: no singleflight, every caller loads."
    )
    params = (
        variant_param(
            "correct: get_or_load shares one load per key (singleflight); broken: "
            "every client that misses loads the key itself",
        ),
        Param(
            "clients",
            int,
            6,
            "Client goroutines reading keys",
            minimum=1,
            maximum=20,
            unit="goroutines",
        ),
        Param(
            "ttl",
            float,
            2.0,
            "How long a loaded value stays fresh",
            minimum=0.2,
            maximum=20.0,
            unit="s",
        ),
        Param(
            "keys",
            int,
            12,
            "Different keys the clients read; the first quarter are "
            f"hot and get {HOT_SHARE:.0%} of the reads",
            minimum=2,
            maximum=100,
            unit="keys",
        ),
        Param(
            "loader_delay",
            float,
            0.3,
            "How long the slow loader takes for one key",
            minimum=0.01,
            maximum=3.0,
            unit="s",
        ),
        Param(
            "janitor_interval",
            float,
            0.5,
            "Time between two janitor sweeps",
            minimum=0.1,
            maximum=5.0,
            unit="s",
        ),
    )
    actions = (
        Action(
            "expire-all", "Expire all", "Every entry expires now: the next reads miss and reload"
        ),
        Action(
            "stampede",
            "Stampede",
            f"{STAMPEDE} goroutines ask for the same missing key at the same instant",
        ),
        Action(
            "stop-janitor",
            "Stop janitor",
            "Cancel the janitor's context: expired entries are no longer evicted",
        ),
    )
    metrics = (
        Metric(
            "hit_ratio",
            "%",
            f"Reads answered from the cache, in the last {SAMPLE} s, per 100 reads",
        ),
        Metric("loads", "loads", "Calls of the slow loader since the start"),
        Metric("evictions", "entries", "Expired entries the janitor removed since the start"),
        Metric("size", "entries", "Entries the cache holds now, fresh or expired"),
    )
    # the cache's locks and counters: the stage draws its entries and loads itself
    plumbing = (
        "cache.mu",
        "cache.calls",
        "cache.hits",
        "cache.misses",
        "cache.loads",
        "cache.evictions",
    )
    source_modules = ("core.patterns.cache", "core.scenarios.cache")

    # -- the story ---------------------------------------------------------------

    def run(self, ctx: context.Context) -> None:
        """Start the janitor and the clients, sample until *ctx* is done, wait for them."""
        self._loads = AtomicInt64(name="loads")
        self._stampedes = 0  # touched by the teacher's goroutines only
        self._cache = Cache(self["ttl"], self["janitor_interval"], name="cache")
        jctx, self._stop_janitor = context.with_cancel(ctx)
        self._janitor = self._cache.start_janitor(jctx)
        if self.broken:
            self.note(
                "BROKEN VARIANT: no singleflight. A client that misses loads the key itself: "
                "press Stampede and count the loads for one key."
            )
        self.ctx = ctx  # ready: the actions may run from now on
        clients = self.crew(self["clients"], self._client, ctx, name="client")
        try:
            self._sample(ctx)
        finally:
            clients.wait()
            self._stop_janitor()
            self._janitor.join(2.0)

    def _sample(self, ctx: context.Context) -> None:
        last_hits = last_misses = 0
        for _ in self.ticks(ctx, SAMPLE):
            st = self._cache.statistics()
            reads = (st.hits - last_hits) + (st.misses - last_misses)
            if reads:
                self.record("hit_ratio", 100.0 * (st.hits - last_hits) / reads)
            last_hits, last_misses = st.hits, st.misses
            self.record_many(loads=self._loads.load(), evictions=st.evictions, size=st.size)

    def _client(self, ctx: context.Context) -> None:
        keys = self["keys"]
        hot = max(1, keys // 4)
        try:
            while True:
                if self.rng.random() < HOT_SHARE:
                    key = f"k{self.rng.randrange(hot)}"
                else:
                    key = f"k{self.rng.randrange(hot, keys)}" if keys > hot else "k0"
                self._read(key, self._load)
                sleep_ctx(ctx, self.rng.uniform(0.05, 0.15))
        except ContextError:
            return  # the lesson is over (also when a load was cut short)

    def _read(self, key: str, loader: Callable[[str], Any]) -> Any:
        """One read: through singleflight (correct), or naive cache-aside (broken)."""
        if not self.broken:
            return self._cache.get_or_load(key, loader)
        # The mistake: check, then load, then store. Between the check and the
        # store every other client that misses the same key loads it too.
        value, ok = self._cache.get(key)
        if not ok:
            value = loader(key)
            self._cache.set(key, value)
        return value

    def _load(self, key: str) -> str:
        """The slow backend: takes loader_delay; cut short (ContextError) when the lesson ends."""
        self._loads.add(1)
        sleep_ctx(self.ctx, self["loader_delay"])
        return f"value of {key}"

    # -- the teacher's actions ---------------------------------------------------

    def on_expire_all(self) -> None:
        if not self.started():
            return
        n = self._cache.expire_all()
        self.note(f"{n} entries expired at once: the next reads miss and go to the loader.")

    def on_stampede(self) -> None:
        if not self.started():
            return
        self._stampedes += 1
        key = f"stampede-{self._stampedes}"  # never loaded before: every caller misses
        loads = AtomicInt64(name="stampede.loads")

        def load(k: str) -> str:
            loads.add(1)
            return self._load(k)

        start = Chan(name="start")  # closed to release every caller at the same instant
        callers = WaitGroup(name="stampede")

        def caller() -> None:
            try:
                start.recv()
                self._read(key, load)
            except ContextError:
                pass  # the lesson ended during the load

        for k in range(1, STAMPEDE + 1):
            callers.go(caller, name=f"stampede-{k}")
        start.close()
        callers.wait()
        assert self.ctx is not None  # started(): run() has set it
        if self.ctx.err() is not None:
            return
        n = loads.load()
        if n == 1:
            self.note(
                f"Stampede: {STAMPEDE} callers asked for {key} at once: 1 load, "
                f"{STAMPEDE - 1} callers waited for it and shared its result."
            )
        else:
            self.note(
                f"Stampede: {STAMPEDE} callers asked for {key} at once: {n} loads of "
                "the same key hit the backend."
            )

    def on_stop_janitor(self) -> None:
        if not self.started():
            return
        self._stop_janitor()
        self.note(
            "Janitor stopped: expired entries now stay in memory until overwritten "
            "(reads still miss them, but the size no longer drops)."
        )
