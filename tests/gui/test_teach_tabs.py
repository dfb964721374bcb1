"""The teaching tabs say "new" on a tab that is not shown, and forget it when it is."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from gui.panels.teach_tabs import NEW_MARK, TeachTabs


def test_a_flag_marks_a_hidden_tab_and_showing_it_clears_the_mark(qtbot):
    a, b = QLabel("a"), QLabel("b")
    tabs = TeachTabs([(a, "Scheduler"), (b, "Reports")])
    qtbot.addWidget(tabs)
    tabs.flag(a)  # the tab shown: nothing to say
    assert tabs.tabText(0) == "Scheduler" and not tabs.flagged(a)
    tabs.flag(b)
    assert tabs.tabText(1) == "Reports" + NEW_MARK and tabs.flagged(b)
    tabs.setCurrentWidget(b)
    assert tabs.tabText(1) == "Reports"


def test_clear_flags_takes_every_mark_away(qtbot):
    pages = [QLabel(str(i)) for i in range(3)]
    tabs = TeachTabs([(p, f"T{i}") for i, p in enumerate(pages)])
    qtbot.addWidget(tabs)
    tabs.flag(pages[1])
    tabs.flag(pages[2])
    tabs.clear_flags()
    assert [tabs.tabText(i) for i in range(3)] == ["T0", "T1", "T2"]
    assert not any(tabs.flagged(p) for p in pages)
