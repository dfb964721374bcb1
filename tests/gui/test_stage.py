"""The animated stage (gui.stage.StageView) fed with synthetic trace events."""

from __future__ import annotations

import time

import pytest
from helpers import TraceMaker as Trace
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPointF, Qt

from core.trace import Kind, TraceEvent
from gui.stage import StageView
from gui.stage.layout import Node, layered_layout, tree_layout
from gui.stage.stage_common import _overlap
from gui.theme import DARK, LIGHT


@pytest.fixture
def tr() -> Trace:
    return Trace()


def settle(stage: StageView, seconds: float = 2.0) -> None:
    """Run every animation to its end (the timer would, over *seconds*)."""
    t0 = time.monotonic()
    for i in range(int(seconds / 0.05) + 1):
        stage.tick(t0 + i * 0.05)


def distance(p: QPointF, xy: tuple[float, float]) -> float:
    return abs(p.x() - xy[0]) + abs(p.y() - xy[1])


def producer_consumer(tr: Trace) -> list[TraceEvent]:
    """A producer and a consumer that already passed one value through "jobs" (cap 3)."""
    return [
        *tr.go(1, "producer"),
        *tr.go(2, "consumer"),
        tr.chan(100, "jobs", 3),
        tr(Kind.CHAN_SEND, g=1, obj=100, value="0", extra=(1,)),
        tr(Kind.CHAN_RECV, g=2, obj=100, value="0", extra=(0,)),
    ]


def test_items_appear_as_events_arrive(stage, tr):
    stage.apply_events([*tr.go(1, "producer"), tr.chan(100, "jobs", 3)])
    assert stage.goroutine_item(1) is not None
    assert stage.channel_item(100) is None  # a channel appears on first use
    stage.apply_events(
        [*tr.go(2, "consumer"), tr(Kind.CHAN_SEND, g=1, obj=100, value="7", extra=(1,))]
    )
    settle(stage)
    assert stage.goroutine_item(2).isVisible() and stage.channel_item(100).isVisible()


def test_sent_value_travels_into_the_channel(stage, tr, qtbot):
    stage.apply_events(producer_consumer(tr))
    settle(stage)
    stage.apply_events([tr(Kind.CHAN_SEND, g=1, obj=100, value="42", extra=(1,))])
    (token,) = stage.tokens
    assert token.text == "42"
    start = QPointF(token.pos())
    qtbot.waitUntil(lambda: token.pos() != start, timeout=2000)  # the timer moves it
    settle(stage)
    assert stage.tokens_in_flight == 0
    assert stage.channel_item(100).values == ("42",)


def test_value_in_flight_is_not_yet_in_the_slot(stage, tr):
    stage.apply_events(producer_consumer(tr))
    settle(stage)
    stage.apply_events([tr(Kind.CHAN_SEND, g=1, obj=100, value="42", extra=(1,))])
    assert stage.channel_item(100).values == ()


def test_unbuffered_handoff_flies_from_sender_to_receiver(stage, tr):
    evs = [
        *tr.go(1, "p"),
        *tr.go(2, "c"),
        tr.chan(100, "ch", 0),
        tr(Kind.GO_BLOCK, g=2, obj=100, name="ch", extra=("blocked_recv", "chan receive", ())),
    ]
    stage.apply_events(evs)
    settle(stage)
    stage.apply_events(
        [
            tr(Kind.CHAN_HANDOFF, g=1, obj=100, value="'hi'", extra=(1, 2, 2, -1)),
        ]
    )
    (token,) = stage.tokens
    (flight,) = stage._anim.flights
    stage.tick(flight.t0)
    assert distance(token.pos(), stage.goroutine_item(1).hand_out()) < 5
    stage.tick(flight.t0 + flight.duration * 0.999)
    # Flights follow live anchors: it lands where the receiver is now.
    assert distance(token.pos(), stage.goroutine_item(2).hand_in()) < 10


def test_closed_channel_shows_closed(stage, tr):
    stage.apply_events([*producer_consumer(tr), tr(Kind.CHAN_CLOSE, g=1, obj=100, name="jobs")])
    settle(stage)
    item = stage.channel_item(100)
    assert item.closed
    assert "closed" in item.tip


def test_close_reaches_every_waiting_receiver_at_once(stage, tr):
    evs = [*tr.go(1, "main"), tr.chan(100, "done", 0)]
    for g in (2, 3, 4):
        evs += [
            *tr.go(g, f"l{g}"),
            tr(
                Kind.GO_BLOCK, g=g, obj=100, name="done", extra=("blocked_recv", "chan receive", ())
            ),
        ]
    stage.apply_events(evs)
    settle(stage)
    woken = ((2, -1), (3, -1), (4, -1))
    stage.apply_events([tr(Kind.CHAN_CLOSE, g=1, obj=100, name="done", extra=(woken,))])
    assert sorted(t.text for t in stage.tokens) == ["closed"] * 3


def test_goroutine_shows_its_state(stage, tr):
    stage.apply_events(
        [
            *producer_consumer(tr),
            tr(
                Kind.GO_BLOCK, g=2, obj=100, name="jobs", extra=("blocked_recv", "chan receive", ())
            ),
        ]
    )
    item = stage.goroutine_item(2)
    assert item.state == "blocked_recv"
    assert "waits to receive from jobs" in item.tip


def test_panic_shows_a_banner_in_gos_words(stage, tr):
    stage.apply_events(
        [
            *tr.go(3, "worker"),
            tr(Kind.GO_PANIC, g=3, obj=3, name="worker", value="send on closed channel"),
        ]
    )
    assert stage.banner_kind == "panic"
    assert stage.banner_text.startswith("panic: send on closed channel")
    assert "goroutine 3" in stage.banner_text


def test_deadlock_shows_a_banner(stage, tr):
    text = "fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 [chan send]: main"
    stage.apply_events([tr(Kind.DEADLOCK, value=text)])
    assert stage.banner_kind == "deadlock" and stage.banner_text == text


def test_banner_text_is_plain_not_html(stage):
    stage.show_banner("<b>bold</b>", "info")
    assert stage.banner_text == "<b>bold</b>"
    stage.clear_banner()
    assert stage.banner_text == ""


def test_clicking_a_goroutine_emits_its_id(stage, tr, qtbot):
    stage.apply_events(tr.go(7, "worker"))
    settle(stage)
    item = stage.goroutine_item(7)
    pos = stage.mapFromScene(item.sceneBoundingRect().center())
    with qtbot.waitSignal(stage.goroutine_clicked, timeout=1000) as sig:
        qtbot.mouseClick(stage.viewport(), Qt.LeftButton, pos=pos)
    assert sig.args == [7]


def test_many_goroutines_are_drawn_as_dots(stage, tr):
    evs = [tr.chan(100, "jobs", 0)]
    for g in range(1, 401):
        evs += [
            *tr.go(g, f"w{g}"),
            tr(
                Kind.GO_BLOCK, g=g, obj=100, name="jobs", extra=("blocked_recv", "chan receive", ())
            ),
        ]
    stage.apply_events(evs)
    settle(stage)
    assert stage.lod == "dot"
    assert stage.goroutine_item(400).w < 20


def test_mutex_shows_its_holder(stage, tr):
    stage.apply_events(
        [
            *tr.go(1, "a"),
            tr(Kind.SYNC_MAKE, obj=50, name="mu", value="Mutex"),
            tr(Kind.LOCK, g=1, obj=50, name="mu", extra=("w",)),
        ]
    )
    assert "held by a" in stage.lock_item(50).tip


def test_context_cancellation_reaches_children_later(stage, tr):
    stage.apply_events(
        [
            tr(Kind.SYNC_MAKE, obj=10, name="root", value="Context", extra=(0, None)),
            tr(Kind.SYNC_MAKE, obj=11, name="child", value="Context", extra=(10, None)),
        ]
    )
    settle(stage)
    stage.apply_events([tr(Kind.CTX_CANCEL, obj=10, name="root", value="context canceled")])
    assert stage.context_item(10).cancel_shown and not stage.context_item(11).cancel_shown
    settle(stage)
    # The runtime walks the tree: the child reports its own end next.
    stage.apply_events(
        [tr(Kind.CTX_CANCEL, obj=11, name="child", value="context canceled", extra=(10,))]
    )
    settle(stage)
    assert stage.context_item(11).cancel_shown


def test_reset_empties_the_stage(stage, tr):
    stage.apply_events([*producer_consumer(tr), tr(Kind.DEADLOCK, value="fatal error")])
    stage.reset()
    assert stage.goroutine_item(1) is None and stage.banner_text == ""
    assert not stage.model.goroutines


def test_theme_and_presenter_switch_keep_the_items(stage, tr):
    stage.apply_events(producer_consumer(tr))
    settle(stage)
    w = stage.goroutine_item(1).w
    stage.set_theme(LIGHT)
    stage.set_presenter(True)
    settle(stage)
    assert stage.goroutine_item(1).w > w and stage.channel_item(100).isVisible()


def test_stage_renders_to_an_image(stage, tr):
    stage.apply_events(producer_consumer(tr))
    settle(stage)
    img = stage.grab().toImage()
    assert not img.isNull() and img.width() == stage.width()


def test_idle_stage_stops_its_timer(stage, tr, qtbot):
    stage.apply_events(tr.go(1, "a"))
    qtbot.waitUntil(lambda: not stage.animating, timeout=3000)


# -- layout (pure) -----------------------------------------------------------------


def test_layout_puts_senders_left_and_receivers_right_of_a_channel():
    nodes = [Node(("g", 1), 100, 50, 0), Node(("c", 9), 150, 60, 1), Node(("g", 2), 100, 50, 2)]
    pos, _ = layered_layout(nodes, [(("g", 1), ("c", 9)), (("c", 9), ("g", 2))])
    assert pos[("g", 1)][0] < pos[("c", 9)][0] < pos[("g", 2)][0]


def test_layout_survives_a_cycle():
    nodes = [Node(("g", 1), 100, 50, 0), Node(("c", 9), 100, 50, 1)]
    pos, _ = layered_layout(nodes, [(("g", 1), ("c", 9)), (("c", 9), ("g", 1))])
    assert len(pos) == 2


def test_layout_wraps_a_tall_column_into_a_grid():
    nodes = [Node(("c", 0), 100, 50, 0)] + [Node(("g", i), 16, 16, i) for i in range(1, 501)]
    edges = [(("c", 0), ("g", i)) for i in range(1, 501)]
    pos, (w, h) = layered_layout(nodes, edges, row_gap=4, aspect=16 / 9)
    assert 1.0 < w / h < 3.0
    assert len({pos[("g", i)] for i in range(1, 501)}) == 500  # no two on the same spot


def test_tree_layout_centres_parent_over_children():
    nodes = [Node("r", 100, 40, 0), Node("a", 100, 40, 1), Node("b", 100, 40, 2)]
    pos, _ = tree_layout(nodes, {"a": "r", "b": "r"})
    assert pos["a"][1] == pos["b"][1] > pos["r"][1]
    assert pos["r"][0] == pytest.approx((pos["a"][0] + pos["b"][0]) / 2)


def test_a_select_card_says_when_no_select_has_picked_yet():
    from core.trace import SelectView
    from gui.stage.goroutine_item import select_header

    assert select_header(SelectView(1, cases=(("recv", 2),))) == "select: no pick yet"
    assert select_header(SelectView(1, picked=0, count=3)) == "select: last pick"
    assert select_header(SelectView(1, picked=-1, count=1)) == "select: took default"


def test_a_teacher_actions_goroutine_reads_as_words():
    from gui.stage.goroutine_item import display_name

    assert display_name("teacher:close-early") == "teacher: close early"
    assert display_name("main.main") == "main.main"


def test_the_shelf_keeps_to_the_rows_it_chose():
    """Six shelf items in two rows: the greedy split alone made three (the breaker's
    card is wide), and the picture grew a row taller than it had room for."""
    from types import SimpleNamespace

    from gui.stage.stage_layout import _shelf_rows

    widths = [273, 494, 273, 299, 299, 299]
    entries = [(0.0, i, ("v", i), SimpleNamespace(w=w)) for i, w in enumerate(widths)]
    gap = 21.0
    total = sum(widths) + gap * (len(widths) - 1)
    limit, rows = _shelf_rows(entries, 2, total / 2, gap)
    assert len(rows) == 2
    assert [e[1] for row in rows for e in row] == list(range(6))  # in order
    assert all(sum(e[3].w for e in row) + gap * (len(row) - 1) <= limit for row in rows)


@pytest.mark.parametrize("users, lines", [(2, 2), (4, 4), (6, 0)])
def test_a_shared_counter_gets_a_line_from_each_user_unless_a_crowd(stage, tr, users, lines):
    """Two or four goroutines sharing a counter are drawn joined to it; a dozen would
    be a fan of lines across the picture (the card names its last user instead)."""
    events = []
    for g in range(1, users + 1):
        events += tr.go(g, f"worker {g}")
        events.append(tr(Kind.ATOMIC, g=g, obj=70, name="done", value=str(g), extra=("add",)))
    stage.apply_events(events)
    settle(stage)
    stage.tick(time.monotonic() + 5)  # past the edges' throttle
    to_counter = [e for e in stage.edge_ends if e[1] == ("v", 70)]
    assert len(to_counter) == lines


def test_a_select_card_leaves_out_the_cases_on_plumbing(qtbot):
    """main's select in lost-updates waits on the teacher, the round's end, the run's
    root Done and a pacing timer: the card lists only what is on the stage."""
    from core.trace import GoroutineView, SelectView
    from gui.stage.goroutine_item import GoroutineItem
    from gui.stage.style import StageStyle

    names = {10: "teacher", 11: "round-done", 12: "run.root.Done", 13: "rest.C"}
    hidden = {12, 13}
    sel = SelectView(1, cases=tuple(("recv", c) for c in names), picked=3, count=4)
    g = GoroutineView(1, "main", state="blocked_select")
    item = GoroutineItem(StageStyle(DARK, False), 1, "full")
    item.hides = hidden.__contains__
    item.show_view(g, sel, names.__getitem__)
    assert item._sel is None  # two real cases: no scoreboard, the status line says it
    shown = {**names, 14: "results"}
    sel = SelectView(1, cases=tuple(("recv", c) for c in shown), picked=0, count=4)
    item.show_view(g, sel, shown.__getitem__)
    assert [shown[sel.cases[i][1]] for i in item._shown_cases] == [
        "teacher",
        "round-done",
        "results",
    ]


def test_a_select_card_keeps_its_height_while_its_goroutine_alternates_selects(qtbot):
    """A client sends its request in one select (3 cases: a scoreboard) and waits for
    the answer in another (2 cases on the stage): the card keeps the scoreboard's
    height instead of growing and shrinking many times a second, which pushed its
    neighbours about (and over each other) on every change."""
    from core.trace import GoroutineView, SelectView
    from gui.stage.goroutine_item import GoroutineItem
    from gui.stage.style import StageStyle

    names = {10: "requests", 11: "quit", 12: "timeout", 13: "reply"}
    g = GoroutineView(1, "client", state="blocked_select")
    item = GoroutineItem(StageStyle(DARK, False), 1, "full")
    send = SelectView(1, cases=(("send", 10), ("recv", 11), ("recv", 12)), picked=0, count=1)
    wait = SelectView(1, cases=(("recv", 13), ("recv", 11)), picked=0, count=1)
    item.show_view(g, send, names.__getitem__)
    tall = item.h
    assert item._sel is send
    item.show_view(g, wait, names.__getitem__)
    assert item.h == tall and item._sel is send  # the last real choice, in the same room
    item.show_view(GoroutineView(1, "client", state="running"), None, names.__getitem__)
    assert item.h == tall
    fresh = GoroutineItem(StageStyle(DARK, False), 2, "full")
    fresh.show_view(g, wait, names.__getitem__)
    assert fresh._sel is None and fresh.h < tall  # two cases alone: no scoreboard


def test_a_freed_channel_fades_where_it_stands_then_leaves(stage, tr):
    """The program let go of the channel (OBJ_FREE): the item does not vanish at
    once, it fades in its place for RETIRE_S of runtime, then leaves."""
    from gui.stage.stage_common import FREED_OPACITY, RETIRE_S

    stage.apply_events(producer_consumer(tr))
    settle(stage)
    item = stage.item_tables()["c"][100]
    place = (item.px, item.py)
    stage.apply_events([tr(Kind.OBJ_FREE, obj=100)])
    settle(stage, 0.6)
    assert 100 in stage.item_tables()["c"]
    assert item.opacity() == pytest.approx(FREED_OPACITY)
    assert (item.px, item.py) == place
    tr.t += RETIRE_S  # runtime goes on: the next event carries the time
    stage.apply_events([tr(Kind.GO_SLEEP, g=1, extra=(0.1, tr.t + 0.1))])
    settle(stage, 3.0)  # past the last settle's sweeps (it ran 2 s ahead)
    assert 100 not in stage.item_tables()["c"]


def test_a_freed_channel_never_glides_and_no_card_lands_on_it(stage, tr):
    """While "jobs" fades, the next layout places a new round: the fading channel
    keeps its place (no glide across the picture) and no card is put over it; where
    a card must go, the fading item leaves at once."""
    stage.apply_events(producer_consumer(tr))
    settle(stage)
    item = stage.item_tables()["c"][100]
    place = (item.px, item.py)
    new_round = [*tr.go(3, "sender"), *tr.go(4, "receiver"), tr.chan(101, "queue", 3)]
    new_round += [
        tr(Kind.CHAN_SEND, g=3, obj=101, value="1", extra=(1,)),
        tr(Kind.CHAN_RECV, g=4, obj=101, value="1", extra=(0,)),
    ]
    stage.apply_events([tr(Kind.OBJ_FREE, obj=100), *new_round])
    stage.tidy()  # a fresh layout, as a new round gets
    t0 = time.monotonic()
    for i in range(12):
        stage.tick(t0 + i * 0.05)
        if 100 in stage.item_tables()["c"]:
            assert (item.px, item.py) == place and item not in stage._movers
            spot = (item.px, item.py, item.w, item.h)
            for key, other in stage._keyed_items():
                if key != ("c", 100) and other.isVisible():
                    to = other._to or (other.px, other.py)
                    assert not _overlap(spot, (*to, other.w, other.h), 0.0), key


def test_a_value_flying_to_an_item_that_leaves_goes_with_it(stage, tr):
    """No token flies on to a place where nothing is (nor a pulse rings there)."""
    stage.apply_events(producer_consumer(tr))
    settle(stage)
    stage.apply_events([tr(Kind.CHAN_SEND, g=1, obj=100, value="7", extra=(1,))])
    assert [t.text for t in stage.tokens] == ["7"]
    stage._remove(stage.item_tables()["c"], ("c", 100))
    assert stage.tokens_in_flight == 0


def test_a_channel_nobody_is_left_to_receive_from_leaves(stage, tr):
    """A stopped keeper's requests channel: its only receiver has finished, nothing
    waits in it, nobody is parked on it. It leaves after RETIRE_S, though its live
    senders still hold it (a send would block forever, and would show it again)."""
    from gui.stage.stage_common import RETIRE_S

    stage.apply_events(
        [
            *tr.go(1, "client"),
            *tr.go(2, "keeper"),
            tr.chan(100, "requests", 0),
            tr(Kind.CHAN_HANDOFF, g=1, obj=100, value="req", extra=(1, 2, 2, -1)),
            tr(Kind.GO_END, g=2, obj=2),
        ]
    )
    settle(stage)
    assert 100 in stage.item_tables()["c"]
    tr.t += RETIRE_S + 0.5
    stage.apply_events([tr(Kind.GO_SLEEP, g=1, extra=(0.1, tr.t + 0.1))])
    settle(stage, 3.0)  # past the last settle's sweeps (it ran 2 s ahead)
    assert 100 not in stage.item_tables()["c"]


def test_settle_draws_every_pending_item_and_the_lines_at_once(stage, tr):
    """A screenshot settles the stage first: what its PNG shows is what its JSON
    description says (cards drawn at their current size, lines to where items are)."""
    stage.apply_events(producer_consumer(tr))
    stage.tick(time.monotonic())  # one frame: the layout, some drawing
    stage.apply_events([tr(Kind.CHAN_SEND, g=1, obj=100, value="1", extra=(2,))])
    assert stage._to_draw  # the channel's new look waits for a frame
    stage.settle()
    assert not stage._to_draw
    assert {(a, b) for a, b, _ in stage.edge_ends} >= {(("g", 1), ("c", 100))}


def test_a_fading_channel_leaves_when_the_next_rounds_namesake_comes(stage, tr):
    """No two items draw one name: the freed "jobs" does not fade beside the new one."""
    stage.apply_events(producer_consumer(tr))
    settle(stage)
    stage.apply_events([tr(Kind.OBJ_FREE, obj=100)])
    assert 100 in stage.item_tables()["c"]  # fading
    stage.apply_events([tr.chan(101, "jobs", 3), tr(Kind.CHAN_SEND, g=1, obj=101, extra=(1,))])
    assert list(stage.item_tables()["c"]) == [101]
    assert stage.item_name(("c", 101)) == "jobs"


def test_a_finished_round_laid_out_beside_the_new_one_leaves_a_fresh_layout(stage, tr):
    """A new round arrives while the last one's finished goroutines still linger: the
    fresh layout places both. When the old round has left, the next layout is fresh
    again (no holes where it stood). A crowd leaving that no fresh layout placed
    beside newcomers keeps everyone's place."""
    from gui.stage.stage_common import KEEP_NEW_MAX, LINGER_S

    n = KEEP_NEW_MAX + 2

    def round_of(first: int) -> list:
        evs = []
        for gid in range(first, first + n):
            evs += tr.go(gid, f"worker {gid}")
            evs.append(tr(Kind.CHAN_SEND, g=gid, obj=100, value="1", extra=(0,)))
        return evs

    def leave(gids, seconds) -> None:
        tr.t += LINGER_S + 0.1  # the finished linger, then leave
        stage.apply_events([tr(Kind.GO_SLEEP, g=999, extra=(0.1, tr.t + 0.1))])
        settle(stage, seconds)  # each settle runs past the last one's sweeps
        assert not set(gids) & set(stage.item_tables()["g"])

    stage.apply_events([tr.chan(100, "jobs", 0), *tr.go(999, "main"), *round_of(1)])
    settle(stage)
    fresh = stage.fresh_layouts
    stage.apply_events([tr(Kind.GO_END, g=g, obj=g) for g in range(1, 1 + n)])
    leave(range(1, 1 + n), 3.0)  # no newcomers were laid out beside them
    assert stage.fresh_layouts == fresh

    stage.apply_events(round_of(100))
    settle(stage, 4.0)
    stage.apply_events([tr(Kind.GO_END, g=g, obj=g) for g in range(100, 100 + n)])
    stage.apply_events(round_of(200))  # the next round while the last one lingers
    stage.tick(time.monotonic() + 5.0)  # its layout places both rounds
    fresh = stage.fresh_layouts
    assert stage._leavers_laid_out
    leave(range(100, 100 + n), 7.0)
    assert stage.fresh_layouts == fresh + 1


def test_values_close_together_on_one_channel_never_cover_each_other(stage, tr):
    """Two values sent on one channel in the same instant: the second leaves a little
    after the first, so at no time of their flights do the two tokens overlap."""
    stage.apply_events(producer_consumer(tr))
    settle(stage)
    stage.apply_events(
        [
            tr(Kind.CHAN_SEND, g=1, obj=100, value="a", extra=(1,)),
            tr(Kind.CHAN_SEND, g=1, obj=100, value="b", extra=(2,)),
        ]
    )
    first, second = stage._anim.flights
    assert second.t0 > first.t0
    t = first.t0
    last = None  # the second token's last position: once it left, it never stops mid-air
    while second in stage._anim.flights:
        stage.tick(t)
        a, b = (f.token for f in (first, second))
        if a.isVisible() and b.isVisible():
            assert not a.sceneBoundingRect().intersects(b.sceneBoundingRect()), t
        if b.isVisible() and second in stage._anim.flights:
            assert b.pos() != last, t
            last = b.pos()
        t += 0.01
        assert t < first.t0 + 5, "the second value never landed"


def test_a_freed_lock_keeps_its_name_while_it_fades(stage, tr):
    """The model forgets a freed object at once; its fading item still says what it
    was (not a generated id) in the picture's description."""
    stage.apply_events(
        [
            *tr.go(1, "a"),
            tr(Kind.SYNC_MAKE, obj=50, name="mu", value="Mutex"),
            tr(Kind.LOCK, g=1, obj=50, name="mu", extra=("w",)),
            tr(Kind.UNLOCK, g=1, obj=50, name="mu", extra=("w",)),
        ]
    )
    settle(stage)
    stage.apply_events([tr(Kind.OBJ_FREE, obj=50)])
    assert 50 in stage.item_tables()["m"]
    assert stage.item_name(("m", 50)) == "mu"


def test_a_cards_last_operation_names_objects_as_the_stage_does(qtbot):
    """A Done channel is drawn as "ctx.Done()": the card's last operation says so
    too, not the runtime's generated "ctx-12.Done"."""
    from core.trace import GoroutineView
    from gui.stage.goroutine_item import GoroutineItem
    from gui.stage.style import StageStyle

    g = GoroutineView(1, "worker", state="running")
    g.activity, g.activity_on = "received 3 from ctx-12.Done", 12
    item = GoroutineItem(StageStyle(DARK, False), 1, "full")
    item.object_name = {12: "ctx-12.Done"}.__getitem__
    item.show_view(g, None, {12: "ctx.Done()"}.__getitem__)
    assert item._activity(g) == "received 3 from ctx.Done()"


def test_a_cards_last_operation_keeps_the_stage_name_of_a_freed_object(qtbot):
    """The Done channel was freed (the model forgot its name) while its item fades:
    "closed ctx.Done()" still, not the generated "closed ctx-12.Done"."""
    from core.trace import GoroutineView
    from gui.stage.goroutine_item import GoroutineItem
    from gui.stage.style import StageStyle

    g = GoroutineView(1, "main", state="running")
    g.activity, g.activity_on = "closed ctx-12.Done", 12
    names = {12: "ctx-12.Done"}
    item = GoroutineItem(StageStyle(DARK, False), 1, "full")
    item.object_name = lambda oid: names.get(oid, "")
    item.show_view(g, None, lambda oid: "ctx.Done()")
    assert item._activity(g) == "closed ctx.Done()"
    names.clear()  # freed
    assert item._activity(g) == "closed ctx.Done()"


def test_a_switch_of_card_size_holds_a_while(stage, tr):
    """Small cards were chosen a moment ago: a picture that would read with full
    cards again does not switch back before CRAMPED_HOLD_S (batches coming and
    going near the threshold flipped the size, and moved every card, each time)."""
    from gui.stage.stage_common import CRAMPED_HOLD_S

    stage.apply_events(producer_consumer(tr))
    settle(stage)
    now = time.monotonic()
    stage._cramped, stage._cramped_at = True, now  # just switched to small cards
    stage._relayout(now + 0.1)
    assert stage._cramped  # two goroutines read well with full cards, but it holds
    stage._relayout(now + CRAMPED_HOLD_S + 0.1)
    assert not stage._cramped


def test_a_landed_flight_is_not_kept_to_pace_the_next(stage, tr):
    """The last flight on a channel paces the next one only while it flies: once
    landed nothing keeps it (nor, through its waypoints, the items it flew between)."""
    stage.apply_events(producer_consumer(tr))
    settle(stage)
    stage.apply_events([tr(Kind.CHAN_SEND, g=1, obj=100, value="7", extra=(1,))])
    assert stage._anim._lane_flight
    settle(stage, 3.0)
    assert stage.tokens_in_flight == 0 and not stage._anim._lane_flight


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0.0, 10.0, 20.0]) | st.floats(0, 50),
            st.floats(0, 50),
            st.floats(0.1, 15),
            st.floats(0.1, 15),
        ),
        max_size=12,
    )
)
def test_the_overlap_sweep_agrees_with_every_pair(rects):
    from gui.stage.stage_common import _any_overlap, _overlap

    n = len(rects)
    pairs = any(_overlap(rects[a], rects[b], 0.0) for a in range(n) for b in range(a + 1, n))
    assert _any_overlap(rects) == pairs
