"""ScenarioRun: one scenario playing in its own Runtime, with a tracer and a watchdog."""

from __future__ import annotations

import threading
from typing import Any

from core.runtime import Goroutine, Runtime, StopReport
from core.scenarios._base import Scenario
from core.trace import Tracer

__all__ = ["ScenarioRun"]


class ScenarioRun:
    """Plays *scenario* in a fresh Runtime: start, act, stop.

    The run's ``main`` goroutine calls ``scenario.run(ctx)`` with the
    runtime's root context, which :meth:`stop` cancels. A watchdog thread
    checks for deadlocks every ``watchdog_interval`` wall seconds (the
    report lands in ``runtime.deadlock`` and in the trace).
    """

    def __init__(
        self,
        scenario: Scenario | type[Scenario],
        speed: float = 1.0,
        tracer_capacity: int = 200_000,
        seed: int | None = None,
        trace: bool = True,
        watchdog_interval: float = 0.25,
    ) -> None:
        self.scenario = scenario() if isinstance(scenario, type) else scenario
        self.tracer = Tracer(tracer_capacity) if trace else None
        self.seed = seed
        self.runtime = Runtime(name=self.scenario.id, tracer=self.tracer, speed=speed, seed=seed)
        self.scenario.runtime = self.runtime
        self.main: Goroutine | None = None
        self.error: BaseException | None = None
        self._finished = threading.Event()
        self._stop_watchdog = threading.Event()
        self._watchdog_interval = watchdog_interval
        self._watchdog: threading.Thread | None = None
        self.report: StopReport | None = None

    @property
    def finished(self) -> bool:
        """True once ``scenario.run`` has returned (or raised)."""
        return self._finished.is_set()

    def start(self) -> None:
        """Start the scenario's main goroutine and the deadlock watchdog. Never blocks."""
        if self.main is not None:
            raise RuntimeError("a ScenarioRun starts once")
        ctx = self.runtime.root_context()
        self.main = self.runtime.go(self._main, ctx, name="main")
        if self._watchdog_interval > 0:
            self._watchdog = threading.Thread(
                target=self._watch, name=f"{self.scenario.id}-watchdog", daemon=True
            )
            self._watchdog.start()

    def _main(self, ctx) -> None:
        try:
            self.scenario.run(ctx)
        except BaseException as exc:
            self.error = exc
            raise
        finally:
            self._finished.set()

    def _watch(self) -> None:
        while not self._stop_watchdog.wait(self._watchdog_interval):
            if not self.runtime.clock.paused:
                self.runtime.check_deadlock()

    def act(self, name: str, *args: Any) -> Goroutine:
        """Inject the scenario's action *name* with *args* (its handler runs in a new
        goroutine); raises as :meth:`Scenario.act`."""
        return self.scenario.act(name, *args)

    def wait_finished(self, timeout: float | None = None) -> bool:
        return self._finished.wait(timeout)

    def stop(self, timeout: float = 2.0) -> StopReport:
        """Cancel, join everything (killing what stays blocked); idempotent."""
        self._stop_watchdog.set()
        if self.report is None:
            self.report = self.runtime.stop(timeout)
        if self._watchdog is not None:
            self._watchdog.join(1.0)
        return self.report
