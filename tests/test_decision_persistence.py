"""Chapter 10's stored delay-period trials (tools/decision_persistence.py): the file is what the code
produces (one chunk re-run bit for bit) and it shows what the lecture says about the delay."""
import numpy as np
import pytest

from course_lib.models.decision import WangNetwork
from tools import decision_persistence


@pytest.fixture(scope="module")
def stored():
    return decision_persistence.load()


def test_stored_file_has_every_trial(stored):
    assert stored["steps_ms"] == list(decision_persistence.STEPS_MS)
    assert stored["protocol"] == decision_persistence.PROTOCOL
    assert stored["pool_sizes"] == WangNetwork().pool_sizes.tolist()
    n_bins = round(stored["protocol"]["t_stop_ms"] / stored["protocol"]["bin_ms"])
    assert np.allclose(stored["t_end_ms"], stored["protocol"]["bin_ms"] * np.arange(1, n_bins + 1))
    for dt in decision_persistence.STEPS_MS:
        counts = stored["counts"][str(dt)]
        assert counts.shape == (decision_persistence.TRIALS, n_bins, 4)
        assert counts.min() >= 0


def test_one_stored_chunk_is_reproduced_exactly():
    """dt = 0.1 ms, chunk 0 (4 trials of 4.2 s, about a minute): if this fails the stored file is stale
    or the simulator changed; regenerate it with `python tools/decision_persistence.py`."""
    stored_counts, rerun = decision_persistence.check_chunk(0, 0)
    assert np.array_equal(stored_counts, rerun)


def test_every_trial_chooses_the_favoured_pool_and_starts_the_delay_above_the_loser(stored):
    for dt in decision_persistence.STEPS_MS:
        counts = stored["counts"][str(dt)]
        winner, held = decision_persistence.hold_times_ms(counts, stored["pool_sizes"], stored["t_end_ms"])
        assert np.all(winner == 0)                  # 51.2 % coherence: pool A wins every trial
        assert np.all(held >= decision_persistence.LOST_WINDOW_MS)
        first_half_second = (stored["t_end_ms"] > 1200.0) & (stored["t_end_ms"] <= 1700.0)
        a, b = counts[:, first_half_second, 0].sum(axis=1), counts[:, first_half_second, 1].sum(axis=1)
        assert np.all(a > 3 * b)                    # pools are the same size: rate ratio = count ratio


def test_the_choice_decays_within_seconds_and_lasts_longer_at_the_smaller_step(stored):
    """What chapter 10 states: lost after a median of about 1.9 s (dt = 0.1 ms) and 2.9 s (0.02 ms)."""
    medians = {}
    for dt in decision_persistence.STEPS_MS:
        _, held = decision_persistence.hold_times_ms(stored["counts"][str(dt)], stored["pool_sizes"],
                                                     stored["t_end_ms"])
        medians[dt] = np.median(held)
    assert 1000.0 < medians[0.1] < medians[0.02] < 3000.0
