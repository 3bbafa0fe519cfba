"""Run a course_lib network in NEST: the same neurons, synapses, delays and drives, the course's result type.

    from course_lib.models.balanced import brunel_network
    from course_lib.nest_export import build_in_nest, simulate_in_nest
    net = brunel_network(g=5.0, eta=2.0, n_e=4000, n_i=1000, epsilon=0.1, j=0.25, seed=1)
    result = simulate_in_nest(net, t_stop=500.0, dt=0.1, seed=2, threads=2)   # a NetworkResult
    result.spike_times, result.spike_indices, result.mean_rate_hz("E")
    built = build_in_nest(net, dt=0.1, seed=2)    # or build, look at NEST's objects (built.neurons), then run
    result = built.run(500.0)

NEST (https://www.nest-simulator.org) is optional: ``pip install nest-simulator`` (3.10 or later). Importing
this module does not need it; ``simulate_in_nest`` imports it and says how to install it if it is missing.

What is exported, and how (COURSE.md section 3 units, which are NEST's too: ms, mV, pA, pF, nS, Hz):

* the neuron: ``neurons.LIF`` only. The synapse kind chooses NEST's model: delta -> ``iaf_psc_delta``,
  current -> ``iaf_psc_exp``, conductance -> ``iaf_cond_exp`` (``nest_model``, ``nest_neuron_params``).
  Per-neuron parameter arrays are kept, one value per NEST neuron.
* the synapses: the network's own source, target and weight arrays, connected one to one from arrays
  (never NEST's random rules), so NEST holds exactly the course's wiring (``nest_synapses``). NEST picks
  the excitatory or inhibitory synapse of iaf_psc_exp and iaf_cond_exp by the weight's sign, the course
  by the source population (E or I), so weights are checked and, for conductances, I weights negated.
* the delays: NEST delay = the course delay + dt for delta synapses, the course delay for exponential
  ones, at least dt (see "Transmission delay" below; ``nest_delay_ms``).
* the drives: a PoissonDrive of n_inputs trains at rate_hz becomes a ``poisson_generator`` at
  n_inputs * rate_hz (a sum of independent Poisson trains is a Poisson train); NEST sends each target
  its own train, as the course draws an independent count per neuron. A ConstantDrive becomes ``I_e``.
* the start: the initial potentials are the ones ``simulate_network`` would draw with the same seed
  (``Network.initial_state``), or those of a given fresh ``state`` (with initial conductances for COBA).

A part without a NEST counterpart here is refused with a ValueError that names it: another neuron type
(EIF, AdEx, Hodgkin-Huxley), a binary network, a time-varying drive (a function of t_ms), weights whose
sign would send them to the other synapse type, initial exponential currents (iaf_psc_exp cannot set them).

Where NEST differs from the course engine (read in NEST 3.10's model documentation, the pages
https://nest-simulator.readthedocs.io/en/stable/models/iaf_psc_delta.html, .../iaf_psc_exp.html,
.../iaf_cond_exp.html, and the guide .../guides/simulations_with_precise_spike_times.html):

**Transmission delay.** In NEST a spike stamped t with delay d acts at t + d: iaf_psc_delta adds the jump
to V at the end of the step that ends at t + d, iaf_psc_exp and iaf_cond_exp add it to the synaptic
current or conductance there, and it acts from t + d on. In the course engine a spike stamped t acts in
the step that starts at t + D: an exponential current or conductance starts at t + D (as in NEST with
d = D), but a delta pulse is a current held during that step, so v has made the jump only at t + D + dt.
The exporter therefore gives delta synapses d = D + dt and exponential ones d = D, and the spike-to-spike
latency is the same in both (tests/test_nest.py measures it). NEST's smallest delay is one step (its
resolution), so a course delay of 0 ms with exponential synapses (Brette et al.'s benchmarks) becomes
dt: one step later than in the course engine.

**Refractoriness and input during it.** Both clamp V at V_reset for t_ref after a spike (t_ref / dt whole
steps; a t_ref that is not a multiple of dt is rounded up to one, as the course's countdown does). In
iaf_psc_delta a spike arriving during the refractory period is discarded by default, as in the course
engine (the exporter keeps NEST's default ``refractory_input = False``; True would add such input, decayed,
at the end of the period). In iaf_psc_exp and iaf_cond_exp, as in the course engine, the synaptic
currents and conductances keep decaying and keep receiving spikes while V is clamped.

**Integration.** iaf_psc_delta and iaf_psc_exp use exact integration (Rotter & Diesmann 1999): the
membrane and exponential currents are propagated by their exact solution over each step. The course
engine is exact for the delta network too (its one-step pulse makes v jump by exactly w, so v on the grid
is NEST's), but for exponential currents it holds each step's average current constant while v relaxes,
a second-order error in dt. iaf_cond_exp integrates the nonlinear conductance equations with GSL's
adaptive Runge-Kutta-Fehlberg 4(5) solver inside each step (absolute tolerance 1e-3: not on the model
page, in NEST's source models/iaf_cond_exp.cpp), then resets V while refractory; the course engine freezes
the driving force e_rev - v at the start of each step (exponential Euler), first order in dt. Rates and
CVs agree within their seed-to-seed spread (tests/test_nest.py); single trajectories diverge, as in any
chaotic network.

**Spike times.** Both put spikes on the grid: a threshold crossing found in the step [t, t + dt) is
stamped t + dt (NEST's default grid-constrained models; its ``*_ps`` models would give precise times).

Each build resets NEST's kernel (``nest.ResetKernel``): one network lives in NEST at a time, and it
runs once. Connecting from arrays is not available under MPI (NEST's ``Connect`` documentation), so this
runs in one process, with ``threads`` threads.
"""
import os
import time
from dataclasses import dataclass

import numpy as np

from . import analysis
from .drives import ConstantDrive, NoiseDrive, PoissonDrive
from .models.binary import BinaryNetwork
from .network import CHANNELS, Network, NetworkResult
from .neurons import LIF
from .simulation import n_steps_for
from .validation import (InputTypeError, require_count, require_indices, require_instance, require_memory,
                         require_non_negative, require_positive, require_seed, require_window)

INSTALL_HINT = ("NEST is an optional extra of the course: install it with `pip install nest-simulator` "
                "(NEST 3.10 or later; PyPI has wheels for Linux).")

#: NEST's neuron model for each synapse kind of course_lib.network (LIF neurons).
NEST_MODELS = {"delta": "iaf_psc_delta", "current": "iaf_psc_exp", "conductance": "iaf_cond_exp"}

TIC_MS = 0.001   # NEST's default time grain (tics per ms 1000): the resolution must be a multiple of it
MAX_NEST_SEED = 2 ** 31 - 1
SYNAPSES_PER_CONNECT = 2_000_000   # synapses handed to NEST per Connect call: ~100 MB of arrays at a time


def import_nest():
    """Import NEST quietly (no banner, errors only); ImportError with the install command if it is missing.

    Unless OMP_WAIT_POLICY is set already, NEST's OpenMP threads are told to sleep while they wait
    ("passive") instead of spinning: on a machine whose cores are busy with other work, spinning threads
    take the cores from the working ones (measured here, load average 7 on 2 cores: COBA at 1,000 neurons,
    100 ms, 2 threads, 35.6 s spinning, 0.67 s passive). It takes effect if OpenMP was not started earlier
    in the process.
    """
    os.environ.setdefault("PYNEST_QUIET", "1")
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    try:
        import nest
    except ImportError as err:
        raise ImportError(f"simulate_in_nest needs NEST, which is not installed here. {INSTALL_HINT}") from err
    if hasattr(nest, "VerbosityLevel"):      # NEST 3.10; older versions: set_verbosity
        nest.verbosity = nest.VerbosityLevel.ERROR
    else:
        nest.set_verbosity("M_ERROR")
    return nest


# ----------------------------------------------------------------------------------------------
# The mapping: what NEST gets (plain numpy; no NEST needed)
# ----------------------------------------------------------------------------------------------

def require_exportable(net):
    """Raise ValueError naming the part of net that has no NEST counterpart here; return net."""
    if isinstance(net, BinaryNetwork):
        raise ValueError("a BinaryNetwork (van Vreeswijk & Sompolinsky's binary neurons) has no NEST counterpart "
                         "in this exporter; it exports Network objects of LIF neurons.")
    if not isinstance(net, Network):
        raise InputTypeError(f"net must be a course_lib.network.Network, got {type(net).__name__}.")
    if type(net.neuron) is not LIF:
        raise ValueError(f"the neuron model {type(net.neuron).__name__} has no NEST counterpart in this exporter: "
                         f"it maps LIF neurons to NEST's {', '.join(NEST_MODELS.values())} only.")
    if net.synapse_delays is not None or net.stp is not None:
        raise ValueError("per-synapse delays and short-term plasticity (Network.synapse_delays, Network.stp) have no "
                         "counterpart in this exporter; it exports one delay per population and static synapses.")
    if net.pooled:
        raise ValueError("pooled projections (Network.pooled: all-to-all AMPA/NMDA/GABA_A synapses, chapter 10) have no "
                         "counterpart in this exporter; it exports the synapses of net.connectivity.")
    for drive in net.drives:
        if isinstance(drive, PoissonDrive) and drive.targets is not None:
            raise ValueError("a PoissonDrive on some neurons only (targets) has no counterpart in this exporter; "
                             "give one rate per neuron (0 for the others) instead.")
        if isinstance(drive, NoiseDrive):
            raise ValueError("a NoiseDrive (white noise in mV) has no counterpart in this exporter (NEST's "
                             "noise_generator holds its current for its own dt); use a PoissonDrive or ConstantDrive.")
        if isinstance(drive, PoissonDrive) and callable(drive.rate_hz):
            raise ValueError("a PoissonDrive with a time-varying rate (rate_hz a function of t_ms) has no NEST "
                             "counterpart in this exporter; give a constant rate (a number or one per neuron).")
        if isinstance(drive, ConstantDrive) and callable(drive.current_pa):
            raise ValueError("a ConstantDrive with a time-varying current (current_pa a function of t_ms) has no "
                             "NEST counterpart in this exporter (I_e is constant); give a number or one per neuron.")
    kind = net.synapses.kind
    if kind in ("current", "conductance"):
        for population, weights in (("E", source_weights(net, "E")), ("I", source_weights(net, "I"))):
            _require_sign(kind, net.synapses, "exc" if population == "E" else "inh", weights,
                          f"synapses from {population} neurons")
        for drive in net.drives:
            if isinstance(drive, PoissonDrive):
                _require_sign(kind, net.synapses, drive.channel, np.asarray(drive.weight, dtype=float),
                              f"the PoissonDrive on channel {drive.channel!r}")
    return net


def source_weights(net, population):
    """Weights of the synapses made by population 'E' (sources 0 .. n_e-1) or 'I' (the rest), CSR order."""
    conn = net.connectivity
    split = conn.indptr[net.n_e]
    return conn.weights[:split] if population == "E" else conn.weights[split:]


def _require_sign(kind, synapses, channel, weights, what):
    """Raise unless NEST's sign rule sends these weights to the synapse type the course uses (exc/ext or inh)."""
    if kind == "conductance":
        if np.any(weights < 0):
            raise ValueError(f"{what} have negative conductances (nS): NEST's iaf_cond_exp has no counterpart; "
                             f"conductance weights must be >= 0.")
        return
    if synapses.tau_exc == synapses.tau_inh:   # both synapse types are the same filter: the sign does not matter
        return
    wrong = weights < 0 if channel != "inh" else weights > 0
    if np.any(wrong):
        sign, other = ("negative", "inhibitory") if channel != "inh" else ("positive", "excitatory")
        raise ValueError(f"{what} have {sign} weights (pA): NEST's iaf_psc_exp would send them to its {other} "
                         f"synapse (the other time constant), which has no counterpart in the course engine.")


def nest_model(net):
    """Name of the NEST neuron model for net (after require_exportable): iaf_psc_delta, iaf_psc_exp or iaf_cond_exp."""
    require_exportable(net)
    return NEST_MODELS[net.synapses.kind]


def refractory_steps(t_ref_ms, dt):
    """Whole steps of dt the course's LIF is clamped after a spike: ceil(t_ref / dt) (the countdown's count)."""
    return np.ceil(np.asarray(t_ref_ms, dtype=float) / dt - 1e-9).astype(int)


def nest_neuron_params(net, dt):
    """NEST parameters (one array of n values each) of net's LIF neurons: units pF, ms, mV, nS, pA."""
    return _neuron_params(require_exportable(net), _require_dt(dt))


def _neuron_params(net, dt):
    """nest_neuron_params without the checks (net exportable, dt valid)."""
    neuron, n, syn = net.neuron, net.n, net.synapses

    def per_neuron(value):
        return np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy()

    params = {"C_m": per_neuron(neuron.c_m),                         # pF
              "E_L": per_neuron(neuron.e_l),                         # mV
              "V_th": per_neuron(neuron.v_th),                       # mV
              "V_reset": per_neuron(neuron.v_reset),                 # mV
              "t_ref": per_neuron(refractory_steps(neuron.t_ref, dt) * dt),   # ms, whole steps
              "I_e": per_neuron(constant_current_pa(net))}           # pA
    if syn.kind == "conductance":
        params.update(g_L=per_neuron(neuron.g_l),                    # nS
                      E_ex=per_neuron(syn.e_exc), E_in=per_neuron(syn.e_inh),
                      tau_syn_ex=per_neuron(syn.tau_exc), tau_syn_in=per_neuron(syn.tau_inh))
    else:
        params["tau_m"] = per_neuron(neuron.tau_m)                   # ms, c_m / g_l
        if syn.kind == "current":
            params.update(tau_syn_ex=per_neuron(syn.tau_exc), tau_syn_in=per_neuron(syn.tau_inh))
        else:
            params["refractory_input"] = np.zeros(n, dtype=bool)     # discard input while refractory, as the course
    return params


def constant_current_pa(net):
    """Sum of the network's ConstantDrive currents (pA), one value per neuron (NEST's I_e)."""
    total = np.zeros(net.n)
    for drive in net.drives:
        if isinstance(drive, ConstantDrive):
            total = total + np.broadcast_to(np.asarray(drive.current_pa, dtype=float), (net.n,))
    return total


def nest_delay_ms(net, dt, population):
    """NEST delay (ms) that gives the synapses of a population (its name) the course's latency (module doc)."""
    steps = net.delay_steps(dt)[population]
    if net.synapses.kind == "delta":
        steps += 1                     # the course's delta pulse has made its jump one step after arrival
    return max(steps, 1) * dt          # NEST's smallest delay is one step


def nest_weight(kind, channel, weights):
    """Weights as NEST reads them: conductances of inhibitory synapses negated (NEST's sign picks the synapse)."""
    weights = np.asarray(weights, dtype=float)
    return -weights if kind == "conductance" and channel == "inh" else weights


def nest_synapses(net, dt):
    """The recurrent synapses as NEST gets them: dict of sources, targets (0-based), weights and delays_ms arrays."""
    net, dt = require_exportable(net), _require_dt(dt)
    chunks = list(_synapse_chunks(net, dt, net.connectivity.n_synapses + 1))
    return {key: np.concatenate([chunk[key] for chunk in chunks]) for key in chunks[0]}


def _synapse_chunks(net, dt, max_synapses):
    """The synapses as NEST gets them, in blocks of whole source rows of about max_synapses (bounded memory).

    Yields dicts of sources, targets (0-based), weights (NEST's signs) and delays_ms, CSR order.
    """
    conn, kind = net.connectivity, net.synapses.kind
    delay_of_source = np.concatenate([np.full(p.size, nest_delay_ms(net, dt, p.name)) for p in net.populations])
    first = 0
    while True:
        stop = max(int(np.searchsorted(conn.indptr, conn.indptr[first] + max_synapses, side="right")) - 1, first + 1)
        stop = min(stop, net.n)
        rows = np.arange(first, stop)
        part = slice(conn.indptr[first], conn.indptr[stop])
        sources = np.repeat(rows, np.diff(conn.indptr[first:stop + 1]))
        inhibitory = sources >= net.n_e
        weights = conn.weights[part]
        yield {"sources": sources, "targets": conn.targets[part].astype(np.int64),
               "weights": np.where(inhibitory, nest_weight(kind, "inh", weights), nest_weight(kind, "exc", weights)),
               "delays_ms": delay_of_source[sources]}
        if stop >= net.n:
            return
        first = stop


def nest_poisson_inputs(net):
    """The Poisson drives as NEST generators: list of (rate_hz of one generator, neuron indices, NEST weights)."""
    return _poisson_inputs(require_exportable(net))


def _poisson_inputs(net):
    """nest_poisson_inputs without the checks."""
    inputs = []
    for drive in net.drives:
        if not isinstance(drive, PoissonDrive) or drive.n_inputs == 0:
            continue
        weights = nest_weight(net.synapses.kind, drive.channel,
                              np.broadcast_to(np.asarray(drive.weight, dtype=float), (net.n,)))
        groups = drive.rate_groups or [(float(drive.rate_hz), np.arange(net.n))]
        for rate_hz, neurons in groups:
            if rate_hz > 0:
                inputs.append((drive.n_inputs * float(rate_hz), neurons, weights[neurons]))
    return inputs


# ----------------------------------------------------------------------------------------------
# Building and running in NEST
# ----------------------------------------------------------------------------------------------

def _start_values(net, dt, rng, v0, state):
    """Initial v (mV) and, for conductance synapses, g_ex and g_in (nS), from a fresh state or net.initial_state."""
    if state is None:
        state = net.initial_state(dt, rng, v0)
    elif v0 is not None:
        raise ValueError("give v0 or state, not both (the state holds the initial potentials).")
    if not isinstance(state, dict) or not {"neuron", "step", "dt", "ring", "trace"} <= set(state):
        raise ValueError(f"state must come from net.initial_state(dt, rng) (got {state!r:.60}).")
    if state["dt"] != dt:
        raise ValueError(f"state was prepared for dt = {state['dt']} ms; run with that dt (got dt = {dt}).")
    if state["step"] != 0 or any(np.any(ring) for ring in state["ring"].values()) \
            or np.any(state["neuron"]["ref_left"] > 0):
        raise ValueError("NEST can start only from a fresh state (step 0, no spikes in transit, no neuron "
                         "refractory); continuing an earlier run has no counterpart here.")
    traces = state["trace"]
    excitatory = traces["exc"] + traces["ext"]        # ext has excitatory kinetics: one NEST synapse type
    start = {"V_m": np.asarray(state["neuron"]["v"], dtype=float).copy()}
    kind = net.synapses.kind
    if kind == "conductance":
        start.update(g_ex=excitatory.copy(), g_in=traces["inh"].copy())
    elif kind == "current" and (np.any(excitatory) or np.any(traces["inh"])):
        raise ValueError("initial synaptic currents (state['trace']) have no counterpart: NEST's iaf_psc_exp "
                         "cannot set I_syn_ex / I_syn_in. Start with silent current synapses.")
    return start


def _require_dt(dt):
    """Raise unless dt (ms) is positive and a multiple of NEST's tic (0.001 ms); return it as a float."""
    dt = float(require_positive("dt", dt, "ms"))
    if abs(round(dt / TIC_MS) * TIC_MS - dt) > 1e-9:
        raise ValueError(f"dt = {dt} ms must be positive and a multiple of {TIC_MS} ms (NEST's time grain).")
    return dt


@dataclass(eq=False)
class NestNetwork:
    """A course network built in NEST (by build_in_nest): the nest module and the NEST objects that hold it.

    ids[i] is the NEST node id of course neuron i; watched: the neurons whose v the multimeter records.
    """

    nest: object
    net: Network
    dt: float
    model: str
    neurons: object          # NodeCollection of the n neurons, course order
    ids: np.ndarray          # (n,) NEST node ids
    generators: list         # one poisson_generator per (drive, rate)
    recorder: object         # spike_recorder of all neurons
    meter: object            # multimeter of V_m (None if no neuron is watched)
    watched: np.ndarray      # sorted course indices of the recorded neurons
    threads: int
    rng_seed: int
    build_s: float           # wall time of the build, s

    def run(self, t_stop, record_v=()):
        """Simulate t_stop ms (from t = 0, once) and return a NetworkResult; record_v: a subset of watched."""
        dt, nest, net = self.dt, self.nest, self.net
        n_steps = n_steps_for(t_stop, dt)
        record_v = require_indices("record_v", np.atleast_1d(record_v), net.n)
        if not np.all(np.isin(record_v, self.watched)):
            raise ValueError(f"record_v must be among the neurons watched when building ({self.watched.tolist()}).")
        require_memory("The recorded potentials (record_v)", n_steps * (1 + record_v.size))
        if nest.GetKernelStatus("biological_time") > 0:
            raise ValueError("this NEST network has already run; build it again (build_in_nest) for a new run.")
        t_sim = time.perf_counter()
        nest.Simulate((n_steps + 1) * dt)   # one step more: NEST's multimeter samples only t < the end of a run
        simulate_s = time.perf_counter() - t_sim

        events = self.recorder.get("events")
        steps = np.rint(np.asarray(events["times"]) / dt).astype(np.int64)   # stamped k dt: found in step k-1
        indices = np.asarray(events["senders"], dtype=np.int64) - self.ids[0]
        keep = steps <= n_steps
        steps, indices = steps[keep], indices[keep]
        order = np.lexsort((indices, steps))                             # as simulate_network: by time, then index
        v_trace = np.empty((n_steps, record_v.size))
        if self.meter is not None and record_v.size:
            samples = self.meter.get("events")
            sample_steps = np.rint(np.asarray(samples["times"]) / dt).astype(np.int64)   # v after step k-1
            column = np.searchsorted(self.ids[self.watched], np.asarray(samples["senders"], dtype=np.int64))
            inside = (sample_steps >= 1) & (sample_steps <= n_steps)
            v_watched = np.empty((n_steps, self.watched.size))
            v_watched[sample_steps[inside] - 1, column[inside]] = np.asarray(samples["V_m"])[inside]
            v_trace = v_watched[:, np.searchsorted(self.watched, record_v)]   # in the order asked
        info = {**net.info, "t_start": 0.0, "simulator": "nest",
                "nest": {"version": nest.__version__, "model": self.model, "threads": self.threads,
                         "rng_seed": self.rng_seed, "build_s": self.build_s, "simulate_s": simulate_s}}
        return NetworkResult(spike_times=steps[order] * dt, spike_indices=indices[order], n_e=net.n_e, n_i=net.n_i,
                             dt=dt, t_stop=n_steps * dt, t=(np.arange(n_steps) + 1) * dt, v=v_trace,
                             v_neurons=record_v, currents={ch: np.empty((n_steps, 0)) for ch in CHANNELS},
                             current_neurons=np.zeros(0, dtype=np.int64), info=info, ranges=net.ranges)


def build_in_nest(net, dt=0.1, seed=None, threads=1, v0=None, state=None, record_v=()):
    """Build net in a freshly reset NEST kernel (resolution dt ms, `threads` threads); returns a NestNetwork.

    seed: int or numpy Generator: the initial potentials (those simulate_network draws with this seed)
    and NEST's random seed (its Poisson generators); v0: initial potentials (mV); state: a fresh
    net.initial_state(dt, rng) instead (COBA sets initial conductances in it); record_v: neurons whose
    v (mV) a multimeter records at every step.
    """
    require_exportable(net)
    dt = _require_dt(dt)
    require_seed("seed", seed)
    threads = require_count("threads", threads, minimum=1, maximum=1024)
    watched = np.unique(require_indices("record_v", np.atleast_1d(record_v), net.n))
    rng = np.random.default_rng(seed)
    start = _start_values(net, dt, rng, v0, state)
    params = _neuron_params(net, dt)
    poisson = _poisson_inputs(net)
    rng_seed = int(rng.integers(1, MAX_NEST_SEED))
    nest = import_nest()

    t_build = time.perf_counter()
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": dt, "local_num_threads": threads, "rng_seed": rng_seed})
    if nest.NumProcesses() > 1:
        raise ValueError("build_in_nest connects from arrays, which NEST does not offer under MPI: run one process.")
    model = NEST_MODELS[net.synapses.kind]
    neurons = nest.Create(model, net.n)
    neurons.set({name: values.tolist() for name, values in {**params, **start}.items()})
    ids = np.asarray(neurons.tolist(), dtype=np.int64)
    for chunk in _synapse_chunks(net, dt, SYNAPSES_PER_CONNECT):    # the course's arrays, one to one
        if chunk["sources"].size:
            nest.Connect(ids[chunk["sources"]], ids[chunk["targets"]], "one_to_one",
                         syn_spec={"weight": chunk["weights"], "delay": chunk["delays_ms"]})
    generators = []
    for rate_hz, which, weights in poisson:
        generator = nest.Create("poisson_generator", params={"rate": rate_hz})
        nest.Connect(np.full(which.size, generator.global_id, dtype=np.int64), ids[which], "one_to_one",
                     syn_spec={"weight": weights, "delay": np.full(which.size, dt)})
        generators.append(generator)
    recorder = nest.Create("spike_recorder")
    nest.Connect(neurons, recorder)
    meter = None
    if watched.size:
        meter = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": dt})
        nest.Connect(meter, nest.NodeCollection(ids[watched].tolist()))
    return NestNetwork(nest=nest, net=net, dt=dt, model=model, neurons=neurons, ids=ids, generators=generators,
                       recorder=recorder, meter=meter, watched=watched, threads=threads, rng_seed=rng_seed,
                       build_s=time.perf_counter() - t_build)


def simulate_in_nest(net, t_stop, dt=0.1, seed=None, threads=1, v0=None, state=None, record_v=()):
    """Run net in NEST for t_stop ms at resolution dt ms with `threads` threads; returns a NetworkResult.

    The arguments are simulate_network's (seed draws the same initial potentials) plus threads; see
    build_in_nest. result.currents is empty (NEST adds the ext input into its excitatory synapse);
    result.info["nest"] holds NEST's version, model, threads, seed and the build and simulate times (s).
    """
    n_steps_for(t_stop, dt)                       # refuse a bad t_stop before building
    built = build_in_nest(net, dt, seed=seed, threads=threads, v0=v0, state=state, record_v=record_v)
    return built.run(t_stop, record_v=record_v)


# ----------------------------------------------------------------------------------------------
# Comparing two runs of one network (chapter 11, tools/nest_scaling.py)
# ----------------------------------------------------------------------------------------------

def comparison_statistics(result, t_skip, t_stop):
    """Chapter 06's statistics of a run: E and I rates (Hz), mean Fano factor (100 ms windows), synchrony chi and
    the state over [t_skip, t_stop) ms; the mean CV of ISIs (neurons with >= 5 spikes) and the spike count over
    the whole run, as chapter 06 counts them."""
    require_instance("result", result, NetworkResult)
    t_skip, t_stop = require_window(t_skip, t_stop, "t_skip", "t_stop")
    times, indices, n = result.spike_times, result.spike_indices, result.n
    cv = analysis.cv_isi_per_neuron(times, indices, n, min_spikes=5)
    fano = analysis.fano_factor(times, indices, n, t_skip, t_stop, window_ms=100.0)
    state = analysis.network_state(times, indices, n, t_skip, t_stop)
    rates = {name: float(result.mean_rate_hz(name, t_skip, t_stop)) for name in ("E", "I")}
    return {"rate_e_hz": rates["E"], "rate_i_hz": rates["I"],
            "cv": float(np.nanmean(cv)), "fano": float(np.nanmean(fano)), "chi": float(state["chi"]),
            "state": state["state"], "n_spikes": int(times.size)}


def shared_spike_fraction(first, second, t_ms, dt):
    """Of first's spikes up to t_ms (ms), the fraction that second has too (same neuron, same step of dt ms)."""
    require_instance("first", first, NetworkResult)
    require_instance("second", second, NetworkResult)
    t_ms, dt = require_non_negative("t_ms", t_ms, "ms"), require_positive("dt", dt, "ms")

    def keys(result):
        keep = result.spike_times <= t_ms + 1e-9
        steps = np.rint(result.spike_times[keep] / dt).astype(int)
        return set(zip(steps.tolist(), result.spike_indices[keep].tolist()))
    mine = keys(first)
    return len(mine & keys(second)) / len(mine) if mine else float("nan")
