"""The public names of CONTRACT.md (core.runtime and core.runtime.context tables) and of
the runtime machinery the brief names, with their signatures. Outside acceptance tests call
exactly these names. (core.patterns is checked by the lead.)"""

from __future__ import annotations

import inspect

import pytest

import core.runtime as runtime
import core.runtime.context as context
import core.trace as trace

# CONTRACT.md, "core.runtime — Go's primitives": one entry per row.
RUNTIME_NAMES = [
    "Panic",
    "Chan",
    "Recv",
    "Send",
    "select",
    "go",
    "Goroutine",
    "Mutex",
    "RWMutex",
    "WaitGroup",
    "Once",
    "AtomicInt64",
    "sleep",
    "after",
    "Timer",
    "Ticker",
    "now",
]

# CONTRACT.md, "core.runtime.context — Go's context".
CONTEXT_NAMES = [
    "background",
    "with_cancel",
    "with_timeout",
    "with_deadline",
    "with_value",
    "Canceled",
    "DeadlineExceeded",
    "ContextError",
]

# The brief's runtime machinery (not in CONTRACT.md; the GUI and the scenarios use it).
MACHINERY_NAMES = [
    "Runtime",
    "State",
    "StopReport",
    "DeadlockReport",
    "ChanStats",
    "Goexit",
    "current",
    "current_runtime",
    "default_runtime",
    "gosched",
    "trace_point",
]

METHODS = {
    "Chan": ["send", "recv", "close", "cap", "__len__", "__iter__", "statistics"],
    "Goroutine": ["join"],
    "Mutex": ["lock", "unlock", "try_lock", "__enter__", "__exit__"],
    "RWMutex": ["lock", "unlock", "rlock", "runlock"],
    "WaitGroup": ["add", "done", "wait", "go"],
    "Once": ["do"],
    "AtomicInt64": ["load", "store", "add", "swap", "compare_and_swap"],
    "Timer": ["stop", "reset"],
    "Ticker": ["stop", "reset"],
    "Runtime": [
        "go",
        "stop",
        "root_context",
        "set_tracer",
        "step",
        "gated",
        "goroutines",
        "check_deadlock",
        "wait_for_graph",
        "active",
        "pause",
        "resume",
    ],
}


@pytest.mark.parametrize("name", RUNTIME_NAMES + MACHINERY_NAMES)
def test_runtime_exports(name):
    assert name in runtime.__all__
    assert getattr(runtime, name) is not None


@pytest.mark.parametrize("name", CONTEXT_NAMES)
def test_context_exports(name):
    assert name in context.__all__
    assert getattr(context, name) is not None


@pytest.mark.parametrize("module", [runtime, context, trace])
def test_every_name_in_all_exists(module):
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert missing == []


@pytest.mark.parametrize(("cls", "method"), [(c, m) for c, ms in METHODS.items() for m in ms])
def test_public_methods_exist(cls, method):
    assert hasattr(getattr(runtime, cls), method)


def test_panic_and_context_errors_are_exceptions():
    assert issubclass(runtime.Panic, Exception)
    assert issubclass(context.ContextError, Exception)
    assert issubclass(context.Canceled, context.ContextError)
    assert issubclass(context.DeadlineExceeded, context.ContextError)
    assert issubclass(runtime.Goexit, BaseException)
    assert not issubclass(runtime.Goexit, Exception)


def _params(fn) -> dict[str, inspect.Parameter]:
    return dict(inspect.signature(fn).parameters)


def test_chan_signature():
    p = _params(runtime.Chan)
    assert p["cap"].default == 0
    assert p["name"].kind is inspect.Parameter.KEYWORD_ONLY and p["name"].default is None


def test_select_signature():
    p = _params(runtime.select)
    assert p["cases"].kind is inspect.Parameter.VAR_POSITIONAL
    assert p["default"].kind is inspect.Parameter.KEYWORD_ONLY and p["default"].default is False


@pytest.mark.parametrize("fn", [runtime.go, runtime.WaitGroup.go])
def test_go_signature(fn):
    p = _params(fn)
    assert any(x.kind is inspect.Parameter.VAR_POSITIONAL for x in p.values())
    assert p["name"].kind is inspect.Parameter.KEYWORD_ONLY and p["name"].default is None


@pytest.mark.parametrize(
    "cls", ["Mutex", "RWMutex", "WaitGroup", "Once", "AtomicInt64", "Timer", "Ticker"]
)
def test_every_sync_object_takes_a_name_keyword(cls):
    p = _params(getattr(runtime, cls))
    assert p["name"].kind is inspect.Parameter.KEYWORD_ONLY and p["name"].default is None


def test_atomic_signature():
    assert _params(runtime.AtomicInt64)["value"].default == 0


def test_runtime_signature():
    p = _params(runtime.Runtime)
    assert p["name"].default == "runtime"
    assert p["tracer"].default is None
    assert p["speed"].default == 1.0


def test_goroutine_states():
    assert {s.name for s in runtime.State} >= {
        "RUNNABLE",
        "RUNNING",
        "BLOCKED_SEND",
        "BLOCKED_RECV",
        "BLOCKED_SELECT",
        "BLOCKED_LOCK",
        "BLOCKED_WAITGROUP",
        "SLEEPING",
        "DONE",
        "PANICKED",
    }


def test_chan_stats_fields():
    assert [f for f in runtime.ChanStats.__dataclass_fields__] == [
        "length",
        "cap",
        "closed",
        "waiting_senders",
        "waiting_receivers",
        "sent",
        "received",
    ]


def test_trace_exports_and_kinds():
    for name in ["Kind", "TraceEvent", "Tracer", "to_chrome_trace", "write_chrome_trace"]:
        assert name in trace.__all__
    assert {k.name for k in trace.Kind} >= {
        "GO_CREATE",
        "GO_START",
        "GO_BLOCK",
        "GO_UNBLOCK",
        "GO_SLEEP",
        "GO_END",
        "GO_PANIC",
        "GO_GATE",
        "GO_STEP",
        "CHAN_MAKE",
        "CHAN_SEND",
        "CHAN_RECV",
        "CHAN_CLOSE",
        "SELECT",
        "SYNC_MAKE",
        "LOCK",
        "UNLOCK",
        "WG_ADD",
        "WG_WAIT",
        "ATOMIC",
        "MEM_READ",
        "MEM_WRITE",
        "TIMER_FIRE",
        "CTX_CANCEL",
        "DEADLOCK",
        "LEAK",
        "NOTE",
        "METRIC",
    }
    fields = list(trace.TraceEvent.__dataclass_fields__)
    assert fields == ["seq", "t", "kind", "g", "obj", "obj_name", "value", "extra"]


def test_context_methods(rt):
    ctx, cancel = context.with_cancel(context.background())
    for method in ("done", "err", "deadline", "value"):
        assert callable(getattr(ctx, method))
    cancel()
