"""Input currents sampled on the simulation grid: step, ramp, white noise, Ornstein-Uhlenbeck.

Every function returns an array with one value per time step (shape (steps,) or (steps, n)),
which ``simulate(..., current=...)`` accepts directly. Currents in pA, times in ms.
"""
import numpy as np

from .simulation import n_steps_for
from .validation import require_non_negative, require_positive


def time_grid(t_stop, dt):
    """Times (ms) at which the runner applies the input: 0, dt, ..., t_stop - dt."""
    require_positive("t_stop", t_stop, "ms")
    require_positive("dt", dt, "ms")
    return np.arange(n_steps_for(t_stop, dt)) * dt


def step_current(t_stop, dt, amplitude, t_on=0.0, t_off=None, baseline=0.0):
    """Current (pA) equal to amplitude between t_on and t_off (ms), baseline elsewhere."""
    t = time_grid(t_stop, dt)
    t_off = t_stop if t_off is None else t_off
    if t_off < t_on:
        raise ValueError(f"t_off ({t_off} ms) is before t_on ({t_on} ms); swap them.")
    return np.where((t >= t_on) & (t < t_off), amplitude, baseline).astype(float)


def ramp_current(t_stop, dt, start, end, t_on=0.0, t_off=None):
    """Current (pA) rising linearly from start at t_on to end at t_off (ms), zero outside."""
    t = time_grid(t_stop, dt)
    t_off = t_stop if t_off is None else t_off
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
    rng = np.random.default_rng(rng)
    steps = n_steps_for(t_stop, dt)
    return mean + sigma / np.sqrt(dt) * rng.standard_normal((steps, n))


def ou_current(t_stop, dt, mean, sigma, tau, n=1, rng=None):
    """Ornstein-Uhlenbeck current (pA): mean, stationary std sigma (pA), correlation time tau (ms).

    Updated exactly: I <- mean + (I - mean) e^(-dt/tau) + sigma sqrt(1 - e^(-2 dt/tau)) xi.
    Starts in its stationary distribution. Shape (steps, n).
    """
    require_positive("tau", tau, "ms")
    require_non_negative("sigma", sigma, "pA")
    rng = np.random.default_rng(rng)
    steps = n_steps_for(t_stop, dt)
    decay = np.exp(-dt / tau)
    kick = sigma * np.sqrt(1.0 - decay ** 2)
    noise = rng.standard_normal((steps, n))
    out = np.empty((steps, n))
    value = mean + sigma * rng.standard_normal(n)
    for k in range(steps):
        out[k] = value
        value = mean + (value - mean) * decay + kick * noise[k]
    return out
