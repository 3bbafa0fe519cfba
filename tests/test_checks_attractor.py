"""Chapter 08 checks: each passes the right answer, says "not implemented yet" to a blank, and
rejects plausible wrong answers with a message that names the mistake (COURSE.md section 9)."""
import numpy as np
import pytest

from course_lib.checks.attractor import (check_find_critical_k_rel, check_measure_lag, check_population_vector,
                                         check_weight_matrix)
from course_lib.models.cann import CANN, run_cann

from check_helpers import blank, same_cases_every_run  # noqa: F401  (an autouse fixture)


def wrap(d):
    return np.mod(d + np.pi, 2 * np.pi) - np.pi


# ---------------------------------------------------------------- (1) weight_matrix

def weight_matrix(x, a, j0):
    d = wrap(x[:, None] - x[None, :])
    return j0 / (np.sqrt(2 * np.pi) * a) * np.exp(-d ** 2 / (2 * a ** 2))


def weights_no_wrap(x, a, j0):
    d = x[:, None] - x[None, :]
    return j0 / (np.sqrt(2 * np.pi) * a) * np.exp(-d ** 2 / (2 * a ** 2))


def weights_no_normalisation(x, a, j0):
    d = wrap(x[:, None] - x[None, :])
    return j0 * np.exp(-d ** 2 / (2 * a ** 2))


def weights_forgot_j0(x, a, j0):
    return weight_matrix(x, a, 1.0)


def weights_wrong_width(x, a, j0):
    d = wrap(x[:, None] - x[None, :])
    return j0 / (np.sqrt(2 * np.pi) * a) * np.exp(-d ** 2 / a ** 2)


def weights_one_row(x, a, j0):
    return weight_matrix(x, a, j0)[0]


def test_weight_matrix_passes_right_answer():
    record = check_weight_matrix(weight_matrix)
    assert record["status"] == "passed", record["message"]


def test_weight_matrix_blank_is_not_implemented():
    assert check_weight_matrix(blank)["status"] == "not implemented yet"


@pytest.mark.parametrize("wrong, words", [
    (weights_no_wrap, "not wrapped around the ring"),
    (weights_no_normalisation, "normalisation 1/(sqrt(2 pi) a) is missing"),
    (weights_forgot_j0, "strength j0 is missing"),
    (weights_wrong_width, "wrong width"),
    (weights_one_row, "shape"),
])
def test_weight_matrix_names_the_mistake(wrong, words):
    record = check_weight_matrix(wrong)
    assert record["status"] == "not yet"
    assert words in record["message"], record["message"]


# ---------------------------------------------------------------- (2) population_vector

def population_vector(activity, x):
    return np.angle(np.sum(activity * np.exp(1j * x)))


def centre_of_mass(activity, x):
    return np.sum(activity * x) / np.sum(activity)


def peak_neuron(activity, x):
    return x[np.argmax(activity)]


def flipped_sign(activity, x):
    return np.angle(np.sum(activity * np.exp(-1j * x)))


def in_degrees(activity, x):
    return np.degrees(population_vector(activity, x))


def test_population_vector_passes_right_answer():
    record = check_population_vector(population_vector)
    assert record["status"] == "passed", record["message"]


def test_population_vector_blank_is_not_implemented():
    assert check_population_vector(blank)["status"] == "not implemented yet"


@pytest.mark.parametrize("wrong, words", [
    (centre_of_mass, "plain centre of mass"),
    (peak_neuron, "most active neuron"),
    (flipped_sign, "sign is flipped"),
    (in_degrees, "degrees"),
])
def test_population_vector_names_the_mistake(wrong, words):
    record = check_population_vector(wrong)
    assert record["status"] == "not yet"
    assert words in record["message"], record["message"]


# ---------------------------------------------------------------- (3) find_critical_k_rel

def sweep_k_rel(start_factor, t_stop, values=np.arange(0.95, 1.05 + 1e-9, 0.0025)):
    """Largest k/k_c whose bump survives: start height = start_factor x (a height above the stable bump)."""
    net = CANN(n=128, k_rel=values)
    tall = net.j0 / (2 * np.sqrt(np.pi) * net.a * net.k)
    result = run_cann(net, t_stop=t_stop, dt=0.2, state=net.initial_state(position=0.0, height=start_factor * tall),
                      record_every=t_stop)
    alive = result.height[-1] > 1e-3 * tall.min()
    return float(values[alive].max())


def find_critical_k_rel():
    return sweep_k_rel(1.0, 400.0)


def critical_from_small_bump():
    # starts below the unstable branch A_- for k close to k_c: bumps die too early
    return sweep_k_rel(0.4, 400.0, values=np.arange(0.5, 1.05 + 1e-9, 0.0025))


def critical_from_short_run():
    # 10 ms is far too short for the slow decay just above k_c
    return sweep_k_rel(1.0, 10.0)


def critical_absolute_k():
    return find_critical_k_rel() * CANN(n=128).k_c


def test_find_critical_k_rel_passes_right_answer():
    record = check_find_critical_k_rel(find_critical_k_rel)
    assert record["status"] == "passed", record["message"]


def test_find_critical_k_rel_blank_is_not_implemented():
    assert check_find_critical_k_rel(blank)["status"] == "not implemented yet"


@pytest.mark.parametrize("wrong, words", [
    (critical_from_small_bump, "unstable branch"),
    (critical_from_short_run, "Run longer"),
    (critical_absolute_k, "absolute inhibition"),
])
def test_find_critical_k_rel_names_the_mistake(wrong, words):
    record = check_find_critical_k_rel(wrong)
    assert record["status"] == "not yet"
    assert words in record["message"], record["message"]


# ---------------------------------------------------------------- (4) measure_lag

def measure_lag(t, bump_position, stimulus_position, t_start):
    late = t >= t_start
    return float(np.mean(wrap(stimulus_position[late] - bump_position[late])))


def lag_sign_flipped(t, bump_position, stimulus_position, t_start):
    late = t >= t_start
    return float(np.mean(wrap(bump_position[late] - stimulus_position[late])))


def lag_not_wrapped(t, bump_position, stimulus_position, t_start):
    late = t >= t_start
    return float(np.mean(stimulus_position[late] - bump_position[late]))


def lag_with_transient(t, bump_position, stimulus_position, t_start):
    return float(np.mean(wrap(stimulus_position - bump_position)))


def test_measure_lag_passes_right_answer():
    record = check_measure_lag(measure_lag)
    assert record["status"] == "passed", record["message"]


def test_measure_lag_blank_is_not_implemented():
    assert check_measure_lag(blank)["status"] == "not implemented yet"


@pytest.mark.parametrize("wrong, words", [
    (lag_sign_flipped, "sign is flipped"),
    (lag_not_wrapped, "not wrapped around the ring"),
    (lag_with_transient, "includes the transient"),
])
def test_measure_lag_names_the_mistake(wrong, words):
    record = check_measure_lag(wrong)
    assert record["status"] == "not yet"
    assert words in record["message"], record["message"]


def test_a_student_exception_is_reported_not_raised():
    def broken(activity, x):
        return activity.nonexistent
    record = check_population_vector(broken)
    assert record["status"] == "not yet" and "AttributeError" in record["message"]
