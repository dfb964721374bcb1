"""The observation layer (stdlib only): what the runtime reports, and the run rebuilt from it.

- ``events``: event kinds, one typed payload per kind, goroutine states;
- ``ring``: the :class:`Tracer`, a bounded ring with sequence numbers;
- ``model``: :class:`RunModel`, the run's state folded from events alone
  (its channel handlers in ``model_channels``, the others in ``model_sync``);
- ``export``: Chrome-trace JSON (Perfetto) and atomic file writes.
"""

from core.trace.events import (
    BLOCKED_STATES,
    FINISHED_STATES,
    STATES,
    Kind,
    PatternState,
    State,
    TraceEvent,
    WaitRecord,
    decode,
    format_wait_records,
    short_repr,
    woken_by,
)
from core.trace.export import (
    atomic_write_bytes,
    atomic_write_text,
    to_chrome_trace,
    write_chrome_trace,
)
from core.trace.model import (
    CellView,
    ChannelView,
    ContextView,
    GoroutineView,
    LockView,
    OnceView,
    PatternView,
    RunDiff,
    RunModel,
    SelectView,
    TimerView,
    Transfer,
    WaitGroupView,
)
from core.trace.ring import Subscriber, Tracer

__all__ = [
    "BLOCKED_STATES",
    "FINISHED_STATES",
    "STATES",
    "CellView",
    "ChannelView",
    "ContextView",
    "GoroutineView",
    "Kind",
    "LockView",
    "OnceView",
    "PatternState",
    "PatternView",
    "RunDiff",
    "RunModel",
    "SelectView",
    "State",
    "Subscriber",
    "TimerView",
    "TraceEvent",
    "Tracer",
    "Transfer",
    "WaitGroupView",
    "WaitRecord",
    "atomic_write_bytes",
    "atomic_write_text",
    "decode",
    "format_wait_records",
    "short_repr",
    "to_chrome_trace",
    "woken_by",
    "write_chrome_trace",
]
