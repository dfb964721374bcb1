"""The runtime every pattern test runs in.

A module sets ``RT_SPEED`` (the clock's speed, default 1.0), ``RT_STOP_TIMEOUT`` (how
long the runtime gets to stop clean, default 1 s) and, where its goroutines must never
panic, ``RT_NO_PANICS = True``.
"""

from __future__ import annotations

import pytest

from core.runtime import Runtime


@pytest.fixture
def rt(request):
    """A fresh runtime, active on the test thread; at teardown it must stop clean."""
    name = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    runtime = Runtime(name=name, speed=getattr(request.module, "RT_SPEED", 1.0))
    with runtime.active():  # objects made by the test belong to this runtime
        yield runtime
    report = runtime.stop(getattr(request.module, "RT_STOP_TIMEOUT", 1.0))
    assert report.clean, report
    if getattr(request.module, "RT_NO_PANICS", False):
        assert not runtime.panics, runtime.panics
