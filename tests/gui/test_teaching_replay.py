"""Record and replay: a saved run replays the same events; the scrubber moves the stage."""

from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QMessageBox

from core.teaching import Recording
from core.trace import Kind


@pytest.fixture
def saved_run(window, qtbot, tmp_path):
    """lost-updates played for a while, stopped, saved: (path, the events it recorded)."""
    window.player.set_speed(5.0)
    assert window.open_lesson("lost-updates")
    tracer = window.player.tracer
    qtbot.waitUntil(lambda: tracer.last_seq > 400, timeout=8000)
    with qtbot.waitSignal(window.player.stopped, timeout=5000):
        window.player.stop()
    path = tmp_path / "lost-updates.run.json"
    assert window.replays.save_run(path) == len(tracer.events())
    return path, tracer.events()


def log(window) -> list[tuple[int, str]]:
    model = window.events.model
    return [(model.row(i)[0], model.row(i)[3]) for i in range(model.rowCount())]


def test_saved_run_keeps_params_seed_and_events(window, saved_run):
    path, events = saved_run
    rec = Recording.load(path)
    assert rec.scenario == "lost-updates"
    assert rec.params == window.player.last_run.scenario.values
    assert rec.seed == window.player.seed
    assert [e.seq for e in rec.events] == [e.seq for e in events]


def test_replay_of_a_saved_run_yields_the_same_event_sequence(window, qtbot, saved_run):
    path, events = saved_run
    assert window.replays.open_run(path, play=False)
    replay = window.replay
    assert window.player.run is None  # no runtime: the recording feeds the views
    window.replays.seek(replay.duration)
    assert log(window) == [(e.seq, e.kind.value) for e in events if e.kind is not Kind.METRIC]
    assert window.stage.model.last_seq == events[-1].seq
    assert window.title_label.text() == "Lost updates: count++ from many goroutines"


def test_replay_plays_forward_from_the_recording(window, qtbot, saved_run):
    path, events = saved_run
    assert window.replays.open_run(path, play=False)
    window.player.set_speed(20.0)
    window.replays.play(True)
    qtbot.waitUntil(lambda: window.replay.index > len(events) // 4, timeout=5000)
    shown = log(window)
    assert shown == [(e.seq, e.kind.value) for e in events[: window.replay.index]][-len(shown) :]


def test_scrubber_moves_the_stage_back_and_forth(window, qtbot, saved_run):
    path, events = saved_run
    assert window.replays.open_run(path, play=False)
    slider = window.replay_bar.slider
    slider.setValue(slider.maximum())
    qtbot.waitUntil(lambda: window.stage.model.last_seq == events[-1].seq, timeout=2000)
    late_now = window.stage.model.now
    slider.setValue(slider.maximum() // 3)
    qtbot.waitUntil(lambda: window.stage.model.last_seq < events[-1].seq, timeout=2000)
    replay = window.replay
    # The stage, the timeline and the event log show the same moment.
    assert window.stage.model.last_seq == events[replay.index - 1].seq
    assert window.timeline.model.now == pytest.approx(replay.position)
    assert log(window)[-1][0] == events[replay.index - 1].seq
    assert window.stage.model.events_seen == replay.index < len(events)
    assert window.stage.model.now < late_now
    assert window.stage.goroutine_item(next(iter(window.stage.model.goroutines))) is not None
    slider.setValue(0)
    qtbot.waitUntil(lambda: window.replay.index <= 1, timeout=2000)
    assert window.events.model.rowCount() <= 1


def test_corrupt_run_file_is_refused_and_changes_nothing(window, qtbot, tmp_path, monkeypatch):
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    assert window.open_lesson("unbuffered-channel")
    run = window.player.run
    bad = tmp_path / "bad.run.json"
    doc = {"format": "goroutine-lab-recording", "version": 1, "scenario": "select"}
    for text in ("{not json", json.dumps(doc), "[]"):
        bad.write_text(text)
        assert not window.replays.open_run(bad)
    assert len(warnings) == 3 and all("Nothing was changed" in w for w in warnings)
    assert window.replay is None and window.player.run is run
    assert window.scenario_cls.id == "unbuffered-channel"
    assert not window.replay_bar.isVisible()


def test_closing_the_replay_brings_the_lesson_back(window, qtbot, saved_run):
    path, _events = saved_run
    assert window.replays.open_run(path, play=False)
    assert window.replay_bar.isVisible()
    window.replays.close()
    assert window.replay is None and not window.replay_bar.isVisible()
    assert window.scenario_cls.id == "lost-updates"
    window.player_toggle()  # Space plays the lesson live again
    qtbot.waitUntil(lambda: window.bridge.delivered > 0, timeout=3000)


def test_a_replay_is_presented_like_the_live_lesson(window, qtbot, saved_run):
    """One presentation for live and replay: the Scheduler's hint and the tabs follow the
    recorded lesson, whatever was on the window before (here the learner's own program)."""
    path, _events = saved_run
    assert window.open_lesson("program", play=False)
    assert window.tabs.indexOf(window.program.editor) >= 0
    assert window.replays.open_run(path, play=False)
    assert window.tabs.indexOf(window.program.editor) < 0  # the editor left with its lesson
    assert window.tabs.isTabVisible(window.tabs.indexOf(window.code))
    assert "count++ is three steps" in window.scheduler.hint.text()
    assert window.windowTitle().startswith("Replay: ")
    assert window.chapter_label.text().startswith("REPLAY · ")
