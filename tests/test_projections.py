"""course_lib.projections and the engine's conductance step: pooled all-to-all receptor synapses against the same
synapses drawn one by one, NMDA's per-neuron saturation against receptors.NMDA, the LIF's conductance step against
its exact solution and its order of convergence, and chapter 10's network built from them."""
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from course_lib.connectivity import Connectivity, empty_connectivity
from course_lib.drives import ConstantDrive, PoissonDrive, sample_poisson_each
from course_lib.models.decision import WangNetwork
from course_lib.network import Network, Population, SynapseModel, per_population, simulate_network
from course_lib.neurons import LIF
from course_lib.projections import PooledProjection
from course_lib.receptors import AMPA, GABAA, NMDA, mg_block

POPULATIONS = (Population("E1", 20, delay=0.5), Population("E2", 10, delay=1.0), Population("I", 10, True, 0.5))
G_AMPA = {("E1", "E1"): 0.8, ("E1", "E2"): 0.3, ("E2", "E1"): 0.5, ("I", "E1"): 0.6, ("I", "E2"): 0.9}
G_GABA = {("E1", "I"): 2.0, ("E2", "I"): 1.5, ("I", "I"): 1.0}


def wang_like_neuron():
    """E cells 500 pF / 25 nS, I cells 200 pF / 20 nS (Wang 2002), one LIF with per-neuron arrays."""
    values = lambda e, i: per_population(POPULATIONS, {"E1": e, "E2": e, "I": i})  # noqa: E731
    return LIF(c_m=values(500.0, 200.0), g_l=values(25.0, 20.0), e_l=-70.0, v_th=-50.0, v_reset=-55.0,
               t_ref=values(2.0, 1.0))


def drawn_one_by_one():
    """The synapses of G_AMPA and G_GABA as an explicit all-to-all Connectivity (no autapse is excluded)."""
    ranges = {"E1": (0, 20), "E2": (20, 30), "I": (30, 40)}
    sources, targets, weights = [], [], []
    for (target, source), g in {**G_AMPA, **G_GABA}.items():
        s, t = np.meshgrid(np.arange(*ranges[source]), np.arange(*ranges[target]), indexing="ij")
        sources.append(s.ravel())
        targets.append(t.ravel())
        weights.append(np.full(s.size, g))
    return Connectivity.from_pairs(np.concatenate(sources), np.concatenate(targets).astype(np.int32),
                                   np.concatenate(weights), 40, 40)


def run(pooled, seed=3, t_stop=300.0):
    """A 40-neuron network with AMPA and GABA_A synapses (pooled or drawn), driven by Poisson input."""
    synapses = SynapseModel("conductance", tau_exc=2.0, tau_inh=5.0, e_exc=0.0, e_inh=-70.0)
    drives = (PoissonDrive(2400.0, 1, 2.1),)
    if pooled:
        net = Network(wang_like_neuron(), POPULATIONS, empty_connectivity(40), synapses, drives,
                      pooled=(PooledProjection(AMPA(2.0, 0.0), G_AMPA), PooledProjection(GABAA(5.0, -70.0), G_GABA)))
    else:
        net = Network(wang_like_neuron(), POPULATIONS, drawn_one_by_one(), synapses, drives)
    return simulate_network(net, t_stop, 0.1, seed=seed, record_v=np.arange(40))


def test_pooled_linear_receptors_equal_the_same_synapses_drawn_one_by_one():
    # AMPA and GABA_A are linear: a population's summed gating is one variable driven by its spike count, and the
    # engine's exponential conductance synapse (tau 2 / 5 ms, step mean) is the same kinetics. Same seed, same input:
    # the runs agree to rounding (the sums are taken in a different order), spike for spike.
    pooled, drawn = run(pooled=True), run(pooled=False)
    assert drawn.spike_times.size > 50, "the test needs spikes"
    assert np.array_equal(pooled.spike_times, drawn.spike_times)
    assert np.array_equal(pooled.spike_indices, drawn.spike_indices)
    assert np.allclose(pooled.v, drawn.v, rtol=0, atol=1e-9)


def test_pooled_spikes_act_one_delay_of_their_source_population_later():
    # one neuron of E2 (delay 1.0 ms) is made to fire; the AMPA conductance of E1 cells starts to act in the step
    # that starts one delay after the spike is stamped, as the engine's other synapses do
    populations = (Population("E1", 2, delay=0.5), Population("E2", 1, delay=1.0))
    net = Network(LIF(), populations, empty_connectivity(3), SynapseModel("conductance", tau_exc=2.0),
                  drives=(ConstantDrive(np.array([0.0, 0.0, 400.0])),),
                  pooled=(PooledProjection(AMPA(), {("E1", "E2"): 1.0}),))
    res = simulate_network(net, 40.0, 0.1, seed=1, v0=-60.0, record_currents=[0])
    t_spike = res.spike_times[res.spike_indices == 2][0]
    first = np.flatnonzero(res.currents["exc"][:, 0] > 0)[0]
    assert res.t[first] == pytest.approx(t_spike + 1.0 + 0.1)     # traces are stamped at the step's end


def test_pooled_nmda_saturates_per_source_neuron_as_receptors_nmda():
    # three source neurons fire regularly at different rates; the conductance onto a target neuron must be
    # g * sum_j s_j (mean over the step) * mg_block(v at the step's start), s_j from receptors.NMDA stepped with each
    # source's own arrivals. Pooling the spikes before the saturation (one s for the population) would fail this.
    populations = (Population("S", 3, delay=0.5), Population("T", 1, delay=0.5))
    g = 0.7
    receptor = NMDA()
    net = Network(LIF(), populations, empty_connectivity(4), SynapseModel("conductance"),
                  drives=(ConstantDrive(np.array([300.0, 500.0, 900.0, 0.0])),),
                  pooled=(PooledProjection(receptor, {("T", "S"): g}),))
    dt, t_stop = 0.1, 200.0
    res = simulate_network(net, t_stop, dt, seed=1, v0=-60.0, record_v=[3], record_currents=[3])
    n_steps = res.t.size
    arrivals = np.zeros((n_steps, 3))
    for t_spike, neuron in zip(res.spike_times, res.spike_indices):
        step = int(round(t_spike / dt)) + 5                 # stamped at the end of step k, acts in step k + 1 + 4
        if neuron < 3 and step < n_steps:
            arrivals[step, neuron] += 1
    assert np.all(np.bincount(res.spike_indices[res.spike_indices < 3], minlength=3) > 5), "sources must fire often"
    state, expected = receptor.initial_state(3), np.empty(n_steps)
    v_start = np.concatenate([[-60.0], res.v[:-1, 0]])
    for k in range(n_steps):
        s_mean = receptor.step(state, arrivals[k], dt)
        expected[k] = g * s_mean.sum() * mg_block(v_start[k]) * (0.0 - v_start[k])
    assert np.allclose(res.currents["exc"][:, 0], expected, rtol=1e-12, atol=1e-12)
    assert state["s"].max() > 0.5, "the test should reach the saturating range"


def test_lif_conductance_step_is_exact_for_a_constant_conductance():
    # c dv/dt = -g_l (v - e_l) + g (e_rev - v): v relaxes to (g_l e_l + g e_rev) / (g_l + g) with tau = c / (g_l + g);
    # the step is exact whatever dt (here 1 ms, 20 steps)
    neuron, g, e_rev, dt = LIF(c_m=500.0, g_l=25.0, e_l=-70.0, v_th=100.0, v_reset=-80.0), 15.0, 0.0, 1.0
    state = {"v": np.array([-70.0]), "ref_left": np.zeros(1)}
    for _ in range(20):
        neuron.step(state, np.zeros(1), dt, g_syn=np.array([g]), g_syn_e_rev=np.array([g * e_rev]))
    v_inf = (25.0 * -70.0 + g * e_rev) / (25.0 + g)
    assert state["v"][0] == pytest.approx(v_inf + (-70.0 - v_inf) * np.exp(-20.0 * (25.0 + g) / 500.0), rel=1e-12)


def single_cell_error(dt):
    """|v(20 ms) - exact| of a cell hit by one AMPA conductance of 20 nS at t = 0 (the engine's step)."""
    populations = (Population("S", 1, delay=0.0), Population("T", 1, delay=0.0))
    neuron = LIF(c_m=500.0, g_l=25.0, e_l=-70.0, v_th=100.0, v_reset=-80.0)
    net = Network(neuron, populations, empty_connectivity(2), SynapseModel("conductance"),
                  pooled=(PooledProjection(AMPA(), {("T", "S"): 20.0}),))
    state = net.initial_state(dt, rng=1, v0=-70.0)
    state["pooled_ring"][0, 0] = 1.0               # a spike of S arrives at t = 0
    for _ in range(int(round(20.0 / dt))):
        net.step(state, dt, np.random.default_rng(0))
    exact = solve_ivp(lambda t, v: (-25.0 * (v + 70.0) - 20.0 * np.exp(-t / 2.0) * v) / 500.0, (0.0, 20.0), [-70.0],
                      rtol=1e-12, atol=1e-12).y[0, -1]
    return abs(state["neuron"]["v"][1] - exact), exact


def test_engine_conductance_step_converges_at_second_order():
    # the conductance is handed over as its exact mean over the step and held while the membrane steps exactly:
    # a midpoint-like rule, error ~ dt^2 (a conductance taken at the step's start, as a current, is first order)
    errors = [single_cell_error(dt)[0] for dt in (0.2, 0.1, 0.05)]
    assert single_cell_error(0.1)[1] > -69.0, "the conductance must move v"
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    assert np.all(np.abs(ratios - 4.0) < 0.5), ratios


def test_wang_network_on_the_engine_has_the_published_structure():
    w = WangNetwork()
    net = w.network(coherence=25.6, n_trials=2, t_on=100.0, t_off=300.0, seed=4)
    assert [p.name for p in net.populations] == ["A/0", "B/0", "non-selective/0", "A/1", "B/1", "non-selective/1",
                                                 "I/0", "I/1"]
    assert [p.size for p in net.populations] == [240, 240, 1120] * 2 + [400, 400]
    assert w.pool_spans(1, 2) == [(1600, 1840), (1840, 2080), (2080, 3200), (3600, 4000)]
    ampa, nmda, gaba = net.pooled
    assert ampa.g_ns[("A/1", "A/1")] == pytest.approx(0.05 * 1.7) and ampa.g_ns[("A/1", "B/1")] == pytest.approx(
        0.05 * w.w_minus)
    assert nmda.g_ns[("I/0", "non-selective/0")] == pytest.approx(0.13)
    assert gaba.g_ns[("B/0", "I/0")] == pytest.approx(1.3) and ("B/0", "I/1") not in gaba.g_ns   # trials apart
    assert not ampa.g_ns.keys() & {("A/0", "A/1"), ("I/1", "B/0")}
    stimulus = net.drives[1].rate_hz
    assert np.all(stimulus(99.9) == 0) and np.all(stimulus(300.0) == 0)
    rates = np.array([stimulus(t).reshape(2, 2, 240)[..., 0] for t in np.arange(100.0, 300.0, 0.1)])  # (t, trial, pool)
    segments = rates.reshape(4, 500, 2, 2)                  # 4 segments of 50 ms, constant within each
    assert np.all(segments == segments[:, :1])
    assert segments[:, 0, :, 0].mean() > segments[:, 0, :, 1].mean()          # c > 0: pool A gets more


def test_pooled_projection_rejects_bad_input():
    with pytest.raises(TypeError, match="receptor"):
        PooledProjection("AMPA", {("E", "E"): 1.0})
    with pytest.raises(ValueError, match="empty"):
        PooledProjection(AMPA(), {})
    with pytest.raises(TypeError, match="pairs"):
        PooledProjection(AMPA(), {"E": 1.0})
    with pytest.raises(ValueError, match="nS"):
        PooledProjection(AMPA(), {("E", "E"): -1.0})
    with pytest.raises(ValueError, match="does not have"):
        Network(LIF(), POPULATIONS, empty_connectivity(40), pooled=(PooledProjection(AMPA(), {("E1", "X"): 1.0}),))
    with pytest.raises(ValueError, match="mix excitatory and inhibitory"):
        Network(LIF(), POPULATIONS, empty_connectivity(40),
                pooled=(PooledProjection(AMPA(), {("E1", "E2"): 1.0, ("E1", "I"): 1.0}),))
    with pytest.raises(ValueError, match="distinct neuron indices"):
        PoissonDrive(10.0, 1, 1.0, targets=[3, 3])
    with pytest.raises(ValueError, match="targets neuron 40"):
        Network(LIF(), POPULATIONS, empty_connectivity(40), drives=(PoissonDrive(10.0, 1, 1.0, targets=[0, 40]),))
    with pytest.raises(ValueError, match="one value per neuron it targets"):
        Network(LIF(), POPULATIONS, empty_connectivity(40), drives=(PoissonDrive(10.0, 1, np.ones(40), targets=[0]),))


def test_sample_poisson_each_gives_independent_poisson_counts():
    # the total is Poisson(sum) and the events are spread in proportion to the means: each entry must come out
    # Poisson with its own mean (mean = variance) and the entries uncorrelated (4 standard errors)
    means = np.array([0.01, 0.1, 0.5, 1.0, 2.0])
    rng = np.random.default_rng(5)
    draws = np.array([sample_poisson_each(means, rng) for _ in range(20_000)])
    assert np.all(np.abs(draws.mean(axis=0) - means) < 4 * np.sqrt(means / 20_000))
    assert np.all(np.abs(draws.var(axis=0) - means) < 4 * np.sqrt((means + 2 * means ** 2) / 20_000))
    correlation = np.corrcoef(draws[:, 2:].T)[np.triu_indices(3, 1)]
    assert np.all(np.abs(correlation) < 4 / np.sqrt(20_000))
    assert np.array_equal(sample_poisson_each(np.zeros(3), rng), [0, 0, 0])
