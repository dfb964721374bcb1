"""The lessons' per-second rates: over at least a second, smoothed, never a spike.

``Rates`` is plain arithmetic on (time, count) pairs, so these tests feed it
times directly: no runtime, no threads.
"""

from __future__ import annotations

import bisect
import random

import pytest

from core.scenarios._pacing import RATE_WINDOW, Rates

SAMPLE = 0.25  # the lessons' sampling period


def regular_events(rate: float, start: float, end: float, rng: random.Random) -> list[float]:
    """A steady *rate*: one event per period, each a few milliseconds late at random."""
    out, t = [], start + rng.uniform(0, 1 / rate)
    while t < end:
        out.append(t + rng.uniform(0, 0.01))
        t += 1 / rate
    return out


def sample_times(end: float, rng: random.Random, late: float = 0.0) -> list[float]:
    """Ticks every SAMPLE seconds; one in five is up to *late* seconds late (a busy GIL)."""
    out, k = [], 1
    while k * SAMPLE < end:
        out.append(k * SAMPLE + (rng.uniform(0, late) if rng.random() < 0.2 else 0.0))
        k += 1
    return out


def measure(events: list[float], times: list[float], **kw) -> list[tuple[float, float]]:
    """(time, rate) for every sample that returned a rate."""
    rates, out = Rates(0.0, **kw), []
    for t in times:
        r = rates.update(t, n=bisect.bisect_right(events, t))
        if r:
            out.append((t, r["n"]))
    return out


@pytest.mark.parametrize("seed", range(10))
def test_a_steady_10_per_second_draws_flat(seed):
    rng = random.Random(seed)
    events = regular_events(10.0, 0.0, 30.0, rng)
    shown = measure(events, sample_times(30.0, rng, late=0.2))
    settled = [r for t, r in shown if t >= 4.0]
    assert settled
    # Over 0.25 s windows this read 8 or 12; over a bare second, 9 to 11.
    assert max(abs(r - 10.0) for r in settled) < 0.5


def test_a_late_tick_then_a_prompt_one_make_no_spike():
    # 10 events a second; the sampler is woken 0.2 s late, then on time 0.05 s later.
    events = [k / 10 for k in range(1, 200)]
    rates = Rates(0.0)
    shown = []
    for t in (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.7, 1.75, 2.0, 2.2, 2.25, 2.5):
        r = rates.update(t, n=bisect.bisect_right(events, t))
        shown.extend(r.values())
    assert shown and max(shown) <= 11.0  # a 0.05 s interval would have read 20/s


def test_no_rate_before_a_whole_window():
    rates = Rates(0.0)
    assert rates.update(0.25, n=3) == {}
    assert rates.update(0.75, n=8) == {}
    assert rates.update(RATE_WINDOW, n=10) == {"n": 10.0}


def test_an_exactly_linear_count_reads_its_rate():
    rates = Rates(0.0)
    shown = [rates.update(k * SAMPLE, n=7 * k * SAMPLE) for k in range(1, 40)]
    assert all(r["n"] == pytest.approx(7.0) for r in shown if r)


def test_no_time_passed_gives_no_rate():
    rates = Rates(0.0)
    rates.update(2.0, n=20)
    assert rates.update(2.0, n=25) == {}


def test_a_change_of_rate_shows_within_three_seconds():
    rng = random.Random(1)
    events = regular_events(10.0, 0.0, 15.0, rng) + regular_events(4.0, 15.0, 30.0, rng)
    shown = measure(events, sample_times(30.0, rng))
    after = [(t, r) for t, r in shown if t >= 15.0]
    settled = next(t for t, r in after if abs(r - 4.0) < 0.6)
    assert settled - 15.0 <= 3.0
    assert all(abs(r - 4.0) < 0.6 for t, r in after if t >= 18.5)


def test_a_restarted_source_continues_the_rate():
    rates, shown = Rates(0.0), []
    for k in range(1, 41):
        t = k * SAMPLE
        if k == 20:
            rates.restart()  # a new pool: its count starts again from 0
        count = 10 * t if k < 20 else 10 * (t - 19 * SAMPLE)
        shown.extend(rates.update(t, n=count).values())
    assert min(shown) == pytest.approx(10.0) and max(shown) == pytest.approx(10.0)


def test_a_count_that_falls_is_a_new_source_never_a_negative_rate():
    rates, shown = Rates(0.0), []
    for k in range(1, 41):
        t = k * SAMPLE
        count = 10 * t if k < 20 else 10 * (t - 19 * SAMPLE)  # no restart() call
        shown.extend(rates.update(t, n=count).values())
    assert min(shown) >= 0
    assert max(shown) == pytest.approx(10.0)


def test_a_count_that_stops_reads_0_after_a_window_not_a_tail():
    rates, shown = Rates(0.0), []
    for k in range(1, 41):
        t = k * SAMPLE
        shown.append((t, rates.update(t, n=10 * min(t, 5.0))["n"] if t >= 1 else None))
    assert all(r == 0 for t, r in shown if t >= 6.0)
    assert all(r > 0 for t, r in shown if 1.0 <= t <= 5.0)


@pytest.mark.parametrize("window", [0.0, 0.25, 0.99])
def test_a_window_under_a_second_is_refused(window):
    with pytest.raises(ValueError, match="at least"):
        Rates(0.0, window=window)
