"""Decision making: Wang's (2002) spiking network and the reduced two-variable model of Wong & Wang (2006).

Spiking network (``WangNetwork``, ``run_trials``, ``spiking_decisions``)
    1600 excitatory and 400 inhibitory leaky integrate-and-fire neurons, all-to-all coupled through
    AMPA, NMDA and GABA_A conductances. Two selective excitatory pools (A, B; a fraction f of the E
    cells each) prefer one motion direction; the rest are non-selective. Every neuron receives
    background Poisson input (2.4 kHz through AMPA); pools A and B also receive the stimulus, Poisson
    rates mu0 (1 +- c/100) for coherence c (%).

    ``WangNetwork.network()`` builds it for the engine (course_lib.network) from populations and three
    pooled projections (course_lib.projections: AMPA, NMDA, GABA_A). Why it is fast: all-to-all coupling
    means that every neuron of a target group sees the *same* sum of presynaptic gating variables. AMPA
    and GABA gating are linear, so their sums obey the same equation as one synapse with the pool's
    spike count as input: one number per pool. NMDA saturates per presynaptic neuron, so each E neuron
    keeps its own NMDA gating, summed per pool every step. The cost per step is O(N), never O(N^2).
    Trials run together as independent copies of the populations (``run_trials``); ``pool_rates_hz``
    reads the pools' rates out of the run.

        from course_lib.models.decision import WangNetwork, pool_rates_hz, run_trials
        run = run_trials(WangNetwork(), coherence=51.2, t_stop=1500.0, t_on=300.0, t_off=1500.0, seed=1)
        t, rates = pool_rates_hz(run)        # Hz, (trials, 1 ms bins, pools A, B, non-selective, I)

Reduced model (``WongWang``, ``simulate_reduced``)
    Two NMDA gating variables S1, S2, one per selective pool (Wong & Wang 2006, Appendix):
        dS_i/dt = -S_i / tau_s + (1 - S_i) gamma H(x_i)
        x_1 = J_self S_1 - J_cross S_2 + I_0 + I_1 + I_noise,1     (and 1 <-> 2)
        H(x) = (a x - b) / (1 - exp(-d (a x - b)))
    with stimulus I_i = J_ext mu0 (1 +- c/100) and Ornstein-Uhlenbeck noise (time constant tau_ampa).
    All trials run at once in arrays of shape (n_trials, 2).

Units: ms, mV, pA, nS, pF, Hz. The reduced model's currents are in pA (the paper's nA x 1000).
"""
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy.special import exprel

from ..connectivity import empty_connectivity
from ..drives import PoissonDrive
from ..network import Network, NetworkResult, Population, SynapseModel, per_population, simulate_network
from ..neurons import LIF
from ..progress import progress_range
from ..projections import PooledProjection
from ..receptors import AMPA, GABAA, NMDA
from ..simulation import check_dt, n_steps_for
from ..units import count_rate_hz, hz_to_per_ms, hz_to_per_ms_unchecked
from ..validation import (MAX_NEURONS, InputTypeError, require_above, require_count, require_in_range,
                          require_instance, require_memory, require_non_negative, require_number, require_positive,
                          require_seed)

POOL_NAMES = ("A", "B", "non-selective", "I")
DECISION_WINDOW_MS = 50.0     # a pool's rate is averaged over this trailing window before it meets the threshold


# ---------------------------------------------------------------------------------------------
# Spiking network (Wang 2002)
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class WangNetwork:
    """Wang (2002) decision network: LIF neurons, AMPA/NMDA/GABA_A conductances; pF, nS, mV, ms, Hz.

    Defaults: Wang (2002), Neuron 36:955, Experimental Procedures. N_E = 1600, N_I = 400, selective
    fraction f = 0.15, w+ = 1.7 and w- = 1 - f (w+ - 1) / (1 - f). Pyramidal cells C_m = 0.5 nF,
    g_L = 25 nS, refractory 2 ms; interneurons C_m = 0.2 nF, g_L = 20 nS, refractory 1 ms; V_L = -70,
    V_th = -50, V_reset = -55 mV; V_E = 0, V_I = -70 mV. tau_AMPA = 2 ms, NMDA rise 2 ms, decay
    100 ms, alpha = 0.5 /ms, tau_GABA = 5 ms, delay 0.5 ms, [Mg2+] = 1 mM. Conductances onto E (onto
    I): external AMPA 2.1 (1.62), recurrent AMPA 0.05 (0.04), NMDA 0.165 (0.13), GABA 1.3 (1.0) nS.
    Background 2.4 kHz; stimulus: each pool's rate redrawn every 50 ms from a Gaussian of s.d.
    stim_sigma_hz = 4 Hz (Results, Fig. 1B); mu0 = 40 Hz is the value of Fig. 1B's example (the
    Methods give none). Recurrent conductances are per synapse at the published size; a smaller
    network scales them by 1600/n_e (400/n_i) so each cell receives the same total input. Wang
    integrated with a modified second-order Runge-Kutta scheme at dt = 0.02 ms (Experimental
    Procedures, "Simulations"); the engine hands each conductance over as its exact mean over the step
    and steps the membrane exactly for it (second order as well, CONVENTIONS.md section 12), at
    dt = 0.1 ms by default.
    """

    n_e: int = 1600
    n_i: int = 400
    f: float = 0.15               # fraction of E cells in each selective pool
    w_plus: float = 1.7           # weight inside a selective pool
    c_m_e: float = 500.0          # pF
    g_l_e: float = 25.0           # nS
    c_m_i: float = 200.0          # pF
    g_l_i: float = 20.0           # nS
    e_l: float = -70.0            # mV
    v_th: float = -50.0           # mV
    v_reset: float = -55.0        # mV
    t_ref_e: float = 2.0          # ms
    t_ref_i: float = 1.0          # ms
    e_exc: float = 0.0            # AMPA/NMDA reversal, mV
    e_inh: float = -70.0          # GABA_A reversal, mV
    tau_ampa: float = 2.0         # ms
    tau_nmda_rise: float = 2.0    # ms
    tau_nmda_decay: float = 100.0  # ms
    alpha_nmda: float = 0.5       # 1/ms
    tau_gaba: float = 5.0         # ms
    delay: float = 0.5            # synaptic delay, ms
    g_ext_e: float = 2.1          # nS
    g_ext_i: float = 1.62         # nS
    g_ampa_e: float = 0.05        # nS
    g_ampa_i: float = 0.04        # nS
    g_nmda_e: float = 0.165       # nS
    g_nmda_i: float = 0.13        # nS
    g_gaba_e: float = 1.3         # nS
    g_gaba_i: float = 1.0         # nS
    nu_ext_hz: float = 2400.0     # background Poisson rate per neuron, Hz
    mu0_hz: float = 40.0          # stimulus rate at zero coherence, Hz
    stim_sigma_hz: float = 4.0    # s.d. of the stimulus rate fluctuations, Hz
    stim_resample_ms: float = 50.0  # the stimulus rates are redrawn this often, ms

    def __post_init__(self):
        if int(self.n_e) != self.n_e or int(self.n_i) != self.n_i or self.n_i < 1:
            raise ValueError(f"n_e and n_i must be whole numbers >= 1 (got {self.n_e}, {self.n_i}).")
        require_in_range("f", self.f, 0.0, 0.5)
        if round(self.f * self.n_e) < 1:
            raise ValueError(f"f * n_e = {self.f * self.n_e:.2f}: each selective pool needs at least one "
                             "neuron. Raise f or n_e.")
        require_non_negative("w_plus", self.w_plus)
        if self.w_minus < 0:
            raise ValueError(f"w_plus = {self.w_plus} makes w_minus negative ({self.w_minus:.3f}); "
                             f"keep w_plus <= 1/f = {1 / self.f:.3g}.")
        for name in ("c_m_e", "g_l_e", "c_m_i", "g_l_i", "tau_ampa", "tau_nmda_rise", "tau_nmda_decay",
                     "alpha_nmda", "tau_gaba", "stim_resample_ms"):
            require_positive(name, getattr(self, name))
        for name in ("t_ref_e", "t_ref_i", "delay", "g_ext_e", "g_ext_i", "g_ampa_e", "g_ampa_i", "g_nmda_e",
                     "g_nmda_i", "g_gaba_e", "g_gaba_i", "nu_ext_hz", "mu0_hz", "stim_sigma_hz"):
            require_non_negative(name, getattr(self, name))
        require_above("v_th", self.v_th, "v_reset", self.v_reset)

    @property
    def w_minus(self):
        """Weight between the selective pools and from the non-selective pool: 1 - f (w+ - 1) / (1 - f)."""
        return 1.0 - self.f * (self.w_plus - 1.0) / (1.0 - self.f)

    @property
    def n(self):
        """Number of neurons, E and I."""
        return int(self.n_e + self.n_i)

    @cached_property
    def n_pool(self):
        """Size of each selective pool."""
        return int(round(self.f * self.n_e))

    @cached_property
    def pool_starts(self):
        """First neuron index of pools A, B, non-selective and I (neurons are ordered that way)."""
        return np.array([0, self.n_pool, 2 * self.n_pool, int(self.n_e)])

    @cached_property
    def pool_sizes(self):
        """Number of neurons in A, B, non-selective, I."""
        return np.diff(np.append(self.pool_starts, self.n))

    @cached_property
    def weights(self):
        """Recurrent E weights, rows = target group (A, B, non-selective, I), columns = source pool (A, B, ns)."""
        wp, wm = self.w_plus, self.w_minus
        return np.array([[wp, wm, wm], [wm, wp, wm], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]])

    @cached_property
    def per_group(self):
        """Recurrent conductances (nS) per target group A, B, non-selective, I, scaled to the network size."""
        e_scale, i_scale = 1600.0 / self.n_e, 400.0 / self.n_i
        return {"ampa": np.array([self.g_ampa_e] * 3 + [self.g_ampa_i]) * e_scale,
                "nmda": np.array([self.g_nmda_e] * 3 + [self.g_nmda_i]) * e_scale,
                "gaba": np.array([self.g_gaba_e] * 3 + [self.g_gaba_i]) * i_scale}

    def population_names(self, n_trials=1):
        """Names of the engine network's populations, E first: 'A', 'B', 'non-selective', 'I' (with n_trials > 1,
        one set per trial: 'A/0', 'B/0', 'non-selective/0', 'A/1', ..., then 'I/0', 'I/1', ...)."""
        n_trials = require_count("n_trials", n_trials)
        if n_trials == 1:
            return list(POOL_NAMES)
        excitatory = [f"{pool}/{trial}" for trial in range(n_trials) for pool in POOL_NAMES[:3]]
        return excitatory + [f"I/{trial}" for trial in range(n_trials)]

    def network(self, coherence=0.0, n_trials=1, t_on=500.0, t_off=1500.0, seed=None):
        """The network as a course_lib.network.Network: n_trials independent copies, the stimulus on in [t_on, t_off).

        Recurrent synapses are pooled projections (course_lib.projections): AMPA and NMDA from the three E pools
        with weights w+ / w- (WangNetwork.weights), GABA_A from I, within each trial. Background: a PoissonDrive
        of nu_ext_hz through AMPA (the engine's 'ext' channel: a conductance decaying with tau_ampa); stimulus:
        a PoissonDrive on pools A and B whose rates (stimulus_rates, drawn with seed) change every
        stim_resample_ms. Run it with network.simulate_network(net, t_stop, dt, seed=...).
        """
        n_trials = require_count("n_trials", n_trials, maximum=MAX_NEURONS // max(self.n, 1))
        coherence = self.trial_coherences(coherence, n_trials)
        names = self.population_names(n_trials)
        sizes = np.tile(self.pool_sizes[:3], n_trials).tolist() + [int(self.pool_sizes[3])] * n_trials
        populations = tuple(Population(name, size, inhibitory=name.startswith("I"), delay=self.delay)
                            for name, size in zip(names, sizes))
        is_e = {name: not population.inhibitory for name, population in zip(names, populations)}
        pick = lambda e_value, i_value: per_population(populations, {name: e_value if is_e[name] else i_value  # noqa: E731
                                                                     for name in names})
        neuron = LIF(c_m=pick(self.c_m_e, self.c_m_i), g_l=pick(self.g_l_e, self.g_l_i), e_l=self.e_l,
                     v_th=self.v_th, v_reset=self.v_reset, t_ref=pick(self.t_ref_e, self.t_ref_i))
        synapses = SynapseModel("conductance", tau_exc=self.tau_ampa, tau_inh=self.tau_gaba, e_exc=self.e_exc,
                                e_inh=self.e_inh)
        stimulated = np.concatenate([np.arange(*span) for trial in range(n_trials)
                                     for span in self.pool_spans(trial, n_trials)[:2]])
        drives = (PoissonDrive(self.nu_ext_hz, 1, pick(self.g_ext_e, self.g_ext_i)),
                  PoissonDrive(self.stimulus_rates(coherence, t_on, t_off, seed), 1, self.g_ext_e, targets=stimulated))
        pooled = (PooledProjection(AMPA(self.tau_ampa, self.e_exc), self.recurrent_g(names, "ampa")),
                  PooledProjection(NMDA(self.tau_nmda_rise, self.tau_nmda_decay, self.alpha_nmda, self.e_exc),
                                   self.recurrent_g(names, "nmda")),
                  PooledProjection(GABAA(self.tau_gaba, self.e_inh), self.recurrent_g(names, "gaba")))
        return Network(neuron=neuron, populations=populations, connectivity=empty_connectivity(self.n * n_trials),
                       synapses=synapses, drives=drives, pooled=pooled,
                       info={"model": "wang2002", "params": self, "n_trials": n_trials, "coherence": coherence,
                             "t_on": t_on, "t_off": t_off})

    def pool_spans(self, trial=0, n_trials=1):
        """(first, stop) indices of pools A, B, non-selective and I of one trial in network(n_trials=...): all E first."""
        e_start, i_start = trial * self.n_e, n_trials * self.n_e + trial * self.n_i
        stops = np.append(self.pool_starts[1:3], self.n_e)
        return [(e_start + first, e_start + stop) for first, stop in zip(self.pool_starts[:3], stops)] + \
            [(i_start, i_start + self.n_i)]

    def recurrent_g(self, names, receptor):
        """{(target, source): nS} of one receptor ('ampa', 'nmda', 'gaba') within each trial, for network()."""
        g = self.per_group[receptor]
        n_trials = len(names) // 4
        trial_names = [names[3 * trial:3 * trial + 3] + [names[3 * n_trials + trial]] for trial in range(n_trials)]
        pairs = {}
        for pools in trial_names:
            for target_group, target in enumerate(pools):
                if receptor == "gaba":
                    pairs[(target, pools[3])] = g[target_group]
                    continue
                for source_group, source in enumerate(pools[:3]):
                    pairs[(target, source)] = g[target_group] * self.weights[target_group, source_group]
        return pairs

    def trial_coherences(self, coherence, n_trials):
        """Coherence (%) of each of n_trials trials, from a number or one value per trial (checked: -100 .. 100)."""
        coherence = require_in_range("coherence", coherence, -100.0, 100.0, "%")
        if coherence.shape not in ((), (n_trials,)):
            raise ValueError(f"coherence has shape {coherence.shape}; give a number or one per trial, ({n_trials},).")
        return np.broadcast_to(coherence, (n_trials,)).astype(float)

    def stimulus_rates(self, coherence, t_on, t_off, seed):
        """The stimulus rates of network(): a function of t (ms) giving the rate (Hz) of every neuron of A and B.

        coherence: one value (%) per trial. Each trial's two rates are redrawn every stim_resample_ms during
        [t_on, t_off) from Gaussians with means mu0 (1 +- c/100) and s.d. stim_sigma_hz (negative draws -> 0);
        0 outside. Drawn once, with seed.
        """
        coherence = require_in_range("coherence", np.atleast_1d(coherence), -100.0, 100.0, "%")
        require_seed("seed", seed)
        t_on, t_off = require_number("t_on", t_on, "ms"), require_number("t_off", t_off, "ms")
        if t_off < t_on:
            raise ValueError(f"t_off ({t_off} ms) is before t_on ({t_on} ms); swap them.")
        n_segments = max(int(np.ceil((t_off - t_on) / self.stim_resample_ms)), 1)
        require_memory("The stimulus rates", n_segments * coherence.size * 2,
                       advice="Shorten the stimulus (t_off - t_on).")
        means = self.mu0_hz * np.stack([1 + coherence / 100.0, 1 - coherence / 100.0], axis=-1)   # (n_trials, 2)
        draws = means + self.stim_sigma_hz * np.random.default_rng(seed).standard_normal((n_segments,) + means.shape)
        draws = np.maximum(draws, 0.0).reshape(n_segments, -1)         # (segments, trial-major A, B rates)
        silent, last = np.zeros(draws.shape[1] * self.n_pool), {}

        def rates_hz(t_ms):
            if not t_on - 1e-9 <= t_ms < t_off - 1e-9:
                return silent
            segment = min(int((t_ms - t_on) / self.stim_resample_ms + 1e-9), n_segments - 1)
            if last.get("segment") != segment:                        # one rate per neuron of A and B, per trial
                last.update(segment=segment, rates=np.repeat(draws[segment], self.n_pool))
            return last["rates"]
        return rates_hz


# ---------------------------------------------------------------------------------------------
# Running trials on the engine, and reading out the pools
# ---------------------------------------------------------------------------------------------

class DecisionStop:
    """until() for network.simulate_network: ends a run once every trial has decided (pool A or B above threshold).

    Counts the spikes of pools A and B of every trial in bins of bin_ms (spikes stamped in [t, t + bin_ms)); at
    the end T of each bin from t_on on, a trial has decided once either pool's rate over [T - DECISION_WINDOW_MS, T)
    reaches threshold_hz (as pool_rates_hz computes it, so first_crossing finds the same decisions).
    """

    def __init__(self, network, n_trials, t_on, threshold_hz, dt, bin_ms=1.0):
        self.network, self.n_trials, self.t_on, self.threshold_hz = network, n_trials, t_on, threshold_hz
        self.steps_per_bin = max(int(round(bin_ms / dt)), 1)
        self.bin_ms, self.dt = self.steps_per_bin * dt, dt
        self.window = max(int(round(DECISION_WINDOW_MS / self.bin_ms)), 1)
        self.starts = np.array([span[0] for trial in range(n_trials)                 # A/0, B/0, A/1, B/1, ...
                                for span in network.pool_spans(trial, n_trials)[:2]])
        self.recent = np.zeros((self.window + 1, 2 * n_trials))   # spikes per bin: the last `window` bins, this one
        self.decided = np.zeros(n_trials, dtype=bool)

    def __call__(self, spiked, t_ms):
        m = int(round(t_ms / self.dt))                                      # the spikes are stamped m dt
        current = self.recent[(m // self.steps_per_bin) % self.recent.shape[0]]
        if m % self.steps_per_bin == 0:
            current.fill(0.0)                                               # they open a new bin
        pool = np.searchsorted(self.starts, spiked, side="right") - 1
        inside = (pool >= 0) & (spiked < self.starts[np.maximum(pool, 0)] + self.network.n_pool)
        np.add.at(current, pool[inside], 1.0)
        if m % self.steps_per_bin or t_ms < self.t_on - 1e-9:
            return False
        completed = self.recent.sum(axis=0) - current                        # the `window` bins before t_ms
        rates = count_rate_hz(completed, self.window * self.bin_ms, self.network.n_pool)
        self.decided |= rates.reshape(self.n_trials, 2).max(axis=1) >= self.threshold_hz
        return bool(self.decided.all())


def run_trials(network=None, coherence=0.0, t_stop=2000.0, dt=0.1, t_on=500.0, t_off=1500.0, n_trials=1, seed=None,
               stop_threshold_hz=None, progress=None):
    """Run n_trials of the spiking network together on the engine; returns its course_lib.network.NetworkResult.

    coherence (%): a number or one per trial; the stimulus is on during [t_on, t_off) ms. The trials are
    independent copies of the populations (WangNetwork.network: "A/0", "B/0", ...; one trial: "A", "B",
    "non-selective", "I"). seed draws the stimulus rates, then the initial potentials and the Poisson input.
    With stop_threshold_hz the run ends once every trial has decided (DecisionStop, checked every 1 ms).
    pool_rates_hz(result) gives the pools' rates.
    """
    network = WangNetwork() if network is None else network
    require_instance("network", network, WangNetwork)
    require_seed("seed", seed)
    n_steps_for(t_stop, dt)                                  # t_stop and dt, before anything is built
    rng = np.random.default_rng(seed)
    net = network.network(coherence, n_trials, t_on, t_off, seed=rng)
    until = None
    if stop_threshold_hz is not None:
        require_positive("stop_threshold_hz", stop_threshold_hz, "Hz")
        until = DecisionStop(network, int(n_trials), t_on, stop_threshold_hz, dt)
    return simulate_network(net, t_stop, dt, seed=rng, until=until, progress=progress)


def pool_counts(result, bin_ms=1.0):
    """Spikes of pools A, B, non-selective and I of every trial in bins of bin_ms: (t in ms at each bin's end,
    counts of shape (n_trials, n_bins, 4)); a bin counts the spikes stamped in [its start, its end), the window of
    CONVENTIONS.md section 12. result: a run of a WangNetwork.network (run_trials)."""
    if not isinstance(result, NetworkResult) or result.info.get("model") != "wang2002":
        raise InputTypeError(f"result must be a run of WangNetwork.network() (run_trials returns one), got "
                             f"{type(result).__name__}.")
    network, n_trials, t_start = result.info["params"], result.info["n_trials"], result.info["t_start"]
    require_positive("bin_ms", bin_ms, "ms")
    require_memory("The pool counts", n_trials * 4 * (result.t_stop - t_start) / bin_ms,
                   advice="Use larger bins (bin_ms).")
    steps_per_bin = max(int(round(bin_ms / result.dt)), 1)
    n_steps = int(round((result.t_stop - t_start) / result.dt))
    n_bins = -(-n_steps // steps_per_bin)
    starts = np.array([span[0] for trial in range(n_trials) for span in network.pool_spans(trial, n_trials)])
    order = np.argsort(starts)                                        # E of every trial come before the I cells
    group = order[np.searchsorted(starts[order], result.spike_indices, side="right") - 1]   # trial * 4 + pool
    stamp = np.rint((result.spike_times - t_start) / result.dt).astype(np.int64)      # spike stamped t_start + m dt
    keep = stamp < n_steps                                            # one stamped at t_stop is after [t_start, t_stop)
    group, stamp = group[keep], stamp[keep]
    flat = (group // 4 * n_bins + stamp // steps_per_bin) * 4 + group % 4
    counts = np.bincount(flat, minlength=n_trials * n_bins * 4).reshape(n_trials, n_bins, 4).astype(float)
    t = t_start + np.minimum((np.arange(n_bins) + 1) * steps_per_bin, n_steps) * result.dt
    return t, counts


def pool_rates_hz(result, bin_ms=1.0, window_ms=DECISION_WINDOW_MS):
    """Population rates (Hz) of pools A, B, non-selective, I over the trailing window_ms, at the end of every bin:
    (t in ms, rates of shape (n_trials, n_bins, 4)). In the first bins the window holds what there is."""
    t, counts = pool_counts(result, bin_ms)
    require_positive("window_ms", window_ms, "ms")
    bin_ms = max(int(round(bin_ms / result.dt)), 1) * result.dt
    width = max(int(round(window_ms / bin_ms)), 1)
    cumulative = np.cumsum(counts, axis=1)                     # whole spike counts: sums are exact
    shifted = np.concatenate([np.zeros_like(cumulative[:, :width]), cumulative[:, :-width]], axis=1)
    bins_in_window = np.minimum(np.arange(1, t.size + 1), width)[None, :, None]
    return t, count_rate_hz(cumulative - shifted, bins_in_window * bin_ms, result.info["params"].pool_sizes)


def spiking_decisions(network=None, coherence=0.0, n_trials=1, threshold_hz=15.0, t_on=200.0,
                      max_decision_ms=2000.0, seed=None, dt=0.1):
    """Reaction-time trials of the spiking network: choice (0 = A, 1 = B, -1 = none) and decision time (ms).

    The stimulus comes on at t_on and stays on until every trial has decided (pool A or B crosses
    threshold_hz, 50 ms window) or max_decision_ms have passed.
    """
    require_positive("max_decision_ms", max_decision_ms, "ms")
    require_number("t_on", t_on, "ms")
    require_positive("dt", dt, "ms")
    t_stop = t_on + max_decision_ms
    try:
        n_steps_for(t_stop, dt)
    except ValueError as err:
        raise ValueError(f"t_on + max_decision_ms = {t_stop} ms: {err}") from None
    run = run_trials(network, coherence, t_stop=t_stop, dt=dt, t_on=t_on, t_off=t_stop, n_trials=n_trials,
                     seed=seed, stop_threshold_hz=threshold_hz)
    t, rates = pool_rates_hz(run)
    return first_crossing(t, rates[..., :2], threshold_hz, t_start=t_on)


# ---------------------------------------------------------------------------------------------
# Reduced two-variable model (Wong & Wang 2006)
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class WongWang:
    """Wong & Wang (2006) reduced decision model: NMDA gating S1, S2 of two pools; pA, Hz, ms.

    Defaults: Wong & Wang (2006), J Neurosci 26:1314, Appendix (two-variable model without recurrent
    AMPA): a = 270 Hz/nA = 0.270 Hz/pA, b = 108 Hz, d = 0.154 s, gamma = 0.641, tau_S = 100 ms,
    J_N11 = 0.2609 nA, J_N12 = 0.0497 nA, I_0 = 0.3255 nA, J_A,ext = 5.2e-4 nA/Hz, mu0 = 30 Hz,
    noise: Ornstein-Uhlenbeck with tau_AMPA = 2 ms and sigma_noise = 0.02 nA.

    Noise convention: the paper's Methods say "sigma_noise^2 is the variance of the noise", so the
    noise current here has stationary s.d. sigma_noise. Its equation, tau_AMPA dI/dt = -I + eta(t)
    sqrt(tau_AMPA sigma_noise^2), read with eta a unit white noise, would give sigma_noise / sqrt 2;
    to run that reading pass sigma_noise / sqrt(2). With the stated variance the psychometric
    threshold is close to the monkeys' 7.4 %, for which the Appendix says sigma_noise was chosen;
    with the other reading it is about 4.8 % (chapter 10 prints both).
    """

    a: float = 0.270          # gain, Hz/pA
    b: float = 108.0          # offset, Hz
    d: float = 0.154          # curvature, s (multiplies a x - b in Hz)
    gamma: float = 0.641      # NMDA saturation factor
    tau_s: float = 100.0      # NMDA gating time constant, ms
    j_self: float = 260.9     # J_N11 = J_N22, pA
    j_cross: float = 49.7     # J_N12 = J_N21, pA
    i_0: float = 325.5        # background current, pA
    j_ext: float = 0.52       # stimulus current per Hz of motion input, pA/Hz
    mu0_hz: float = 30.0      # stimulus strength, Hz
    tau_ampa: float = 2.0     # noise correlation time, ms
    sigma_noise: float = 20.0  # stationary s.d. of the noise current, pA

    def __post_init__(self):
        for name in ("a", "d", "gamma", "tau_s", "tau_ampa"):
            require_positive(name, getattr(self, name))
        for name in ("j_self", "j_cross", "j_ext", "mu0_hz", "sigma_noise"):
            require_non_negative(name, getattr(self, name))

    @property
    def max_dt(self):
        """Largest accepted step, ms: half the noise correlation time."""
        return self.tau_ampa / 2.0

    def rate_hz(self, x_pa):
        """Pool rate H(x) = (a x - b) / (1 - exp(-d (a x - b))) in Hz for input current x (pA).

        Written as 1 / (d exprel(-d u)) with u = a x - b, which is exact at the removable
        singularity u = 0 (where H = 1/d) and free of overflow for large |u|.
        """
        u = self.a * np.asarray(x_pa, dtype=float) - self.b
        return 1.0 / (self.d * exprel(-self.d * u))

    def rate_slope(self, x_pa):
        """dH/dx (Hz/pA) at input current x (pA)."""
        z = np.maximum(self.d * (self.a * np.asarray(x_pa, dtype=float) - self.b), -200.0)
        small = np.abs(z) < 1e-4
        z_safe = np.where(small, 1.0, z)
        one_minus = -np.expm1(-z_safe)                       # 1 - exp(-z)
        g_prime = (one_minus - z_safe * np.exp(-z_safe)) / one_minus ** 2
        return self.a * np.where(small, 0.5 + z / 6.0, g_prime)

    def stimulus_pa(self, coherence, mu0_hz=None):
        """Stimulus currents (pA) to pools 1 and 2 for coherence c (%): J_ext mu0 (1 +- c/100), shape (..., 2)."""
        mu0 = self.mu0_hz if mu0_hz is None else mu0_hz
        c = np.asarray(coherence, dtype=float) / 100.0
        return self.j_ext * mu0 * np.stack([1.0 + c, 1.0 - c], axis=-1)

    def input_pa(self, s, external_pa=0.0):
        """Total input x (pA) to each pool for gating s (..., 2) and extra input (stimulus + noise)."""
        s = np.asarray(s, dtype=float)
        recurrent = self.j_self * s - self.j_cross * s[..., ::-1]
        return recurrent + self.i_0 + external_pa

    def ds_dt(self, s, external_pa=0.0):
        """Deterministic dS/dt (1/ms) of both pools for gating s (..., 2) and extra input (pA)."""
        s = np.asarray(s, dtype=float)
        rate_per_ms = hz_to_per_ms(self.rate_hz(self.input_pa(s, external_pa)))
        return -s / self.tau_s + (1.0 - s) * self.gamma * rate_per_ms

    def initial_state(self, n_trials, rng, s0=0.1):
        """S = s0 in both pools, noise drawn from its stationary distribution; arrays (n_trials, 2)."""
        return {"s": np.full((n_trials, 2), float(s0)),
                "noise": self.sigma_noise * rng.standard_normal((n_trials, 2))}

    def step(self, state, stimulus_pa, dt, rng):
        """Advance S (exponential Euler, rate frozen) and the noise (exact OU) by dt ms; returns the rates (Hz)."""
        rate = self.rate_hz(self.input_pa(state["s"], stimulus_pa + state["noise"]))
        drive = self.gamma * hz_to_per_ms_unchecked(rate)        # 1/ms (rate comes from the model: not re-checked)
        relax = 1.0 / self.tau_s + drive
        s_inf = drive / relax
        state["s"] = s_inf + (state["s"] - s_inf) * np.exp(-relax * dt)
        decay = np.exp(-dt / self.tau_ampa)
        kick = self.sigma_noise * np.sqrt(1.0 - decay ** 2)             # stationary s.d. sigma_noise
        state["noise"] = state["noise"] * decay + kick * rng.standard_normal(state["noise"].shape)
        return rate


@dataclass
class ReducedResult:
    """Reduced-model trials: choices, decision times and (if recorded) rate traces."""

    coherence: np.ndarray       # %, shape (n_trials,)
    choice: np.ndarray          # 0 = pool 1, 1 = pool 2, -1 = no decision
    decision_time: np.ndarray   # ms from stimulus onset (nan without decision)
    t: np.ndarray = field(default=None)      # recorded times, ms
    rates: np.ndarray = field(default=None)  # Hz, averaged over the trailing window, (n_trials, n_recorded, 2)
    s: np.ndarray = field(default=None)      # gating, (n_trials, n_recorded, 2)


def simulate_reduced(model=None, coherence=0.0, n_trials=1, t_stop=2000.0, dt=0.5, t_on=0.0, t_off=None,
                     threshold_hz=15.0, window_ms=DECISION_WINDOW_MS, mu0_hz=None, seed=None, record=True, record_every=1,
                     s0=0.1, stop_when_decided=False, progress=None):
    """Run n_trials of the reduced model at once; coherence (%) is a number or one per trial.

    The stimulus is on during [t_on, t_off) ms (t_off=None: to the end). Each pool's rate is averaged
    over the trailing window_ms (as for the spiking network's population rates); a trial's decision
    is the first time after t_on that either averaged rate reaches threshold_hz: choice 0 (pool 1)
    or 1 (pool 2). record=False keeps only choices and times (recorded rates are the averaged ones);
    stop_when_decided ends the run once every trial has decided.
    """
    model = WongWang() if model is None else model
    check_dt(model, dt)
    require_seed("seed", seed)
    require_positive("t_stop", t_stop, "ms")
    require_positive("threshold_hz", threshold_hz, "Hz")
    require_count("n_trials", n_trials)
    coherence = np.broadcast_to(np.asarray(coherence, dtype=float), (int(n_trials),)).copy()
    require_in_range("coherence", coherence, -100.0, 100.0, "%")
    t_off = np.inf if t_off is None else t_off
    rng = np.random.default_rng(seed)
    n_steps = n_steps_for(t_stop, dt)
    stimulus = model.stimulus_pa(coherence, mu0_hz)
    state = model.initial_state(int(n_trials), rng, s0)
    choice = np.full(int(n_trials), -1)
    decision_time = np.full(int(n_trials), np.nan)
    window = max(int(round(window_ms / dt)), 1)
    recent = np.zeros((window,) + stimulus.shape)        # the last `window` rates, a ring buffer
    running_sum = np.zeros(stimulus.shape)
    kept_t, kept_r, kept_s = [], [], []
    active = np.arange(int(n_trials))                    # the trials still being simulated
    for k in progress_range(n_steps, progress, work=n_steps * n_trials * 2):
        t = k * dt
        on = t_on <= t < t_off
        new_rate = model.step(state, stimulus if on else 0.0, dt, rng)
        running_sum += new_rate - recent[k % window]
        recent[k % window] = new_rate
        rate = running_sum / min(k + 1, window)              # trailing mean (Hz)
        if t >= t_on:
            crossed = (choice[active] < 0) & (rate.max(axis=1) >= threshold_hz)
            choice[active[crossed]] = np.argmax(rate[crossed], axis=1)
            decision_time[active[crossed]] = t - t_on
        if record and k % record_every == 0:
            kept_t.append(t)
            kept_r.append(rate)
            kept_s.append(state["s"].copy())
        if stop_when_decided and t >= t_on:
            undecided = choice[active] < 0
            if not undecided.any():
                break
            if not record and undecided.mean() < 0.5:       # drop finished trials: the rest run faster
                active, stimulus, running_sum = active[undecided], stimulus[undecided], running_sum[undecided]
                recent = recent[:, undecided]
                state = {name: value[undecided] for name, value in state.items()}
    result = ReducedResult(coherence=coherence, choice=choice, decision_time=decision_time)
    if record:
        result.t = np.array(kept_t)
        result.rates = np.stack(kept_r, axis=1)
        result.s = np.stack(kept_s, axis=1)
    return result


# ---------------------------------------------------------------------------------------------
# Reading out choices (both models)
# ---------------------------------------------------------------------------------------------

def first_crossing(t, rates, threshold_hz, t_start=0.0):
    """Choice (0 = pool 1, 1 = pool 2, -1 = none) and time (ms after t_start) when either rate first reaches threshold.

    t: times (ms), shape (n_t,); rates: Hz, shape (n_trials, n_t, 2).
    """
    rates = np.asarray(rates, dtype=float)
    after = np.asarray(t) >= t_start
    above = (rates >= threshold_hz) & after[None, :, None]
    crossed_any = above.any(axis=2)
    has = crossed_any.any(axis=1)
    first = np.argmax(crossed_any, axis=1)
    at_first = rates[np.arange(rates.shape[0]), first]
    choice = np.where(has, np.argmax(at_first, axis=1), -1)
    when = np.where(has, np.asarray(t)[first] - t_start, np.nan)
    return choice, when


def choice_statistics(coherence, choice, decision_time):
    """Per coherence level: accuracy and mean decision times (ms) of correct and error trials.

    Pool 1 is the correct choice for c > 0, pool 2 for c < 0; at c = 0 pool 1 is scored as "correct",
    so accuracy there measures the bias (0.5 without one). Trials without a decision are left out.
    Returns a dict of arrays: coherence, n, accuracy, rt_correct, rt_error.
    """
    coherence, choice = np.asarray(coherence, dtype=float), np.asarray(choice)
    decision_time = np.asarray(decision_time, dtype=float)
    levels = np.unique(np.abs(coherence))
    out = {key: [] for key in ("coherence", "n", "accuracy", "rt_correct", "rt_error")}
    for level in levels:
        pick = (np.abs(coherence) == level) & (choice >= 0)
        correct = np.where(coherence[pick] >= 0, choice[pick] == 0, choice[pick] == 1)
        times = decision_time[pick]
        out["coherence"].append(level)
        out["n"].append(int(pick.sum()))
        out["accuracy"].append(correct.mean() if pick.any() else np.nan)
        out["rt_correct"].append(times[correct].mean() if correct.any() else np.nan)
        out["rt_error"].append(times[~correct].mean() if (~correct).any() else np.nan)
    return {key: np.array(value) for key, value in out.items()}


def choice_lifetime_ms(t, rates, t_off, lost_below_hz=6.0, window_ms=250.0):
    """How long each trial holds its choice after the stimulus: (winner, lifetime in ms after t_off).

    t: end of each time bin (ms), shape (n_t,), equally spaced; rates: rates of pools 1 and 2 (Hz) in
    each bin, shape (n_trials, n_t, 2). The winner (0 or 1) is the pool with the higher mean rate over
    the last 250 ms before t_off. Its lifetime is the first time after t_off at which its rate, averaged
    over the trailing window_ms (a window lying wholly after t_off), falls below lost_below_hz; inf if
    that never happens before the record ends.
    """
    t, rates = np.asarray(t, dtype=float), np.asarray(rates, dtype=float)
    require_positive("window_ms", window_ms, "ms")
    bin_ms = t[1] - t[0]
    width = max(int(round(window_ms / bin_ms)), 1)
    last_part = (t > t_off - 250.0) & (t <= t_off)
    if not last_part.any():
        raise ValueError(f"no bins in the last 250 ms before t_off = {t_off} ms; record the stimulus period too.")
    winner = np.argmax(rates[:, last_part].mean(axis=1), axis=1)
    own = rates[np.arange(winner.size), :, winner]                        # (n_trials, n_t)
    if width > t.size:
        raise ValueError(f"window_ms = {window_ms} ms is longer than the record ({t.size} bins of {bin_ms} ms).")
    mean = np.lib.stride_tricks.sliding_window_view(own, width, axis=1).mean(axis=2)   # window ending at bin width-1+k
    t_end = t[width - 1:]
    valid = t_end - width * bin_ms >= t_off - 1e-9                          # window wholly after t_off
    lost = valid & (mean < lost_below_hz)
    lifetime = np.where(lost.any(axis=1), t_end[np.argmax(lost, axis=1)] - t_off, np.inf)
    return winner, lifetime
