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
from .validation import (MAX_NEURONS, require_count, require_finite, require_memory, require_model, require_number,
                         require_steps)


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
    """Number of steps of length dt (ms) that cover t_stop (ms): at least one, at most validation.MAX_STEPS."""
    return require_steps(t_stop, dt)


def check_dt(model, dt):
    """Raise ValueError if dt (ms) is not positive or too large for the model."""
    require_model("model", model, needs=("max_dt",))
    dt = require_number("dt", dt, "ms")
    if dt <= 0:
        raise ValueError(f"dt must be a positive number of ms (got {dt!r}).")
    if dt > model.max_dt + 1e-12:
        raise ValueError(f"dt = {dt} ms is too large for {type(model).__name__}: the largest accurate step "
                         f"is {model.max_dt:.3g} ms. Use dt <= {model.max_dt:.3g} ms.")


def current_function(current, n, n_steps, dt, name="current"):
    """Turn any accepted form of input current into a function of the step index -> (n,) array.

    name: the argument's name in error messages (current, i_ext, arrivals, v_clamp).
    """
    if callable(current):
        def at_step(k):
            value = require_finite(name, current(k * dt))   # the function's value at t = k dt
            if value.shape not in ((), (n,)):
                raise ValueError(f"the {name} function returned shape {value.shape} at t = {k * dt:g} ms; "
                                 f"return a number or an array of shape ({n},).")
            return np.broadcast_to(value, (n,))
        return at_step
    arr = require_finite(name, current)
    if arr.ndim == 0:
        const = np.full(n, float(arr))
        return lambda k: const
    if arr.ndim == 1 and arr.shape[0] == n and n != n_steps:
        return lambda k: arr
    if arr.ndim == 1 and arr.shape[0] == n_steps:
        return lambda k: np.full(n, arr[k])
    if arr.ndim == 2 and arr.shape == (n_steps, n):
        return lambda k: arr[k]
    raise ValueError(f"{name} has shape {arr.shape}; expected a number, ({n},) for one value per neuron, "
                     f"({n_steps},) for a time series of {n_steps} steps, or ({n_steps}, {n}).")


def infer_n(model, current, n, n_steps):
    """Number of neurons: given, or implied by per-neuron parameters or a per-neuron current."""
    if n is not None:
        return require_count("n", n, maximum=MAX_NEURONS)
    n_model = model.n_params
    arr = None if callable(current) else np.asarray(current)
    if arr is not None and arr.ndim == 2:
        return arr.shape[1]
    if arr is not None and arr.ndim == 1 and arr.shape[0] != n_steps:
        return arr.shape[0]
    return n_model


def check_state(state):
    """Raise unless state is a dict of finite arrays of one common shape (n,); returns its first array."""
    if not isinstance(state, dict) or not state:
        raise ValueError(f"state must be a dict of state arrays such as model.initial_state(n) (got {state!r:.60}).")
    shapes = {name: np.shape(value) for name, value in state.items()}
    for name, value in state.items():
        require_finite(f"state[{name!r}]", value)
        if np.ndim(value) != 1 or np.shape(value) != next(iter(shapes.values())):
            raise ValueError(f"state arrays must all have one shape (n,); got {shapes}.")
    return next(iter(state.values()))


def check_record(record):
    """The names to record as a tuple: a single name may be given as a string."""
    record = (record,) if isinstance(record, str) else record
    if not isinstance(record, (tuple, list)) or not all(isinstance(name, str) for name in record):
        raise ValueError(f"record must be a tuple of state names such as ('v',) (got {record!r:.60}).")
    return tuple(record)


def check_record_neurons(record_neurons, n):
    """Indices of the neurons to record, each a whole number 0..n-1."""
    raw = np.atleast_1d(require_finite("record_neurons", record_neurons))
    if raw.ndim != 1 or raw.size == 0 or np.any(raw != np.round(raw)) or np.any(raw < 0) or np.any(raw >= n):
        raise ValueError(f"record_neurons must be a non-empty list of neuron indices 0..{n - 1} "
                         f"(got {record_neurons!r:.60}).")
    return raw.astype(int)


def simulate(model, current=0.0, t_stop=100.0, dt=0.1, n=None, record=("v",), record_neurons=None,
             state=None, progress=None):
    """Run model for t_stop ms with step dt ms under current (pA); returns a SimResult.

    record: names of state variables to keep at every step (e.g. ("v", "w") or ("v", "m", "h", "n")).
    record_neurons: indices of the neurons whose traces are kept (default: all).
    state: a state dict to start from (default: model.initial_state(n)); it is advanced in place.
    """
    require_model("model", model, needs=("initial_state", "step", "max_dt", "n_params"))
    check_dt(model, dt)
    n_steps = n_steps_for(t_stop, dt)
    if n is None and state is not None:   # a given state fixes the number of neurons
        n = np.shape(check_state(state))[0]
    n = infer_n(model, current, n, n_steps)
    if model.n_params not in (1, n):
        raise ValueError(f"the model has per-neuron parameters for {model.n_params} neurons but the run has {n}.")
    input_at = current_function(current, n, n_steps, dt)
    state = model.initial_state(n) if state is None else state
    n_state = np.shape(check_state(state))[0]
    if n_state != n:
        raise ValueError(f"state holds {n_state} neurons but the run has {n}.")
    record = check_record(record)
    unknown = [name for name in record if name not in state]
    if unknown:
        raise ValueError(f"cannot record {unknown}: {type(model).__name__} has state {sorted(state)}.")
    keep = np.arange(n) if record_neurons is None else check_record_neurons(record_neurons, n)
    require_memory("the recorded traces", float(n_steps) * keep.size * len(record))
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
