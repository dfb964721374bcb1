"""A description of the picture on screen, for tests and for anyone who checks it.

``describe(window)`` says what the stage shows, in window pixels: each visible
item with its name, rectangle and text sizes, each edge as points along the
drawn line, and each value token. ``--screenshot PATH.png`` writes it beside
the PNG as ``PATH.json``. The shape (issue 11)::

    {"window": [w, h], "stage": [x, y, w, h], "presenter": bool, "scenario": id,
     "view": [x, y, w, h], "fits": bool, "t": seconds,
     "items": [{"id", "kind", "name", "rect", "name_px", "min_px", "moving"}],
     "edges": [{"from": id, "to": id, "path": [[x, y], ...]}],
     "tokens": [{"text", "channel", "rect"}]}

``name_px`` is the on-screen pixel size of the item's name (the first font its
drawing set), ``min_px`` of the smallest text drawn in it (both 0 for an item
drawn without text, a compact dot). Only items inside the stage's viewport are
listed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QLineF, QPoint, QPointF, QRectF
from PySide6.QtGui import QPainterPath

from core.trace import atomic_write_text

__all__ = [
    "EDGE_POINTS",
    "KINDS",
    "MIN_SHARE",
    "cut_items",
    "describe",
    "problems",
    "write_description",
]

EDGE_POINTS = 12  # points along each edge's path

# The least share of the window the stage's viewport takes, by presenter mode.
MIN_SHARE = {False: 0.40, True: 0.65}
OVERLAP_PX = 2.0  # rectangles that share less than this are touching, not overlapping
EDGE_SLACK_PX = 6.0  # an edge's end may stop this short of its item's rectangle

# The stage's item tables, by the tag of their keys.
KINDS = {
    "g": "goroutine",
    "c": "channel",
    "m": "mutex",
    "w": "waitgroup",
    "v": "memory",
    "o": "once",
    "t": "timer",
    "x": "context",
    "p": "pattern",
}


def _item_id(key: tuple) -> str:
    tag, oid = key
    return f"{KINDS.get(tag, tag)}-{oid}"


def describe(window: Any) -> dict:
    """The picture the window shows now, as plain data (see the module docstring)."""
    stage = window.stage
    vp = stage.viewport()
    origin = vp.mapTo(window, QPoint(0, 0))
    ox, oy = origin.x(), origin.y()
    scale = stage.transform().m11()
    visible = QRectF(0, 0, vp.width(), vp.height())

    def to_window(scene_rect: QRectF) -> QRectF:
        r = QRectF(stage.mapFromScene(scene_rect).boundingRect())
        return QRectF(r.x() + ox, r.y() + oy, r.width(), r.height())

    def rect_list(r: QRectF) -> list[float]:
        return [round(r.x(), 1), round(r.y(), 1), round(r.width(), 1), round(r.height(), 1)]

    def point(x: float, y: float) -> list[float]:
        p = stage.mapFromScene(QPointF(x, y))
        return [round(p.x() + ox, 1), round(p.y() + oy, 1)]

    items = []
    shown: set[tuple] = set()
    for tag, table in stage.item_tables().items():
        for oid, item in table.items():
            if not item.isVisible():
                continue
            scene = QRectF(item.px, item.py, item.w, item.h)
            in_vp = QRectF(stage.mapFromScene(scene).boundingRect())
            if not in_vp.intersects(visible):
                continue
            shown.add((tag, oid))
            fonts = [px for px in item.font_px if px > 0]
            items.append(
                {
                    "id": _item_id((tag, oid)),
                    "kind": KINDS.get(tag, tag),
                    "name": stage.item_name((tag, oid)),
                    "rect": rect_list(to_window(scene)),
                    "name_px": round(fonts[0] * scale, 1) if fonts else 0,
                    "min_px": round(min(fonts) * scale, 1) if fonts else 0,
                    "moving": bool(item.moving),
                }
            )
    edges = []
    for ka, kb, shape in stage.edge_ends:
        if ka not in shown or kb not in shown:
            continue
        edges.append({"from": _item_id(ka), "to": _item_id(kb), "path": _points(shape, point)})
    tokens = []
    for text, cid, scene in stage.token_rects():
        r = to_window(scene)
        if not r.intersects(QRectF(ox, oy, vp.width(), vp.height())):
            continue
        channel = _item_id(("c", cid)) if cid else None
        tokens.append({"text": text, "channel": channel, "rect": rect_list(r)})
    rt = window.player.runtime
    aw, ah = stage.drawing_area()
    top = stage.banner_bottom()
    return {
        "window": [window.width(), window.height()],
        "stage": [ox, oy, vp.width(), vp.height()],
        "view": [ox, oy + top, aw, ah],
        "fits": bool(stage.fits),
        "presenter": bool(window.presenter),
        "scenario": cls.id if (cls := window.scenario_cls) is not None else None,
        "t": round(rt.clock.now(), 3) if rt is not None else 0.0,
        "items": items,
        "edges": edges,
        "tokens": tokens,
    }


def problems(picture: dict) -> list[str]:
    """What in *picture* (a :func:`describe` result) a class could not read: each
    broken rule of issue 11 as one sentence, empty when the picture is sound.

    Rules: no two settled items overlap (an item ``moving`` to its place, for at
    most a layout period and a glide, is animation); no two share a name; names and other text at
    least the stage's minimum sizes for the mode; the stage at least
    :data:`MIN_SHARE` of the window; every edge starts on its first item, ends on
    its second and crosses no third; in a picture that fits, no item is cut by the
    edge of the view (the stage less its banner and legend; see :func:`cut_items`).
    """
    from gui.stage.style import NAME_MIN_PX, TEXT_MIN_PX

    out: list[str] = []
    presenter = bool(picture["presenter"])
    items = picture["items"]
    rects = {i["id"]: QRectF(*i["rect"]) for i in items}
    ww, wh = picture["window"]
    _, _, sw, sh = picture["stage"]
    share = sw * sh / max(ww * wh, 1)
    if share < MIN_SHARE[presenter]:
        out.append(f"the stage is {share:.0%} of the window (at least {MIN_SHARE[presenter]:.0%})")
    seen: dict[str, str] = {}
    for i in items:
        if (other := seen.get(i["name"])) is not None:
            out.append(f"two items are named {i['name']!r}: {other} and {i['id']}")
        seen[i["name"]] = i["id"]
        if i["name_px"] and i["name_px"] < NAME_MIN_PX[presenter] - 0.05:
            out.append(f"{i['id']} {i['name']!r}: name at {i['name_px']} px")
        if i["min_px"] and i["min_px"] < TEXT_MIN_PX[presenter] - 0.05:
            out.append(f"{i['id']} {i['name']!r}: text at {i['min_px']} px")
    for k, a in enumerate(items):
        ra = rects[a["id"]]
        for b in items[k + 1 :]:
            if a.get("moving") or b.get("moving"):
                continue
            both = ra.intersected(rects[b["id"]])
            if both.width() > OVERLAP_PX and both.height() > OVERLAP_PX:
                out.append(f"{a['id']} {a['name']!r} overlaps {b['id']} {b['name']!r}")
    moving = {i["id"] for i in items if i.get("moving")}
    if picture.get("fits"):  # then the whole picture is meant to be in view
        for i in cut_items(picture):
            out.append(f"{i['id']} {i['name']!r} is cut by the edge of the view")
    for e in picture["edges"]:
        if e["from"] in moving or e["to"] in moving:
            continue  # drawn to where the item is going
        ends = rects.get(e["from"]), rects.get(e["to"])
        path = [QPointF(x, y) for x, y in e["path"]]
        for end, p in zip(ends, (path[0], path[-1]), strict=True):
            if end is None or not _grown(end, EDGE_SLACK_PX).contains(p):
                out.append(f"an edge {e['from']} -> {e['to']} does not end on its item")
                break
        for i in items:
            if i["id"] in (e["from"], e["to"]) or i["id"] in moving:
                continue
            inner = _grown(rects[i["id"]], -EDGE_SLACK_PX)
            if any(inner.contains(p) for p in path[1:-1]):
                out.append(f"an edge {e['from']} -> {e['to']} crosses {i['id']} {i['name']!r}")
    return out


def cut_items(picture: dict) -> list[dict]:
    """The settled items of *picture* not wholly inside its view (the stage less its
    banner and legend). A picture that fits has none; one larger than the view, which
    the camera pans, has some at the view's edges."""
    view = picture.get("view")
    if view is None:
        return []
    inside = _grown(QRectF(*view), OVERLAP_PX)
    return [
        i
        for i in picture["items"]
        if not i.get("moving") and not inside.contains(QRectF(*i["rect"]))
    ]


def _grown(r: QRectF, d: float) -> QRectF:
    return r.adjusted(-d, -d, d, d)


def _points(shape: QPainterPath | QLineF, point) -> list[list[float]]:
    n = EDGE_POINTS
    if isinstance(shape, QLineF):
        return [point(*_lerp(shape, i / (n - 1))) for i in range(n)]
    return [point(p.x(), p.y()) for p in (shape.pointAtPercent(i / (n - 1)) for i in range(n))]


def _lerp(line: QLineF, f: float) -> tuple[float, float]:
    p = line.pointAt(f)
    return p.x(), p.y()


def write_description(window: Any, path: str | Path) -> Path:
    """Write :func:`describe` as JSON to *path* (atomically); returns the path.

    Raises:
        OSError: the file could not be written.
    """
    path = Path(path)
    atomic_write_text(path, json.dumps(describe(window), indent=1, ensure_ascii=False))
    return path
