"""Every lesson of the catalogue: it plays, explains itself and refuses bad parameters.

What holds for one lesson holds for all: each test here is parametrized by
the scenario's id (and by its parameter's name), so a new lesson is checked
the moment ``core.scenarios`` lists it.
"""

from __future__ import annotations

import importlib
import math

import pytest
from scenario_harness import (
    assert_healthy,
    assert_metrics_published,
    assert_nothing_left,
    assert_refuses,
    metrics_published,
    play,
)

from core.scenarios import CHAPTERS, Param, catalogue

CATALOGUE = catalogue()
WITH_VARIANT = [cls for cls in CATALOGUE if any(p.name == "variant" for p in cls.params)]
PARAMS = [(cls, p) for cls in CATALOGUE for p in cls.params]
# Broken variants whose mistake is a panic, or a leak (goroutines blocked for
# good, unwound by stop): the others must stop clean and panic-free.
PANICS = {"pub-sub", "worker-pool", "closed-channel-panic", "panic-ends-program"}
LEAKS = {"cancel-by-timeout", "counter-dumper", "resource-keeper", "parallel-channels", "deadlock"}
# Lessons whose defaults are too slow for every metric to get a sample within
# two runtime seconds: a dump interval needs two dumps, a batch time a whole batch.
QUICK = {
    "counter-dumper": {"interval": 0.2},
    "parallel-waitgroup": {"work_time": 100},
    "parallel-channels": {"work_time": 100},
}


def scenario_id(cls) -> str:
    return cls.id


def param_id(case) -> str:
    return f"{case[0].id}.{case[1].name}"


def outside(p: Param) -> list:
    """Values just outside what *p* accepts."""
    if p.kind is bool:
        return ["maybe"]
    if p.kind is str:
        return ["nope"]
    if p.kind is int:
        return [p.minimum - 1, p.maximum + 1]
    return [math.nextafter(p.minimum, -math.inf), math.nextafter(p.maximum, math.inf)]


@pytest.mark.parametrize("cls", CATALOGUE, ids=scenario_id)
def test_every_action_plays_publishes_every_metric_and_stops_clean(cls):
    assert_healthy(play(cls, until=metrics_published, **QUICK.get(cls.id, {})))


@pytest.mark.parametrize("cls", WITH_VARIANT, ids=scenario_id)
def test_broken_variant_plays_every_action_and_leaves_no_goroutine(cls):
    # The broken variant may panic or leak (that is its lesson), but run() raises
    # nothing, the metrics go on, and stop() unwinds whatever was left blocked.
    run = play(
        cls, variant="broken", until=metrics_published, stop_timeout=1.0, **QUICK.get(cls.id, {})
    )
    assert run.error is None, run.error
    assert_metrics_published(run)
    assert_nothing_left(run)
    if cls.id not in PANICS:
        assert run.runtime.panics == [], run.runtime.panics
    if cls.id not in LEAKS:
        assert run.report.clean, run.report


@pytest.mark.parametrize("case", PARAMS, ids=param_id)
def test_param_default_is_valid(case):
    cls, p = case
    assert p.validate(p.default) == p.default
    assert cls()[p.name] == p.default


@pytest.mark.parametrize("case", PARAMS, ids=param_id)
def test_value_out_of_range_is_refused_naming_the_param(case):
    cls, p = case
    for value in outside(p):
        assert_refuses(cls, p.name, value)


@pytest.mark.parametrize("cls", CATALOGUE, ids=scenario_id)
def test_unknown_param_is_refused_naming_it(cls):
    with pytest.raises(ValueError, match="colour"):
        cls(colour="red")


@pytest.mark.parametrize("cls", CATALOGUE, ids=scenario_id)
def test_params_have_help_bounds_and_units(cls):
    for p in cls.params:
        assert p.help, p.name
        if p.kind in (int, float):
            assert p.minimum is not None and p.maximum is not None, p.name
            assert p.unit, p.name


@pytest.mark.parametrize("cls", CATALOGUE, ids=scenario_id)
def test_every_metric_has_a_unit_and_help(cls):
    assert cls.metrics
    for m in cls.metrics:
        assert m.unit and m.help, m.name


@pytest.mark.parametrize("cls", CATALOGUE, ids=scenario_id)
def test_every_action_has_a_label_help_and_handler(cls):
    for a in cls.actions:
        assert a.label and a.help, a.name
        assert callable(getattr(cls, f"on_{a.name.replace('-', '_')}", None)), a.name


@pytest.mark.parametrize("cls", CATALOGUE, ids=scenario_id)
def test_code_tab_shows_modules_that_exist_ending_with_the_lesson(cls):
    for name in cls.source_modules:
        importlib.import_module(name)
    assert cls.source_modules[-1] == cls.__module__


@pytest.mark.parametrize("cls", CATALOGUE, ids=scenario_id)
def test_every_lesson_has_a_module_of_its_own_named_like_its_id(cls):
    from core.scenarios import module_of

    assert cls.__module__ == module_of(cls.id) == "core.scenarios." + cls.id.replace("-", "_")
    lessons = [c for c in CATALOGUE if c.__module__ == cls.__module__]
    assert lessons == [cls]


def test_catalogue_follows_the_chapters_in_order():
    chapters = [cls.chapter for cls in CATALOGUE]
    assert set(chapters) <= set(CHAPTERS)
    assert chapters == sorted(chapters, key=CHAPTERS.index)  # chapter by chapter
    assert list(dict.fromkeys(chapters)) == list(CHAPTERS)  # each chapter has a lesson


def test_ids_are_unique():
    ids = [cls.id for cls in CATALOGUE]
    assert len(set(ids)) == len(ids)
