"""Input currents sampled on the simulation grid: step, ramp, white noise, Ornstein-Uhlenbeck;
and spike sources (Poisson, regular) as counts per step, for the synapses of Part II.

Every function returns an array with one value per time step (shape (steps,) or (steps, n)),
which ``simulate(..., current=...)`` accepts directly. Currents in pA, times in ms.
"""
import numpy as np

from .simulation import n_steps_for
from .units import expected_count
from .validation import (require_count, require_finite, require_memory, require_non_negative, require_number,
                         require_positive, require_seed)


def time_grid(t_stop, dt):
    """Times (ms) at which the runner applies the input: 0, dt, ..., t_stop - dt (at least one step)."""
    return np.arange(n_steps_for(t_stop, dt)) * dt


def _check_times(t_stop, t_on, t_off):
    """t_on and t_off (ms) as numbers; t_off defaults to t_stop."""
    t_on = require_number("t_on", t_on, "ms")
    t_off = t_stop if t_off is None else require_number("t_off", t_off, "ms")
    return t_on, t_off


def _noise_shape(t_stop, dt, n, rng):
    """(steps, n) of a noise array after checking the grid, the count n, the seed and the memory it needs."""
    steps = n_steps_for(t_stop, dt)
    n = require_count("n", n)
    require_seed("rng", rng)
    require_memory(f"the input array ({steps} steps x n = {n})", float(steps) * n,
                   advice="Use fewer trains n, a shorter t_stop or a larger dt.")
    return steps, n


def step_current(t_stop, dt, amplitude, t_on=0.0, t_off=None, baseline=0.0):
    """Current (pA) equal to amplitude between t_on and t_off (ms), baseline elsewhere."""
    t = time_grid(t_stop, dt)
    t_on, t_off = _check_times(t_stop, t_on, t_off)
    require_finite("amplitude", amplitude, "pA")
    require_finite("baseline", baseline, "pA")
    if t_off < t_on:
        raise ValueError(f"t_off ({t_off} ms) is before t_on ({t_on} ms); swap them.")
    return np.where((t >= t_on) & (t < t_off), amplitude, baseline).astype(float)


def ramp_current(t_stop, dt, start, end, t_on=0.0, t_off=None):
    """Current (pA) rising linearly from start at t_on to end at t_off (ms), zero outside."""
    t = time_grid(t_stop, dt)
    t_on, t_off = _check_times(t_stop, t_on, t_off)
    start, end = require_number("start", start, "pA"), require_number("end", end, "pA")
    if t_off <= t_on:
        raise ValueError(f"t_off ({t_off} ms) must be after t_on ({t_on} ms).")
    ramp = start + (end - start) * (t - t_on) / (t_off - t_on)
    return np.where((t >= t_on) & (t < t_off), ramp, 0.0)


def white_noise_current(t_stop, dt, mean, sigma, n=1, rng=None):
    """Gaussian white-noise current (pA): independent per step, std sigma / sqrt(dt/ms) -> shape (steps, n).

    sigma is the noise density in pA * sqrt(ms); the step-to-step std grows as dt shrinks, so
    the membrane response does not depend on dt.
    """
    require_non_negative("sigma", sigma, "pA sqrt(ms)")
    require_finite("mean", mean, "pA")
    steps, n = _noise_shape(t_stop, dt, n, rng)
    rng = np.random.default_rng(rng)
    return mean + sigma / np.sqrt(dt) * rng.standard_normal((steps, n))


def ou_current(t_stop, dt, mean, sigma, tau, n=1, rng=None):
    """Ornstein-Uhlenbeck current (pA): mean, stationary std sigma (pA), correlation time tau (ms).

    Updated exactly: I <- mean + (I - mean) e^(-dt/tau) + sigma sqrt(1 - e^(-2 dt/tau)) xi.
    Starts in its stationary distribution. Shape (steps, n).
    """
    require_positive("tau", tau, "ms")
    require_non_negative("sigma", sigma, "pA")
    require_finite("mean", mean, "pA")
    steps, n = _noise_shape(t_stop, dt, n, rng)
    rng = np.random.default_rng(rng)
    decay = np.exp(-dt / tau)
    kick = sigma * np.sqrt(1.0 - decay ** 2)
    noise = rng.standard_normal((steps, n))
    out = np.empty((steps, n))
    value = mean + sigma * rng.standard_normal(n)
    for k in range(steps):
        out[k] = value
        value = mean + (value - mean) * decay + kick * noise[k]
    return out


# --- spike sources (Part II): counts per step, to drive course_lib.synapses -------------------

def poisson_counts(rate_hz, n, t_stop, dt, rng=None):
    """Spike counts per step of n independent Poisson trains of rate rate_hz (Hz; number or (n,)) -> (steps, n).

    Each step holds Poisson(rate * dt) spikes, so a count may exceed 1 at high rates. The sum of
    K independent Poisson trains of rate nu is one Poisson train of rate K nu: draw that sum
    directly (rate_hz = K * nu) to bombard a neuron with K inputs at the cost of one.
    """
    rates = require_non_negative("rate_hz", rate_hz, "Hz")
    steps, n = _noise_shape(t_stop, dt, n, rng)
    if rates.ndim > 1 or (rates.ndim == 1 and rates.shape[0] != n):
        raise ValueError(f"rate_hz has shape {rates.shape}; give a number or one rate per train, shape ({n},).")
    rng = np.random.default_rng(rng)
    return rng.poisson(np.broadcast_to(expected_count(rates, dt), (n,)), size=(steps, n))


def poisson_spikes(rate_hz, n, t_stop, dt, rng=None):
    """Spike times (ms, on the step grid: a spike in step k at k*dt) and train indices of n Poisson trains."""
    counts = poisson_counts(rate_hz, n, t_stop, dt, rng)
    steps, indices = np.nonzero(counts)
    repeat = counts[steps, indices]
    return np.repeat(steps * dt, repeat), np.repeat(indices, repeat)


def counts_from_spikes(times_ms, indices, n, t_stop, dt):
    """Per-step counts (steps, n) of spike times (ms) and train indices: each spike counts in the step containing it."""
    times_ms, raw_indices = require_finite("times_ms", times_ms, "ms"), require_finite("indices", indices)
    steps, n = _noise_shape(t_stop, dt, n, None)
    if times_ms.shape != raw_indices.shape:
        raise ValueError(f"times_ms {times_ms.shape} and indices {raw_indices.shape} must have the same shape.")
    if np.any(raw_indices != np.round(raw_indices)) or np.any(raw_indices < 0) or np.any(raw_indices >= n):
        raise ValueError(f"indices must be whole numbers 0..{n - 1} (one train index per spike).")
    indices = raw_indices.astype(int)
    k = np.floor(times_ms / dt + 1e-6).astype(int)
    keep = (k >= 0) & (k < steps)
    counts = np.zeros((steps, n), dtype=int)
    np.add.at(counts, (k[keep], indices[keep]), 1)
    return counts


def regular_spike_counts(rate_hz, n, t_stop, dt, t_first=0.0):
    """Per-step counts (steps, n) of regular trains: spikes at t_first + m / rate (rate_hz a number or (n,))."""
    rates = require_positive("rate_hz", rate_hz, "Hz")
    steps, n = _noise_shape(t_stop, dt, n, None)
    t_first = require_number("t_first", t_first, "ms")
    if rates.ndim > 1 or (rates.ndim == 1 and rates.shape[0] != n):
        raise ValueError(f"rate_hz has shape {rates.shape}; give a number or one rate per train, shape ({n},).")
    rates = np.broadcast_to(rates, (n,))
    expected_spikes = float(np.sum(rates)) * 1e-3 * max(t_stop - t_first, 0.0) + n
    require_memory(f"the spike times of rate_hz = {rate_hz!r:.30} over t_stop = {t_stop} ms", expected_spikes,
                   advice="Use a lower rate_hz, fewer trains n or a shorter t_stop.")
    times, ids = [], []
    for i, rate in enumerate(rates):
        train = np.arange(t_first, t_stop, 1000.0 / rate)
        times.append(np.round(train / dt) * dt)
        ids.append(np.full(train.size, i))
    return counts_from_spikes(np.concatenate(times), np.concatenate(ids), n, t_stop, dt)
