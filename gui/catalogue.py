"""The list of lessons, grouped by chapter in teaching order, with search."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.scenarios import CHAPTERS, Scenario

__all__ = ["CataloguePanel", "short_title"]

_ID_ROLE = Qt.ItemDataRole.UserRole


def short_title(title: str) -> str:
    """The name part of a lesson title: the text before its first ": "."""
    name, sep, _ = title.partition(": ")
    return name if sep and name else title


class CataloguePanel(QWidget):
    """Chapters as headings, lessons beneath; typing in the search box filters them.

    Signals:
        lesson_selected(str): the id of the lesson the user picked.
    """

    lesson_selected = Signal(str)

    def __init__(self, scenarios: Sequence[type[Scenario]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._search = QLineEdit()
        self._search.setPlaceholderText("Search lessons…")
        self._search.setClearButtonEnabled(True)
        self._search.textChanged.connect(self._on_search_text_changed)
        self._tree = QTreeWidget()
        self._tree.setHeaderHidden(True)
        self._tree.setRootIsDecorated(False)
        self._tree.setIndentation(12)
        self._tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self._tree.itemSelectionChanged.connect(self._on_tree_selection_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self._search)
        layout.addWidget(self._tree)
        self._items: dict[str, QTreeWidgetItem] = {}
        self._silent = False
        self._fill(scenarios)

    def _fill(self, scenarios: Sequence[type[Scenario]]) -> None:
        chapters = list(CHAPTERS) + sorted({s.chapter for s in scenarios} - set(CHAPTERS))
        bold = QFont()
        bold.setBold(True)
        shorts = [short_title(s.title) for s in scenarios]
        number = 0
        for chapter in chapters:
            members = [s for s in scenarios if s.chapter == chapter]
            if not members:
                continue
            number += 1
            head = QTreeWidgetItem([f"{number}. {chapter}"])
            head.setFlags(Qt.ItemFlag.ItemIsEnabled)
            head.setFont(0, bold)
            self._tree.addTopLevelItem(head)
            for s in members:
                # "Worker pool: bounded queue, ..." is listed as "Worker pool" (unless
                # two lessons share that name); the whole title is in the tooltip
                # and the window's header.
                short = short_title(s.title)
                item = QTreeWidgetItem([short if shorts.count(short) == 1 else s.title])
                item.setData(0, _ID_ROLE, s.id)
                item.setToolTip(0, f"{s.title}\n{s.summary}\n(id: {s.id})")
                head.addChild(item)
                self._items[s.id] = item
            head.setExpanded(True)

    # -- API -----------------------------------------------------------------------

    @property
    def search_box(self) -> QLineEdit:
        return self._search

    def add_entry(self, entry_id: str, title: str, tooltip: str = "") -> None:
        """A selectable entry above the chapters (the learner's own "Your program")."""
        item = QTreeWidgetItem([title])
        item.setData(0, _ID_ROLE, entry_id)
        font = QFont()
        font.setBold(True)
        item.setFont(0, font)
        item.setToolTip(0, tooltip or title)
        self._tree.insertTopLevelItem(0, item)
        self._items = {entry_id: item, **self._items}  # first, as on screen

    def select(self, scenario_id: str, notify: bool = False) -> bool:
        """Highlight lesson *scenario_id*; with *notify*, emit ``lesson_selected`` too."""
        item = self._items.get(scenario_id)
        if item is None:
            return False
        self._silent = not notify
        try:
            self._tree.setCurrentItem(item)
        finally:
            self._silent = False
        self._tree.scrollToItem(item)
        return True

    def selected_id(self) -> str | None:
        item = self._tree.currentItem()
        return item.data(0, _ID_ROLE) if item is not None else None

    def visible_ids(self) -> list[str]:
        return [sid for sid, item in self._items.items() if not item.isHidden()]

    # -- slots -----------------------------------------------------------------------

    def _on_search_text_changed(self, text: str) -> None:
        words = text.lower().split()
        for i in range(self._tree.topLevelItemCount()):
            head = self._tree.topLevelItem(i)
            if head is None:  # never: i < topLevelItemCount()
                continue
            chapter = head.text(0).lower()
            if head.data(0, _ID_ROLE):  # an entry of its own, not a chapter
                hay = f"{chapter} {head.toolTip(0)}".lower()
                head.setHidden(not all(w in hay for w in words))
                continue
            any_shown = False
            for j in range(head.childCount()):
                item = head.child(j)
                if item is None:  # never: j < childCount()
                    continue
                sid = item.data(0, _ID_ROLE)
                hay = f"{chapter} {item.text(0)} {item.toolTip(0)} {sid}".lower()
                shown = all(w in hay for w in words)
                item.setHidden(not shown)
                any_shown = any_shown or shown
            head.setHidden(not any_shown)

    def _on_tree_selection_changed(self) -> None:
        if self._silent:
            return
        sid = self.selected_id()
        if sid:
            self.lesson_selected.emit(sid)
