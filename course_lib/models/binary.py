"""van Vreeswijk & Sompolinsky's (1998) binary network (chapter 07): asynchronous updates of 0/1 neurons.

    net = vvs_binary_network(k=1000, m0=0.1, seed=1)
    result = simulate_binary(net, t_stop=100.0, seed=2)

A different kind of model from the spiking engine (course_lib.network): no membrane, no spikes in
flight, so it has its own loop.
"""
from dataclasses import dataclass, field

import numpy as np

from ..connectivity import Connectivity, ei_connectivity, require_synapse_memory
from ..progress import progress_range
from ..simulation import n_steps_for
from ..validation import (MAX_NEURONS, require_count, require_finite, require_instance, require_in_range,
                          require_mapping, require_non_negative, require_positive, require_seed)
from .balanced import VVS_COUPLINGS, VVS_THRESHOLDS, balanced_couplings, require_couplings

@dataclass(frozen=True, eq=False)
class BinaryNetwork:
    """Binary neurons s = 0/1 updated asynchronously: at Poisson times (rate 1/tau) s = [h >= theta].

    h_i = sum_j J_ij s_j + h_ext_i is the input; connectivity holds the J_ij (per source, CSR);
    theta, tau and h_ext are per-neuron arrays (tau in ms). van Vreeswijk & Sompolinsky (1998).
    """

    n_e: int
    n_i: int
    connectivity: Connectivity
    h_ext: np.ndarray
    theta: np.ndarray
    tau: np.ndarray
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        require_count("n_e", self.n_e, minimum=0, maximum=MAX_NEURONS)
        require_count("n_i", self.n_i, minimum=0, maximum=MAX_NEURONS)
        if self.n < 1:
            raise ValueError(f"n_e + n_i must be at least 1 (got n_e = {self.n_e}, n_i = {self.n_i}).")
        require_instance("connectivity", self.connectivity, Connectivity)
        if self.connectivity.n_source != self.n or self.connectivity.n_target != self.n:
            raise ValueError(f"connectivity is {self.connectivity.n_source} -> {self.connectivity.n_target} "
                             f"neurons but n_e + n_i = {self.n}.")
        for name in ("h_ext", "theta"):
            require_finite(name, getattr(self, name))
        for name in ("h_ext", "theta", "tau"):
            if np.shape(getattr(self, name)) != (self.n,):
                raise ValueError(f"{name} must have one value per neuron, shape ({self.n},).")
        require_positive("tau", self.tau, "ms")

    @property
    def n(self):
        """Total number of neurons."""
        return self.n_e + self.n_i

    def initial_state(self, rng, active_fraction=0.1):
        """Random initial states (each neuron active with probability active_fraction) and their inputs."""
        require_seed("rng", rng)
        require_in_range("active_fraction", active_fraction, 0.0, 1.0)
        rng = np.random.default_rng(rng)
        s = rng.random(self.n) < active_fraction
        targets, weights = self.connectivity.outgoing(np.flatnonzero(s))
        h = self.h_ext + np.bincount(targets, weights, minlength=self.n)
        return {"s": s, "h": h, "step": 0}

    def step(self, state, dt, rng):
        """Update the neurons whose Poisson clock ticks in this dt (probability dt/tau); returns who changed."""
        s, h = state["s"], state["h"]
        chosen = np.flatnonzero(rng.random(self.n) < dt / self.tau)
        new = h[chosen] >= self.theta[chosen]
        changed = chosen[new != s[chosen]]
        s[changed] = ~s[changed]
        for sign, senders in ((1.0, changed[s[changed]]), (-1.0, changed[~s[changed]])):
            if senders.size:
                targets, weights = self.connectivity.outgoing(senders)
                h += sign * np.bincount(targets, weights, minlength=self.n)
        state["step"] += 1
        return changed


@dataclass
class BinaryResult:
    """Activity of a binary network: t (ms), m_e and m_i (fraction active), time-averaged activity per neuron."""

    t: np.ndarray
    m_e: np.ndarray
    m_i: np.ndarray
    mean_activity: np.ndarray
    n_e: int
    n_i: int
    info: dict = field(default_factory=dict)


def vvs_binary_network(k=1000, m0=0.1, n_e=10000, n_i=10000, couplings=VVS_COUPLINGS, thresholds=VVS_THRESHOLDS,
                       tau_e=10.0, tau_i=9.0, seed=None):
    """van Vreeswijk & Sompolinsky (1998) binary network with J_kl = c_kl / sqrt(K), fixed in-degree K.

    External input sqrt(K) c_k0 m0 (constant), thresholds theta_E = 1, theta_I = 0.7, K inputs from
    each population. The update time constants (tau_e, tau_i, ms) set the speed, not the rates.
    """
    require_in_range("m0", m0, 0.0, 1.0)
    n_e, n_i = require_count("n_e", n_e, maximum=MAX_NEURONS), require_count("n_i", n_i, maximum=MAX_NEURONS)
    k = require_count("k", k)
    if k >= n_e or k >= n_i:
        raise ValueError(f"K = {k} inputs from each population need K < n_e = {n_e} and K < n_i = {n_i}: "
                         f"lower k or raise n_e, n_i.")
    require_couplings("couplings", couplings)
    require_mapping("thresholds", thresholds, ("E", "I"))
    require_positive("tau_e", tau_e, "ms")
    require_positive("tau_i", tau_i, "ms")
    require_seed("seed", seed)
    require_synapse_memory((n_e + n_i) * 2 * k, f"n_e = {n_e}, n_i = {n_i}, k = {k}: {2 * k} inputs per neuron",
                           "Use fewer neurons (n_e, n_i) or a smaller k.")
    strengths = balanced_couplings(k, 1.0, couplings, gamma=1.0)
    recurrent = {pair: w for pair, w in strengths.items() if pair[1] != "X"}
    conn = ei_connectivity(n_e, n_i, recurrent, seed, k={"E": int(k), "I": int(k)})
    sqrt_k = np.sqrt(k)
    h_ext = np.concatenate([np.full(n_e, sqrt_k * couplings[("E", "X")] * m0),
                            np.full(n_i, sqrt_k * couplings[("I", "X")] * m0)])
    theta = np.concatenate([np.full(n_e, thresholds["E"]), np.full(n_i, thresholds["I"])])
    tau = np.concatenate([np.full(n_e, float(tau_e)), np.full(n_i, float(tau_i))])
    info = {"model": "vvs_binary", "k": int(k), "m0": m0, "couplings": dict(couplings),
            "thresholds": dict(thresholds)}
    return BinaryNetwork(n_e=n_e, n_i=n_i, connectivity=conn, h_ext=h_ext, theta=theta, tau=tau, info=info)


def simulate_binary(net, t_stop, dt=0.1, seed=None, t_average_from=0.0, progress=None):
    """Run a binary network for t_stop ms in steps of dt ms; activity averaged from t_average_from ms (< t_stop)."""
    require_instance("net", net, BinaryNetwork)
    n_steps = n_steps_for(t_stop, dt)
    require_seed("seed", seed)
    t_average_from = float(require_non_negative("t_average_from", t_average_from, "ms"))
    if t_average_from >= n_steps * dt:
        raise ValueError(f"t_average_from = {t_average_from:g} ms is not before the end of the run (t_stop = "
                         f"{t_stop:g} ms): nothing would be averaged. Give t_average_from < t_stop.")
    if dt <= 0 or dt > 0.5 * float(np.min(net.tau)):
        raise ValueError(f"dt = {dt} ms must be positive and at most half the shortest update time constant "
                         f"({0.5 * float(np.min(net.tau))} ms) so that updates stay asynchronous.")
    rng = np.random.default_rng(seed)
    state = net.initial_state(rng)
    n_steps = n_steps_for(t_stop, dt)
    m_e, m_i = np.empty(n_steps), np.empty(n_steps)
    active_steps = np.zeros(net.n)
    counted = 0
    for k in progress_range(n_steps, progress, work=n_steps * net.n):
        net.step(state, dt, rng)
        m_e[k] = state["s"][:net.n_e].mean()
        m_i[k] = state["s"][net.n_e:].mean()
        if (k + 1) * dt > t_average_from:
            active_steps += state["s"]
            counted += 1
    return BinaryResult(t=(np.arange(n_steps) + 1) * dt, m_e=m_e, m_i=m_i,
                        mean_activity=active_steps / max(counted, 1), n_e=net.n_e, n_i=net.n_i, info=net.info)
