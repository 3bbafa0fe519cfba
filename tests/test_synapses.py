"""Synapse kernels, coupling and the Poisson source against their analytic behaviour (Campbell's theorem)."""
import numpy as np
import pytest

from course_lib import LIF, theory
from course_lib.inputs import counts_from_spikes, poisson_counts, poisson_spikes, regular_spike_counts
from course_lib.synapses import (AlphaSynapse, BiexponentialSynapse, ExponentialSynapse, SynapticInput,
                                 alpha_kernel, biexponential_kernel, exponential_kernel, simulate_synapses,
                                 synaptic_current)

DT = 0.1
KERNELS = [ExponentialSynapse(5.0), AlphaSynapse(2.0), BiexponentialSynapse(0.5, 5.0)]


def one_spike(t_stop, dt=DT):
    spikes = np.zeros(int(round(t_stop / dt)))
    spikes[0] = 1
    return spikes


def kernel_function(syn):
    if isinstance(syn, ExponentialSynapse):
        return lambda t: exponential_kernel(t, syn.tau_decay)
    if isinstance(syn, AlphaSynapse):
        return lambda t: alpha_kernel(t, syn.tau)
    return lambda t: biexponential_kernel(t, syn.tau_rise, syn.tau_decay)


@pytest.mark.parametrize("syn", KERNELS, ids=lambda s: type(s).__name__)
def test_event_driven_synapse_follows_its_kernel_exactly(syn):
    run = simulate_synapses(None, [SynapticInput(syn, one_spike(100.0))], 100.0, DT, v_clamp=-60.0, record=("s",))
    # the updates are exact solutions between spikes: agreement to rounding error
    np.testing.assert_allclose(run.s[:, 0], kernel_function(syn)(run.t), atol=1e-12)


@pytest.mark.parametrize("syn", KERNELS, ids=lambda s: type(s).__name__)
def test_step_returns_the_exact_mean_of_the_kernel_over_each_step(syn):
    """CONVENTIONS.md section 12: the value a step hands the neuron is the kernel's mean over that step."""
    from scipy.integrate import quad
    state, kernel = syn.initial_state(1), kernel_function(syn)
    for k in range(40):
        mean = syn.step(state, np.array([1.0 if k == 0 else 0.0]), DT)[0]
        exact = quad(kernel, k * DT, (k + 1) * DT, epsabs=1e-14, epsrel=1e-12)[0] / DT
        assert mean == pytest.approx(exact, rel=1e-9, abs=1e-13), k


@pytest.mark.parametrize("syn", KERNELS, ids=lambda s: type(s).__name__)
def test_kernel_peak_time_peak_value_and_integrals(syn):
    t = np.arange(0, 400, 0.001)
    k = kernel_function(syn)(t)
    # a 1 us grid: peak time to within the grid, integrals to the Riemann error (~1e-6 relative)
    assert t[np.argmax(k)] == pytest.approx(theory.kernel_peak_time(syn), abs=2e-3)
    assert k.max() == pytest.approx(1.0, abs=1e-6)
    assert k.sum() * 0.001 == pytest.approx(theory.kernel_integral(syn), rel=1e-3)
    assert (k ** 2).sum() * 0.001 == pytest.approx(theory.kernel_square_integral(syn), rel=1e-3)


@pytest.mark.parametrize("syn", KERNELS, ids=lambda s: type(s).__name__)
def test_step_mean_carries_the_kernel_charge(syn):
    run = simulate_synapses(None, [SynapticInput(syn, one_spike(300.0), weight=10.0)], 300.0, DT, v_clamp=-60.0,
                            record=("i_syn",))
    # the exact mean per step: the charge is exact up to rounding (the trapezoid mean was off by ~(dt/tau)^2 ~ 1e-3)
    assert run.i_syn[:, 0].sum() * DT == pytest.approx(10.0 * theory.kernel_integral(syn), rel=1e-9)


def test_psp_of_exponential_current_matches_theory():
    neuron, tau_s, j = LIF(v_th=1e6), 5.0, 100.0
    run = simulate_synapses(neuron, [SynapticInput(ExponentialSynapse(tau_s), one_spike(100.0), weight=j)],
                            100.0, DT, record=("v",))
    psp = run.v[:, 0] - neuron.e_l
    expected = theory.psp_exponential_current(run.t, neuron, j, tau_s)
    # the current is the exact step mean of the kernel but frozen within a step: error ~ dt^2 effects, < 0.5 %
    np.testing.assert_allclose(psp, expected, atol=5e-3 * expected.max())
    assert run.t[np.argmax(psp)] == pytest.approx(theory.psp_peak_time(20.0, tau_s), abs=DT)


def test_conductance_synapse_reverses_at_e_rev():
    neuron = LIF(v_th=1e6)
    holding = np.array([-80.0, -60.0, -40.0, 0.0, 20.0])
    spikes = np.zeros(5000)
    spikes[4000] = 1                          # after 400 ms = 20 tau_m the membrane sits at its holding potential
    syn = SynapticInput(ExponentialSynapse(5.0), spikes, weight=1.0, e_rev=0.0)
    run = simulate_synapses(neuron, [syn], 500.0, DT, n=holding.size, i_ext=neuron.g_l * (holding - neuron.e_l))
    baseline = run.v[3999]
    change = run.v[4000:] - baseline
    deflection = change[np.argmax(np.abs(change), axis=0), np.arange(holding.size)]
    np.testing.assert_allclose(baseline, holding, atol=1e-6)     # the DC current holds each neuron exactly
    assert np.all(deflection[:3] > 0) and deflection[4] < 0       # depolarising below e_rev, reversed above
    assert abs(deflection[3]) < 1e-5                              # no driving force at e_rev (others ~0.05-0.1 mV)
    # small conductance: the PSP scales with the driving force (e_rev - v) to first order (~2 %)
    assert deflection[0] / deflection[2] == pytest.approx(80.0 / 40.0, rel=0.03)


def test_tonic_conductances_give_the_steady_potential():
    neuron, tau = LIF(v_th=1e6), 5.0
    g_e, g_i = 5.0, np.array([0.0, 10.0, 40.0])
    # a constant stream of c arrivals per step holds an exponential synapse at mean c*tau/dt (to 1e-5)
    per_step = lambda g: np.broadcast_to(g * DT / tau, (3,))
    exc = SynapticInput(ExponentialSynapse(tau), per_step(g_e), e_rev=0.0, name="e")
    inh = SynapticInput(ExponentialSynapse(tau), per_step(g_i), e_rev=neuron.e_l, name="i")
    run = simulate_synapses(neuron, [exc, inh], 300.0, DT, n=3)
    expected = theory.conductance_steady_potential(neuron, g_e, 0.0, g_i, neuron.e_l)
    np.testing.assert_allclose(run.v[-1], expected, atol=1e-3)


def test_campbell_mean_and_std_of_current_and_free_membrane():
    neuron, tau = LIF(v_th=1e6), 5.0
    syn = ExponentialSynapse(tau)
    k_e, k_i, nu, j_e, j_i = 800, 200, 5.0, 10.0, 30.0
    n, t_stop = 10, 4000.0
    rng = np.random.default_rng(7)
    exc = SynapticInput(syn, poisson_counts(k_e * nu, n, t_stop, DT, rng), weight=j_e, name="e")
    inh = SynapticInput(syn, poisson_counts(k_i * nu, n, t_stop, DT, rng), weight=-j_i, name="i")
    run = simulate_synapses(neuron, [exc, inh], t_stop, DT, record=("v", "i_syn"))
    skip = int(200 / DT)
    i_mean, i_std = theory.input_current_mean_std(syn, k_e, k_i, nu, nu, j_e, j_i)
    v_mean, v_std = theory.free_membrane_mean_std(neuron, k_e, k_i, nu, nu, j_e, j_i, tau)
    # 10 neurons x 3.8 s, correlation time ~5-20 ms: ~2000-7000 independent samples; the mean of
    # the current (std 57 pA) is known to ~1.5 pA and its std to ~2 %; 4 standard errors allowed
    assert run.i_syn[skip:].mean() == pytest.approx(i_mean, abs=6.0)
    assert run.i_syn[skip:].std() == pytest.approx(i_std, rel=0.05)
    assert run.v[skip:].mean() == pytest.approx(v_mean, abs=0.25)
    assert run.v[skip:].std() == pytest.approx(v_std, rel=0.08)


def test_poisson_source_rates_and_fano_factor():
    rng = np.random.default_rng(3)
    counts = poisson_counts([5.0, 50.0], 2, 100_000.0, DT, rng)
    totals = counts.sum(axis=0)
    # Poisson: count std = sqrt(mean); 500 and 5000 expected spikes -> 4 sigma = 90 and 283
    assert abs(totals[0] - 500) < 90 and abs(totals[1] - 5000) < 283
    windows = counts[:, 1].reshape(-1, 1000).sum(axis=1)      # 100 ms windows, mean 5
    assert windows.var() / windows.mean() == pytest.approx(1.0, abs=0.1)   # 1000 windows: Fano +- 0.045
    times, ids = poisson_spikes(20.0, 3, 1000.0, DT, rng=1)
    assert np.all(np.diff(times) >= 0) and set(np.unique(ids)) <= {0, 1, 2}
    np.testing.assert_array_equal(counts_from_spikes(times, ids, 3, 1000.0, DT),
                                  poisson_counts(20.0, 3, 1000.0, DT, rng=1))


def test_regular_counts_have_the_right_intervals():
    counts = regular_spike_counts([20.0, 40.0], 2, 1000.0, DT)
    assert list(counts.sum(axis=0)) == [20, 40]
    assert np.all(np.diff(np.flatnonzero(counts[:, 0])) == 500)


def test_synaptic_current_sign_conventions():
    assert synaptic_current(2.0, -60.0, weight=3.0) == 6.0
    assert synaptic_current(2.0, -60.0, weight=3.0, e_rev=0.0) == pytest.approx(360.0)    # depolarising
    assert synaptic_current(2.0, -60.0, weight=3.0, e_rev=-80.0) == pytest.approx(-120.0)  # hyperpolarising


@pytest.mark.parametrize("make, message", [
    (lambda: ExponentialSynapse(-1.0), "tau_decay must be positive"),
    (lambda: AlphaSynapse(0.0), "tau must be positive"),
    (lambda: BiexponentialSynapse(5.0, 2.0), "tau_decay"),
    (lambda: BiexponentialSynapse(2.0, 2.0), "must be above"),
    (lambda: exponential_kernel([0, 1], -2.0), "tau_decay must be positive"),
    (lambda: poisson_counts(-1.0, 2, 100.0, 0.1), "rate_hz must be zero or positive"),
    (lambda: poisson_counts([1.0, 2.0, 3.0], 2, 100.0, 0.1), "one rate per train"),
    (lambda: poisson_counts(1.0, 2, 100.0, -0.1), "dt must be positive"),
])
def test_bad_parameters_are_rejected(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_runner_rejects_bad_runs():
    spikes = one_spike(10.0)
    with pytest.raises(ValueError, match="too large"):
        simulate_synapses(LIF(), [SynapticInput(AlphaSynapse(2.0), spikes)], 10.0, dt=1.0)
    with pytest.raises(ValueError, match="neuron, or a holding potential"):
        simulate_synapses(None, [SynapticInput(AlphaSynapse(2.0), spikes)], 10.0, DT)
    with pytest.raises(ValueError, match="must differ"):
        simulate_synapses(LIF(), [SynapticInput(AlphaSynapse(2.0), spikes), SynapticInput(AlphaSynapse(2.0), spikes)],
                          10.0, DT)
    with pytest.raises(ValueError, match="cannot record"):
        simulate_synapses(LIF(), [SynapticInput(AlphaSynapse(2.0), spikes)], 10.0, DT, record=("w",))
    with pytest.raises(ValueError, match="shape"):
        simulate_synapses(LIF(), [SynapticInput(AlphaSynapse(2.0), np.zeros((7, 3)))], 10.0, DT, n=3)
