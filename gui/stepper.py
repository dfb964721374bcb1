"""Steps a paused run one operation at a time, off the GUI thread.

:func:`core.teaching.stepping.step` lets one goroutine through the pause
gate, then waits (up to a second) until everything that moved has come to
rest, to say in one sentence what happened. That wait must never hold the
GUI thread, so :class:`Stepper` runs it on a plain Python thread and hands
the :class:`~core.teaching.Step` back with a queued signal, as the player
does for stopping.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, Signal

from core.teaching import Step, step

__all__ = ["Stepper"]


class Stepper(QObject):
    """One step at a time: a request while a step is under way is refused.

    Signals:
        stepped(object, object): ``(runtime, Step)`` once a step is over
            (emitted on the GUI thread). The runtime tells a step of an
            earlier run, ended meanwhile, from one of the run on stage.
    """

    stepped = Signal(object, object)
    # Internal: a step thread is done (emitted from that thread, delivered queued).
    _done = Signal(object, object)

    TIMEOUT = 1.0  # seconds a step waits for what moved to come to rest

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: threading.Thread | None = None
        self.count = 0  # steps taken since the last reset (the class follows the numbers)
        self._done.connect(self._on_done)

    @property
    def busy(self) -> bool:
        """True while a step is under way."""
        return self._thread is not None and self._thread.is_alive()

    def step(self, rt: Any, g_id: int | None = None) -> bool:
        """Start a step of *rt* (goroutine *g_id*, or the longest waiting at the gate).

        Never blocks. Returns False, and does nothing, while the previous step
        is under way; ``stepped`` follows a True.
        """
        if self.busy:
            return False

        def work() -> None:
            try:
                result = step(rt, g_id, timeout=self.TIMEOUT)
            except Exception as exc:  # a step of a run being stopped: told, never lost
                result = Step(False, None, text=f"The step failed: {exc}")
            try:
                self._done.emit(rt, result)
            except RuntimeError:
                pass  # the window was closed while the step ran

        self._thread = threading.Thread(target=work, name="stepper", daemon=True)
        self._thread.start()
        return True

    def reset(self) -> None:
        """A new run: numbering starts again."""
        self.count = 0

    def wait_idle(self, timeout: float = 2.0) -> bool:
        """Join the step under way (closing the window, tests); True if none is left."""
        t = self._thread
        if t is not None:
            t.join(timeout)
        return not self.busy

    def _on_done(self, rt: Any, result: Step) -> None:
        if result.moved:
            self.count += 1
        self.stepped.emit(rt, result)
