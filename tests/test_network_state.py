"""analysis.network_state, the course's one criterion for Brunel's states, on synthetic spike trains whose
state is known by construction: independent Poisson (AI), identical regular trains (SR), regular trains with
random phases (AR), irregular neurons locked to a fast or slow population rhythm (SI fast / slow), no spikes
(silent); the low bias of the CV of few ISIs, min_spikes, and bad windows."""
import numpy as np
import pytest

from course_lib import analysis


def poisson_trains(n, rate_hz, t_stop, rng):
    """n independent Poisson trains on [0, t_stop) ms: (times_ms, indices)."""
    counts = rng.poisson(rate_hz * t_stop / 1000.0, n)
    indices = np.repeat(np.arange(n), counts)
    return rng.uniform(0.0, t_stop, indices.size), indices


def locked_trains(n, freq_hz, p, jitter_ms, t_stop, rng):
    """A population rhythm at freq_hz: each neuron fires on each cycle with probability p, jittered (ms)."""
    peaks = np.arange(500.0 / freq_hz, t_stop, 1000.0 / freq_hz)
    indices, cycle = np.nonzero(rng.random((n, peaks.size)) < p)
    times = peaks[cycle] + rng.normal(0.0, jitter_ms, indices.size)
    inside = (times >= 0) & (times < t_stop)
    return times[inside], indices[inside]


def test_independent_poisson_is_asynchronous_irregular():
    n = 400
    times, indices = poisson_trains(n, 20.0, 5000.0, np.random.default_rng(1))
    s = analysis.network_state(times, indices, n, 0.0, 5000.0)
    assert s["state"] == "AI"
    assert s["rate_hz"] == pytest.approx(20.0, rel=0.03)     # 40,000 spikes: Poisson s.d. 0.5 %
    # ~100 ISIs per neuron: the CV of one neuron has s.d. ~0.1 and a low bias of ~1-2 %; the mean over 400
    # neurons is then within 0.05 of 1
    assert abs(s["cv"] - 1.0) < 0.05 and s["n_cv"] == n
    # independent neurons: variance ratio 1, chi = 1/sqrt(n); with 1000 bins of 5 ms the ratio has a relative
    # s.d. of sqrt(2/1000) ~ 0.045, and the larger of two bin widths is kept: chi sqrt(n) in 0.85 .. 1.2
    assert 0.85 < s["chi"] * np.sqrt(n) < 1.2


def test_identical_regular_trains_are_synchronous_regular():
    n, spikes = 200, np.arange(5.0, 1000.0, 10.0)           # every neuron at 100 Hz, all at the same times
    s = analysis.network_state(np.tile(spikes, n), np.repeat(np.arange(n), spikes.size), n, 0.0, 1000.0)
    assert s["state"] == "SR"
    assert s["cv"] == pytest.approx(0.0, abs=1e-12) and s["chi"] == pytest.approx(1.0, abs=1e-12)


def test_regular_trains_with_random_phases_are_asynchronous_regular():
    n, period = 200, 25.0
    phases = np.random.default_rng(2).uniform(0.0, period, n)
    times = (np.arange(0.0, 1000.0, period)[None, :] + phases[:, None]).ravel()
    s = analysis.network_state(times, np.repeat(np.arange(n), 40), n, 0.0, 1000.0)
    assert s["state"] == "AR"
    assert s["cv"] < 1e-9
    # 200 independent phases in the 25 one-ms bins of a cycle: variance ratio ~1, chi ~ 1/sqrt(200) = 0.07
    assert s["chi"] < 0.15


def test_fast_rhythm_with_irregular_neurons_is_synchronous_irregular_fast():
    # 150 Hz rhythm, each neuron on 20 % of the cycles: its ISIs are a geometric number of periods, CV
    # sqrt(1 - p) = 0.89. With all spikes of a cycle in one of 6.7 one-ms bins chi^2 = p (1 - q) / (1 - p q)
    # (q = 1/6.7), chi = 0.42; a 0.3 ms jitter spreads the volleys over two bins and lowers it, still > 0.25.
    n = 400
    times, indices = locked_trains(n, 150.0, 0.2, 0.3, 2000.0, np.random.default_rng(3))
    s = analysis.network_state(times, indices, n, 0.0, 2000.0)
    assert s["state"] == "SI fast"
    assert 0.8 < s["cv"] < 0.95 and s["chi"] > 0.25
    assert abs(s["peak_hz"] - 150.0) < 4.0                  # 256 ms segments: 3.9 Hz resolution


def test_slow_rhythm_with_irregular_neurons_is_synchronous_irregular_slow():
    # 20 Hz rhythm, each neuron on 30 % of the cycles (6 Hz, CV about sqrt(0.7) = 0.84), 2 ms jitter:
    # in 5 ms bins the same estimate gives chi = 0.53 without jitter, ~0.35 with it
    n = 400
    times, indices = locked_trains(n, 20.0, 0.3, 2.0, 4000.0, np.random.default_rng(4))
    s = analysis.network_state(times, indices, n, 0.0, 4000.0)
    assert s["state"] == "SI slow"
    assert 0.7 < s["cv"] < 0.95 and s["chi"] > 0.25
    assert abs(s["peak_hz"] - 20.0) < 4.0


def test_no_spikes_or_almost_none_is_silent():
    s = analysis.network_state(np.zeros(0), np.zeros(0, int), 100, 0.0, 1000.0)
    assert s["state"] == "silent" and s["rate_hz"] == 0.0 and s["n_cv"] == 0
    assert np.isnan(s["cv"]) and np.isnan(s["chi"]) and np.isnan(s["peak_hz"])
    # 10 spikes of 100 neurons in 1 s is 0.1 Hz, below SILENT_HZ (0.2 Hz)
    s = analysis.network_state(np.linspace(10, 900, 10), np.arange(10), 100, 0.0, 1000.0)
    assert s["state"] == "silent" and s["rate_hz"] == pytest.approx(0.1)


def test_spikes_outside_the_window_are_ignored():
    n = 200
    rng = np.random.default_rng(5)
    times, indices = poisson_trains(n, 20.0, 2000.0, rng)
    inside = analysis.network_state(times, indices, n, 500.0, 1500.0)
    early = np.full(n, 100.0)                               # a volley of all neurons before the window
    with_volley = analysis.network_state(np.concatenate([times, early]), np.concatenate([indices, np.arange(n)]),
                                         n, 500.0, 1500.0)
    assert inside == with_volley


def test_cv_of_two_poisson_intervals_is_one_half():
    # given 3 spikes in a window their two ISIs are exchangeable spacings: a/(a+b) is uniform, so the CV
    # |a - b|/(a + b) has mean 1/2 exactly; 4000 neurons give a standard error of 0.29/sqrt(4000) = 0.005
    n = 4000
    rng = np.random.default_rng(6)
    times = rng.uniform(0.0, 1000.0, 3 * n)
    s = analysis.network_state(times, np.repeat(np.arange(n), 3), n, 0.0, 1000.0, min_spikes=3)
    assert s["n_cv"] == n
    assert abs(s["cv"] - 0.5) < 0.02


def test_short_windows_bias_the_cv_low_and_min_spikes_selects_neurons():
    n = 2000
    times, indices = poisson_trains(n, 10.0, 10_000.0, np.random.default_rng(7))
    # 300 ms at 10 Hz: 3 spikes per neuron on average. With min_spikes = 3 most CVs come from 2-4 ISIs
    # (2 ISIs alone average 0.5): the mean is far below 1
    short = analysis.network_state(times, indices, n, 0.0, 300.0, min_spikes=3)
    assert short["cv"] < 0.7
    # 10 s: ~100 ISIs per neuron, within a few % of 1 (as in the Poisson test above)
    long = analysis.network_state(times, indices, n, 0.0, 10_000.0)
    assert abs(long["cv"] - 1.0) < 0.03
    # n_cv counts exactly the neurons with at least min_spikes spikes in the window
    counts = np.bincount(indices[times < 300.0], minlength=n)
    for m in (3, 6):
        assert analysis.network_state(times, indices, n, 0.0, 300.0, min_spikes=m)["n_cv"] == np.sum(counts >= m)
    # nobody reaches min_spikes: the CV is unknown (nan) and the state is not called regular
    none = analysis.network_state(times, indices, n, 0.0, 300.0, min_spikes=50)
    assert none["n_cv"] == 0 and np.isnan(none["cv"]) and none["state"] == "AI"


@pytest.mark.parametrize("t_start, t_stop", [(100.0, 100.0), (200.0, 100.0)])
def test_bad_windows_are_rejected(t_start, t_stop):
    with pytest.raises(ValueError, match="t_stop"):
        analysis.network_state(np.array([150.0]), np.array([0]), 10, t_start, t_stop)
