"""Saved runs and trace files: round trips, refusals of bad files, crashes mid-save.

A refused file raises a ``ValueError`` (``FileFormatError``) whose message names the
file and the problem, and loading changes nothing: the file's bytes and the folder's
contents are the same afterwards. A save that fails at any point leaves the previous
file exactly as it was, and no temporary file behind.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import core.trace
from core import persist
from core.persist import (
    MAX_DEPTH,
    MAX_STRING,
    FileFormatError,
    atomic_write_text,
    load_run,
    load_trace,
    save_run,
    save_trace,
)
from core.scenarios import ScenarioRun, get
from core.trace import Kind, TraceEvent

# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_run() -> dict:
    """A record of a real run: the select lesson for a moment (SELECT events nest tuples)."""
    run = ScenarioRun(get("select"), speed=20.0, tracer_capacity=5_000)
    run.start()
    wait = run.runtime.clock
    # A loaded machine may reach 1 s of lesson time before the first select completes:
    # run until one has (a state, not a duration), within a generous bound.
    while not run.finished and wait.now() < 30.0:
        if wait.now() >= 1.0 and any(e.kind is Kind.SELECT for e in run.tracer.events()):
            break
        run.wait_finished(0.01)
    report = run.stop(2.0)
    assert not report.alive
    events = run.tracer.events()
    assert any(e.kind is Kind.SELECT for e in events)
    return {
        "scenario": run.scenario.id,
        "params": dict(run.scenario.values),
        "speed": 20.0,
        "seed": None,
        "duration": wait.now(),
        "events": events,
        "dropped": run.tracer.dropped,
        "metrics": run.scenario.recorder.snapshot(),
        "notes": ["a note with <b>html</b>, emoji 🎉 and\ncontrol \x07 characters"],
    }


@pytest.fixture
def saved(tmp_path: Path, real_run: dict) -> Path:
    path = tmp_path / "run.json"
    save_run(path, real_run)
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def envelope(run: dict | None = None, **top) -> dict:
    doc = {"format": "goroutine-lab.run", "version": 1, "run": run or {"scenario": "select"}}
    doc.update(top)
    return doc


def event(**fields) -> dict:
    d = {"seq": 1, "t": 0.5, "kind": "chan.send", "g": 1, "obj": 2, "obj_name": "c"}
    d.update(fields)
    return d


# -- round trips -------------------------------------------------------------------------------


def test_atomic_write_text_is_the_one_from_core_trace():
    assert atomic_write_text is core.trace.atomic_write_text


def test_a_saved_run_loads_back_equal(saved: Path, real_run: dict):
    loaded = load_run(saved)
    assert loaded["events"] == real_run["events"]  # TraceEvent objects again, nested extras
    assert {k: v for k, v in loaded.items() if k not in ("events", "metrics")} == {
        k: v for k, v in real_run.items() if k not in ("events", "metrics")
    }
    for name, (t, v) in real_run["metrics"].items():
        assert loaded["metrics"][name] == {"t": t, "v": v}


def test_a_loaded_run_saves_again_unchanged(tmp_path: Path, saved: Path):
    again = tmp_path / "again.json"
    save_run(again, load_run(saved))
    assert again.read_bytes() == saved.read_bytes()


def test_a_trace_file_loads_back_equal(tmp_path: Path, real_run: dict):
    path = tmp_path / "trace.json"
    save_trace(path, real_run["events"], dropped=3)
    assert load_trace(path) == real_run["events"]


def test_saving_over_a_file_replaces_it_whole(tmp_path: Path):
    path = tmp_path / "run.json"
    save_run(path, {"scenario": "select", "notes": ["x" * 10_000]})
    save_run(path, {"scenario": "deadlock"})
    assert load_run(path) == {"scenario": "deadlock"}
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]


# -- refusals -------------------------------------------------------------------------------

Bad = bytes | str | dict | list


def _deep(n: int) -> str:
    return "[" * n + "]" * n


BAD_RUNS: dict[str, tuple[Bad, str]] = {
    "empty": (b"", "empty"),
    "whitespace": (b"  \n\t", "empty"),
    "not utf-8": (b'{"format": "\xff\xfe"}', "not UTF-8"),
    "corrupt": (b'{"format": "goroutine-lab.run", "version": 1, "run": {]}', "corrupt JSON"),
    "binary junk": (bytes(range(256)) * 4, "not UTF-8"),
    "top-level list": ([1, 2, 3], "expected a JSON object"),
    "top-level string": ('"run"', "expected a JSON object"),
    "no format": ({"version": 1, "run": {"scenario": "x"}}, "format is None"),
    "other format": (envelope(format="goroutine-lab.trace"), "format is 'goroutine-lab.trace'"),
    "newer version": (envelope(version=2), "newer Goroutine Lab"),
    "old version": (envelope(version=0), "version 0 is not supported"),
    "version as text": (envelope(version="1"), "version is '1'"),
    "version as bool": (envelope(version=True), "version is True"),
    "no run": ({"format": "goroutine-lab.run", "version": 1}, "missing run"),
    "unknown top key": (envelope(extra=1), "unexpected 'extra'"),
    "run is a list": (envelope(run=[1]), "run: expected an object, found a list"),
    "no scenario": (envelope(run={"params": {}}), "run.scenario"),
    "scenario a number": (envelope(run={"scenario": 5}), "run.scenario"),
    "params a list": (envelope(run={"scenario": "s", "params": []}), "run.params"),
    "param an object": (envelope(run={"scenario": "s", "params": {"a": {}}}), "params['a']"),
    "negative speed": (envelope(run={"scenario": "s", "speed": -1}), "run.speed"),
    "speed as text": (envelope(run={"scenario": "s", "speed": "fast"}), "run.speed"),
    "seed a float": (envelope(run={"scenario": "s", "seed": 1.5}), "run.seed"),
    "events an object": (envelope(run={"scenario": "s", "events": {}}), "run.events"),
    "event a number": (envelope(run={"scenario": "s", "events": [3]}), "run.events[0]"),
    "event kind unknown": (
        envelope(run={"scenario": "s", "events": [event(kind="chan.explode")]}),
        "unknown event kind",
    ),
    "event seq as text": (
        envelope(run={"scenario": "s", "events": [event(seq="1")]}),
        "events[0].seq",
    ),
    "event seq as bool": (
        envelope(run={"scenario": "s", "events": [event(seq=True)]}),
        "events[0].seq",
    ),
    "event seqs out of order": (
        envelope(run={"scenario": "s", "events": [event(seq=5), event(seq=4)]}),
        "events[1].seq",
    ),
    "event time as text": (
        envelope(run={"scenario": "s", "events": [event(t="noon")]}),
        "events[0].t",
    ),
    "event negative goroutine": (
        envelope(run={"scenario": "s", "events": [event(g=-1)]}),
        "events[0].g",
    ),
    "event value a number": (
        envelope(run={"scenario": "s", "events": [event(value=3)]}),
        "events[0].value",
    ),
    "event extra with an object": (
        envelope(run={"scenario": "s", "events": [event(extra=[{"x": 1}])]}),
        "events[0].extra",
    ),
    "event unknown field": (
        envelope(run={"scenario": "s", "events": [event(evil=1)]}),
        "unexpected 'evil'",
    ),
    "metrics uneven": (
        envelope(run={"scenario": "s", "metrics": {"m": {"t": [1, 2], "v": [1]}}}),
        "same length",
    ),
    "metrics with text": (
        envelope(run={"scenario": "s", "metrics": {"m": {"t": [1], "v": ["x"]}}}),
        "numbers only",
    ),
    "notes not strings": (envelope(run={"scenario": "s", "notes": [1]}), "run.notes"),
    "duplicate key": (
        '{"format": "goroutine-lab.run", "version": 1, "version": 2, "run": {}}',
        "appears twice",
    ),
    "NaN": (
        '{"format": "goroutine-lab.run", "version": 1, "run": {"scenario": "s", "speed": NaN}}',
        "NaN is not a number JSON allows",
    ),
    "Infinity": (
        '{"format": "goroutine-lab.run", "version": 1, "run": {"scenario": "s", '
        '"duration": Infinity}}',
        "Infinity is not a number JSON allows",
    ),
    "an int of 100,000 digits": (
        '{"format": "goroutine-lab.run", "version": 1, "run": {"scenario": "s", "seed": '
        + "9" * 100_000
        + "}}",
        "unreadable JSON value",
    ),
    "nested 100,000 deep": (_deep(100_000), "nested deeper"),
    "nested a little too deep": (
        envelope(run={"scenario": "s", "x": json.loads(_deep(MAX_DEPTH))}),
        "nested deeper",
    ),
    "a huge string": (
        envelope(run={"scenario": "s", "notes": ["x" * (MAX_STRING + 1)]}),
        "more than",
    ),
}


def _write(path: Path, content: Bad) -> None:
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content), encoding="utf-8")


@pytest.mark.parametrize("case", list(BAD_RUNS), ids=list(BAD_RUNS))
def test_a_bad_run_file_is_refused_with_a_clear_message_and_nothing_changes(tmp_path, case):
    content, phrase = BAD_RUNS[case]
    path = tmp_path / "bad.json"
    _write(path, content)
    before = snapshot(tmp_path)
    with pytest.raises(ValueError) as info:
        load_run(path)
    assert isinstance(info.value, FileFormatError)
    message = str(info.value)
    assert str(path) in message, message
    assert phrase in message, message
    assert len(message) < 400, "a message the learner can read"
    assert snapshot(tmp_path) == before


def test_every_truncation_of_a_saved_run_is_refused(tmp_path: Path, saved: Path):
    data = saved.read_bytes()
    cut = tmp_path / "cut.json"
    for n in sorted({0, 1, 2, len(data) // 3, len(data) // 2, len(data) - 2, len(data) - 1}):
        cut.write_bytes(data[:n])
        with pytest.raises(FileFormatError, match=r"truncated|empty"):
            load_run(cut)


def test_a_file_larger_than_the_limit_is_refused_before_it_is_read(tmp_path: Path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as f:
        f.truncate(persist.MAX_FILE_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(FileFormatError, match="more than"):
        load_run(path)


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path):
    path = tmp_path / "fifo.json"
    os.mkfifo(path)
    with pytest.raises(FileFormatError, match="not a regular file"):
        load_run(path)


def test_a_directory_is_refused(tmp_path: Path):
    (tmp_path / "dir.json").mkdir()
    with pytest.raises((FileFormatError, IsADirectoryError)):
        load_run(tmp_path / "dir.json")


def test_a_missing_file_raises_file_not_found(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        load_run(tmp_path / "nothing.json")


BAD_TRACES: dict[str, tuple[Bad, str]] = {
    "a run, not a trace": (envelope(), "format is 'goroutine-lab.run'"),
    "truncated": ('{"format": "goroutine-lab.trace", "version": 1, "events": [', "truncated"),
    "no events": ({"format": "goroutine-lab.trace", "version": 1}, "missing events"),
    "negative dropped": (
        {"format": "goroutine-lab.trace", "version": 1, "dropped": -1, "events": []},
        "dropped",
    ),
    "bad event": (
        {"format": "goroutine-lab.trace", "version": 1, "events": [event(kind=7)]},
        "unknown event kind",
    ),
    "a Chrome trace": ({"traceEvents": [], "displayTimeUnit": "ms"}, "format is None"),
}


@pytest.mark.parametrize("case", list(BAD_TRACES), ids=list(BAD_TRACES))
def test_a_bad_trace_file_is_refused_with_a_clear_message(tmp_path, case):
    content, phrase = BAD_TRACES[case]
    path = tmp_path / "bad.trace.json"
    _write(path, content)
    before = snapshot(tmp_path)
    with pytest.raises(FileFormatError, match=phrase) as info:
        load_trace(path)
    assert str(path) in str(info.value)
    assert snapshot(tmp_path) == before


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    cuts=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8),
    truncate=st.one_of(st.none(), st.integers(0, 10**6)),
)
def test_a_damaged_file_either_loads_as_a_valid_run_or_is_refused(tmp_path, cuts, truncate):
    good = json.dumps(
        envelope(
            run={
                "scenario": "select",
                "params": {"variant": "correct", "n": 3},
                "events": [event(seq=1), event(seq=2, kind="select", extra=[0, [0, 1]])],
                "metrics": {"m": {"t": [0.1, 0.2], "v": [1, 2]}},
            }
        )
    ).encode()
    data = bytearray(good)
    for pos, byte in cuts:
        data[pos % len(data)] = byte
    if truncate is not None:
        data = data[: truncate % (len(data) + 1)]
    path = tmp_path / "damaged.json"
    path.write_bytes(bytes(data))
    try:
        run = load_run(path)
    except FileFormatError:
        return
    # It loaded: then it is a well-formed run.
    assert isinstance(run["scenario"], str)
    assert all(isinstance(e, TraceEvent) for e in run.get("events", []))


# -- saving what would not load back ---------------------------------------------------------


@pytest.mark.parametrize(
    "record",
    [
        {"scenario": "s", "metrics": {"m": ([0.0], [float("nan")])}},
        {"scenario": "s", "params": {"n": {1, 2}}},
        {"scenario": "s", "x": {1: "int key"}},
        {"scenario": "s", "events": [event(seq=2), event(seq=1)]},
        {"scenario": ""},
    ],
    ids=["nan metric", "set param", "int key", "seq order", "no scenario"],
)
def test_saving_a_record_that_would_not_load_raises_and_writes_nothing(tmp_path, record):
    path = tmp_path / "run.json"
    save_run(path, {"scenario": "before"})
    before = snapshot(tmp_path)
    with pytest.raises(ValueError):
        save_run(path, record)
    assert snapshot(tmp_path) == before


# -- crashes mid-save --------------------------------------------------------------------------


class Crash(Exception):
    pass


def _break_replace(monkeypatch):
    def replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", replace)


def _break_fsync(monkeypatch):
    def fsync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", fsync)


def _break_write_halfway(monkeypatch, exc: BaseException | None = None):
    exc = exc if exc is not None else OSError(28, "No space left on device")
    real = os.fdopen

    class HalfWriter:
        def __init__(self, f):
            self._f = f

        def write(self, text: str) -> int:
            self._f.write(text[: len(text) // 2])
            self._f.flush()  # the partial output really reaches the disk
            raise exc

        def __getattr__(self, name):
            return getattr(self._f, name)

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return self._f.__exit__(*a)

    monkeypatch.setattr(os, "fdopen", lambda *a, **k: HalfWriter(real(*a, **k)))


CRASHES = {
    "rename fails": (_break_replace, OSError),
    "fsync fails": (_break_fsync, OSError),
    "disk full halfway": (_break_write_halfway, OSError),
    "interrupted halfway": (
        lambda mp: _break_write_halfway(mp, KeyboardInterrupt()),
        KeyboardInterrupt,
    ),
}


@pytest.mark.parametrize("crash", list(CRASHES), ids=list(CRASHES))
def test_a_crash_mid_save_never_destroys_the_previous_file(tmp_path, monkeypatch, crash, real_run):
    path = tmp_path / "run.json"
    save_run(path, real_run)
    before = snapshot(tmp_path)
    breaker, exc = CRASHES[crash]
    with monkeypatch.context() as mp:
        breaker(mp)
        with pytest.raises(exc):
            save_run(path, {"scenario": "deadlock", "notes": ["new"] * 1000})
    assert snapshot(tmp_path) == before, "the previous file changed or a temp file stayed"
    assert load_run(path)["events"] == real_run["events"]


@pytest.mark.parametrize("crash", list(CRASHES), ids=list(CRASHES))
def test_a_crash_during_a_first_save_leaves_no_file_at_all(tmp_path, monkeypatch, crash):
    breaker, exc = CRASHES[crash]
    with monkeypatch.context() as mp:
        breaker(mp)
        with pytest.raises(exc):
            save_trace(tmp_path / "trace.json", [TraceEvent(1, 0.0, Kind.NOTE, value="x")])
    assert list(tmp_path.iterdir()) == []


# -- the recordings of core.teaching (the app's saved runs) --------------------------------

HOSTILE: dict[str, Bad] = {
    "empty": b"",
    "not utf-8": b'{"format": "\xff\xfe"}',
    "binary junk": bytes(range(256)) * 4,
    "truncated": '{"format": "goroutine-lab-recording", "version": 1, "events": [[1, 0.5, "no',
    "top-level list": [1, 2, 3],
    "nested 100,000 deep": _deep(100_000),
    "NaN": '{"format": "goroutine-lab-recording", "version": 1, "speed": NaN}',
    "an int of 100,000 digits": '{"format": "goroutine-lab-recording", "version": '
    + "9" * 100_000
    + "}",
    "newer version": {"format": "goroutine-lab-recording", "version": 2},
    "a saved run of core.persist": envelope(),
    "an event of the wrong shape": {
        "format": "goroutine-lab-recording",
        "version": 1,
        "scenario": "select",
        "params": {},
        "seed": None,
        "speed": 1.0,
        "actions": [],
        "events": [[1, 0.5, "chan.send", 1, 2, "c", "v", [{"x": 1}]]],
    },
}


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_a_hostile_recording_is_refused_with_a_value_error_and_nothing_changes(tmp_path, case):
    from core.teaching.recording import Recording

    path = tmp_path / "bad.recording.json"
    _write(path, HOSTILE[case])
    before = snapshot(tmp_path)
    with pytest.raises(ValueError):
        Recording.load(path)
    assert snapshot(tmp_path) == before


@settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    cuts=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8),
    truncate=st.one_of(st.none(), st.integers(0, 10**6)),
)
def test_a_damaged_recording_loads_or_raises_value_error_only(tmp_path, cuts, truncate):
    from core.teaching.recording import Recording

    good = Recording(
        "select",
        {"variant": "correct"},
        seed=3,
        actions=[(0.5, "burst-source-a")],
        events=[
            TraceEvent(1, 0.1, Kind.CHAN_SEND, 1, 2, "c", "v", ("buffer", 1)),
            TraceEvent(2, 0.2, Kind.SELECT, 1, 2, "c", "0", (0, (0, 1), (("recv", 2),))),
        ],
    ).to_json()
    data = bytearray(good.encode())
    for pos, byte in cuts:
        data[pos % len(data)] = byte
    if truncate is not None:
        data = data[: truncate % (len(data) + 1)]
    path = tmp_path / "damaged.recording.json"
    path.write_bytes(bytes(data))
    try:
        Recording.load(path)
    except ValueError:
        pass


def test_loading_a_fifo_as_a_recording_does_not_hang(tmp_path: Path):
    import threading

    from core.teaching.recording import Recording

    path = tmp_path / "fifo.recording.json"
    os.mkfifo(path)
    outcome: list[BaseException] = []

    def load() -> None:
        try:
            Recording.load(path)
        except BaseException as exc:  # handed to the test
            outcome.append(exc)

    t = threading.Thread(target=load, name="load-fifo", daemon=True)
    t.start()
    t.join(1.0)
    hung = t.is_alive()
    if hung:  # a writer that closes at once: the reader sees end of file and returns
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        t.join(5.0)
    assert not hung, "Recording.load blocked on a FIFO"
    assert outcome and isinstance(outcome[0], ValueError)
