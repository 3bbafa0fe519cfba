"""The engine for networks of spiking neurons (Part III): event-driven spikes, delays, synapses, monitors.

A network of n = n_e + n_i neurons: indices 0 .. n_e-1 are excitatory (E), n_e .. n-1 inhibitory (I).
What it is built from lives beside it: who connects to whom in course_lib.connectivity, the external
drives in course_lib.drives, the published networks in course_lib.models (balanced: Brunel 2000 and
the J ~ 1/sqrt(K) network; binary: van Vreeswijk & Sompolinsky's binary network).

    from course_lib.models.balanced import brunel_network
    net = brunel_network(g=5.0, eta=2.0, seed=1)         # or balanced_lif_network(...), or Network(...) yourself
    result = simulate_network(net, t_stop=500.0, dt=0.1, seed=2, record_v=[0, 1], record_currents=[0])
    result.spike_times, result.spike_indices, result.v, result.currents["exc"]

How one step of length dt works (``Network.step``, the loop students read):

1. spikes sent ``delay`` ms ago arrive: one row of a ring buffer per channel (exc, inh);
2. external Poisson inputs arrive (a random count per neuron) on the channel ``ext``;
3. the synapses turn arrivals into currents (pA: delta pulses, exponential currents) or into
   exponential conductances (nS) with reversal potentials; pooled projections (course_lib.projections:
   all-to-all AMPA, NMDA, GABA_A) add their conductances; constant and white-noise drives add currents;
4. the neuron model from ``course_lib.neurons`` advances under the summed current; an LIF takes the
   conductances as they are (their sum and their sum times the reversal potentials) and steps exactly
   for them held over the step, other models get their current at the step's start;
5. only the neurons that spiked touch memory: their target lists (compressed rows, ``Connectivity``)
   are added into the ring-buffer row that will be read ``delay`` ms later (one delay per population,
   or one per synapse), scaled by each spike's release u x where short-term plasticity acts.

Units: ms, mV, pA, nS, pF, Hz. Synaptic weights are mV (delta: the jump of v), pA (current-based:
the jump of the synaptic current) or nS (conductance-based: the jump of the conductance).

Speed: the state holds the work arrays that every step reuses (allocated once, in initial_state); an LIF
neuron is updated in place (``lif_step_in_place``: the numbers of ``LIF.step`` in fewer numpy calls); the
cost grows with the number of synaptic events. benchmarks/README.md compares this engine with Brian2 on the networks of
Brette et al. (2007) and Brunel (2000), shows how it scales, and where a step's time goes
(benchmarks/engine_profile.py).
"""
import bisect
import dataclasses
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from .analysis import population_rate_hz
from .connectivity import Connectivity, csr_rows, index_ranges, population_weights, require_population_weights
from .drives import ConstantDrive, NoiseDrive, PoissonDrive
from .neurons import LIF
from .plasticity import TsodyksMarkram
from .projections import PooledProjection
from .progress import progress_range
from .simulation import check_dt, n_steps_for
from .synapses import exponential_step_mean
from .units import hz_to_per_ms
from .validation import (MAX_NEURONS, InputTypeError, require_choice, require_count, require_finite,
                         require_indices, require_instance, require_mapping, require_memory, require_non_negative,
                         require_number, require_positive, require_seed, require_window)

CHANNELS = ("exc", "inh", "ext")
SYNAPSE_KINDS = ("delta", "current", "conductance")


def require_network(name, net, kind=None):
    """Raise InputTypeError unless net is a Network (or a BinaryNetwork when kind is BinaryNetwork)."""
    return require_instance(name, net, kind or Network)


# ----------------------------------------------------------------------------------------------
# Synapses and external drive
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SynapseModel:
    """How arriving spikes become current, per channel exc / inh / ext (ext has excitatory kinetics).

    kind "delta": a spike of weight w (mV) makes v jump by w (Brunel 2000);
    kind "current": the synaptic current (pA) jumps by w and decays with tau_exc / tau_inh;
    kind "conductance": the conductance (nS) jumps by w and decays; current g (e_rev - v)
    (Vogels & Abbott 2005; Brette et al. 2007 COBA: tau_exc 5 ms, tau_inh 10 ms, e_exc 0 mV, e_inh -80 mV).
    """

    kind: str = "delta"
    tau_exc: float = 5.0    # decay of excitatory (and external) synaptic current/conductance, ms
    tau_inh: float = 10.0   # decay of inhibitory synaptic current/conductance, ms
    e_exc: float = 0.0      # excitatory reversal potential, mV (conductance synapses only)
    e_inh: float = -80.0    # inhibitory reversal potential, mV (conductance synapses only)

    def __post_init__(self):
        if not isinstance(self.kind, str) or self.kind not in SYNAPSE_KINDS:
            raise ValueError(f"synapse kind must be one of {SYNAPSE_KINDS}, got {self.kind!r}.")
        require_positive("tau_exc", self.tau_exc, "ms")
        require_positive("tau_inh", self.tau_inh, "ms")
        require_number("e_exc", self.e_exc, "mV")
        require_number("e_inh", self.e_inh, "mV")

    def tau(self, channel):
        """Decay time constant (ms) of a channel: inh uses tau_inh, exc and ext use tau_exc."""
        return self.tau_inh if channel == "inh" else self.tau_exc

    def reversal(self, channel):
        """Reversal potential (mV) of a channel (conductance synapses)."""
        return self.e_inh if channel == "inh" else self.e_exc


# ----------------------------------------------------------------------------------------------
# The network and its step
# ----------------------------------------------------------------------------------------------

class NeuronModel(Protocol):
    """What the engine needs of a neuron model (course_lib.neurons: LIF, EIF and AdEx have it; HodgkinHuxley,
    without a reset, does not). Parameters may be numbers or (n,) arrays, one value per neuron."""

    v_reset: object     # mV, reset potential (the random initial potentials start there)
    g_l: object         # nS, leak conductance (delta synapses: a jump of w mV is g_l w / (1 - e^(-dt/tau_m)) pA)
    tau_m: object       # ms, membrane time constant
    n_params: int       # 1, or n for per-neuron parameter arrays
    max_dt: float       # ms, the largest step the model accepts

    def initial_state(self, n):
        """State of n neurons: a dict of (n,) arrays with "v" (mV)."""

    def step(self, state, i_ext, dt):
        """Advance the state in place by dt ms under i_ext (pA, (n,)); return spiked, (n,) bool. (LIF.step also
        takes the conductance synapses' g_syn and g_syn_e_rev, which the engine passes where synapses are
        conductances; other models get their current at the step's start in i_ext.)"""


NEURON_NEEDS = ("initial_state", "step", "max_dt", "v_reset", "g_l", "tau_m", "n_params")   # NeuronModel's names
DRIVES = (PoissonDrive, ConstantDrive, NoiseDrive)


@dataclass(frozen=True)
class ShortTermPlasticity:
    """Tsodyks-Markram plasticity on every synapse from the sources populations onto the targets populations.

    u and x depend only on the presynaptic spike train, so each source neuron keeps one (u, x) pair for all
    these synapses and updates it when it fires (event-driven); a spike's weight is multiplied by its u x.
    """

    model: TsodyksMarkram
    sources: tuple
    targets: tuple

    def __post_init__(self):
        require_instance("model", self.model, TsodyksMarkram)
        for name in ("sources", "targets"):
            names = getattr(self, name)
            if isinstance(names, str) or not isinstance(names, (tuple, list)) or not names:
                raise InputTypeError(f"ShortTermPlasticity.{name} must be a non-empty tuple of population names "
                                     f"(got {names!r:.60}).")
            object.__setattr__(self, name, tuple(names))
        if np.ndim(self.model.u_se) or np.ndim(self.model.tau_f) or np.ndim(self.model.tau_d):
            raise ValueError("the network's plasticity needs one parameter set (numbers, not arrays).")


@dataclass(frozen=True)
class Population:
    """A named block of a network's neurons: how many, whether their spikes excite or inhibit, their delay (ms).

    The spikes of an inhibitory population arrive on the channel 'inh' (kinetics tau_inh, reversal e_inh),
    those of an excitatory one on 'exc'; delay is the transmission delay of every synapse it makes.
    """

    name: str
    size: int
    inhibitory: bool = False
    delay: float = 1.5

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name or self.name == "all":
            raise ValueError(f"a population's name must be a non-empty string other than 'all' (got {self.name!r}).")
        require_count(f"size of population {self.name!r}", self.size, minimum=0, maximum=MAX_NEURONS)
        if not isinstance(self.inhibitory, (bool, np.bool_)):
            raise InputTypeError(f"inhibitory of population {self.name!r} must be True or False "
                                 f"(got {self.inhibitory!r}).")
        require_non_negative(f"delay of population {self.name!r}", self.delay, "ms")

    @property
    def channel(self):
        """The input channel its spikes arrive on: 'inh' or 'exc'."""
        return "inh" if self.inhibitory else "exc"


def ei_populations(n_e, n_i, delay_exc=1.5, delay_inh=1.5):
    """The two populations of an E/I network: 'E' (neurons 0 .. n_e-1) and 'I' (the next n_i), delays in ms."""
    require_count("n_e", n_e, minimum=0, maximum=MAX_NEURONS)
    require_count("n_i", n_i, minimum=0, maximum=MAX_NEURONS)
    require_non_negative("delay_exc", delay_exc, "ms")
    require_non_negative("delay_inh", delay_inh, "ms")
    return (Population("E", n_e, inhibitory=False, delay=delay_exc), Population("I", n_i, inhibitory=True,
                                                                               delay=delay_inh))


def require_populations(name, populations):
    """Raise unless populations is a non-empty tuple of Populations with distinct names, excitatory ones first."""
    require_instance(name, populations, (tuple, list))
    for population in populations:
        require_instance(f"{name} entries", population, Population)
    names = [population.name for population in populations]
    if len(set(names)) != len(names):
        raise ValueError(f"{name}: each population needs its own name (got {names}).")
    kinds = [population.inhibitory for population in populations]
    if kinds != sorted(kinds):
        raise ValueError(f"{name}: list the excitatory populations before the inhibitory ones (got "
                         f"{[(p.name, 'I' if p.inhibitory else 'E') for p in populations]}); the network's E neurons "
                         f"come first, as NetworkResult and course_lib.analysis expect.")
    for label, inhibitory in (("E", False), ("I", True)):
        if label not in names:
            continue
        if kinds.count(inhibitory) != 1 or kinds[names.index(label)] != inhibitory:
            raise ValueError(f"{name}: a population named {label!r} must be the only "
                             f"{'inhibitory' if inhibitory else 'excitatory'} one ('{label}' names all of them).")
    if sum(population.size for population in populations) < 1:
        raise ValueError(f"{name}: the populations hold no neuron (sizes {[p.size for p in populations]}).")
    return tuple(populations)


@dataclass(frozen=True, eq=False)
class Network:
    """Populations of course_lib neurons, sparse synapses with delays, and external drives.

    neuron: a model from course_lib.neurons (per-neuron parameter arrays of shape (n,) allowed, e.g. from
    per_population); populations: Population objects in index order, excitatory first (ei_populations for
    E and I); connectivity: all recurrent synapses (sources and targets 0 .. n-1); drives: PoissonDrive,
    ConstantDrive and NoiseDrive objects; info: the builder's parameters (for theory).
    synapse_delays: optional, one delay (ms) per synapse in the order of connectivity.targets, instead of
    the populations' delays; stp: optional ShortTermPlasticity; initial_v: optional (low, high) mV of the
    uniform initial potentials (default: reset to threshold); pooled: PooledProjection objects (all-to-all
    receptor synapses, course_lib.projections), beside or instead of the synapses of connectivity.
    """

    neuron: object
    populations: tuple
    connectivity: Connectivity
    synapses: SynapseModel = field(default_factory=SynapseModel)
    drives: tuple = ()
    info: dict = field(default_factory=dict)
    synapse_delays: np.ndarray = None
    stp: ShortTermPlasticity = None
    initial_v: tuple = None
    pooled: tuple = ()

    def __post_init__(self):
        missing = [name for name in NEURON_NEEDS if not hasattr(self.neuron, name)]
        if missing:
            raise InputTypeError(f"neuron: the engine cannot drive a {type(self.neuron).__name__}: it lacks "
                                 f"{', '.join(missing)} (see network.NeuronModel). Use a model with a reset, "
                                 f"such as LIF, EIF or AdEx from course_lib.neurons.")
        object.__setattr__(self, "populations", require_populations("populations", self.populations))
        require_instance("connectivity", self.connectivity, Connectivity)
        require_instance("synapses", self.synapses, SynapseModel)
        require_instance("drives", self.drives, (tuple, list))
        require_instance("info", self.info, dict)
        if self.connectivity.n_source != self.n or self.connectivity.n_target != self.n:
            raise ValueError(f"connectivity is {self.connectivity.n_source} -> {self.connectivity.n_target} "
                             f"neurons but the populations hold {self.n}.")
        if self.neuron.n_params not in (1, self.n):
            raise ValueError(f"the neuron has parameters for {self.neuron.n_params} neurons; the network has {self.n}.")
        for drive in self.drives:
            if not isinstance(drive, DRIVES):
                raise InputTypeError(f"drives must be PoissonDrive, ConstantDrive or NoiseDrive objects, got "
                                     f"{type(drive).__name__}.")
            names = {PoissonDrive: ("rate_hz", "weight"), NoiseDrive: ("mean_mv", "sigma_mv")}.get(type(drive), ())
            targets = getattr(drive, "targets", None)
            n_driven = self.n if targets is None else targets.size
            if targets is not None and targets.max() >= self.n:
                raise ValueError(f"drives: a PoissonDrive targets neuron {targets.max()}; the network has {self.n} "
                                 f"(indices 0 .. {self.n - 1}).")
            for name in names:
                value = getattr(drive, name)
                if not callable(value) and np.ndim(value) > 0 and np.shape(value) != (n_driven,):
                    raise ValueError(f"drives: {type(drive).__name__}.{name} has shape {np.shape(value)}; give a "
                                     f"number or one value per neuron{'' if targets is None else ' it targets'}, "
                                     f"shape ({n_driven},).")
        self.check_delays_and_plasticity()
        self.check_pooled()

    def check_pooled(self):
        """Raise unless every pooled projection names populations of the network, its sources all E or all I."""
        require_instance("pooled", self.pooled, (tuple, list))
        object.__setattr__(self, "pooled", tuple(self.pooled))
        kinds = {population.name: population.inhibitory for population in self.populations}
        for projection in self.pooled:
            require_instance("pooled (each entry)", projection, PooledProjection)
            unknown = [name for name in projection.sources + projection.targets if name not in kinds]
            if unknown:
                raise ValueError(f"a pooled projection names populations {unknown} that the network does not have "
                                 f"({list(kinds)}).")
            if len({kinds[name] for name in projection.sources}) > 1:
                raise ValueError(f"a pooled projection's sources {list(projection.sources)} mix excitatory and "
                                 "inhibitory populations; give each kind its own projection.")

    def check_delays_and_plasticity(self):
        """Raise unless synapse_delays, stp and initial_v fit the network (called on construction)."""
        if self.synapse_delays is not None:
            delays = require_non_negative("synapse_delays", self.synapse_delays, "ms")
            if delays.shape != (self.connectivity.n_synapses,):
                raise ValueError(f"synapse_delays has shape {delays.shape}; give one delay per synapse, shape "
                                 f"({self.connectivity.n_synapses},), in the order of connectivity.targets.")
            object.__setattr__(self, "synapse_delays", delays)      # a float array from here on
        if self.stp is not None:
            require_instance("stp", self.stp, ShortTermPlasticity)
            names = [population.name for population in self.populations]
            unknown = [name for name in self.stp.sources + self.stp.targets if name not in names]
            if unknown:
                raise ValueError(f"stp names populations {unknown} that the network does not have ({names}).")
        if self.initial_v is not None:
            bounds = require_finite("initial_v", self.initial_v, "mV")
            if bounds.shape != (2,) or not bounds[1] >= bounds[0]:
                raise ValueError(f"initial_v = {tuple(self.initial_v)}: give (low, high) with high >= low (mV).")

    @property
    def n(self):
        """Total number of neurons."""
        return sum(population.size for population in self.populations)

    @property
    def n_e(self):
        """Number of excitatory neurons (they come first: indices 0 .. n_e-1)."""
        return sum(population.size for population in self.populations if not population.inhibitory)

    @property
    def n_i(self):
        """Number of inhibitory neurons (indices n_e .. n-1)."""
        return self.n - self.n_e

    @property
    def ranges(self):
        """{population name: (first index, stop index)}, in index order."""
        return index_ranges({population.name: population.size for population in self.populations})

    def delay_steps(self, dt):
        """Delays in whole steps {population name: steps}; ValueError if a delay is not a multiple of dt."""
        dt = float(require_positive("dt", dt, "ms"))
        steps = {}
        for population in self.populations:
            delay, d = population.delay, int(round(population.delay / dt))
            if abs(d * dt - delay) > 1e-6 * max(delay, dt):
                raise ValueError(f"the delay of population {population.name!r}, {delay} ms, is not a multiple of "
                                 f"dt = {dt} ms; choose dt that divides the delay "
                                 f"(e.g. dt = {delay / max(d, 1):g} ms).")
            steps[population.name] = d
        return steps

    def initial_state(self, dt, rng, v0=None):
        """State at t = 0: membrane v0 (default uniform between reset and threshold), silent synapses.

        Holds the neuron state, one synaptic trace per channel, the ring buffers of delayed input
        (one row per step of the longest delay + 1), the step-size constants and work arrays that
        every step reuses (no allocation of (n,) arrays in the loop).
        """
        check_dt(self.neuron, dt)
        for projection in self.pooled:                     # the receptors' kinetics need small enough steps
            check_dt(projection.receptor, dt)
        require_seed("rng", rng)
        if v0 is not None and require_finite("v0", v0, "mV").shape not in ((), (self.n,)):
            raise ValueError(f"v0 must be one potential (mV) or one per neuron, shape ({self.n},); "
                             f"got shape {np.shape(v0)}.")
        n, synapse_delays = self.n, None if self.synapse_delays is None else self.synapse_delay_steps(dt)
        delays = self.delay_steps(dt) if synapse_delays is None else {}      # the populations' delays, if used
        longest = max(delays.values()) if synapse_delays is None else int(synapse_delays.max(initial=0))
        require_memory(f"The delay ring buffers (longest delay {longest * dt:g} ms at dt = {dt:g} ms, {n} neurons)",
                       2 * (longest + 1) * n,
                       advice="Use a larger dt (the ring holds one row per step of the longest delay).")
        rng = np.random.default_rng(rng)
        neuron_state = self.neuron.initial_state(n)
        if v0 is None:
            low, high = self.neuron.v_reset, getattr(self.neuron, "v_th", getattr(self.neuron, "v_t", None))
            if self.initial_v is not None:
                low, high = self.initial_v
            v0 = rng.uniform(0.0, 1.0, n) * (np.asarray(high) - low) + low
        neuron_state["v"] = np.broadcast_to(np.asarray(v0, dtype=float), (n,)).copy()
        ring_length = longest + 1
        state = {"neuron": neuron_state, "step": 0, "dt": dt, "delay_steps": delays,
                 "ring": {ch: np.zeros((ring_length, n)) for ch in ("exc", "inh")},
                 "trace": {ch: np.zeros(n) for ch in CHANNELS},
                 "currents": {ch: np.zeros(n) for ch in CHANNELS},
                 "external": np.zeros(n),
                 "i_total": np.zeros(n), "scratch": np.zeros(n),
                 "active": self.active_channels(),
                 "same_weight": {name: self.common_weight(*span) for name, span in self.ranges.items()},
                 "population_stops": [stop for _, stop in self.ranges.values()],
                 "row_start": self.connectivity.indptr.tolist(),   # source s owns synapses row_start[s] .. [s+1]-1
                 "last_spikes": np.zeros(0, dtype=np.intp),
                 "synapse_delay_steps": synapse_delays,
                 "noise": self.noise_constants(dt),
                 "constant_drives": [drive for drive in self.drives if isinstance(drive, ConstantDrive)]}
        if self.stp is not None:
            is_target = np.zeros(n, dtype=bool)
            for name in self.stp.targets:
                is_target[slice(*self.ranges[name])] = True
            state["stp"] = {"u": np.full(n, float(self.stp.model.u_rest)), "x": np.ones(n),  # just after the last spike
                            "t_last": np.full(n, -np.inf),                                     # ms, of each neuron
                            "onto_target": is_target[self.connectivity.targets]}               # per synapse
        if self.pooled:
            state.update(self.pooled_state(dt))
        if self.synapses.kind == "conductance" or self.pooled:
            conductance_channels = state["active"] if self.synapses.kind == "conductance" else ()
            state["conductances"] = np.zeros((len(conductance_channels), n))   # nS, one row per channel
            state["reversals"] = np.array([self.synapses.reversal(ch) for ch in conductance_channels])   # mV
            state["g_syn"], state["g_syn_e_rev"] = np.zeros(n), np.zeros(n)      # nS, and pA (sum of g e_rev)
        takes_conductances = "g_syn" in state and isinstance(self.neuron, LIF)    # else: their current, in i_total
        state["neuron_conductances"] = {"g_syn": state["g_syn"], "g_syn_e_rev": state["g_syn_e_rev"]} \
            if takes_conductances else {}
        state.update(self.step_constants(dt))
        if type(self.neuron) is LIF:      # the LIF update runs in place (lif_step_in_place); subclasses use step()
            state["lif_work"] = lif_work(self.neuron, n, dt)
        return state

    def pooled_state(self, dt):
        """The pooled projections' part of the state: a ring of arriving spikes, each projection's gating."""
        delays = self.delay_steps(dt)
        is_source = np.zeros(self.n, dtype=bool)
        delay_of = np.zeros(self.n, dtype=np.intp)
        for name, (first, stop) in self.ranges.items():
            delay_of[first:stop] = delays[name]
            is_source[first:stop] = any(name in projection.sources for projection in self.pooled)
        channel = {population.name: population.channel for population in self.populations}
        return {"pooled_ring": np.zeros((int(delay_of[is_source].max(initial=0)) + 1, self.n)),
                "pooled": [projection.initial_state(self.ranges) for projection in self.pooled],
                "pooled_channels": [channel[projection.sources[0]] for projection in self.pooled],
                "pooled_g": [np.zeros(self.n) for _ in self.pooled],
                "pooled_source": is_source, "pooled_delay": delay_of,
                "population_of": np.repeat(np.arange(len(self.populations)), [p.size for p in self.populations])}

    def synapse_delay_steps(self, dt):
        """Per-synapse delays in whole steps (int array); ValueError if one is not a multiple of dt."""
        delays = self.synapse_delays
        steps = np.rint(delays / dt)
        off = np.abs(steps * dt - delays) > 1e-6 * np.maximum(delays, dt)
        if off.any():
            raise ValueError(f"{np.count_nonzero(off)} synapse delays are not multiples of dt = {dt} ms (e.g. "
                             f"{float(delays[off][0]):g} ms); draw them on the grid of the "
                             f"step you run with, or choose a dt that divides them.")
        return steps.astype(np.intp)

    def noise_constants(self, dt):
        """For each NoiseDrive: (drive, g_l in nS, the pA of unit noise held for a step: g_l sigma sqrt(tau_m/dt))."""
        g_l, tau_m = np.asarray(self.neuron.g_l, dtype=float), np.asarray(self.neuron.tau_m, dtype=float)
        return [(drive, g_l, g_l * np.asarray(drive.sigma_mv) * np.sqrt(tau_m / dt))
                for drive in self.drives if isinstance(drive, NoiseDrive)]

    def step_constants(self, dt):
        """Per-step factors: trace decay exp(-dt/tau), the step-average of a decaying trace, delta scaling."""
        syn = self.synapses
        decay = {ch: np.exp(-dt / syn.tau(ch)) for ch in CHANNELS}
        step_mean = {ch: exponential_step_mean(syn.tau(ch), dt) for ch in CHANNELS}   # as course_lib.synapses
        # delta synapses: a current held during one step that makes v jump by exactly w mV
        pa_per_mv = np.asarray(self.neuron.g_l) / (1.0 - np.exp(-dt / np.asarray(self.neuron.tau_m)))
        return {"decay": decay, "step_mean": step_mean, "pa_per_mv": pa_per_mv}

    def active_channels(self):
        """The channels whose synapses work in a step: exc and inh (if connectivity has synapses), ext if a Poisson
        drive uses it."""
        uses_ext = any(isinstance(d, PoissonDrive) and d.channel == "ext" for d in self.drives)
        uses_inh = any(isinstance(d, PoissonDrive) and d.channel == "inh" for d in self.drives)
        recurrent = self.connectivity.n_synapses > 0
        return tuple(ch for ch, used in (("exc", recurrent), ("inh", recurrent or uses_inh), ("ext", uses_ext))
                     if used)

    def common_weight(self, first, stop):
        """The weight shared by all synapses of sources first .. stop-1, or None if they differ."""
        conn = self.connectivity
        weights = conn.weights[conn.indptr[first]:conn.indptr[stop]]
        return float(weights[0]) if weights.size and np.all(weights == weights[0]) else None

    def add_external_spikes(self, arrivals, state, t_ms, rng):
        """Add the weights of this step's external Poisson spikes to the arrivals of their channel (ext or inh)."""
        for drive in self.drives:
            if isinstance(drive, PoissonDrive) and drive.targets is None:
                arrivals[drive.channel] += drive.counts(self.n, state["dt"], t_ms, rng) * drive.weight
            elif isinstance(drive, PoissonDrive):                              # only its targets (distinct)
                arrivals[drive.channel][drive.targets] += drive.counts(drive.targets.size, state["dt"], t_ms,
                                                                       rng) * drive.weight

    def synaptic_currents(self, state, arrivals):
        """Turn this step's arrivals (per channel) into currents (pA, per channel) or conductances, updating the
        traces.

        Current and delta synapses fill state["currents"]. Conductances (nS, the mean of each trace over the step)
        fill the rows of state["conductances"], one per channel; what the neurons need of them is their sum g_syn
        (nS) and their sum weighted by the reversal potentials, g_syn_e_rev (pA): the synaptic current is
        g_syn_e_rev - g_syn v. Pooled projections add their conductances to both.
        """
        kind, currents = self.synapses.kind, state["currents"]
        for row, ch in enumerate(state["active"]):
            if kind == "delta":
                np.multiply(arrivals[ch], state["pa_per_mv"], out=currents[ch])
                continue
            trace = state["trace"][ch]
            trace += arrivals[ch]                                                # jump at arrival
            mean = state["conductances"][row] if kind == "conductance" else currents[ch]
            np.multiply(trace, state["step_mean"][ch], out=mean)                # mean of the trace over the step
            trace *= state["decay"][ch]                                          # decay to the end of the step
        if "g_syn" in state:
            sum_rows(state["conductances"], state["g_syn"])                      # nS, the sum of the channels' rows
            sum_rows(state["conductances"], state["g_syn_e_rev"], weights=state["reversals"])   # pA, sum of g e_rev
        if self.pooled:
            self.pooled_conductances(state)
        return currents

    def pooled_conductances(self, state):
        """Add the conductances of the pooled projections, from the spikes arriving now, to g_syn and g_syn_e_rev."""
        ring, v, scratch = state["pooled_ring"], state["neuron"]["v"], state["scratch"]
        arriving = ring[state["step"] % ring.shape[0]]
        for i, (projection, own) in enumerate(zip(self.pooled, state["pooled"])):
            g = projection.conductance(own, arriving, state["population_of"], state["dt"])   # nS, (n,)
            g *= projection.block(v)                                            # NMDA: Mg block at the step's start
            state["g_syn"] += g
            state["g_syn_e_rev"] += np.multiply(g, projection.receptor.e_rev, out=scratch)
            state["pooled_g"][i] = g                                            # kept for recorded currents
        arriving.fill(0.0)                                                      # delivered: clear for reuse

    def channel_currents(self, state, neurons, v_start):
        """The synaptic currents (pA) of the step just taken at neurons (indices), per channel {exc, inh, ext}, given
        their v (mV) at the step's start (conductances: g (e_rev - v); pooled projections count in their channel)."""
        if self.synapses.kind != "conductance":
            currents = {ch: state["currents"][ch][neurons] for ch in CHANNELS}
        else:
            currents = {ch: np.zeros(len(neurons)) for ch in CHANNELS}
            for row, ch in enumerate(state["active"]):
                currents[ch] = state["conductances"][row][neurons] * (self.synapses.reversal(ch) - v_start)
        for projection, g, ch in zip(self.pooled, state.get("pooled_g", ()), state.get("pooled_channels", ())):
            currents[ch] = currents[ch] + g[neurons] * (projection.receptor.e_rev - v_start)
        return currents

    def send_pooled(self, state, spiked_ids):
        """Put the spikes of pooled sources into the pooled ring, one delay of their population ahead."""
        ids = spiked_ids[state["pooled_source"][spiked_ids]]
        if ids.size:
            ring = state["pooled_ring"]
            ring[(state["step"] + 1 + state["pooled_delay"][ids]) % ring.shape[0], ids] = 1.0

    def total_current(self, state, currents, t_ms, rng):
        """The current (pA) into each neuron: current or delta synapses, constant and noise drives; conductance
        synapses too (their current at the step's start) for a neuron model that does not take them (not an LIF).
        None for an LIF whose only input is conductances (it needs no current array then)."""
        i_total, takes_conductances = state["i_total"], bool(state["neuron_conductances"])
        if self.synapses.kind == "conductance":
            if takes_conductances and not state["noise"] and not state["constant_drives"]:
                return None
            i_total.fill(0.0)
        else:
            np.add(currents["exc"], currents["inh"], out=i_total)
            if "ext" in state["active"]:
                i_total += currents["ext"]
        for drive in state["constant_drives"]:
            i_total += drive.current_at(t_ms)
        for drive, g_l, noise_pa in state["noise"]:    # white noise: a new normal number per neuron and step
            noise = rng.standard_normal(i_total.size)
            noise *= noise_pa
            i_total += noise
            i_total += np.multiply(g_l, drive.mean_at(t_ms), out=noise)
        if "g_syn" in state and not takes_conductances:
            i_total += state["g_syn_e_rev"]
            i_total -= np.multiply(state["g_syn"], state["neuron"]["v"], out=state["scratch"])
        return i_total

    def update_neurons(self, state, i_total, dt):
        """Advance the neurons by dt ms under i_total (pA; None: no current) and, for an LIF, the conductances;
        returns spiked (n,) bool."""
        conductances = state["neuron_conductances"]
        if "lif_work" in state:
            return lif_step_in_place(self.neuron, state["neuron"], i_total, dt, state["lif_work"], **conductances)
        return self.neuron.step(state["neuron"], 0.0 if i_total is None else i_total, dt, **conductances)

    def propagate(self, state, sources):
        """Event-driven: add the synapses of the source neurons (a sorted index array) into the ring rows one delay
        ahead (only the neurons that spiked touch memory)."""
        sources = sources.tolist()                     # a few neurons per step: plain Python ints are cheapest
        first = 0
        for population, stop in zip(self.populations, state["population_stops"]):
            split = bisect.bisect_left(sources, stop, first)       # sources[first:split] belong to this population
            if split > first:
                self.scatter(state, population, sources[first:split])
            first = split

    def scatter(self, state, population, senders):
        """Add the synapses of senders (a list of neurons of one population) into the ring row of their channel
        that is read one delay ahead."""
        if state["synapse_delay_steps"] is not None or (self.stp is not None and population.name in self.stp.sources):
            self.scatter_each(state, population, senders)
            return
        ring = state["ring"][population.channel]
        arrival_row = ring[(state["step"] + 1 + state["delay_steps"][population.name]) % ring.shape[0]]
        conn, row_start = self.connectivity, state["row_start"]
        # np.add.at adds each synapse's weight at its target (a target hit twice gets both).
        # Measured here (numpy 2.4, a row of 12,500 neurons): 640 events 2.5 us, 62,500 events
        # 100 us; np.bincount then a vector add: 17 us and 103 us (it always sweeps all n).
        weight = state["same_weight"][population.name]
        if weight is None:
            weights = csr_rows(conn.weights, row_start, senders)
            np.add.at(arrival_row, csr_rows(conn.targets, row_start, senders), weights)
        else:   # all these synapses are equally strong: gather only their targets (Brunel: 2x faster)
            np.add.at(arrival_row, csr_rows(conn.targets, row_start, senders), weight)

    def scatter_each(self, state, population, senders):
        """scatter, synapse by synapse: each with its own delay (synapse_delays) and, from a plastic source, the
        release u x of its spike (stp)."""
        row_start, conn = state["row_start"], self.connectivity
        synapses = np.concatenate([np.arange(row_start[s], row_start[s + 1]) for s in senders])
        weights = conn.weights[synapses]
        if self.stp is not None and population.name in self.stp.sources:
            release = self.release(state, np.array(senders))
            counts = [row_start[s + 1] - row_start[s] for s in senders]
            weights = weights * np.where(state["stp"]["onto_target"][synapses], np.repeat(release, counts), 1.0)
        delays = state["delay_steps"][population.name] if state["synapse_delay_steps"] is None \
            else state["synapse_delay_steps"][synapses]
        ring = state["ring"][population.channel]
        rows = (state["step"] + 1 + delays) % ring.shape[0]
        np.add.at(ring.reshape(-1), rows * ring.shape[1] + conn.targets[synapses], weights)

    def release(self, state, senders):
        """Short-term plasticity: the senders spike at the end of this step; their u facilitates, u x is released
        (returned, one factor per sender) and x drops (TsodyksMarkram.on_spike, unchecked: the engine's own arrays)."""
        stp, t_ms = state["stp"], (state["step"] + 1) * state["dt"]
        u, x, efficacy = self.stp.model._on_spike(stp["u"][senders], stp["x"][senders], t_ms - stp["t_last"][senders])
        stp["u"][senders], stp["x"][senders], stp["t_last"][senders] = u, x, t_ms
        return efficacy

    def stp_now(self, state, t_ms):
        """u and x of every neuron's plastic synapses at t_ms (relaxed since its last spike), each shape (n,)."""
        stp = state["stp"]
        return self.stp.model._relax(stp["u"], stp["x"], t_ms - stp["t_last"])

    def stp_means(self, state, t_ms):
        """(t_ms, mean u, mean x) at t_ms, the means one per source population of stp (in its order)."""
        u, x = self.stp_now(state, t_ms)
        spans = [slice(*self.ranges[name]) for name in self.stp.sources]
        return t_ms, [u[span].mean() for span in spans], [x[span].mean() for span in spans]

    def step(self, state, dt, rng):
        """Advance the network by one step of dt ms (spikes, synapses, neurons); returns spiked (n,) bool.

        The state's arrays are updated in place.
        """
        if dt != state["dt"]:
            raise ValueError(f"the state was prepared for dt = {state['dt']} ms, not {dt} ms.")
        k = state["step"]
        row = k % state["ring"]["exc"].shape[0]
        arrivals = {"exc": state["ring"]["exc"][row],                         # 1. delayed recurrent spikes
                    "inh": state["ring"]["inh"][row],
                    "ext": state["external"]}
        self.add_external_spikes(arrivals, state, k * dt, rng)                # 2. external Poisson spikes
        currents = self.synaptic_currents(state, arrivals)                    # 3. synapses -> pA
        i_total = self.total_current(state, currents, k * dt, rng)
        spiked = self.update_neurons(state, i_total, dt)                      # 4. neurons
        for channel in state["active"]:
            arrivals[channel].fill(0.0)                                       # delivered: clear for reuse
        state["last_spikes"] = spiked.nonzero()[0]                           # who spiked (indices, sorted)
        if self.connectivity.n_synapses:
            self.propagate(state, state["last_spikes"])                       # 5. spikes out
        if self.pooled:
            self.send_pooled(state, state["last_spikes"])
        state["step"] = k + 1
        return spiked


def sum_rows(rows, out, weights=None):
    """out = weights[0] rows[0] + weights[1] rows[1] + ... (weights None: all 1; zero if no rows). For the one to
    three rows of the conductance channels the numbers of np.dot(weights, rows), with a faster call where there
    is one: 1.0 us, not 1.6 us, for two rows summed (n = 4,000), one np.multiply for one row weighted."""
    if weights is None:
        return np.add(rows[0], rows[1], out=out) if len(rows) == 2 else np.sum(rows, axis=0, out=out)
    return np.multiply(rows[0], weights[0], out=out) if len(rows) == 1 else np.dot(weights, rows, out=out)


def per_population(populations, values):
    """One value per neuron, shape (n,), from {population name: value}: e.g. a parameter that differs by population."""
    require_populations("populations", populations)
    names = [population.name for population in populations]
    require_mapping("values", values)
    if set(values) != set(names):
        raise ValueError(f"values must give one value for each population {names} (got {sorted(values)}).")
    return np.concatenate([np.full(p.size, float(require_finite(f"values[{p.name!r}]", values[p.name])))
                           for p in populations])


def lif_work(neuron, n, dt):
    """The constants and work arrays of lif_step_in_place for n neurons of an LIF and steps of dt ms."""
    return {"membrane_decay": np.exp(-dt / neuron.tau_m), "v_inf_mv": np.zeros(n), "g_total": np.zeros(n),
            "refractory": np.zeros(n, dtype=bool), "zeros": np.zeros(n), "g_l_e_l": np.asarray(neuron.g_l) * neuron.e_l,
            "minus_dt_over_c_m": -dt / np.asarray(neuron.c_m, dtype=float)}


def lif_step_in_place(neuron, state, i_ext, dt, work, g_syn=None, g_syn_e_rev=None):
    """LIF.step (course_lib.neurons) computed in place: the same numbers, in 12 numpy calls instead of 17 and
    without new (n,) arrays but the returned spike mask (LIF.step makes eight).

    neuron: an LIF; state: its {"v" (mV), "ref_left" (ms)}; i_ext: input current (pA; None: none besides the
    conductances); dt (ms); g_syn (nS) and g_syn_e_rev (pA): optional conductance synapses, as in LIF.step;
    work: lif_work(neuron, n, dt).
    Two calls are chosen for speed (same numbers, measured with n = 4,000, numpy 2.4): np.putmask rather than
    np.copyto(..., where=) for the refractory neurons (1.6 us, not 3.8 us, when one in eight is refractory), and
    np.maximum against an array of zeros rather than the number 0 (1.1 us, not 3.0 us).
    """
    v, ref_left_ms = state["v"], state["ref_left"]
    if g_syn is None:
        v_inf_mv = np.divide(i_ext, neuron.g_l, out=work["v_inf_mv"])     # where v relaxes to: e_l + i_ext / g_l
        v_inf_mv += neuron.e_l
        decay = work["membrane_decay"]
    else:                           # (g_syn_e_rev + g_l e_l + i_ext) / (g_l + g_syn), decay with g_l + g_syn
        g_total = np.add(g_syn, neuron.g_l, out=work["g_total"])
        v_inf_mv = np.add(g_syn_e_rev, work["g_l_e_l"], out=work["v_inf_mv"])
        if i_ext is not None:                                           # None: no input besides the conductances
            v_inf_mv += i_ext
        v_inf_mv /= g_total
        decay = np.multiply(g_total, work["minus_dt_over_c_m"], out=g_total)
        np.exp(decay, out=decay)
    refractory = np.greater(ref_left_ms, 1e-9, out=work["refractory"])
    v -= v_inf_mv                                                      # exponential Euler: exact for constant input
    v *= decay
    v += v_inf_mv
    np.putmask(v, refractory, neuron.v_reset)                          # refractory neurons stay at reset
    ref_left_ms -= dt
    np.maximum(ref_left_ms, work["zeros"], out=ref_left_ms)
    spiked = v >= neuron.v_th
    np.copyto(v, neuron.v_reset, where=spiked)                         # reset, and the refractory period starts
    np.copyto(ref_left_ms, neuron.t_ref, where=spiked)
    return spiked


# ----------------------------------------------------------------------------------------------
# Running a network, and what a run returns
# ----------------------------------------------------------------------------------------------

@dataclass
class NetworkResult:
    """What a network run recorded. Times in ms, potentials in mV, currents in pA.

    spike_times, spike_indices: one entry per spike (all neurons); t: sample times (ms) of the traces;
    v: (steps, len(record_v)) membrane potentials; currents: {"exc", "inh", "ext"} -> (steps, n_rec);
    ranges: {population name: (first, stop index)} (default: E and I). A population is named by its name,
    or 'E' (all excitatory neurons), 'I' (all inhibitory) or 'all'. stp (with record_stp_ms): {"t": sample
    times (ms), "u": {source population: mean u}, "x": {...: mean x}} of the plastic synapses.
    """

    spike_times: np.ndarray
    spike_indices: np.ndarray
    n_e: int
    n_i: int
    dt: float
    t_stop: float
    t: np.ndarray
    v: np.ndarray
    v_neurons: np.ndarray
    currents: dict
    current_neurons: np.ndarray
    info: dict = field(default_factory=dict)
    ranges: dict = None
    stp: dict = None

    @property
    def n(self):
        """Number of neurons."""
        return self.n_e + self.n_i

    def span(self, name):
        """(first, stop) neuron index of a population: its name, 'E', 'I' or 'all'."""
        spans = {**(self.ranges or {}), "E": (0, self.n_e), "I": (self.n_e, self.n), "all": (0, self.n)}
        return spans[require_choice("name", name, tuple(spans))]

    def population(self, name):
        """Neuron indices of a population: its name, 'E', 'I' or 'all'."""
        return np.arange(*self.span(name))

    def spikes_of(self, name):
        """(times_ms, indices) of the spikes of a population (its name, 'E', 'I' or 'all'); network indices."""
        first, stop = self.span(name)
        keep = (self.spike_indices >= first) & (self.spike_indices < stop)
        return self.spike_times[keep], self.spike_indices[keep]

    def mean_rate_hz(self, name="all", t_start=0.0, t_stop=None):
        """Mean firing rate (Hz) of a population from its spikes stamped in [t_start, t_stop) (ms; default: the whole
        run); 0 if silent. The window of course_lib.analysis (CONVENTIONS.md section 12)."""
        t_stop = self.t_stop if t_stop is None else t_stop
        t_start, t_stop = require_window(t_start, t_stop)
        times, _ = self.spikes_of(name)
        count = np.count_nonzero((times >= t_start) & (times < t_stop))
        return count / (self.population(name).size * (t_stop - t_start) / 1000.0)

    def rate_hz(self, name="all", bin_ms=10.0):
        """Population rate (Hz) of a population in bins of bin_ms over the run -> (bin centres in ms, rate_hz)."""
        times, _ = self.spikes_of(name)
        return population_rate_hz(times, self.population(name).size, self.info.get("t_start", 0.0), self.t_stop,
                                  bin_ms)


def simulate_network(net, t_stop, dt=0.1, seed=None, record_v=(), record_currents=(), v0=None, state=None,
                     record_stp_ms=None, until=None, progress=None):
    """Run net for t_stop ms with step dt ms; returns a NetworkResult.

    seed: int or numpy Generator for the initial potentials and the external (Poisson, noise) input;
    record_v / record_currents: indices of neurons whose v (mV) / input currents per channel (pA) are
    kept at every step; v0: initial potentials (default uniform, see Network.initial_v);
    state: continue from the state of an earlier run (``result.info["state"]``) instead;
    record_stp_ms: sample the mean u and x of each plastic source population every record_stp_ms ms;
    until: optional function until(spiked, t_ms) called after every step with the indices of the neurons that
    spiked in it and the time at its end; the run ends after the first step for which it returns True
    (the result's t_stop then says when).
    """
    require_network("net", net)
    n_steps = n_steps_for(t_stop, dt)
    require_seed("seed", seed)
    if record_stp_ms is not None:
        require_positive("record_stp_ms", record_stp_ms, "ms")
        if net.stp is None:
            raise ValueError("record_stp_ms: the network has no short-term plasticity (stp) to record.")
    if until is not None and not callable(until):
        raise InputTypeError(f"until must be a function until(spiked, t_ms) -> bool (got {until!r:.60}).")
    record_v = require_indices("record_v", np.atleast_1d(record_v), net.n)
    record_currents = require_indices("record_currents", np.atleast_1d(record_currents), net.n)
    if state is not None:
        if not isinstance(state, dict) or not {"neuron", "step", "dt", "ring"} <= set(state):
            raise ValueError("state must be the state of an earlier run of this network, result.info['state'] "
                             f"(got {state!r:.60}).")
        if state["dt"] != dt:
            raise ValueError(f"state was prepared for dt = {state['dt']} ms; continue with that dt (got dt = {dt}).")
    require_memory("The recorded traces (record_v, record_currents)",
                   n_steps * (1 + record_v.size + len(CHANNELS) * record_currents.size))
    rng = np.random.default_rng(seed)
    state = net.initial_state(dt, rng, v0) if state is None else state
    v_trace = np.empty((n_steps, record_v.size))
    current_traces = {ch: np.empty((n_steps, record_currents.size)) for ch in CHANNELS}
    spike_counts = np.zeros(n_steps, dtype=np.int64)     # spikes in each step
    spike_ids = []                                      # their neuron indices, step after step
    first_step = state["step"]
    stp_every = None if record_stp_ms is None else max(int(round(record_stp_ms / dt)), 1)
    stp_samples = []
    for k in progress_range(n_steps, progress, work=n_steps * net.n):
        if record_currents.size:
            v_start = state["neuron"]["v"][record_currents]         # conductances' currents need v at the start
        net.step(state, dt, rng)
        if stp_every and (k + 1) % stp_every == 0:
            stp_samples.append(net.stp_means(state, (first_step + k + 1) * dt))
        if record_v.size:
            v_trace[k] = state["neuron"]["v"][record_v]
        if record_currents.size:
            for ch, current in net.channel_currents(state, record_currents, v_start).items():
                current_traces[ch][k] = current
        if state["last_spikes"].size:
            spike_counts[k] = state["last_spikes"].size
            spike_ids.append(state["last_spikes"])
        if until is not None and until(state["last_spikes"], (first_step + k + 1) * dt):
            n_steps = k + 1
            v_trace, spike_counts = v_trace[:n_steps], spike_counts[:n_steps]
            current_traces = {ch: trace[:n_steps] for ch, trace in current_traces.items()}
            break
    steps = np.repeat(first_step + np.arange(n_steps), spike_counts)
    ids = np.concatenate(spike_ids) if spike_ids else np.zeros(0, dtype=int)
    t = (first_step + np.arange(n_steps) + 1) * dt
    return NetworkResult(spike_times=(steps + 1) * dt, spike_indices=ids, n_e=net.n_e, n_i=net.n_i, dt=dt,
                         t_stop=(first_step + n_steps) * dt, t=t, v=v_trace, v_neurons=record_v,
                         currents=current_traces, current_neurons=record_currents,
                         info={**net.info, "state": state, "t_start": first_step * dt}, ranges=net.ranges,
                         stp=None if stp_every is None else stp_record(net, stp_samples))


def stp_record(net, samples):
    """NetworkResult.stp from the samples of Network.stp_means: {"t": ms, "u": {source: means}, "x": {...}}."""
    n_sources = len(net.stp.sources)
    u, x = (np.array([sample[i] for sample in samples]).reshape(-1, n_sources) for i in (1, 2))   # (samples, sources)
    return {"t": np.array([sample[0] for sample in samples]),
            "u": {name: u[:, i] for i, name in enumerate(net.stp.sources)},
            "x": {name: x[:, i] for i, name in enumerate(net.stp.sources)}}


def with_population_weights(net, weights, drives=None, info=None):
    """The same synapses (same pairs) with new strengths: weights {(target, source): w} per population pair.

    Cheap compared with drawing a new network: used to change g or J while keeping the wiring.
    drives and info replace the network's drives and info when given.
    """
    require_network("net", net)
    require_population_weights("weights", weights, [population.name for population in net.populations])
    if drives is not None:
        require_instance("drives", drives, (tuple, list))
    if info is not None:
        require_instance("info", info, dict)
    conn = net.connectivity
    new_weights = population_weights(conn.indptr, conn.targets, net.ranges, weights)
    new_conn = Connectivity(indptr=conn.indptr, targets=conn.targets, weights=new_weights, n_target=conn.n_target)
    return dataclasses.replace(net, connectivity=new_conn, drives=net.drives if drives is None else tuple(drives),
                               info=net.info if info is None else info)


def mean_drive_current_pa(net, drive):
    """The mean current (pA, per neuron) that a constant-rate PoissonDrive delivers to the network's neurons.

    Delta synapses: n_inputs spikes per ms * rate make v jump by weight (mV) each, the charge of
    C_m * weight per spike; current synapses: a jump of weight (pA) decaying with tau carries weight * tau.
    """
    require_network("net", net)
    require_instance("drive", drive, PoissonDrive)
    if drive.targets is not None:
        raise ValueError("the drive reaches some neurons only (targets); give one rate per neuron to replace it.")
    if callable(drive.rate_hz):
        raise ValueError("the drive's rate is a function of time; give a constant rate to replace it by its mean.")
    spikes_per_ms = drive.n_inputs * hz_to_per_ms(np.asarray(drive.rate_hz, dtype=float))
    kind = net.synapses.kind
    if kind == "delta":
        charge = np.asarray(net.neuron.c_m) * np.asarray(drive.weight)          # pF * mV = pA * ms per spike
    elif kind == "current":
        charge = np.asarray(drive.weight) * net.synapses.tau(drive.channel)    # pA * ms
    else:
        raise ValueError("a conductance-based drive has no fixed mean current (it depends on v); "
                         "use delta or current synapses for a constant-drive control.")
    return np.broadcast_to(spikes_per_ms * charge, (net.n,)).astype(float)


def with_constant_drive(net, spread_mv=0.0, seed=None):
    """The same network with every Poisson drive replaced by a constant current of the same mean (a control).

    Nothing random is left in the input: any irregularity of the run comes from the network itself.
    spread_mv: optional quenched heterogeneity, a Gaussian spread (s.d., mV of equivalent mean
    depolarisation, drawn once per neuron with seed) of the constant drive; never temporal noise.
    """
    require_network("net", net)
    require_non_negative("spread_mv", spread_mv, "mV")
    require_seed("seed", seed)
    poisson = [d for d in net.drives if isinstance(d, PoissonDrive)]
    if not poisson:
        raise ValueError("the network has no PoissonDrive to replace.")
    current = sum(mean_drive_current_pa(net, d) for d in poisson)      # inhibitory drives carry negative weights
    if spread_mv > 0:
        current = current + np.asarray(net.neuron.g_l) * spread_mv * np.random.default_rng(seed).standard_normal(net.n)
    drives = tuple(d for d in net.drives if not isinstance(d, PoissonDrive)) + (ConstantDrive(current),)
    return dataclasses.replace(net, drives=drives,
                               info={**net.info, "constant_drive_pa": current, "spread_mv": spread_mv})


def combine_networks(networks):
    """Several independent networks simulated as one (block-diagonal synapses): one run sweeps parameters.

    Each network must have one PoissonDrive with the same n_inputs, and all share the neuron model
    (parameters may differ: they become per-neuron arrays), synapse model and delays. The combined
    network lists all E neurons first (network 0's, then network 1's, ...), then all I neurons;
    ``info["blocks"]`` holds, per network, the combined indices of its E and I neurons.
    """
    require_instance("networks", networks, (list, tuple))
    if not networks:
        raise ValueError("networks must hold at least one Network (got an empty list).")
    for net in networks:
        require_instance("networks (each entry)", net, Network)
    first = networks[0]
    for net in networks:
        if [(p.name, p.inhibitory) for p in net.populations] != [("E", False), ("I", True)]:
            raise ValueError("combine_networks combines E/I networks (populations 'E' and 'I', ei_populations).")
        if net.synapse_delays is not None or net.stp is not None or net.pooled:
            raise ValueError("combine_networks combines networks with one delay per population and static synapses "
                             "(no synapse_delays, no stp, no pooled projections).")
        if (net.synapses != first.synapses or [p.delay for p in net.populations] != [p.delay for p in first.populations]
                or type(net.neuron) is not type(first.neuron)):
            raise ValueError("combined networks must share the neuron type, synapse model and delays.")
        if len(net.drives) != 1 or not isinstance(net.drives[0], PoissonDrive) or net.drives[0].targets is not None \
                or net.drives[0].n_inputs != first.drives[0].n_inputs or callable(net.drives[0].rate_hz):
            raise ValueError("each combined network needs exactly one PoissonDrive with a constant rate and "
                             "the same n_inputs.")
    n_e_total = sum(net.n_e for net in networks)
    blocks, new_index, start_e, start_i = [], [], 0, n_e_total
    for net in networks:
        mapping = np.concatenate([start_e + np.arange(net.n_e), start_i + np.arange(net.n_i)])
        blocks.append({"E": mapping[:net.n_e], "I": mapping[net.n_e:]})
        new_index.append(mapping)
        start_e, start_i = start_e + net.n_e, start_i + net.n_i
    n = start_i
    order = np.argsort(np.concatenate(new_index))        # combined index -> position in the stacked lists

    def stacked(values_of):
        return np.concatenate([np.broadcast_to(values_of(net), (net.n,)) for net in networks])[order]

    sources, targets, weights = [], [], []
    for net, mapping in zip(networks, new_index):
        conn = net.connectivity
        sources.append(mapping[np.repeat(np.arange(net.n), conn.out_degree())])
        targets.append(mapping[conn.targets])
        weights.append(conn.weights)
    connectivity = Connectivity.from_pairs(np.concatenate(sources), np.concatenate(targets),
                                           np.concatenate(weights), n, n)
    params = {}
    for name, value in vars(first.neuron).items():     # per-neuron arrays only where the networks differ
        same = all(np.ndim(getattr(net.neuron, name)) == 0 and getattr(net.neuron, name) == value
                   for net in networks)
        params[name] = value if same else stacked(lambda net, name=name: np.asarray(getattr(net.neuron, name),
                                                                                     dtype=float))
    neuron = type(first.neuron)(**params)
    drive = PoissonDrive(rate_hz=stacked(lambda net: float(net.drives[0].rate_hz)), n_inputs=first.drives[0].n_inputs,
                         weight=stacked(lambda net: np.asarray(net.drives[0].weight, dtype=float)),
                         channel=first.drives[0].channel)
    info = {"model": "combined", "blocks": blocks, "parts": [net.info for net in networks]}
    populations = ei_populations(n_e_total, n - n_e_total, *(p.delay for p in first.populations))
    return Network(neuron=neuron, populations=populations, connectivity=connectivity, synapses=first.synapses,
                   drives=(drive,), info=info)
