"""Single-neuron models: leaky integrate-and-fire, exponential integrate-and-fire, AdEx, Hodgkin-Huxley.

Each model is a frozen dataclass that holds its parameters (published defaults, source in the
docstring) and knows three things:

* ``initial_state(n)``  -> dict of state arrays, each of shape ``(n,)``
* ``step(state, i_ext, dt)`` -> advances the state by ``dt`` ms in place and returns a boolean
  array: which neurons spiked during the step
* ``max_dt``            -> the largest time step (ms) the model accepts

Any parameter may be an array of shape ``(n,)``: one neuron per value, so one run sweeps it.
Units: ms, mV, pA, nS, pF (Hodgkin-Huxley: uA/cm^2, mS/cm^2, uF/cm^2).
"""
from dataclasses import dataclass

import numpy as np

from .validation import (MAX_NEURONS, common_size, require_above, require_choice, require_count, require_finite,
                         require_non_negative, require_positive)


def _relax(x, x_inf, decay):
    """Exponential-Euler update: x relaxes towards x_inf by the factor decay = exp(-dt/tau)."""
    return x_inf + (x - x_inf) * decay


def _start_refractory(state, spiked, v_reset, t_ref):
    """Reset the membrane of the neurons that spiked and start their refractory period."""
    np.copyto(state["v"], v_reset, where=spiked)
    np.copyto(state["ref_left"], t_ref, where=spiked)


@dataclass(frozen=True, eq=False)
class LIF:
    """Leaky integrate-and-fire neuron, c_m dv/dt = -g_l (v - e_l) + i_ext; units pF, nS, mV, ms.

    Defaults: the excitatory cell of Vogels & Abbott (2005) and the COBA benchmark of Brette
    et al. (2007): tau_m = c_m / g_l = 20 ms, rest -60 mV, threshold -50 mV, reset -60 mV,
    refractory period 5 ms.
    """

    c_m: float = 200.0      # membrane capacitance, pF
    g_l: float = 10.0       # leak conductance, nS
    e_l: float = -60.0      # leak reversal (resting) potential, mV
    v_th: float = -50.0     # spike threshold, mV
    v_reset: float = -60.0  # reset potential, mV
    t_ref: float = 5.0      # absolute refractory period, ms

    def __post_init__(self):
        require_positive("c_m", self.c_m, "pF")
        require_positive("g_l", self.g_l, "nS")
        require_finite("e_l", self.e_l, "mV")
        require_non_negative("t_ref", self.t_ref, "ms")
        require_above("v_th", self.v_th, "v_reset", self.v_reset)
        common_size(**vars(self))

    @property
    def tau_m(self):
        """Membrane time constant c_m / g_l, ms."""
        return np.asarray(self.c_m) / np.asarray(self.g_l)

    @property
    def max_dt(self):
        """Largest accepted time step, ms: a fifth of the shortest membrane time constant."""
        return float(np.min(self.tau_m)) / 5.0

    @property
    def n_params(self):
        """Number of neurons implied by per-neuron parameter arrays (1 if all are scalars)."""
        return common_size(**vars(self))

    def initial_state(self, n):
        """State at rest: v = e_l (mV), no neuron refractory."""
        n = require_count("n", n, maximum=MAX_NEURONS)
        return {"v": np.broadcast_to(self.e_l, (n,)).astype(float),
                "ref_left": np.zeros(n)}

    def step(self, state, i_ext, dt, g_syn=None, g_syn_e_rev=None):
        """Advance v by dt ms under input current i_ext (pA); exact for constant input.

        g_syn, g_syn_e_rev: optional conductance synapses (chapter 04 on), see conductance_relaxation."""
        if g_syn is None and g_syn_e_rev is None:
            v_inf, decay = self.e_l + i_ext / self.g_l, np.exp(-dt / self.tau_m)
        else:
            v_inf, decay = self.conductance_relaxation(i_ext, dt, g_syn, g_syn_e_rev)
        free = state["ref_left"] <= 1e-9
        v_new = _relax(state["v"], v_inf, decay)
        state["v"] = np.where(free, v_new, self.v_reset)
        state["ref_left"] = np.maximum(state["ref_left"] - dt, 0.0)
        spiked = state["v"] >= self.v_th
        _start_refractory(state, spiked, self.v_reset, self.t_ref)
        return spiked

    def conductance_relaxation(self, i_ext, dt, g_syn, g_syn_e_rev):
        """(v_inf in mV, decay factor over dt ms) under i_ext (pA) and conductance synapses held over the step.

        g_syn (nS): their total conductance; g_syn_e_rev (pA): the sum of each conductance times its reversal
        potential. They add the current g_syn_e_rev - g_syn v, which changes with v during the step:
        c dv/dt = g_l (e_l - v) + g_syn_e_rev - g_syn v + i_ext relaxes to v_inf with time constant c / (g_l + g_syn).
        """
        if g_syn is None or g_syn_e_rev is None:
            raise ValueError("give both g_syn (nS) and g_syn_e_rev (pA, sum of g times e_rev), or neither.")
        g_total = g_syn + self.g_l                                       # leak and synapses, nS
        v_inf = (g_syn_e_rev + self.g_l * self.e_l + i_ext) / g_total
        return v_inf, np.exp(g_total * (-dt / np.asarray(self.c_m, dtype=float)))


@dataclass(frozen=True, eq=False)
class EIF:
    """Exponential integrate-and-fire neuron (Fourcaud-Trocme et al. 2003); units pF, nS, mV, ms.

    c_m dv/dt = -g_l (v - e_l) + g_l delta_t exp((v - v_t) / delta_t) + i_ext; a spike is
    registered when v reaches v_peak, then v is reset. Defaults: the cortical pyramidal cell fit
    of Brette & Gerstner (2005), Table 1 (c_m 281 pF, g_l 30 nS, e_l -70.6 mV, v_t -50.4 mV,
    delta_t 2 mV, reset to e_l), with v_peak = 20 mV as in that paper.
    """

    c_m: float = 281.0      # pF
    g_l: float = 30.0       # nS
    e_l: float = -70.6      # mV
    v_t: float = -50.4      # soft threshold (rheobase potential), mV
    delta_t: float = 2.0    # slope factor, mV
    v_peak: float = 20.0    # spike cut-off, mV
    v_reset: float = -70.6  # mV
    t_ref: float = 0.0      # ms

    def __post_init__(self):
        require_positive("c_m", self.c_m, "pF")
        require_positive("g_l", self.g_l, "nS")
        require_positive("delta_t", self.delta_t, "mV")
        require_finite("e_l", self.e_l, "mV")
        require_non_negative("t_ref", self.t_ref, "ms")
        require_above("v_peak", self.v_peak, "v_t", self.v_t)
        require_above("v_peak", self.v_peak, "v_reset", self.v_reset)
        common_size(**vars(self))

    @property
    def tau_m(self):
        """Membrane time constant c_m / g_l, ms."""
        return np.asarray(self.c_m) / np.asarray(self.g_l)

    @property
    def max_dt(self):
        """Largest accepted time step, ms: the spike upswing lasts a few delta_t/(v_peak-v_t) tau_m."""
        return float(min(0.5, np.min(self.tau_m) / 20.0))

    @property
    def n_params(self):
        """Number of neurons implied by per-neuron parameter arrays."""
        return common_size(**vars(self))

    def initial_state(self, n):
        """State at rest: v = e_l (mV), no neuron refractory."""
        n = require_count("n", n, maximum=MAX_NEURONS)
        return {"v": np.broadcast_to(self.e_l, (n,)).astype(float), "ref_left": np.zeros(n)}

    def spike_current(self, v):
        """Exponential spike-generating current g_l delta_t exp((v - v_t)/delta_t), pA."""
        exponent = np.minimum((v - self.v_t) / self.delta_t, (self.v_peak - self.v_t) / self.delta_t)
        return self.g_l * self.delta_t * np.exp(exponent)

    def _membrane_step(self, state, i_total, dt):
        """Exponential Euler on v with the spike current frozen over the step; returns spiked."""
        v_inf = self.e_l + (self.spike_current(state["v"]) + i_total) / self.g_l
        free = state["ref_left"] <= 1e-9
        v_new = _relax(state["v"], v_inf, np.exp(-dt / self.tau_m))
        state["v"] = np.where(free, v_new, self.v_reset)
        state["ref_left"] = np.maximum(state["ref_left"] - dt, 0.0)
        spiked = state["v"] >= self.v_peak
        _start_refractory(state, spiked, self.v_reset, self.t_ref)
        return spiked

    def step(self, state, i_ext, dt):
        """Advance v by dt ms under input current i_ext (pA)."""
        return self._membrane_step(state, i_ext, dt)


@dataclass(frozen=True, eq=False)
class AdEx(EIF):
    """Adaptive exponential integrate-and-fire neuron (Brette & Gerstner 2005); pF, nS, mV, ms, pA.

    The EIF membrane plus an adaptation current w: tau_w dw/dt = a (v - e_l) - w, and w jumps
    by b at each spike; the membrane sees i_ext - w. Defaults: Brette & Gerstner (2005), Table 1
    (a = 4 nS, b = 80.5 pA, tau_w = 144 ms).
    """

    a: float = 4.0          # subthreshold adaptation, nS
    b: float = 80.5         # spike-triggered adaptation, pA
    tau_w: float = 144.0    # adaptation time constant, ms

    def __post_init__(self):
        super().__post_init__()
        require_finite("a", self.a, "nS")
        require_finite("b", self.b, "pA")
        require_positive("tau_w", self.tau_w, "ms")

    def initial_state(self, n):
        """State at rest: v = e_l (mV), w = 0 pA."""
        state = super().initial_state(n)
        state["w"] = np.zeros(n)
        return state

    def step(self, state, i_ext, dt):
        """Advance v and w by dt ms under input current i_ext (pA)."""
        w_inf = self.a * (state["v"] - self.e_l)
        state["w"] = _relax(state["w"], w_inf, np.exp(-dt / self.tau_w))
        spiked = self._membrane_step(state, i_ext - state["w"], dt)
        state["w"] = state["w"] + np.where(spiked, self.b, 0.0)
        return spiked


# --- Hodgkin-Huxley: rate functions in 1/ms, v in mV (modern convention, rest near -65 mV) ---

def hh_alpha_n(v):
    """Opening rate of the K+ activation gate n, 1/ms (Dayan & Abbott 2001, eq. 5.22)."""
    from scipy.special import exprel   # imported here: scipy.special takes 0.2 s to import
    return 0.1 / exprel(-0.1 * (v + 55.0))


def hh_beta_n(v):
    """Closing rate of the K+ activation gate n, 1/ms."""
    return 0.125 * np.exp(-0.0125 * (v + 65.0))


def hh_alpha_m(v):
    """Opening rate of the Na+ activation gate m, 1/ms."""
    from scipy.special import exprel
    return 1.0 / exprel(-0.1 * (v + 40.0))


def hh_beta_m(v):
    """Closing rate of the Na+ activation gate m, 1/ms."""
    return 4.0 * np.exp(-0.0556 * (v + 65.0))


def hh_alpha_h(v):
    """Opening (de-inactivation) rate of the Na+ inactivation gate h, 1/ms."""
    return 0.07 * np.exp(-0.05 * (v + 65.0))


def hh_beta_h(v):
    """Closing (inactivation) rate of the Na+ inactivation gate h, 1/ms."""
    return 1.0 / (1.0 + np.exp(-0.1 * (v + 35.0)))


HH_RATES = {"m": (hh_alpha_m, hh_beta_m), "h": (hh_alpha_h, hh_beta_h), "n": (hh_alpha_n, hh_beta_n)}


def hh_gate_steady_state(gate, v):
    """Steady-state open fraction x_inf(v) = alpha / (alpha + beta) of gate 'm', 'h' or 'n'."""
    require_choice("gate", gate, HH_RATES)
    alpha, beta = (f(require_finite("v", v, "mV")) for f in HH_RATES[gate])
    return alpha / (alpha + beta)


def hh_gate_time_constant(gate, v):
    """Time constant tau_x(v) = 1 / (alpha + beta) of gate 'm', 'h' or 'n', ms."""
    require_choice("gate", gate, HH_RATES)
    alpha, beta = (f(require_finite("v", v, "mV")) for f in HH_RATES[gate])
    return 1.0 / (alpha + beta)


@dataclass(frozen=True, eq=False)
class HodgkinHuxley:
    """Hodgkin-Huxley squid axon (1952) at 6.3 C, modern convention; uA/cm^2, mS/cm^2, uF/cm^2, mV.

    c_m dv/dt = -g_na m^3 h (v - e_na) - g_k n^4 (v - e_k) - g_l (v - e_l) + i_ext.
    Values as in Dayan & Abbott (2001), section 5.6, and Gerstner et al. (2014), Table 2.1:
    the 1952 model shifted so that rest is near -65 mV. A spike is counted when v crosses
    v_spike (0 mV) upwards.
    """

    c_m: float = 1.0        # uF/cm^2
    g_na: float = 120.0     # mS/cm^2
    g_k: float = 36.0       # mS/cm^2
    g_l: float = 0.3        # mS/cm^2
    e_na: float = 50.0      # mV
    e_k: float = -77.0      # mV
    e_l: float = -54.387    # mV
    v_spike: float = 0.0    # upward crossing counted as a spike, mV

    def __post_init__(self):
        for name, unit in (("c_m", "uF/cm^2"), ("g_l", "mS/cm^2")):
            require_positive(name, getattr(self, name), unit)
        for name in ("g_na", "g_k"):   # zero is allowed: a channel blocked (TTX for Na+, TEA for K+)
            require_non_negative(name, getattr(self, name), "mS/cm^2")
        require_above("e_na", self.e_na, "e_k", self.e_k)
        require_finite("e_l", self.e_l, "mV")
        require_finite("v_spike", self.v_spike, "mV")
        common_size(**vars(self))

    @property
    def max_dt(self):
        """Largest accepted time step, ms: the Na+ activation gate has tau_m ~ 0.1-0.5 ms."""
        return 0.05

    @property
    def n_params(self):
        """Number of neurons implied by per-neuron parameter arrays."""
        return common_size(**vars(self))

    def initial_state(self, n, v0=-65.0):
        """State at v0 (mV; a number or one value per neuron) with every gate at its steady state."""
        n = require_count("n", n, maximum=MAX_NEURONS)
        v0 = require_finite("v0", v0, "mV")
        if v0.shape not in ((), (n,)):
            raise ValueError(f"v0 has shape {v0.shape}; give a number or one value per neuron, shape ({n},).")
        v = np.broadcast_to(v0, (n,)).copy()
        state = {"v": v}
        for gate in "mhn":
            state[gate] = hh_gate_steady_state(gate, v)
        return state

    def step(self, state, i_ext, dt):
        """Advance by dt ms: gates by Rush-Larsen (exponential Euler), then v by exponential Euler."""
        v_old = state["v"]
        for gate, (alpha, beta) in HH_RATES.items():   # x_inf = a/(a+b), 1/tau_x = a+b
            a, b = alpha(v_old), beta(v_old)
            state[gate] = _relax(state[gate], a / (a + b), np.exp(-dt * (a + b)))
        g_na = self.g_na * state["m"] ** 3 * state["h"]
        g_k = self.g_k * state["n"] ** 4
        g_total = g_na + g_k + self.g_l
        v_inf = (g_na * self.e_na + g_k * self.e_k + self.g_l * self.e_l + i_ext) / g_total
        state["v"] = _relax(v_old, v_inf, np.exp(-dt * g_total / self.c_m))
        return (v_old < self.v_spike) & (state["v"] >= self.v_spike)


# Gerstner, Kistler, Naud & Paninski (2014), Neuronal Dynamics, Table 6.1. Common to all rows:
# u_rest = -70 mV, R = 500 MOhm (g_l = 2 nS), rheobase threshold -50 mV, delta_t = 2 mV, step of
# 65 pA ('delayed': 25 pA). Spike cut-off v_peak = -30 mV as in the book's exercise code.
# 'transient' is driven at 50 pA, not 65 pA: 65 pA lies above this neuron's onset current
# (theory.adex_rest_instability: a Hopf point at 56.2 pA), so it must keep firing there.
FIRING_PATTERNS = {
    #                tau_m ms, a nS, tau_w ms, b pA, v_reset mV, step pA
    "tonic":         (20.0, 0.0, 30.0, 60.0, -55.0, 65.0),
    "adapting":      (20.0, 0.0, 100.0, 5.0, -55.0, 65.0),
    "initial burst": (5.0, 0.5, 100.0, 7.0, -51.0, 65.0),
    "bursting":      (5.0, -0.5, 100.0, 7.0, -46.0, 65.0),
    "irregular":     (9.9, -0.5, 100.0, 7.0, -46.0, 65.0),
    "transient":     (10.0, 1.0, 100.0, 10.0, -60.0, 50.0),
    "delayed":       (5.0, -1.0, 100.0, 10.0, -60.0, 25.0),
}
PATTERN_G_L, PATTERN_E_L, PATTERN_V_T, PATTERN_DELTA_T, PATTERN_V_PEAK = 2.0, -70.0, -50.0, 2.0, -30.0


def firing_pattern_neurons(names):
    """One AdEx population (one neuron per name, in order) with the Table 6.1 parameters; and the step currents (pA)."""
    if isinstance(names, str) or not hasattr(names, "__len__") or len(names) == 0:
        raise ValueError(f"names must be a non-empty list of pattern names from {list(FIRING_PATTERNS)} "
                         f"(got {names!r:.60}).")
    for name in names:
        require_choice("names", name, FIRING_PATTERNS)
    rows = np.array([FIRING_PATTERNS[name] for name in names])
    tau_m, a, tau_w, b, v_reset, step = rows.T
    size = len(names)
    neuron = AdEx(c_m=tau_m * PATTERN_G_L, g_l=np.full(size, PATTERN_G_L), e_l=np.full(size, PATTERN_E_L),
                  v_t=np.full(size, PATTERN_V_T), delta_t=np.full(size, PATTERN_DELTA_T),
                  v_peak=np.full(size, PATTERN_V_PEAK), v_reset=v_reset, t_ref=np.zeros(size),
                  a=a, b=b, tau_w=tau_w)
    return neuron, step
