"""Chapter 10 checks: each passes the right answer, says "not implemented yet" to a blank, and
rejects plausible wrong answers with a message that names the mistake (COURSE.md section 9)."""
import numpy as np
import pytest
from scipy.optimize import curve_fit
from scipy.special import exprel

from course_lib.checks.decision import (check_classify_fixed_point, check_fit_weibull, check_io_function,
                                        check_reduced_rhs)

from check_helpers import blank, same_cases_every_run  # noqa: F401  (an autouse fixture)


def outcome(record):
    return record["status"], record["message"]


# ---------------------------------------------------------------- (a) io_function

def io_function(x, model):
    u = model.a * x - model.b
    small = np.abs(u) < 1e-9
    safe = np.where(small, 1.0, u)
    return np.where(small, 1.0 / model.d, safe / (1.0 - np.exp(-model.d * safe)))


def io_exprel(x, model):
    return 1.0 / (model.d * exprel(-model.d * (model.a * x - model.b)))


def io_no_singularity(x, model):
    u = model.a * x - model.b
    return u / (1.0 - np.exp(-model.d * u))


def io_wrong_sign(x, model):
    u = model.a * x - model.b
    small = np.abs(u) < 1e-9
    safe = np.where(small, 1.0, u)
    return np.where(small, 1.0 / model.d, safe / (1.0 - np.exp(model.d * safe)))


def io_d_in_ms(x, model):
    u = model.a * x - model.b
    small = np.abs(u) < 1e-9
    safe = np.where(small, 1.0, u)
    return np.where(small, 1.0 / model.d, safe / (1.0 - np.exp(-154.0 * safe)))


def io_hard_coded(x, model):
    return io_function(x, type(model)())


def io_scalar_if(x, model):
    u = model.a * x - model.b
    if u == 0:
        return 1.0 / model.d
    return u / (1.0 - np.exp(-model.d * u))


@pytest.mark.parametrize("answer", [io_function, io_exprel])
def test_io_function_passes_right_answers(answer):
    status, message = outcome(check_io_function(answer))
    assert status == "passed", message


def test_io_function_blank():
    assert check_io_function(blank)["status"] == "not implemented yet"


@pytest.mark.parametrize("answer, words", [
    (io_no_singularity, "removable singularity"), (io_wrong_sign, "sign in the exponent"),
    (io_d_in_ms, "d = 0.154 s"), (io_hard_coded, "model.a"), (io_scalar_if, "np.where")])
def test_io_function_names_the_mistake(answer, words):
    status, message = outcome(check_io_function(answer))
    assert status == "not yet" and words in message, message


# ---------------------------------------------------------------- (b) reduced_rhs

def reduced_rhs(s, external_pa, model):
    s1, s2 = s[..., 0], s[..., 1]
    x1 = model.j_self * s1 - model.j_cross * s2 + model.i_0 + external_pa[..., 0]
    x2 = model.j_self * s2 - model.j_cross * s1 + model.i_0 + external_pa[..., 1]
    x = np.stack([x1, x2], axis=-1)
    return -s / model.tau_s + (1 - s) * model.gamma * model.rate_hz(x) / 1000.0


def rhs_cross_sign(s, external_pa, model):
    x = model.j_self * s + model.j_cross * s[..., ::-1] + model.i_0 + external_pa
    return -s / model.tau_s + (1 - s) * model.gamma * model.rate_hz(x) / 1000.0


def rhs_no_saturation(s, external_pa, model):
    x = model.j_self * s - model.j_cross * s[..., ::-1] + model.i_0 + external_pa
    return -s / model.tau_s + model.gamma * model.rate_hz(x) / 1000.0


def rhs_hz_not_per_ms(s, external_pa, model):
    x = model.j_self * s - model.j_cross * s[..., ::-1] + model.i_0 + external_pa
    return -s / model.tau_s + (1 - s) * model.gamma * model.rate_hz(x)


def rhs_swapped_stimulus(s, external_pa, model):
    return reduced_rhs(s, external_pa[..., ::-1], model)


def test_reduced_rhs_passes():
    status, message = outcome(check_reduced_rhs(reduced_rhs))
    assert status == "passed", message


def test_reduced_rhs_blank():
    assert check_reduced_rhs(blank)["status"] == "not implemented yet"


@pytest.mark.parametrize("answer, words", [
    (rhs_cross_sign, "wrong sign"), (rhs_no_saturation, "(1 - S) is missing"), (rhs_hz_not_per_ms, "unit slip"),
    (rhs_swapped_stimulus, "wrong pool")])
def test_reduced_rhs_names_the_mistake(answer, words):
    status, message = outcome(check_reduced_rhs(answer))
    assert status == "not yet" and words in message, message


# ---------------------------------------------------------------- (c) classify_fixed_point

def classify(jacobian):
    real = np.linalg.eigvals(jacobian).real
    if np.all(real < 0):
        return "stable"
    if np.all(real > 0):
        return "unstable"
    return "saddle"


def classify_by_trace(jacobian):
    return "stable" if np.trace(jacobian) < 0 else "unstable"


def classify_by_det(jacobian):
    return "saddle" if np.linalg.det(jacobian) < 0 else "stable"


def classify_returns_bool(jacobian):
    return bool(np.all(np.linalg.eigvals(jacobian).real < 0))


def classify_ignores_complex(jacobian):
    eig = np.linalg.eigvals(jacobian)
    if np.iscomplexobj(eig) and np.any(eig.imag != 0):
        return "saddle"
    return classify(jacobian)


def test_classify_passes_and_accepts_longer_names():
    assert outcome(check_classify_fixed_point(classify))[0] == "passed"
    names = {"stable": "Stable node", "unstable": "unstable node", "saddle": "Saddle point"}
    assert outcome(check_classify_fixed_point(lambda j: names[classify(j)]))[0] == "passed"


def test_classify_blank():
    assert check_classify_fixed_point(blank)["status"] == "not implemented yet"


@pytest.mark.parametrize("answer, words", [
    (classify_by_trace, "trace alone"), (classify_by_det, "determinant alone"),
    (classify_returns_bool, "one of the strings"), (classify_ignores_complex, "stable focus")])
def test_classify_names_the_mistake(answer, words):
    status, message = outcome(check_classify_fixed_point(answer))
    assert status == "not yet" and words in message, message


# ---------------------------------------------------------------- (d) fit_weibull

def weibull(c, alpha, beta):
    return 1 - 0.5 * np.exp(-(c / alpha) ** beta)


def fit_weibull(coherence, accuracy):
    (alpha, beta), _ = curve_fit(weibull, coherence, accuracy, p0=(10.0, 1.5), bounds=([1e-6, 0.1], [1e4, 10]))
    return alpha, beta


def fit_without_chance(coherence, accuracy):
    (alpha, beta), _ = curve_fit(lambda c, a, b: 1 - np.exp(-(c / a) ** b), coherence, accuracy, p0=(10.0, 1.5),
                                 bounds=([1e-6, 0.05], [1e4, 10]))
    return alpha, beta


def fit_swapped(coherence, accuracy):
    alpha, beta = fit_weibull(coherence, accuracy)
    return beta, alpha


def fit_fraction(coherence, accuracy):
    alpha, beta = fit_weibull(coherence / 100.0, accuracy)
    return alpha, beta


def test_fit_weibull_passes():
    status, message = outcome(check_fit_weibull(fit_weibull))
    assert status == "passed", message


def test_fit_weibull_blank():
    assert check_fit_weibull(blank)["status"] == "not implemented yet"


@pytest.mark.parametrize("answer, words", [
    (fit_without_chance, "chance, 0.5"), (fit_swapped, "swapped"), (fit_fraction, "keep alpha in %")])
def test_fit_weibull_names_the_mistake(answer, words):
    status, message = outcome(check_fit_weibull(answer))
    assert status == "not yet" and words in message, message
