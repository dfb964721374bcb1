"""Saved runs (the one format: core.teaching.Recording), refusals of bad files, crashes
mid-save.

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
from core.persist import MAX_DEPTH, MAX_STRING, FileFormatError, atomic_write_text
from core.scenarios import ScenarioRun, get
from core.teaching import Recording, record
from core.trace import Kind, TraceEvent

# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_run() -> Recording:
    """A recording of a real run: the select lesson for a moment (SELECT events nest
    tuples), with a pattern's record (its state nests five deep)."""
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
    entries = (("k2", 1.5), ("k10", 2.5))
    cache = (("cache", "set", (("entries", entries), ("size", 2))),)
    last = events[-1]
    events.append(TraceEvent(last.seq + 1, last.t, Kind.PATTERN, 1, 99, "cache", "set", *cache))
    return record(run, events)


@pytest.fixture
def saved(tmp_path: Path, real_run: Recording) -> Path:
    path = tmp_path / "run.json"
    real_run.save(path)
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def recording_doc(**fields) -> dict:
    doc = {
        "format": "goroutine-lab-recording",
        "version": 1,
        "scenario": "select",
        "params": {},
        "seed": None,
        "speed": 1.0,
        "actions": [],
        "events": [],
    }
    doc.update(fields)
    return doc


def event(seq: int = 1, kind: str = "chan.send", extra: list | None = None, **over) -> list:
    e = [seq, 0.5, kind, 1, 2, "c", "v", extra if extra is not None else [1]]
    for i, name in enumerate(("seq", "t", "kind", "g", "obj", "name", "value", "extra")):
        if name in over:
            e[i] = over[name]
    return e


# -- round trips -------------------------------------------------------------------------------


def test_atomic_write_text_is_the_one_from_core_trace():
    assert atomic_write_text is core.trace.atomic_write_text


def test_a_saved_run_loads_back_equal(saved: Path, real_run: Recording):
    loaded = Recording.load(saved)
    assert loaded.events == real_run.events  # TraceEvent objects again, nested extras
    assert loaded.events[-1].payload.fields()["entries"] == (("k2", 1.5), ("k10", 2.5))
    assert (loaded.scenario, loaded.params, loaded.seed, loaded.speed) == (
        real_run.scenario,
        real_run.params,
        real_run.seed,
        real_run.speed,
    )
    assert loaded.actions == real_run.actions and loaded.dropped == real_run.dropped


def test_a_loaded_run_saves_again_unchanged(tmp_path: Path, saved: Path):
    again = tmp_path / "again.json"
    Recording.load(saved).save(again)
    assert again.read_bytes() == saved.read_bytes()


def test_saving_over_a_file_replaces_it_whole(tmp_path: Path):
    path = tmp_path / "run.json"
    Recording("select", {"note": "x" * 10_000}).save(path)
    Recording("deadlock").save(path)
    assert Recording.load(path) == Recording("deadlock")
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]


# -- refusals -------------------------------------------------------------------------------

Bad = bytes | str | dict | list


def _deep(n: int) -> str:
    return "[" * n + "]" * n


BAD_RUNS: dict[str, tuple[Bad, str]] = {
    "empty": (b"", "empty"),
    "whitespace": (b"  \n\t", "empty"),
    "not utf-8": (b'{"format": "\xff\xfe"}', "not UTF-8"),
    "corrupt": (b'{"format": "goroutine-lab-recording", "version": 1, "events": {]}', "corrupt"),
    "binary junk": (bytes(range(256)) * 4, "not UTF-8"),
    "top-level list": ([1, 2, 3], "not an object"),
    "top-level string": ('"run"', "not an object"),
    "no format": ({"version": 1}, "format is None"),
    "other format": (recording_doc(format="goroutine-lab.run"), "format is 'goroutine-lab.run'"),
    "newer version": (recording_doc(version=2), "version 2 is not supported"),
    "version as text": (recording_doc(version="1"), "version '1' is not supported"),
    "version as bool": (recording_doc(version=True), "version True is not supported"),
    "no events": (
        {k: v for k, v in recording_doc().items() if k != "events"},
        "recording lacks events",
    ),
    "unknown top key": (recording_doc(extra=1), "unknown fields: extra"),
    "scenario a number": (recording_doc(scenario=5), "scenario must be a string"),
    "params a list": (recording_doc(params=[]), "params must be an object"),
    "param an object": (recording_doc(params={"a": {}}), "parameter a must be"),
    "negative speed": (recording_doc(speed=-1), "speed must be > 0"),
    "speed as text": (recording_doc(speed="fast"), "speed must be a finite number"),
    "seed a float": (recording_doc(seed=1.5), "seed must be an integer"),
    "events an object": (recording_doc(events={}), "events must be a list"),
    "event a number": (recording_doc(events=[3]), "event 0 must be"),
    "event kind unknown": (recording_doc(events=[event(kind="chan.explode")]), "unknown kind"),
    "event seq as text": (recording_doc(events=[event(seq="1")]), "event 0: seq"),
    "event seq as bool": (recording_doc(events=[event(seq=True)]), "event 0: seq"),
    "event seqs out of order": (recording_doc(events=[event(5), event(4)]), "event 1: seq"),
    "event time as text": (recording_doc(events=[event(t="noon")]), "event 0 time"),
    "event value a number": (recording_doc(events=[event(value=3)]), "event 0 value"),
    "event extra with an object": (
        recording_doc(events=[event(extra=[{"x": 1}])]),
        "unexpected dict in extra",
    ),
    "actions not pairs": (recording_doc(actions=[[1]]), "action 0 must be [time, name]"),
    "duplicate key": (
        '{"format": "goroutine-lab-recording", "version": 1, "version": 2}',
        "appears twice",
    ),
    "NaN": (
        '{"format": "goroutine-lab-recording", "version": 1, "speed": NaN}',
        "NaN is not a number JSON allows",
    ),
    "Infinity": (
        '{"format": "goroutine-lab-recording", "version": 1, "speed": Infinity}',
        "Infinity is not a number JSON allows",
    ),
    "an int of 100,000 digits": (
        '{"format": "goroutine-lab-recording", "version": 1, "seed": ' + "9" * 100_000 + "}",
        "unreadable JSON value",
    ),
    "nested 100,000 deep": (_deep(100_000), "nested deeper"),
    "nested a little too deep": (
        recording_doc(params={"x": json.loads(_deep(MAX_DEPTH))}),
        "nested deeper",
    ),
    "a huge string": (recording_doc(scenario="x" * (MAX_STRING + 1)), "more than"),
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
        Recording.load(path)
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
            Recording.load(cut)


def test_a_file_larger_than_the_limit_is_refused_before_it_is_read(tmp_path: Path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as f:
        f.truncate(persist.MAX_FILE_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(FileFormatError, match="more than"):
        Recording.load(path)


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path):
    path = tmp_path / "fifo.json"
    os.mkfifo(path)
    with pytest.raises(FileFormatError, match="not a regular file"):
        Recording.load(path)


def test_a_directory_is_refused(tmp_path: Path):
    (tmp_path / "dir.json").mkdir()
    with pytest.raises((FileFormatError, IsADirectoryError)):
        Recording.load(tmp_path / "dir.json")


def test_a_missing_file_raises_file_not_found(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        Recording.load(tmp_path / "nothing.json")


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
        recording_doc(
            params={"variant": "correct", "n": 3},
            events=[event(1), event(2, kind="select", extra=[0, [0, 1], [["recv", 2]]])],
            actions=[[0.5, "burst-source-a"]],
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
        run = Recording.load(path)
    except FileFormatError:
        return
    # It loaded: then it is a well-formed run.
    assert isinstance(run.scenario, str) and run.scenario
    assert all(isinstance(e, TraceEvent) for e in run.events)


# -- saving what would not load back ---------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        Recording("s", speed=float("nan")),
        Recording("s", params={"n": {1, 2}}),
        Recording("s", events=[TraceEvent(1, 0.0, Kind.NOTE, extra=({1, 2},))]),
    ],
    ids=["nan speed", "set param", "set in extra"],
)
def test_saving_a_record_that_would_not_load_raises_and_writes_nothing(tmp_path, bad):
    path = tmp_path / "run.json"
    Recording("before").save(path)
    before = snapshot(tmp_path)
    with pytest.raises(ValueError):
        bad.save(path)
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
    real_run.save(path)
    before = snapshot(tmp_path)
    breaker, exc = CRASHES[crash]
    with monkeypatch.context() as mp:
        breaker(mp)
        with pytest.raises(exc):
            Recording("deadlock", {"note": "new" * 1000}).save(path)
    assert snapshot(tmp_path) == before, "the previous file changed or a temp file stayed"
    assert Recording.load(path).events == real_run.events


@pytest.mark.parametrize("crash", list(CRASHES), ids=list(CRASHES))
def test_a_crash_during_a_first_save_leaves_no_file_at_all(tmp_path, monkeypatch, crash):
    breaker, exc = CRASHES[crash]
    with monkeypatch.context() as mp:
        breaker(mp)
        with pytest.raises(exc):
            Recording("s", events=[TraceEvent(1, 0.0, Kind.NOTE, value="x")]).save(
                tmp_path / "run.json"
            )
    assert list(tmp_path.iterdir()) == []


# -- hostile recordings ------------------------------------------------------------------

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
    "the old saved-run format": {"format": "goroutine-lab.run", "version": 1, "run": {}},
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
