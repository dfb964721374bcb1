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
    d.describe(ev(Kind.CHAN_SEND, g=3, obj=9, name="jobs", value="4", extra=(5,)))
    block = ev(Kind.GO_BLOCK, g=3, obj=9, name="jobs", extra=("blocked_send", "chan send"))
    text = d.describe(block)
    assert text == "worker-3 blocked sending on jobs: buffer 5/5 full"


def test_unbuffered_send_names_the_missing_receiver(ev):
    d = EventDescriber()
    d.describe(ev(Kind.GO_CREATE, obj=1, name="sender"))
    d.describe(ev(Kind.CHAN_MAKE, obj=2, name="ch", value="0", extra=(0,)))
    text = d.describe(ev(Kind.GO_BLOCK, g=1, obj=2, name="ch", extra=("blocked_send", "chan send")))
    assert text == "sender blocked sending on ch: no receiver is ready"


def test_handoff_names_both_goroutines(ev):
    d = EventDescriber()
    d.describe(ev(Kind.GO_CREATE, obj=1, name="alice"))
    d.describe(ev(Kind.GO_CREATE, obj=2, name="bob"))
    # bob was parked receiving; alice's send is the one rendezvous event.
    text = d.describe(ev(Kind.CHAN_HANDOFF, g=1, obj=5, name="ch", value="42", extra=(1, 2, 2, -1)))
    assert text == "alice handed 42 to bob on ch"
    # The other way round: alice was parked sending, bob's receive took the value.
    text = d.describe(ev(Kind.CHAN_HANDOFF, g=2, obj=5, name="ch", value="43", extra=(1, 2, 1, 0)))
    assert text == "bob received 43 from alice on ch (case 0 of alice's select)"


def test_receive_from_closed_channel_says_ok_false(ev):
    d = EventDescriber()
    text = d.describe(ev(Kind.CHAN_RECV, g=0, obj=5, name="done", extra=(0, False)))
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
        # Each kind's payload with its defaults (the empty tuple decodes to them).
        assert d.describe(ev(kind, g=1, obj=2, name="x", value="1"))


def test_a_damaged_payload_still_makes_a_sentence(ev):
    d = EventDescriber()
    for kind in Kind:
        assert d.describe(ev(kind, g=1, obj=2, name="x", value="1", extra=(1, 2, 3, 4, 5, 6, 7)))


def test_wakes_are_named_by_the_waking_event(ev):
    d = EventDescriber()
    for gid, name in ((1, "main"), (2, "rx"), (3, "tx"), (4, "w")):
        d.describe(ev(Kind.GO_CREATE, obj=gid, name=name))
    d.describe(ev(Kind.CHAN_MAKE, obj=9, name="jobs", value="1", extra=(1,)))
    d.describe(ev(Kind.CHAN_SEND, g=1, obj=9, name="jobs", value="1", extra=(1,)))
    d.describe(ev(Kind.GO_BLOCK, g=3, obj=9, name="jobs", extra=("blocked_send", "chan send")))
    text = d.describe(
        ev(Kind.CHAN_RECV, g=2, obj=9, name="jobs", value="1", extra=(1, True, 3, "2", -1))
    )
    assert text == (
        "rx received 1 from jobs; tx's 2 moved into the freed slot and tx wakes up: buffer 1/1"
    )
    d.describe(ev(Kind.GO_BLOCK, g=2, obj=8, name="done", extra=("blocked_recv", "chan receive")))
    d.describe(ev(Kind.GO_BLOCK, g=3, obj=8, name="done", extra=("blocked_send", "chan send")))
    text = d.describe(ev(Kind.CHAN_CLOSE, g=1, obj=8, name="done", extra=(((2, -1), (3, 1)),)))
    assert text == (
        "main closed channel done: waking rx (zero value, ok = false); "
        "tx panics: send on closed channel"
    )
    text = d.describe(ev(Kind.WG_ADD, g=4, obj=7, name="wg", extra=(0, -1, (1, 2))))
    assert text == "w called Done on wg: counter is now 0, releasing main and rx from Wait"
    text = d.describe(ev(Kind.UNLOCK, g=1, obj=6, name="mu", extra=("w", 4)))
    assert text == "main unlocked mu, waking w to compete for it"
    text = d.describe(ev(Kind.LOCK, g=4, obj=6, name="rw", extra=("r", True)))
    assert text.startswith("w read-locked rw") and "wakes up" in text
    d.describe(ev(Kind.GO_SLEEP, g=4, extra=(0.5, 1.5)))
    assert d.describe(ev(Kind.GO_UNBLOCK, g=4, extra=(0,))) == "w woke up: its sleep is over"


def test_deadlock_and_leak_read_their_records(ev):
    d = EventDescriber()
    rec = (7, "worker", "blocked_recv", "chan receive", 9, "jobs")
    text = d.describe(
        ev(
            Kind.DEADLOCK,
            value="fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 7 ...",
            extra=((rec,),),
        )
    )
    assert text == "fatal error: all goroutines are asleep - deadlock!"
    text = d.describe(ev(Kind.LEAK, g=7, value="?", extra=rec))
    assert text == "leaked goroutine: goroutine 7 [chan receive]: worker on jobs"


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
            ev(Kind.CHAN_SEND, g=1, obj=9, name="jobs", value="1", extra=(1,)),
            ev(Kind.CHAN_RECV, g=2, obj=9, name="jobs", value="1", extra=(0,)),
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
