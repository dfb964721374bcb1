"""The panels under and beside the stage."""

from PySide6.QtWidgets import QWidget


def discard(widget: QWidget) -> None:
    """Take *widget* off screen at once and delete it.

    ``deleteLater`` alone leaves it painted at its old place until the event
    loop gets round to deleting it, and ``processEvents`` never does.
    """
    widget.hide()
    widget.setParent(None)
    widget.deleteLater()
