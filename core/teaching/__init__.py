"""Teaching tools on top of the runtime's events and states, Qt-free.

* :mod:`~core.teaching.questions`: a lesson's "predict, then run" questions;
* :mod:`~core.teaching.waitfor`: the wait-for graph (who waits on what, who could
  wake it, cycles, goroutines that can never wake, one-sentence explanations);
* :mod:`~core.teaching.select_stats`: each select's cases and how often each won;
* :mod:`~core.teaching.reports`: race, deadlock and leak reports in Go's words;
* :mod:`~core.teaching.recording`: record a run and replay its event log;
* :mod:`~core.teaching.stepping`: be the scheduler, one operation at a time;
* :mod:`~core.teaching.positions`: the source line where each goroutine stands.

Imports only ``core.trace``, ``core.runtime`` and the standard library.
"""

from core.teaching.positions import SourcePosition, same_file, source_positions
from core.teaching.questions import (
    Question,
    QuestionSchedule,
    Verdict,
    parse_questions,
    strip_questions,
)
from core.teaching.recording import Recording, Replay, record
from core.teaching.reports import (
    DeadlockExplained,
    LeakedGoroutine,
    LeakReport,
    RaceReport,
    deadlock_report,
    leak_report,
    race_reports,
    stuck_report,
)
from core.teaching.select_stats import SelectCase, SelectSite, SelectStats
from core.teaching.stepping import (
    GateChoice,
    Step,
    describe_events,
    gate_choices,
    step,
    step_and_describe,
)
from core.teaching.waitfor import (
    Cycle,
    GoroutineNode,
    ObjectNode,
    UsageIndex,
    Wait,
    WaitForGraph,
    Wake,
)

__all__ = [
    "Cycle",
    "DeadlockExplained",
    "GateChoice",
    "GoroutineNode",
    "LeakReport",
    "LeakedGoroutine",
    "ObjectNode",
    "Question",
    "QuestionSchedule",
    "RaceReport",
    "Recording",
    "Replay",
    "SelectCase",
    "SelectSite",
    "SelectStats",
    "SourcePosition",
    "Step",
    "UsageIndex",
    "Verdict",
    "Wait",
    "WaitForGraph",
    "Wake",
    "deadlock_report",
    "describe_events",
    "gate_choices",
    "leak_report",
    "parse_questions",
    "race_reports",
    "record",
    "same_file",
    "source_positions",
    "step",
    "step_and_describe",
    "strip_questions",
    "stuck_report",
]
