"""Where a goroutine stands: the innermost line of its stack in the file on screen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers import wait_until

from core.runtime import Chan, Runtime, State, go
from core.teaching import source_positions
from core.teaching.positions import same_file
from core.trace import Tracer

HERE = __file__


@pytest.fixture
def rt() -> Iterator[Runtime]:
    runtime = Runtime(name="positions", tracer=Tracer())
    with runtime.active():
        yield runtime
    runtime.stop(timeout=0.5)


def _wait_for_value(ch: Chan) -> None:
    ch.recv()  # the line a blocked receiver stands at


def _outer(ch: Chan) -> None:
    _wait_for_value(ch)


def _line_of(fn, text: str) -> int:
    import inspect

    lines, first = inspect.getsourcelines(fn)
    return first + next(i for i, line in enumerate(lines) if text in line)


def test_a_blocked_goroutine_stands_at_its_receive(rt):
    ch = Chan(name="values")
    g = go(_outer, ch, name="reader")
    wait_until(lambda: g.state is not State.RUNNING)
    (pos,) = source_positions([g], [HERE])
    assert (pos.g, pos.name, pos.function) == (g.id, "reader", "_wait_for_value")
    assert pos.line == _line_of(_wait_for_value, "ch.recv()")
    assert same_file(pos.filename) == same_file(HERE)
    ch.send(1)


def test_only_the_files_asked_for_count(rt):
    ch = Chan(name="values")
    g = go(_outer, ch, name="reader")
    wait_until(lambda: g.state is not State.RUNNING)
    assert source_positions([g], ["/no/such/file.py"]) == []
    ch.send(1)


def test_a_goroutine_that_ended_stands_nowhere(rt):
    g = go(lambda: None, name="quick")
    assert g.join(2.0)
    assert source_positions([g], [HERE]) == []
