"""The teaching tabs (Scheduler, Wait-for, Select, Reports), each able to say "new".

A tab that has something new while another one is shown gets a dot after
its title; showing it, or a new run, takes the dot away.
"""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QWidget

__all__ = ["NEW_MARK", "TeachTabs"]

NEW_MARK = " ●"


class TeachTabs(QTabWidget):
    """A tab widget whose tabs can be flagged as having news (see :meth:`flag`)."""

    def __init__(self, pages: list[tuple[QWidget, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDocumentMode(True)
        self._titles: list[str] = []
        for page, title in pages:
            self.addTab(page, title)
            self._titles.append(title)
        self.currentChanged.connect(self._on_current_changed)

    def flag(self, page: QWidget) -> None:
        """Mark *page*'s tab as having news, unless it is the tab shown."""
        i = self.indexOf(page)
        if i >= 0 and self.currentIndex() != i:
            self.setTabText(i, self._titles[i] + NEW_MARK)

    def flagged(self, page: QWidget) -> bool:
        """Whether *page*'s tab carries the news mark."""
        i = self.indexOf(page)
        return i >= 0 and self.tabText(i).endswith(NEW_MARK)

    def clear_flags(self) -> None:
        """Take every mark away (a new run)."""
        for i, title in enumerate(self._titles):
            self.setTabText(i, title)

    def _on_current_changed(self, i: int) -> None:
        if 0 <= i < len(self._titles):
            self.setTabText(i, self._titles[i])
