"""Chapter 05 checks: each passes the right answer, says "not implemented yet" to a blank, and
rejects plausible wrong answers with a message that names the mistake (COURSE.md section 9)."""
import numpy as np
import pytest

from course_lib.checks.receptors import (check_depression_step, check_nmda_clamp_current,
                                         check_steady_depression_efficacy, check_unblocked_fraction)
from course_lib.receptors import mg_block

from check_helpers import blank, same_cases_every_run  # noqa: F401  (an autouse fixture)


# ---------------------------------------------------------------- (a) Mg2+ block

def unblocked_fraction(v_mv, mg_mm):
    return 1.0 / (1.0 + mg_mm * np.exp(-0.062 * np.asarray(v_mv)) / 3.57)


def block_sign_error(v_mv, mg_mm):
    return 1.0 / (1.0 + mg_mm * np.exp(0.062 * np.asarray(v_mv)) / 3.57)


def block_times_kd(v_mv, mg_mm):
    return 1.0 / (1.0 + mg_mm * 3.57 * np.exp(-0.062 * np.asarray(v_mv)))


def block_fixed_mg(v_mv, mg_mm):
    return unblocked_fraction(v_mv, 1.0)


def blocked_fraction(v_mv, mg_mm):
    return 1.0 - unblocked_fraction(v_mv, mg_mm)


def block_scalar_only(v_mv, mg_mm):
    import math
    return 1.0 / (1.0 + mg_mm * math.exp(-0.062 * v_mv) / 3.57)


@pytest.mark.parametrize("wrong, words", [(block_sign_error, "exponent is -0.062 v"), (block_times_kd, "divide"),
                                          (block_fixed_mg, "mg_mm"), (blocked_fraction, "blocked fraction"),
                                          (block_scalar_only, "not yet")])
def test_unblocked_fraction_check(wrong, words):
    assert check_unblocked_fraction(unblocked_fraction)["status"] == "passed"
    assert check_unblocked_fraction(blank)["status"] == "not implemented yet"
    record = check_unblocked_fraction(wrong)
    assert record["status"] == "not yet" and (words in record["message"] or words == record["status"]), record


# ---------------------------------------------------------------- (b) NMDA I-V

def nmda_clamp_current(v_mv, g_ns, mg_mm, e_rev_mv):
    return g_ns * mg_block(v_mv, mg_mm) * (np.asarray(v_mv) - e_rev_mv)


def iv_sign_flipped(v_mv, g_ns, mg_mm, e_rev_mv):
    return g_ns * mg_block(v_mv, mg_mm) * (e_rev_mv - np.asarray(v_mv))


def iv_no_block(v_mv, g_ns, mg_mm, e_rev_mv):
    return g_ns * (np.asarray(v_mv) - e_rev_mv)


def iv_default_mg(v_mv, g_ns, mg_mm, e_rev_mv):
    return g_ns * mg_block(v_mv) * (np.asarray(v_mv) - e_rev_mv)


def iv_reversal_ignored(v_mv, g_ns, mg_mm, e_rev_mv):
    return g_ns * mg_block(v_mv, mg_mm) * np.asarray(v_mv)


@pytest.mark.parametrize("wrong, words", [(iv_sign_flipped, "sign is flipped"), (iv_no_block, "block B(V) is missing"),
                                          (iv_default_mg, "1 mM"), (iv_reversal_ignored, "expected")])
def test_nmda_clamp_current_check(wrong, words):
    assert check_nmda_clamp_current(nmda_clamp_current)["status"] == "passed"
    assert check_nmda_clamp_current(blank)["status"] == "not implemented yet"
    record = check_nmda_clamp_current(wrong)
    assert record["status"] == "not yet" and words in record["message"], record["message"]


# ---------------------------------------------------------------- (c) depression step

def depression_step(x, interval_ms, u_se, tau_d):
    x = 1.0 - (1.0 - x) * np.exp(-interval_ms / tau_d)
    efficacy = u_se * x
    return efficacy, x - efficacy


def release_before_recovery(x, interval_ms, u_se, tau_d):
    efficacy = u_se * x
    return efficacy, 1.0 - (1.0 - (x - efficacy)) * np.exp(-interval_ms / tau_d)


def recovery_to_zero(x, interval_ms, u_se, tau_d):
    x = x * np.exp(-interval_ms / tau_d)
    return u_se * x, x - u_se * x


def no_depletion(x, interval_ms, u_se, tau_d):
    x = 1.0 - (1.0 - x) * np.exp(-interval_ms / tau_d)
    return u_se * x, x


def subtract_u(x, interval_ms, u_se, tau_d):
    x = 1.0 - (1.0 - x) * np.exp(-interval_ms / tau_d)
    return u_se * x, x - u_se


@pytest.mark.parametrize("wrong, words", [(release_before_recovery, "first let x recover"),
                                          (recovery_to_zero, "recover towards 1"), (no_depletion, "use up"),
                                          (subtract_u, "not U")])
def test_depression_step_check(wrong, words):
    assert check_depression_step(depression_step)["status"] == "passed"
    assert check_depression_step(blank)["status"] == "not implemented yet"
    record = check_depression_step(wrong)
    assert record["status"] == "not yet" and words in record["message"], record["message"]


# ---------------------------------------------------------------- (d) steady state

def steady_depression_efficacy(rate_hz, u_se, tau_d):
    decay = np.exp(-1000.0 / np.asarray(rate_hz) / tau_d)
    return u_se * (1 - decay) / (1 - (1 - u_se) * decay)


def steady_unit_slip(rate_hz, u_se, tau_d):
    decay = np.exp(-1.0 / np.asarray(rate_hz) / tau_d)
    return u_se * (1 - decay) / (1 - (1 - u_se) * decay)


def steady_returns_x(rate_hz, u_se, tau_d):
    return steady_depression_efficacy(rate_hz, u_se, tau_d) / u_se


def steady_without_depression_memory(rate_hz, u_se, tau_d):
    decay = np.exp(-1000.0 / np.asarray(rate_hz) / tau_d)
    return u_se * (1 - decay)


@pytest.mark.parametrize("wrong, words", [(steady_unit_slip, "unit slip"), (steady_returns_x, "returned x*"),
                                          (steady_without_depression_memory, "expected")])
def test_steady_depression_efficacy_check(wrong, words):
    assert check_steady_depression_efficacy(steady_depression_efficacy)["status"] == "passed"
    assert check_steady_depression_efficacy(blank)["status"] == "not implemented yet"
    record = check_steady_depression_efficacy(wrong)
    assert record["status"] == "not yet" and words in record["message"], record["message"]
