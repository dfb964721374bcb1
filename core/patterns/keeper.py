"""Share memory by communicating: one goroutine owns the counters.

The keeper goroutine is the only code that touches its map, so the map
needs no lock. Everyone else sends it a request that carries a reply
channel, and waits for the answer, bounded by a timeout. ``stop()`` closes
a ``quit`` channel: the keeper returns, and every caller's ``select`` sees
``quit`` closed and gives up at once. The requests channel is never closed,
so no caller can ever send on a closed channel.

Go::

    type request struct {
        user  string
        reply chan int
    }
    func (k *Keeper) Inc(user string) bool {
        req := request{user, make(chan int, 1)}
        t := time.NewTimer(100 * time.Millisecond)
        defer t.Stop()
        select {
        case k.requests <- req:
        case <-k.quit:
            return false
        case <-t.C:
            return false
        }
        select {
        case <-req.reply:
            return true
        case <-t.C:
            return false
        }
    }
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.runtime import Chan, Once, Recv, Send, Timer, go, select

__all__ = ["ResourceKeeper"]


@dataclass(frozen=True)
class _Request:
    op: str  # "inc", "get" or "all"
    user: str | None
    reply: Chan  # capacity 1: the keeper's answer never waits for a caller that gave up

    def __str__(self) -> str:
        """How a request reads on the stage: "inc alice", "get bob", "all"."""
        return self.op if self.user is None else f"{self.op} {self.user}"


class ResourceKeeper:
    """A map of counters owned by one goroutine, reached only through channels.

    The constructor starts the keeper goroutine (named *name*) in the
    caller's runtime. *delay* (runtime seconds, settable at any time) is how
    long the keeper takes per request: a slow keeper makes ``inc`` time out.

    Nothing here raises ``Panic``: the requests channel is never closed.

    Raises:
        ValueError: *delay* is negative.
    """

    def __init__(self, *, delay: float = 0.0, name: str = "keeper") -> None:
        if delay < 0:
            raise ValueError(f"delay must be >= 0 s, got {delay!r}")
        self.name = name
        # Read by the keeper once per request; a plain attribute write is atomic
        # in Python (Go would use an atomic or send it as a request).
        self.delay = delay
        self._requests = Chan(name=f"{name}.requests")  # never closed
        self._quit = Chan(name=f"{name}.quit")  # closed once, by stop()
        self._stop_once = Once(name=f"{name}.stop")
        self.goroutine = go(self._loop, name=name)

    def _loop(self) -> None:
        counts: dict[str, int] = {}  # owned by this goroutine: no lock needed
        while True:
            i, req, _ = select(Recv(self._requests), Recv(self._quit))
            if i == 1:
                return
            if self.delay > 0 and not self._work(self.delay):
                return  # stopped while busy: the caller sees quit too and gives up
            if req.op == "inc":
                counts[req.user] = counts.get(req.user, 0) + 1
                answer: Any = True
            elif req.op == "get":
                answer = counts.get(req.user, 0)
            else:
                answer = dict(counts)
            req.reply.send(answer)  # room for one: never blocks

    def _work(self, d: float) -> bool:
        """Spend *d* runtime seconds on a request; False if stop() came first."""
        timer = Timer(d, name=f"{self.name}.busy")
        try:
            i, _, _ = select(Recv(timer.c), Recv(self._quit))
            return i == 0
        finally:
            timer.stop()

    def _ask(self, op: str, user: str | None, timeout: float | None) -> tuple[bool, Any]:
        """Send one request and wait for its answer: ``(True, answer)``, or
        ``(False, None)`` when the keeper is stopped or *timeout* expired.

        One Timer bounds both the send and the wait for the reply (a new
        ``after()`` per select would restart the clock and, in Go before 1.23,
        leave a timer behind each time).
        """
        if timeout is not None and timeout < 0:
            raise ValueError(f"timeout must be >= 0 s, got {timeout!r}")
        req = _Request(op, user, Chan(1, name=f"{self.name}.reply"))
        timer = None if timeout is None else Timer(timeout, name=f"{self.name}.timeout")
        expired = None if timer is None else timer.c  # None: a nil channel, never ready
        try:
            i, _, _ = select(Send(self._requests, req), Recv(self._quit), Recv(expired))
            if i != 0:
                return False, None
            # The keeper took the request: it answers once, unless stopped meanwhile.
            i, answer, _ = select(Recv(req.reply), Recv(self._quit), Recv(expired))
            return (True, answer) if i == 0 else (False, None)
        finally:
            if timer is not None:
                timer.stop()

    def inc(self, user: str, timeout: float | None = 0.1) -> bool:
        """Ask the keeper to add one to *user*; True once it confirmed.

        Blocks at most *timeout* runtime seconds (``None``: until the keeper
        answers or is stopped). Returns False when the keeper is stopped or
        did not answer in time. False means "not confirmed": after a timeout
        the keeper may still apply the increment (the request was delivered,
        the answer came late).

        Raises:
            ValueError: *timeout* is negative.
        """
        return self._ask("inc", user, timeout)[0]

    def get(self, user: str) -> int:
        """*user*'s count (0 when unknown, or when the keeper is stopped).

        Blocks until the keeper answers (it takes *delay* per request) or is stopped.
        """
        ok, answer = self._ask("get", user, None)
        return answer if ok else 0

    def get_all(self) -> dict[str, int]:
        """A copy of every count ({} when the keeper is stopped).

        Blocks until the keeper answers or is stopped.
        """
        ok, answer = self._ask("all", None, None)
        return answer if ok else {}

    def stop(self) -> None:
        """Stop the keeper (idempotent, never blocks, never panics).

        Closes ``quit``: the keeper returns (dropping a request it is still
        working on), and every ``inc``/``get`` waiting on it returns at once.

        Go: ``k.stopOnce.Do(func() { close(k.quit) })``
        """
        self._stop_once.do(self._quit.close)

    def inc_unguarded(self, user: str) -> None:
        """The textbook mistake, kept for the broken lesson: no timeout, no quit.

        A bare send and a bare receive. While the keeper runs it works (as
        slowly as the keeper); after ``stop()`` nobody receives on
        ``requests`` any more, so the caller blocks forever on "chan send"
        (or on "chan receive", if the keeper stopped while working on its
        request): a leaked goroutine.

        Go (the mistake): ``k.requests <- req; <-req.reply``
        """
        req = _Request("inc", user, Chan(1, name=f"{self.name}.reply"))
        self._requests.send(req)
        req.reply.recv()
