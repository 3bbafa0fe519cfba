"""Unit helpers: the one place where Hz meets ms.

The course works in ms, mV, pA, nS, pF and Hz (COURSE.md section 3). A rate in Hz is
spikes per second, a time step in ms is a thousandth of a second, so the expected number of
spikes in one step is rate_hz * dt_ms * 1e-3. Write it with these helpers, never inline.
"""
import numpy as np

MS_PER_S = 1000.0


def hz_to_per_ms(rate_hz):
    """Convert a rate in Hz (1/s) to events per ms."""
    return np.asarray(rate_hz, dtype=float) / MS_PER_S


def per_ms_to_hz(rate_per_ms):
    """Convert a rate in events per ms to Hz (1/s)."""
    return np.asarray(rate_per_ms, dtype=float) * MS_PER_S


def expected_count(rate_hz, duration_ms):
    """Expected number of events of a rate (Hz) in a duration (ms)."""
    return hz_to_per_ms(rate_hz) * duration_ms


def count_rate_hz(count, duration_ms, n=1):
    """Rate (Hz) of count events among n neurons in duration_ms: the inverse of expected_count."""
    return count / n / (duration_ms / MS_PER_S)
