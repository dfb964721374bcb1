"""The animated stage: goroutines, channels, locks, WaitGroups, contexts, timers
and the values travelling between them, drawn from the trace.

The window uses :class:`StageView` only; the modules beside it hold its items
(``goroutine_item``, ``channel_item``, ``sync_items``, ``tokens``), the pure
layout (``layout``), the shared look (``style``) and the overlays.
"""

from gui.stage.view import StageView

__all__ = ["StageView"]
