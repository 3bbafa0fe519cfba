"""Spike-train analysis: rates, inter-spike intervals, CV, first-spike latency.

Spikes come as two arrays (times_ms, indices), as every simulator in the course returns them,
or as a list of per-neuron spike-time arrays. Later chapters add population measures here.

Bad input (CONVENTIONS.md section 15): spike times must be finite, indices whole numbers in 0 .. n-1,
windows non-empty (t_stop > t_start); each public function checks once and raises a ValueError naming
the argument. No spikes at all is valid input: rates are then 0, a CV or a Fano factor nan (as each
docstring says).
"""
import numpy as np

from .validation import (MAX_NEURONS, MAX_STEPS, require_count, require_finite, require_indices, require_number,
                         require_positive, require_vector, require_window)


def _spikes(times_ms, indices, n=None):
    """times_ms and indices checked: 1-d, finite times (ms), whole indices >= 0 (< n), the same length."""
    times_ms = require_vector("times_ms", times_ms, "ms")
    indices = require_indices("indices", indices, n)
    if times_ms.shape != indices.shape:
        raise ValueError(f"times_ms {times_ms.shape} and indices {indices.shape} must have the same shape "
                         f"(one index per spike).")
    return times_ms, indices


def _n(n):
    return require_count("n", n, maximum=MAX_NEURONS)


def _n_bins(t_start, t_stop, bin_ms, bin_name="bin_ms"):
    """Number of bins of bin_ms in [t_start, t_stop); ValueError naming the arguments if more than MAX_STEPS."""
    n_bins = (t_stop - t_start) / bin_ms
    if n_bins > MAX_STEPS:
        raise ValueError(f"(t_stop - t_start) / {bin_name} = ({t_stop:g} - {t_start:g}) / {bin_ms:g} = {n_bins:.3g} "
                         f"bins: more than {MAX_STEPS:.0e}. Use a larger {bin_name} or a shorter window "
                         f"(t_start, t_stop).")
    return n_bins


def spike_trains(times_ms, indices, n):
    """Split (times_ms, indices) into a list of n sorted arrays of spike times (ms); a silent neuron's is empty."""
    sorted_times, bounds = _sorted_by_neuron(times_ms, indices, n)
    return [sorted_times[bounds[i]:bounds[i + 1]] for i in range(len(bounds) - 1)]


def _sorted_by_neuron(times_ms, indices, n):
    """Spike times sorted by neuron, then time, and bounds (n + 1,): neuron i's train is times[bounds[i]:bounds[i+1]]."""
    n = _n(n)
    times_ms, indices = _spikes(times_ms, indices, n)
    order = np.lexsort((times_ms, indices))
    return times_ms[order], np.searchsorted(indices[order], np.arange(n + 1))


def firing_rates_hz(times_ms, indices, n, t_start, t_stop):
    """Mean rate (Hz) of each of n neurons between t_start and t_stop (ms); 0 for a neuron without spikes there."""
    n = _n(n)
    times_ms, indices = _spikes(times_ms, indices, n)
    t_start, t_stop = require_window(t_start, t_stop)
    inside = (times_ms >= t_start) & (times_ms < t_stop)
    counts = np.bincount(indices[inside], minlength=n)
    return counts / ((t_stop - t_start) / 1000.0)


def isis(spike_times_ms):
    """Inter-spike intervals (ms) of one neuron's spike times (sorted first); empty with fewer than two spikes."""
    return np.diff(np.sort(require_vector("spike_times_ms", spike_times_ms, "ms")))


def cv_isi(spike_times_ms, min_spikes=3):
    """Coefficient of variation (std / mean) of one neuron's ISIs; nan with fewer than min_spikes spikes."""
    min_spikes = require_count("min_spikes", min_spikes)
    intervals = isis(spike_times_ms)
    if intervals.size < max(min_spikes - 1, 1):
        return np.nan
    return float(np.std(intervals) / np.mean(intervals))


def cv_isi_per_neuron(times_ms, indices, n, min_spikes=3):
    """CV of ISIs of each of n neurons (nan where a neuron has fewer than min_spikes spikes)."""
    min_spikes = require_count("min_spikes", min_spikes)
    sorted_times, bounds = _sorted_by_neuron(times_ms, indices, n)
    first, spikes = bounds[:-1], np.diff(bounds)             # where each neuron's train starts, and its length
    cv = np.full(spikes.size, np.nan)
    # Neurons with the same number of spikes are done together, one row each: the same numbers as cv_isi
    # neuron by neuron (numpy reduces each row as it would the row alone), in a few calls instead of n.
    for size in np.unique(spikes[spikes >= max(min_spikes, 2)]):
        neurons = np.flatnonzero(spikes == size)
        intervals = np.diff(sorted_times[first[neurons, None] + np.arange(size)], axis=1)
        cv[neurons] = intervals.std(axis=1) / intervals.mean(axis=1)
    return cv


def first_spike_latency(spike_times_ms, t_onset=0.0):
    """Time (ms) from t_onset to the first spike at or after it; nan if there is none."""
    later = require_vector("spike_times_ms", spike_times_ms, "ms")
    later = later[later >= require_number("t_onset", t_onset, "ms")]
    return float(later.min() - t_onset) if later.size else np.nan


def steady_rate_hz(spike_times_ms, t_start, t_stop):
    """Rate (Hz) from the mean ISI of the spikes in [t_start, t_stop); 0 with fewer than two spikes."""
    s = require_vector("spike_times_ms", spike_times_ms, "ms")
    t_start, t_stop = require_window(t_start, t_stop)
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
    """Population rate (Hz): spikes of n neurons per bin [a, a + bin_ms) / (n * bin) -> (bin centres in ms, rate_hz).

    No spikes give a rate of 0 in every bin; a window shorter than bin_ms is refused.
    """
    times_ms = require_vector("times_ms", times_ms, "ms")
    n = _n(n)
    t_start, t_stop = require_window(t_start, t_stop)
    bin_ms = float(require_positive("bin_ms", bin_ms, "ms"))
    if _n_bins(t_start, t_stop, bin_ms) < 1 - 1e-9:
        raise ValueError(f"bin_ms = {bin_ms:g} ms is longer than the window t_stop - t_start = "
                         f"{t_stop - t_start:g} ms: no bin fits. Use a smaller bin_ms.")
    edges = np.arange(t_start, t_stop + 1e-9 * bin_ms, bin_ms)
    inside = times_ms[(times_ms >= edges[0]) & (times_ms < edges[-1])]   # half-open, as every window here
    counts, _ = np.histogram(inside, bins=edges)                           # (np.histogram closes its last bin)
    return 0.5 * (edges[1:] + edges[:-1]), counts / (n * bin_ms / 1000.0)


def rate_distribution(times_ms, indices, n, t_start, t_stop, bins=30, max_rate_hz=None):
    """Distribution of single-neuron rates: (bin edges in Hz, fraction of the n neurons in each bin)."""
    bins = require_count("bins", bins, maximum=MAX_STEPS)
    if max_rate_hz is not None:
        require_positive("max_rate_hz", max_rate_hz, "Hz")
    rates = firing_rates_hz(times_ms, indices, n, t_start, t_stop)
    top = rates.max() if max_rate_hz is None else max_rate_hz
    counts, edges = np.histogram(rates, bins=bins, range=(0.0, max(top, 1e-9)))
    return edges, counts / n


def spike_counts(times_ms, indices, neurons, t_start, t_stop, window_ms):
    """Spike counts of the given neurons in consecutive windows: array (len(neurons), n_windows)."""
    return _counts(times_ms, indices, neurons, t_start, t_stop, window_ms)


def _counts(times_ms, indices, neurons, t_start, t_stop, window_ms, window_name="window_ms", n=None):
    """spike_counts, checking its arguments; window_name: the name of window_ms in the caller (bin_ms)."""
    times_ms, indices = _spikes(times_ms, indices, n)
    neurons = require_indices("neurons", neurons)
    t_start, t_stop = require_window(t_start, t_stop)
    window_ms = float(require_positive(window_name, window_ms, "ms"))
    _n_bins(t_start, t_stop, window_ms, window_name)
    n_windows = int((t_stop - t_start) // window_ms)
    if n_windows < 1:
        raise ValueError(f"{window_name} = {window_ms:g} ms is longer than the interval t_stop - t_start = "
                         f"{t_stop - t_start:g} ms. Use a smaller {window_name}.")
    times_ms, indices = _in_window(times_ms, indices, t_start, t_start + n_windows * window_ms)
    row = np.full(max(indices.max(initial=-1), neurons.max(initial=-1)) + 1, -1)
    row[neurons] = np.arange(neurons.size)
    keep = row[indices] >= 0 if indices.size else np.zeros(0, bool)
    window = ((times_ms[keep] - t_start) // window_ms).astype(int)
    flat = np.bincount(row[indices[keep]] * n_windows + window, minlength=neurons.size * n_windows)
    return flat.reshape(neurons.size, n_windows)


def fano_factor(times_ms, indices, n, t_start, t_stop, window_ms=100.0):
    """Fano factor (variance / mean of spike counts in windows of window_ms) of each of n neurons; nan if silent."""
    n = _n(n)
    counts = _counts(times_ms, indices, np.arange(n), t_start, t_stop, window_ms, n=n)
    mean = counts.mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(mean > 0, counts.var(axis=1) / mean, np.nan)


def spike_count_correlations(times_ms, indices, neurons, t_start, t_stop, window_ms=50.0):
    """Pearson correlation of the spike counts (windows of window_ms) of every pair of the given neurons.

    Returns the coefficients of all pairs of neurons that fired (upper triangle, 1-d array).
    """
    counts = _counts(times_ms, indices, neurons, t_start, t_stop, window_ms).astype(float)
    counts = counts[counts.std(axis=1) > 0]
    if counts.shape[0] < 2:
        return np.zeros(0)
    coefficients = np.corrcoef(counts)
    return coefficients[np.triu_indices(coefficients.shape[0], k=1)]


def power_spectrum(signal, dt_ms, segment_ms=None):
    """Power spectral density of a sampled signal (mean removed; Welch) -> (frequency in Hz, power per Hz).

    segment_ms: length of the Welch segments (default: an eighth of the signal); a segment holds at least
    64 samples (or the whole signal if shorter) whatever segment_ms says.
    """
    from scipy.signal import welch
    signal = require_vector("signal", signal, min_size=2)
    dt_ms = float(require_positive("dt_ms", dt_ms, "ms"))
    if segment_ms is not None and float(require_positive("segment_ms", segment_ms, "ms")) < dt_ms:
        raise ValueError(f"segment_ms = {segment_ms:g} ms is shorter than one sample (dt_ms = {dt_ms:g} ms).")
    fs_hz = 1000.0 / dt_ms
    nperseg = signal.size // 8 if segment_ms is None else int(round(segment_ms / dt_ms))
    nperseg = int(min(max(nperseg, 64), signal.size))
    freq, power = welch(signal - signal.mean(), fs=fs_hz, nperseg=nperseg)
    return freq, power


def population_rate_spectrum(times_ms, n, t_start, t_stop, bin_ms=0.5, segment_ms=None):
    """Power spectrum of the population rate (Hz^2 / Hz) -> (frequency in Hz, power)."""
    if segment_ms is not None:
        require_positive("segment_ms", segment_ms, "ms")
    _, rate = population_rate_hz(times_ms, n, t_start, t_stop, bin_ms)
    return power_spectrum(rate, bin_ms, segment_ms)


def synchrony(times_ms, indices, n, t_start, t_stop, bin_ms=1.0):
    """Variance of the population spike count / sum of single-neuron count variances (bins of bin_ms).

    1 for independent neurons; grows with shared fluctuations up to n for identical spike trains
    (it equals n times the synchrony measure chi^2 of Golomb 2007, Scholarpedia, here on spike counts).
    nan when no neuron's count varies (e.g. no spikes).
    """
    n = _n(n)
    counts = _counts(times_ms, indices, np.arange(n), t_start, t_stop, bin_ms, "bin_ms", n=n)
    single = counts.var(axis=1).sum()
    return float(counts.sum(axis=0).var() / single) if single > 0 else np.nan


def adaptation_index(spike_times, skip=0):
    """Mean of (ISI_{i+1} - ISI_i) / (ISI_{i+1} + ISI_i) over consecutive ISIs (ms); nan with < 2 ISIs.

    Positive when intervals lengthen (adaptation), zero for a regular train, negative when they
    shorten. skip drops the first ISIs (Naud et al. 2008 leave out the initial transient).
    """
    skip = require_count("skip", skip, minimum=0)
    intervals = np.diff(np.sort(require_vector("spike_times", spike_times, "ms")))[skip:]
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
    s = np.sort(require_vector("spike_times", spike_times, "ms"))
    t_on, t_off = require_window(t_on, t_off, "t_on", "t_off")
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


# --- network states (Brunel 2000): one criterion for chapters 06 and 07 -----------------------

#: The criterion that names a network's state (CONVENTIONS.md section 12): silent below SILENT_HZ;
#: synchronous when chi > CHI_SYNCHRONOUS; regular when the CV of ISIs < CV_REGULAR; a synchronous
#: irregular state is "fast" when its population-rate spectrum peaks above FAST_HZ.
SILENT_HZ, CHI_SYNCHRONOUS, CV_REGULAR, FAST_HZ = 0.2, 0.2, 0.25, 60.0


def synchrony_chi(times_ms, indices, n, t_start, t_stop, bins_ms=(1.0, 5.0)):
    """Golomb's synchrony chi (0 independent, 1 identical neurons), the largest over the given bin widths (ms).

    nan if no neuron's spike count varies in any of these bins (e.g. no spikes).
    """
    n = _n(n)
    bins_ms = require_vector("bins_ms", bins_ms, "ms", min_size=1)
    require_positive("bins_ms", bins_ms, "ms")
    t_start, t_stop = require_window(t_start, t_stop)
    for b in bins_ms:
        _n_bins(t_start, t_stop, b, "bins_ms")
    values = [synchrony(times_ms, indices, n, t_start, t_stop, b) for b in bins_ms]
    values = [v for v in values if np.isfinite(v)]
    return float(np.sqrt(max(values) / n)) if values else np.nan


def network_state(times_ms, indices, n, t_start, t_stop, min_spikes=6):
    """Measure a network run in [t_start, t_stop) ms and name its state by the course's one criterion.

    Returns a dict: rate_hz (mean over all n neurons), cv (mean CV of ISIs over the neurons with at
    least min_spikes spikes in the window; nan if none), n_cv (how many neurons that is), chi (Golomb
    synchrony, 1 and 5 ms bins), peak_hz (largest peak of the population-rate spectrum above 5 Hz) and
    state: 'silent' (rate < SILENT_HZ), else 'AI' / 'AR' (asynchronous: chi <= CHI_SYNCHRONOUS;
    irregular / regular by CV_REGULAR), else 'SR' (regular) or 'SI fast' / 'SI slow' (FAST_HZ).

    Why min_spikes: the CV of a few ISIs is biased low. For a Poisson train with two ISIs its mean
    is 0.5, not 1; short windows at low rates therefore make irregular firing look regular.
    """
    n = _n(n)
    min_spikes = require_count("min_spikes", min_spikes)
    times_ms, indices = _spikes(times_ms, indices, n)
    t_start, t_stop = require_window(t_start, t_stop)
    if (t_stop - t_start) / 0.5 > MAX_STEPS:                           # the spectrum below uses 0.5 ms bins
        raise ValueError(f"the window t_stop - t_start = {t_stop - t_start:g} ms holds more than {MAX_STEPS:.0e} "
                         f"bins of 0.5 ms (the population-rate spectrum): give a shorter window (t_start, t_stop).")
    times_ms, indices = _in_window(times_ms, indices, t_start, t_stop)
    rate = times_ms.size / (n * (t_stop - t_start) / 1000.0)
    result = {"rate_hz": float(rate), "cv": np.nan, "n_cv": 0, "chi": np.nan, "peak_hz": np.nan}
    if rate < SILENT_HZ:
        return {**result, "state": "silent"}
    cv = cv_isi_per_neuron(times_ms, indices, n, min_spikes=min_spikes)
    measured = np.isfinite(cv)
    if measured.any():
        result.update(cv=float(cv[measured].mean()), n_cv=int(measured.sum()))
    result["chi"] = synchrony_chi(times_ms, indices, n, t_start, t_stop)
    freq, power = population_rate_spectrum(times_ms, n, t_start, t_stop, bin_ms=0.5,
                                           segment_ms=min(t_stop - t_start, 256.0))
    above = freq > 5.0
    result["peak_hz"] = float(freq[above][np.argmax(power[above])]) if above.any() else np.nan
    regular = bool(result["cv"] < CV_REGULAR)       # nan (nobody fired min_spikes times) counts as irregular
    if not result["chi"] > CHI_SYNCHRONOUS:
        state = "AR" if regular else "AI"
    elif regular:
        state = "SR"
    else:
        state = "SI fast" if result["peak_hz"] > FAST_HZ else "SI slow"
    return {**result, "state": state}


# --- step responses: how fast a signal follows a step of its input ----------------------------

def step_response(t_ms, signal, t_steps, window_ms, baseline_ms=10.0, final_ms=10.0, directions=None):
    """Average normalised response to input steps at t_steps (ms) -> (lag_ms, x, change); x = 0 before, 1 at the new level.

    t_ms: evenly spaced sample times of signal (ms; e.g. bin centres of a population rate). For each
    step the samples with t_step - baseline_ms <= t < t_step + window_ms are cut out (lag = t - t_step).
    'before' is the mean over the baseline_ms before the step, 'after' the mean over the last final_ms
    of the window. Steps up and down are averaged with the sign s_i of their direction (directions:
    +1 / -1 per step; default the sign of after - before):
    x(lag) = sum_i s_i (signal_i(lag) - before_i) / sum_i s_i (after_i - before_i).
    Summing numerator and denominator separately keeps one noisy step from blowing up a ratio.
    change: the mean of s_i (after_i - before_i), in the signal's units. The samples at lag < 0
    should scatter around 0: their standard deviation is the noise of x.
    """
    t_ms, signal = require_finite("t_ms", t_ms, "ms"), require_finite("signal", signal)
    t_steps = np.atleast_1d(require_finite("t_steps", t_steps, "ms"))
    if t_steps.ndim != 1 or t_steps.size == 0:
        raise ValueError(f"t_steps must be one or more step times in ms (got {t_steps.size} of shape {t_steps.shape}).")
    window_ms = require_number("window_ms", window_ms, "ms")
    baseline_ms, final_ms = require_number("baseline_ms", baseline_ms, "ms"), require_number("final_ms", final_ms, "ms")
    if t_ms.ndim != 1 or t_ms.size < 2 or signal.shape != t_ms.shape:
        raise ValueError(f"t_ms {t_ms.shape} and signal {signal.shape} must be 1-d arrays of the same length (>= 2).")
    dt = (t_ms[-1] - t_ms[0]) / (t_ms.size - 1)
    if dt <= 0 or np.max(np.abs(np.diff(t_ms) - dt)) > 1e-6 * dt:
        raise ValueError("t_ms must be increasing and evenly spaced (one sample every dt ms).")
    for name, value in (("window_ms", window_ms), ("baseline_ms", baseline_ms), ("final_ms", final_ms)):
        if not np.isfinite(value) or value < dt:
            raise ValueError(f"{name} must be at least one sample long ({dt:g} ms); got {value}.")
    if final_ms > window_ms:
        raise ValueError(f"final_ms ({final_ms} ms) must not exceed window_ms ({window_ms} ms).")
    n_pre, n_post, n_final = (int(round(v / dt)) for v in (baseline_ms, window_ms, final_ms))
    first = np.searchsorted(t_ms, t_steps - 1e-6 * dt)                 # first sample at or after each step
    offset = t_ms[np.minimum(first, t_ms.size - 1)] - t_steps
    if t_steps.size == 0 or np.any(first - n_pre < 0) or np.any(first + n_post > t_ms.size):
        raise ValueError(f"t_steps must leave baseline_ms before and window_ms after each step inside "
                         f"t_ms = [{t_ms[0]:g}, {t_ms[-1]:g}] ms.")
    if np.ptp(offset) > 1e-6 * dt:
        raise ValueError("t_steps must all sit at the same place relative to the samples (e.g. on bin edges).")
    segments = signal[(first - n_pre)[:, None] + np.arange(n_pre + n_post)]      # (steps, samples)
    before = segments[:, :n_pre].mean(axis=1)
    after = segments[:, -n_final:].mean(axis=1)
    signs = np.sign(after - before) if directions is None else np.atleast_1d(require_finite("directions", directions))
    if signs.shape != t_steps.shape or not np.all(np.isin(signs, (-1.0, 1.0))):
        raise ValueError(f"directions must hold +1 or -1 for each of the {t_steps.size} steps.")
    change = np.mean(signs * (after - before))
    if change == 0:
        raise ValueError("the signal does not change across the steps (after = before): nothing to normalise.")
    x = np.mean(signs[:, None] * (segments - before[:, None]), axis=0) / change
    lag = (np.arange(n_pre + n_post) - n_pre) * dt + offset[0]
    return lag, x, float(change)


def _crossing(lag, x, level):
    """First lag at which x reaches level, interpolated linearly between the samples around it; nan if never."""
    above = np.flatnonzero(x >= level)
    if above.size == 0:
        return np.nan
    i = above[0]
    if i == 0:
        return float(lag[0])
    return float(lag[i - 1] + (lag[i] - lag[i - 1]) * (level - x[i - 1]) / (x[i] - x[i - 1]))


def response_time(lag_ms, x, level=1 - np.exp(-1), band=0.1, fit_until_ms=None, monotone=True):
    """How fast a normalised step response x(lag) (0 before, 1 at the new level; lag in ms) gets there.

    Returns a dict, all times in ms after the step (lag >= 0 only):
    t_cross_ms: the first lag at which x reaches level (1 - 1/e = 63 % by default), interpolated
        linearly between the two samples around the crossing (nan if it never does). With
        monotone=True the crossing is taken on the best non-decreasing fit of x from the step to its
        peak (isotonic regression), which averages the noise instead of catching its first upward
        excursion: on a noisy slow rise the raw first crossing comes too early;
    tau_ms, delay_ms, fit_rms: least-squares fit of x = 1 - exp(-(lag - delay) / tau) after the delay
        (0 before it) over 0 <= lag <= fit_until_ms (default: all), and its rms residual, which is
        large when the response is not such an exponential (it overshoots, rings). For an exponential
        with a delay, t_cross = delay + tau;
    overshoot, t_peak_ms: the peak of x above 1 (a fraction of the step; 0 if x never exceeds 1) and its lag;
    settling_ms: the settling time, when x enters the band 1 +- band for the last time (interpolated
        between the last sample outside the band and the next); nan if x is outside at the end.
    Noise raises the peak and, without monotone, makes the first crossing early; a sample outside the
    band by noise alone delays the settling: average until the noise of x (the scatter of
    step_response's samples before the step) is well below band and 1 - level.
    """
    from scipy.optimize import curve_fit
    lag_ms, x = require_finite("lag_ms", lag_ms, "ms"), require_finite("x", x)
    level, band = require_number("level", level), require_number("band", band)
    if fit_until_ms is not None:
        require_number("fit_until_ms", fit_until_ms, "ms")
    if lag_ms.ndim != 1 or x.shape != lag_ms.shape:
        raise ValueError(f"lag_ms {lag_ms.shape} and x {x.shape} must be 1-d arrays of the same length.")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1 (got {level}).")
    if not 0.0 < band < 1.0:
        raise ValueError(f"band must lie strictly between 0 and 1 (got {band}).")
    after = lag_ms >= 0
    if np.count_nonzero(after) < 3 or not np.all(np.diff(lag_ms) > 0):
        raise ValueError("lag_ms must increase and hold at least three samples at lag >= 0.")
    lag, y = lag_ms[after], x[after]
    peak = int(np.argmax(y))
    if monotone:
        from scipy.optimize import isotonic_regression
        t_cross = _crossing(lag[:peak + 1], isotonic_regression(y[:peak + 1]).x, level)
    else:
        t_cross = _crossing(lag, y, level)
    fitted = lag <= (lag[-1] if fit_until_ms is None else fit_until_ms)

    def model(t, tau, delay):
        return np.where(t > delay, 1.0 - np.exp(-np.maximum(t - delay, 0.0) / tau), 0.0)

    guess = t_cross if np.isfinite(t_cross) and t_cross > 0 else lag[1]
    try:
        (tau, delay), _ = curve_fit(model, lag[fitted], y[fitted], p0=(guess, 0.0),
                                    bounds=([1e-6, lag[0] - (lag[1] - lag[0])], [np.inf, lag[-1]]))
        fit_rms = float(np.sqrt(np.mean((model(lag[fitted], tau, delay) - y[fitted]) ** 2)))
    except RuntimeError:                         # no convergence: report the fit as missing
        tau, delay, fit_rms = np.nan, np.nan, np.nan
    outside = np.flatnonzero(np.abs(y - 1.0) > band)
    if outside.size == 0:
        settling = float(lag[0])
    elif outside[-1] == y.size - 1:
        settling = np.nan
    else:
        i = outside[-1]
        edge = 1.0 + band * np.sign(y[i] - 1.0)           # the edge of the band it crosses
        settling = float(lag[i] + (lag[i + 1] - lag[i]) * (edge - y[i]) / (y[i + 1] - y[i]))
    return {"t_cross_ms": t_cross, "tau_ms": float(tau), "delay_ms": float(delay), "fit_rms": fit_rms,
            "overshoot": float(max(y[peak] - 1.0, 0.0)), "t_peak_ms": float(lag[peak]), "settling_ms": settling}
