"""The Wait-for tab: cycles, goroutines that can never wake, one sentence each."""

from __future__ import annotations


def show_waitfor(window, qtbot, lesson: str, values: dict) -> None:
    window.player.STOP_TIMEOUT = 0.4  # stuck goroutines are unwound sooner at the end
    window.teach_tabs.setCurrentWidget(window.waitfor)
    window.player.set_speed(5.0)
    assert window.open_lesson(lesson, values)
    qtbot.waitUntil(lambda: window.bridge.delivered > 0, timeout=3000)


def names(graph, ids) -> set[str]:
    return {graph.goroutines[g].name for g in ids}


def test_waitfor_finds_the_cycle_of_the_two_goroutine_deadlock(window, qtbot):
    show_waitfor(window, qtbot, "deadlock", {"variant": "broken", "mistake": "everyone-waiting"})
    panel = window.waitfor
    qtbot.waitUntil(lambda: panel.graph is not None and bool(panel.graph.cycles()), timeout=5000)
    (cycle,) = panel.graph.cycles()
    assert names(panel.graph, cycle.goroutines) == {"worker 1", "worker 2"}
    pic = panel.picture
    drawn = {n.name: n for n in pic.goroutines}
    assert drawn["worker 1"].in_cycle and drawn["worker 2"].in_cycle
    assert {(g, obj) for g, obj in cycle.steps} <= pic.cycle_edges  # drawn in red
    assert "neither can ever move" in panel.sentences.toPlainText()
    assert "1 cycle" in panel.summary.text()


def test_waitfor_explains_the_forgotten_unlock(window, qtbot):
    show_waitfor(window, qtbot, "deadlock", {"variant": "broken", "mistake": "forgotten-unlock"})
    panel = window.waitfor
    qtbot.waitUntil(
        lambda: panel.graph is not None and "worker 2" in names(panel.graph, panel.graph.stuck()),
        timeout=5000,
    )
    w2 = next(g for g in panel.graph.stuck() if panel.graph.goroutines[g].name == "worker 2")
    assert panel.graph.explain(w2) == (
        "worker 2 waits for mu, held by worker 1, which has ended without unlocking it."
    )
    assert "STUCK worker 2 waits for mu" in panel.sentences.toPlainText()


def test_waitfor_names_the_unreachable_receiver_of_a_leaked_query(window, qtbot):
    show_waitfor(window, qtbot, "cancel-by-timeout", {"variant": "broken"})
    panel = window.waitfor
    qtbot.waitUntil(lambda: panel.graph is not None and bool(panel.graph.stuck()), timeout=8000)
    g = min(panel.graph.stuck())
    node = panel.graph.goroutines[g]
    assert node.name.startswith("query #")
    sentence = panel.graph.explain(g)
    assert sentence.startswith(f"{node.name} waits to send on result #")
    assert sentence.endswith("no goroutine will ever receive it.")
    assert sentence in panel.sentences.toPlainText()
    assert window.reports.stuck_text  # Reports lists it too, as Go would not


def test_correct_query_is_never_called_stuck(window, qtbot):
    show_waitfor(window, qtbot, "cancel-by-timeout", {"variant": "correct"})
    panel = window.waitfor
    qtbot.waitUntil(lambda: panel.builds >= 3, timeout=5000)
    assert not panel.graph.stuck()


def test_waitfor_builds_only_when_the_run_changed(window, qtbot):
    show_waitfor(window, qtbot, "deadlock", {"variant": "broken", "mistake": "everyone-waiting"})
    panel = window.waitfor
    qtbot.waitUntil(lambda: panel.graph is not None and bool(panel.graph.cycles()), timeout=5000)
    qtbot.waitUntil(lambda: window.bridge.last_seq >= window.player.tracer.last_seq, timeout=3000)
    panel.refresh()  # catch up with the last events
    builds = panel.builds
    assert not panel.refresh()  # nothing new: no build
    assert panel.builds == builds
