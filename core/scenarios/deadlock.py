"""Lesson "deadlock": three classic ways to make every goroutine wait for another.

A forgotten unlock, two locks taken in opposite orders, a receive nobody will
ever send to. The broken variant really deadlocks, and the runtime says so in
Go's words: "fatal error: all goroutines are asleep - deadlock!". The correct
variant runs the fixed code round after round.
"""

from __future__ import annotations

from collections.abc import Callable

from core import runtime
from core.runtime import Chan, Mutex, Recv, WaitGroup, context, select
from core.scenarios._base import Metric, Param, Scenario, variant_param
from core.scenarios._pacing import Pause

__all__ = ["Deadlock"]

_BETWEEN_ROUNDS = 0.6  # runtime seconds between two rounds of a story


# The runtime's deadlock check is a tool beside the program, as Go's is: run()
# asks it about every _CHECK_WALL wall seconds (a sleep of _CHECK_WALL * speed
# on the runtime clock), so it answers at once at any speed and stop() never
# waits for that sleep.
_CHECK_WALL = 0.05


class Deadlock(Scenario):
    """Every goroutine waits for another: Go's "all goroutines are asleep".

    forgotten-unlock (Go)::

        mu.Lock()
        if err != nil {
            return // BROKEN: mu stays locked; fix: defer mu.Unlock()
        }
        mu.Unlock()

    everyone-waiting (Go)::

        go transfer(a, b) // locks a, then b
        go transfer(b, a) // BROKEN: locks b, then a; fix: one global order

    receive-without-sender (Go)::

        results := make(chan int)
        // BROKEN: go produce(results) was forgotten
        v := <-results
    """

    id = "deadlock"
    title = "Deadlock: everyone waits, nobody can move"
    chapter = "Pitfalls"
    summary = (
        "Three classic deadlocks: a forgotten unlock, locks taken in opposite orders, a receive "
        "with no sender. Broken, the runtime reports Go's fatal error and who waits on what."
    )
    params = (
        variant_param(
            "correct: the fixed code, round after round. broken: the mistake, which deadlocks.",
        ),
        Param(
            "mistake",
            str,
            "forgotten-unlock",
            "Which deadlock: an unlock skipped on an early return, two goroutines taking two "
            "locks in opposite orders, or a receive that no goroutine will ever send to.",
            choices=("forgotten-unlock", "everyone-waiting", "receive-without-sender"),
        ),
    )
    metrics = (
        Metric("rounds", "rounds", "Rounds of the story that finished."),
        Metric(
            "asleep",
            "goroutines",
            "Goroutines the runtime found asleep forever (0 until a deadlock).",
            label="asleep forever",
        ),
    )
    source_modules = ("core.scenarios.deadlock",)
    # run() is the runtime's deadlock detector here, not the story: Go's own main is
    # "main.main" (as its report names it), and the detector is the runtime's business.
    plumbing = ("main",)

    def __init__(self, **values: object) -> None:
        super().__init__(**values)
        self._rounds = 0  # written by main.main only

    def run(self, ctx: context.Context) -> None:
        """Start the story's main; ask the runtime about deadlock until one is found.

        Then wait for *ctx* only: a wait on the root context's done channel
        is one the runtime trusts to end (stop() closes it), so it never
        counts as part of a deadlock; run() also excludes itself while it
        checks.
        """
        rt = runtime.current_runtime()
        me = runtime.current()
        assert me is not None
        mistake = self["mistake"]
        if self.broken:
            self.note(f"BROKEN VARIANT ({mistake}): {self._story_broken()}")
        else:
            self.note(f"CORRECT ({mistake}): {self._story_fixed()}")
        # Named as Go's own report names it; ScenarioRun's "main" is the one running run().
        runtime.go(self._main, ctx, name="main.main")
        while ctx.err() is None:
            report = rt.check_deadlock(exclude=(me,))
            if report is not None:
                self.record("rounds", self._rounds)
                self.record("asleep", len(report.goroutines))
                self.note(report.text)
                for line in report.explanations:
                    self.note(f"Why: {line}.")
                break
            self.record("rounds", self._rounds)
            self.record("asleep", 0)
            runtime.sleep(_CHECK_WALL * rt.clock.speed)
        select(Recv(ctx.done()))

    def _story_broken(self) -> str:
        return {
            "forgotten-unlock": "worker 1 returns early without mu.Unlock(); worker 2 waits "
            "for mu forever, and main.main waits for worker 2.",
            "everyone-waiting": "worker 1 locks A then B, worker 2 locks B then A: each holds "
            "what the other needs.",
            "receive-without-sender": "main.main receives from results, but nobody was "
            "started to send on it.",
        }[self["mistake"]]

    def _story_fixed(self) -> str:
        return {
            "forgotten-unlock": "every path unlocks (Go: defer mu.Unlock()).",
            "everyone-waiting": "both workers lock A before B: one global lock order.",
            "receive-without-sender": "main.main starts the producer before it receives.",
        }[self["mistake"]]

    def _main(self, ctx: context.Context) -> None:
        """Play the story round after round (broken: the first round never ends)."""
        story: Callable[[context.Context], None] = {
            "forgotten-unlock": self._forgotten_unlock,
            "everyone-waiting": self._everyone_waiting,
            "receive-without-sender": self._receive_without_sender,
        }[self["mistake"]]
        # The story waits on a child of the lesson's context. The deadlock check
        # skips a goroutine that waits on the root context's done channel (only
        # stop() ends that), so it would see a worker napping there only through
        # its pending timer, and not in the instant after that timer fired.
        story_ctx, cancel = context.with_cancel(ctx, name="story")
        try:
            with Pause(story_ctx, "between rounds") as between:
                while story_ctx.err() is None:
                    story(story_ctx)
                    if story_ctx.err() is None:
                        self._rounds += 1
                    between.wait(_BETWEEN_ROUNDS)
        finally:
            cancel()

    def _forgotten_unlock(self, ctx: context.Context) -> None:
        mu = Mutex(name="mu")
        wg = WaitGroup(name="wg")

        def worker(k: int, fails: bool) -> None:
            self.nap(ctx, 0.05 * k, name=f"worker {k} starts")
            if self.broken:
                mu.lock()
                self.nap(ctx, 0.2, name=f"worker {k} works")
                if fails:
                    return  # BROKEN: an early return that skips mu.unlock()
                mu.unlock()
            else:
                with mu:  # Go: mu.Lock(); defer mu.Unlock()
                    self.nap(ctx, 0.2, name=f"worker {k} works")
                    if fails:
                        return

        wg.go(worker, 1, True, name="worker 1")
        wg.go(worker, 2, False, name="worker 2")
        wg.wait()

    def _everyone_waiting(self, ctx: context.Context) -> None:
        a = Mutex(name="A")
        b = Mutex(name="B")
        wg = WaitGroup(name="wg")

        def transfer(k: int, first: Mutex, second: Mutex) -> None:
            first.lock()
            self.nap(ctx, 0.2, name=f"worker {k} works")
            second.lock()
            self.nap(ctx, 0.1, name=f"worker {k} works")
            second.unlock()
            first.unlock()

        wg.go(transfer, 1, a, b, name="worker 1")
        if self.broken:
            wg.go(transfer, 2, b, a, name="worker 2")  # BROKEN: the opposite order
        else:
            wg.go(transfer, 2, a, b, name="worker 2")  # one global order: A, then B
        wg.wait()

    def _receive_without_sender(self, ctx: context.Context) -> None:
        results = Chan(0, name="results")

        def produce() -> None:
            self.nap(ctx, 0.2, name="producer works")
            results.send(42)

        if not self.broken:
            runtime.go(produce, name="producer")
        # BROKEN: no producer was started, so this receive waits forever.
        results.recv()
