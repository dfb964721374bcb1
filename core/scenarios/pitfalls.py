"""Pitfalls: the deadlock and the panic on a closed channel.

* ``deadlock``: three classic ways to make every goroutine wait for another
  one (a forgotten unlock, two locks taken in opposite orders, a receive
  nobody will ever send to). The broken variant really deadlocks, and the
  runtime says so in Go's words: "fatal error: all goroutines are asleep -
  deadlock!". The correct variant runs the fixed code round after round.
* ``closed-channel-panic``: a channel must be closed once, by the sending
  side, after the last send. Broken, a producer closes while another still
  sends ("send on closed channel") and the receiver closes what is already
  closed ("close of closed channel"); both are real panics of goroutines.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from core import runtime
from core.runtime import Chan, Mutex, Recv, Send, WaitGroup, context, select
from core.scenarios._base import Action, Metric, Param, Scenario, variant_param
from core.scenarios._pacing import Pause

__all__ = ["ClosedChannelPanic", "Deadlock"]

_BETWEEN_ROUNDS = 0.6  # runtime seconds between two rounds of a story


# -- deadlock ----------------------------------------------------------------

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
    source_modules = ("core.scenarios.pitfalls",)

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


# -- closed-channel-panic ----------------------------------------------------


class ClosedChannelPanic(Scenario):
    """Two producers, one consumer, one channel: who may close it?

    Correct (Go)::

        var wg sync.WaitGroup
        for _, n := range []int{4, 6} {
            wg.Add(1)
            go func() { defer wg.Done(); for i := range n { ch <- i } }()
        }
        go func() { wg.Wait(); close(ch) }() // once, after the last send
        for v := range ch { ... }            // the receiver never closes

    Broken (Go)::

        go func() { for i := range 4 { ch <- i }; close(ch) }() // "I'm done"
        go func() { for i := range 6 { ch <- i }; close(ch) }() // panics on send
        for v := range ch { ... }
        close(ch) // "to be tidy": panic: close of closed channel
    """

    id = "closed-channel-panic"
    title = "Closed channel: panic on send, panic on a second close"
    chapter = "Pitfalls"
    summary = (
        "Only the sending side closes a channel, once, after the last send. Broken: a producer "
        "closes while another still sends, and the receiver closes it again: two panics."
    )
    params = (
        variant_param(
            "correct: a closer closes once after every producer is done. broken: each producer "
            "closes when it is done, and the receiver closes too.",
        ),
        Param(
            "capacity",
            int,
            2,
            "Capacity of the jobs channel.",
            minimum=0,
            maximum=8,
            unit="values",
        ),
        Param(
            "producer_interval",
            float,
            0.15,
            "Time each producer takes to make one value.",
            minimum=0.05,
            maximum=1.0,
            unit="s",
        ),
    )
    actions = (
        Action(
            "close-early",
            "Close early",
            "The receiver wants to stop now. Broken: it closes the channel itself. "
            "Correct: it asks the producers to stop, and the closer closes.",
        ),
    )
    metrics = (
        Metric("received", "values", "Values the consumer received since the start."),
        Metric("panics", "panics", "Goroutines that died of a panic since the start."),
        Metric("rounds", "rounds", "Rounds of the story that ended."),
    )
    source_modules = ("core.scenarios.pitfalls",)

    _SENDS = (4, 6)  # values each producer sends in a round

    def __init__(self, **values: object) -> None:
        super().__init__(**values)
        self._lock = threading.Lock()  # guards the counter and the current round's channels
        self._received = 0
        self._rounds = 0  # written by run() only
        self._ch: Chan | None = None
        self._quit: Chan | None = None
        self._quit_once: runtime.Once | None = None

    def run(self, ctx: context.Context) -> None:
        """Play rounds until *ctx* ends; sample the counters after each."""
        if self.broken:
            self.note(
                "BROKEN VARIANT: each producer closes the channel when it is done, and the "
                "consumer closes it too: expect 'send on closed channel' and "
                "'close of closed channel'."
            )
        else:
            self.note(
                "Only the sending side closes: a closer waits for every producer, then closes."
            )
        rt = runtime.current_runtime()
        with Pause(ctx, "between rounds") as between:
            while ctx.err() is None:
                goroutines = self._round(ctx)
                for g in goroutines:
                    g.join(1.0)  # its panic, if any, is recorded once its thread ends
                    if g.panic is not None:
                        self.note(f"panic in {g.name}: {g.panic}")
                if ctx.err() is None:
                    self._rounds += 1
                self._sample(len(rt.panics))
                between.wait(_BETWEEN_ROUNDS)

    def _sample(self, panics: int) -> None:
        with self._lock:
            received = self._received
        self.record("received", received)
        self.record("panics", panics)
        self.record("rounds", self._rounds)

    def _round(self, ctx: context.Context) -> list[runtime.Goroutine]:
        """One round: two producers and a consumer; returns once all have ended."""
        ch = Chan(self["capacity"], name="jobs")
        quit_ = Chan(0, name="quit")
        with self._lock:
            self._ch, self._quit = ch, quit_
            self._quit_once = runtime.Once(name="quit once")
        wg = WaitGroup(name="round")
        producers = WaitGroup(name="producers")
        gs = []
        for k, n in enumerate(self._SENDS, 1):
            producers.add(1)
            wg.add(1)
            gs.append(
                runtime.go(
                    self._producer, ctx, ch, quit_, k, n, producers, wg, name=f"producer {k}"
                )
            )
        if not self.broken:
            gs.append(wg.go(self._closer, producers, ch, name="closer"))
        gs.append(wg.go(self._consumer, ctx, ch, name="consumer"))
        wg.wait()
        return gs

    def _producer(
        self,
        ctx: context.Context,
        ch: Chan,
        quit_: Chan,
        k: int,
        n: int,
        producers: WaitGroup,
        wg: WaitGroup,
    ) -> None:
        """Send *n* values, one per interval; broken: then close ch ("I'm done")."""
        try:
            with Pause(ctx, f"producer {k} works") as pause:
                for i in range(1, n + 1):
                    if not pause.wait(self["producer_interval"]):
                        return
                    if self.broken:
                        ch.send(f"p{k}-{i}")  # panics once another goroutine has closed ch
                    else:
                        j, _, _ = select(Send(ch, f"p{k}-{i}"), Recv(quit_), Recv(ctx.done()))
                        if j != 0:
                            return  # asked to stop: the closer will close ch
                if self.broken:
                    ch.close()  # BROKEN: "I'm done", but the other producer is not
        finally:
            producers.done()
            wg.done()

    def _closer(self, producers: WaitGroup, ch: Chan) -> None:
        """Close ch once, after the last send. Go: ``go func() { wg.Wait(); close(ch) }()``"""
        producers.wait()
        ch.close()

    def _consumer(self, ctx: context.Context, ch: Chan) -> None:
        """Receive until ch is closed (Go: ``for v := range ch``); broken: then close it too."""
        while True:
            # range ch, with a way out when the program ends
            i, _, ok = select(Recv(ch), Recv(ctx.done()))
            if i == 1:
                return
            if not ok:
                break
            with self._lock:
                self._received += 1
        if self.broken:
            ch.close()  # BROKEN: "to be tidy", but it is already closed

    def on_close_early(self) -> None:
        with self._lock:
            ch, quit_, once = self._ch, self._quit, self._quit_once
        if ch is None or quit_ is None or once is None:
            return
        if self.broken:
            self.note("The consumer closes jobs itself, while the producers still send.")
            ch.close()  # BROKEN: a receiver closing; a second close panics right here
        else:
            self.note("The consumer asks the producers to stop (close(quit)); the closer closes.")
            once.do(quit_.close)
