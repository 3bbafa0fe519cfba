"""Unit helpers: the one place where Hz meets ms.

The course works in ms, mV, pA, nS, pF and Hz (COURSE.md section 3). A rate in Hz is
spikes per second, a time step in ms is a thousandth of a second, so the expected number of
spikes in one step is rate_hz * dt_ms * 1e-3. Write it with these helpers, never inline.
"""
import numpy as np

from .validation import as_numbers, require_non_negative, require_positive

MS_PER_S = 1000.0


def _not_nan(name, value, unit):
    """value as a float array; ValueError naming name if it holds nan (inf is a valid limit: a rate of 1/0)."""
    arr = as_numbers(name, value, unit)
    if np.any(np.isnan(arr)):
        raise ValueError(f"{name} contains nan; give numbers in {unit}.")
    return arr


def hz_to_per_ms(rate_hz):
    """Convert a rate in Hz (1/s) to events per ms."""
    return _not_nan("rate_hz", rate_hz, "Hz") / MS_PER_S


def hz_to_per_ms_unchecked(rate_hz):
    """hz_to_per_ms without the argument check, for a simulation's inner loop (checked once outside it)."""
    return rate_hz / MS_PER_S


def per_ms_to_hz(rate_per_ms):
    """Convert a rate in events per ms to Hz (1/s)."""
    return _not_nan("rate_per_ms", rate_per_ms, "1/ms") * MS_PER_S


def expected_count(rate_hz, duration_ms):
    """Expected number of events of a rate (Hz) in a duration (ms)."""
    return hz_to_per_ms(rate_hz) * require_non_negative("duration_ms", duration_ms, "ms")


def count_rate_hz(count, duration_ms, n=1):
    """Rate (Hz) of count events among n neurons in duration_ms: the inverse of expected_count."""
    count = require_non_negative("count", count)
    duration_ms = require_positive("duration_ms", duration_ms, "ms")
    n = require_positive("n", n)
    return count / n / (duration_ms / MS_PER_S)
