"""Go's runtime in Python: goroutines, channels, select, sync, atomics, time.

``core.runtime.context`` is Go's ``context`` package. The names in
``CONTRACT.md`` are exported here; the rest is the simulator's machinery
(the :class:`Runtime`, its clock, goroutine states, deadlock detection).
"""

from core.runtime._atomic import (
    AtomicBool,
    AtomicInt32,
    AtomicInt64,
    AtomicUint32,
    AtomicUint64,
    AtomicValue,
)
from core.runtime._chan import Chan, ChanStats, nil_chan
from core.runtime._clock import MAX_SPEED, MIN_SPEED, Clock
from core.runtime._cond import Cond
from core.runtime._deadlock import DeadlockReport
from core.runtime._errors import Fatal, Goexit, Panic
from core.runtime._goroutine import (
    Goroutine,
    State,
    current,
    current_runtime,
    go,
    gosched,
    trace_pattern,
    trace_point,
)
from core.runtime._ids import next_object_id
from core.runtime._program import run_main
from core.runtime._runtime import Runtime, StopReport, default_runtime
from core.runtime._select import Recv, Send, select
from core.runtime._sync import Mutex, Once, RWMutex, WaitGroup
from core.runtime._time import Ticker, Timer, after, after_func, now, sleep

__all__ = [
    "MAX_SPEED",
    "MIN_SPEED",
    "AtomicBool",
    "AtomicInt32",
    "AtomicInt64",
    "AtomicUint32",
    "AtomicUint64",
    "AtomicValue",
    "Chan",
    "ChanStats",
    "Clock",
    "Cond",
    "DeadlockReport",
    "Fatal",
    "Goexit",
    "Goroutine",
    "Mutex",
    "Once",
    "Panic",
    "RWMutex",
    "Recv",
    "Runtime",
    "Send",
    "State",
    "StopReport",
    "Ticker",
    "Timer",
    "WaitGroup",
    "after",
    "after_func",
    "current",
    "current_runtime",
    "default_runtime",
    "go",
    "gosched",
    "next_object_id",
    "nil_chan",
    "now",
    "run_main",
    "select",
    "sleep",
    "trace_pattern",
    "trace_point",
]
