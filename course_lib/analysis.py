"""Spike-train analysis: rates, inter-spike intervals, CV, first-spike latency.

Spikes come as two arrays (times_ms, indices), as every simulator in the course returns them,
or as a list of per-neuron spike-time arrays. Later chapters add population measures here.
"""
import numpy as np


def spike_trains(times_ms, indices, n):
    """Split (times_ms, indices) into a list of n sorted arrays of spike times (ms)."""
    times_ms, indices = np.asarray(times_ms, dtype=float), np.asarray(indices, dtype=int)
    if times_ms.shape != indices.shape:
        raise ValueError(f"times_ms {times_ms.shape} and indices {indices.shape} must have the same shape.")
    order = np.lexsort((times_ms, indices))
    bounds = np.searchsorted(indices[order], np.arange(n + 1))
    return [times_ms[order][bounds[i]:bounds[i + 1]] for i in range(n)]


def firing_rates_hz(times_ms, indices, n, t_start, t_stop):
    """Mean rate (Hz) of each of n neurons between t_start and t_stop (ms)."""
    if t_stop <= t_start:
        raise ValueError(f"t_stop ({t_stop} ms) must be after t_start ({t_start} ms).")
    times_ms, indices = np.asarray(times_ms), np.asarray(indices, dtype=int)
    inside = (times_ms >= t_start) & (times_ms < t_stop)
    counts = np.bincount(indices[inside], minlength=n)
    return counts / ((t_stop - t_start) / 1000.0)


def isis(spike_times_ms):
    """Inter-spike intervals (ms) of one neuron's sorted spike times."""
    return np.diff(np.sort(np.asarray(spike_times_ms, dtype=float)))


def cv_isi(spike_times_ms, min_spikes=3):
    """Coefficient of variation (std / mean) of one neuron's ISIs; nan with fewer than min_spikes spikes."""
    intervals = isis(spike_times_ms)
    if intervals.size < max(min_spikes - 1, 1):
        return np.nan
    return float(np.std(intervals) / np.mean(intervals))


def cv_isi_per_neuron(times_ms, indices, n, min_spikes=3):
    """CV of ISIs of each of n neurons (nan where a neuron has fewer than min_spikes spikes)."""
    return np.array([cv_isi(train, min_spikes) for train in spike_trains(times_ms, indices, n)])


def first_spike_latency(spike_times_ms, t_onset=0.0):
    """Time (ms) from t_onset to the first spike at or after it; nan if there is none."""
    later = np.asarray(spike_times_ms, dtype=float)
    later = later[later >= t_onset]
    return float(later.min() - t_onset) if later.size else np.nan


def steady_rate_hz(spike_times_ms, t_start, t_stop):
    """Rate (Hz) from the mean ISI of the spikes in [t_start, t_stop); 0 with fewer than two spikes."""
    s = np.asarray(spike_times_ms, dtype=float)
    s = np.sort(s[(s >= t_start) & (s < t_stop)])
    return 0.0 if s.size < 2 else 1000.0 / float(np.mean(np.diff(s)))
