"""The garbage collector runs in the GUI thread only, while a window lives.

Qt objects caught in reference cycles are destroyed by whichever thread runs
the cycle collector. When that is a goroutine's thread, the QObject's
destructor takes a Qt lock and then waits for the GIL, while the GUI thread
holds the GIL and waits for that lock: both hang for good (seen in CI, a
window test stuck for 90 minutes). So automatic collection is turned off and
a timer in the GUI thread collects instead (pyqtgraph's GarbageCollector).
"""

from __future__ import annotations

import gc

from pyqtgraph.util.garbage_collector import GarbageCollector

__all__ = ["collect_in_gui_thread"]

_collector: GarbageCollector | None = None


def collect_in_gui_thread(interval: float = 0.5) -> None:
    """Turn automatic collection off; collect every *interval* seconds in the GUI thread.

    Call once, from the GUI thread, after the QApplication exists. Idempotent.
    """
    global _collector
    if _collector is None:
        gc.collect()
        _collector = GarbageCollector(interval=interval)
