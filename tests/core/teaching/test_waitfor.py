"""The wait-for graph: who waits on what, who could wake it, cycles, the stuck, in words."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers import wait_until

from core.runtime import Chan, Mutex, Recv, Runtime, WaitGroup, after, go, select, sleep
from core.scenarios import ScenarioRun, get
from core.teaching.waitfor import UsageIndex, WaitForGraph
from core.trace import Tracer


@pytest.fixture
def rt() -> Iterator[Runtime]:
    runtime = Runtime(name="teaching", tracer=Tracer())
    with runtime.active():
        yield runtime
    runtime.stop(timeout=0.5)


def blocked(*goroutines) -> None:
    wait_until(lambda: all(g.state.blocked for g in goroutines))


def deadlocked(rt: Runtime) -> None:
    """Wait until the runtime's own (independent, exact) check sees every goroutine asleep.

    Waiting for "all blocked" by state alone is not enough: a goroutine just woken keeps
    its blocked state until its thread runs again.
    """
    wait_until(lambda: rt.check_deadlock() is not None)


def by_name(rt: Runtime) -> dict[str, int]:
    return {g.name: g.id for g in rt.goroutines()}


# -- cycles ------------------------------------------------------------------------------


def _opposite_locks() -> None:
    """main starts two workers that lock A, B in opposite orders, then waits for them."""
    a, b = Mutex(name="A"), Mutex(name="B")
    wg = WaitGroup(name="wg")
    holding = Chan(0, name="holding")

    def transfer(first: Mutex, second: Mutex) -> None:
        first.lock()
        holding.send(True)  # both hold their first lock before either takes its second
        second.lock()

    wg.go(transfer, a, b, name="worker 1")
    wg.go(transfer, b, a, name="worker 2")
    holding.recv()
    holding.recv()
    wg.wait()


def test_two_goroutines_taking_locks_in_opposite_orders_form_a_cycle(rt):
    main = go(_opposite_locks, name="main")
    deadlocked(rt)
    ids = by_name(rt)
    graph = WaitForGraph.from_runtime(rt)
    (cycle,) = graph.cycles()
    assert set(cycle.goroutines) == {ids["worker 1"], ids["worker 2"]}
    assert graph.stuck() == {main.id, ids["worker 1"], ids["worker 2"]}
    assert graph.explain(ids["worker 1"]) == (
        "worker 1 waits for B, held by worker 2, which is itself waiting for A, "
        "held by worker 1: neither can ever move."
    )


def test_cycle_of_the_real_deadlock_scenario_is_found():
    scenario = get("deadlock")(variant="broken", mistake="everyone-waiting")
    run = ScenarioRun(scenario, speed=5.0, seed=1)
    run.start()
    try:
        wait_until(lambda: run.runtime.deadlock is not None, timeout=10)
        graph = WaitForGraph.from_runtime(run.runtime)
        (cycle,) = graph.cycles()
        names = {graph.goroutines[g].name for g in cycle.goroutines}
        assert names == {"worker 1", "worker 2"}
        assert {graph.objects[obj].name for _, obj in cycle.steps} == {"A", "B"}
        assert all(g in graph.stuck() for g in cycle.goroutines)
    finally:
        run.stop(timeout=1.0)


def test_two_goroutines_each_receiving_what_only_the_other_sends_form_a_cycle(rt):
    def parent() -> None:
        a, b = Chan(0, name="a"), Chan(0, name="b")

        def left() -> None:
            b.send("ping")
            a.recv()  # round 1: right answers
            a.recv()  # round 2: right is itself waiting on b

        def right() -> None:
            b.recv()
            a.send("pong")
            b.recv()

        go(left, name="left")
        go(right, name="right")

    p = go(parent, name="parent")
    assert p.join(5)
    deadlocked(rt)
    ids = by_name(rt)
    graph = WaitForGraph.from_runtime(rt)
    (cycle,) = graph.cycles()
    assert set(cycle.goroutines) == {ids["left"], ids["right"]}
    assert graph.stuck() == {ids["left"], ids["right"]}
    assert graph.explain(ids["left"]) == (
        "left waits to receive from a; right, which has sent on it, is itself waiting "
        "to receive from b: neither can ever move."
    )


# -- stuck goroutines and their sentences ---------------------------------------------------


def test_leaked_workers_whose_only_receiver_ended_are_stuck(rt):
    def first_answer_wins() -> None:
        results = Chan(0, name="results")
        for i in range(3):
            go(results.send, i, name=f"worker-{i}")
        results.recv()  # takes the first answer and returns: the others leak

    p = go(first_answer_wins, name="main")
    assert p.join(5)
    deadlocked(rt)
    graph = WaitForGraph.from_runtime(rt)
    leaked = {g.id for g in rt.goroutines()}
    assert graph.stuck() == leaked
    assert graph.cycles() == []
    for g in leaked:
        name = graph.goroutines[g].name
        assert graph.explain(g) == (
            f"{name} waits to send on results; no goroutine will ever receive it: "
            "main, which has received from it, has ended."
        )


def test_the_real_leaking_query_is_found_while_its_caller_runs_on():
    scenario = get("cancel-by-timeout")(variant="broken", operation_time=1.0, timeout=0.2)
    run = ScenarioRun(scenario, speed=5.0, seed=3)
    run.start()
    try:
        graphs: list[WaitForGraph] = []

        def found() -> bool:
            graphs.append(WaitForGraph.from_runtime(run.runtime))
            return bool(graphs[-1].stuck())

        wait_until(found, timeout=10)
        graph = graphs[-1]
        (g,) = sorted(graph.stuck())[:1]
        name = graph.goroutines[g].name
        assert name.startswith("query #")
        n = name.removeprefix("query #")
        assert graph.explain(g) == (
            f"{name} waits to send on result #{n}; no goroutine will ever receive it."
        )
        caller = next(x for x in graph.goroutines.values() if x.name == "caller")
        assert caller.alive and caller.id not in graph.stuck()
    finally:
        run.stop(timeout=1.0)


def test_the_correct_query_never_looks_stuck():
    scenario = get("cancel-by-timeout")(variant="correct", operation_time=1.0, timeout=0.2)
    run = ScenarioRun(scenario, speed=5.0, seed=3)
    run.start()
    try:
        seen_stuck: list[set[int]] = []

        def three_timeouts() -> bool:
            seen_stuck.append(WaitForGraph.from_runtime(run.runtime).stuck())
            return (run.scenario.recorder.last("timeouts") or 0) >= 3

        wait_until(three_timeouts, timeout=10)
        assert len(seen_stuck) > 1 and not any(seen_stuck)
    finally:
        run.stop(timeout=1.0)


def test_receiver_waiting_before_the_first_send_is_not_stuck_while_its_maker_runs(rt):
    def main() -> None:
        jobs = Chan(0, name="jobs")
        go(jobs.recv, name="consumer")
        sleep(30)  # still holds jobs: it could send, or start a producer

    go(main, name="main")
    wait_until(lambda: "consumer" in by_name(rt) and rt.goroutines()[-1].state.blocked)
    graph = WaitForGraph.from_runtime(rt)
    consumer = by_name(rt)["consumer"]
    assert graph.stuck() == set()
    assert graph.explain(consumer) == (
        "consumer waits to receive from jobs; main, which made it, is still running."
    )


def test_reply_channel_sent_in_a_request_is_not_stuck_while_the_server_works(rt):
    requests = Chan(0, name="requests")

    def server() -> None:
        reply = requests.recv()[0]
        sleep(30)  # a slow answer, but it will come
        reply.send("ok")

    def client() -> None:
        reply = Chan(1, name="reply")
        requests.send(reply)  # the reply channel travels in the request
        reply.recv()

    go(server, name="server")
    c = go(client, name="client")
    wait_until(lambda: c.state.blocked and c.wait_reason == "chan receive")
    graph = WaitForGraph.from_runtime(rt)
    assert graph.stuck() == set()
    assert graph.explain(c.id) == (
        "client waits to receive from reply; server, which received from requests what "
        "client sent, is still running."
    )


def test_channel_semaphore_holder_counts_as_the_one_who_releases(rt):
    def main() -> None:
        sem = Chan(1, name="sem")

        def worker() -> None:
            sem.send(None)  # acquire
            sleep(30)
            sem.recv()  # release

        go(worker, name="holder")
        wait_until(lambda: len(sem) == 1)
        go(worker, name="waiter")

    assert go(main, name="main").join(5)
    wait_until(lambda: any(g.name == "waiter" and g.state.blocked for g in rt.goroutines()))
    waiter = by_name(rt)["waiter"]
    graph = WaitForGraph.from_runtime(rt)
    assert graph.stuck() == set()
    assert (
        graph.explain(waiter)
        == "waiter waits to send on sem; holder, which also sends on it, is still running."
    )


def test_forgotten_unlock_leaves_the_waiter_stuck_behind_an_ended_holder(rt):
    def main() -> None:
        mu = Mutex(name="mu")
        forgetful = go(mu.lock, name="worker 1")
        forgetful.join(5)
        mu.lock()

    m = go(main, name="main")
    deadlocked(rt)
    graph = WaitForGraph.from_runtime(rt)
    assert graph.stuck() == {m.id}
    assert graph.explain(m.id) == (
        "main waits for mu, held by worker 1, which has ended without unlocking it."
    )


def test_waitgroup_waiter_is_stuck_when_its_worker_is(rt):
    def main() -> None:
        wg = WaitGroup(name="wg")
        nothing = Chan(0, name="nothing")
        wg.go(nothing.recv, name="worker")
        wg.wait()

    m = go(main, name="main")
    deadlocked(rt)
    worker = by_name(rt)["worker"]
    graph = WaitForGraph.from_runtime(rt)
    assert graph.stuck() == {m.id, worker}
    # Only main could send on `nothing` (it made it), but that is a guess, not a use:
    # no cycle is claimed.
    assert graph.cycles() == []
    assert graph.explain(m.id) == (
        "main waits for wg; worker, which was started by main, is itself waiting "
        "to receive from nothing."
    )
    assert graph.explain(worker) == (
        "worker waits to receive from nothing; main, which made it, is itself waiting for wg."
    )


def test_wait_on_a_pending_timer_is_not_stuck(rt):
    g = go(lambda: after(30).recv(), name="patient")
    blocked(g)
    graph = WaitForGraph.from_runtime(rt)
    assert graph.stuck() == set()
    assert "the clock (a timer is pending) can still wake it" in graph.explain(g.id)


def test_wait_on_the_root_context_is_not_stuck(rt):
    ctx = rt.root_context()
    g = go(lambda: select(Recv(ctx.done()), Recv(Chan(0, name="never"))), name="server")
    blocked(g)
    graph = WaitForGraph.from_runtime(rt)
    assert graph.stuck() == set()
    text = graph.explain(g.id)
    assert text.startswith("server waits in select on ")
    assert "never" in text and "stop()" in text


def test_select_with_no_live_case_is_stuck(rt):
    def main() -> None:
        a, b = Chan(0, name="a"), Chan(0, name="b")
        go(lambda: select(Recv(a), Recv(b)), name="selector")

    assert go(main, name="main").join(5)
    deadlocked(rt)
    sel = rt.goroutines()[0]
    graph = WaitForGraph.from_runtime(rt)
    assert graph.stuck() == {sel.id}
    assert graph.explain(sel.id) == (
        "selector waits in select on a and b; no goroutine will ever make one of its "
        "cases ready: main, which made it, has ended."
    )


def test_running_goroutine_is_explained_as_running(rt):
    g = go(sleep, 30, name="sleeper")
    wait_until(lambda: g.state.value == "sleeping")
    graph = WaitForGraph.from_runtime(rt)
    assert graph.explain(g.id) == "sleeper is sleeping; the clock will wake it."


# -- the usage index ---------------------------------------------------------------------


def test_usage_index_fed_in_batches_equals_one_fed_at_once(rt):
    p = go(_opposite_locks, name="main")
    deadlocked(rt)
    events = rt.tracer.events()
    whole = UsageIndex(events)
    parts = UsageIndex()
    for i in range(0, len(events), 3):
        parts.apply(events[i : i + 3])
    assert parts.uses == whole.uses
    assert parts.writer == whole.writer
    assert parts.names == whole.names
    assert whole.events_seen == len(events)
    assert p.id in whole.adders(next(o for o, n in whole.names.items() if n == "wg"))


def test_usage_index_follows_mutex_holders():
    rt = Runtime(tracer=Tracer())
    try:
        with rt.active():
            mu = Mutex(name="mu")

            def hold() -> None:
                mu.lock()

            g = go(hold, name="holder")
            assert g.join(5)
            index = UsageIndex(rt.tracer.events())
            assert index.holders(mu.id) == [g.id]
            seq = rt.tracer.last_seq
            mu.unlock()  # not owned, as in Go: the test thread may unlock it
            index.apply(rt.tracer.since(seq)[0])
            assert index.holders(mu.id) == []
    finally:
        rt.stop(timeout=0.5)


def test_an_index_that_lags_the_run_catches_up_before_judging(rt):
    """A window's index is a tick behind the run: a wait on a context made since is not stuck."""
    from core.runtime import context

    lagging = UsageIndex(rt.tracer.events())  # the window's index, before the call below

    def call() -> None:
        cctx, cancel = context.with_timeout(rt.root_context(), 30, name="call")
        try:
            select(Recv(Chan(1, name="result")), Recv(cctx.done()))
        finally:
            cancel()

    g = go(call, name="caller")
    blocked(g)
    seq_blocked = rt.tracer.last_seq
    graph = WaitForGraph.from_runtime(rt, usage=lagging)
    assert graph.stuck() == set()
    assert lagging.last_seq >= seq_blocked
    seen = lagging.events_seen
    lagging.apply(rt.tracer.events())  # the window's late batch: folded once, not twice
    assert lagging.events_seen == seen
