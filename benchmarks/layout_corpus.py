"""The layout benchmark's corpus: the graphs the stage lays out in every lesson.

``collect`` runs each lesson (and variant) in an offscreen 1920x1080 presenter
window and records the arguments of each ``layered_layout`` call the stage draws
with; ``synthetic`` adds three large graphs. Used by ``bench_layout.py``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CORPUS = Path("/tmp/layout_corpus.json")
VIEW = (1904.0, 788.0)  # the presenter stage's drawing area at 1920x1080
# The presenter stage's full cards and gaps (as the corpus has them): for the synthetic graphs.
GOROUTINE = (280.8, 80.6)
CHANNEL = (340.0, 119.6)
COL_GAP, ROW_GAP = 96 * 1.3, 14 * 1.3
PER_LESSON = 4

Graph = dict  # {"name", "t", "nodes": [[key, w, h, order]], "edges": [[a, b]], gaps, aspect}


# -- the corpus ---------------------------------------------------------------------------


def collect(path: Path, seconds: float = 6.0) -> None:
    """Run every lesson in an offscreen window and save the graphs the stage laid out."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import tempfile

    from PySide6.QtCore import QSettings
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    import gui.stage.stage_layout as stage_layout
    from core import scenarios
    from gui.gc_guard import collect_in_gui_thread
    from gui.main_window import MainWindow
    from gui.settings import Settings

    app = QApplication.instance() or QApplication([])
    collect_in_gui_thread()
    calls: list[Graph] = []
    state = {"first": False, "clock": None}
    real_layout, real_relayout = stage_layout.layered_layout, stage_layout.LayoutMixin._relayout

    def recording_layout(nodes, edges, **kw):
        edges = list(edges)
        # The drawn layout only, not the trial with the other card size.
        if state["first"] and state["clock"]:
            state["first"] = False
            clock = state["clock"]
            calls.append(
                {
                    "t": round(clock(), 3) if clock else 0.0,
                    "nodes": [[_key(n.key), n.w, n.h, n.order] for n in nodes],
                    "edges": [[_key(a), _key(b)] for a, b in edges],
                    **kw,
                }
            )
        return real_layout(nodes, edges, **kw)

    def recording_relayout(self, now, again=True):
        state["first"] = True
        return real_relayout(self, now, again)

    stage_layout.layered_layout = recording_layout
    stage_layout.LayoutMixin._relayout = recording_relayout
    tmp = tempfile.mkdtemp()
    settings = Settings(QSettings(os.path.join(tmp, "s.ini"), QSettings.Format.IniFormat))
    window = MainWindow(settings, theme="dark", presenter=True, remember=False)
    window.set_questions(False, remember=False)
    window.resize(1920, 1080)
    window.show()
    QTest.qWait(200)

    def wait(cond: Callable[[], bool], timeout: float) -> bool:
        end = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > end:
                return False
            QTest.qWait(10)
        return True

    runs: list[tuple[str, str, dict | None]] = []
    for cls in scenarios.catalogue():
        runs.append((cls.id, cls.id, None))
        for p in cls.params:
            if p.name == "variant":
                runs.extend((f"{cls.id}/{v}", cls.id, {"variant": v}) for v in p.choices[1:])
    runs.append(("worker-pool/50-workers", "worker-pool", {"workers": 50}))  # over its maximum
    corpus: list[Graph] = []
    try:
        for name, sid, values in runs:
            calls.clear()
            state["clock"] = None
            t0 = time.monotonic()
            cls = _unbounded(scenarios.get(sid), values or {})
            window.present_lesson(cls, values or {})
            window.player.start(cls, values or {})
            if not wait(lambda: window.player.runtime is not None, 5):
                print(f"{name}: did not start", file=sys.stderr)
                continue
            rt = window.player.runtime
            state["clock"] = rt.clock.now
            window.player.set_speed(4.0)
            for k, action in enumerate(scenarios.get(sid).actions[:3]):
                wait(lambda k=k, rt=rt: rt.clock.now() >= k + 1, 10)
                window.player.act(action.name)
            wait(lambda rt=rt: rt.clock.now() >= seconds, 30)
            window.player.pause()
            QTest.qWait(300)  # the last layout after the pause
            picked = _pick(calls, PER_LESSON)
            for g in picked:
                g["name"] = name
            corpus.extend(picked)
            sizes = ", ".join(str(len(g["nodes"])) for g in picked)
            print(
                f"{name:<24}{len(calls):>4} layouts, kept {len(picked)} "
                f"({sizes} nodes)  {time.monotonic() - t0:.1f} s"
            )
    finally:
        window.player.stop()
        window.close()
        window.player.wait_stopped(5.0)
        stage_layout.layered_layout = real_layout
        stage_layout.LayoutMixin._relayout = real_relayout
        app.processEvents()
    path.write_text(json.dumps(corpus))
    print(f"{len(corpus)} graphs saved to {path}")


def _unbounded(cls: type, values: dict) -> type:
    """*cls*, or a subclass whose parameters allow *values* over their maximum."""
    if all(p.maximum is None or p.maximum >= values.get(p.name, 0) for p in cls.params):
        return cls
    params = tuple(
        dataclasses.replace(p, maximum=values[p.name]) if p.name in values else p
        for p in cls.params
    )
    return type(cls.__name__, (cls,), {"params": params})


def _key(key: tuple) -> str:
    return ":".join(str(p) for p in key)


def _pick(calls: list[Graph], most: int) -> list[Graph]:
    """Up to *most* distinct graphs of *calls*, spread over the run, the largest among them."""
    seen, distinct = set(), []
    for g in calls:
        if not g["nodes"]:
            continue
        sig = (
            tuple(sorted((n[0], round(n[1]), round(n[2])) for n in g["nodes"])),
            tuple(sorted(map(tuple, g["edges"]))),
        )
        if sig not in seen:
            seen.add(sig)
            distinct.append(g)
    if len(distinct) <= most:
        return distinct
    largest = max(distinct, key=lambda g: (len(g["nodes"]), len(g["edges"])))
    step = (len(distinct) - 1) / (most - 2)
    chosen = {id(distinct[round(i * step)]): distinct[round(i * step)] for i in range(most - 1)}
    chosen[id(largest)] = largest
    return sorted(chosen.values(), key=lambda g: g["t"])[:most]


def synthetic() -> list[Graph]:
    """Three large graphs no lesson makes, with the presenter stage's full cards."""

    def graph(name: str, spec: list[tuple[str, str]], edges: list[tuple[str, str]]) -> Graph:
        nodes = [
            [key, *(GOROUTINE if kind == "g" else CHANNEL), i] for i, (key, kind) in enumerate(spec)
        ]
        return {
            "name": name,
            "t": 0.0,
            "nodes": nodes,
            "edges": [list(e) for e in edges],
            "col_gap": COL_GAP,
            "row_gap": ROW_GAP,
            "aspect": VIEW[0] / VIEW[1],
        }

    out = []
    # A pool: producer -> jobs -> 50 workers -> results -> collector.
    spec = [("g:producer", "g"), ("c:jobs", "c"), ("c:results", "c"), ("g:collector", "g")]
    edges = [("g:producer", "c:jobs"), ("c:results", "g:collector")]
    for i in range(50):
        spec.append((f"g:worker{i}", "g"))
        edges += [("c:jobs", f"g:worker{i}"), (f"g:worker{i}", "c:results")]
    out.append(graph("synthetic/pool-50", spec, edges))
    # A pipeline: source -> 6 stages of 3 workers, a channel between each -> sink.
    spec, edges = [("g:source", "g"), ("c:0", "c")], [("g:source", "c:0")]
    for s in range(6):
        spec.append((f"c:{s + 1}", "c"))
        for w in range(3):
            spec.append((f"g:s{s}w{w}", "g"))
            edges += [(f"c:{s}", f"g:s{s}w{w}"), (f"g:s{s}w{w}", f"c:{s + 1}")]
    spec.append(("g:sink", "g"))
    edges.append(("c:6", "g:sink"))
    out.append(graph("synthetic/pipeline-6x3", spec, edges))
    # A fan-out: one producer, one channel, 200 receivers.
    spec = [("g:producer", "g"), ("c:ch", "c")] + [(f"g:r{i}", "g") for i in range(200)]
    edges = [("g:producer", "c:ch")] + [("c:ch", f"g:r{i}") for i in range(200)]
    out.append(graph("synthetic/fan-out-200", spec, edges))
    return out
