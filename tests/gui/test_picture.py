"""The picture's description and its rules (issue 11): every rule can fail on a
made-up picture, and lessons run in the window give pictures that keep them."""

import pytest

from core import scenarios
from gui.picture import describe, problems

pytestmark = pytest.mark.timeout(90)


def _item(id_, name, rect, name_px=13.6, min_px=10.9, moving=False):
    return {
        "id": id_,
        "kind": id_.split("-")[0],
        "name": name,
        "rect": rect,
        "name_px": name_px,
        "min_px": min_px,
        "moving": moving,
    }


def _picture(items, edges=(), presenter=False, stage=(300, 138, 1290, 700)):
    return {
        "window": [1920, 1080],
        "stage": list(stage),
        "presenter": presenter,
        "scenario": "x",
        "t": 6.0,
        "items": list(items),
        "edges": list(edges),
        "tokens": [],
    }


A = _item("goroutine-1", "main", [400, 200, 200, 60])
B = _item("channel-2", "jobs", [800, 200, 200, 80])
C = _item("mutex-3", "mu", [600, 205, 100, 50])


# The part of the stage the banner and the legend leave (from y 138 to 800).
_VIEW = {"view": [300, 138, 1290, 662], "fits": True}


def _line(a, b, n=12):
    (ax, ay), (bx, by) = a, b
    return [[ax + (bx - ax) * i / (n - 1), ay + (by - ay) * i / (n - 1)] for i in range(n)]


def test_a_sound_picture_has_no_problems():
    edge = {"from": A["id"], "to": B["id"], "path": _line((600, 230), (800, 240))}
    assert problems(_picture([A, B], [edge])) == []


@pytest.mark.parametrize(
    "picture, words",
    [
        (_picture([A, _item("goroutine-9", "main", [400, 400, 200, 60])]), "named 'main'"),
        (_picture([A, _item("goroutine-9", "w", [450, 220, 200, 60])]), "overlaps"),
        (_picture([_item("goroutine-1", "main", [400, 200, 200, 60], name_px=11)]), "name at"),
        (_picture([_item("goroutine-1", "main", [400, 200, 200, 60], min_px=9)]), "text at"),
        (_picture([A], stage=(300, 138, 1000, 600)), "of the window"),
        (_picture([A], presenter=True, stage=(8, 200, 1904, 600)), "of the window"),
        (
            _picture(
                [A, B], [{"from": A["id"], "to": B["id"], "path": _line((600, 230), (700, 500))}]
            ),
            "does not end on its item",
        ),
        (
            _picture(
                [A, B, C], [{"from": A["id"], "to": B["id"], "path": _line((600, 230), (800, 240))}]
            ),
            "crosses mutex-3",
        ),
        (
            {**_picture([A, _item("channel-2", "jobs", [1500, 780, 200, 80])]), **_VIEW},
            "'jobs' is cut by the edge of the view",
        ),
    ],
)
def test_each_rule_finds_its_problem(picture, words):
    found = problems(picture)
    assert any(words in p for p in found), found


def test_an_item_inside_the_view_is_not_cut():
    assert problems({**_picture([A, B]), **_VIEW}) == []


def test_a_gliding_item_is_not_an_overlap():
    gliding = _item("goroutine-9", "w", [450, 220, 200, 60], moving=True)
    assert problems(_picture([A, gliding])) == []


def _run_until(window, qtbot, lesson, t, actions=True):
    assert window.open_lesson(lesson)
    qtbot.waitUntil(lambda: window.player.runtime is not None, timeout=5000)
    names = [a.name for a in scenarios.get(lesson).actions[:3]] if actions else []
    rt = window.player.runtime
    window.player.set_speed(4.0)
    for k, name in enumerate(names):
        qtbot.waitUntil(lambda k=k: rt.clock.now() >= k + 1, timeout=10000)
        window.player.act(name)
    qtbot.waitUntil(lambda: rt.clock.now() >= t, timeout=20000)
    window.player.pause()


@pytest.mark.parametrize(
    "lesson, presenter",
    [("worker-pool", False), ("counter-dumper", True), ("chat", False)],
)
def test_a_lesson_after_its_actions_gives_a_readable_picture(window, qtbot, lesson, presenter):
    window.resize(1920, 1080)
    window.set_presenter(presenter)
    _run_until(window, qtbot, lesson, 6.0)
    # Paused: the picture settles (glides end, a layout places newcomers).
    qtbot.waitUntil(
        lambda: not any(i.get("moving") for i in describe(window)["items"]), timeout=5000
    )
    picture = describe(window)
    assert picture["items"], "nothing on the stage"
    found = [p for p in problems(picture) if " crosses " not in p]
    assert found == []


def test_namesakes_are_told_apart(window, qtbot):
    # The broken dumper leaks: a second one starts beside it under the same name.
    window.resize(1920, 1080)
    assert window.open_lesson("counter-dumper", {"variant": "broken"})
    qtbot.waitUntil(lambda: window.player.runtime is not None, timeout=5000)
    rt = window.player.runtime
    window.player.set_speed(4.0)
    qtbot.waitUntil(lambda: rt.clock.now() >= 1.0, timeout=10000)
    window.player.act("stop-dumper")
    window.player.act("start-dumper")
    qtbot.waitUntil(
        lambda: sum(g.name == "dumper" for g in window.stage.model.goroutines.values()) >= 2,
        timeout=10000,
    )
    qtbot.waitUntil(
        lambda: any(i["name"].startswith("dumper (") for i in describe(window)["items"]),
        timeout=5000,
    )
    names = [i["name"] for i in describe(window)["items"]]
    assert len(names) == len(set(names)), names


def test_shown_items_keep_their_places_when_goroutines_come_and_go(window, qtbot):
    """cancel-by-timeout starts a query goroutine per call: each newcomer finds a
    free place, and nothing already shown moves unless a fresh layout was due."""
    from gui.stage.stage_common import _destination

    window.resize(1920, 1080)
    assert window.open_lesson("cancel-by-timeout")
    stage = window.stage
    seen: dict = {}
    unexplained = []
    fresh = [stage.fresh_layouts]

    def sample() -> None:
        now = {
            key: _destination(item)
            for tag, table in stage.item_tables().items()
            for oid, item in table.items()
            if item.isVisible() and not item.arriving
            for key in [(tag, oid)]
        }
        moved = [k for k, p in now.items() if k in seen and seen[k] != p]
        if moved and stage.fresh_layouts == fresh[0]:
            unexplained.extend(moved)
        fresh[0] = stage.fresh_layouts
        seen.clear()
        seen.update(now)

    start = stage.kept_layouts

    def three_kept() -> bool:
        sample()
        return stage.kept_layouts - start >= 3

    qtbot.waitUntil(three_kept, timeout=20000)
    assert unexplained == []


def test_finished_rounds_leave_even_after_their_namesakes_were_told_apart(window, qtbot):
    """closed-channel (broken) panics every round: each round's WaitGroups and panicked
    goroutines are namesakes of the next round's, retitled "(earlier)" and "(panicked)";
    they still leave (judged by their own names), so the stage does not pile up rounds."""
    window.resize(1920, 1080)
    assert window.open_lesson("closed-channel-panic", {"variant": "broken"})
    qtbot.waitUntil(lambda: window.player.runtime is not None, timeout=5000)
    rt = window.player.runtime
    window.player.set_speed(4.0)
    qtbot.waitUntil(lambda: rt.clock.now() >= 6.0, timeout=20000)
    window.player.pause()
    recorder = window.player.run.scenario.recorder
    assert (recorder.last("rounds") or 0) >= 3  # rounds ended, each with its panics

    def names() -> list[str]:
        return [i["name"] for i in describe(window)["items"]]

    def settled() -> bool:  # the stage sweeps on its next ticks (a loaded machine: later)
        shown = names()
        # Panicked goroutines: the last round's only. A round's WaitGroups leave once
        # idle for RETIRE_S of runtime (main, alive, used them all): the current round's
        # and at most the two before it. Before the fix, every round's stayed.
        return (
            sum("(panicked" in n for n in shown) <= 2
            and sum(n.startswith("producers") for n in shown) <= 3
            and sum(n.startswith("round") for n in shown) <= 3
        )

    qtbot.waitUntil(settled, timeout=5000)
    assert len(names()) == len(set(names())), names()


def test_a_pipeline_reads_left_to_right_in_its_lanes(window, qtbot):
    """pipeline declares its lanes (generate | out | square | ... | sink): wherever two
    laned items stand side by side (their rows overlap), the earlier lane is left."""
    window.resize(1920, 1080)
    _run_until(window, qtbot, "pipeline", 3.0, actions=False)
    qtbot.waitUntil(
        lambda: not any(i.get("moving") for i in describe(window)["items"]), timeout=5000
    )
    stage = window.stage
    placed = []
    for tag in ("g", "c"):
        for oid, item in stage.item_tables()[tag].items():
            lane = stage.lane_of(stage._own_name(tag, oid))
            if lane is not None:
                placed.append(
                    (lane, item.px, item.py, item.py + item.h, stage.item_name((tag, oid)))
                )
    assert {p[0] for p in placed} == set(range(len(scenarios.get("pipeline").lanes)))
    for la, xa, ya0, ya1, na in placed:
        for lb, xb, yb0, yb1, nb in placed:
            if la < lb and ya0 < yb1 and yb0 < ya1:  # side by side
                assert xa < xb, f"{na} (lane {la}) is not left of {nb} (lane {lb})"
