"""The generic runner: step any neuron model under an input current and record what is asked.

    result = simulate(LIF(), current=300.0, t_stop=200.0, dt=0.1)
    result.t, result.v, result.spike_times, result.spike_indices

``current`` (pA, or uA/cm^2 for Hodgkin-Huxley) may be
  * a number                      -- the same constant input to every neuron
  * an array of shape (n,)        -- one constant input per neuron
  * an array of shape (steps,)    -- a time series shared by all neurons, one value per step
  * an array of shape (steps, n)  -- a time series per neuron
  * a function f(t_ms)            -- returning a number or an (n,) array at time t_ms
"""
from dataclasses import dataclass, field

import numpy as np

from .progress import progress_range


@dataclass
class SimResult:
    """What a run recorded: t (ms, shape (steps,)), traces[name] (shape (steps, n_rec)), spikes."""

    t: np.ndarray
    traces: dict
    spike_times: np.ndarray      # ms, one entry per spike
    spike_indices: np.ndarray    # which neuron fired that spike
    n: int
    dt: float
    t_stop: float
    recorded: np.ndarray = field(default=None)   # indices of the neurons whose traces were kept

    def __getattr__(self, name):
        traces = self.__dict__.get("traces", {})
        if name in traces:
            return traces[name]
        raise AttributeError(f"no attribute or recorded trace '{name}'; recorded: {sorted(traces)}")

    def spike_trains(self):
        """List of n arrays: the spike times (ms) of each neuron."""
        order = np.argsort(self.spike_indices, kind="stable")
        bounds = np.searchsorted(self.spike_indices[order], np.arange(self.n + 1))
        times = self.spike_times[order]
        return [times[bounds[i]:bounds[i + 1]] for i in range(self.n)]

    def spike_counts(self):
        """Number of spikes of each neuron, shape (n,)."""
        return np.bincount(self.spike_indices, minlength=self.n)


def n_steps_for(t_stop, dt):
    """Number of steps of length dt (ms) that cover t_stop (ms)."""
    return int(round(t_stop / dt))


def check_dt(model, dt):
    """Raise ValueError if dt (ms) is not positive or too large for the model."""
    if not np.isscalar(dt) or not np.isfinite(dt) or dt <= 0:
        raise ValueError(f"dt must be a positive number of ms (got {dt!r}).")
    if dt > model.max_dt + 1e-12:
        raise ValueError(f"dt = {dt} ms is too large for {type(model).__name__}: the largest accurate step "
                         f"is {model.max_dt:.3g} ms. Use dt <= {model.max_dt:.3g} ms.")


def current_function(current, n, n_steps, dt):
    """Turn any accepted form of input current into a function of the step index -> (n,) array."""
    if callable(current):
        def at_step(k):
            return np.broadcast_to(np.asarray(current(k * dt), dtype=float), (n,))
        return at_step
    arr = np.asarray(current, dtype=float)
    if arr.ndim == 0:
        const = np.full(n, float(arr))
        return lambda k: const
    if arr.ndim == 1 and arr.shape[0] == n and n != n_steps:
        return lambda k: arr
    if arr.ndim == 1 and arr.shape[0] == n_steps:
        return lambda k: np.full(n, arr[k])
    if arr.ndim == 2 and arr.shape == (n_steps, n):
        return lambda k: arr[k]
    raise ValueError(f"current has shape {arr.shape}; expected a number, ({n},) for one value per neuron, "
                     f"({n_steps},) for a time series of {n_steps} steps, or ({n_steps}, {n}).")


def infer_n(model, current, n, n_steps):
    """Number of neurons: given, or implied by per-neuron parameters or a per-neuron current."""
    if n is not None:
        if int(n) < 1:
            raise ValueError(f"n must be at least 1 (got {n}).")
        return int(n)
    n_model = model.n_params
    arr = None if callable(current) else np.asarray(current)
    if arr is not None and arr.ndim == 2:
        return arr.shape[1]
    if arr is not None and arr.ndim == 1 and arr.shape[0] != n_steps:
        return arr.shape[0]
    return n_model


def simulate(model, current=0.0, t_stop=100.0, dt=0.1, n=None, record=("v",), record_neurons=None,
             state=None, progress=None):
    """Run model for t_stop ms with step dt ms under current (pA); returns a SimResult.

    record: names of state variables to keep at every step (e.g. ("v", "w") or ("v", "m", "h", "n")).
    record_neurons: indices of the neurons whose traces are kept (default: all).
    state: a state dict to start from (default: model.initial_state(n)); it is advanced in place.
    """
    check_dt(model, dt)
    if not np.isfinite(t_stop) or t_stop <= 0:
        raise ValueError(f"t_stop must be a positive duration in ms (got {t_stop}).")
    n_steps = n_steps_for(t_stop, dt)
    if n is None and state is not None:   # a given state fixes the number of neurons
        n = np.shape(next(iter(state.values())))[0]
    n = infer_n(model, current, n, n_steps)
    if model.n_params not in (1, n):
        raise ValueError(f"the model has per-neuron parameters for {model.n_params} neurons but the run has {n}.")
    input_at = current_function(current, n, n_steps, dt)
    state = model.initial_state(n) if state is None else state
    unknown = [name for name in record if name not in state]
    if unknown:
        raise ValueError(f"cannot record {unknown}: {type(model).__name__} has state {sorted(state)}.")
    keep = np.arange(n) if record_neurons is None else np.atleast_1d(np.asarray(record_neurons, dtype=int))
    traces = {name: np.empty((n_steps, keep.size)) for name in record}
    spike_steps, spike_ids = [], []
    for k in progress_range(n_steps, progress, work=n_steps * n):
        spiked = model.step(state, input_at(k), dt)
        for name in record:
            traces[name][k] = state[name][keep]
        if spiked.any():
            ids = np.flatnonzero(spiked)
            spike_steps.append(np.full(ids.size, k))
            spike_ids.append(ids)
    steps = np.concatenate(spike_steps) if spike_steps else np.zeros(0, dtype=int)
    ids = np.concatenate(spike_ids) if spike_ids else np.zeros(0, dtype=int)
    t = (np.arange(n_steps) + 1) * dt
    return SimResult(t=t, traces=traces, spike_times=(steps + 1) * dt, spike_indices=ids,
                     n=n, dt=dt, t_stop=n_steps * dt, recorded=keep)
