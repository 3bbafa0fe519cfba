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
    sorted_times = times_ms[order]   # sort once: indexing inside the loop would copy it for every neuron
    return [sorted_times[bounds[i]:bounds[i + 1]] for i in range(n)]


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


# --- population measures (Part III: networks) --------------------------------------------------

def _in_window(times_ms, indices, t_start, t_stop):
    """The spikes (times, indices) with t_start <= t < t_stop; ValueError if the window is empty."""
    if t_stop <= t_start:
        raise ValueError(f"t_stop ({t_stop} ms) must be after t_start ({t_start} ms).")
    times_ms, indices = np.asarray(times_ms, dtype=float), np.asarray(indices, dtype=int)
    inside = (times_ms >= t_start) & (times_ms < t_stop)
    return times_ms[inside], indices[inside]


def population_rate_hz(times_ms, n, t_start, t_stop, bin_ms=1.0):
    """Population rate (Hz): spikes of n neurons per time bin / (n * bin) -> (bin centres in ms, rate_hz)."""
    if bin_ms <= 0:
        raise ValueError(f"bin_ms must be positive (got {bin_ms}).")
    times_ms = np.asarray(times_ms, dtype=float)
    edges = np.arange(t_start, t_stop + 1e-9 * bin_ms, bin_ms)
    counts, _ = np.histogram(times_ms, bins=edges)
    return 0.5 * (edges[1:] + edges[:-1]), counts / (n * bin_ms / 1000.0)


def rate_distribution(times_ms, indices, n, t_start, t_stop, bins=30, max_rate_hz=None):
    """Distribution of single-neuron rates: (bin edges in Hz, fraction of the n neurons in each bin)."""
    rates = firing_rates_hz(times_ms, indices, n, t_start, t_stop)
    top = rates.max() if max_rate_hz is None else max_rate_hz
    counts, edges = np.histogram(rates, bins=bins, range=(0.0, max(top, 1e-9)))
    return edges, counts / n


def spike_counts(times_ms, indices, neurons, t_start, t_stop, window_ms):
    """Spike counts of the given neurons in consecutive windows: array (len(neurons), n_windows)."""
    neurons = np.asarray(neurons, dtype=int)
    n_windows = int((t_stop - t_start) // window_ms)
    if n_windows < 1:
        raise ValueError(f"window_ms = {window_ms} is longer than the interval {t_stop - t_start} ms.")
    times_ms, indices = _in_window(times_ms, indices, t_start, t_start + n_windows * window_ms)
    row = np.full(max(indices.max(initial=-1), neurons.max(initial=-1)) + 1, -1)
    row[neurons] = np.arange(neurons.size)
    keep = row[indices] >= 0 if indices.size else np.zeros(0, bool)
    window = ((times_ms[keep] - t_start) // window_ms).astype(int)
    flat = np.bincount(row[indices[keep]] * n_windows + window, minlength=neurons.size * n_windows)
    return flat.reshape(neurons.size, n_windows)


def fano_factor(times_ms, indices, n, t_start, t_stop, window_ms=100.0):
    """Fano factor (variance / mean of spike counts in windows of window_ms) of each of n neurons; nan if silent."""
    counts = spike_counts(times_ms, indices, np.arange(n), t_start, t_stop, window_ms)
    mean = counts.mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(mean > 0, counts.var(axis=1) / mean, np.nan)


def spike_count_correlations(times_ms, indices, neurons, t_start, t_stop, window_ms=50.0):
    """Pearson correlation of the spike counts (windows of window_ms) of every pair of the given neurons.

    Returns the coefficients of all pairs of neurons that fired (upper triangle, 1-d array).
    """
    counts = spike_counts(times_ms, indices, neurons, t_start, t_stop, window_ms).astype(float)
    counts = counts[counts.std(axis=1) > 0]
    if counts.shape[0] < 2:
        return np.zeros(0)
    coefficients = np.corrcoef(counts)
    return coefficients[np.triu_indices(coefficients.shape[0], k=1)]


def power_spectrum(signal, dt_ms, segment_ms=None):
    """Power spectral density of a sampled signal (mean removed; Welch) -> (frequency in Hz, power per Hz).

    segment_ms: length of the Welch segments (default: an eighth of the signal, at least 64 samples).
    """
    from scipy.signal import welch
    signal = np.asarray(signal, dtype=float)
    fs_hz = 1000.0 / dt_ms
    nperseg = signal.size // 8 if segment_ms is None else int(round(segment_ms / dt_ms))
    nperseg = int(min(max(nperseg, 64), signal.size))
    freq, power = welch(signal - signal.mean(), fs=fs_hz, nperseg=nperseg)
    return freq, power


def population_rate_spectrum(times_ms, n, t_start, t_stop, bin_ms=0.5, segment_ms=None):
    """Power spectrum of the population rate (Hz^2 / Hz) -> (frequency in Hz, power)."""
    _, rate = population_rate_hz(times_ms, n, t_start, t_stop, bin_ms)
    return power_spectrum(rate, bin_ms, segment_ms)


def synchrony(times_ms, indices, n, t_start, t_stop, bin_ms=1.0):
    """Variance of the population spike count / sum of single-neuron count variances (bins of bin_ms).

    1 for independent neurons; grows with shared fluctuations up to n for identical spike trains
    (it equals n times the synchrony measure chi^2 of Golomb 2007, Scholarpedia, here on spike counts).
    """
    counts = spike_counts(times_ms, indices, np.arange(n), t_start, t_stop, bin_ms)
    single = counts.var(axis=1).sum()
    return float(counts.sum(axis=0).var() / single) if single > 0 else np.nan


def adaptation_index(spike_times, skip=0):
    """Mean of (ISI_{i+1} - ISI_i) / (ISI_{i+1} + ISI_i) over consecutive ISIs (ms); nan with < 2 ISIs.

    Positive when intervals lengthen (adaptation), zero for a regular train, negative when they
    shorten. skip drops the first ISIs (Naud et al. 2008 leave out the initial transient).
    """
    intervals = np.diff(np.sort(np.asarray(spike_times, dtype=float)))[skip:]
    if intervals.size < 2:
        return np.nan
    return float(np.mean((intervals[1:] - intervals[:-1]) / (intervals[1:] + intervals[:-1])))


def classify_firing_pattern(spike_times, t_on, t_off):
    """Name a response to a current step on [t_on, t_off) ms from its spike times (ms).

    In this order: 'silent' (no spike); 'transient' (fewer than three spikes, or none after the
    first quarter of the step); 'bursting' (in the second half, the longest ISI is more than 3x
    the shortest); 'initial burst' (first ISI < 0.3x the late ISIs); 'adapting' (late ISIs > 1.3x
    the first); 'delayed' (first spike later than one late ISI after onset); else 'tonic'.
    """
    s = np.sort(np.asarray(spike_times, dtype=float))
    s = s[(s >= t_on) & (s < t_off)]
    quarter = (t_off - t_on) / 4.0
    if s.size == 0:
        return "silent"
    if s.size < 3 or s[-1] < t_on + quarter:
        return "transient"
    intervals = np.diff(s)
    late = intervals[s[1:] >= t_on + 2 * quarter]
    if late.size >= 2 and late.max() > 3.0 * late.min():
        return "bursting"
    steady = float(np.mean(late)) if late.size else float(intervals[-1])
    if intervals[0] < 0.3 * steady:
        return "initial burst"
    if steady > 1.3 * intervals[0]:
        return "adapting"
    if s[0] - t_on > steady:
        return "delayed"
    return "tonic"
