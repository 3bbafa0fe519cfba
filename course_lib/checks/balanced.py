"""Checks for chapter 06 (the E/I balanced network): coupling strengths, sparse connectivity,
event-driven propagation, the network loop, rates and CV, and the balanced-state rate.

Each check runs the student's function on cases it chooses, compares with course_lib's reference
(course_lib.network, course_lib.analysis) or with theory (course_lib.theory), and names the most
likely mistake: no 1/sqrt(K) scaling, inhibition with the wrong sign, spikes sent from the wrong
neurons, a dense N x N matrix where sparse rows are needed. Units: ms, mV, Hz.
"""
import tracemalloc

import numpy as np

from .. import theory
from ..analysis import cv_isi_per_neuron, firing_rates_hz
from ..network import J_REFERENCE_MV, balanced_lif_network, simulate_network
from . import NotYet, check, expect_close

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

@check("coupling_strengths: J = j / sqrt(K), inhibitory -g J")
def check_coupling_strengths(coupling_strengths):
    """Several (j, g, K); names a missing or wrong K-scaling and a wrong sign of inhibition."""
    for j, g, k in ((6.0, 8.0, 100), (6.0, 8.0, 1600), (3.0, 5.0, 400), (2.0, 6.0, 1000)):
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
    return "J = j/sqrt(K) and -g J for four (j, g, K), e.g. 0.6 and -4.8 mV at j = 6 mV, g = 8, K = 100"


# --------------------------------------------------------------------------------------------
# (2) sparse fixed in-degree connectivity as compressed target lists
# --------------------------------------------------------------------------------------------

def _as_csr(out, n_source, what):
    """Validate (indptr, targets, weights) of a student's connectivity; return the three arrays."""
    if not isinstance(out, tuple) or len(out) != 3:
        raise NotYet(f"{what} should return a tuple (indptr, targets, weights); got {type(out).__name__}.")
    indptr, targets, weights = (np.asarray(x) for x in out)
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


def _peak_memory_mb(function, *args):
    """Run function(*args) under tracemalloc; return (result, peak MB)."""
    tracemalloc.start()
    try:
        result = function(*args)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak / 1e6


@check("build_connectivity: exactly K distinct inputs per neuron, stored as target lists per source")
def check_connectivity(build_connectivity):
    """In-degrees, distinct sources, weights, randomness; then the memory of a 4000-neuron case."""
    for n_source, n_target, k, weight in ((300, 200, 25, 0.2), (200, 300, 40, -1.6)):
        what = f"build_connectivity({n_source}, {n_target}, {k}, {weight})"
        indptr, targets, weights = _as_csr(build_connectivity(n_source, n_target, k, weight,
                                                              np.random.default_rng(5)), n_source, what)
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


@check("propagate: the input each neuron receives from the neurons that spiked")
def check_propagate(propagate):
    """A small network against the dense reference, with diagnoses; then a 200,000-neuron network."""
    rng = np.random.default_rng(8)
    n = 60
    indptr, targets, weights = _random_csr(n, 7, rng)
    matrix = _dense(indptr, targets, weights, n)
    for spiked in (rng.random(n) < 0.2, np.zeros(n, bool), np.ones(n, bool)):
        got = np.asarray(propagate(spiked.copy(), indptr, targets, weights, n), dtype=float)
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


def reference_rates(case=SIMULATION_CASE, seed=1):
    """E and I rates (Hz, after 100 ms) of course_lib's engine for the exercise's network, and its mean CV."""
    net = balanced_lif_network(k=case["k"], nu0_hz=case["nu0_hz"], g=case["g"], j=case["j"], n_e=case["n_e"],
                               n_i=case["n_i"], seed=seed)
    result = simulate_network(net, case["t_stop"], case["dt"], seed=seed + 1)
    cv = np.nanmean(cv_isi_per_neuron(result.spike_times, result.spike_indices, net.n, min_spikes=4))
    return result.mean_rate_hz("E", 100.0), result.mean_rate_hz("I", 100.0), cv


@check("simulate_balanced_network: the network's rates and irregularity")
def check_simulation(simulate_balanced_network, expected=None):
    """Run the student's network (2,500 neurons, K = 200, 0.6 s) and compare with course_lib's engine."""
    case = SIMULATION_CASE
    out = simulate_balanced_network(**case, seed=3)
    if not isinstance(out, tuple) or len(out) != 2:
        raise NotYet("simulate_balanced_network should return (spike_times_ms, spike_indices).")
    times, ids = (np.asarray(x) for x in out)
    n = case["n_e"] + case["n_i"]
    if times.shape != ids.shape:
        raise NotYet(f"spike times {times.shape} and indices {ids.shape} must have the same shape.")
    if ids.size and (ids.min() < 0 or ids.max() >= n):
        raise NotYet(f"spike indices must lie between 0 and {n - 1}.")
    rates = firing_rates_hz(times, ids, n, 100.0, case["t_stop"])
    rate_e, rate_i = rates[:case["n_e"]].mean(), rates[case["n_e"]:].mean()
    ref_e, ref_i, ref_cv = reference_rates() if expected is None else expected
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
    return (f"E {rate_e:.1f} Hz, I {rate_i:.1f} Hz (course engine {ref_e:.1f}, {ref_i:.1f} Hz; mean field "
            f"{field:.1f} Hz), mean CV {cv:.2f}")


# --------------------------------------------------------------------------------------------
# (5) rates and CV of ISIs
# --------------------------------------------------------------------------------------------

def _synthetic_spikes(rng):
    """40 E neurons firing regularly at 10-30 Hz and 10 I neurons firing as Poisson processes, 0-1300 ms."""
    times, ids = [], []
    for i in range(40):
        period = 1000.0 / (10 + i / 2)
        train = np.arange(rng.uniform(0, period), 1300.0, period)
        times.append(train)
        ids.append(np.full(train.size, i))
    for i in range(40, 50):
        train = np.cumsum(rng.exponential(1000.0 / 15.0, 40))
        train = train[train < 1300.0]
        times.append(train)
        ids.append(np.full(train.size, i))
    times, ids = np.concatenate(times), np.concatenate(ids)
    order = np.argsort(times)
    return times[order], ids[order]


@check("rates_and_cv: population rates (Hz) and the mean CV of the ISIs")
def check_rates_and_cv(rates_and_cv):
    """Synthetic regular (E) and Poisson (I) trains, counted between 100 and 1100 ms."""
    times, ids = _synthetic_spikes(np.random.default_rng(9))
    n_e, n_i, t_start, t_stop = 40, 10, 100.0, 1100.0
    got = _floats(rates_and_cv(times.copy(), ids.copy(), n_e, n_i, t_start, t_stop), "rates_and_cv(...)", 3)
    rates = firing_rates_hz(times, ids, n_e + n_i, t_start, t_stop)
    inside = (times >= t_start) & (times < t_stop)
    cv = np.nanmean(cv_isi_per_neuron(times[inside], ids[inside], n_e + n_i, min_spikes=3))
    expected = np.array([rates[:n_e].mean(), rates[n_e:].mean(), cv])
    if np.allclose(got[:2], expected[:2] / 1000, rtol=1e-3):
        raise NotYet(f"expected rates ({expected[0]:.2f}, {expected[1]:.2f}) Hz, got ({got[0]:.4f}, {got[1]:.4f}): "
                     "a factor 1000 too small. The window is in ms; a rate in Hz is spikes per second.")
    all_rates = firing_rates_hz(times, ids, n_e + n_i, 0.0, 1300.0)
    if np.allclose(got[:2], [all_rates[:n_e].mean(), all_rates[n_e:].mean()], rtol=0.02) and \
            not np.allclose(got[:2], expected[:2], rtol=0.02):
        raise NotYet(f"expected rates ({expected[0]:.2f}, {expected[1]:.2f}) Hz, got ({got[0]:.2f}, {got[1]:.2f}): "
                     f"count only the spikes between t_start = {t_start} and t_stop = {t_stop} ms.")
    expect_close(got[0], expected[0], "E rate (Hz) of 40 regular neurons", rtol=0.01,
                 hint="Average the single-neuron rates of the E neurons (indices below n_e).")
    expect_close(got[1], expected[1], "I rate (Hz) of 10 Poisson neurons", rtol=0.01,
                 hint="The I neurons have indices n_e ... n_e + n_i - 1; divide by n_i, not by n_e.")
    expect_close(got[2], expected[2], "mean CV of the ISIs", atol=0.02,
                 hint="Per neuron std(ISI) / mean(ISI) (np.diff of its sorted spike times in the window), then "
                      "the mean over neurons with at least 3 spikes.")
    return f"E {expected[0]:.2f} Hz, I {expected[1]:.2f} Hz, mean CV {expected[2]:.2f} (regular E, Poisson I)"


# --------------------------------------------------------------------------------------------
# (6) the balanced-state rate
# --------------------------------------------------------------------------------------------

@check("balanced_rate: nu = nu0 / (g gamma - 1)")
def check_balanced_rate(balanced_rate):
    """Several (nu0, g, gamma) against theory.balanced_rates."""
    from ..network import brunel_couplings
    for nu0, g, gamma in ((10.0, 8.0, 0.25), (10.0, 6.0, 0.25), (4.0, 5.0, 0.25), (12.0, 4.0, 0.5)):
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
    return "nu = nu0 / (g gamma - 1) for four cases, e.g. 10 Hz at nu0 = 10 Hz, g = 8, gamma = 1/4"
