"""Select explained: per select site, the cases and how often each won, exactly as traced."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from helpers import wait_until

from core.runtime import Chan, Recv, Runtime, Send, go, select
from core.scenarios import ScenarioRun, get
from core.teaching.select_stats import SelectStats
from core.trace import Kind, TraceEvent, Tracer


@pytest.fixture
def rt() -> Iterator[Runtime]:
    runtime = Runtime(name="teaching", tracer=Tracer(), seed=7)
    with runtime.active():
        yield runtime
    runtime.stop(timeout=0.2)


def selects(events, g: int) -> list:
    return [e for e in events if e.kind is Kind.SELECT and e.g == g]


def five_case_picks(events, g: int) -> list[tuple[int, tuple]]:
    """(picked, ready) of every 5-case select *g* completed: a SELECT when it did not
    park, else the case named by the channel event that woke it."""
    out = []
    parked = 0  # the number of cases of the select g is parked in
    for e in events:
        k = e.kind
        if k is Kind.SELECT and e.g == g:
            if len(e.payload.cases) == 5:
                out.append((e.payload.picked, tuple(e.payload.ready)))
        elif k is Kind.GO_BLOCK and e.g == g:
            parked = len(e.payload.cases)
        else:
            woke = []
            handoff = k is Kind.CHAN_HANDOFF and e.payload.woken == g
            if handoff or (k is Kind.CHAN_RECV and e.payload.sender == g):
                woke = [e.payload.case]
            elif k is Kind.CHAN_CLOSE:
                woke = [c for w, c in e.payload.woken if w == g]
            for case in woke:
                if case >= 0 and parked == 5:
                    out.append((case, (case,)))
                parked = 0
    return out


def test_histogram_of_two_always_ready_cases_matches_the_trace(rt):
    a, b = Chan(1, name="a"), Chan(1, name="b")

    def loop() -> None:
        for _ in range(200):
            a.send(1) if len(a) == 0 else None
            b.send(2) if len(b) == 0 else None
            select(Recv(a), Recv(b))

    g = go(loop, name="selector")
    assert g.join(5)
    events = rt.tracer.events()
    stats = SelectStats()
    stats.apply(events)
    (site,) = stats.sites_of(g.id)
    traced = selects(events, g.id)
    picks = Counter(e.extra[0] for e in traced)
    assert site.total == len(traced) == 200
    assert site.wins == [picks[0], picks[1]]
    assert site.ready == [200, 200]  # both cases were ready every time
    assert min(site.wins) > 0  # the pick is random, not the first case
    assert [c.describe() for c in site.cases] == ["<-a", "<-b"]
    assert site.histogram() == [("<-a", picks[0]), ("<-b", picks[1])]


def test_default_is_counted_when_no_case_is_ready(rt):
    empty = Chan(0, name="empty")

    def poll() -> None:
        for _ in range(5):
            select(Recv(empty), default=True)

    g = go(poll, name="poller")
    assert g.join(5)
    stats = SelectStats()
    stats.apply(rt.tracer.events())
    (site,) = stats.sites
    assert (site.total, site.default_taken, site.wins, site.ready) == (5, 5, [0], [0])
    assert site.last_pick == -1 and site.has_default
    assert site.histogram() == [("<-empty", 0), ("default", 5)]


def test_nil_case_is_never_ready(rt):
    ch = Chan(1, name="ch")

    def run() -> None:
        for i in range(3):
            ch.send(i)
            select(Recv(None), Recv(ch), Send(None, 0))

    g = go(run, name="g")
    assert g.join(5)
    stats = SelectStats()
    stats.apply(rt.tracer.events())
    (site,) = stats.sites
    assert [c.kind for c in site.cases] == ["nil", "recv", "nil"]
    assert site.cases[0].describe() == "nil channel (never ready)"
    assert (site.wins, site.ready) == ([0, 3, 0], [0, 3, 0])


def test_parked_select_woken_by_a_send_counts_the_case_that_woke_it(rt):
    a, b = Chan(0, name="a"), Chan(0, name="b")
    g = go(lambda: select(Recv(a), Recv(b)), name="waiter")
    wait_until(lambda: g.state.blocked)
    stats = SelectStats()
    stats.apply(rt.tracer.events())
    (site,) = stats.sites  # nothing was ready: it parked, and its GO_BLOCK names its cases
    assert site.parked and site.total == 0 and site.shape_known
    seq = rt.tracer.last_seq
    b.send("x")
    assert g.join(5)
    stats.apply(rt.tracer.since(seq)[0])
    (site,) = stats.sites
    assert (site.total, site.wins[1], site.last_pick, site.last_ready) == (1, 1, 1, (1,))
    assert site.cases[1].kind == "recv" and site.cases[1].chan_name == "b"
    assert not site.parked


def test_parked_select_with_nil_cases_is_counted_with_all_its_cases(rt):
    a, b = Chan(0, name="a"), Chan(0, name="b")

    def twice() -> None:
        for _ in range(2):
            select(Recv(None), Recv(a), Recv(None), Recv(b))

    def parked(n: int) -> bool:
        return n == sum(e.kind is Kind.GO_BLOCK and e.g == g.id for e in rt.tracer.events())

    g = go(twice, name="waiter")
    wait_until(lambda: parked(1))
    b.send(1)  # wakes case 3
    wait_until(lambda: parked(2))
    a.send(2)  # wakes case 1
    assert g.join(5)
    stats = SelectStats()
    stats.apply(rt.tracer.events())
    (site,) = stats.sites
    assert [(c.kind, c.chan_name) for c in site.cases] == [
        ("nil", ""),
        ("recv", "a"),
        ("nil", ""),
        ("recv", "b"),
    ]
    assert (site.wins, site.ready, site.total) == ([0, 1, 0, 1], [0, 1, 0, 1], 2)


def test_a_parked_select_woken_by_a_handoff_counts_the_case_its_event_names():
    # GO_BLOCK names the select's cases (nil ones too); the handoff that wakes it names
    # the case that won: nothing is inferred from the order of other events.
    cases = (("nil", 0), ("recv", 1), ("nil", 0), ("recv", 2))
    events = [
        TraceEvent(1, 0.0, Kind.CHAN_MAKE, 0, 1, "a", "", (0,)),
        TraceEvent(2, 0.0, Kind.CHAN_MAKE, 0, 2, "b", "", (0,)),
        TraceEvent(3, 0.0, Kind.GO_CREATE, 0, 5, "waiter", "", (0,)),
        TraceEvent(4, 0.1, Kind.GO_BLOCK, 5, 0, "", "", ("blocked_select", "select", cases)),
        TraceEvent(5, 0.2, Kind.CHAN_HANDOFF, 6, 2, "b", "1", (6, 5, 5, 3)),
        TraceEvent(6, 0.3, Kind.GO_BLOCK, 5, 0, "", "", ("blocked_select", "select", cases)),
        TraceEvent(7, 0.4, Kind.CHAN_HANDOFF, 6, 1, "a", "2", (6, 5, 5, 1)),
    ]
    stats = SelectStats()
    stats.apply(events)
    (site,) = stats.sites
    assert [(c.kind, c.chan_name) for c in site.cases] == [
        ("nil", ""),
        ("recv", "a"),
        ("nil", ""),
        ("recv", "b"),
    ]
    assert (site.wins, site.total, site.shape_known, site.goroutine_name) == (
        [0, 1, 0, 1],
        2,
        True,
        "waiter",
    )


def test_incremental_apply_equals_one_pass(rt):
    a, b = Chan(4, name="a"), Chan(4, name="b")

    def loop() -> None:
        for i in range(50):
            select(Send(a, i), Send(b, i), default=True)
            select(Recv(a), Recv(b), default=True)

    g = go(loop, name="looper")
    assert g.join(5)
    events = rt.tracer.events()
    whole, parts = SelectStats(), SelectStats()
    whole.apply(events)
    for i in range(0, len(events), 7):
        parts.apply(events[i : i + 7])
    assert [(s.wins, s.ready, s.default_taken) for s in parts.sites] == [
        (s.wins, s.ready, s.default_taken) for s in whole.sites
    ]
    assert len(whole.sites) == 2  # the send select and the receive select
    assert whole.events_counted == len(selects(events, g.id)) == 100


def test_counts_of_the_select_lesson_match_its_trace():
    run = ScenarioRun(get("select")(), speed=10.0, seed=11)
    run.start()
    try:
        wait_until(lambda: (run.scenario.recorder.last("wins_a") or 0) >= 10, timeout=10)
    finally:
        run.stop(timeout=1.0)
    events = run.tracer.events()
    stats = SelectStats()
    stats.apply(events)
    assert stats.events_counted == sum(s.total for s in stats.sites)
    for site in stats.sites:
        assert sum(site.wins) + site.default_taken == site.total
    selector = next(g for g, n in stats.goroutine_names.items() if n == "selector")
    # Its select on ctx.Done, a, b, c and the timeout (it may have other, smaller ones).
    (site,) = [s for s in stats.sites_of(selector) if len(s.cases) == 5]
    mine = five_case_picks(events, selector)  # (picked, ready) from the trace itself
    picks = Counter(p for p, _ in mine)
    assert site.shape_known and site.total == len(mine)
    assert site.wins == [picks[i] for i in range(5)]
    assert site.ready == [sum(i in r for _, r in mine) for i in range(5)]
    assert site.cases[1].chan_name == "a"  # a won: its case is placed, even if always parked
    for case in site.cases:
        assert case.chan_name == stats.chan_names.get(case.chan, "")
