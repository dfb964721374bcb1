"""Record a run, save it, load it, replay its event log exactly; refuse malformed files."""

from __future__ import annotations

import json

import pytest
from helpers import wait_until

from core.scenarios import ScenarioRun, get
from core.teaching import recording as rec
from core.teaching.recording import Recording, Replay, record
from core.trace import Kind, TraceEvent


def sample() -> Recording:
    events = [
        TraceEvent(1, 0.0, Kind.GO_CREATE, 0, 1, "main", "0"),
        TraceEvent(2, 0.1, Kind.CHAN_MAKE, 1, 2, "jobs", "3", (3,)),
        TraceEvent(3, 0.25, Kind.SELECT, 1, 2, "jobs", "0", (0, (0, 1), (("recv", 2), ("nil", 0)))),
        TraceEvent(4, 0.24, Kind.SYNC_MAKE, 1, 5, "ctx", "Context", (0, None, "cancel", 6)),
        TraceEvent(5, 0.5, Kind.NOTE, 1, 0, "", 'hello, "world" é'),
    ]
    return Recording(
        scenario="select",
        params={"rate_a": 3.0, "use_default": False, "variant": "correct", "n": 4},
        seed=42,
        speed=2.0,
        actions=[(0.2, "burst-source-a")],
        events=events,
        dropped=0,
    )


def test_json_round_trip_is_exact():
    r = sample()
    back = Recording.from_json(r.to_json())
    assert back == r
    assert back.events[2].extra == (0, (0, 1), (("recv", 2), ("nil", 0)))


def test_save_and_load_round_trip(tmp_path):
    path = tmp_path / "run.json"
    sample().save(path)
    assert Recording.load(path) == sample()
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]  # no temporary file left


def _doc() -> dict:
    return json.loads(sample().to_json())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="something else"), "format"),
        (lambda d: d.update(version=2), "version 2 is not supported"),
        (lambda d: d.update(version=True), "version"),
        (lambda d: d.pop("seed"), "lacks seed"),
        (lambda d: d.update(colour="red"), "unknown fields: colour"),
        (lambda d: d.update(scenario=""), "scenario must not be empty"),
        (lambda d: d.update(scenario=7), "scenario must be a string"),
        (lambda d: d.update(params=[1]), "params must be an object"),
        (lambda d: d["params"].update(bad=[1]), "parameter bad"),
        (lambda d: d.update(seed=1.5), "seed"),
        (lambda d: d.update(speed=0), "speed must be > 0"),
        (lambda d: d.update(speed="fast"), "speed"),
        (lambda d: d.update(actions=[[0.1]]), "action 0"),
        (lambda d: d.update(actions=[["soon", "x"]]), "action 0 time"),
        (lambda d: d.update(events={}), "events must be a list"),
        (lambda d: d["events"].append([9, 0.0, "go.start", 1, 1, "x", ""]), "event 5 must be"),
        (lambda d: d["events"][1].__setitem__(0, 1), "seq must be an integer above 1"),
        (lambda d: d["events"][1].__setitem__(0, True), "seq"),
        (lambda d: d["events"][1].__setitem__(2, "chan.teleport"), "unknown kind"),
        (lambda d: d["events"][1].__setitem__(3, "1"), "g and obj must be integers"),
        (lambda d: d["events"][1].__setitem__(7, {"a": 1}), "extra must be a list"),
        (lambda d: d["events"][1].__setitem__(7, [{"a": 1}]), "unexpected dict"),
        (lambda d: d["events"][1].__setitem__(7, [[[[[[[1]]]]]]]), "nested too deeply"),
        (lambda d: d["events"][1].__setitem__(6, "x" * 20_000), "too long"),
        (lambda d: d.update(dropped=-1), "dropped"),
    ],
)
def test_malformed_recording_is_refused_with_a_clear_message(change, message):
    doc = _doc()
    change(doc)
    with pytest.raises(ValueError, match=message):
        Recording.from_json(json.dumps(doc))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "corrupt JSON"),
        ("[1, 2]", "not an object"),
        ('{"t": NaN}', "NaN is not a number JSON allows"),
    ],
)
def test_text_that_is_not_a_recording_is_refused(text, message):
    with pytest.raises(ValueError, match=message):
        Recording.from_json(text)


def test_too_many_events_are_refused(monkeypatch):
    monkeypatch.setattr(rec, "MAX_EVENTS", 3)
    with pytest.raises(ValueError, match="too many events"):
        Recording.from_json(sample().to_json())


def test_too_large_a_file_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.json"
    sample().save(path)
    monkeypatch.setattr(rec, "MAX_BYTES", 100)
    with pytest.raises(ValueError, match="more than"):
        Recording.load(path)


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "bin.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ValueError, match="UTF-8"):
        Recording.load(path)


# -- replay ---------------------------------------------------------------------------------


def test_replay_hands_out_events_forward_in_order():
    replay = Replay(sample())
    assert replay.duration == 0.5
    assert [e.seq for e in replay.events_until(0.1)] == [1, 2]
    assert [e.seq for e in replay.events_until(0.3)] == [3, 4]
    assert replay.events_until(0.2) == []  # backwards is seek's job
    assert [e.seq for e in replay.events_until(1.0)] == [5]
    assert replay.position == 1.0


def test_replay_until_a_time_is_a_prefix_even_when_times_are_out_of_order():
    replay = Replay(sample())
    # Event 4 (t=0.24) was stamped after event 3 (t=0.25): t=0.245 stops before both.
    assert [e.seq for e in replay.seek(0.245)] == [1, 2]
    assert [e.seq for e in replay.seek(0.25)] == [1, 2, 3, 4]


def test_seek_back_rebuilds_from_the_start_and_play_continues_from_there():
    replay = Replay(sample())
    replay.events_until(1.0)
    assert [e.seq for e in replay.seek(0.1)] == [1, 2]
    assert [e.seq for e in replay.events_until(0.3)] == [3, 4]
    assert replay.actions_until(0.3) == [(0.2, "burst-source-a")]


def test_empty_recording_replays_nothing():
    replay = Replay(Recording(scenario="x"))
    assert (replay.duration, replay.seek(10.0), replay.events_until(20.0)) == (0.0, [], [])


# -- recording a real run -----------------------------------------------------------------


def test_a_replay_of_a_saved_run_yields_the_same_event_sequence(tmp_path):
    scenario = get("unbuffered-channel")(send_interval=0.1)
    run = ScenarioRun(scenario, speed=5.0, seed=5)
    run.start()
    try:
        wait_until(lambda: len(run.tracer.events()) > 50)
        run.act("send-now")
        wait_until(
            lambda: any(e.obj_name == "teacher:send-now" for e in run.tracer.events()),
        )
    finally:
        run.stop(timeout=1.0)
    recorded = record(run)
    assert recorded.scenario == "unbuffered-channel"
    assert recorded.params == scenario.values and recorded.seed == 5 and recorded.speed == 5.0
    assert [name for _, name in recorded.actions] == ["send-now"]
    path = tmp_path / "lesson.json"
    recorded.save(path)
    replay = Replay(Recording.load(path))
    original = run.tracer.events()
    assert replay.seek(replay.duration) == original
    assert replay.seek(-1.0) == []
    played = []
    for k in range(1, 11):  # forward play in ten ticks
        played.extend(replay.events_until(replay.duration * k / 10))
    assert played == original
