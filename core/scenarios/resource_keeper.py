"""Lesson "resource-keeper": one goroutine owns the counters; clients ask it by channel.

Clients call :meth:`~core.patterns.keeper.ResourceKeeper.inc`, which sends
a request carrying a reply channel and waits for the answer, at most
``timeout``, and gives up at once when the keeper is stopped. The teacher
can slow the keeper down (requests time out) or stop it (``inc`` returns
False at once). The broken variant is the bare ``k.requests <- req;
<-req.reply``: a slow keeper makes every client wait as long as it takes,
and after a stop the clients block forever on "chan send" - leaked.

Go::

    select {
    case k.requests <- req:
    case <-k.quit:
        return false
    case <-t.C:
        return false
    }
"""

from __future__ import annotations

from core.patterns.keeper import ResourceKeeper
from core.runtime import AtomicInt64, Mutex, context, go, now
from core.scenarios._base import Action, Metric, Param, Scenario, variant_param

__all__ = ["ResourceKeeperLesson"]

USERS = ("alice", "bob", "carol")
SAMPLE = 0.2  # runtime seconds between two metric samples


class ResourceKeeperLesson(Scenario):
    """Clients ask a ResourceKeeper to count; the teacher slows, stops or restarts it.

    ``run`` stops the current keeper when its context ends, and no keeper is
    started after that. Broken: clients use ``inc_unguarded`` and stay blocked
    on a stopped keeper until the runtime stops (reported as leaked).
    """

    id = "resource-keeper"
    title = "A resource keeper: share memory by communicating"
    chapter = "Applied counters"
    summary = (
        "One goroutine owns the counters; clients send it requests with a reply channel "
        "and a timeout. Broken: no timeout, no quit - stopped keeper, blocked clients."
    )
    params = (
        variant_param(
            "correct: inc selects on the request, quit and one timer; broken: a bare send "
            "and receive with no timeout",
        ),
        Param(
            "clients",
            int,
            4,
            "Client goroutines asking the keeper to count",
            minimum=1,
            maximum=10,
            unit="goroutines",
        ),
        Param(
            "rate",
            float,
            4.0,
            "Increments each client asks for per runtime second",
            minimum=0.5,
            maximum=50.0,
            unit="/s",
        ),
        Param(
            "timeout",
            int,
            100,
            "How long inc waits for the keeper before returning False",
            minimum=10,
            maximum=2000,
            unit="ms",
        ),
        Param(
            "slow_delay",
            int,
            300,
            "How long the slow keeper takes per request",
            minimum=10,
            maximum=3000,
            unit="ms",
        ),
    )
    actions = (
        Action(
            "stop-keeper",
            "Stop the keeper",
            "Close the keeper's quit channel: it returns, and inc returns False at once",
        ),
        Action(
            "slow-keeper",
            "Slow keeper on/off",
            "The keeper takes slow_delay per request: inc calls time out",
        ),
        Action(
            "restart-keeper",
            "Restart the keeper",
            "Stop the keeper and start a new one, with empty counters",
        ),
    )
    metrics = (
        Metric("ok", "calls", "inc calls the keeper confirmed in time, since the start"),
        Metric(
            "failed",
            "calls",
            "inc calls that returned False (keeper stopped or too slow), since the start",
        ),
        Metric("waiting", "goroutines", "Clients inside inc right now, waiting for the keeper"),
        Metric("latency", "ms", "How long the last inc call took"),
        Metric("keeper_alive", "goroutines", "1 while the keeper goroutine runs, else 0"),
    )
    source_modules = ("core.patterns.keeper", "core.scenarios.resource_keeper")

    def run(self, ctx: context.Context) -> None:
        """Start a keeper and the clients; sample until *ctx* is done, then stop the keeper."""
        self._ok = AtomicInt64(name="ok")
        self._failed = AtomicInt64(name="failed")
        self._waiting = AtomicInt64(name="waiting")
        self._mu = Mutex(name="lesson.mu")
        # Guarded by self._mu for writes; made just below (_new_keeper), then replaced whole.
        self._keeper: ResourceKeeper
        self._slow = False  # guarded by self._mu
        self._generation = 0  # guarded by self._mu
        self._closed = False  # guarded by self._mu: once set, no keeper is started
        with self._mu:
            self._new_keeper()
        if self.broken:
            self.note(
                "BROKEN VARIANT: inc is `k.requests <- req; <-req.reply` with no timeout "
                "and no quit. Slow the keeper or stop it, and watch the clients get stuck."
            )
        for k in range(self["clients"]):
            go(self._client, ctx, name=f"client-{k}")
        self.ctx = ctx  # ready: the actions may run from now on
        try:
            for _ in self.ticks(ctx, SAMPLE):
                self.record_many(
                    ok=self._ok.load(),
                    failed=self._failed.load(),
                    waiting=self._waiting.load(),
                    keeper_alive=int(self._keeper.goroutine.alive),
                )
        finally:
            with self._mu:
                self._closed = True
                self._keeper.stop()

    def _new_keeper(self) -> ResourceKeeper:
        """Start a keeper and make it the current one (caller holds self._mu)."""
        self._generation += 1
        delay = self["slow_delay"] / 1000 if self._slow else 0.0
        self._keeper = ResourceKeeper(delay=delay, name=f"keeper-{self._generation}")
        return self._keeper

    def _client(self, ctx: context.Context) -> None:
        timeout = self["timeout"] / 1000
        for _ in self.paced(ctx, self["rate"]):
            keeper = self._keeper  # replaced whole by restart: an attribute read is atomic
            user = self.rng.choice(USERS)
            self._waiting.add(1)
            t0 = now()
            if self.broken:
                keeper.inc_unguarded(user)  # blocks forever once the keeper is stopped
                ok = True
            else:
                ok = keeper.inc(user, timeout=timeout)
            self._waiting.add(-1)
            self.record("latency", (now() - t0) * 1000)
            (self._ok if ok else self._failed).add(1)

    # -- the teacher's actions ---------------------------------------------

    def on_stop_keeper(self) -> None:
        if not self.started():
            return
        with self._mu:
            self._keeper.stop()
        if self.broken:
            self.note(
                "BROKEN VARIANT: the keeper is gone, and nobody receives on its requests "
                'channel: every client that calls inc now blocks forever on "chan send".'
            )
        else:
            self.note("Keeper stopped: inc sees quit closed and returns False at once.")

    def on_slow_keeper(self) -> None:
        if not self.started():
            return
        with self._mu:
            self._slow = not self._slow
            self._keeper.delay = self["slow_delay"] / 1000 if self._slow else 0.0
            slow = self._slow
        if not slow:
            self.note("The keeper is quick again.")
        elif self.broken:
            self.note(
                f"BROKEN VARIANT: the keeper takes {self['slow_delay']} ms per request and "
                "inc has no timeout: every client waits in line for it."
            )
        else:
            self.note(
                f"The keeper takes {self['slow_delay']} ms per request; inc gives up after "
                f"{self['timeout']} ms and returns False."
            )

    def on_restart_keeper(self) -> None:
        if not self.started():
            return
        with self._mu:
            if self._closed:
                return
            old = self._keeper
            new = self._new_keeper()
        old.stop()
        self.note(f"{new.name} started with empty counters; {old.name} stopped.")
        if self.broken:
            self.note(
                "BROKEN VARIANT: clients already blocked on the old keeper stay blocked: "
                "nothing will ever receive their request."
            )
