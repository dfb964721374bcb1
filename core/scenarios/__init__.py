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
]

# Teaching order of the lessons, and the modules that define them.
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

_MODULES: tuple[str, ...] = (
    "lost_updates",
    "mutex_fairness",
    "channels",
    "select_demo",
    "cancellation",
    "user_counters",
    "counter_dumper",
    "resource_keeper",
    "signal_broadcast",
    "pub_sub",
    "chat",
    "parallel",
    "worker_pool",
    "cache",
    "rate_limiter",
    "retry_backoff",
    "circuit_breaker",
    "batching",
    "pipeline",
    "errgroup_semaphore",
    "pitfalls",
    "panic_ends_program",
)

_registry: dict[str, type[Scenario]] | None = None


def _load() -> dict[str, type[Scenario]]:
    global _registry
    if _registry is None:
        found: dict[str, type[Scenario]] = {}
        for mod_name in _MODULES:
            mod = importlib.import_module(f"{__name__}.{mod_name}")
            for obj in vars(mod).values():
                if (
                    isinstance(obj, type)
                    and issubclass(obj, Scenario)
                    and obj is not Scenario
                    and obj.__module__ == mod.__name__
                    and getattr(obj, "id", None)
                ):
                    found[obj.id] = obj
        missing = [i for i in ORDER if i not in found]
        if missing:
            raise ImportError(f"scenarios not found: {', '.join(missing)}")
        _registry = {i: found[i] for i in ORDER}
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
