"""Working memory held by short-term synaptic facilitation: Mongillo, Barak & Tsodyks (2008).

Spiking network (``MongilloNetwork``: its parameters, wiring and ``network()``, built on course_lib.network)
    Leaky integrate-and-fire neurons (course_lib.neurons.LIF) with delta synapses: a spike arriving
    through a synapse of efficacy J makes the membrane jump by J mV. N_E excitatory and N_I
    inhibitory neurons, each pair connected with probability c. The E cells hold p selective
    populations of f N_E neurons each (one per memory item) and a non-selective rest: the engine's
    populations "item 1" ... "item p", "non-selective" and "I". Every excitatory-to-excitatory
    synapse carries Tsodyks-Markram short-term plasticity (course_lib.plasticity): its efficacy at a
    spike is J u x, with u (facilitation, decays in tau_f) and x (available resources, recover in
    tau_d); each E neuron keeps one (u, x) pair for all its E->E synapses (network.ShortTermPlasticity).
    Delays are drawn uniform in [0.1, 1] ms and rounded to multiples of delay_step (0.2 ms, at least
    one step). Every neuron receives an external Gaussian white-noise input of mean mu_ext (mV) and
    strength sigma_ext (mV), held constant during each step (drives.NoiseDrive); cues and read-outs
    multiply the mean of a group (Pulse).

        net = MongilloNetwork(n_e=4000, n_i=1000)
        run = simulate_network(net.network([cue(0, 300.0)], seed=1), 1000.0, dt=0.2, seed=2, record_stp_ms=5.0)
        run.mean_rate_hz("item 1", 700.0), run.stp["u"]["item 1"]

    Scaling. The published network has 8000 E and 2000 I neurons (c = 0.2: each E neuron gets
    K = 1600 E inputs). A smaller network keeps c and f, so each neuron receives K' = K n_e / 8000
    inputs, and every efficacy is multiplied by 8000 / n_e (E sources) or 2000 / n_i (I sources):
    K J, the mean recurrent input per unit rate, is unchanged; only its fluctuations grow (by
    sqrt(8000 / n_e)).

Population rate model (``RateModel``, ``simulate_rates``)
    The mean-field version with one rate, one u and one x per selective population and one
    inhibitory pool, in the form of Mi, Katkov & Tsodyks (2017):
        tau   dh_a/dt = -h_a + J_EE u_a x_a r_a - J_EI r_I + I_b + I_a(t)
        tau_I dh_I/dt = -h_I + J_IE sum_a r_a
        du_a/dt = (U - u_a) / tau_f + U (1 - u_a) r_a
        dx_a/dt = (1 - x_a) / tau_d - u_a x_a r_a
        r = alpha ln(1 + exp(h / alpha))      (a smooth threshold-linear rate function, Hz)
    Rates in Hz, times in ms (a rate times a time goes through course_lib.units).

Units: ms, mV, pA, nS, pF, Hz.
"""
import bisect
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..connectivity import Connectivity, bernoulli
from ..drives import NoiseDrive
from ..network import Network, Population, ShortTermPlasticity, SynapseModel
from ..neurons import LIF
from ..plasticity import TsodyksMarkram
from ..simulation import check_dt, n_steps_for
from ..units import hz_to_per_ms_unchecked
from ..validation import (MAX_NEURONS, InputTypeError, require_above, require_count, require_finite, require_in_range,
                          require_instance, require_memory, require_non_negative, require_number, require_positive,
                          require_seed)

REFERENCE_N_E, REFERENCE_N_I = 8000, 2000   # network size of Mongillo et al. (2008)
TIME_TOLERANCE_MS = 1e-6                    # two times closer than this are the same time


# ---------------------------------------------------------------------------------------------
# Spiking network
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class MongilloNetwork:
    """Mongillo, Barak & Tsodyks (2008) network: LIF neurons, delta synapses, STP on E->E; ms, mV, Hz.

    Defaults: Mongillo et al. (2008), Science 319:1543, supporting online material. N_E = 8000,
    N_I = 2000, connection probability c = 0.2, p = 5 selective populations of f = 0.1 N_E neurons.
    tau_m = 15 ms (E), 10 ms (I); threshold 20 mV, reset 16 mV (E), 13 mV (I), refractory 2 ms
    (potentials relative to rest). Efficacies (mV): J_IE = 0.135 (E->I), J_EI = 0.25 (I->E,
    inhibitory), J_II = 0.20, E->E baseline J_b = 0.1 and potentiated J_p = 0.45: within a selective
    population J_p, from a selective neuron to another population J_b, from a non-selective neuron
    J_p with probability gamma_0 = 0.1, else J_b. Delays uniform in [0.1, 1] ms. STP on E->E:
    U = 0.2, tau_f = 1500 ms, tau_d = 200 ms. External input: mean 23.10 mV (E), 21.0 mV (I),
    white noise of strength sigma_ext = 1 mV, written as in Brunel (2000):
    tau_m dv/dt = -v + mu + sigma sqrt(tau_m) xi(t) (free-membrane s.d. sigma / sqrt(2)).
    A smaller n_e, n_i scales the efficacies by 8000/n_e and 2000/n_i (see the module docstring).
    """

    n_e: int = REFERENCE_N_E
    n_i: int = REFERENCE_N_I
    p: int = 5                  # number of selective populations (memory items)
    f: float = 0.1              # fraction of E neurons in each selective population
    c: float = 0.2              # connection probability
    tau_e: float = 15.0         # membrane time constant, E, ms
    tau_i: float = 10.0         # membrane time constant, I, ms
    v_th: float = 20.0          # threshold, mV above rest
    v_reset_e: float = 16.0     # mV
    v_reset_i: float = 13.0     # mV
    t_ref: float = 2.0          # ms
    j_ie: float = 0.135         # E -> I, mV (at the published size)
    j_ei: float = 0.25          # I -> E, mV (inhibitory)
    j_ii: float = 0.20          # I -> I, mV (inhibitory)
    j_b: float = 0.1            # E -> E baseline, mV
    j_p: float = 0.45           # E -> E potentiated, mV
    gamma_0: float = 0.1        # fraction of potentiated synapses from non-selective neurons
    delay_min: float = 0.1      # ms
    delay_max: float = 1.0      # ms
    u_se: float = 0.2           # U, baseline utilisation
    tau_f: float = 1500.0       # facilitation decay, ms
    tau_d: float = 200.0        # recovery from depression, ms
    mu_ext_e: float = 23.10     # mean external input to E, mV
    mu_ext_i: float = 21.0      # mean external input to I, mV
    sigma_ext: float = 1.0      # external noise strength, mV
    g_l: float = 10.0           # leak conductance, nS (only tau_m matters with delta synapses)
    delay_step: float = 0.2     # the drawn delays are rounded to multiples of this, ms (run with a dt dividing it)

    def __post_init__(self):
        for name in ("n_e", "n_i", "p"):
            require_count(name, getattr(self, name))
        require_in_range("f", self.f, 0.0, 1.0)
        require_in_range("c", self.c, 0.0, 1.0)
        require_in_range("gamma_0", self.gamma_0, 0.0, 1.0)
        if self.p * self.f > 1.0 + 1e-12:
            raise ValueError(f"p f = {self.p * self.f:.3g} > 1: the selective populations do not fit in the E "
                             "population. Lower p or f.")
        if self.n_pop < 1:
            raise ValueError(f"f n_e = {self.f * self.n_e:.2f}: each selective population needs at least one "
                             "neuron. Raise f or n_e.")
        for name in ("tau_e", "tau_i", "tau_d", "tau_f", "g_l", "delay_min", "delay_step"):
            require_positive(name, getattr(self, name), "ms" if name != "g_l" else "nS")
        for name in ("t_ref", "j_ie", "j_ei", "j_ii", "j_b", "j_p", "sigma_ext"):
            require_non_negative(name, getattr(self, name))
        require_in_range("u_se", self.u_se, 0.0, 1.0)
        require_above("v_th", self.v_th, "v_reset_e", self.v_reset_e)
        require_above("v_th", self.v_th, "v_reset_i", self.v_reset_i)
        require_above("delay_max", require_finite("delay_max", self.delay_max, "ms") + 1e-12, "delay_min",
                      self.delay_min, "ms")
        for name in ("mu_ext_e", "mu_ext_i"):
            require_finite(name, getattr(self, name), "mV")
        for name in ("n_e", "n_i", "p", "f", "c", "tau_e", "tau_i", "v_th", "v_reset_e", "v_reset_i", "t_ref", "j_ie",
                     "j_ei", "j_ii", "j_b", "j_p", "gamma_0", "delay_min", "delay_max", "u_se", "tau_f", "tau_d",
                     "mu_ext_e", "mu_ext_i", "sigma_ext", "g_l", "delay_step"):
            if np.ndim(getattr(self, name)) != 0:
                raise ValueError(f"{name} must be a single number (got shape {np.shape(getattr(self, name))}).")
        require_memory(f"the synapses of n_e = {self.n_e} and n_i = {self.n_i} neurons",   # ~16 bytes per synapse
                       2.0 * self.c * float(self.n) ** 2, advice="Use fewer neurons (n_e, n_i) or a lower c.")

    # --- sizes and populations ---------------------------------------------------------------

    @property
    def n(self):
        """Number of neurons, E and I."""
        return int(self.n_e + self.n_i)

    @property
    def n_pop(self):
        """Neurons per selective population, f n_e."""
        return int(round(self.f * self.n_e))

    @property
    def group_names(self):
        """Names of the neuron groups: the p selective populations, the non-selective E cells, I."""
        return [f"item {a + 1}" for a in range(self.p)] + ["non-selective", "I"]

    @cached_property
    def group_starts(self):
        """First neuron index of each group (selective populations, non-selective, I) and n at the end."""
        return np.array([a * self.n_pop for a in range(self.p)] + [self.p * self.n_pop, self.n_e, self.n])

    @cached_property
    def group_of(self):
        """Group index of every neuron, shape (n,): 0..p-1 selective, p non-selective, p+1 inhibitory."""
        return np.repeat(np.arange(self.p + 2), np.diff(self.group_starts))

    def members(self, group):
        """Neuron indices of a group: a population number 0..p-1, 'non-selective', 'E', 'I' or 'all'."""
        named = {"non-selective": self.p, "I": self.p + 1}
        if group == "E":
            return np.arange(self.n_e)
        if group == "all":
            return np.arange(self.n)
        g = named.get(group, group)
        if not isinstance(g, (int, np.integer)) or not 0 <= g <= self.p + 1:
            raise ValueError(f"group must be 0..{self.p - 1}, 'non-selective', 'E', 'I' or 'all' (got {group!r}).")
        return np.arange(self.group_starts[g], self.group_starts[g + 1])

    # --- parameters used by the simulation -----------------------------------------------------

    @property
    def e_scale(self):
        """Factor on efficacies of E sources: 8000 / n_e (keeps K J of the published network)."""
        return REFERENCE_N_E / self.n_e

    @property
    def i_scale(self):
        """Factor on efficacies of I sources: 2000 / n_i."""
        return REFERENCE_N_I / self.n_i

    @cached_property
    def neuron(self):
        """The LIF neurons (per-neuron parameter arrays, E first): rest 0 mV, threshold v_th."""
        is_e = np.arange(self.n) < self.n_e
        tau_m = np.where(is_e, self.tau_e, self.tau_i)
        return LIF(c_m=tau_m * self.g_l, g_l=np.full(self.n, float(self.g_l)), e_l=0.0, v_th=self.v_th,
                   v_reset=np.where(is_e, self.v_reset_e, self.v_reset_i), t_ref=self.t_ref)

    @cached_property
    def stp(self):
        """The Tsodyks-Markram synapse of the E->E connections (u relaxes to U between spikes)."""
        return TsodyksMarkram(u_se=self.u_se, tau_d=self.tau_d, tau_f=self.tau_f, u_rest=self.u_se)

    @property
    def max_dt(self):
        """Largest accepted step, ms: 0.2 (the delays, 0.1-1 ms, are multiples of delay_step = 0.2 ms)."""
        return min(0.2, self.neuron.max_dt)

    def mu_ext(self):
        """Mean external input of every neuron, mV, shape (n,)."""
        return np.where(np.arange(self.n) < self.n_e, self.mu_ext_e, self.mu_ext_i)

    # --- connectivity ------------------------------------------------------------------------

    def connect(self, rng):
        """Random synapses -> (Connectivity with efficacies in mV, inhibitory negative; delays in ms per synapse)."""
        require_seed("rng", rng)
        rng = np.random.default_rng(rng)
        n_e, n = self.n_e, self.n
        sources, targets, weights = [], [], []
        blocks = [(0, n_e, 0, n_e), (0, n_e, n_e, n), (n_e, n, 0, n_e), (n_e, n, n_e, n)]  # (src, tgt) ranges
        for s0, s1, t0, t1 in blocks:
            src, tgt = bernoulli(s1 - s0, t1 - t0, self.c, rng, same_population=(s0 == t0))
            src, tgt = src.astype(np.int64) + s0, tgt.astype(np.int64) + t0
            sources.append(src)
            targets.append(tgt)
            weights.append(self._efficacies(src, tgt, rng))
        sources, targets, weights = (np.concatenate(a) for a in (sources, targets, weights))
        conn = Connectivity.from_pairs(sources, targets, weights, n, n)
        delays = rng.uniform(self.delay_min, self.delay_max, conn.n_synapses).astype(np.float32)  # any order
        return conn, delays

    def _efficacies(self, src, tgt, rng):
        """Efficacy (mV, inhibitory negative) of each synapse src -> tgt, scaled to the network size."""
        n_e, p = self.n_e, self.p
        src_e, tgt_e = src < n_e, tgt < n_e
        group = self.group_of
        w = np.where(src_e, self.j_ie * self.e_scale, np.where(tgt_e, -self.j_ei, -self.j_ii) * self.i_scale)
        ee = src_e & tgt_e
        same_item = ee & (group[src] == group[tgt]) & (group[src] < p)
        from_nonselective = ee & (group[src] == p)
        lucky = rng.random(src.size) < self.gamma_0
        potentiated = same_item | (from_nonselective & lucky)
        return np.where(ee, np.where(potentiated, self.j_p, self.j_b) * self.e_scale, w)

    # --- the network on the engine -------------------------------------------------------------

    @cached_property
    def populations(self):
        """The engine's populations: the p items, the non-selective E cells, I (delays are per synapse)."""
        sizes = np.diff(self.group_starts)
        return tuple(Population(name, int(size), inhibitory=(name == "I"), delay=0.0)
                     for name, size in zip(self.group_names, sizes))

    def synapse_delays(self, delays_ms):
        """Delays (ms) drawn from the continuous range, rounded to the nearest multiple of delay_step (at least one)."""
        delays_ms = require_non_negative("delays_ms", delays_ms, "ms")
        return np.maximum(np.rint(delays_ms / self.delay_step), 1) * self.delay_step

    def network(self, pulses=(), wiring=None, seed=None):
        """The spiking network as a course_lib.network.Network, with the input protocol pulses (cue, readout).

        wiring: (Connectivity, delays_ms) from connect() (the same synapses for several protocols); default: draw
        them with seed. Run it with network.simulate_network(net, t_stop, dt, seed, record_stp_ms=...).
        """
        pulses = _pulse_list(pulses)
        for pulse in pulses:
            if not isinstance(pulse, Pulse):
                raise ValueError(f"pulses must be Pulse objects (see cue() and readout()), got "
                                 f"{type(pulse).__name__}.")
            self.members(pulse.target)   # raises for an unknown target
        if wiring is None:
            require_seed("seed", seed)
            wiring = self.connect(seed)
        elif not isinstance(wiring, tuple) or len(wiring) != 2:
            raise InputTypeError(f"wiring must be the pair (Connectivity, delays_ms) returned by connect() "
                                 f"(got {wiring!r:.60}).")
        conn, delays_ms = wiring
        if conn.n_source != self.n:
            raise ValueError(f"the wiring connects {conn.n_source} neurons but the network has n = {self.n}.")
        excitatory = tuple(self.group_names[:-1])
        return Network(neuron=self.neuron, populations=self.populations, connectivity=conn,
                       synapses=SynapseModel("delta"),
                       drives=(NoiseDrive(mean_mv=pulsed_mean(self, pulses), sigma_mv=self.sigma_ext),),
                       synapse_delays=self.synapse_delays(delays_ms),
                       stp=ShortTermPlasticity(self.stp, sources=excitatory, targets=excitatory),
                       initial_v=(0.0, self.v_th), info={"model": "mongillo2008", "params": self, "pulses": pulses})


def _check_target(target, named=("E", "I", "non-selective", "all")):
    """A pulse target: a population number (whole, >= 0) or one of the group names."""
    if isinstance(target, str):
        if target not in named:
            raise ValueError(f"target must be a population number or one of {list(named)} (got {target!r}).")
    elif not isinstance(target, (int, np.integer)) or isinstance(target, bool) or target < 0:
        raise ValueError(f"target must be a population number 0, 1, ... or one of {list(named)} (got {target!r:.60}).")


@dataclass(frozen=True)
class Pulse:
    """An external input change: the mean input of a group is multiplied by gain during [t_on, t_off) ms.

    target: a selective population (0..p-1), 'E' (all excitatory neurons: a non-specific signal),
    'non-selective', 'I' or 'all'. Mongillo et al. (2008): cue gain 1.15 for 350 ms on one
    population; read-out gain 1.05 for 250 ms on all E neurons.
    """

    t_on: float
    t_off: float
    gain: float
    target: object = "E"

    def __post_init__(self):
        require_number("t_on", self.t_on, "ms")
        require_number("t_off", self.t_off, "ms")
        if not self.t_off > self.t_on:
            raise ValueError(f"t_off ({self.t_off} ms) must be after t_on ({self.t_on} ms).")
        require_number("gain", require_non_negative("gain", self.gain))
        _check_target(self.target)


def cue(population, t_on, duration=350.0, gain=1.15):
    """Selective cue of Mongillo et al. (2008): the population's external input x 1.15 for 350 ms."""
    require_number("t_on", t_on, "ms")
    require_positive("duration", duration, "ms")
    return Pulse(t_on, t_on + duration, gain, population)


def readout(t_on, duration=250.0, gain=1.05):
    """Non-specific read-out signal of Mongillo et al. (2008): every E neuron's input x 1.05 for 250 ms."""
    require_number("t_on", t_on, "ms")
    require_positive("duration", duration, "ms")
    return Pulse(t_on, t_on + duration, gain, "E")


def external_means(network, pulses, t_ms):
    """Mean external input (mV, shape (n,)) at time t_ms: the background times the gains of active pulses.

    A pulse is on during [t_on, t_off); times within TIME_TOLERANCE_MS of an edge count as on it (a step's start,
    k dt, can differ from a written edge in its last bits).
    """
    mu = network.mu_ext()
    for pulse in pulses:
        if pulse.t_on <= t_ms + TIME_TOLERANCE_MS < pulse.t_off:
            mu[network.members(pulse.target)] *= pulse.gain
    return mu


def pulsed_mean(network, pulses):
    """The mean external input as a function of t_ms (for NoiseDrive): external_means, computed once per interval
    between the pulses' edges."""
    edges, by_interval = sorted({t for pulse in pulses for t in (pulse.t_on, pulse.t_off)}), {}

    def mean_mv(t_ms):
        interval = bisect.bisect_right(edges, t_ms + TIME_TOLERANCE_MS)
        if interval not in by_interval:
            by_interval[interval] = external_means(network, pulses, t_ms)
        return by_interval[interval]
    return mean_mv


def _pulse_list(pulses):
    """pulses as a list: one pulse may be given alone."""
    if isinstance(pulses, (Pulse, RatePulse)):
        return [pulses]
    if isinstance(pulses, (str, bytes)) or not hasattr(pulses, "__iter__"):
        raise InputTypeError(f"pulses must be a list of pulses (got {pulses!r:.60}).")
    return list(pulses)


# ---------------------------------------------------------------------------------------------
# Population rate model (Mi, Katkov & Tsodyks 2017)
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class RateModel:
    """Rate model of p selective populations with STP and one inhibitory pool; Hz, ms.

    Defaults: Mi, Katkov & Tsodyks (2017), Neuron 93:323, network model: J_EE = 8, J_IE = 1.75,
    J_EI = 1.1, U = 0.3, tau_f = 1.5 s, tau_d = 0.3 s, tau = tau_I = 8 ms, alpha = 1.5 Hz,
    background I_b = 8 Hz, p = 16 populations. The equations are those of the module docstring;
    inputs h are in Hz (the rate an input would evoke without threshold).
    """

    p: int = 16                 # number of selective populations
    j_ee: float = 8.0           # recurrent excitation within a population
    j_ie: float = 1.75          # excitation of the inhibitory pool by each population
    j_ei: float = 1.1           # inhibition of every population by the pool
    u_se: float = 0.3           # U, baseline utilisation
    tau_f: float = 1500.0       # facilitation decay, ms
    tau_d: float = 300.0        # recovery from depression, ms
    tau: float = 8.0            # time constant of the excitatory inputs, ms
    tau_i: float = 8.0          # time constant of the inhibitory input, ms
    alpha: float = 1.5          # softness of the rate function, Hz
    i_b: float = 8.0            # background input to every population, Hz
    i_inh: float = 0.0          # background input to the inhibitory pool, Hz

    def __post_init__(self):
        require_count("p", self.p)
        for name in ("tau_f", "tau_d", "tau", "tau_i"):
            require_positive(name, getattr(self, name), "ms")
        require_positive("alpha", self.alpha, "Hz")
        for name in ("j_ee", "j_ie", "j_ei"):
            require_non_negative(name, getattr(self, name))
        require_in_range("u_se", self.u_se, 0.0, 1.0)
        require_finite("i_b", self.i_b, "Hz")
        require_finite("i_inh", self.i_inh, "Hz")
        require_memory("the populations", 8.0 * self.p, advice="Use a smaller p.")

    @property
    def max_dt(self):
        """Largest accepted step, ms: a tenth of the fastest time constant."""
        return min(self.tau, self.tau_i) / 10.0

    def rate_hz(self, h):
        """Rate r = alpha ln(1 + exp(h / alpha)) (Hz) for input h (Hz): smooth, threshold-linear for large h."""
        return self._rate(require_finite("h", h, "Hz"))

    def _rate(self, h):
        """rate_hz without the argument check (the inner loop)."""
        return self.alpha * np.logaddexp(0.0, h / self.alpha)

    def input_for_rate(self, rate_hz):
        """Inverse of rate_hz: the input h (Hz) that gives rate_hz (> 0): alpha ln(exp(r / alpha) - 1)."""
        r = require_positive("rate_hz", rate_hz, "Hz")
        return self.alpha * np.log(np.expm1(r / self.alpha))

    def initial_state(self, rate_hz=0.0, n_runs=None):
        """All populations at rate_hz with rested synapses (u = U, x = 1), the pool at its matching input.

        n_runs: hold that many independent runs at once (arrays of shape (n_runs, p)); default one run (p,).
        """
        rate_hz = require_number("rate_hz", require_non_negative("rate_hz", rate_hz, "Hz"), "Hz")
        shape = (self.p,) if n_runs is None else (require_count("n_runs", n_runs, maximum=MAX_NEURONS), self.p)
        require_memory("the state", 4.0 * np.prod(shape, dtype=float))
        h = self.input_for_rate(np.full(shape, max(rate_hz, 1e-6)))
        return {"h": h, "h_i": self.j_ie * self._rate(h).sum(axis=-1) + self.i_inh,
                "u": np.full(shape, float(self.u_se)), "x": np.ones(shape)}

    def relaxation(self, state, i_ext, r=None):
        """Where each variable is heading and how fast, with the rates frozen: {name: (target, rate in 1/ms)}.

        Every equation is linear in its own variable, dv/dt = rate (target - v):
        h -> J_EE u x r - J_EI r_I + I_b + i_ext at 1/tau;  h_I -> J_IE sum r + I_inh at 1/tau_I;
        u -> (U/tau_f + U r) / (1/tau_f + U r) at 1/tau_f + U r;  x -> (1/tau_d) / (1/tau_d + u r) at 1/tau_d + u r.
        r: the populations' rates at this state if already known (rate_hz of state["h"]; simulate_rates passes
        the rates the previous step returned), else computed here.
        """
        r = self._rate(state["h"]) if r is None else r
        r_i = self._rate(state["h_i"])
        r_per_ms = hz_to_per_ms_unchecked(r)
        u, x = state["u"], state["x"]
        u_rate = 1.0 / self.tau_f + self.u_se * r_per_ms
        x_rate = 1.0 / self.tau_d + u * r_per_ms
        inhibition = self.j_ei * r_i[..., None]                    # the same for every population of a run
        return {"h": (self.j_ee * u * x * r - inhibition + self.i_b + i_ext, 1.0 / self.tau),
                "h_i": (self.j_ie * np.add.reduce(r, axis=-1) + self.i_inh, 1.0 / self.tau_i),
                "u": ((self.u_se / self.tau_f + self.u_se * r_per_ms) / u_rate, u_rate),
                "x": ((1.0 / self.tau_d) / x_rate, x_rate)}

    def derivatives(self, state, i_ext):
        """Time derivatives of h, h_i, u, x (per ms) at this state: rate (target - value)."""
        return {name: rate * (target - state[name]) for name, (target, rate) in self.relaxation(state, i_ext).items()}

    def step(self, state, i_ext, dt, r=None):
        """Advance by dt ms under extra input i_ext (Hz, broadcastable to h); returns the new rates (Hz).

        Exponential Euler with the rates frozen over the step: each variable relaxes exactly towards
        its target. u and x are averages over many synapses, so there is no release order to respect.
        r: the rates at the start of the step if known (what the previous step returned), as in relaxation.
        """
        for name, (target, rate) in self.relaxation(state, i_ext, r).items():
            state[name] = target + (state[name] - target) * np.exp(-dt * rate)
        return self._rate(state["h"])


@dataclass(frozen=True)
class RatePulse:
    """Extra input amount_hz (Hz) to a population (0..p-1) or to all ('all') during [t_on, t_off) ms."""

    t_on: float
    t_off: float
    amount_hz: float
    target: object = "all"

    def __post_init__(self):
        require_number("t_on", self.t_on, "ms")
        require_number("t_off", self.t_off, "ms")
        if not self.t_off > self.t_on:
            raise ValueError(f"t_off ({self.t_off} ms) must be after t_on ({self.t_on} ms).")
        require_number("amount_hz", self.amount_hz, "Hz")
        _check_target(self.target, named=("all",))


def rate_cue(population, t_on, duration=30.0, amount_hz=225.0):
    """Item-loading cue of Mi et al. (2017): 225 Hz of extra input to one population for 30 ms."""
    require_number("t_on", t_on, "ms")
    require_positive("duration", duration, "ms")
    return RatePulse(t_on, t_on + duration, amount_hz, population)


@dataclass
class RateResult:
    """A rate-model run: t (ms); rates r (Hz), u, x: (samples, p) or (samples, n_runs, p); pool rate r_i."""

    t: np.ndarray
    r: np.ndarray
    u: np.ndarray
    x: np.ndarray
    r_i: np.ndarray
    model: RateModel


def rate_input(model, pulses, t_ms):
    """Extra input (Hz, shape (p,)) of every population at time t_ms from the active pulses."""
    extra = np.zeros(model.p)
    for pulse in pulses:
        if pulse.t_on <= t_ms < pulse.t_off:
            if pulse.target == "all":
                extra += pulse.amount_hz
            else:
                extra[pulse.target] += pulse.amount_hz
    return extra


def simulate_rates(model, t_stop, pulses=(), dt=0.2, i_b=None, drive=None, state=None, record_every=1):
    """Run the rate model for t_stop ms with the given RatePulses; returns a RateResult.

    i_b: None (one run at model.i_b) or an array of backgrounds (Hz), one per run, all run at once.
    drive: optional function of t_ms returning extra input (Hz) of shape (p,) or (n_runs, p), added
    to the pulses (for inputs that differ between runs).
    state: start from this state (default: model.initial_state()); it is advanced in place.
    record_every: keep every record_every-th step (the recorded time is the end of that step).
    """
    require_instance("model", model, RateModel)
    check_dt(model, dt)
    n_steps = n_steps_for(t_stop, dt)
    record_every = require_count("record_every", record_every)
    if record_every > n_steps:
        raise ValueError(f"record_every = {record_every} is more than the {n_steps} steps of the run: nothing would be "
                         f"recorded. Give record_every <= t_stop / dt.")
    pulses = _pulse_list(pulses)
    for pulse in pulses:
        if not isinstance(pulse, RatePulse):
            raise ValueError(f"pulses must be RatePulse objects (see rate_cue), got {type(pulse).__name__}.")
        if pulse.target != "all" and not (isinstance(pulse.target, (int, np.integer)) and 0 <= pulse.target < model.p):
            raise ValueError(f"a pulse targets a population 0..{model.p - 1} or 'all' (got {pulse.target!r}).")
    if drive is not None and not callable(drive):
        raise ValueError("drive must be a function of t_ms returning the extra input (Hz).")
    n_runs = None if i_b is None else np.size(i_b)
    if i_b is not None and (require_finite("i_b", i_b, "Hz").ndim != 1 or np.size(i_b) == 0):
        raise ValueError(f"i_b must be a 1-d array of backgrounds, one per run (got shape {np.shape(i_b)}).")
    extra_background = 0.0 if i_b is None else (np.asarray(i_b, dtype=float) - model.i_b)[:, None]
    if state is None:
        state = model.initial_state(n_runs=n_runs)
    elif not isinstance(state, dict) or set(state) != {"h", "h_i", "u", "x"}:
        raise ValueError(f"state must be a dict with keys h, h_i, u, x (see RateModel.initial_state); "
                         f"got {state!r:.60}.")
    else:
        for name, value in state.items():
            require_finite(f"state[{name!r}]", value)
    require_memory("the recorded rates", 3.0 * (n_steps // record_every) * np.size(state["h"]))
    keep = np.arange(record_every - 1, n_steps, int(record_every))
    shape = (keep.size,) + np.shape(state["h"])
    out = {name: np.empty(shape) for name in ("r", "u", "x")}
    r_i = np.empty(shape[:-1])
    switch = sorted({t for pl in pulses for t in (pl.t_on, pl.t_off)} | {0.0})
    # the steps in which a pulse starts or ends (the step starting within dt / 2 of its time): the input changes
    switch_steps = {k for s in switch for k in range(int(s / dt) - 1, int(s / dt) + 2) if abs(k * dt - s) < 0.5 * dt}
    extra = rate_input(model, pulses, 0.0) + extra_background
    rates = model._rate(state["h"])
    row = 0
    for k in range(n_steps):
        t = k * dt
        if k in switch_steps:
            extra = rate_input(model, pulses, t + 0.5 * dt) + extra_background
        rates = model.step(state, extra if drive is None else extra + drive(t), dt, rates)
        if row < keep.size and k == keep[row]:
            out["r"][row], out["u"][row], out["x"][row] = rates, state["u"], state["x"]
            r_i[row] = model._rate(state["h_i"])
            row += 1
    return RateResult(t=(keep + 1) * dt, r=out["r"], u=out["u"], x=out["x"], r_i=r_i, model=model)


def readout_response(model, delays_ms, population=0, readout_hz=10.0, readout_ms=100.0, dt=0.2, i_b=None):
    """Cue a population, wait delays_ms (one run per delay, all at once), then a non-specific read-out.

    Returns a dict of arrays (one entry per delay): 'peak_hz', the cued population's largest rate in the
    300 ms after the read-out starts; 'u', its facilitation when the read-out starts; 'other_peak_hz',
    the largest rate of any other population then. Cue: rate_cue (225 Hz for 30 ms). Read-out:
    readout_hz (Hz) to every population for readout_ms (ms). A peak above ~50 Hz is a population spike.
    """
    require_instance("model", model, RateModel)
    delays = np.atleast_1d(require_non_negative("delays_ms", delays_ms, "ms"))
    if delays.ndim != 1:
        raise ValueError(f"delays_ms must be a number or a 1-d array (got shape {delays.shape}).")
    if not isinstance(population, (int, np.integer)) or isinstance(population, bool) or not 0 <= population < model.p:
        raise ValueError(f"population must be a population number 0..{model.p - 1} (got {population!r:.60}).")
    require_number("readout_hz", readout_hz, "Hz")
    require_number("readout_ms", require_positive("readout_ms", readout_ms, "ms"), "ms")
    if i_b is not None:
        require_number("i_b", i_b, "Hz")
    cue_pulse = rate_cue(population, 0.0)
    t_read = 100.0 + cue_pulse.t_off + float(delays.max())
    cue_on = t_read - delays - cue_pulse.t_off                   # each run's cue ends delay ms before t_read
    n = delays.size

    def drive(t_ms):
        extra = np.zeros((n, model.p))
        extra[:, population] = np.where((t_ms >= cue_on) & (t_ms < cue_on + cue_pulse.t_off), cue_pulse.amount_hz, 0.0)
        if t_read <= t_ms < t_read + readout_ms:
            extra += readout_hz
        return extra

    background = np.full(n, model.i_b if i_b is None else float(i_b))
    res = simulate_rates(model, t_read + 300.0, dt=dt, i_b=background, drive=drive)
    after = res.t > t_read
    k_read = int(np.searchsorted(res.t, t_read))
    others = np.delete(res.r[after], population, axis=-1)
    return {"peak_hz": res.r[after, :, population].max(axis=0), "u": res.u[k_read, :, population],
            "other_peak_hz": others.max(axis=(0, 2))}


def population_spike_times(t_ms, rate_hz, threshold_hz=40.0, min_gap_ms=50.0):
    """Times (ms) of population spikes: local maxima of a population rate above threshold_hz, min_gap_ms apart."""
    t, r = require_finite("t_ms", t_ms, "ms"), require_finite("rate_hz", rate_hz, "Hz")
    if t.ndim != 1 or r.shape != t.shape:
        raise ValueError(f"t_ms and rate_hz must be 1-d arrays of one shape (got {t.shape} and {r.shape}).")
    require_number("threshold_hz", threshold_hz, "Hz")
    require_number("min_gap_ms", require_non_negative("min_gap_ms", min_gap_ms, "ms"), "ms")
    peaks = np.flatnonzero((r[1:-1] > threshold_hz) & (r[1:-1] >= r[:-2]) & (r[1:-1] > r[2:])) + 1
    kept = []
    for k in peaks[np.argsort(-r[peaks])]:                        # the highest peaks first
        if all(abs(t[k] - t[j]) >= min_gap_ms for j in kept):
            kept.append(k)
    return np.sort(t[np.array(kept, dtype=int)]) if kept else np.zeros(0)
