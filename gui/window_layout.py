"""How the main window shares its room: the stage, the tabs under it, the docks.

:class:`WindowLayout` gives the stage its share of the height (what a room
reads), widens the docks for presenter mode's larger type, and in presenter
mode steps the docks aside: the controls become a strip above the stage and
the tabs a strip of tab bars below it (a tab opens the panels, the open tab
clicked again folds them).

Invariants: leaving presenter mode shows again exactly the docks that were
shown before it; folded, the tabs keep the height of their bars when the
window grows.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QStackedWidget, QTabWidget

__all__ = ["WindowLayout"]

QWIDGETSIZE_MAX = (1 << 24) - 1  # Qt's "no maximum" for a widget's size
STAGE_SHARE = 0.73  # of the height the stage and the tabs under it share
STAGE_SHARE_PRESENTER = 0.74
DOCK_WIDTHS = (290, 320)  # catalogue, controls
DOCK_WIDTHS_PRESENTER = (380, 460)


class WindowLayout(QObject):
    """The share of *window*'s room between the stage, its tabs and the docks."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self._w = window
        self._panels_open = True  # the tabs under the stage show their pages
        self._catalogue_was_visible = True  # before presenter mode hid it
        self._controls_was_visible = True
        self.tab_widgets: tuple[QTabWidget, ...] = (window.tabs, window.teach_tabs)
        for tabs in self.tab_widgets:
            tabs.tabBarClicked.connect(lambda i, t=tabs: self._on_tab_bar_clicked(t, i))

    @property
    def panels_open(self) -> bool:
        """Whether the tabs under the stage show their pages (not only their bars)."""
        return self._panels_open

    def set_panels_open(self, on: bool) -> None:
        """Open the tabs under the stage, or fold them to their tab bars."""
        self._panels_open = on
        for tabs in self.tab_widgets:
            pages = tabs.findChild(QStackedWidget)
            if pages is not None:
                pages.setVisible(on)
        # Folded, the strip keeps its height when the window grows (on the tabs: a
        # QSplitter sets its own maximum from its children's).
        bars = self._bars_height()
        for tabs in self.tab_widgets:
            tabs.setMaximumHeight(QWIDGETSIZE_MAX if on else bars + 2)
        self.size_docks()
        self._w.questions.place_card()

    def enter_presenter(self) -> None:
        """The stage takes the room: the docks step aside (View brings them back),
        the controls become a strip above the stage, the tabs a strip below it."""
        w = self._w
        # isVisibleTo: before the window is first shown no dock "is visible".
        self._catalogue_was_visible = w.catalogue_dock.isVisibleTo(w)
        self._controls_was_visible = w.controls_dock.isVisibleTo(w)
        w.catalogue_dock.hide()
        w.controls_dock.hide()
        w.presenter_strip.set_actions()
        w.presenter_strip.show()
        self.set_panels_open(False)

    def leave_presenter(self) -> None:
        """Bring back the docks presenter mode hid, and open the tabs again."""
        w = self._w
        w.presenter_strip.hide()
        self.restore_docks()
        self.set_panels_open(True)

    def restore_docks(self) -> None:
        """Show the docks that were shown before presenter mode (as the settings save them)."""
        w = self._w
        w.catalogue_dock.setVisible(self._catalogue_was_visible)
        w.controls_dock.setVisible(self._controls_was_visible)

    def size_docks(self) -> None:
        """Widen the docks for presenter mode's larger type (and back)."""
        w = self._w
        widths = DOCK_WIDTHS_PRESENTER if w.presenter else DOCK_WIDTHS
        w.resizeDocks([w.catalogue_dock, w.controls_dock], list(widths), Qt.Orientation.Horizontal)
        self.split_stage()

    def split_stage(self) -> None:
        """Give the stage its share of the height: it is what a room reads."""
        splitter = self._w.splitter
        total = max(sum(splitter.sizes()), 1000)
        if not self._panels_open:  # the tabs folded to their bars
            bars = self._bars_height()
            splitter.setSizes([total - bars, bars])
            return
        stage = round(total * (STAGE_SHARE_PRESENTER if self._w.presenter else STAGE_SHARE))
        splitter.setSizes([stage, total - stage])

    def _bars_height(self) -> int:
        return max(t.tabBar().sizeHint().height() for t in self.tab_widgets)

    def _on_tab_bar_clicked(self, tabs: QTabWidget, index: int) -> None:
        if not self._w.presenter:
            return
        if not self._panels_open:
            self.set_panels_open(True)
        elif index == tabs.currentIndex():
            self.set_panels_open(False)
