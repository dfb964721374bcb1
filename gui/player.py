"""Plays one scenario at a time, each in its own Runtime.

The player owns the :class:`core.scenarios.ScenarioRun` of the lesson on
stage and forwards the teacher's controls to it (speed, pause, step,
actions). Nothing here blocks the GUI thread: stopping a run joins its
goroutines, which can take up to the stop timeout, so it happens on a
plain Python thread and :attr:`Player.stopped` is emitted when it is done.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from core.scenarios import Scenario, ScenarioRun
from gui.settings import clamp_speed

__all__ = ["Player", "PlayerState"]


class PlayerState:
    """The player's states, as the strings ``state_changed`` carries."""

    IDLE = "idle"  # nothing on stage
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"  # the story ended by itself; goroutines may still be stopping


class Player(QObject):
    """Starts, pauses, steps and stops scenario runs.

    Signals:
        started(): a run began.
        stopped(object): a run was stopped; carries its ``StopReport``.
            Emitted from the GUI thread once the run's goroutines are joined.
        finished(): the run's story ended by itself (``ScenarioRun.finished``).
        state_changed(str): one of the :class:`PlayerState` strings.
        action_injected(str): a teacher's action went into the current run.
    """

    started = Signal()
    stopped = Signal(object)
    action_injected = Signal(str)
    finished = Signal()
    state_changed = Signal(str)
    # Internal: a stop thread is done (emitted from that thread, delivered queued).
    _stop_done = Signal(object, object)

    STOP_TIMEOUT = 2.0  # seconds a run's goroutines get to unwind

    def __init__(
        self, parent: QObject | None = None, speed: float = 1.0, seed: int | None = None
    ) -> None:
        super().__init__(parent)
        self.seed = seed  # random seed of every run (None: a fresh one each time)
        self._run: ScenarioRun | None = None
        self._scenario_cls: type[Scenario] | None = None
        self._values: dict[str, Any] = {}
        self._speed = clamp_speed(speed)
        self._state = PlayerState.IDLE
        self._stoppers: list[threading.Thread] = []
        self._stoppers_lock = threading.Lock()
        self.last_report: Any = None
        self.last_run: ScenarioRun | None = None  # the run stopped last (Save run… after stop)
        self.stopped_run: ScenarioRun | None = None  # the run ``stopped`` was last emitted for
        self._acted: dict[str, int] = {}  # actions injected into the current run, by name
        self._stop_done.connect(self._on_stop_done)
        # Notices a run that ends by itself (ScenarioRun has no callback into Qt).
        self._watch = QTimer(self)
        self._watch.setInterval(100)
        self._watch.timeout.connect(self._on_watch_timeout)

    # -- what is playing ---------------------------------------------------------

    @property
    def run(self) -> ScenarioRun | None:
        return self._run

    @property
    def scenario(self) -> Scenario | None:
        return self._run.scenario if self._run else None

    @property
    def scenario_cls(self) -> type[Scenario] | None:
        return self._scenario_cls

    @property
    def values(self) -> dict[str, Any]:
        return dict(self._values)

    @property
    def tracer(self) -> Any:
        return self._run.tracer if self._run else None

    @property
    def runtime(self) -> Any:
        return self._run.runtime if self._run else None

    @property
    def state(self) -> str:
        return self._state

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def paused(self) -> bool:
        return self._state == PlayerState.PAUSED

    # -- control -----------------------------------------------------------------

    def start(self, scenario_cls: type[Scenario], values: dict[str, Any] | None = None) -> Any:
        """Stop what plays, then start *scenario_cls* with parameter *values*.

        Returns the new ``ScenarioRun``.

        Raises:
            ValueError: a parameter value is refused by the scenario (nothing is started).
        """
        scenario = scenario_cls(**(values or {}))  # validates before anything stops
        self._stop_current()
        self._scenario_cls = scenario_cls
        self._values = dict(scenario.values)
        # A scenario that runs elsewhere (a learner's program, in its own process)
        # makes its own run, with ScenarioRun's face.
        make_run = getattr(scenario, "make_run", None)
        if make_run is not None:
            run = make_run(speed=self._speed, seed=self.seed)
        else:
            run = ScenarioRun(scenario, speed=self._speed, seed=self.seed)
        self._run = run
        self._acted = {}
        run.start()
        self._watch.start()
        self._set_state(PlayerState.RUNNING)
        self.started.emit()
        return run

    def stop(self) -> None:
        """Stop the current run (if any); ``stopped`` follows once it is joined."""
        self._stop_current()
        self._set_state(PlayerState.IDLE)

    def reset(self) -> Any:
        """Start the current lesson again from the beginning, with the same parameters."""
        if self._scenario_cls is None:
            return None
        return self.start(self._scenario_cls, self._values)

    def set_speed(self, x: float) -> float:
        """Set the clock speed (clamped to 0.05..20); returns the speed in effect."""
        self._speed = clamp_speed(x)
        rt = self.runtime
        if rt is not None:
            rt.clock.speed = self._speed
        return self._speed

    def pause(self) -> None:
        """Freeze the run's clock: goroutines wait at their next operation."""
        rt = self.runtime
        if rt is None or self._state != PlayerState.RUNNING:
            return
        rt.pause()
        self._set_state(PlayerState.PAUSED)

    def resume(self) -> None:
        rt = self.runtime
        if rt is None or self._state != PlayerState.PAUSED:
            return
        rt.resume()
        self._set_state(PlayerState.RUNNING)

    def toggle_pause(self) -> None:
        """Space: pause a running lesson, resume a paused one, start a stopped one again."""
        if self._state == PlayerState.RUNNING:
            self.pause()
        elif self._state == PlayerState.PAUSED:
            self.resume()
        else:
            self.reset()

    def step(self, g_id: int | None = None) -> bool:
        """While paused, let one goroutine perform one operation (see ``Runtime.step``).

        Pauses first when running. Returns whether anything moved.
        """
        rt = self.runtime
        if rt is None or self._state not in (PlayerState.RUNNING, PlayerState.PAUSED):
            return False
        if self._state == PlayerState.RUNNING:
            self.pause()
        # Runtime.step waits for the previous step to be taken up: keep that short.
        return bool(rt.step(g_id, timeout=0.05))

    def act(self, name: str, *args: Any) -> Any:
        """Inject the scenario's action *name* (with *args*, for an action that takes
        them); its handler runs in its own goroutine.

        Returns the handler's goroutine, or None when nothing is running.
        Counted (:meth:`times_acted`) and announced (``action_injected``).

        Raises:
            KeyError: the scenario has no such action.
            TypeError: *args* do not fit the action (see ``Scenario.act``).
        """
        run = self._run
        if run is None or self._state not in (PlayerState.RUNNING, PlayerState.PAUSED):
            return None
        g = run.act(name, *args)
        self._acted[name] = self._acted.get(name, 0) + 1
        self.action_injected.emit(name)
        return g

    def times_acted(self, name: str) -> int:
        """How many times action *name* was injected into the current run."""
        return self._acted.get(name, 0)

    def wait_stopped(self, timeout: float = 5.0) -> bool:
        """Join every stop in progress (tests, closing the window); True if all ended."""
        with self._stoppers_lock:
            threads = list(self._stoppers)
        for t in threads:
            t.join(timeout)
        return not any(t.is_alive() for t in threads)

    def shutdown(self, timeout: float = 3.0) -> bool:
        """Stop everything and wait for it (the window is closing)."""
        self._watch.stop()
        self._stop_current()
        self._set_state(PlayerState.IDLE)
        return self.wait_stopped(timeout)

    # -- internals ---------------------------------------------------------------

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)

    def _stop_current(self) -> None:
        run, self._run = self._run, None
        self._watch.stop()
        if run is None:
            return
        self.last_run = run

        def stop() -> None:
            try:
                report: object = run.stop(self.STOP_TIMEOUT)  # a StopReport
            except Exception as exc:  # reported to the window, never lost
                report = exc
            try:
                self._stop_done.emit(run, report)
            except RuntimeError:
                pass  # the player was deleted while this run stopped

        t = threading.Thread(target=stop, name=f"stop:{run.scenario.id}", daemon=True)
        with self._stoppers_lock:
            self._stoppers = [s for s in self._stoppers if s.is_alive()]
            self._stoppers.append(t)
        t.start()

    def _on_stop_done(self, run: Any, report: Any) -> None:
        self.last_report = report
        self.stopped_run = run
        self.stopped.emit(report)

    def _on_watch_timeout(self) -> None:
        run = self._run
        if run is not None and run.finished and self._state == PlayerState.RUNNING:
            self._watch.stop()
            self._set_state(PlayerState.FINISHED)
            self.finished.emit()
