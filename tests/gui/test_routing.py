"""gui.stage.routing.route: an edge keeps its flow curve when clear, else a detour."""

from __future__ import annotations

import itertools
import random

import pytest

from gui.stage.routing import MARGIN, TIGHT, curve_points, route

WALL = (100.0, -20.0, 60.0, 40.0)  # across the straight line from (0, 0) to (300, 0)


def _clearance(corners, rect) -> float:
    """How far the polyline *corners* stays from *rect* (0 if it enters it)."""
    x, y, w, h = rect
    best = float("inf")
    for (px, py), (qx, qy) in itertools.pairwise(corners):
        assert px == qx or py == qy, "a detour is orthogonal"
        lo_x, hi_x, lo_y, hi_y = min(px, qx), max(px, qx), min(py, qy), max(py, qy)
        gx = max(x - hi_x, lo_x - (x + w), 0.0)
        gy = max(y - hi_y, lo_y - (y + h), 0.0)
        if gx == 0.0 and gy == 0.0:
            # Overlapping ranges: on the border (0) or inside (negative).
            inside = lo_x < x + w and hi_x > x and lo_y < y + h and hi_y > y
            best = min(best, -1.0 if inside else 0.0)
        else:
            best = min(best, (gx * gx + gy * gy) ** 0.5)
    return best


def test_clear_curve_is_kept():
    assert route((0, 0), (300, 0), [(100, 40, 60, 40)]) is None


def test_no_obstacles_keeps_the_curve():
    assert route((0, 0), (300, 120), []) is None


def test_detour_starts_on_a_and_ends_on_b():
    corners = route((0, 0), (300, 0), [WALL])
    assert corners is not None
    assert corners[0] == (0.0, 0.0) and corners[-1] == (300.0, 0.0)


def test_detour_leaves_and_arrives_horizontally():
    corners = route((0, 0), (300, 0), [WALL])
    assert corners[0][1] == corners[1][1]
    assert corners[-2][1] == corners[-1][1]


def test_detour_keeps_its_margin_from_the_obstacle():
    corners = route((0, 0), (300, 0), [WALL])
    assert _clearance(corners, WALL) >= MARGIN - 1e-9


def test_end_inside_an_obstacle_keeps_the_curve():
    assert route((0, 0), (300, 0), [(-10, -10, 20, 20), WALL]) is None


def test_walled_in_end_keeps_the_curve():
    # b stands in a closed box of four items: no way in.
    box = [(240, -60, 120, 20), (240, 40, 120, 20), (240, -40, 20, 80), (340, -40, 20, 80)]
    assert route((0, 0), (300, 0), box) is None


def test_curve_check_follows_the_drawn_curve():
    # An obstacle the curve's bulge does not reach, though the straight line does.
    pts = curve_points((0, 0), (300, 100))
    assert pts[0] == (0.0, 0.0) and pts[-1] == (300.0, 100.0)
    assert route((0, 0), (300, 100), [(0, 60, 40, 40)]) is None


@pytest.mark.parametrize("seed", range(20))
def test_random_detours_clear_every_obstacle(seed):
    rnd = random.Random(seed)
    obstacles: list[tuple[float, float, float, float]] = []
    while len(obstacles) < 25:
        r = (rnd.uniform(0, 1500), rnd.uniform(0, 800), 120.0, 60.0)
        if all(abs(r[0] - o[0]) > 150 or abs(r[1] - o[1]) > 90 for o in obstacles):
            obstacles.append(r)
    routed = 0
    for _ in range(30):
        a = (rnd.uniform(0, 1600), rnd.uniform(0, 900))
        b = (rnd.uniform(0, 1600), rnd.uniform(0, 900))
        corners = route(a, b, obstacles)
        if corners is None:
            continue
        routed += 1
        assert corners[0] == a and corners[-1] == b
        for r in obstacles:
            # An obstacle within the margin of an end keeps none (but is not entered).
            near_end = any(_clearance([p, p], r) < MARGIN for p in (a, b))
            assert _clearance(corners, r) >= (0.0 if near_end else TIGHT - 1e-9)
    assert routed > 0
