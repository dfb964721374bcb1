"""Lesson "user-counters": counting requests per user from many goroutines.

Client goroutines count requests per user in one
:class:`~core.patterns.user_counters.UserCounters`: an RWMutex around a map
of atomic counters. A known user costs a read lock and an atomic add; a new
user takes the write lock once. The broken variant counts in a plain map
with no lock (:class:`~core.patterns.user_counters.UnsafeUserCounters`) and
loses counts.

Go::

    func (c *UserCounters) Inc(user string) {
        c.mu.RLock()
        n, ok := c.counters[user]
        c.mu.RUnlock()
        if !ok {
            c.mu.Lock()
            if n, ok = c.counters[user]; !ok {
                n = new(atomic.Int64)
                c.counters[user] = n
            }
            c.mu.Unlock()
        }
        n.Add(1)
    }
"""

from __future__ import annotations

from itertools import islice

from core.patterns.user_counters import UnsafeUserCounters, UserCounters
from core.runtime import AtomicInt64, Mutex, context, go
from core.scenarios._base import Action, Metric, Param, Scenario, variant_param
from core.scenarios._pacing import Rates

__all__ = ["UserCountersLesson"]

NAMES = (
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "mallory",
    "niaj",
    "olivia",
    "peggy",
    "rupert",
    "sybil",
    "trent",
    "victor",
    "walter",
)
BURST_GOROUTINES = 8
BURST_INCREMENTS = 10
BURST_RATE = 20.0  # increments per runtime second, per burst goroutine
BROKEN_GAP = 0.03  # runtime seconds between the broken map's read and write
SAMPLE = 0.2  # runtime seconds between two metric samples


class UserCountersLesson(Scenario):
    """Clients count random users in a UserCounters (or, broken, a plain map).

    ``run`` starts the clients and samples the counters until its context is
    done; every goroutine it or an action starts ends with that context.
    """

    id = "user-counters"
    title = "Counters per user: RWMutex and atomics"
    chapter = "Applied counters"
    summary = (
        "Clients count requests per user in a map guarded by an RWMutex, one atomic "
        "counter per user. Broken: a plain map with no lock loses counts."
    )
    params = (
        variant_param(
            "correct: RWMutex + atomic counters; broken: a plain map with no lock",
        ),
        Param(
            "clients",
            int,
            4,
            "Client goroutines counting requests",
            minimum=1,
            maximum=12,
            unit="goroutines",
        ),
        Param(
            "users",
            int,
            3,
            "Distinct users the clients count at the start",
            minimum=1,
            maximum=10,
            unit="users",
        ),
        Param(
            "rate",
            float,
            5.0,
            "Requests each client counts per runtime second",
            minimum=0.5,
            maximum=50.0,
            unit="/s",
        ),
    )
    actions = (
        Action(
            "burst",
            "Burst on one user",
            f"{BURST_GOROUTINES} more goroutines each count {BURST_INCREMENTS} requests "
            "of the same user, fast",
        ),
        Action(
            "new-user",
            "New user",
            "A new user appears: its first count takes the write lock and creates its counter",
        ),
    )
    metrics = (
        Metric("requests", "requests", "Requests the goroutines finished counting (the truth)"),
        Metric("counted", "requests", "Sum of every user's counter"),
        Metric("lost", "requests", "Requests counted but missing from the counters"),
        Metric("users", "users", "Users with a counter in the map"),
        Metric("rate", "requests/s", "Requests counted per runtime second"),
    )
    source_modules = ("core.patterns.user_counters", "core.scenarios.user_counters")

    def __init__(self, **values: object) -> None:
        super().__init__(**values)
        # Replaced whole (never mutated) under self._users_mu by new-user; clients
        # read it without the lock: an attribute read is atomic.
        self._users: tuple[str, ...] = NAMES[: self["users"]]
        self._users_mu: Mutex | None = None
        self._counters: UserCounters | UnsafeUserCounters | None = None  # made by run()
        self._requests: AtomicInt64 | None = None

    def run(self, ctx: context.Context) -> None:
        """Start the clients, then sample the counters until *ctx* is done."""
        if self.broken:
            self._counters = UnsafeUserCounters(gap=BROKEN_GAP, name="counts")
            self.note(
                "BROKEN VARIANT: counts[user]++ on a plain map with no lock. Two clients "
                "that read the same count both write count+1: one request is lost. "
                '(Go may even crash with "fatal error: concurrent map writes".)'
            )
        else:
            self._counters = UserCounters(name="counts")
        self._requests = AtomicInt64(name="requests")
        self._users_mu = Mutex(name="users.mu")
        self.ctx = ctx  # ready: the actions may run from now on
        for k in range(self["clients"]):
            go(self._client, ctx, self["rate"], None, None, name=f"client-{k}")
        rates = Rates()
        for t in self.ticks(ctx, SAMPLE):
            requests = self._requests.load()
            counts = self._counters.get_all()
            counted = sum(counts.values())
            self.record_many(
                requests=requests,
                counted=counted,
                # A client between inc() and requests.add(1) can put counted one ahead.
                lost=max(0, requests - counted),
                users=len(counts),
                **rates.update(t, rate=requests),
            )

    def _client(
        self, ctx: context.Context, rate: float, user: str | None, count: int | None
    ) -> None:
        """Count requests at *rate* per second until ctx is done.

        *user* None: a random user each time; else always *user*. *count*
        None: forever; else that many requests.
        """
        counters, requests = self._counters, self._requests
        assert counters is not None and requests is not None  # run() made them before any client
        for _ in islice(self.paced(ctx, rate), count):
            counters.inc(user or self.rng.choice(self._users))
            requests.add(1)

    # -- the teacher's actions ---------------------------------------------

    def on_burst(self) -> None:
        if not self.started():
            return
        user = self._users[0]
        self.note(
            f"Burst: {BURST_GOROUTINES} goroutines count {BURST_INCREMENTS} requests of "
            f"{user} each."
        )
        for k in range(BURST_GOROUTINES):
            go(self._client, self.ctx, BURST_RATE, user, BURST_INCREMENTS, name=f"burst-{k}")

    def on_new_user(self) -> None:
        if not self.started():
            return
        assert self._users_mu is not None  # started(): run() made it before setting self.ctx
        with self._users_mu:
            unused = [n for n in NAMES if n not in self._users]
            user = unused[0] if unused else f"user{len(self._users)}"
            self._users = (*self._users, user)
        self.note(f"New user {user}: the first count creates its counter under the write lock.")
