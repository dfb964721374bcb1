"""The event log: plain-language sentences, a bounded model, filters."""

from __future__ import annotations

import itertools

import pytest

from core.trace import Kind, TraceEvent
from gui.panels.events import EventDescriber, EventsPanel, EventTableModel
from gui.theme import DARK


class Trace:
    def __init__(self) -> None:
        self._seq = itertools.count(1)

    def __call__(self, kind, g=0, obj=0, name="", value="", extra=()) -> TraceEvent:
        return TraceEvent(next(self._seq), 0.0, kind, g, obj, name, value, extra)


@pytest.fixture
def ev():
    return Trace()


def test_blocked_send_on_a_full_buffer_reads_plainly(ev):
    d = EventDescriber()
    d.describe(ev(Kind.GO_CREATE, g=0, obj=3, name="worker-3"))
    d.describe(ev(Kind.CHAN_MAKE, obj=9, name="jobs", value="5", extra=(5,)))
    d.describe(ev(Kind.CHAN_SEND, g=3, obj=9, name="jobs", value="4", extra=("buffer", 5)))
    text = d.describe(ev(Kind.GO_BLOCK, g=3, obj=9, name="jobs", value="chan send"))
    assert text == "worker-3 blocked sending on jobs: buffer 5/5 full"


def test_unbuffered_send_names_the_missing_receiver(ev):
    d = EventDescriber()
    d.describe(ev(Kind.GO_CREATE, obj=1, name="sender"))
    d.describe(ev(Kind.CHAN_MAKE, obj=2, name="ch", value="0", extra=(0,)))
    text = d.describe(ev(Kind.GO_BLOCK, g=1, obj=2, name="ch", value="chan send"))
    assert text == "sender blocked sending on ch: no receiver is ready"


def test_handoff_names_both_goroutines(ev):
    d = EventDescriber()
    d.describe(ev(Kind.GO_CREATE, obj=1, name="alice"))
    d.describe(ev(Kind.GO_CREATE, obj=2, name="bob"))
    text = d.describe(ev(Kind.CHAN_SEND, g=1, obj=5, name="ch", value="42", extra=("handoff", 2)))
    assert text == "alice handed 42 to bob on ch"


def test_receive_from_closed_channel_says_ok_false(ev):
    d = EventDescriber()
    text = d.describe(ev(Kind.CHAN_RECV, g=0, obj=5, name="done", extra=("closed",)))
    assert "closed done" in text and "ok = false" in text


def test_select_names_the_picked_case(ev):
    d = EventDescriber()
    d.describe(ev(Kind.CHAN_MAKE, obj=7, name="quit", value="0", extra=(0,)))
    cases = (("recv", 6), ("recv", 7))
    text = d.describe(ev(Kind.SELECT, g=0, obj=7, value="1", extra=(1, (0, 1), cases)))
    assert text == "runtime select picked case 1 (recv on quit) among 2 ready cases"


def test_select_default_is_explained(ev):
    text = EventDescriber().describe(ev(Kind.SELECT, value="-1", extra=(-1, (), ())))
    assert "default" in text


def test_every_kind_has_a_sentence(ev):
    d = EventDescriber()
    for kind in Kind:
        assert d.describe(ev(kind, g=1, obj=2, name="x", value="1", extra=(1,)))


def test_model_keeps_a_bounded_number_of_rows(qtbot, ev, monkeypatch):
    monkeypatch.setattr(EventTableModel, "LIMIT", 100)
    monkeypatch.setattr(EventTableModel, "TRIM_CHUNK", 10)
    model = EventTableModel()
    for _ in range(30):
        model.add_events([ev(Kind.NOTE, value="n") for _ in range(7)])
    assert model.rowCount() <= 100
    assert model.row(model.rowCount() - 1)[0] == 210  # the newest is kept


def test_filter_by_goroutine_object_and_kind(qtbot, ev):
    panel = EventsPanel(DARK)
    qtbot.addWidget(panel)
    panel.apply_events(
        [
            ev(Kind.GO_CREATE, obj=1, name="alice"),
            ev(Kind.GO_CREATE, obj=2, name="bob"),
            ev(Kind.CHAN_MAKE, obj=9, name="jobs", value="1", extra=(1,)),
            ev(Kind.CHAN_SEND, g=1, obj=9, name="jobs", value="1", extra=("buffer", 1)),
            ev(Kind.CHAN_RECV, g=2, obj=9, name="jobs", value="1", extra=("buffer", 0)),
            ev(Kind.NOTE, g=2, value="hello"),
        ]
    )
    panel.goroutine_filter.setText("bob")
    assert panel.proxy.rowCount() == 2
    panel.kind_filter.setCurrentIndex(panel.kind_filter.findData("chan."))
    assert panel.proxy.rowCount() == 1
    panel.goroutine_filter.setText("")
    panel.object_filter.setText("jobs")
    assert panel.proxy.rowCount() == 3
