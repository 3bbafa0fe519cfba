"""Checks for chapter 06 (the E/I balanced network): coupling strengths, sparse connectivity,
event-driven propagation, the network loop, rates and CV, and the balanced-state rate.

Each check runs the student's function on cases it chooses, compares with course_lib's reference
(course_lib.network, course_lib.analysis) or with theory (course_lib.theory), and names the most
likely mistake: no 1/sqrt(K) scaling, inhibition with the wrong sign, spikes sent from the wrong
neurons, a dense N x N matrix where sparse rows are needed. Units: ms, mV, Hz.
"""
import functools

import numpy as np

from .. import analysis, connectivity, drives, network, theory
from ..models import balanced as balanced_models
from ..analysis import cv_isi_per_neuron, firing_rates_hz
from ..models.balanced import BRUNEL_NEURON, J_REFERENCE_MV, balanced_lif_network
from ..network import simulate_network
from . import NotYet, as_tuple, case_rng, check, expect_close, peak_memory_mb

SPARSE_MEMORY_MB = 8.0     # 4000 x 4000 neurons, K = 10: sparse rows take ~0.5 MB, a dense matrix 16-128 MB
RATE_RTOL = 0.25           # a student's loop vs the course engine: same model, different random numbers and
                           # small implementation choices (how the delta input enters the step, the delay)


def _floats(values, what, count):
    """Convert a student's return value to `count` floats, or say what was expected."""
    try:
        out = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise NotYet(f"{what} should be {count} numbers; got {type(values).__name__} {values!r}.") from None
    if out.size != count:
        raise NotYet(f"{what} should be {count} numbers; got {out.size}.")
    return out


# --------------------------------------------------------------------------------------------
# (1) coupling strengths with the 1/sqrt(K) scaling
# --------------------------------------------------------------------------------------------

@check("coupling_strengths: J = j / sqrt(K), inhibitory -g J",
       forbid=(balanced_models.balanced_couplings, balanced_models.brunel_couplings))
def check_coupling_strengths(coupling_strengths):
    """Several (j, g, K) and a random one; names a missing or wrong K-scaling and a wrong sign of inhibition."""
    rng = case_rng()
    random_case = (float(np.round(rng.uniform(0.5, 10.0), 3)), float(np.round(rng.uniform(2.0, 10.0), 3)),
                   int(rng.integers(20, 5000)))
    for j, g, k in ((6.0, 8.0, 100), (6.0, 8.0, 1600), (3.0, 5.0, 400), (2.0, 6.0, 1000), random_case):
        j_exc, j_inh = _floats(coupling_strengths(j, g, k), f"coupling_strengths({j}, {g}, {k})", 2)
        expected = np.array([j / np.sqrt(k), -g * j / np.sqrt(k)])
        if np.allclose([j_exc, j_inh], expected, rtol=1e-9):
            continue
        where = f"j = {j} mV, g = {g}, K = {k}: expected (J_exc, J_inh) = ({expected[0]:.5g}, {expected[1]:.5g}) mV, " \
                f"got ({j_exc:.5g}, {j_inh:.5g}). "
        if np.allclose([j_exc, j_inh], [j, -g * j], rtol=1e-6):
            raise NotYet(where + "Your J does not change with K: there is no 1/sqrt(K) scaling. Divide by "
                                 "sqrt(K) so that the input fluctuations stay of order one as K grows.")
        if np.allclose([j_exc, j_inh], expected / np.sqrt(k), rtol=1e-6):
            raise NotYet(where + "That is a 1/K scaling (weak synapses): the mean stays finite but the fluctuations "
                                 "vanish like 1/sqrt(K). The balanced network needs J = j / sqrt(K).")
        if j_inh > 0:
            raise NotYet(where + "Inhibition has the wrong sign: an inhibitory synapse lowers v, so J_inh = -g J_exc "
                                 "is negative.")
        if np.isclose(j_exc, expected[0], rtol=1e-6) and np.isclose(j_inh, -j / (g * np.sqrt(k)), rtol=1e-6):
            raise NotYet(where + "Inhibitory synapses are g times STRONGER than excitatory ones: multiply by g, "
                                 "do not divide.")
        raise NotYet(where + "Use J_exc = j / sqrt(K) and J_inh = -g * J_exc.")
    return "J = j/sqrt(K) and -g J for five (j, g, K), e.g. 0.6 and -4.8 mV at j = 6 mV, g = 8, K = 100"


# --------------------------------------------------------------------------------------------
# (2) sparse fixed in-degree connectivity as compressed target lists
# --------------------------------------------------------------------------------------------

def _as_csr(out, n_source, what):
    """Validate (indptr, targets, weights) of a student's connectivity; return the three arrays."""
    indptr, targets, weights = (np.asarray(x) for x in as_tuple(out, 3, what, "indptr, targets, weights"))
    if indptr.shape != (n_source + 1,):
        if indptr.ndim == 2:
            raise NotYet(f"{what}: indptr is a 2-d array of shape {indptr.shape}; that looks like a dense matrix. "
                         "Store per source neuron the list of its targets: indptr (n_source + 1,), targets and "
                         "weights (one entry per synapse).")
        raise NotYet(f"{what}: indptr should have n_source + 1 = {n_source + 1} entries (row starts), "
                     f"got shape {indptr.shape}.")
    if indptr[0] != 0 or np.any(np.diff(indptr) < 0) or indptr[-1] != targets.size or weights.shape != targets.shape:
        raise NotYet(f"{what}: the rows are inconsistent. indptr must start at 0, never decrease and end at "
                     f"len(targets) = {targets.size}; weights needs one entry per target ({weights.shape} vs "
                     f"{targets.shape}).")
    return indptr.astype(np.int64), targets.astype(np.int64), weights.astype(float)


_peak_memory_mb = peak_memory_mb


@check("build_connectivity: exactly K distinct inputs per neuron, stored as target lists per source",
       forbid=(connectivity.fixed_indegree, connectivity.bernoulli, connectivity.ei_connectivity, connectivity.Connectivity))
def check_connectivity(build_connectivity):
    """In-degrees, distinct sources, weights, randomness (two fixed sizes and a random one); then the memory of a
    4000-neuron case."""
    rng = case_rng()
    n_source, n_target = int(rng.integers(60, 400)), int(rng.integers(60, 400))
    random_case = (n_source, n_target, int(rng.integers(3, min(60, n_source // 2))),
                   float(np.round(rng.uniform(-2, 2), 3)))
    for n_source, n_target, k, weight in ((300, 200, 25, 0.2), (200, 300, 40, -1.6), random_case):
        what = f"build_connectivity({n_source}, {n_target}, {k}, {weight})"
        indptr, targets, weights = _as_csr(build_connectivity(n_source, n_target, k, weight,
                                                              np.random.default_rng(int(rng.integers(2 ** 31)))),
                                           n_source, what)
        if targets.size and (targets.min() < 0 or targets.max() >= n_target):
            raise NotYet(f"{what}: targets must be neuron indices between 0 and {n_target - 1}.")
        in_degree = np.bincount(targets, minlength=n_target)
        if not np.all(in_degree == k):
            if np.all(np.diff(indptr) == k):
                raise NotYet(f"{what}: every SOURCE makes {k} synapses, but the in-degrees range from "
                             f"{in_degree.min()} to {in_degree.max()}. Fix the in-degree instead: every TARGET "
                             f"neuron draws its {k} sources.")
            raise NotYet(f"{what}: every neuron must receive exactly K = {k} inputs; in-degrees range from "
                         f"{in_degree.min()} to {in_degree.max()}.")
        sources = np.repeat(np.arange(n_source), np.diff(indptr))
        pairs = targets * n_source + sources
        if np.unique(pairs).size != pairs.size:
            raise NotYet(f"{what}: some neuron receives the same source twice; draw its K sources without "
                         "replacement (rng.choice(n_source, k, replace=False)).")
        if not np.allclose(weights, weight):
            raise NotYet(f"{what}: every synapse should have the weight {weight} mV; got values from "
                         f"{weights.min():.3g} to {weights.max():.3g}.")
        if np.unique(sources).size < min(n_source, 2 * k):
            raise NotYet(f"{what}: only {np.unique(sources).size} different sources are used; the K sources "
                         "of each neuron must be drawn at random from the whole source population.")
    again = _as_csr(build_connectivity(300, 200, 25, 0.2, np.random.default_rng(6)), 300, "second call")
    first = _as_csr(build_connectivity(300, 200, 25, 0.2, np.random.default_rng(5)), 300, "first call")
    if np.array_equal(again[1], first[1]) and np.array_equal(again[0], first[0]):
        raise NotYet("Two different random generators gave the same connectivity: draw the sources with the rng "
                     "argument, not with a fixed pattern or the global np.random state.")
    n = 4000
    out, peak = _peak_memory_mb(build_connectivity, n, n, 10, 0.2, np.random.default_rng(7))
    _as_csr(out, n, f"build_connectivity({n}, {n}, 10, 0.2)")
    if peak > SPARSE_MEMORY_MB:
        raise NotYet(f"build_connectivity({n}, {n}, 10, 0.2) needed {peak:.0f} MB of memory at its peak; the "
                     f"{10 * n} synapses need about 0.5 MB. A dense {n} x {n} matrix (16 MB as booleans, 128 MB as "
                     "floats) does not scale to cortical networks: build the target lists without one.")
    return f"exactly K distinct inputs per neuron, consistent rows, {peak:.1f} MB for 40,000 synapses"


# --------------------------------------------------------------------------------------------
# (3) event-driven propagation
# --------------------------------------------------------------------------------------------

def _random_csr(n, out_degree, rng, signed=True):
    """A random network of n neurons, out_degree targets per source, weights of both signs."""
    indptr = np.arange(n + 1, dtype=np.int64) * out_degree
    targets = rng.integers(0, n, n * out_degree)
    weights = rng.normal(0.2, 0.5, n * out_degree) if signed else np.full(n * out_degree, 0.2)
    return indptr, targets, weights


def _dense(indptr, targets, weights, n):
    matrix = np.zeros((n, n))
    sources = np.repeat(np.arange(indptr.size - 1), np.diff(indptr))
    np.add.at(matrix, (targets, sources), weights)
    return matrix


@check("propagate: the input each neuron receives from the neurons that spiked",
       forbid=(network.Network, connectivity.Connectivity))
def check_propagate(propagate):
    """A small random network against the dense reference, with diagnoses; then a 200,000-neuron network."""
    rng = case_rng()
    n = 60
    indptr, targets, weights = _random_csr(n, 7, rng)
    matrix = _dense(indptr, targets, weights, n)
    for spiked in (rng.random(n) < 0.2, np.zeros(n, bool), np.ones(n, bool)):
        got = propagate(spiked.copy(), indptr, targets, weights, n)
        try:
            got = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            raise NotYet(f"propagate should return numbers, one input per neuron; got {type(got).__name__}.") from None
        expected = matrix @ spiked
        if got.shape != (n,):
            raise NotYet(f"propagate should return one input per neuron, shape ({n},); got shape {got.shape}.")
        if np.allclose(got, expected, atol=1e-9):
            continue
        where = f"{int(spiked.sum())} of {n} neurons spiked: "
        if np.allclose(got, matrix @ ~spiked, atol=1e-9):
            raise NotYet(where + "you propagated the spikes of the neurons that did NOT spike. Only the rows of "
                                 "the spiking neurons should be read.")
        if np.allclose(got, matrix @ np.ones(n), atol=1e-9):
            raise NotYet(where + "every neuron sent its spikes, spiking or not: read only the rows of the neurons "
                                 "that spiked (np.flatnonzero(spiked)).")
        if np.allclose(got, matrix.T @ spiked, atol=1e-9):
            raise NotYet(where + "the spiking neurons were used as TARGETS: you summed the synapses onto them. "
                                 "Row j of the target lists holds the neurons that neuron j projects TO; add its "
                                 "weights to those targets.")
        if np.allclose(got, -expected, atol=1e-9):
            raise NotYet(where + "the input has the wrong sign; add the weights as they are (inhibitory ones are "
                                 "already negative).")
        k = int(np.argmax(np.abs(got - expected)))
        raise NotYet(where + f"neuron {k} should receive {expected[k]:.4g} mV, got {got[k]:.4g} mV. Add the weight "
                             "of every synapse of every spiking neuron to its target (a target can receive several).")
    n = 4000                                      # first a size where a dense matrix is still affordable
    indptr, targets, weights = _random_csr(n, 10, rng)
    _, peak = _peak_memory_mb(propagate, rng.random(n) < 0.01, indptr, targets, weights, n)
    if peak > SPARSE_MEMORY_MB:
        raise NotYet(f"propagate needed {peak:.0f} MB for {n} neurons with 40,000 synapses (about 0.5 MB): a "
                     f"dense {n} x {n} matrix is being built. It would need 320 GB for 200,000 neurons; read only "
                     "the target lists of the spiking neurons.")
    big = 200_000
    indptr, targets, weights = _random_csr(big, 10, rng)
    spiked = rng.random(big) < 0.01
    sources = np.flatnonzero(spiked)
    synapses = np.concatenate([np.arange(indptr[s], indptr[s + 1]) for s in sources])
    expected = np.bincount(targets[synapses], weights[synapses], minlength=big)
    try:
        got, peak = _peak_memory_mb(propagate, spiked, indptr, targets, weights, big)
    except MemoryError:
        raise NotYet(f"propagate ran out of memory on a network of {big:,} neurons: a dense {big:,} x {big:,} "
                     "matrix would take 320 GB. Read only the target lists of the spiking neurons.") from None
    expect_close(np.asarray(got, dtype=float), expected, f"{big:,}-neuron network, input", atol=1e-9)
    if peak > 200.0:
        raise NotYet(f"propagate used {peak:.0f} MB on a {big:,}-neuron network where 2,000 spikes reach 20,000 "
                     "synapses; only the spiking neurons' rows should be touched.")
    return f"equals the dense product on small networks; {big:,} neurons with {peak:.0f} MB"


# --------------------------------------------------------------------------------------------
# (4) the network loop
# --------------------------------------------------------------------------------------------

SIMULATION_CASE = dict(n_e=2000, n_i=500, k=200, g=8.0, j=J_REFERENCE_MV, nu0_hz=16.0, t_stop=600.0, dt=0.1)
DELAY_MS = 1.5             # the exercise's synaptic delay (Brunel 2000)
LOW_DRIVE_T_STOP = 400.0   # the second run, with an external drive whose mean alone is below threshold
LOW_DRIVE_RANGE = (0.4, 1.8)   # its rates vs the engine's at the same drive: finite networks at low rates vary
                           # (0.87-1.25 x seen); a constant drive falls silent (0 Hz), a replayed 16 Hz run is >2.4 x


@functools.lru_cache(maxsize=8)
def _engine_run(n_e, n_i, k, g, j, nu0_hz, t_stop, dt, seed):
    net = balanced_lif_network(k=k, nu0_hz=nu0_hz, g=g, j=j, n_e=n_e, n_i=n_i, seed=seed, delay=DELAY_MS)
    result = simulate_network(net, t_stop, dt, seed=seed + 1)
    return result.spike_times, result.spike_indices


def reference_rates(case=SIMULATION_CASE, seed=1):
    """E and I rates (Hz, after 100 ms) of course_lib's engine for the exercise's network, and its mean CV."""
    times, ids = _engine_run(**case, seed=seed)
    n = case["n_e"] + case["n_i"]
    rates = firing_rates_hz(times, ids, n, 100.0, case["t_stop"])
    cv = np.nanmean(cv_isi_per_neuron(times, ids, n, min_spikes=4))
    return rates[:case["n_e"]].mean(), rates[case["n_e"]:].mean(), cv


def spike_triggered_difference(times, ids, n_e, dt, t_start, t_stop, delay_ms=DELAY_MS):
    """Population response to a spike of neurons 0..n_e-1 minus the response to one of the others.

    For each spike at step s: the mean population spike count at steps s + lag. Returns (early, late): that
    difference averaged over lags within the delay (1 .. delay - 0.2 ms, where no recurrent input can have
    arrived yet) and over 0.2-5.2 ms after the delay. E spikes excite and I spikes inhibit their targets one
    delay later, so a correct network has early ~ 0 and late > 0 (course engine: -0.09 and 0.24 spikes per
    0.1 ms bin for the exercise's case; without the delay early ~ 0.7; with E and I swapped late < 0).
    """
    times, ids = np.asarray(times, dtype=float), np.asarray(ids).astype(np.int64)
    steps = int(round(t_stop / dt))
    step = np.clip(np.round(times / dt).astype(np.int64) - 1, 0, steps - 1)
    delay = int(round(delay_ms / dt))
    lags = np.arange(delay + int(round(5.2 / dt)) + 1)
    population = np.bincount(step, minlength=steps + lags.size).astype(float)
    keep = (times >= t_start) & (step + lags[-1] < steps)
    response = {}
    for name, chosen in (("E", ids < n_e), ("I", ids >= n_e)):
        triggers = step[keep & chosen]
        if triggers.size < 20:
            return np.nan, np.nan
        response[name] = population[triggers[:, None] + lags[None, :]].mean(axis=0)
    difference = response["E"] - response["I"]
    return float(difference[1:delay - 1].mean()), float(difference[delay + 2:].mean())


def _student_spikes(simulate_balanced_network, case, seed):
    out = as_tuple(simulate_balanced_network(**case, seed=seed), 2, "simulate_balanced_network",
                   "spike_times_ms, spike_indices")
    try:
        times, ids = np.asarray(out[0], dtype=float), np.asarray(out[1], dtype=float)
    except (TypeError, ValueError):
        raise NotYet("simulate_balanced_network should return two arrays of numbers: spike times (ms) and the "
                     "indices of the neurons that spiked.") from None
    n = case["n_e"] + case["n_i"]
    if times.shape != ids.shape or times.ndim != 1:
        raise NotYet(f"spike times {times.shape} and indices {ids.shape} must be 1-d arrays of the same shape.")
    if ids.size and (ids.min() < 0 or ids.max() >= n or np.any(ids != np.round(ids))):
        raise NotYet(f"spike indices must be whole numbers between 0 and {n - 1}.")
    return times, ids.astype(np.int64)


@check("simulate_balanced_network: the network's rates and irregularity",
       forbid=(network.simulate_network, network.Network, balanced_models.balanced_lif_network, balanced_models.brunel_network,
               drives.PoissonDrive, connectivity.ei_connectivity, connectivity.fixed_indegree))
def check_simulation(simulate_balanced_network, expected=None):
    """Run the student's network (2,500 neurons, K = 200, 0.6 s, a random seed) and compare with course_lib's
    engine: rates and CV; the spike-triggered population response (the delay, which neurons are excitatory);
    then a run whose external drive has a mean below threshold (only Poisson fluctuations make it fire)."""
    rng = case_rng()
    case = SIMULATION_CASE
    n = case["n_e"] + case["n_i"]
    times, ids = _student_spikes(simulate_balanced_network, case, int(rng.integers(1, 2 ** 31)))
    rates = firing_rates_hz(times, ids, n, 100.0, case["t_stop"])
    rate_e, rate_i = rates[:case["n_e"]].mean(), rates[case["n_e"]:].mean()
    ref_e, ref_i, ref_cv = reference_rates() if expected is None else expected[:3]
    field = theory.balanced_lif_rates_hz(case["k"], case["nu0_hz"], g=case["g"], j=case["j"])[0]
    where = (f"K = {case['k']}, g = {case['g']}, nu0 = {case['nu0_hz']} Hz: expected rates near {ref_e:.1f} Hz "
             f"(course engine; mean field {field:.1f} Hz), got E {rate_e:.1f} Hz, I {rate_i:.1f} Hz. ")
    if rate_e < 0.5 and rate_i < 0.5:
        raise NotYet(where + "The network is silent: is the external input there (a Poisson count with mean "
                             "K nu0 dt / 1000 per neuron and step, times J), and does it reach the neurons?")
    if rate_e > 5 * ref_e or rate_i > 5 * ref_i:
        raise NotYet(where + "Runaway excitation: check that inhibitory weights are negative and g times stronger, "
                             "and that the I neurons send their spikes.")
    if rate_i < 0.2 * ref_i:
        raise NotYet(where + "The inhibitory neurons hardly fire: do they receive external and recurrent input?")
    for name, got, want in (("E", rate_e, ref_e), ("I", rate_i, ref_i)):
        if abs(got / want - 1) > RATE_RTOL:
            raise NotYet(where + f"The {name} rate is off by {100 * (got / want - 1):+.0f} %. Check the delay, the "
                                 "size of the external drive and that a spike's input enters the next step.")
    cv = np.nanmean(cv_isi_per_neuron(times, ids, n, min_spikes=4))
    if not cv > 0.6:
        raise NotYet(where + f"The rates are right but the firing is regular (mean CV {cv:.2f}, course engine "
                             f"{ref_cv:.2f}): is the external input random in every step?")
    early, late = spike_triggered_difference(times, ids, case["n_e"], case["dt"], 100.0, case["t_stop"])
    ref_early, ref_late = (spike_triggered_difference(*_engine_run(**case, seed=1), case["n_e"], case["dt"], 100.0,
                                                      case["t_stop"]) if expected is None else (-0.09, 0.24))
    if early > 0.5 * ref_late:
        raise NotYet(f"Rates and CV are right, but a spike acts before the synaptic delay: within {DELAY_MS} ms of "
                     "a spike of an E neuron the population already fires more than after a spike of an I neuron "
                     f"(difference {early:.2f} spikes per step; the course engine: {ref_early:.2f}, and "
                     f"{ref_late:.2f} only after the delay). Send each step's spikes into the ring-buffer row that "
                     f"is read DELAY_MS = {DELAY_MS} ms later, row (step + 1 + delay_steps) % (delay_steps + 1).")
    if not late > 0.25 * ref_late:
        raise NotYet(f"Rates and CV are right, but the neurons 0..n_e-1 do not act as the excitatory ones: after "
                     f"the delay a spike of one of them is followed by {'less' if late < 0 else 'hardly more'} "
                     f"population activity than a spike of an I neuron (difference {late:.2f} spikes per step; course "
                     f"engine {ref_late:.2f}). The first n_e neurons are excitatory: send spiked[:n_e] through the "
                     "E connectivity and spiked[n_e:] through the I connectivity.")
    # the external drive alone is sub-threshold here: only its Poisson fluctuations make the network fire
    threshold_rate = BRUNEL_NEURON.v_th / (case["k"] * case["j"] / np.sqrt(case["k"]) * BRUNEL_NEURON.tau_m / 1000.0)
    fraction = float(np.round(rng.uniform(0.8, 0.9), 2))
    low = dict(case, nu0_hz=float(fraction * threshold_rate), t_stop=LOW_DRIVE_T_STOP)
    times, ids = _student_spikes(simulate_balanced_network, low, int(rng.integers(1, 2 ** 31)))
    rate_low = firing_rates_hz(times, ids, n, 100.0, low["t_stop"]).mean()
    engine_low = firing_rates_hz(*_engine_run(**low, seed=1), n, 100.0, low["t_stop"]).mean()
    where = (f"With nu0 = {low['nu0_hz']:.2f} Hz ({fraction:.2f} of the rate whose mean input alone reaches "
             f"threshold) the course engine fires at {engine_low:.2f} Hz, driven by the fluctuations of the Poisson "
             f"input; your network: {rate_low:.2f} Hz. ")
    if rate_low < LOW_DRIVE_RANGE[0] * engine_low:
        raise NotYet(where + "Is the external input a Poisson count drawn anew for every neuron and step "
                             "(rng.poisson(K nu0 dt / 1000, n)), rather than its mean?")
    if rate_low > LOW_DRIVE_RANGE[1] * engine_low:
        raise NotYet(where + "Your network fires far too much at this weaker drive: does it use its arguments "
                             "(nu0_hz, seed) rather than fixed values?")
    return (f"E {rate_e:.1f} Hz, I {rate_i:.1f} Hz (course engine {ref_e:.1f}, {ref_i:.1f} Hz; mean field "
            f"{field:.1f} Hz), mean CV {cv:.2f}; spikes act after the {DELAY_MS} ms delay, E excites and I inhibits; "
            f"at a sub-threshold drive {rate_low:.2f} Hz (engine {engine_low:.2f} Hz)")


# --------------------------------------------------------------------------------------------
# (5) rates and CV of ISIs
# --------------------------------------------------------------------------------------------

def _synthetic_spikes(rng, n_e=40, n_i=10, t_end=1300.0):
    """E neurons firing regularly (even indices) or as gamma processes of order 2 (odd), 10-30 Hz, and Poisson I
    neurons (about 15 Hz) over 0-1300 ms, with the awkward ones the counting must get right: silent neurons,
    neurons with one or two spikes in the window, and neurons that fire only outside it."""
    times, ids = [], []
    awkward = {int(i): kind for i, kind in zip(rng.choice(n_e, 12, replace=False),
                                                ["silent"] * 3 + ["one"] * 2 + ["two"] * 4 + ["outside"] * 3)}
    awkward.update({n_e + int(i): kind for i, kind in zip(rng.choice(n_i, 3, replace=False),
                                                         ["silent", "two", "outside"])})
    for i in range(n_e + n_i):
        kind = awkward.get(i)
        if kind == "silent":
            train = np.array([])
        elif kind == "one":
            train = rng.uniform(150.0, 1050.0, 1)
        elif kind == "two":
            train = np.sort(rng.uniform(150.0, 1050.0, 2))
        elif kind == "outside":
            train = np.sort(np.concatenate([rng.uniform(0.0, 90.0, 3), rng.uniform(1110.0, t_end, 3)]))
        elif i < n_e and i % 2 == 0:
            period = 1000.0 / rng.uniform(10.0, 30.0)
            train = np.arange(rng.uniform(0, period), t_end, period)
        elif i < n_e:
            train = np.cumsum(rng.gamma(2.0, 500.0 / rng.uniform(10.0, 30.0), 60))
            train = train[train < t_end]
        else:
            train = np.cumsum(rng.exponential(1000.0 / 15.0, 40))
            train = train[train < t_end]
        times.append(train)
        ids.append(np.full(train.size, i))
    times, ids = np.concatenate(times), np.concatenate(ids)
    order = np.argsort(times)
    return times[order], ids[order]


@check("rates_and_cv: population rates (Hz) and the mean CV of the ISIs", forbid=(analysis,))
def check_rates_and_cv(rates_and_cv):
    """Synthetic regular (E) and Poisson (I) trains with silent and nearly silent neurons, counted between 100
    and 1100 ms (random each run)."""
    times, ids = _synthetic_spikes(case_rng())
    n_e, n_i, t_start, t_stop = 40, 10, 100.0, 1100.0
    got = _floats(rates_and_cv(times.copy(), ids.copy(), n_e, n_i, t_start, t_stop), "rates_and_cv(...)", 3)
    rates = firing_rates_hz(times, ids, n_e + n_i, t_start, t_stop)
    inside = (times >= t_start) & (times < t_stop)
    cvs = cv_isi_per_neuron(times[inside], ids[inside], n_e + n_i, min_spikes=3)
    cv = np.nanmean(cvs)
    expected = np.array([rates[:n_e].mean(), rates[n_e:].mean(), cv])
    if np.allclose(got[:2], expected[:2] / 1000, rtol=1e-3):
        raise NotYet(f"expected rates ({expected[0]:.2f}, {expected[1]:.2f}) Hz, got ({got[0]:.4f}, {got[1]:.4f}): "
                     "a factor 1000 too small. The window is in ms; a rate in Hz is spikes per second.")
    all_rates = firing_rates_hz(times, ids, n_e + n_i, 0.0, 1300.0)
    if np.allclose(got[:2], [all_rates[:n_e].mean(), all_rates[n_e:].mean()], rtol=0.02) and \
            not np.allclose(got[:2], expected[:2], rtol=0.02):
        raise NotYet(f"expected rates ({expected[0]:.2f}, {expected[1]:.2f}) Hz, got ({got[0]:.2f}, {got[1]:.2f}): "
                     f"count only the spikes between t_start = {t_start} and t_stop = {t_stop} ms.")
    active = np.bincount(ids[inside], minlength=n_e + n_i) > 0
    active_only = [rates[:n_e][active[:n_e]].mean(), rates[n_e:][active[n_e:]].mean()]
    if np.allclose(got[:2], active_only, rtol=0.01) and not np.allclose(got[:2], expected[:2], rtol=0.01):
        raise NotYet(f"expected rates ({expected[0]:.2f}, {expected[1]:.2f}) Hz, got ({got[0]:.2f}, {got[1]:.2f}): "
                     f"you averaged only over the neurons that fired; {np.sum(~active)} neurons are silent in the "
                     "window and count with rate 0. Divide the spike count by n_e (n_i) neurons.")
    expect_close(got[0], expected[0], "E rate (Hz) of 40 neurons (a few silent)", rtol=0.01,
                 hint="Average the single-neuron rates of the E neurons (indices below n_e), silent ones included.")
    expect_close(got[1], expected[1], "I rate (Hz) of 10 Poisson neurons (one silent)", rtol=0.01,
                 hint="The I neurons have indices n_e ... n_e + n_i - 1; divide by n_i, not by n_e.")
    few = ~np.isfinite(cvs)
    with_zeros = np.where(few, 0.0, cvs).mean()
    if abs(got[2] - with_zeros) < 0.005 and abs(got[2] - cv) > 0.02:
        raise NotYet(f"mean CV: expected {cv:.3f}, got {got[2]:.3f}, the mean with CV = 0 for the {few.sum()} neurons "
                     "that have fewer than 3 spikes in the window. Their CV is undefined: leave them out of the mean "
                     "(average over neurons with at least 3 spikes).")
    expect_close(got[2], expected[2], "mean CV of the ISIs", atol=0.02,
                 hint="Per neuron std(ISI) / mean(ISI) (np.diff of its sorted spike times in the window), then "
                      "the mean over neurons with at least 3 spikes.")
    return (f"E {expected[0]:.2f} Hz, I {expected[1]:.2f} Hz, mean CV {expected[2]:.2f} (regular and gamma E, "
            "Poisson I, "
            f"{np.sum(~active)} neurons silent in the window)")


# --------------------------------------------------------------------------------------------
# (6) the balanced-state rate
# --------------------------------------------------------------------------------------------

@check("balanced_rate: nu = nu0 / (g gamma - 1)", forbid=(theory, balanced_models.brunel_couplings))
def check_balanced_rate(balanced_rate):
    """Several (nu0, g, gamma) and a random one against theory.balanced_rates."""
    from ..models.balanced import brunel_couplings
    rng = case_rng()
    gamma = float(np.round(rng.uniform(0.15, 0.6), 3))
    random_case = (float(np.round(rng.uniform(1.0, 30.0), 3)), float(np.round(rng.uniform(1.5 / gamma, 12.0), 3)),
                   gamma)
    for nu0, g, gamma in ((10.0, 8.0, 0.25), (10.0, 6.0, 0.25), (4.0, 5.0, 0.25), (12.0, 4.0, 0.5), random_case):
        got = _floats(balanced_rate(nu0, g, gamma), f"balanced_rate({nu0}, {g}, {gamma})", 1)[0]
        expected = theory.balanced_rates(nu0, brunel_couplings(g, gamma))[0]
        if np.isclose(got, expected, rtol=1e-9):
            continue
        where = f"nu0 = {nu0} Hz, g = {g}, gamma = {gamma}: expected {expected:.4g} Hz, got {got:.4g} Hz. "
        if np.isclose(got, nu0 / (g * gamma + 1)):
            raise NotYet(where + "You added inhibition: the balance condition is nu0 + nu - g gamma nu = 0, so "
                                 "inhibition enters with a minus sign.")
        if np.isclose(got, nu0 / (g - 1)):
            raise NotYet(where + "gamma is missing: a neuron receives gamma K inhibitory inputs, so inhibition "
                                 "weighs g gamma, not g.")
        if np.isclose(got, -expected):
            raise NotYet(where + "The sign is flipped: solve nu0 + nu (1 - g gamma) = 0 for nu.")
        raise NotYet(where + "Set the mean input K J (nu0 + nu - g gamma nu) to zero and solve for nu.")
    return "nu = nu0 / (g gamma - 1) for five cases (one random), e.g. 10 Hz at nu0 = 10 Hz, g = 8, gamma = 1/4"
