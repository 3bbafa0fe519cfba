"""Chapter 09 checks: each passes the right answer, says "not implemented yet" to a blank, and
rejects plausible wrong answers with a message that names the mistake (COURSE.md section 9)."""
import numpy as np
import pytest

from course_lib.checks.working_memory import (check_background_for_rate, check_bistable_range, check_forgetting_delay,
                                              check_stp_spike_update)
from course_lib.units import hz_to_per_ms

from check_helpers import blank, same_cases_every_run  # noqa: F401  (an autouse fixture)


def assert_rejected(check, wrong, words):
    record = check(wrong)
    assert record["status"] == "not yet" and words in record["message"], record["message"]


# ---------------------------------------------------------------- (1) STP update at a spike

def relax(u, x, interval_ms, stp, u_target=None):
    u_target = stp.u_rest if u_target is None else u_target
    decay_f = np.exp(-interval_ms / stp.tau_f) if stp.tau_f > 0 else 0.0
    return u_target + (u - u_target) * decay_f, 1 - (1 - x) * np.exp(-interval_ms / stp.tau_d)


def stp_spike_update(u, x, interval_ms, stp):
    u, x = relax(u, x, interval_ms, stp)
    u = u + stp.u_se * (1 - u)
    efficacy = u * x
    return u, x - efficacy, efficacy


def release_before_facilitation(u, x, interval_ms, stp):
    u, x = relax(u, x, interval_ms, stp)
    efficacy = u * x
    return u + stp.u_se * (1 - u), x - efficacy, efficacy


def no_depletion(u, x, interval_ms, stp):
    u, x = relax(u, x, interval_ms, stp)
    u = u + stp.u_se * (1 - u)
    return u, x, u * x


def jump_by_u(u, x, interval_ms, stp):
    u, x = relax(u, x, interval_ms, stp)
    u = u + stp.u_se
    return u, x - u * x, u * x


def no_relaxation(u, x, interval_ms, stp):
    u = u + stp.u_se * (1 - u)
    return u, x - u * x, u * x


def relax_to_zero(u, x, interval_ms, stp):
    u, x = relax(u, x, interval_ms, stp, u_target=0.0)
    u = u + stp.u_se * (1 - u)
    return u, x - u * x, u * x


def swapped_time_constants(u, x, interval_ms, stp):
    class Swapped:
        u_se, u_rest, tau_f, tau_d = stp.u_se, stp.u_rest, stp.tau_d, max(stp.tau_f, 1e-9)
    return stp_spike_update(u, x, interval_ms, Swapped)


@pytest.mark.parametrize("wrong, words", [(release_before_facilitation, "before the spike facilitated"),
                                          (no_depletion, "x did not drop"), (jump_by_u, "jumped by U"),
                                          (no_relaxation, "did not relax"), (relax_to_zero, "towards 0"),
                                          (swapped_time_constants, "expected")])
def test_stp_spike_update_check(wrong, words):
    assert check_stp_spike_update(stp_spike_update)["status"] == "passed"
    assert check_stp_spike_update(blank)["status"] == "not implemented yet"
    assert_rejected(check_stp_spike_update, wrong, words)


def test_stp_spike_update_check_names_a_wrong_return():
    assert_rejected(check_stp_spike_update, lambda u, x, i, stp: (u, x), "three things")


# ---------------------------------------------------------------- (2) bisection for the forgetting delay

def forgetting_delay_ms(recalls, low_ms, high_ms, tolerance_ms):
    while high_ms - low_ms > tolerance_ms:
        middle = 0.5 * (low_ms + high_ms)
        if recalls(middle):
            low_ms = middle
        else:
            high_ms = middle
    return 0.5 * (low_ms + high_ms)


def wrong_end(recalls, low_ms, high_ms, tolerance_ms):
    while high_ms - low_ms > tolerance_ms:
        middle = 0.5 * (low_ms + high_ms)
        if recalls(middle):
            high_ms = middle
        else:
            low_ms = middle
    return 0.5 * (low_ms + high_ms)


def linear_scan(recalls, low_ms, high_ms, tolerance_ms):
    delay = low_ms
    while recalls(delay):
        delay += tolerance_ms / 2
    return delay - tolerance_ms / 4


def fixed_iterations(recalls, low_ms, high_ms, tolerance_ms):
    for _ in range(4):
        middle = 0.5 * (low_ms + high_ms)
        low_ms, high_ms = (middle, high_ms) if recalls(middle) else (low_ms, middle)
    return 0.5 * (low_ms + high_ms)


@pytest.mark.parametrize("wrong, words", [(wrong_end, "wrong end"), (linear_scan, "Halve the interval"),
                                          (fixed_iterations, "high - low < tolerance")])
def test_forgetting_delay_check(wrong, words):
    assert check_forgetting_delay(forgetting_delay_ms)["status"] == "passed"
    assert check_forgetting_delay(blank)["status"] == "not implemented yet"
    assert_rejected(check_forgetting_delay, wrong, words)


# ---------------------------------------------------------------- (3) fixed-point condition

def steady_stp(model, r_per_ms):
    u = (model.u_se / model.tau_f + model.u_se * r_per_ms) / (1 / model.tau_f + model.u_se * r_per_ms)
    return u, 1 / (1 + u * model.tau_d * r_per_ms)


def background_for_rate(model, rate_hz):
    r = np.asarray(rate_hz, dtype=float)
    u, x = steady_stp(model, hz_to_per_ms(r))
    return model.input_for_rate(r) - model.j_ee * u * x * r + model.j_ei * model.rate_hz(model.j_ie * model.p * r)


def no_inhibition(model, rate_hz):
    r = np.asarray(rate_hz, dtype=float)
    u, x = steady_stp(model, hz_to_per_ms(r))
    return model.input_for_rate(r) - model.j_ee * u * x * r


def pool_sees_one(model, rate_hz):
    r = np.asarray(rate_hz, dtype=float)
    u, x = steady_stp(model, hz_to_per_ms(r))
    return model.input_for_rate(r) - model.j_ee * u * x * r + model.j_ei * model.rate_hz(model.j_ie * r)


def u_at_rest(model, rate_hz):
    r = np.asarray(rate_hz, dtype=float)
    _, x = steady_stp(model, hz_to_per_ms(r))
    inhibition = model.j_ei * model.rate_hz(model.j_ie * model.p * r)
    return model.input_for_rate(r) - model.j_ee * model.u_se * x * r + inhibition


def unit_slip(model, rate_hz):
    r = np.asarray(rate_hz, dtype=float)
    u, x = steady_stp(model, r)                                   # Hz used as per ms
    return model.input_for_rate(r) - model.j_ee * u * x * r + model.j_ei * model.rate_hz(model.j_ie * model.p * r)


def phi_instead_of_inverse(model, rate_hz):
    r = np.asarray(rate_hz, dtype=float)
    u, x = steady_stp(model, hz_to_per_ms(r))
    return model.rate_hz(r) - model.j_ee * u * x * r + model.j_ei * model.rate_hz(model.j_ie * model.p * r)


@pytest.mark.parametrize("wrong, words", [(no_inhibition, "left out the inhibition"),
                                          (pool_sees_one, "all p populations"),
                                          (u_at_rest, "u is not U"), (unit_slip, "unit slip"),
                                          (phi_instead_of_inverse, "inverse of the rate function")])
def test_background_for_rate_check(wrong, words):
    assert check_background_for_rate(background_for_rate)["status"] == "passed"
    assert check_background_for_rate(blank)["status"] == "not implemented yet"
    assert_rejected(check_background_for_rate, wrong, words)


# ---------------------------------------------------------------- (4) bistable range

def bistable_range(model):
    r = np.logspace(-3, np.log10(300.0), 3000)
    i_b = background_for_rate(model, r)
    turns = np.flatnonzero(np.diff(np.sign(np.diff(i_b)))) + 1
    values = sorted(i_b[turns][:2])
    return values[0], values[1]


def rates_at_folds(model):
    r = np.logspace(-3, np.log10(300.0), 3000)
    turns = np.flatnonzero(np.diff(np.sign(np.diff(background_for_rate(model, r))))) + 1
    return tuple(sorted(r[turns][:2]))


def swapped_ends(model):
    low, high = bistable_range(model)
    return high, low


def coarse_grid(model):
    r = np.logspace(-3, np.log10(300.0), 40)
    i_b = background_for_rate(model, r)
    turns = np.flatnonzero(np.diff(np.sign(np.diff(i_b)))) + 1
    values = sorted(i_b[turns][:2])
    return values[0], values[1]


@pytest.mark.parametrize("wrong, words", [(rates_at_folds, "rates at the folds"), (swapped_ends, "swapped"),
                                          (coarse_grid, "fine grid")])
def test_bistable_range_check(wrong, words):
    assert check_bistable_range(bistable_range)["status"] == "passed"
    assert check_bistable_range(blank)["status"] == "not implemented yet"
    assert_rejected(check_bistable_range, wrong, words)
