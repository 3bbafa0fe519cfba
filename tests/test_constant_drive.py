"""The deterministic-drive control of chapter 06 (network.with_constant_drive): the constant current equals
the mean of the Poisson drive it replaces, nothing random is left, and the balanced network still fires
asynchronously and irregularly at the mean-field rate of a network without external noise."""
import dataclasses

import numpy as np
import pytest

from course_lib import analysis, theory
from course_lib.connectivity import empty_connectivity
from course_lib.drives import ConstantDrive, PoissonDrive
from course_lib.models.balanced import BRUNEL_NEURON, balanced_lif_network
from course_lib.network import (Network, SynapseModel, ei_populations, mean_drive_current_pa, simulate_network,
                                with_constant_drive)


def test_constant_current_is_the_mean_of_the_poisson_drive():
    """C_m K J nu0 = 250 pF * 1000 * 0.2 mV * 10 Hz = 500 pA, and the simulated Poisson current averages to it."""
    net = balanced_lif_network(k=1000, nu0_hz=10.0, g=8.0, n_e=2000, n_i=500, seed=1, recurrent=False)
    constant = with_constant_drive(net)
    (drive,) = constant.drives
    assert isinstance(drive, ConstantDrive)
    assert np.allclose(drive.current_pa, 500.0)
    run = simulate_network(net, 200.0, 0.1, seed=2, record_currents=np.arange(0, net.n, 10))
    measured = run.currents["ext"].mean()
    # 250 neurons x 2000 steps of Poisson counts with mean 1 per step: the standard error of the mean
    # current is 500 pA / sqrt(500,000) = 0.7 pA; allow 5 standard errors.
    assert measured == pytest.approx(500.0, abs=3.5)


def test_current_synapses_carry_weight_times_tau():
    """An exponential current synapse of peak w pA and decay tau ms carries the charge w tau per spike."""
    n = 3
    net = Network(BRUNEL_NEURON, ei_populations(n, 0), empty_connectivity(n), synapses=SynapseModel("current", tau_exc=5.0),
                  drives=(PoissonDrive(20.0, 100, 10.0),))
    assert np.allclose(mean_drive_current_pa(net, net.drives[0]), 100 * 0.020 * 10.0 * 5.0)


def test_nothing_random_is_left():
    """Two runs from the same potentials but different seeds are identical; uncoupled, every neuron is a clock."""
    net = balanced_lif_network(k=1000, nu0_hz=10.0, g=8.0, n_e=2000, n_i=500, seed=1)
    constant = with_constant_drive(net)
    v0 = np.random.default_rng(0).uniform(10.0, 20.0, net.n)
    first = simulate_network(constant, 100.0, 0.1, seed=1, v0=v0)
    second = simulate_network(constant, 100.0, 0.1, seed=99, v0=v0)
    assert first.spike_times.size > 100
    assert np.array_equal(first.spike_times, second.spike_times)
    assert np.array_equal(first.spike_indices, second.spike_indices)
    uncoupled = with_constant_drive(dataclasses.replace(net, connectivity=empty_connectivity(net.n)))
    run = simulate_network(uncoupled, 500.0, 0.1, seed=1, v0=np.full(net.n, 10.0))
    cv = analysis.cv_isi_per_neuron(run.spike_times, run.spike_indices, net.n)
    expected_hz = theory.lif_rate_hz(BRUNEL_NEURON, 500.0)        # 40 mV drive, deterministic LIF
    measured_hz = analysis.firing_rates_hz(run.spike_times, run.spike_indices, net.n, 0.0, 500.0)
    assert np.nanmax(cv) < 1e-3                                     # ISIs equal up to the 0.1 ms grid
    # spikes land on the 0.1 ms grid: the ISI is off by < 1 step, the rate by < 0.1 ms / ISI (~1 %)
    assert measured_hz.mean() == pytest.approx(expected_hz, rel=0.03)


def test_spread_is_quenched_heterogeneity():
    net = balanced_lif_network(k=100, nu0_hz=10.0, g=8.0, n_e=4000, n_i=1000, seed=1, recurrent=False)
    current = with_constant_drive(net, spread_mv=2.0, seed=5).drives[0].current_pa
    equivalent_mv = current / BRUNEL_NEURON.g_l
    # 5000 Gaussian draws: s.d. known to ~1 %, mean to 2 mV / sqrt(5000) = 0.03 mV
    assert equivalent_mv.std() == pytest.approx(2.0, rel=0.05)
    # K = 100: J = 0.2 mV * sqrt(10), so the mean drive is tau K J nu0 = 40 mV / sqrt(10) = 12.6 mV
    assert equivalent_mv.mean() == pytest.approx(40.0 / np.sqrt(10.0), abs=0.15)
    assert np.array_equal(current, with_constant_drive(net, spread_mv=2.0, seed=5).drives[0].current_pa)


def test_balanced_network_stays_irregular_without_external_noise():
    """Chapter 06's claim: K = 1000, J = 0.2 mV, g = 8, constant 500 pA drive -> AI at the mean-field rate."""
    net = balanced_lif_network(k=1000, nu0_hz=10.0, g=8.0, seed=6)
    run = simulate_network(with_constant_drive(net), 1200.0, 0.1, seed=6)
    state = analysis.network_state(run.spike_times, run.spike_indices, net.n, 200.0, 1200.0)
    field = theory.balanced_lif_rates_hz(1000, 10.0, external_noise=False)[0]
    assert state["state"] == "AI"
    # the diffusion mean field is within a few % of the LIF network at K = 1000 (chapter 06: 2-4 %)
    assert state["rate_hz"] == pytest.approx(field, rel=0.08)
    # a Poisson process has CV 1; ~10 ISIs per neuron bias the mean CV low by ~0.05-0.1
    assert state["cv"] > 0.8
    assert state["chi"] < 0.15


def test_mean_field_without_external_noise_is_lower():
    """Removing the external variance (7 % of the total here) lowers the fluctuation-driven rate a little."""
    with_noise = theory.balanced_lif_rates_hz(1000, 10.0)[0]
    without = theory.balanced_lif_rates_hz(1000, 10.0, external_noise=False)[0]
    assert 0.9 * with_noise < without < with_noise
    # the same number from the Siegert formula by hand at the self-consistent rate
    j = 0.2
    mu, _ = theory.lif_input_statistics([without, without, 10.0], [j, -8 * j, j], [1000, 250, 1000])
    _, sigma = theory.lif_input_statistics([without, without], [j, -8 * j], [1000, 250])
    assert theory.siegert_rate_hz(mu, sigma) == pytest.approx(without, rel=1e-5)


def test_bad_input_is_refused():
    net = balanced_lif_network(k=100, nu0_hz=10.0, g=8.0, n_e=1000, n_i=250, seed=1)
    with pytest.raises(ValueError, match="spread_mv"):
        with_constant_drive(net, spread_mv=-1.0)
    with pytest.raises(ValueError, match="no PoissonDrive"):
        with_constant_drive(with_constant_drive(net))
    timed = dataclasses.replace(net, drives=(PoissonDrive(lambda t: 10.0, 100, 0.2),))
    with pytest.raises(ValueError, match="function of time"):
        with_constant_drive(timed)
    conductance = dataclasses.replace(net, synapses=SynapseModel("conductance"))
    with pytest.raises(ValueError, match="conductance"):
        with_constant_drive(conductance)
