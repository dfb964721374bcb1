"""While a window lives, only the GUI thread runs the cycle collector (gui.gc_guard)."""

from __future__ import annotations

import gc
import threading

from gui.gc_guard import collect_in_gui_thread


class _Probe:
    """Says, when collected, whether the GUI (main) thread collected it."""

    def __init__(self, out: list[bool]) -> None:
        self.out = out
        self.me = self  # a cycle: only the collector frees it

    def __del__(self) -> None:
        self.out.append(threading.current_thread() is threading.main_thread())


def test_a_cycle_is_collected_by_the_gui_threads_timer_not_by_allocations(qtbot):
    collect_in_gui_thread(interval=0.05)
    assert not gc.isenabled()
    collected_by_gui: list[bool] = []
    _Probe(collected_by_gui)
    done = threading.Event()

    def allocate() -> None:  # another thread makes garbage past the threshold
        for _ in range(5_000):
            cycle: list = []
            cycle.append(cycle)
        done.set()

    worker = threading.Thread(target=allocate)
    worker.start()
    worker.join(5.0)
    assert done.is_set()
    assert collected_by_gui == []
    qtbot.waitUntil(lambda: bool(collected_by_gui), timeout=5_000)
    assert collected_by_gui == [True]
