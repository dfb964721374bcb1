"""Lesson "mutex-fairness": a hog that relocks at once, a waiter that needs the lock too.

Go's ``TestMutexFairness`` at a human pace. The hog locks ``mu``, sleeps
inside it, unlocks and locks again at once, round after round; the waiter
needs ``mu`` a few times (one short critical section each). A woken waiter
in normal mode competes with the hog, which is already running and wins
again and again. Go's Mutex has an answer: a waiter that has waited more
than 1 ms switches it to starvation mode, and unlock then hands the lock to
the first waiter (FIFO); the hog has to queue. The waiter gets the lock
after at most about two of the hog's holds.

The broken variant is the test's hog (it sleeps inside the lock); the
correct one does its slow work outside and holds ``mu`` only to update the
shared state, so the waiter hardly waits and the mutex never starves.

Go (broken)::

    for { mu.Lock(); time.Sleep(hold); mu.Unlock() } // the hog

    for range needs { time.Sleep(gap); mu.Lock(); mu.Unlock() } // the waiter

Go (correct)::

    for { time.Sleep(hold); mu.Lock(); shared++; mu.Unlock() } // the hog
"""

from __future__ import annotations

import threading
from typing import ClassVar

from core.runtime import Mutex, WaitGroup, context, now
from core.scenarios._base import Action, Metric, Param, Scenario, variant_param
from core.scenarios._pacing import Rates

__all__ = ["MutexFairness"]

_SAMPLE = 0.05  # runtime seconds between samples (a starvation spell lasts about one hold)
_REST = 1.0  # runtime seconds between two rounds of a waiter
_HOG_BREAK = 1.0  # runtime seconds the hog spends outside the lock after "hog-pauses"
_MAX_WAITERS = 3


class MutexFairness(Scenario):
    """A hog and a waiter share a Mutex; starvation mode lets the waiter in."""

    id = "mutex-fairness"
    title = "Mutex fairness: a hog, a waiter and starvation mode"
    chapter = "Shared state"
    summary = (
        "A hog relocks a Mutex in a loop while it sleeps inside; a waiter needs it a few "
        "times. Go's starvation mode hands the lock to the waiter; a short critical section "
        "makes it unnecessary."
    )
    params: ClassVar[tuple[Param, ...]] = (
        variant_param(
            "correct: the hog works outside the lock and holds it only to update; broken: the "
            "hog sleeps inside the lock and relocks at once (Go's TestMutexFairness)",
        ),
        Param(
            "hold",
            float,
            0.2,
            "Time the hog works per round: inside the lock (broken) or outside it (correct)",
            minimum=0.01,
            maximum=1.0,
            unit="s",
        ),
        Param(
            "needs",
            int,
            10,
            "Times the waiter needs the lock in a round",
            minimum=1,
            maximum=30,
            unit="locks",
        ),
        Param(
            "gap",
            float,
            0.1,
            "Time the waiter spends between two of its locks",
            minimum=0.0,
            maximum=1.0,
            unit="s",
        ),
    )
    actions: ClassVar[tuple[Action, ...]] = (
        Action(
            "add-waiter",
            "Another waiter",
            f"One more waiter needs the lock (up to {_MAX_WAITERS}): starvation mode serves "
            "the waiters in the order they came",
        ),
        Action(
            "hog-pauses",
            "Hog steps out",
            f"The hog spends {_HOG_BREAK:g} s outside the lock once: the waiters get it at once",
        ),
    )
    metrics: ClassVar[tuple[Metric, ...]] = (
        Metric("hog_locks", "locks/s", "Times the hog got the lock per second", label="hog"),
        Metric(
            "waiter_locks",
            "locks/s",
            "Times the waiters got the lock per second",
            label="waiters",
        ),
        Metric("wait", "ms", "How long a waiter waited for the lock, one sample per lock"),
        Metric(
            "longest_wait",
            "ms",
            "The longest a waiter has waited for the lock since the start",
            label="longest wait",
        ),
        Metric(
            "starving",
            "0/1",
            "1 while mu is in starvation mode (unlock hands it to the first waiter), 0 in "
            "normal mode",
            label="starvation mode",
        ),
    )
    source_modules = ("core.scenarios.mutex_fairness",)

    def __init__(self, **values: object) -> None:
        super().__init__(**values)
        self._lock = threading.Lock()  # guards the counters below (written by several goroutines)
        self._hog_locks = 0
        self._waiter_locks = 0
        self._longest = 0.0  # runtime seconds
        self._waiters = 0  # waiter goroutines started
        self._hog_break = False  # "hog-pauses" asked for one break
        self._shared = 0  # what mu guards (the hog and the waiters update it)
        self._wg: WaitGroup | None = None
        self.mu: Mutex | None = None

    # -- the story -------------------------------------------------------------

    def run(self, ctx: context.Context) -> None:
        if self.broken:
            self.note(
                "BROKEN VARIANT: the hog sleeps inside mu and relocks at once. A woken waiter "
                "loses to it until it has waited over 1 ms; then mu turns to starvation mode "
                "and unlock hands it to the waiter."
            )
        else:
            self.note(
                "The hog works outside mu and holds it only to update the shared count: the "
                "waiter gets mu almost at once, and mu stays in normal mode."
            )
        self.mu = Mutex(name="mu")
        self._wg = wg = WaitGroup(name="goroutines")
        wg.go(self._hog, ctx, self.mu, name="hog")
        self._add_waiter(ctx)
        self.ctx = ctx
        self._sample(ctx, self.mu)
        wg.wait()

    def _add_waiter(self, ctx: context.Context) -> bool:
        with self._lock:
            if self._waiters >= _MAX_WAITERS:
                return False
            self._waiters += 1
            k = self._waiters
        assert self._wg is not None and self.mu is not None
        self._wg.go(self._waiter, ctx, self.mu, k, name=f"waiter {k}" if k > 1 else "waiter")
        return True

    def _hog(self, ctx: context.Context, mu: Mutex) -> None:
        """Lock, work, unlock, again; broken: the work is inside the lock."""
        while ctx.err() is None:
            if self.broken:
                with mu:  # BROKEN: the whole round inside the lock, and relocked at once
                    with self._lock:
                        self._hog_locks += 1
                    self._shared += 1
                    if not self.nap(ctx, self["hold"], name="hog works inside mu"):
                        return
            else:
                if not self.nap(ctx, self["hold"], name="hog works"):
                    return
                with mu:  # only the update is inside the lock
                    with self._lock:
                        self._hog_locks += 1
                    self._shared += 1
            if self._hog_break:
                self._hog_break = False
                if not self.nap(ctx, _HOG_BREAK, name="hog steps out"):
                    return

    def _waiter(self, ctx: context.Context, mu: Mutex, k: int) -> None:
        """Need mu ``needs`` times a round, a gap apart; say how the round went."""
        name = "waiter" if k == 1 else f"waiter {k}"
        while ctx.err() is None:
            start, longest = now(), 0.0
            for _ in range(self["needs"]):
                if not self.nap(ctx, self["gap"], name=f"{name} between locks"):
                    return
                t0 = now()
                with mu:
                    waited = now() - t0
                    self._shared += 1
                longest = max(longest, waited)
                with self._lock:
                    self._waiter_locks += 1
                    self._longest = max(self._longest, waited)
                    overall = self._longest
                self.record_many(wait=waited * 1000, longest_wait=overall * 1000)
            self.note(
                f"{name}: {self['needs']} locks in {now() - start:.2f} s, longest wait "
                f"{longest * 1000:.0f} ms"
            )
            if not self.nap(ctx, _REST, name=f"{name} rests"):
                return

    def _sample(self, ctx: context.Context, mu: Mutex) -> None:
        """Sample the lock counts and mu's mode until *ctx* ends; say when the mode changes."""
        rates = Rates()
        starving, spells = False, 0
        self.record_many(starving=0, wait=0, longest_wait=0)
        for t in self.ticks(ctx, _SAMPLE):
            with self._lock:
                hog, waiter = self._hog_locks, self._waiter_locks
            now_starving = mu.starving
            if now_starving and not starving:
                spells += 1
                if spells == 1:
                    self.note(
                        "mu is in STARVATION MODE: a waiter waited over 1 ms, so unlock hands "
                        "mu to the first waiter (FIFO); the hog has to queue behind it."
                    )
            elif starving and not now_starving and spells == 1:
                self.note(
                    "mu is back in NORMAL MODE: its last waiter got it. It switches again "
                    "whenever a waiter waits over 1 ms."
                )
            starving = now_starving
            self.record_many(
                starving=1 if starving else 0,
                **rates.update(t, hog_locks=hog, waiter_locks=waiter),
            )

    # -- teacher actions ---------------------------------------------------------

    def on_add_waiter(self) -> None:
        if not self.started():
            return
        assert self.ctx is not None
        if self._add_waiter(self.ctx):
            self.note("another waiter needs mu: in starvation mode the waiters get it in turn")
        else:
            self.note(f"there are {_MAX_WAITERS} waiters already")

    def on_hog_pauses(self) -> None:
        if not self.started():
            return
        self._hog_break = True
        self.note(f"the hog will spend {_HOG_BREAK:g} s outside mu after its next round")
