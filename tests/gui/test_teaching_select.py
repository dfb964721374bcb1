"""The Select tab: each select's cases, its last pick, and a histogram that matches the trace."""

from __future__ import annotations

from collections import Counter

from core.teaching import SelectCase, SelectSite
from core.trace import Kind
from gui.panels.select import case_states


def run_select_lesson(window, qtbot, values=None) -> None:
    window.teach_tabs.setCurrentWidget(window.selects)
    window.player.set_speed(10.0)
    assert window.open_lesson("select", values)
    qtbot.waitUntil(lambda: window.selects.stats.events_counted > 40, timeout=8000)
    tracer = window.player.tracer
    with qtbot.waitSignal(window.player.stopped, timeout=5000):
        window.player.stop()
    # Every event of the run handed to the views, then drawn.
    qtbot.waitUntil(lambda: window.bridge.last_seq >= tracer.last_seq, timeout=3000)
    window.selects.refresh(force=True)


def test_select_histogram_counts_match_the_trace(window, qtbot):
    run_select_lesson(window, qtbot)
    panel = window.selects
    site = panel.current_site()
    assert site.goroutine_name == "selector"  # the busiest real choice is shown first
    shape = tuple((c.kind, c.chan) for c in site.cases)
    # Count the selector's picks straight from the trace (its channels do not change in
    # this lesson): a select that did not park is a SELECT event of its goroutine with this
    # site's shape; one that parked (GO_BLOCK with this shape) is completed by the channel
    # event that woke it, which names the case.
    picks: Counter[int] = Counter()
    parked = False
    for ev in window.player.last_run.tracer.events():
        p = ev.payload
        if ev.kind is Kind.SELECT and ev.g == site.g and tuple(map(tuple, p.cases)) == shape:
            picks[p.picked] += 1
        elif ev.kind is Kind.GO_BLOCK and ev.g == site.g:
            parked = p.state == "blocked_select" and tuple(map(tuple, p.cases)) == shape
        elif parked:
            woken: list[tuple[int, int]] = []
            if ev.kind is Kind.CHAN_HANDOFF:
                woken = [(p.woken, p.case)]
            elif ev.kind is Kind.CHAN_RECV:
                woken = [(p.sender, p.case)]
            elif ev.kind is Kind.CHAN_CLOSE:
                woken = [tuple(w) for w in p.woken]
            for g, case in woken:
                if g == site.g and case >= 0:
                    picks[case] += 1
                    parked = False
    expected = [picks[i] for i in range(len(site.cases))]
    if site.has_default:
        expected.append(picks[-1])
    assert panel.bar_heights() == expected
    assert sum(expected) == site.total > 0


def test_last_pick_is_marked_among_the_ready_cases(window, qtbot):
    run_select_lesson(window, qtbot)
    site = window.selects.current_site()
    rows = case_states(site)
    picked = [i for i, (*_rest, last) in enumerate(rows) if last]
    assert picked == [site.last_pick if site.last_pick >= 0 else len(rows) - 1]
    assert rows[picked[0]][1] in ("ready", "default")  # Go picks only a ready case


def test_case_states_say_nil_and_default():
    site = SelectSite(
        g=1,
        goroutine_name="loop",
        cases=[SelectCase("recv", 5, "a"), SelectCase("nil"), SelectCase("recv", 7, "b")],
        wins=[3, 0, 1],
        ready=[3, 0, 2],
        default_taken=2,
        total=6,
        last_pick=2,
        last_ready=(2,),
    )
    assert [(label, state) for label, state, _w, _p in case_states(site)] == [
        ("<-a", "not ready"),
        ("nil channel (never ready)", "nil"),
        ("<-b", "ready"),
        ("default", "default"),
    ]
    assert [w for _l, _s, w, _p in case_states(site)] == [3, 0, 1, 2]
