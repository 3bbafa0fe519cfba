"""Chapter 06's stored step responses (tools/balanced_tracking.py): the file is what the code produces
(one chunk of each kind re-run bit for bit), it holds the protocol the lecture describes, and its
numbers carry the claims the lecture makes from them."""
import numpy as np
import pytest

from tools import balanced_tracking as bt


@pytest.fixture(scope="module")
def stored():
    return bt.load()


def test_stored_file_has_every_run(stored):
    assert stored["numpy"] and stored["processes"] == 1
    assert sorted(int(k) for k in stored["lif"]) == sorted(bt.K_VALUES)
    assert sorted(int(k) for k in stored["binary"]) == sorted(bt.BINARY_K)
    n_lif = round((bt.BASELINE_MS + bt.HALF_MS) / bt.DT_MS)
    for k, entry in stored["lif"].items():
        assert len(entry["networks"]) == bt.NETWORKS[int(k)]
        for net in entry["networks"]:
            assert len(net["chunks"]) == bt.CHUNKS[int(k)] and len(net["trace"]) == n_lif
    assert len(stored["control"]["groups"]) == bt.CONTROL_GROUPS
    n_binary = round((bt.BINARY_BASELINE_MS + bt.BINARY_HALF_MS) / bt.BINARY_DT_MS)
    for entry in stored["binary"].values():
        assert all(len(net["trace_e"]) == n_binary for net in entry["networks"])


def test_both_levels_are_asynchronous_irregular_at_every_k(stored):
    for k, states in stored["states"].items():
        assert [s["nu0_hz"] for s in states] == list(bt.lif_levels(int(k)))
        assert [s["state"] for s in states] == ["AI", "AI"], f"K = {k}: {states}"


def test_one_lif_chunk_is_reproduced_exactly():
    """K = 100, network 0, chunk 0 (920 ms of 12,500 neurons, a few seconds): if this fails the stored
    file is stale or the simulator changed; regenerate it with `python tools/balanced_tracking.py`."""
    stored_digest, rerun = bt.check_chunk("lif", 100, 0, 0)
    assert stored_digest == rerun


def test_one_binary_chunk_is_reproduced_exactly():
    stored_digest, rerun = bt.check_chunk("binary", 100, 0, 0)
    assert stored_digest == rerun


def test_control_is_matched_to_the_network(stored):
    summary = stored["summary"]
    network, control = summary["lif"][str(bt.K_MAIN)], summary["control"]
    # the lecture compares the two at the same rate change: matched within 10 %
    assert abs(control["rate_change_hz"] / network["rate_change_hz"] - 1) < 0.10
    c = stored["control"]
    assert c["network_low_hz"] < c["network_high_hz"] and c["x_low_hz"] < c["x_high_hz"]
    # the control needs a much smaller external step than the network's 2.5 Hz: its gain is high
    assert c["x_high_hz"] - c["x_low_hz"] < 0.5 * (bt.LEVELS_MAIN_HZ[1] - bt.LEVELS_MAIN_HZ[0])


def test_network_is_faster_than_the_control_and_rings(stored):
    summary = stored["summary"]
    network, control = summary["lif"][str(bt.K_MAIN)], summary["control"]
    # far apart compared with the spread over networks (bootstrap s.d.)
    gap = control["t63_ms"] - network["t63_ms"]
    assert gap > 5 * (control["bootstrap_sd"]["t63_ms"] + network["bootstrap_sd"]["t63_ms"])
    assert network["t63_ms"] < 2 * bt.DT_MS                          # "within the first one or two steps"
    # the overshoot (about twice the change) is far above the noise; the control's is not
    assert network["overshoot"] > 0.8 and network["overshoot"] > 5 * network["noise_coarse"]
    assert control["overshoot"] < 4 * control["noise_coarse"]
    ring = network["ringing"]
    assert 80 < ring["frequency_hz"] < 140 and 3 < ring["decay_ms"] < 10
    # "only somewhat faster to settle": the ringing's envelope vs the control's exponential fit
    assert ring["envelope_ms"] < control["exp_settling_ms"] < control["settling_ms"] + 1e-9


def test_lif_peak_time_falls_to_the_delay(stored):
    peaks = {int(k): m["t_peak_ms"] for k, m in stored["summary"]["lif"].items()}
    assert peaks[100] > 3 * peaks[1000]
    delay = 1.5                                       # ms, balanced_lif_network's default (section 3)
    assert all(delay <= peaks[k] <= delay + 1.0 for k in (800, 1000, 1600))     # the floor: the first feedback


def test_binary_response_time_falls_with_k_as_the_mean_field_says(stored):
    summary, theory_rows = stored["summary"], stored["binary_theory"]
    slope = summary["slopes"]["binary"]
    assert slope["slope"] < 0
    # the simulation agrees with the mean-field rate equations for the same steps within 3 standard errors
    assert abs(slope["slope"] - summary["slopes"]["binary_mean_field_t63_e_ms"]) < 3 * slope["slope_se"] + 0.05
    simulated = np.array([summary["binary"][str(k)]["E"]["t63_ms"] for k in theory_rows["k"]])
    ratio = simulated / np.array(theory_rows["t63_e_ms"])
    # the lecture states: slower than the rate equations at K <= 200 (1.4-1.7x), close above
    assert np.all(ratio[:2] > 1.2) and np.all((ratio > 0.7) & (ratio < 1.8))
    assert simulated[-1] < simulated[0] / 4


def test_linear_mean_field_response_time_approaches_tau_over_sqrt_k():
    """van Vreeswijk & Sompolinsky: at large K the response time falls as 1 / sqrt(K)."""
    times = []
    for k in (1e6, 4e6):
        t, x = bt.binary_mean_field_response(k, dm0=1e-6, linear=True, t_max=0.5, dt=1e-5)
        times.append(np.interp(1 - np.exp(-1), x[0], t))
    # the ratio tends to 2 with corrections of order 1/sqrt(K) (the operating point still moves): 2 %
    assert times[0] / times[1] == pytest.approx(2.0, rel=0.02)


def test_switching_rate_switches_on_whole_steps():
    rate = bt.switching_rate(1.0, 2.0, first_ms=12.0, half_ms=10.0, dt=0.1)
    k = np.arange(400)
    values = np.array([rate(i * 0.1) for i in k])
    expected = np.where((k >= 120) & ((k - 120) // 100 % 2 == 0), 2.0, 1.0)
    assert np.array_equal(values, expected)


def test_signed_segments_adds_up_steps_and_subtracts_down_steps():
    counts = np.repeat([0, 5, 1, 5, 1], 10)              # low, then high / low / high / low, 10 samples each
    total = bt.signed_segments(counts, first_step=10, half_steps=10, n_base=3, n_switches=4)
    # each segment: 3 samples before the switch, 10 after; up: 0/1 -> 5, down: 5 -> 1 (sign flipped: -5 -> -1)
    assert total.tolist() == [0 - 5 + 1 - 5] * 3 + [5 - 1 + 5 - 1] * 10
