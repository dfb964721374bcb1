"""Goroutine Lab window: PySide6 and pyqtgraph views of what core reports."""
