"""A lesson's lanes: its declared roles in columns of their own, left to right."""

from __future__ import annotations

import time

import pytest
from helpers import TraceMaker as Trace
from helpers import wait_until

from core.scenarios import catalogue
from core.scenarios._run import ScenarioRun
from core.trace import Kind
from gui.stage import StageView
from gui.stage.layout import Node, layered_layout


def test_laned_nodes_take_their_lanes_columns_in_order():
    """Without lanes the flow puts "b" first (nothing feeds it); with lanes
    a | q | b, the channel between goes in the column between them."""
    nodes = [Node(k, 100, 40, i) for i, k in enumerate(["b", "q", "a"])]
    edges = [("a", "q"), ("q", "b"), ("b", "a")]  # a cycle: any column could start
    pos, _ = layered_layout(nodes, edges, lanes={"a": 0, "b": 1})
    assert pos["a"][0] < pos["q"][0] < pos["b"][0]
    pos, _ = layered_layout(nodes, edges, lanes={"a": 1, "b": 0})
    assert pos["b"][0] < pos["a"][0]


def test_a_lane_holds_its_members_in_one_column():
    nodes = [Node(k, 100, 40, i) for i, k in enumerate(["src", "w1", "w2", "w3", "out"])]
    edges = [("src", "w1"), ("src", "w2"), ("w1", "w3"), ("w2", "out"), ("w3", "out")]
    lanes = {"src": 0, "w1": 1, "w2": 1, "w3": 1, "out": 2}
    pos, _ = layered_layout(nodes, edges, lanes=lanes, aspect=0.5)  # tall: one band
    assert pos["w1"][0] == pos["w2"][0] == pos["w3"][0]
    assert pos["src"][0] < pos["w1"][0] < pos["out"][0]


@pytest.fixture
def stage(stage: StageView) -> StageView:
    """The shared stage, wide and low: room for a pipeline's columns."""
    stage.resize(1400, 500)
    return stage


def test_the_most_specific_pattern_names_the_lane(stage):
    stage.set_lanes((("worker-*",), ("worker-*.out",), ("sink",)))
    assert stage.lane_of("worker-2") == 0
    assert stage.lane_of("worker-2.out") == 1  # "worker-*" matches too, but is shorter
    assert stage.lane_of("main") is None


def test_the_stage_draws_a_lessons_lanes_left_to_right(stage):
    """sink reads from "out", written by two workers, fed by "in" from the source;
    main feeds "in" too. Lanes source | workers | sink: in that order on the stage."""
    tr = Trace()
    evs = []
    names = {1: "main", 2: "source", 3: "worker-1", 4: "worker-2", 5: "sink"}
    for gid, name in names.items():
        evs += [tr(Kind.GO_CREATE, obj=gid, name=name), tr(Kind.GO_START, g=gid, obj=gid)]
    for cid, name in ((100, "in"), (101, "out")):
        evs.append(tr(Kind.CHAN_MAKE, obj=cid, name=name, value="1", extra=(1,)))
    for src, cid, dst in ((2, 100, 3), (1, 100, 4), (3, 101, 5), (4, 101, 5)):
        evs.append(tr(Kind.CHAN_SEND, g=src, obj=cid, value="v", extra=(1,)))
        evs.append(tr(Kind.CHAN_RECV, g=dst, obj=cid, value="v", extra=(0,)))
    stage.set_lanes((("sink",), ("worker-*",), ("source",)))  # reversed: the lanes rule
    stage.apply_events(evs)
    t0 = time.monotonic()
    for i in range(60):
        stage.tick(t0 + i * 0.05)
    x = {name: stage.goroutine_item(gid).px for gid, name in names.items()}
    assert x["sink"] < x["worker-1"] == x["worker-2"] < x["source"]


@pytest.mark.parametrize("cls", [c for c in catalogue() if c.lanes], ids=lambda c: c.id)
def test_each_declared_lane_names_something_the_lesson_makes(cls):
    """A lane that matches nothing is a renamed goroutine or channel: the picture
    would silently lose its column."""
    run = ScenarioRun(cls, seed=1)
    run.start()
    names: set[str] = set()

    def missing() -> list[tuple[str, ...]]:
        names.update(g.name for g in run.runtime.goroutines())
        names.update(o.name for o, kind in run.runtime.objects() if kind == "Chan")
        return [lane for lane in cls.lanes if not any(_matches(n, lane) for n in names)]

    try:
        wait_until(lambda: not missing(), timeout=10, message=f"{cls.id}: {missing()}")
    finally:
        run.stop()


def _matches(name: str, lane: tuple[str, ...]) -> bool:
    from fnmatch import fnmatchcase

    return any(fnmatchcase(name, p) for p in lane)
