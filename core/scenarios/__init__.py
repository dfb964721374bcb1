"""One runnable lesson per pattern, Qt-free: parameters, teacher actions, metrics, run(ctx).

:func:`catalogue` lists the lessons in teaching order; :func:`get` finds one by id.
"""

from __future__ import annotations

import importlib

from core.scenarios._base import CHAPTERS, Action, Metric, MetricsRecorder, Param, Scenario
from core.scenarios._run import ScenarioRun

__all__ = [
    "CHAPTERS",
    "Action",
    "Metric",
    "MetricsRecorder",
    "Param",
    "Scenario",
    "ScenarioRun",
    "catalogue",
    "get",
    "module_of",
]

# Teaching order of the lessons. Each lesson lives in the module named like its id
# (``worker-pool`` in ``core/scenarios/worker_pool.py``): the catalogue finds it there.
ORDER: tuple[str, ...] = (
    "lost-updates",
    "mutex-fairness",
    "unbuffered-channel",
    "buffered-channel",
    "select",
    "cancel-by-close",
    "cancel-by-timeout",
    "context-tree",
    "user-counters",
    "counter-dumper",
    "resource-keeper",
    "signal-broadcast",
    "pub-sub",
    "chat",
    "parallel-waitgroup",
    "parallel-channels",
    "worker-pool",
    "cache",
    "rate-limiter",
    "retry-backoff",
    "circuit-breaker",
    "batching",
    "pipeline",
    "errgroup-semaphore",
    "deadlock",
    "closed-channel-panic",
    "panic-ends-program",
)

_registry: dict[str, type[Scenario]] | None = None


def module_of(scenario_id: str) -> str:
    """The module that defines lesson *scenario_id*: ``core.scenarios.worker_pool``."""
    return f"{__name__}.{scenario_id.replace('-', '_')}"


def _load() -> dict[str, type[Scenario]]:
    global _registry
    if _registry is None:
        found: dict[str, type[Scenario]] = {}
        for scenario_id in ORDER:
            mod = importlib.import_module(module_of(scenario_id))
            for obj in vars(mod).values():
                if (
                    isinstance(obj, type)
                    and issubclass(obj, Scenario)
                    and obj.__module__ == mod.__name__
                    and getattr(obj, "id", None) == scenario_id
                ):
                    found[scenario_id] = obj
            if scenario_id not in found:
                raise ImportError(f"{mod.__name__} defines no lesson {scenario_id!r}")
        _registry = found
    return _registry


def catalogue() -> list[type[Scenario]]:
    """Every lesson, in teaching order."""
    return list(_load().values())


def get(scenario_id: str) -> type[Scenario]:
    """The lesson *scenario_id*; ``KeyError`` names the known ids when it is unknown."""
    reg = _load()
    try:
        return reg[scenario_id]
    except KeyError:
        raise KeyError(f"no scenario {scenario_id!r}; known: {', '.join(reg)}") from None
