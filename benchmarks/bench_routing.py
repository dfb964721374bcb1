"""Time of routing the stage's edges (gui.stage.routing) per edge rebuild.

    python benchmarks/bench_routing.py worker-pool pipeline cache

Runs each lesson offscreen at 1920x1080 for a few seconds (first three actions
taken, as benchmarks/check_pictures.py does) and prints, per lesson, the edges
routed per rebuild and the time of StageView._route per rebuild (median, max),
with and without the router's cache.
"""

from __future__ import annotations

import os
import runpy
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    lesson, cold = sys.argv[1], "--cold" in sys.argv
    from core.scenarios import catalogue
    from gui.stage import routing, view

    cls = next(c for c in catalogue() if c.id == lesson)
    times: list[float] = []
    counts: list[int] = []
    inner = view.StageView._route

    def timed(self, pending, *args):
        if cold:
            routing._route.cache_clear()
        t = time.perf_counter()
        inner(self, pending, *args)
        if not args[0]:  # dots: not routed
            times.append(time.perf_counter() - t)
            counts.append(len(pending))

    view.StageView._route = timed
    sys.argv = ["main.py", "--scenario", lesson, "--window-size", "1920x1080"]
    sys.argv += ["--quit-after", "6", "--screenshot", f"/tmp/bench_routing_{lesson}.png"]
    for k, a in enumerate(cls.actions[:3]):
        sys.argv += ["--action", f"{a.name}@{k + 1}"]
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        runpy.run_path(str(ROOT / "main.py"), run_name="__main__")
    except SystemExit:
        pass
    ms = sorted(t * 1000 for t in times)
    print(
        f"{lesson}{' (cold)' if cold else ''}: {len(ms)} rebuilds, "
        f"{max(counts, default=0)} edges at most, route per rebuild "
        f"median {statistics.median(ms):.2f} ms, max {ms[-1]:.2f} ms"
        if ms
        else f"{lesson}: no rebuilds"
    )


if __name__ == "__main__":
    main()
