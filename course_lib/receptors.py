"""Receptor synapse models: AMPA, GABA_A, GABA_B and NMDA with its voltage-dependent Mg2+ block.

Each receptor is a synapse model with the interface of course_lib.synapses (``initial_state``,
``step(state, spikes, dt)`` returning the mean gating over the step, ``value``, ``max_dt``),
plus a reversal potential ``e_rev`` (mV) and a voltage dependence ``block(v)``. The gating is
dimensionless (a fraction of open channels for a single synapse); a maximal conductance g_max
(nS) turns it into a current into the neuron, g_max * s * block(v) * (e_rev - v) in pA.
Use them through ``SynapticInput(receptor, spikes, weight=g_max)`` and ``simulate_synapses``.

Sources of the parameters:
* AMPA, GABA_A, NMDA: Wang (2002), Neuron 36:955, Methods (after Brunel & Wang 2001):
  AMPA decay 2 ms, reversal 0 mV; GABA_A decay 5 ms, reversal -70 mV; NMDA rise 2 ms,
  decay 100 ms, alpha = 0.5 /ms, reversal 0 mV, [Mg2+] = 1 mM.
* Mg2+ block: Jahr & Stevens (1990), J Neurosci 10:3178, in the form used by Wang (2002).
* GABA_B: the simplified G-protein model of Destexhe, Mainen & Sejnowski (1998), "Kinetic
  models of synaptic transmission", in Koch & Segev (eds.), Methods in Neuronal Modeling, 2nd ed.,
  fitted to Otis et al. (1993): transmitter pulse 0.5 mM for 0.3 ms, K1 = 0.09 /(ms mM),
  K2 = 0.0012 /ms, K3 = 0.18 /ms, K4 = 0.034 /ms, Kd = 100, n = 4, reversal -95 mV.
Units: ms, mV, nS, pA; concentrations in mM.
"""
from dataclasses import dataclass

import numpy as np

from .synapses import ExponentialSynapse
from .validation import MAX_NEURONS, common_size, require_count, require_finite, require_non_negative, require_positive

__all__ = ["MG_MM", "mg_block", "mg_block_unchecked", "AMPA", "GABAA", "NMDA", "GABAB"]

MG_MM = 1.0  # extracellular Mg2+ concentration, mM (Jahr & Stevens 1990; Wang 2002)


def mg_block(v, mg_mm=MG_MM):
    """Fraction of NMDA channels not blocked by Mg2+ at v (mV): 1 / (1 + [Mg] exp(-0.062 v) / 3.57).

    Jahr & Stevens (1990), J Neurosci 10:3178, as used by Wang (2002).
    """
    require_non_negative("mg_mm", mg_mm, "mM")
    return mg_block_unchecked(require_finite("v", v, "mV"), mg_mm)


def mg_block_unchecked(v, mg_mm=MG_MM):
    """mg_block without checking its arguments: for simulators that pass their own arrays every step."""
    return 1.0 / (1.0 + mg_mm * np.exp(-0.062 * v) / 3.57)


def _no_block(v):
    """Ohmic receptors: no voltage dependence of the conductance."""
    return np.ones_like(np.asarray(v, dtype=float))


@dataclass(frozen=True, eq=False)
class AMPA(ExponentialSynapse):
    """AMPA receptor: gating jumps by 1 per spike, decays with tau_decay = 2 ms; reversal 0 mV (Wang 2002)."""

    tau_decay: float = 2.0   # ms
    e_rev: float = 0.0       # mV

    def __post_init__(self):
        super().__post_init__()
        require_finite("e_rev", self.e_rev, "mV")

    def block(self, v):
        """No voltage dependence (ohmic channel)."""
        return _no_block(v)


@dataclass(frozen=True, eq=False)
class GABAA(ExponentialSynapse):
    """GABA_A receptor: gating jumps by 1 per spike, decays with tau_decay = 5 ms; reversal -70 mV (Wang 2002)."""

    tau_decay: float = 5.0   # ms
    e_rev: float = -70.0     # mV

    def __post_init__(self):
        super().__post_init__()
        require_finite("e_rev", self.e_rev, "mV")

    def block(self, v):
        """No voltage dependence (ohmic channel)."""
        return _no_block(v)


@dataclass(frozen=True, eq=False)
class NMDA:
    """NMDA receptor with saturating two-variable kinetics and Mg2+ block (Wang 2002, Methods).

    dx/dt = -x / tau_rise + sum_k delta(t - t_k)      (x jumps by 1 per presynaptic spike)
    ds/dt = -s / tau_decay + alpha x (1 - s)          (s saturates at 1)
    current into the neuron: g_max s mg_block(v) (e_rev - v).
    One entry of the state is one synapse (or one presynaptic neuron, as in Wang 2002): the
    saturation acts per entry.
    """

    tau_rise: float = 2.0     # ms
    tau_decay: float = 100.0  # ms
    alpha: float = 0.5        # 1/ms
    e_rev: float = 0.0        # mV
    mg_mm: float = MG_MM      # mM

    def __post_init__(self):
        require_positive("tau_rise", self.tau_rise, "ms")
        require_positive("tau_decay", self.tau_decay, "ms")
        require_positive("alpha", self.alpha, "1/ms")
        require_non_negative("mg_mm", self.mg_mm, "mM")
        require_finite("e_rev", self.e_rev, "mV")
        common_size(**vars(self))

    @property
    def max_dt(self):
        """Largest accepted step (ms): a fifth of the rise time, so that the fast rise is resolved."""
        return float(np.min(self.tau_rise)) / 5.0

    def initial_state(self, n):
        """No recent spikes: x = s = 0."""
        n = require_count("n", n, maximum=MAX_NEURONS)
        return {"x": np.zeros(n), "s": np.zeros(n)}

    def value(self, state):
        """Gating s now (fraction of open channels, 0..1)."""
        return state["s"]

    def block(self, v):
        """Fraction of channels not blocked by Mg2+ at v (mV)."""
        return mg_block(v, self.mg_mm)

    def step(self, state, spikes, dt):
        """Add the arriving spikes to x, advance x exactly and s by exponential Euler; returns mean s over the step."""
        x = state["x"] + spikes
        decay_x = np.exp(-dt / self.tau_rise)
        x_mean = x * self.tau_rise / dt * (1.0 - decay_x)          # exact mean of x over the step
        rate = 1.0 / self.tau_decay + self.alpha * x_mean           # 1/ms
        s_inf = self.alpha * x_mean / rate
        start = state["s"]
        state["s"] = s_inf + (start - s_inf) * np.exp(-dt * rate)
        state["x"] = x * decay_x
        return 0.5 * (start + state["s"])


@dataclass(frozen=True, eq=False)
class GABAB:
    """GABA_B receptor: transmitter pulse -> receptor R -> G-protein G -> K+ channels opened by G^4.

    Simplified kinetic model of Destexhe, Mainen & Sejnowski (1998), fitted to Otis et al. (1993):
    each spike releases a pulse of transmitter (c_max mM for c_dur ms);
    dR/dt = K1 T (1 - R) - K2 R,   dG/dt = K3 R - K4 G,   open fraction = G^n / (G^n + Kd).
    The fourth power makes the response to one spike tiny and to a burst large; it peaks about
    100 ms after the spike. Reversal -95 mV (K+).
    """

    k1: float = 0.09       # 1/(ms mM), transmitter binding
    k2: float = 0.0012     # 1/ms, receptor unbinding
    k3: float = 0.18       # 1/ms, G-protein production
    k4: float = 0.034      # 1/ms, G-protein removal
    kd: float = 100.0      # dissociation constant of G^n on the channel
    n_sites: float = 4.0   # G-proteins binding one channel (cooperativity)
    c_max: float = 0.5     # mM, transmitter during the pulse
    c_dur: float = 0.3     # ms, pulse duration
    e_rev: float = -95.0   # mV

    def __post_init__(self):
        for name in ("k1", "k2", "k3", "k4", "kd", "n_sites", "c_max", "c_dur"):
            require_positive(name, getattr(self, name))
        require_finite("e_rev", self.e_rev, "mV")
        common_size(**vars(self))

    @property
    def max_dt(self):
        """Largest accepted step (ms): the cascade is slow (fastest rate K3 = 0.18 /ms); 0.5 ms resolves it."""
        return 0.5

    def initial_state(self, n):
        """No transmitter, no activated receptors or G-proteins."""
        n = require_count("n", n, maximum=MAX_NEURONS)
        return {"r": np.zeros(n), "g": np.zeros(n), "release_left": np.zeros(n)}

    def value(self, state):
        """Open fraction of the K+ channels, G^n / (G^n + Kd)."""
        gn = state["g"] ** self.n_sites
        return gn / (gn + self.kd)

    def block(self, v):
        """No voltage dependence (ohmic channel)."""
        return _no_block(v)

    def step(self, state, spikes, dt):
        """Start a transmitter pulse on a spike, advance R and G by exponential Euler; returns mean open fraction."""
        state["release_left"] = np.where(np.asarray(spikes) > 0, self.c_dur, state["release_left"])
        transmitter = self.c_max * np.minimum(state["release_left"], dt) / dt   # mean over the step, mM
        start = self.value(state)
        rate_r = self.k1 * transmitter + self.k2
        r_inf = self.k1 * transmitter / rate_r
        r_old = state["r"]
        state["r"] = r_inf + (r_old - r_inf) * np.exp(-dt * rate_r)
        g_inf = self.k3 * 0.5 * (r_old + state["r"]) / self.k4
        state["g"] = g_inf + (state["g"] - g_inf) * np.exp(-dt * self.k4)
        state["release_left"] = np.maximum(state["release_left"] - dt, 0.0)
        return 0.5 * (start + self.value(state))
