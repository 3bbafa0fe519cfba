"""Bad input to the Part III builders and theory gets a ValueError naming the parameter (issue 20)."""
import numpy as np
import pytest

from course_lib import analysis, theory
from course_lib.connectivity import bernoulli, fixed_indegree
from course_lib.models.balanced import balanced_lif_network, brunel_network, brunel_variant
from course_lib.models.binary import simulate_binary, vvs_binary_network
from course_lib.network import simulate_network


@pytest.mark.parametrize("call, name", [
    (lambda: brunel_network(n_e="abc"), "n_e"),
    (lambda: brunel_network(n_e=100, n_i=25, seed=-1), "seed"),
    (lambda: brunel_network(n_e=100, n_i=0), "n_i"),
    (lambda: brunel_network(j=0.0), "j"),
    (lambda: balanced_lif_network(k=2.5, n_e=1000, n_i=250), "k"),
    (lambda: fixed_indegree(10, 10, np.nan, None), "k"),
    (lambda: theory.siegert_rate_hz(np.nan, 1.0), "mu_mv"),
    (lambda: analysis.network_state(np.array([1.0]), np.array([0]), 0, 0.0, 5.0), "n"),
])
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_a_list_of_whole_numbers_is_a_seed():
    first = balanced_lif_network(k=100, n_e=1000, n_i=250, seed=[1, 2, 3]).connectivity.targets
    again = balanced_lif_network(k=100, n_e=1000, n_i=250, seed=[1, 2, 3]).connectivity.targets
    assert np.array_equal(first, again)


# --- sizes: the builders estimate the memory of the synapses before drawing them (issue 20) ---------------

@pytest.fixture
def one_gb_free(monkeypatch):
    """Pretend that 1 GB is free, whatever the machine has: the estimate, not the machine, decides."""
    from course_lib import validation
    monkeypatch.setattr(validation, "available_memory_bytes", lambda: 2 ** 30)


@pytest.mark.parametrize("build, names", [
    (lambda: brunel_network(n_e=40_000, n_i=10_000), ["n_e = 40000", "n_i = 10000", "epsilon"]),
    (lambda: balanced_lif_network(k=5000, n_e=40_000, n_i=10_000), ["n_e = 40000", "n_i = 10000", "k = 5000"]),
    (lambda: vvs_binary_network(k=5000, n_e=20_000, n_i=20_000), ["n_e = 20000", "n_i = 20000", "k = 5000"]),
    (lambda: fixed_indegree(50_000, 50_000, 5000, 1), ["n_target = 50000", "k = 5000"]),
    (lambda: bernoulli(50_000, 50_000, 0.1, 1), ["n_source = 50000", "n_target = 50000", "p = 0.1"]),
])
def test_builders_refuse_networks_that_do_not_fit_before_allocating(one_gb_free, build, names):
    """250 M synapses at BUILD_BYTES_PER_SYNAPSE (16 B, the measured peak of the streaming build) is 4 GB: refused,
    naming the arguments, the estimate and the free memory, before any array is drawn (the call returns at once,
    using no memory)."""
    import resource
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ValueError) as refused:
        build()
    message = str(refused.value)
    assert all(name in message for name in names), message
    assert "GB of memory" in message and "1.07 GB are free" in message
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000      # kB: nothing was allocated


def test_the_estimate_is_bytes_per_synapse(one_gb_free):
    """Below the limit builds, above is refused: 0.5 GB / 16 B = 33.6 M synapses; the message gives the estimate
    (synapses x BUILD_BYTES_PER_SYNAPSE), so a wrong constant or count shows."""
    from course_lib import connectivity
    limit = 0.5 * 2 ** 30 / connectivity.BUILD_BYTES_PER_SYNAPSE
    assert brunel_network(n_e=4000, n_i=1000, epsilon=0.1).connectivity.n_synapses == 5000 * 500 < limit
    with pytest.raises(ValueError, match="epsilon") as refused:
        brunel_network(n_e=16_000, n_i=4_000, epsilon=0.1)            # 20,000 x 2,000 = 40 M synapses > limit
    estimate_gb = 40e6 * connectivity.BUILD_BYTES_PER_SYNAPSE / 1e9
    assert f"would need {estimate_gb:.3g} GB of memory (4e+07 values)" in str(refused.value), str(refused.value)


def test_recordings_and_delay_rings_are_sized_before_running(one_gb_free):
    net = brunel_network(n_e=80, n_i=20, seed=1)
    with pytest.raises(ValueError, match="record_v"):
        simulate_network(net, t_stop=100_000.0, dt=0.1, record_v=np.arange(100))     # 1e6 steps x 100 traces
    with pytest.raises(ValueError, match="ring buffers"):
        net.initial_state(1e-6, 1)                          # 1.5 ms / 1e-6 ms = 1.5 M rows of 100 neurons, x 2


# --- silent empty results that are now refused ------------------------------------------------------------

@pytest.mark.parametrize("kwargs, name", [
    ({"t_stop": 0.0}, "t_stop"), ({"t_stop": -5.0}, "t_stop"), ({"t_stop": 10.0, "dt": np.nan}, "dt"),
    ({"t_stop": 10.0, "t_average_from": 10.0}, "t_average_from"),     # nothing left to average: was all zeros
])
def test_simulate_binary_refuses_empty_runs(kwargs, name):
    net = vvs_binary_network(k=10, n_e=100, n_i=100, seed=1)
    with pytest.raises(ValueError, match=name):
        simulate_binary(net, **kwargs)


@pytest.mark.parametrize("call, name", [
    (lambda: analysis.population_rate_hz([1.0], 1, 0.0, 0.5, bin_ms=1.0), "bin_ms"),   # was: no bins, empty arrays
    (lambda: analysis.spike_counts([1.0], [-1], [0], 0.0, 10.0, 5.0), "indices"),      # was: counted as the last neuron
    (lambda: analysis.population_rate_hz([1.0], 1, 0.0, 1e12), "t_stop"),              # was: a 1e12-bin histogram
    (lambda: brunel_variant(balanced_lif_network(k=10, n_e=100, n_i=25, seed=1), 4.0, 1.0), "net"),  # was: KeyError
    (lambda: theory.gaussian_tail(np.nan), "x"),                                        # was: nan
    (lambda: theory.weibull_accuracy(10.0, -1.0, 1.5), "alpha"),                        # was: nan
])
def test_part_three_silent_answers_are_refused(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_empty_spike_trains_are_valid_input():
    """No spikes is an answer, not an error: rates 0, a silent state, nan where a ratio has no data."""
    none = np.zeros(0)
    assert np.all(analysis.firing_rates_hz(none, none.astype(int), 3, 0.0, 100.0) == 0)
    assert analysis.network_state(none, none.astype(int), 3, 0.0, 100.0)["state"] == "silent"
    assert np.isnan(analysis.cv_isi(none)) and analysis.steady_rate_hz(none, 0.0, 10.0) == 0.0
    assert np.all(analysis.population_rate_hz(none, 3, 0.0, 10.0)[1] == 0)
