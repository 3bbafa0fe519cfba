"""Chapter 04 checks: each passes the right answer, says "not implemented yet" to a blank, and
rejects plausible wrong answers with a message that names the mistake (COURSE.md section 9)."""
import numpy as np
import pytest

from course_lib.checks.synapses import (check_alpha_kernel, check_balanced_weights, check_shot_noise_stats,
                                        check_simulate_shot_noise)
from course_lib.units import expected_count

from check_helpers import blank, same_cases_every_run  # noqa: F401  (an autouse fixture)


# ---------------------------------------------------------------- (a) alpha kernel

def alpha_kernel(t_ms, tau_ms):
    t = np.asarray(t_ms, dtype=float)
    return np.where(t >= 0, t / tau_ms * np.exp(1 - t / tau_ms), 0.0)


def alpha_without_e(t_ms, tau_ms):
    t = np.asarray(t_ms, dtype=float)
    return np.where(t >= 0, t / tau_ms * np.exp(-t / tau_ms), 0.0)


def alpha_unit_area(t_ms, tau_ms):
    t = np.asarray(t_ms, dtype=float)
    return np.where(t >= 0, t / tau_ms ** 2 * np.exp(-t / tau_ms), 0.0)


def alpha_no_causality(t_ms, tau_ms):
    t = np.asarray(t_ms, dtype=float)
    return t / tau_ms * np.exp(1 - t / tau_ms)


def alpha_wrong_tau(t_ms, tau_ms):
    return alpha_kernel(t_ms, 2 * tau_ms)


@pytest.mark.parametrize("wrong, words", [(alpha_without_e, "1/e"), (alpha_unit_area, "area 1"),
                                          (alpha_no_causality, "before the spike"), (alpha_wrong_tau, "expected")])
def test_alpha_kernel_check(wrong, words):
    assert check_alpha_kernel(alpha_kernel)["status"] == "passed"
    assert check_alpha_kernel(blank)["status"] == "not implemented yet"
    record = check_alpha_kernel(wrong)
    assert record["status"] == "not yet" and words in record["message"], record["message"]


# ---------------------------------------------------------------- (b) Campbell statistics

def shot_noise_stats(k, rate_hz, j_pa, tau_ms):
    rate = rate_hz / 1000.0
    return k * rate * j_pa * tau_ms, np.sqrt(k * rate * j_pa ** 2 * tau_ms / 2)


def stats_unit_slip(k, rate_hz, j_pa, tau_ms):
    return k * rate_hz * j_pa * tau_ms, np.sqrt(k * rate_hz * j_pa ** 2 * tau_ms / 2)


def stats_tau_not_halved(k, rate_hz, j_pa, tau_ms):
    mean, _ = shot_noise_stats(k, rate_hz, j_pa, tau_ms)
    return mean, np.sqrt(k * rate_hz / 1000 * j_pa ** 2 * tau_ms)


def stats_variance(k, rate_hz, j_pa, tau_ms):
    mean, std = shot_noise_stats(k, rate_hz, j_pa, tau_ms)
    return mean, std ** 2


def stats_j_not_squared(k, rate_hz, j_pa, tau_ms):
    mean, _ = shot_noise_stats(k, rate_hz, j_pa, tau_ms)
    return mean, np.sqrt(k * rate_hz / 1000 * j_pa * tau_ms / 2)


@pytest.mark.parametrize("wrong, words", [(stats_unit_slip, "Unit slip"), (stats_tau_not_halved, "tau/2"),
                                          (stats_variance, "variance"), (stats_j_not_squared, "J^2")])
def test_shot_noise_stats_check(wrong, words):
    assert check_shot_noise_stats(shot_noise_stats)["status"] == "passed"
    assert check_shot_noise_stats(blank)["status"] == "not implemented yet"
    record = check_shot_noise_stats(wrong)
    assert record["status"] == "not yet" and words in record["message"], record["message"]


# ---------------------------------------------------------------- (c) shot-noise simulation

def simulate_shot_noise(k, rate_hz, j_pa, tau_ms, t_stop, dt, rng):
    steps = int(round(t_stop / dt))
    counts = rng.poisson(expected_count(k * rate_hz, dt), size=steps)
    decay = np.exp(-dt / tau_ms)
    current, s = np.empty(steps), 0.0
    for i in range(steps):
        s = (s + j_pa * counts[i]) * decay
        current[i] = s
    return current


def shot_noise_no_unit_conversion(k, rate_hz, j_pa, tau_ms, t_stop, dt, rng):
    return simulate_shot_noise(k, rate_hz * 1000, j_pa, tau_ms, t_stop, dt, rng)


def shot_noise_one_input(k, rate_hz, j_pa, tau_ms, t_stop, dt, rng):
    return simulate_shot_noise(1, rate_hz, j_pa, tau_ms, t_stop, dt, rng)


def shot_noise_global_random(k, rate_hz, j_pa, tau_ms, t_stop, dt, rng):
    return simulate_shot_noise(k, rate_hz, j_pa, tau_ms, t_stop, dt, np.random.default_rng())


def shot_noise_mean_counts(k, rate_hz, j_pa, tau_ms, t_stop, dt, rng):
    # the expected count in every step instead of a Poisson draw: right mean, no fluctuations
    steps = int(round(t_stop / dt))
    decay, s, current = np.exp(-dt / tau_ms), 0.0, np.empty(steps)
    for i in range(steps):
        s = (s + j_pa * expected_count(k * rate_hz, dt)) * decay
        current[i] = s
    return current


@pytest.mark.slow
@pytest.mark.parametrize("wrong, words", [(shot_noise_no_unit_conversion, "1000 times"),
                                          (shot_noise_one_input, "one input"),
                                          (shot_noise_global_random, "rng argument"),
                                          (shot_noise_mean_counts, "Poisson distribution")])
def test_simulate_shot_noise_check(wrong, words):
    record = check_simulate_shot_noise(wrong)
    assert record["status"] == "not yet" and words in record["message"], record["message"]


@pytest.mark.slow
def test_simulate_shot_noise_check_passes_and_blank():
    record = check_simulate_shot_noise(simulate_shot_noise)
    assert record["status"] == "passed", record["message"]
    assert check_simulate_shot_noise(blank)["status"] == "not implemented yet"


def shot_noise_from_spike_times(k, rate_hz, j_pa, tau_ms, t_stop, dt, rng):
    """Also right: Poisson spike times for the whole run (their number Poisson, their times uniform), each PSC
    decaying exactly from its spike time; the current is read at the end of each step."""
    times = np.sort(rng.uniform(0.0, t_stop, rng.poisson(k * rate_hz * t_stop / 1000.0)))
    steps = int(round(t_stop / dt))
    step_of = np.minimum((times // dt).astype(int), steps - 1)
    arrivals = np.bincount(step_of, weights=np.exp(-((step_of + 1) * dt - times) / tau_ms), minlength=steps)
    decay, value, current = np.exp(-dt / tau_ms), 0.0, np.empty(steps)
    for i in range(steps):
        value = value * decay + j_pa * arrivals[i]
        current[i] = value
    return current


@pytest.mark.slow
def test_shot_noise_from_poisson_spike_times_passes():
    """Drawing the spike times of the whole run makes a run of 1 s differ from the start of a 20 s run with the
    same seed; the check used to demand that, and rejected this right answer."""
    record = check_simulate_shot_noise(shot_noise_from_spike_times)
    assert record["status"] == "passed", record["message"]


# ---------------------------------------------------------------- (d) balanced weights

def balanced_weights(k_e, k_i, rate_e_hz, rate_i_hz, j0_pa, k0):
    j_e = j0_pa * np.sqrt(k0 / k_e)
    return j_e, k_e * rate_e_hz * j_e / (k_i * rate_i_hz)


def weights_one_over_k(k_e, k_i, rate_e_hz, rate_i_hz, j0_pa, k0):
    j_e = j0_pa * k0 / k_e
    return j_e, k_e * rate_e_hz * j_e / (k_i * rate_i_hz)


def weights_no_balance(k_e, k_i, rate_e_hz, rate_i_hz, j0_pa, k0):
    j_e = j0_pa * np.sqrt(k0 / k_e)
    return j_e, j_e


def weights_ratio_inverted(k_e, k_i, rate_e_hz, rate_i_hz, j0_pa, k0):
    j_e = j0_pa * np.sqrt(k0 / k_e)
    return j_e, k_i * rate_i_hz * j_e / (k_e * rate_e_hz)


@pytest.mark.parametrize("wrong, words", [(weights_one_over_k, "1/K"), (weights_no_balance, "does not cancel"),
                                          (weights_ratio_inverted, "upside down")])
def test_balanced_weights_check(wrong, words):
    assert check_balanced_weights(balanced_weights)["status"] == "passed"
    assert check_balanced_weights(blank)["status"] == "not implemented yet"
    record = check_balanced_weights(wrong)
    assert record["status"] == "not yet" and words in record["message"], record["message"]
