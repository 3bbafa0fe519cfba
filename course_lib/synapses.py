"""Synapses: how a presynaptic spike becomes a postsynaptic current.

Three kernels, each scaled to a peak of 1, so that a weight is the peak of the response
(the peak current in pA for a current-based synapse, the peak conductance in nS for a
conductance-based one); Dayan & Abbott (2001), section 5.8:

    exponential     k(t) = exp(-t / tau_decay)
    alpha           k(t) = (t / tau) exp(1 - t / tau)                       peak at t = tau
    biexponential   k(t) = (exp(-t / tau_decay) - exp(-t / tau_rise)) / k_peak

A synapse model is a frozen dataclass, like the neurons of Part I, vectorized over synapses
(one entry per postsynaptic neuron or per synapse, state arrays of shape (n,)):

* ``initial_state(n)``               -> dict of state arrays
* ``step(state, arrivals, dt)``      -> advances dt ms; returns the mean value over the step
* ``value(state)``                   -> the summed kernels now (the trace you plot)
* ``max_dt``                         -> the largest accepted step (ms)

``arrivals`` counts the spikes that arrive at the start of the step (shape (n,)). The value
returned by ``step`` is the exact mean of the kernels over the step (``exponential_step_mean``):
what the neuron feels during it, so that the charge of every PSC is exact. The network engine
(course_lib.network) uses the same factor for its exponential synapses.
Coupling to a neuron (``step(state, i_ext, dt)`` of course_lib.neurons):

    current-based        i = weight * value                        (weight in pA)
    conductance-based    i = weight * value * block(v) * (e_rev - v)   (weight in nS)

``simulate_synapses`` runs any Part I neuron (or a voltage clamp) driven by ``SynapticInput``
pathways and returns the same ``SimResult`` as ``course_lib.simulation.simulate``.
Units: ms, mV, pA, nS.
"""
from dataclasses import dataclass

import numpy as np

from .progress import progress_range
from .simulation import SimResult, check_dt, check_record, check_state, current_function, n_steps_for
from .validation import (MAX_NEURONS, InputTypeError, common_size, require_above, require_count, require_finite,
                         require_memory, require_model, require_positive)

__all__ = ["exponential_kernel", "alpha_kernel", "biexponential_kernel", "ExponentialSynapse",
           "AlphaSynapse", "BiexponentialSynapse", "SynapticInput", "synaptic_current", "simulate_synapses"]


# --- kernels as functions of time (t_ms may be any array; zero before the spike) -------------

def exponential_step_mean(tau, dt):
    """Mean of exp(-t/tau) over one step [0, dt] (tau, dt in ms): tau/dt (1 - exp(-dt/tau)), between 0 and 1."""
    return tau / dt * (1.0 - np.exp(-dt / tau))


def exponential_kernel(t_ms, tau_decay):
    """Exponential kernel exp(-t/tau_decay) for t >= 0, zero before; peak 1 at t = 0."""
    require_positive("tau_decay", tau_decay, "ms")
    t = require_finite("t_ms", t_ms, "ms")
    return np.where(t >= 0, np.exp(-np.maximum(t, 0.0) / tau_decay), 0.0)


def alpha_kernel(t_ms, tau):
    """Alpha kernel (t/tau) exp(1 - t/tau) for t >= 0, zero before; peak 1 at t = tau (ms)."""
    require_positive("tau", tau, "ms")
    t = np.maximum(require_finite("t_ms", t_ms, "ms"), 0.0)
    return (t / tau) * np.exp(1.0 - t / tau)


def biexponential_peak_time(tau_rise, tau_decay):
    """Time (ms) at which exp(-t/tau_decay) - exp(-t/tau_rise) peaks."""
    _check_rise_decay(tau_rise, tau_decay)
    return tau_rise * tau_decay / (tau_decay - tau_rise) * np.log(tau_decay / tau_rise)


def biexponential_kernel(t_ms, tau_rise, tau_decay):
    """Difference of exponentials (exp(-t/tau_decay) - exp(-t/tau_rise)), scaled to a peak of 1."""
    _check_rise_decay(tau_rise, tau_decay)
    t = np.maximum(require_finite("t_ms", t_ms, "ms"), 0.0)
    return (np.exp(-t / tau_decay) - np.exp(-t / tau_rise)) / _biexp_peak_value(tau_rise, tau_decay)


def _biexp_peak_value(tau_rise, tau_decay):
    """Peak of the unscaled difference of exponentials."""
    t_peak = biexponential_peak_time(tau_rise, tau_decay)
    return np.exp(-t_peak / tau_decay) - np.exp(-t_peak / tau_rise)


def _check_rise_decay(tau_rise, tau_decay):
    require_positive("tau_rise", tau_rise, "ms")
    require_positive("tau_decay", tau_decay, "ms")
    require_above("tau_decay", tau_decay, "tau_rise", tau_rise, unit="ms")


# --- synapse models: event-driven, exact between arrivals -------------------------------------

@dataclass(frozen=True, eq=False)
class ExponentialSynapse:
    """Exponential synapse: s jumps by 1 per arriving spike and decays with tau_decay (ms).

    Default 5 ms: the decay of the fast GABA_A current in Wang (2002), and the order of the
    AMPA and GABA_A decay times in cortex (2-10 ms; Destexhe, Mainen & Sejnowski 1998).
    """

    tau_decay: float = 5.0   # ms

    def __post_init__(self):
        require_positive("tau_decay", self.tau_decay, "ms")
        common_size(**vars(self))

    @property
    def max_dt(self):
        """Largest accepted step (ms): half the decay time (the neuron then sees the PSC's shape in >= 2 steps)."""
        return float(np.min(self.tau_decay)) / 2.0

    def initial_state(self, n):
        """No recent spikes: s = 0."""
        return {"s": np.zeros(require_count("n", n, maximum=MAX_NEURONS))}

    def value(self, state):
        """Summed kernels now (dimensionless; times a weight gives pA or nS)."""
        return state["s"]

    def step(self, state, arrivals, dt):
        """Add the spikes arriving now, decay exactly over dt ms; returns the exact mean value over the step."""
        start = state["s"] + arrivals
        state["s"] = start * np.exp(-dt / self.tau_decay)
        return start * exponential_step_mean(self.tau_decay, dt)


@dataclass(frozen=True, eq=False)
class AlphaSynapse:
    """Alpha synapse, kernel (t/tau) exp(1 - t/tau): rises and peaks at t = tau (ms), then decays.

    Two variables, exact between spikes: y jumps by e/tau per spike and decays; s integrates y:
    dy/dt = -y/tau, ds/dt = -s/tau + y. Default tau = 2 ms (a fast AMPA-like time to peak;
    Dayan & Abbott 2001, section 5.8).
    """

    tau: float = 2.0   # ms

    def __post_init__(self):
        require_positive("tau", self.tau, "ms")
        common_size(**vars(self))

    @property
    def max_dt(self):
        """Largest accepted step (ms): a fifth of tau, so the rise is resolved."""
        return float(np.min(self.tau)) / 5.0

    def initial_state(self, n):
        """No recent spikes."""
        n = require_count("n", n, maximum=MAX_NEURONS)
        return {"y": np.zeros(n), "s": np.zeros(n)}

    def value(self, state):
        """Summed kernels now (dimensionless)."""
        return state["s"]

    def step(self, state, arrivals, dt):
        """Add the spikes arriving now, advance exactly by dt ms; returns the exact mean value over the step."""
        y = state["y"] + arrivals * np.e / self.tau
        start = state["s"]
        decay = np.exp(-dt / self.tau)
        state["s"] = (start + y * dt) * decay
        state["y"] = y * decay
        # in the step s(t) = (start + y t) exp(-t/tau); the mean of t exp(-t/tau) over [0, dt] is ramp
        ramp = self.tau * (self.tau * (1.0 - decay) - dt * decay) / dt
        return start * exponential_step_mean(self.tau, dt) + y * ramp


@dataclass(frozen=True, eq=False)
class BiexponentialSynapse:
    """Difference-of-exponentials synapse with rise tau_rise and decay tau_decay (ms), peak 1 per spike.

    Two exponentials a (decay) and b (rise) jump together; the value is a - b. Defaults:
    rise 0.5 ms, decay 5 ms, the AMPA/GABA_A-like time course used in the COBA benchmark
    family (Brette et al. 2007) and in Dayan & Abbott (2001), section 5.8.
    """

    tau_rise: float = 0.5    # ms
    tau_decay: float = 5.0   # ms

    def __post_init__(self):
        _check_rise_decay(self.tau_rise, self.tau_decay)
        common_size(**vars(self))

    @property
    def max_dt(self):
        """Largest accepted step (ms): the rise time (each exponential is updated exactly)."""
        return float(np.min(self.tau_rise))

    @property
    def jump(self):
        """Jump of a and b per spike, so that the kernel peaks at 1."""
        return 1.0 / _biexp_peak_value(self.tau_rise, self.tau_decay)

    def initial_state(self, n):
        """No recent spikes."""
        n = require_count("n", n, maximum=MAX_NEURONS)
        return {"a": np.zeros(n), "b": np.zeros(n)}

    def value(self, state):
        """Summed kernels now (dimensionless)."""
        return state["a"] - state["b"]

    def step(self, state, arrivals, dt):
        """Add the spikes arriving now, advance exactly by dt ms; returns the exact mean value over the step."""
        state["a"] = state["a"] + arrivals * self.jump
        state["b"] = state["b"] + arrivals * self.jump
        mean = (state["a"] * exponential_step_mean(self.tau_decay, dt)
                - state["b"] * exponential_step_mean(self.tau_rise, dt))
        state["a"] = state["a"] * np.exp(-dt / self.tau_decay)
        state["b"] = state["b"] * np.exp(-dt / self.tau_rise)
        return mean


# --- coupling a synapse to a neuron -------------------------------------------------------------

def synaptic_current(value, v, weight=1.0, e_rev=None, block=1.0):
    """Current into the neuron (pA): weight*value (current-based, e_rev None) or weight*value*block*(e_rev - v)."""
    require_finite("value", value)
    require_finite("weight", weight, "pA or nS")
    if e_rev is not None:
        require_finite("v", v, "mV")
        require_finite("e_rev", e_rev, "mV")
        require_finite("block", block)
    return _coupled_current(value, v, weight, e_rev, block)


def _coupled_current(value, v, weight, e_rev, block):
    """synaptic_current without the argument checks (the inner loop of simulate_synapses)."""
    if e_rev is None:
        return weight * value
    return weight * value * block * (e_rev - v)


@dataclass(frozen=True, eq=False)
class SynapticInput:
    """One input pathway into a population: which synapse, which spikes, how strong, how coupled.

    arrivals: spike counts arriving in each step, in any form ``simulate`` accepts for a current
      (number, (n,), (steps,), (steps, n) or a function of t_ms).
    weight:   pA per unit of the synapse value (current-based) or nS per unit (conductance-based);
      a number or one value per neuron.
    e_rev:    reversal potential (mV) for conductance-based coupling. None means: the synapse's own
      e_rev if it has one (the receptors of course_lib.receptors), otherwise current-based.
    name:     the name under which the synapse value is recorded.
    """

    synapse: object
    arrivals: object
    weight: object = 1.0
    e_rev: object = None
    name: str = "s"

    def __post_init__(self):
        require_model("synapse", self.synapse, needs=("initial_state", "step", "max_dt", "value"))
        if not callable(self.arrivals):
            arrivals = require_finite("arrivals", self.arrivals)
            if np.any(arrivals < 0):
                raise ValueError("arrivals are spike counts per step: give numbers >= 0.")
        require_finite("weight", self.weight, "pA or nS")
        if self.e_rev is not None:
            require_finite("e_rev", self.e_rev, "mV")
        if not isinstance(self.name, str) or not self.name:
            raise InputTypeError(f"name must be a non-empty string (got {self.name!r:.60}).")

    @property
    def reversal(self):
        """Reversal potential used (mV), or None for a current-based input."""
        return self.e_rev if self.e_rev is not None else getattr(self.synapse, "e_rev", None)

    def current(self, value, v):
        """Current into the neuron (pA) for synapse value `value` at membrane potential v (mV).

        Called in every step: weight and e_rev were checked when the input was made, value and v come
        from the simulation, so nothing is re-checked here (synaptic_current is the checked form).
        """
        block = self.synapse.block(v) if hasattr(self.synapse, "block") else 1.0
        return _coupled_current(value, v, self.weight, self.reversal, block)


def _infer_n(neuron, inputs, v_clamp, n, n_steps):
    """Number of neurons: given, or implied by parameters, per-neuron inputs or holding potentials."""
    if n is not None:
        return require_count("n", n, maximum=MAX_NEURONS)
    sizes = {1}
    if neuron is not None:
        sizes.add(neuron.n_params)
    for arr in [v_clamp] + [inp.arrivals for inp in inputs] + [inp.weight for inp in inputs]:
        if arr is None or callable(arr):
            continue
        arr = np.asarray(arr)
        if arr.ndim == 2:
            sizes.add(arr.shape[1])
        elif arr.ndim == 1 and arr.shape[0] != n_steps:
            sizes.add(arr.shape[0])
    sizes.discard(1)
    if len(sizes) > 1:
        raise ValueError(f"inputs imply different numbers of neurons {sorted(sizes)}; pass n= or make them agree.")
    return sizes.pop() if sizes else 1


def simulate_synapses(neuron, inputs, t_stop=100.0, dt=0.1, n=None, i_ext=0.0, v_clamp=None,
                      record=("v",), state=None, progress=None):
    """Run a neuron (or a voltage clamp) driven by SynapticInput pathways; returns a SimResult.

    neuron:  any Part I model (LIF, EIF, AdEx, ...); may be None when v_clamp is given.
    inputs:  a list of SynapticInput.
    i_ext:   extra injected current (pA), in any form ``simulate`` accepts.
    v_clamp: holding potential(s) in mV (number, (n,), (steps,), (steps, n) or f(t_ms)): the
             membrane is held there and no neuron is stepped (a voltage-clamp experiment).
    record:  names to keep at every step: "v", "i_syn" (total synaptic current into the neuron,
             pA, mean over the step), any input's name (its synapse value after the step) and
             any state variable of the neuron.
    state:   a neuron state dict to start from (default: neuron.initial_state(n)), advanced in place.
    """
    if isinstance(inputs, SynapticInput):
        inputs = [inputs]
    if isinstance(inputs, (str, bytes)) or not hasattr(inputs, "__iter__"):
        raise InputTypeError(f"inputs must be a list of SynapticInput (got {inputs!r:.60}).")
    inputs = list(inputs)
    for inp in inputs:
        if not isinstance(inp, SynapticInput):
            raise InputTypeError(f"inputs must be a list of SynapticInput (got an item {inp!r:.60}).")
    if neuron is None and v_clamp is None:
        raise ValueError("give a neuron, or a holding potential v_clamp for a voltage-clamp run.")
    if v_clamp is None:
        require_model("neuron", neuron, needs=("initial_state", "step", "max_dt", "n_params"))
        check_dt(neuron, dt)
    for inp in inputs:
        check_dt(inp.synapse, dt)
    names = [inp.name for inp in inputs]
    if len(set(names)) != len(names):
        raise ValueError(f"input names {names} must differ: give each SynapticInput its own name=.")
    n_steps = n_steps_for(t_stop, dt)
    n = _infer_n(None if v_clamp is not None else neuron, inputs, v_clamp, n, n_steps)
    arrivals_at = [current_function(inp.arrivals, n, n_steps, dt, "arrivals") for inp in inputs]
    extra_at = current_function(i_ext, n, n_steps, dt, "i_ext")
    clamp_at = None if v_clamp is None else current_function(v_clamp, n, n_steps, dt, "v_clamp")
    syn_states = [inp.synapse.initial_state(n) for inp in inputs]
    if clamp_at is not None:
        state = {"v": np.array(clamp_at(0), dtype=float)}
    elif state is None:
        state = neuron.initial_state(n)
    elif np.shape(check_state(state)) != (n,):
        raise ValueError(f"the given state has {np.shape(state['v'])} neurons but the run has {n}.")
    record = check_record(record)
    known = set(state) | set(names) | {"i_syn"}
    unknown = [name for name in record if name not in known]
    if unknown:
        raise ValueError(f"cannot record {unknown}; available: {sorted(known)}.")
    require_memory("the recorded traces", float(n_steps) * n * len(record))
    traces = {name: np.empty((n_steps, n)) for name in record}
    spike_steps, spike_ids = [], []
    for k in progress_range(n_steps, progress, work=n_steps * n * (1 + len(inputs))):
        v = state["v"] if clamp_at is None else np.asarray(clamp_at(k), dtype=float)
        i_syn = np.zeros(n)
        for inp, syn_state, arrivals in zip(inputs, syn_states, arrivals_at):
            i_syn = i_syn + inp.current(inp.synapse.step(syn_state, arrivals(k), dt), v)
        if clamp_at is None:
            spiked = neuron.step(state, extra_at(k) + i_syn, dt)
            if spiked.any():
                ids = np.flatnonzero(spiked)
                spike_steps.append(np.full(ids.size, k))
                spike_ids.append(ids)
        else:
            state["v"] = v
        for name in record:
            if name == "i_syn":
                traces[name][k] = i_syn
            elif name in names:
                inp_index = names.index(name)
                traces[name][k] = inputs[inp_index].synapse.value(syn_states[inp_index])
            else:
                traces[name][k] = state[name]
    steps = np.concatenate(spike_steps) if spike_steps else np.zeros(0, dtype=int)
    ids = np.concatenate(spike_ids) if spike_ids else np.zeros(0, dtype=int)
    t = (np.arange(n_steps) + 1) * dt
    return SimResult(t=t, traces=traces, spike_times=(steps + 1) * dt, spike_indices=ids,
                     n=n, dt=dt, t_stop=n_steps * dt, recorded=np.arange(n))
