"""The application under abuse (issue 7, item 4): it clamps, refuses, keeps running, leaks nothing.

Every parameter widget of every lesson is pushed to its limits and beyond; the chat gets empty,
huge, HTML, control-character, right-to-left and emoji lines; every action button is clicked
rapidly; lessons are switched while they run; the window is closed mid-run. Each test then
checks that no exception reached Qt (pytest-qt fails a test on an exception raised in a slot or
virtual: ``test_exceptions_in_qt_slots_are_captured`` proves that is on), that every run it
started has stopped with an empty goroutine registry, and that the Python threads are back to
their count at the start, within a deadline.

Long variants (200 lesson switches, every parameter alone at each limit) are marked
``@pytest.mark.slow`` and run with ``--run-slow`` (or ``RUN_SLOW=1``).
"""

from __future__ import annotations

import gc
import math
import os
import re
import threading
import time
import weakref
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import Qt, QTextDocument
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QDoubleSpinBox, QSpinBox

from core import scenarios
from core.trace import Kind
from gui.player import PlayerState

LESSONS = scenarios.catalogue()
LESSON_IDS = [s.id for s in LESSONS]
LESSONS_WITH_ACTIONS = [s.id for s in LESSONS if s.actions]
LESSONS_WITH_PARAMS = [s.id for s in LESSONS if s.params]

# Few lines from the simulated members and a slow reader that keeps up, so that every inbox
# can receive a line posted from the panel (as in test_chat_panel.py).
CALM_CHAT = {"talk_interval": 10.0, "slow_delay": 0.1, "inbox": 32}

# Text typed into a spin box's line edit, then Enter: none of it may get past the widget.
TYPED_JUNK = ("-1", "-999999999", "99999999999999999999", "1e309", "nan", "inf", "abc", "", "-0")

RSS_GROWTH_LIMIT_MB = 150.0
FAST = 20.0  # clock speed of the abuse runs: more of each run in the same wall time


# -- the slow switch ---------------------------------------------------------------------------


def _run_slow(config: pytest.Config) -> bool:
    return bool(config.getoption("--run-slow", default=False)) or os.environ.get(
        "RUN_SLOW", ""
    ) not in ("", "0")


@pytest.fixture(autouse=True)
def _skip_slow_unless_asked(request: pytest.FixtureRequest) -> None:
    # Autouse: runs before the window fixture, so a skipped variant costs nothing.
    if request.node.get_closest_marker("slow") and not _run_slow(request.config):
        pytest.skip("long variant: run with --run-slow (or RUN_SLOW=1)")


# -- helpers -----------------------------------------------------------------------------------


class RunLog:
    """Every run the player started during a test, and what each left when it stopped.

    Runtimes are held weakly (a runtime keeps its tracer's ring: holding 200 would be the
    test's own leak); a runtime that is gone has no goroutine left, since a live goroutine
    holds its runtime. What a run leaves is read when it stops: its panics, error and leaks.
    """

    def __init__(self, player: Any) -> None:
        self.player = player
        self.started = 0
        self._runtimes: list[weakref.ref] = []
        self.ended: list[dict[str, Any]] = []  # one summary per stopped run
        player.started.connect(self._on_started)
        player.stopped.connect(self._on_stopped)

    @property
    def runtimes(self) -> list[Any]:
        """The runtimes of the runs started during the test that are still in memory."""
        return [rt for rt in (ref() for ref in self._runtimes) if rt is not None]

    def _on_started(self) -> None:
        self.started += 1
        self._runtimes.append(weakref.ref(self.player.runtime))

    def _on_stopped(self, report: Any) -> None:
        run = self.player.stopped_run
        events = run.tracer.events() if run.tracer is not None else []
        error = run.error if isinstance(run.error, Exception) else None  # not Goexit
        self.ended.append(
            {
                "lesson": run.scenario.id,
                "values": dict(run.scenario.values),
                "panics": [ev.value for ev in events if ev.kind is Kind.GO_PANIC],
                "error": repr(error) if error is not None else None,
                "stop_failed": repr(report) if isinstance(report, Exception) else None,
                "leaked": list(getattr(report, "leaked", None) or []),
            }
        )

    def all_stopped(self) -> bool:
        """True once every run has stopped, its goroutine registry empty, its stop reported."""
        return len(self.ended) == self.started and all(
            rt.stopped and not rt.goroutines() for rt in self.runtimes
        )


def goroutine_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("go:") and t.is_alive()]


def rss_mb() -> float:
    """This process's resident set size (``VmRSS`` of /proc/self/status), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS line in /proc/self/status")


def settled_rss_mb() -> float:
    """RSS once the widgets discarded with ``deleteLater`` are deleted and gc has run.

    The running application's event loop deletes them at its next turn; a test that keeps
    the loop busy in ``waitUntil`` does it here, then collects cycles.
    """
    for _ in range(3):
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QApplication.processEvents()
        gc.collect()
    return rss_mb()


def open_running(
    window: Any, qtbot: Any, lesson: str, values: dict | None = None, speed: float = FAST
) -> None:
    """Open *lesson* at clock *speed*; wait until it plays and its first events reach the views."""
    window.player.set_speed(speed)
    assert window.open_lesson(lesson, values)
    qtbot.waitUntil(
        lambda: window.player.run is not None and window.bridge.delivered > 0, timeout=5000
    )


def wait_runtime_time(window: Any, qtbot: Any, seconds: float) -> None:
    """Wait until the run on stage has played *seconds* of runtime clock (or has ended)."""
    run = window.player.run
    qtbot.waitUntil(lambda: run.finished or run.runtime.clock.now() >= seconds, timeout=10_000)


def stop_everything(window: Any, qtbot: Any, log: RunLog, threads_before: int) -> None:
    """Stop what plays, then check every run stopped, its registry empty, its threads joined."""
    window.player.stop()
    assert window.player.wait_stopped(10.0), "a run did not stop within 10 s"
    qtbot.waitUntil(log.all_stopped, timeout=5000)
    qtbot.waitUntil(lambda: not goroutine_threads(), timeout=5000)
    # The watchdog and stop threads are plain Python threads: they are joined too.
    qtbot.waitUntil(lambda: threading.active_count() <= threads_before, timeout=5000)


def assert_correct_runs_ended_clean(log: RunLog) -> None:
    """A lesson's correct variant never panics, raises or leaks, whatever its parameters.

    (A broken variant leaks or panics on purpose: only its stop must not fail.)
    """
    for end in log.ended:
        assert end["stop_failed"] is None, end
        if end["values"].get("variant") == "broken":
            continue
        assert end["panics"] == [], end
        assert end["error"] is None, end
        assert end["leaked"] == [], end


def limit_value(p: Any, widget: Any, end: str) -> Any:
    """The value of *widget* (parameter *p*) at its ``"min"`` or ``"max"`` end."""
    if isinstance(widget, QCheckBox):
        return end == "max"
    if isinstance(widget, QComboBox):
        return p.choices[-1] if end == "max" else p.choices[0]
    return widget.maximum() if end == "max" else widget.minimum()


def push_beyond(widget: Any, end: str) -> None:
    """Ask *widget* for a value past its *end* (``"min"`` or ``"max"``), as code could."""
    if isinstance(widget, QCheckBox):
        widget.setChecked(end == "max")
    elif isinstance(widget, QComboBox):
        widget.setCurrentText("no such choice")  # refused: the current choice stays
        widget.setCurrentIndex(widget.count() - 1 if end == "max" else 0)
    elif isinstance(widget, QSpinBox):
        widget.setValue(2**31 - 1 if end == "max" else -(2**31))
    else:
        widget.setValue(math.inf if end == "max" else -math.inf)


def type_into(qtbot: Any, spin: Any, text: str) -> None:
    """Select all of *spin*'s text, type *text*, press Enter (the way a teacher commits)."""
    edit = spin.lineEdit()
    spin.setFocus()
    edit.selectAll()
    if text:
        qtbot.keyClicks(edit, text)
    else:
        qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def commit_params(window: Any, qtbot: Any, log: RunLog) -> Any:
    """Send the pending parameter change now; return the run it started (or the one playing)."""
    before = log.started
    window.controls.flush_params()
    if log.started > before:
        qtbot.waitUntil(lambda: window.bridge.delivered > 0, timeout=5000)
    return window.player.run


def assert_playing(window: Any) -> None:
    """The lesson plays (or its story ended by itself): no "could not start" banner."""
    assert window.player.state in (PlayerState.RUNNING, PlayerState.FINISHED), window.player.state
    assert "could not start" not in window.stage.banner_text


class LoopWatch(QObject):
    """Measures the longest gap between turns of the GUI event loop while it runs."""

    def __init__(self, interval_ms: int = 10) -> None:
        super().__init__()
        self.longest = 0.0
        self._last = time.perf_counter()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start()

    def _on_timer_timeout(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last)
        self._last = now

    def stop(self) -> float:
        self._timer.stop()
        return self.longest


# -- the harness itself ------------------------------------------------------------------------


class _Raiser(QObject):
    fire = Signal()


def test_exceptions_in_qt_slots_are_captured(qtbot, request):
    """pytest-qt's capture is on: an exception raised in a slot is caught and fails the test."""
    assert not request.config.getini("qt_no_exception_capture")
    raiser = _Raiser()

    def slot() -> None:
        raise ValueError("raised in a slot")

    raiser.fire.connect(slot)
    with qtbot.captureExceptions() as exceptions:
        raiser.fire.emit()
    assert [str(e[1]) for e in exceptions] == ["raised in a slot"]


# -- parameters at their limits and beyond -----------------------------------------------------


@pytest.mark.parametrize("lesson", LESSONS_WITH_PARAMS)
def test_typed_junk_in_every_parameter_is_clamped_or_refused(window, qtbot, lesson):
    log = RunLog(window.player)
    threads_before = threading.active_count()
    open_running(window, qtbot, lesson)
    cls = scenarios.get(lesson)
    for p in cls.params:
        w = window.controls.params.widget(p.name)
        if not isinstance(w, QSpinBox | QDoubleSpinBox):
            continue
        for text in TYPED_JUNK:
            type_into(qtbot, w, text)
            v = w.value()
            assert math.isfinite(v) and w.minimum() <= v <= w.maximum(), (p.name, text, v)
            assert p.validate(v) == v
    run = commit_params(window, qtbot, log)
    assert run is not None
    assert_playing(window)
    assert run.scenario.values == window.controls.params.values()
    wait_runtime_time(window, qtbot, 2.0)
    stop_everything(window, qtbot, log, threads_before)
    assert_correct_runs_ended_clean(log)


@pytest.mark.parametrize("end", ["min", "max"])
@pytest.mark.parametrize("lesson", LESSONS_WITH_PARAMS)
def test_every_parameter_pushed_past_its_limit_is_clamped_and_the_lesson_runs(
    window, qtbot, lesson, end
):
    log = RunLog(window.player)
    threads_before = threading.active_count()
    open_running(window, qtbot, lesson)
    cls = scenarios.get(lesson)
    expected = {}
    for p in cls.params:
        w = window.controls.params.widget(p.name)
        push_beyond(w, end)
        expected[p.name] = p.validate(limit_value(p, w, end))
    assert window.controls.params.values() == expected
    run = commit_params(window, qtbot, log)
    assert run.scenario.values == expected
    assert_playing(window)
    wait_runtime_time(window, qtbot, 2.0)
    assert_playing(window)
    stop_everything(window, qtbot, log, threads_before)
    assert_correct_runs_ended_clean(log)


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS_WITH_PARAMS)
def test_each_parameter_alone_at_each_limit_keeps_the_lesson_running(window, qtbot, lesson):
    log = RunLog(window.player)
    threads_before = threading.active_count()
    open_running(window, qtbot, lesson)
    cls = scenarios.get(lesson)
    for p in cls.params:
        for end in ("min", "max"):
            window.controls.set_scenario(cls, {})  # every other parameter at its default
            w = window.controls.params.widget(p.name)
            push_beyond(w, end)
            want = p.validate(limit_value(p, w, end))
            values = window.controls.params.values()
            run = commit_params(window, qtbot, log)
            if run.scenario.values != values:  # the push changed nothing: commit anyway
                window.controls.params_changed.emit(values)
                qtbot.waitUntil(lambda: window.bridge.delivered > 0, timeout=5000)
                run = window.player.run
            assert run.scenario.values == values and values[p.name] == want, (p.name, end)
            assert_playing(window)
            wait_runtime_time(window, qtbot, 1.0)
    stop_everything(window, qtbot, log, threads_before)
    assert_correct_runs_ended_clean(log)


# -- chat --------------------------------------------------------------------------------------


@pytest.fixture
def chat(window, qtbot):
    assert window.open_lesson("chat", CALM_CHAT)
    panel = window.chat
    qtbot.waitUntil(lambda: len(panel.clients()) >= 2, timeout=5000)
    qtbot.waitUntil(lambda: set(panel.clients()) <= set(panel._views), timeout=5000)
    qtbot.waitUntil(lambda: panel.author.count() > 0, timeout=5000)
    return panel


def every_inbox_shows(panel: Any, line: str) -> bool:
    """*line* is in every member's inbox view, character for character, as plain text.

    A carriage return is a line break in plain text: the view shows it as one.
    """
    shown = line.replace("\r", "\n")
    return all(shown in panel._views[u].text.toPlainText() for u in panel.clients())


def send_from_the_panel(panel: Any, qtbot: Any, text: str) -> str:
    """Type (paste) *text* in the message box and press Send; returns the line members get."""
    author = panel.author.currentText()
    panel.message.setText(text)
    typed = panel.message.text()
    qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton)
    return f"{author}: {typed}"


HOSTILE_LINES = {
    "html-bold": "<b>bold</b> <i>it</i>",
    "script": "<script>alert('x')</script>",
    "entities": "&amp; &lt;b&gt; &#169; &nbsp;",
    "img-link": '<img src="x" onerror="alert(1)"><a href="http://example.com">link</a>',
    "control-chars": "a" + "".join(chr(c) for c in range(0x20) if c != 0x0A) + "z",
    "rtl": "שלום עולם — مرحبا بالعالم \u202eevil\u202c",
    "emoji": "😀 👩‍👩‍👧‍👦 🇫🇷 🎉 e\u0301 \U0001f9ea",
}


@pytest.mark.parametrize("text", HOSTILE_LINES.values(), ids=HOSTILE_LINES.keys())
def test_hostile_line_is_shown_literally_in_every_inbox(chat, qtbot, text):
    line = send_from_the_panel(chat, qtbot, text)
    assert line.endswith(text)
    qtbot.waitUntil(lambda: every_inbox_shows(chat, line), timeout=5000)
    for view in chat._views.values():
        doc = view.text.document()
        # Plain text: the markup is escaped text, no image, anchor or table was made.
        assert "<img" not in doc.toHtml() and "<a " not in doc.toHtml()
        assert doc.rootFrame().childFrames() == []
    assert chat.message.text() == ""


def test_empty_message_is_refused(chat, qtbot, window):
    # Refused silently: nothing is posted, and nothing on screen says why (reported).
    tracer = window.player.tracer
    seq = tracer.last_seq
    chat.message.setText("")
    qtbot.mouseClick(chat.send_button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(chat.message, Qt.Key.Key_Return)
    # Posting starts a goroutine "teacher:post as <member>" (GO_CREATE is traced at once).
    created = [ev.obj_name for ev in tracer.since(seq)[0] if ev.kind is Kind.GO_CREATE]
    assert not any(name.startswith("teacher:post") for name in created), created


def test_hundred_thousand_characters_typed_are_cut_to_the_box_length(chat, qtbot):
    # The box keeps its first 500 characters, silently (reported); those arrive whole.
    line = send_from_the_panel(chat, qtbot, "x" * 100_000)
    assert len(line.split(": ", 1)[1]) == chat.message.maxLength()
    qtbot.waitUntil(lambda: every_inbox_shows(chat, line), timeout=5000)


def test_hundred_thousand_character_line_reaches_every_inbox_and_the_app_stays_responsive(
    chat, qtbot, window, capsys
):
    text = ("0123456789<b>&amp;</b>" * 5_000)[:100_000]
    author = chat.author.currentText()
    watch = LoopWatch()
    t0 = time.perf_counter()
    assert chat.post(author, text)  # the panel's own path: the message box holds 500 at most
    qtbot.waitUntil(lambda: every_inbox_shows(chat, f"{author}: {text}"), timeout=10_000)
    delivered = time.perf_counter() - t0
    # Every view now holds the line (events, timeline, stage...): each one is drawn.
    draws = []
    for tabs in (window.tabs, window.teach_tabs):
        for i in range(tabs.count()):
            tabs.setCurrentIndex(i)
            t1 = time.perf_counter()
            window.grab()
            draws.append(time.perf_counter() - t1)
    longest = watch.stop()
    with capsys.disabled():
        print(
            f"\n[abuse] 100,000-character line: in every inbox after {delivered:.2f} s, "
            f"slowest tab drawn in {max(draws):.3f} s, longest event-loop gap {longest:.3f} s"
        )
    assert max(draws) < 1.0
    # The GUI thread kept turning: no single turn of its loop took a second.
    assert longest < 1.0


# Known bug, reported: these flip to XPASS (a failure, strict) once the tooltips are escaped.
def shown_as(tip: str) -> str:
    """What a QToolTip shows for *tip*: rich text whenever Qt.mightBeRichText says so."""
    doc = QTextDocument()
    if Qt.mightBeRichText(tip):
        doc.setHtml(tip)
    else:
        doc.setPlainText(tip)
    return doc.toPlainText()


def test_hostile_line_in_an_event_tooltip_is_shown_literally(chat, qtbot, window):
    line = send_from_the_panel(chat, qtbot, HOSTILE_LINES["img-link"])
    qtbot.waitUntil(lambda: every_inbox_shows(chat, line), timeout=5000)
    model = window.events.model

    def tips() -> list[str]:
        out = []
        for row in range(model.rowCount()):
            tip = model.data(model.index(row, model.TEXT), Qt.ItemDataRole.ToolTipRole)
            if tip and "img" in tip:  # the event's sentence quotes the line (maybe cut)
                out.append(tip)
        return out

    qtbot.waitUntil(lambda: len(tips()) >= len(chat.clients()), timeout=5000)
    # Whatever markup the line holds, the tooltip shows its characters, not an image.
    assert all('<img src="x"' in shown_as(t) for t in tips())


def test_html_member_name_in_a_stage_tooltip_is_shown_literally(chat, qtbot, window):
    name = "<b>eve</b>"
    assert chat.join(name)
    qtbot.waitUntil(lambda: name in chat.clients(), timeout=5000)

    def tips() -> list[str]:
        stage = window.stage
        shown = [stage.tooltip_for(i) for i in stage.scene().items()]
        # "eve" as a word: the members' lines hold it in "forever" (that flaked).
        return [t for t in shown if t and re.search(r"\beve\b", t)]

    qtbot.waitUntil(lambda: len(tips()) > 0, timeout=5000)
    assert all(name in shown_as(t) for t in tips())


# -- action buttons clicked rapidly ------------------------------------------------------------


@pytest.mark.parametrize("lesson", LESSONS_WITH_ACTIONS)
def test_clicking_every_action_rapidly_then_stopping_leaves_nothing(window, qtbot, lesson):
    log = RunLog(window.player)
    threads_before = threading.active_count()
    open_running(window, qtbot, lesson)
    run = window.player.run
    cls = scenarios.get(lesson)
    for a in cls.actions:
        button = window.controls.action_button(a.name)
        assert button.isEnabled()
        for _ in range(5):
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        QApplication.processEvents()  # one turn of the loop between actions
    teachers = [g for g in run.runtime.goroutines() if g.name.startswith("teacher:")]
    wait_runtime_time(window, qtbot, run.runtime.clock.now() + 2.0)
    assert_playing(window)
    stop_everything(window, qtbot, log, threads_before)
    assert all(not g.alive for g in teachers)
    assert_correct_runs_ended_clean(log)


@pytest.mark.parametrize("lesson", ["worker-pool", "chat", "pub-sub", "cache"])
def test_clicking_every_action_while_paused_then_stopping_leaves_nothing(window, qtbot, lesson):
    log = RunLog(window.player)
    threads_before = threading.active_count()
    open_running(window, qtbot, lesson)
    window.player.pause()
    for a in scenarios.get(lesson).actions:
        for _ in range(5):
            qtbot.mouseClick(window.controls.action_button(a.name), Qt.MouseButton.LeftButton)
    rt = window.player.runtime
    # The handlers wait at the pause gate: stopping must unwind them.
    qtbot.waitUntil(lambda: any(g.name.startswith("teacher:") for g, _ in rt.gated()), timeout=5000)
    stop_everything(window, qtbot, log, threads_before)


# -- switching lessons while they run ----------------------------------------------------------


@pytest.mark.parametrize("switches", [60, pytest.param(200, marks=pytest.mark.slow)])
def test_switching_lessons_while_running_leaks_no_goroutine_nor_memory(
    window, qtbot, capsys, switches
):
    log = RunLog(window.player)
    threads_before = threading.active_count()
    # Warm-up: every lesson once, so first-use caches (icons, fonts, plots) are not "growth".
    for lesson in LESSON_IDS:
        open_running(window, qtbot, lesson)
    stop_everything(window, qtbot, log, threads_before)
    start = settled_rss_mb()
    t0 = time.perf_counter()
    n = len(LESSON_IDS)
    for i in range(switches):
        lesson = LESSON_IDS[(i * 7) % n]  # 7 is prime to 25: every lesson, never twice in a row
        if i % 2:
            window.catalogue.select(lesson, notify=True)  # as a click in the lesson list
        else:
            assert window.open_lesson(lesson)
        assert window.scenario_cls.id == lesson
        if i % 3:  # two switches in three wait for the lesson to play; the third does not
            qtbot.waitUntil(lambda: window.bridge.delivered > 0, timeout=5000)
    elapsed = time.perf_counter() - t0
    stop_everything(window, qtbot, log, threads_before)
    end = settled_rss_mb()
    growth = end - start
    with capsys.disabled():
        print(
            f"\n[abuse] {switches} lesson switches in {elapsed:.1f} s: RSS {start:.1f} MB -> "
            f"{end:.1f} MB (growth {growth:+.1f} MB), runs {log.started}, "
            f"threads {threading.active_count()} (start {threads_before})"
        )
    assert log.started == n + switches
    assert growth < RSS_GROWTH_LIMIT_MB


# -- closing the window mid-run ----------------------------------------------------------------


def _rapid_switches(w: Any, qtbot: Any) -> None:
    for lesson in LESSON_IDS[:10]:
        w.open_lesson(lesson)  # no waiting: stops of the earlier runs are still under way


def _actions_in_flight(w: Any, qtbot: Any) -> None:
    open_running(w, qtbot, "worker-pool")
    for a in scenarios.get("worker-pool").actions:
        for _ in range(5):
            qtbot.mouseClick(w.controls.action_button(a.name), Qt.MouseButton.LeftButton)


def _paused_with_gated_actions(w: Any, qtbot: Any) -> None:
    open_running(w, qtbot, "pub-sub")
    w.player.pause()
    for a in scenarios.get("pub-sub").actions:
        qtbot.mouseClick(w.controls.action_button(a.name), Qt.MouseButton.LeftButton)
    rt = w.player.runtime
    qtbot.waitUntil(lambda: any(g.name.startswith("teacher:") for g, _ in rt.gated()), timeout=5000)


def _everything_at_max(w: Any, qtbot: Any) -> None:
    cls = scenarios.get("worker-pool")
    values = {p.name: p.maximum for p in cls.params if p.maximum is not None}
    open_running(w, qtbot, cls.id, values)
    wait_runtime_time(w, qtbot, 2.0)


def _chat_member_posting(w: Any, qtbot: Any) -> None:
    open_running(w, qtbot, "chat", CALM_CHAT)
    panel = w.chat
    assert panel.join("zoe")
    qtbot.waitUntil(lambda: "zoe" in panel.clients(), timeout=5000)
    assert panel.post("zoe", "<b>bye</b>" * 1000)


def _deadlocked(w: Any, qtbot: Any) -> None:
    open_running(w, qtbot, "deadlock", {"variant": "broken"})
    qtbot.waitUntil(lambda: w.stage.banner_kind == "deadlock", timeout=8000)


MID_RUN = {
    "rapid-switches": _rapid_switches,
    "actions-in-flight": _actions_in_flight,
    "paused-with-gated-actions": _paused_with_gated_actions,
    "everything-at-max": _everything_at_max,
    "chat-member-posting": _chat_member_posting,
    "deadlocked": _deadlocked,
}


@pytest.mark.parametrize("setup", MID_RUN.values(), ids=MID_RUN.keys())
def test_closing_mid_run_stops_every_run_and_joins_every_thread(
    qtbot, settings, no_new_goroutines, setup
):
    from gui.main_window import MainWindow

    threads_before = threading.active_count()
    w = MainWindow(settings, remember=False)
    qtbot.addWidget(w)
    w.show()
    log = RunLog(w.player)
    setup(w, qtbot)
    assert log.started
    t0 = time.perf_counter()
    assert w.close()
    closing = time.perf_counter() - t0
    assert not w.isVisible()
    assert closing < 5.0, f"closing took {closing:.1f} s"
    assert w.player.run is None and w.player.state == PlayerState.IDLE
    assert not w.bridge.active
    assert w.player.wait_stopped(5.0)
    qtbot.waitUntil(log.all_stopped, timeout=5000)
    qtbot.waitUntil(lambda: not goroutine_threads(), timeout=5000)
    qtbot.waitUntil(lambda: threading.active_count() <= threads_before, timeout=5000)
