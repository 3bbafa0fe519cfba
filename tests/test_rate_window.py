"""One rate window everywhere (issue 15, CONVENTIONS.md section 12): a spike stamped at t counts in [t_start, t_stop).

Spikes are put exactly on both edges of a window; every function that counts spikes in a window must count the
one at t_start and not the one at t_stop, so that consecutive windows never count a spike twice or lose one.
"""
import dataclasses

import numpy as np
import pytest

from course_lib import analysis
from course_lib.models import working_memory as wm
from course_lib.models.balanced import balanced_lif_network
from course_lib.network import NetworkResult, simulate_network

# neuron 0 fires on the left edge of [100, 200) ms and inside; neuron 1 inside, on the right edge and after
# (a window closed on the other side, (100, 200], would count 1 and 2 spikes instead of 2 and 1)
TIMES = np.array([100.0, 130.0, 160.0, 200.0, 250.0])
IDS = np.array([0, 0, 1, 1, 1])
T_START, T_STOP = 100.0, 200.0


def test_firing_rates_count_the_left_edge_not_the_right():
    rates = analysis.firing_rates_hz(TIMES, IDS, 2, T_START, T_STOP)
    assert rates.tolist() == [20.0, 10.0]        # 2 and 1 spikes in 0.1 s


def test_steady_rate_uses_the_spikes_of_the_window():
    # 100 and 130 ms inside: ISI 30 ms; with the 200 ms spike the mean ISI would be 50 ms (20 Hz)
    assert analysis.steady_rate_hz(TIMES[IDS == 0], T_START, T_STOP) == pytest.approx(1000.0 / 30.0)


def test_population_rate_bins_are_half_open_up_to_the_last():
    centres, rate = analysis.population_rate_hz(TIMES, 2, T_START, T_STOP, bin_ms=50.0)
    assert centres.tolist() == [125.0, 175.0]
    assert rate.tolist() == [20.0, 10.0]         # 100 and 130 in the first bin, 160 in the second, 200 in none


def test_spike_counts_in_windows():
    assert analysis.spike_counts(TIMES, IDS, [0, 1], T_START, T_STOP, 50.0).tolist() == [[2, 0], [0, 1]]


def test_network_result_counts_as_analysis_does():
    result = NetworkResult(spike_times=TIMES, spike_indices=IDS, n_e=1, n_i=1, dt=0.1, t_stop=300.0,
                           t=np.zeros(0), v=np.zeros((0, 0)), v_neurons=np.zeros(0, int), currents={},
                           current_neurons=np.zeros(0, int))
    assert result.mean_rate_hz("E", T_START, T_STOP) == 20.0
    assert result.mean_rate_hz("I", T_START, T_STOP) == 10.0
    assert result.mean_rate_hz("all", T_START, T_STOP) == 15.0


def test_binned_population_rate_counts_as_analysis_does():
    net = wm.MongilloNetwork(n_e=100, n_i=25, p=2)
    run = simulate_network(net.network(seed=1), 300.0, dt=0.2, seed=1)
    first = net.members(0)[0]
    times = np.append(TIMES, 300.0)                                  # and one on the end of the run
    result = dataclasses.replace(run, spike_times=times, spike_indices=first + np.append(IDS, 1))
    size = net.members(0).size
    assert result.mean_rate_hz("item 1", T_START, T_STOP) == pytest.approx(3 / (size * 0.1))
    centres, rate = result.rate_hz("item 1", bin_ms=100.0)
    assert rate.tolist() == pytest.approx([0.0, 3 / (size * 0.1), 2 / (size * 0.1)])   # 200 and 250, not 300


def test_decision_pool_counts_and_the_decision_stop_count_as_analysis_does():
    from course_lib.models.decision import DecisionStop, WangNetwork, pool_counts, run_trials
    wang = WangNetwork(n_e=40, n_i=10)                                # pool A: neurons 0-5
    run = run_trials(wang, 0.0, t_stop=300.0, t_on=0.0, t_off=300.0, seed=1)
    times = np.append(TIMES, 300.0)                                   # and one on the end of the run
    result = dataclasses.replace(run, spike_times=times, spike_indices=np.append(IDS, 1))
    t, counts = pool_counts(result, bin_ms=100.0)
    assert t.tolist() == pytest.approx([100.0, 200.0, 300.0])
    assert counts[0, :, 0].tolist() == [0.0, 3.0, 2.0]               # 100, 130, 160 | 200, 250 | not 300
    # the stop first looks at 200 ms, over [150, 200): the 160 ms spike alone is 1 spike / 6 cells / 50 ms = 3.3 Hz,
    # below 5 Hz; a window (150, 200] would add the 200 ms spike (6.7 Hz) and stop the run
    stop = DecisionStop(wang, 1, t_on=200.0, threshold_hz=5.0, dt=0.1)
    said = [stop(IDS[np.isclose(TIMES, m * 0.1)], m * 0.1) for m in range(1, 2001)]    # steps ending 0.1 .. 200 ms
    assert not any(said) and not stop.decided[0]


def test_a_simulated_run_split_in_two_windows_counts_every_spike_once():
    """A real run with spikes stamped on the boundary: the two halves add up to the whole, for the network result
    and for analysis."""
    net = balanced_lif_network(k=50, n_e=400, n_i=100, seed=3)
    run = simulate_network(net, 100.0, dt=0.1, seed=4)
    assert run.spike_times.size > 100
    boundary = run.spike_times[run.spike_times.size // 2]              # a step's stamp, as the run made it
    on_boundary = np.count_nonzero(run.spike_times == boundary)
    before = np.count_nonzero(run.spike_times < boundary)
    first, second = run.mean_rate_hz("all", 0.0, boundary), run.mean_rate_hz("all", boundary, 100.0)
    assert first * net.n * boundary / 1000.0 == pytest.approx(before)          # the boundary spikes not yet
    assert second * net.n * (100.0 - boundary) / 1000.0 == pytest.approx(np.count_nonzero(run.spike_times < 100.0) - before)
    assert on_boundary > 0
    per_neuron = analysis.firing_rates_hz(run.spike_times, run.spike_indices, net.n, 0.0, boundary)
    assert per_neuron.mean() == pytest.approx(first)
