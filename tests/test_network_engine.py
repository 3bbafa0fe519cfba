"""course_lib.network's hot loop and streaming build (issues 19 and 20): the in-place LIF update gives the numbers
of LIF.step, the engine gives the same run with either, the connectivity built in small chunks is the same as
built in large ones, and building peaks near the size of the final arrays."""
import copy
import dataclasses
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from course_lib import connectivity, network
from course_lib.connectivity import bernoulli, ei_connectivity, fixed_indegree
from course_lib.drives import ConstantDrive, PoissonDrive
from course_lib.models.balanced import BRUNEL_NEURON, brunel_network
from course_lib.network import Network, SynapseModel, ei_populations, lif_step_in_place, lif_work, simulate_network
from course_lib.neurons import EIF, LIF

WEIGHTS = {("E", "E"): 0.5, ("E", "I"): -2.0, ("I", "E"): 0.7, ("I", "I"): -1.5}


class GenericLIF(LIF):
    """An LIF that the engine updates through LIF.step (it uses lif_step_in_place only for LIF itself)."""


# --- the in-place LIF update --------------------------------------------------------------------------------

@pytest.mark.parametrize("neuron", [LIF(), BRUNEL_NEURON,
                                    LIF(**{name: np.r_[np.full(30, value), np.full(10, other)]    # E and I differ
                                           for (name, value), other in zip(vars(LIF()).items(), vars(
                                               LIF(t_ref=2.0, v_th=-52.0, g_l=12.0)).values())})])
def test_in_place_lif_step_gives_the_numbers_of_lif_step(neuron):
    """400 steps of noisy input up to 6x rheobase (many spikes and refractory periods): v, ref_left and spikes
    equal bit for bit."""
    dt, n, rng = 0.1, 40, np.random.default_rng(3)
    reference = neuron.initial_state(n)
    reference["v"] = rng.uniform(neuron.v_reset, neuron.v_th, n)
    in_place = {name: value.copy() for name, value in reference.items()}
    work = lif_work(neuron, n, dt)
    spikes = 0
    rheobase_pa = np.asarray(neuron.g_l) * (np.asarray(neuron.v_th) - neuron.e_l)
    level = np.linspace(0.5, 6.0, n)                                  # input / rheobase of each neuron
    for _ in range(400):
        i_ext = rheobase_pa * level * rng.uniform(0.5, 1.5, n)
        expected = neuron.step(reference, i_ext, dt)
        got = lif_step_in_place(neuron, in_place, i_ext, dt, work)
        assert np.array_equal(got, expected)
        assert np.array_equal(in_place["v"], reference["v"]) and np.array_equal(in_place["ref_left"],
                                                                                 reference["ref_left"])
        spikes += expected.sum()
    assert spikes > 100, "the test input should make the neurons fire (and be refractory) often"


def conductance_network(neuron, seed=4, synapses=SynapseModel("conductance")):
    """800 E and 200 I neurons: conductance synapses, delays 1 and 0.5 ms, Poisson drives on ext and inh
    (per-neuron rates), a constant current: every branch of the step."""
    conn = ei_connectivity(800, 200, {("E", "E"): 2.0, ("E", "I"): 8.0, ("I", "E"): 2.0, ("I", "I"): 8.0}, seed, p=0.05)
    drives = (PoissonDrive(rate_hz=np.where(np.arange(1000) % 3 == 0, 800.0, 1200.0), n_inputs=10, weight=0.5),
              PoissonDrive(rate_hz=300.0, n_inputs=5, weight=0.3, channel="inh"),
              ConstantDrive(np.linspace(100.0, 300.0, 1000)))
    return Network(neuron=neuron, populations=ei_populations(800, 200, 1.0, 0.5), connectivity=conn,
                   synapses=synapses, drives=drives)


@pytest.mark.parametrize("make, base", [
    (conductance_network, LIF()),
    (lambda neuron: brunel_network(n_e=1600, n_i=400, seed=5, neuron=neuron), BRUNEL_NEURON),
])
def test_the_engine_runs_the_same_with_the_in_place_update_and_with_lif_step(make, base):
    runs = []
    for neuron_type in (LIF, GenericLIF):
        net = make(neuron_type(**vars(base)))
        state = net.initial_state(0.1, 6)
        assert ("lif_work" in state) == (neuron_type is LIF)
        runs.append(simulate_network(net, 200.0, 0.1, seed=7, state=state, record_v=[0, net.n - 1],
                                     record_currents=[1], progress=False))
    fast, generic = runs
    assert fast.spike_times.size > 100
    assert np.array_equal(fast.spike_times, generic.spike_times)
    assert np.array_equal(fast.spike_indices, generic.spike_indices)
    assert np.array_equal(fast.v, generic.v)
    assert all(np.array_equal(fast.currents[ch], generic.currents[ch]) for ch in fast.currents)


def test_sum_rows_gives_the_numbers_of_np_dot():
    rng = np.random.default_rng(3)
    for n_rows in range(4):                      # the engine has one to three conductance channels (or none)
        rows, out = rng.normal(50.0, 20.0, (n_rows, 500)), np.full(500, np.nan)
        weights = rng.choice([-80.0, -70.0, 10.0], n_rows)
        assert np.array_equal(network.sum_rows(rows, out), np.dot(np.ones(n_rows), rows))
        assert np.array_equal(network.sum_rows(rows, out, weights=weights), np.dot(weights, rows))


def test_a_deep_copy_of_a_conductance_network_state_runs_on_like_the_original():
    # chapter 06 copies states with copy.deepcopy to run twins of a network; a copy keeps no link to the original's
    # arrays (nor a view between two of its own), so the twins must go on identically, the original untouched
    net = conductance_network(LIF(), synapses=SynapseModel("conductance", e_exc=10.0))
    state = net.initial_state(0.1, 6)
    for _ in range(50):
        net.step(state, 0.1, np.random.default_rng(1))
    twin = copy.deepcopy(state)
    for state_now in (state, twin):
        rng = np.random.default_rng(2)
        for _ in range(200):
            net.step(state_now, 0.1, rng)
    assert np.array_equal(state["neuron"]["v"], twin["neuron"]["v"]) and not np.shares_memory(state["g_syn"],
                                                                                                twin["g_syn"])
    assert np.any(twin["g_syn_e_rev"] != 0)


HANDED_CURRENTS = []


class RecordingEIF(EIF):
    """An EIF (a model that takes no conductances) that keeps the current the engine hands it in each step."""

    def step(self, state, i_ext, dt):
        HANDED_CURRENTS.append(np.array(i_ext, dtype=float))
        return super().step(state, i_ext, dt)


@pytest.mark.parametrize("synapses", [SynapseModel("conductance"),                     # e_rev 0 / -80 / 0 mV
                                      SynapseModel("conductance", e_exc=10.0, e_inh=0.0)])  # 10 / 0 / 10 mV
def test_a_model_without_conductances_gets_their_current_at_the_step_start(synapses):
    """EIF under conductance synapses: i = sum over channels of g (e_rev - v at the step's start) plus the constant
    drive, to rounding (the engine forms it as g_syn_e_rev - g_syn v, g_syn_e_rev from the channels whose e_rev is not
    0 mV: the second case has a 0 mV channel between two others)."""
    HANDED_CURRENTS.clear()
    net = conductance_network(RecordingEIF(), synapses=synapses)
    state, rng = net.initial_state(0.1, 6), np.random.default_rng(7)
    reversals = [net.synapses.reversal(ch) for ch in state["active"]]
    drive = np.linspace(100.0, 300.0, 1000)
    for _ in range(300):
        v_start = state["neuron"]["v"].copy()
        net.step(state, 0.1, rng)
        expected = drive + sum(g * (e_rev - v_start) for g, e_rev in zip(state["conductances"], reversals))
        assert np.allclose(HANDED_CURRENTS[-1], expected, rtol=1e-12, atol=1e-9)
    assert state["conductances"].shape[0] == 3 and np.all(state["conductances"].max(axis=1) > 0)


def test_recorded_conductance_currents_are_g_times_the_driving_force_at_the_step_start():
    """One spike of 3 nS onto neuron 1, arriving in step 1 (sent in step 0, no delay): its recorded exc current is
    3 nS * (mean of e^(-t/5 ms) over the step) * (0 mV - v at the step's start) in every step (v from record_v,
    one step back)."""
    conn = connectivity.Connectivity.from_pairs([0], np.array([1], dtype=np.int32), [3.0], 2, 2)
    net = Network(neuron=LIF(), populations=ei_populations(2, 0, 0.0), connectivity=conn,
                  synapses=SynapseModel("conductance", tau_exc=5.0))
    state = net.initial_state(0.1, rng=1, v0=-65.0)
    net.propagate(state, np.array([0]))
    res = simulate_network(net, 20.0, 0.1, seed=1, state=state, record_v=[1], record_currents=[1])
    v_start = np.concatenate([[-65.0], res.v[:-1, 0]])
    g_mean = 3.0 * np.exp(-0.1 * np.arange(-1, 199) / 5.0) * (5.0 / 0.1) * (1.0 - np.exp(-0.1 / 5.0))
    g_mean[0] = 0.0
    assert np.allclose(res.currents["exc"][:, 0], g_mean * (0.0 - v_start), rtol=1e-12)
    assert np.all(res.currents["inh"] == 0) and np.all(res.currents["ext"] == 0)


def test_lif_step_takes_both_conductance_sums_or_neither():
    state = LIF().initial_state(2)
    with pytest.raises(ValueError, match="both g_syn"):
        LIF().step(state, np.zeros(2), 0.1, g_syn=np.ones(2))
    with pytest.raises(ValueError, match="both g_syn"):
        LIF().step(state, np.zeros(2), 0.1, g_syn_e_rev=np.ones(2))


# --- the streaming build -----------------------------------------------------------------------------------

def same_connectivity(a, b):
    return all(np.array_equal(getattr(a, name), getattr(b, name)) and getattr(a, name).dtype == getattr(b, name).dtype
               for name in ("indptr", "targets", "weights"))


BUILDS = {
    "fixed in-degree": lambda seed: ei_connectivity(400, 100, WEIGHTS, seed, k={"E": 40, "I": 10}),
    "fixed, self and multapses": lambda seed: ei_connectivity(40, 10, WEIGHTS, seed, k={"E": 30, "I": 9},
                                                              allow_self=True, allow_multapses=True),
    "bernoulli": lambda seed: ei_connectivity(400, 100, WEIGHTS, seed, p={"E": 0.1, "I": 0.3}),
    "bernoulli with self": lambda seed: ei_connectivity(300, 100, WEIGHTS, seed, p=0.2, allow_self=True),
    "two pairs": lambda seed: ei_connectivity(400, 100, {("E", "I"): -1.0, ("I", "E"): 2.0}, seed, k=5),
}


@pytest.mark.parametrize("name", BUILDS)
def test_building_in_small_chunks_gives_the_same_synapses(monkeypatch, name):
    """Chunks of 7 synapses (rows of targets one at a time, geometric gaps 7 at a time) draw the same random
    numbers in the same order as one chunk for everything: identical arrays, over several seeds."""
    for seed in (1, 2, 3):
        whole = BUILDS[name](seed)
        monkeypatch.setattr(connectivity, "BUILD_CHUNK", 7)
        assert same_connectivity(BUILDS[name](seed), whole), (name, seed)
        monkeypatch.undo()


def test_standalone_draws_match_the_connectivity_and_are_in_chunks_the_same(monkeypatch):
    """fixed_indegree and bernoulli (the (sources, targets) lists) do not depend on the chunk size either, and
    ei_connectivity holds exactly their synapses."""
    pairs = {"fixed": lambda: fixed_indegree(300, 300, 40, 1, same_population=True),
             "bernoulli": lambda: bernoulli(400, 300, 0.05, 2, same_population=True)}
    whole = {name: draw() for name, draw in pairs.items()}
    monkeypatch.setattr(connectivity, "BUILD_CHUNK", 100)
    for name, draw in pairs.items():
        assert all(np.array_equal(x, y) and x.dtype == y.dtype for x, y in zip(draw(), whole[name])), name
    sources, targets = fixed_indegree(40, 40, 10, np.random.default_rng(8), same_population=True)
    conn = ei_connectivity(40, 0, {("E", "E"): 1.0}, np.random.default_rng(8), k={"E": 10})
    expected = connectivity.Connectivity.from_pairs(sources, targets, 1.0, 40, 40)
    assert same_connectivity(conn, expected)


def test_building_peaks_near_the_final_arrays(monkeypatch):
    """Brunel's network with 2.5 M synapses: numpy's allocations (tracemalloc) peak below BUILD_BYTES_PER_SYNAPSE
    per synapse and within 25 % of the final arrays (12 B per synapse: int32 target, float64 weight). The build
    before streaming peaked at 24 B per synapse. Chunks of 2^16 synapses keep the chunk's own temporaries small
    next to 2.5 M synapses (the default, 2^18, is sized for larger networks)."""
    monkeypatch.setattr(connectivity, "BUILD_CHUNK", 2 ** 16)
    tracemalloc.start()
    try:
        conn = brunel_network(n_e=4000, n_i=1000, epsilon=0.1, seed=1).connectivity
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    final = conn.indptr.nbytes + conn.targets.nbytes + conn.weights.nbytes
    assert conn.n_synapses == 5000 * 500
    assert peak < connectivity.BUILD_BYTES_PER_SYNAPSE * conn.n_synapses, f"{peak / conn.n_synapses:.1f} B per synapse"
    assert peak < 1.25 * final, f"peak {peak / 1e6:.0f} MB for {final / 1e6:.0f} MB of final arrays"


# --- the profile of a step ------------------------------------------------------------------------------------

def test_engine_profile_counts_the_numpy_calls_of_each_phase():
    """benchmarks/engine_profile.py on COBA: every phase that works is seen, and the in-place LIF update makes
    fewer numpy calls than LIF.step (the count must see the difference, or it counts nothing)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import engine_profile
    calls = engine_profile.calls_per_step(network, "coba", 1, 30)
    assert set(calls) == set(engine_profile.PHASES)
    assert calls["synapses"] > 0 and calls["neurons"] > 0 and calls["detection"] > 0 and calls["propagation"] > 0
    assert calls["drives"] == 0, "COBA has no external drive"
    net, state, rng = engine_profile.build(network, "coba", 1)
    fields = {name: getattr(net.neuron, name) for name in vars(net.neuron)}
    generic = dataclasses.replace(net, neuron=GenericLIF(**fields))
    clock = engine_profile.PhaseClock()
    generic_state = engine_profile.counting_state(generic.initial_state(0.1, 1))
    clock.instrument(generic)
    engine_profile.COUNTER["clock"] = clock
    try:
        with engine_profile.counting_asarray():
            for _ in range(30):
                generic.step(generic_state, 0.1, rng)
    finally:
        engine_profile.COUNTER["clock"] = None
    assert clock.calls["neurons"] / 30 > calls["neurons"]
