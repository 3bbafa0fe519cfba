"""Chapter 06 checks: each passes the right answer, says "not implemented yet" to a blank, and rejects
plausible wrong answers with a message that names the mistake (COURSE.md section 9)."""
import numpy as np
import pytest

from course_lib.analysis import cv_isi_per_neuron, firing_rates_hz
from course_lib.checks.balanced import (SIMULATION_CASE, check_balanced_rate, check_connectivity,
                                        check_coupling_strengths, check_propagate, check_rates_and_cv,
                                        check_simulation)
from course_lib.models.balanced import BRUNEL_NEURON, balanced_lif_network
from course_lib.network import simulate_network

from check_helpers import blank, same_cases_every_run  # noqa: F401  (an autouse fixture)


def outcome(record):
    return record["status"], record["message"]


def assert_not_yet(record, *phrases):
    status, message = outcome(record)
    assert status == "not yet", message
    for phrase in phrases:
        assert phrase.lower() in message.lower(), message


# ---------------------------------------------------------------- (1) coupling strengths

def coupling_strengths(j, g, k):
    return j / np.sqrt(k), -g * j / np.sqrt(k)


def test_coupling_strengths_passes_blank_and_mistakes():
    assert outcome(check_coupling_strengths(coupling_strengths))[0] == "passed"
    assert outcome(check_coupling_strengths(blank))[0] == "not implemented yet"
    assert_not_yet(check_coupling_strengths(lambda j, g, k: (j, -g * j)), "no 1/sqrt(K) scaling")
    assert_not_yet(check_coupling_strengths(lambda j, g, k: (j / k, -g * j / k)), "1/K scaling")
    assert_not_yet(check_coupling_strengths(lambda j, g, k: (j / np.sqrt(k), g * j / np.sqrt(k))), "wrong sign")
    assert_not_yet(check_coupling_strengths(lambda j, g, k: (j / np.sqrt(k), -j / (g * np.sqrt(k)))), "stronger")
    assert_not_yet(check_coupling_strengths(lambda j, g, k: 0.5), "2 numbers")


# ---------------------------------------------------------------- (2) connectivity

def build_connectivity(n_source, n_target, k, weight, rng):
    sources = np.concatenate([rng.choice(n_source, k, replace=False) for _ in range(n_target)])
    targets = np.repeat(np.arange(n_target), k)
    order = np.argsort(sources, kind="stable")
    indptr = np.zeros(n_source + 1, dtype=int)
    indptr[1:] = np.cumsum(np.bincount(sources, minlength=n_source))
    return indptr, targets[order], np.full(targets.size, float(weight))


def connectivity_fixed_out_degree(n_source, n_target, k, weight, rng):
    targets = np.concatenate([rng.choice(n_target, k, replace=False) for _ in range(n_source)])
    return np.arange(n_source + 1) * k, targets, np.full(targets.size, float(weight))


def connectivity_with_repeats(n_source, n_target, k, weight, rng):
    sources = rng.integers(0, n_source, n_target * k)
    targets = np.repeat(np.arange(n_target), k)
    order = np.argsort(sources, kind="stable")
    indptr = np.concatenate([[0], np.cumsum(np.bincount(sources, minlength=n_source))])
    return indptr, targets[order], np.full(targets.size, float(weight))


def connectivity_via_dense_matrix(n_source, n_target, k, weight, rng):
    matrix = np.zeros((n_target, n_source))             # the shortcut that does not scale
    for target in range(n_target):
        matrix[target, rng.choice(n_source, k, replace=False)] = weight
    targets, sources = np.nonzero(matrix.T)[1], np.nonzero(matrix.T)[0]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(sources, minlength=n_source))])
    return indptr, targets, matrix.T[matrix.T != 0]


def connectivity_first_k_sources(n_source, n_target, k, weight, rng):
    sources = np.tile(np.arange(k), n_target)
    targets = np.repeat(np.arange(n_target), k)
    order = np.argsort(sources, kind="stable")
    indptr = np.concatenate([[0], np.cumsum(np.bincount(sources, minlength=n_source))])
    return indptr, targets[order], np.full(targets.size, float(weight))


def connectivity_dense_return(n_source, n_target, k, weight, rng):
    matrix = np.zeros((n_source + 1, n_target))
    return matrix, matrix, matrix


def test_connectivity_passes_blank_and_mistakes():
    assert outcome(check_connectivity(build_connectivity))[0] == "passed"
    assert outcome(check_connectivity(blank))[0] == "not implemented yet"
    assert_not_yet(check_connectivity(connectivity_fixed_out_degree), "every source", "in-degree")
    assert_not_yet(check_connectivity(connectivity_with_repeats), "same source twice")
    assert_not_yet(check_connectivity(connectivity_via_dense_matrix), "dense", "MB")
    assert_not_yet(check_connectivity(connectivity_first_k_sources), "at random")
    assert_not_yet(check_connectivity(connectivity_dense_return), "dense matrix")
    wrong_weight = lambda *args: build_connectivity(*args[:3], 1.0, args[4])
    assert_not_yet(check_connectivity(wrong_weight), "weight")


# ---------------------------------------------------------------- (3) propagation

def propagate(spiked, indptr, targets, weights, n_target):
    sources = np.flatnonzero(spiked)
    if sources.size == 0:
        return np.zeros(n_target)
    synapses = np.concatenate([np.arange(indptr[s], indptr[s + 1]) for s in sources])
    return np.bincount(targets[synapses], weights[synapses], minlength=n_target)


def propagate_from_silent_neurons(spiked, indptr, targets, weights, n_target):
    return propagate(~np.asarray(spiked, bool), indptr, targets, weights, n_target)


def propagate_from_everyone(spiked, indptr, targets, weights, n_target):
    return propagate(np.ones_like(spiked, dtype=bool), indptr, targets, weights, n_target)


def propagate_onto_the_spiking_neurons(spiked, indptr, targets, weights, n_target):
    # treats the spiking neurons as targets: sums, for each neuron, the synapses it RECEIVES from spikers' rows
    sources = np.repeat(np.arange(indptr.size - 1), np.diff(indptr))
    onto = np.asarray(spiked, bool)[targets]
    return np.bincount(sources[onto], weights[onto], minlength=n_target)


def propagate_with_a_dense_matrix(spiked, indptr, targets, weights, n_target):
    matrix = np.zeros((n_target, indptr.size - 1))
    np.add.at(matrix, (targets, np.repeat(np.arange(indptr.size - 1), np.diff(indptr))), weights)
    return matrix @ np.asarray(spiked, float)


def test_propagate_passes_blank_and_mistakes():
    assert outcome(check_propagate(propagate))[0] == "passed"
    assert outcome(check_propagate(blank))[0] == "not implemented yet"
    assert_not_yet(check_propagate(propagate_from_silent_neurons), "did NOT spike")
    assert_not_yet(check_propagate(propagate_from_everyone), "spiking or not")
    assert_not_yet(check_propagate(propagate_onto_the_spiking_neurons), "as TARGETS")
    assert_not_yet(check_propagate(propagate_with_a_dense_matrix), "dense", "MB")
    negated = lambda *args: -propagate(*args)
    assert_not_yet(check_propagate(negated), "wrong sign")


# ---------------------------------------------------------------- (4) the simulation

REFERENCE = (11.5, 11.7, 0.9)       # course engine rates (Hz) and CV for SIMULATION_CASE, seed 1 (measured)


def network_variant(delay_ms=1.5, swap=False, constant_drive=False, ignore_seed=False):
    """The exercise's network loop (the solution), or one of three mistakes that rates and CV alone miss:
    no synaptic delay, the I neurons first (E and I slices swapped), the mean external input instead of
    Poisson counts. ignore_seed replays one fixed run whatever the arguments."""
    def simulate_balanced_network(n_e, n_i, k, g, j, nu0_hz, t_stop, dt, seed):
        rng = np.random.default_rng(7 if ignore_seed else seed)
        if ignore_seed:
            nu0_hz = 16.0
        n, neuron = n_e + n_i, BRUNEL_NEURON
        j_exc, j_inh = j / np.sqrt(k), -g * j / np.sqrt(k)
        exc = build_connectivity(n_e, n, k, j_exc, rng)
        inh = build_connectivity(n_i, n, k // 4, j_inh, rng)
        state = neuron.initial_state(n)
        state["v"] = rng.uniform(neuron.v_reset, neuron.v_th, n)
        pa_per_mv = neuron.g_l / (1 - np.exp(-dt / neuron.tau_m))
        delay_steps = int(round(delay_ms / dt))
        pending = np.zeros((delay_steps + 1, n))
        mean_external = k * nu0_hz * dt / 1000.0
        times, ids = [], []
        for step in range(int(round(t_stop / dt))):
            row = step % pending.shape[0]
            external = mean_external if constant_drive else rng.poisson(mean_external, n)
            jumps = pending[row] + j_exc * external
            pending[row] = 0.0
            spiked = neuron.step(state, jumps * pa_per_mv, dt)
            arrival = (step + 1 + delay_steps) % pending.shape[0]
            if swap:
                pending[arrival] += propagate(spiked[n_i:], *exc, n) + propagate(spiked[:n_i], *inh, n)
            else:
                pending[arrival] += propagate(spiked[:n_e], *exc, n) + propagate(spiked[n_e:], *inh, n)
            fired = np.flatnonzero(spiked)
            times.append(np.full(fired.size, (step + 1) * dt))
            ids.append(fired)
        return list(np.concatenate(times)), list(np.concatenate(ids))    # lists are fine too
    return simulate_balanced_network


def simulate_with_course_engine(n_e, n_i, k, g, j, nu0_hz, t_stop, dt, seed):
    net = balanced_lif_network(k=k, nu0_hz=nu0_hz, g=g, j=j, n_e=n_e, n_i=n_i, seed=seed)
    result = simulate_network(net, t_stop, dt, seed=seed + 10)
    return result.spike_times, result.spike_indices


def synthetic_network(rate_e, rate_i, regular=False):
    """A fake simulate_balanced_network returning spike trains with the given rates."""
    def run(n_e, n_i, k, g, j, nu0_hz, t_stop, dt, seed):
        rng = np.random.default_rng(seed)
        times, ids = [], []
        for i, rate in enumerate([rate_e] * n_e + [rate_i] * n_i):
            if rate <= 0:
                continue
            train = np.arange(rng.uniform(0, 1000 / rate), t_stop, 1000 / rate) if regular else \
                np.cumsum(rng.exponential(1000 / rate, int(rate * t_stop / 1000 * 2) + 10))
            train = train[train < t_stop]
            times.append(train)
            ids.append(np.full(train.size, i))
        return np.concatenate(times) if times else np.zeros(0), np.concatenate(ids) if ids else np.zeros(0, int)
    return run


def test_reference_values_are_those_of_the_engine():
    from course_lib.checks.balanced import reference_rates
    rate_e, rate_i, cv = reference_rates()
    assert rate_e == pytest.approx(REFERENCE[0], abs=0.1) and rate_i == pytest.approx(REFERENCE[1], abs=0.1)


def test_simulation_passes_blank_and_mistakes():
    assert outcome(check_simulation(network_variant(), expected=REFERENCE))[0] == "passed"
    assert_not_yet(check_simulation(simulate_with_course_engine, expected=REFERENCE), "course_lib's own",
                   "simulate_network")
    assert outcome(check_simulation(blank, expected=REFERENCE))[0] == "not implemented yet"
    assert_not_yet(check_simulation(synthetic_network(0.0, 0.0), expected=REFERENCE), "silent")
    assert_not_yet(check_simulation(synthetic_network(150.0, 150.0), expected=REFERENCE), "runaway",
                   "inhibitory weights are negative")
    assert_not_yet(check_simulation(synthetic_network(11.0, 0.0), expected=REFERENCE), "inhibitory neurons")
    assert_not_yet(check_simulation(synthetic_network(18.0, 18.0), expected=REFERENCE), "off by")
    assert_not_yet(check_simulation(synthetic_network(11.5, 11.7, regular=True), expected=REFERENCE), "regular")
    assert_not_yet(check_simulation(lambda **kwargs: [1.0, 2.0, 3.0], expected=REFERENCE), "(spike_times_ms")
    assert_not_yet(check_simulation(lambda **kwargs: [1.0, 2.0], expected=REFERENCE), "1-d arrays")


@pytest.mark.parametrize("mistake, phrases", [
    (dict(delay_ms=0.0), ("before the synaptic delay",)),
    (dict(swap=True), ("do not act as the excitatory ones", "spiked[:n_e]")),
    (dict(constant_drive=True), ("Poisson count drawn anew",)),
    (dict(ignore_seed=True), ("far too much",)),
])
def test_simulation_catches_mistakes_rates_and_cv_miss(mistake, phrases):
    """Each of these networks fires at the right rates with CV ~ 0.9; the check still names the mistake."""
    assert_not_yet(check_simulation(network_variant(**mistake), expected=REFERENCE), *phrases)


def test_simulation_case_is_the_exercise_network():
    assert SIMULATION_CASE["k"] == 200 and SIMULATION_CASE["n_e"] == 4 * SIMULATION_CASE["n_i"]


# ---------------------------------------------------------------- (5) rates and CV

def rates_and_cv(spike_times, spike_indices, n_e, n_i, t_start, t_stop, min_spikes=3, silent_cv=None,
                 active_only=False):
    """The exercise's answer; min_spikes, silent_cv (the CV given to neurons with too few spikes) and
    active_only (average the rates over neurons that fired) make the mistakes that hide silent neurons."""
    inside = (spike_times >= t_start) & (spike_times < t_stop)
    times, ids = spike_times[inside], spike_indices[inside]
    counts = np.bincount(ids, minlength=n_e + n_i)
    rates = counts / ((t_stop - t_start) / 1000.0)
    if active_only:
        rate_e, rate_i = rates[:n_e][counts[:n_e] > 0].mean(), rates[n_e:][counts[n_e:] > 0].mean()
    else:
        rate_e, rate_i = rates[:n_e].mean(), rates[n_e:].mean()
    cvs = []
    for i in range(n_e + n_i):
        train = np.sort(times[ids == i])
        if train.size >= min_spikes and train.size >= 2:
            intervals = np.diff(train)
            cvs.append(intervals.std() / intervals.mean())
        elif silent_cv is not None:
            cvs.append(silent_cv)
    return rate_e, rate_i, float(np.mean(cvs))


def rates_and_cv_from_the_library(spike_times, spike_indices, n_e, n_i, t_start, t_stop):
    rates = firing_rates_hz(spike_times, spike_indices, n_e + n_i, t_start, t_stop)
    inside = (spike_times >= t_start) & (spike_times < t_stop)
    cv = np.nanmean(cv_isi_per_neuron(spike_times[inside], spike_indices[inside], n_e + n_i, min_spikes=3))
    return rates[:n_e].mean(), rates[n_e:].mean(), cv


def test_rates_and_cv_passes_blank_and_mistakes():
    assert outcome(check_rates_and_cv(rates_and_cv))[0] == "passed"
    assert outcome(check_rates_and_cv(blank))[0] == "not implemented yet"
    per_ms = lambda *args: (rates_and_cv(*args)[0] / 1000, rates_and_cv(*args)[1] / 1000, rates_and_cv(*args)[2])
    assert_not_yet(check_rates_and_cv(per_ms), "factor 1000")
    whole_run = lambda t, i, n_e, n_i, a, b: rates_and_cv(t, i, n_e, n_i, 0.0, 1300.0)
    assert_not_yet(check_rates_and_cv(whole_run), "count only the spikes between")

    def inhibitory_over_n_e(t, i, n_e, n_i, a, b):
        e, inh, cv = rates_and_cv(t, i, n_e, n_i, a, b)
        return e, inh * n_i / n_e, cv
    assert_not_yet(check_rates_and_cv(inhibitory_over_n_e), "divide by n_i")

    def cv_from_variance(t, i, n_e, n_i, a, b):
        e, inh, cv = rates_and_cv(t, i, n_e, n_i, a, b)
        return e, inh, cv ** 2
    assert_not_yet(check_rates_and_cv(cv_from_variance), "std(ISI)")


@pytest.mark.parametrize("mistake, phrases", [
    (dict(active_only=True), ("only over the neurons that fired", "silent")),
    (dict(silent_cv=0.0), ("fewer than 3 spikes", "leave them out")),
    (dict(min_spikes=2), ("mean CV",)),
])
def test_rates_and_cv_catches_mistakes_that_hide_silent_neurons(mistake, phrases):
    wrong = lambda *args: rates_and_cv(*args, **mistake)
    assert_not_yet(check_rates_and_cv(wrong), *phrases)
    assert_not_yet(check_rates_and_cv(rates_and_cv_from_the_library), "course_lib's own", "firing_rates_hz")


# ---------------------------------------------------------------- (6) balanced rate

def test_balanced_rate_passes_blank_and_mistakes():
    assert outcome(check_balanced_rate(lambda nu0, g, gamma: nu0 / (g * gamma - 1)))[0] == "passed"
    assert outcome(check_balanced_rate(blank))[0] == "not implemented yet"
    assert_not_yet(check_balanced_rate(lambda nu0, g, gamma: nu0 / (g * gamma + 1)), "minus sign")
    assert_not_yet(check_balanced_rate(lambda nu0, g, gamma: nu0 / (g - 1)), "gamma is missing")
    assert_not_yet(check_balanced_rate(lambda nu0, g, gamma: nu0 / (1 - g * gamma)), "sign is flipped")
    assert_not_yet(check_balanced_rate(lambda nu0, g, gamma: nu0 * (g * gamma - 1)), "solve for nu")
