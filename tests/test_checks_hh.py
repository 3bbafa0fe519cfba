"""The chapter 03 checks pass the right answer, say "not implemented yet" for a blank, and name the mistake
in plausible wrong answers (COURSE.md section 9)."""
import numpy as np
import pytest
from scipy.special import exprel

from course_lib import HodgkinHuxley, simulate
from course_lib.analysis import steady_rate_hz
from course_lib.checks import hh as checks

from check_helpers import blank, same_cases_every_run  # noqa: F401  (an autouse fixture)

HH = HodgkinHuxley()


# --- right answers, as a student would write them ---

def alpha_m_right(v):
    return 1.0 / exprel(-0.1 * (np.asarray(v, dtype=float) + 40.0))


def kinetics_right(alpha, beta):
    return alpha / (alpha + beta), 1.0 / (alpha + beta)


def current_right(v, m, h, n):
    return HH.g_na * m ** 3 * h * (v - HH.e_na) + HH.g_k * n ** 4 * (v - HH.e_k) + HH.g_l * (v - HH.e_l)


def fi_right(currents, t_stop=600.0, t_transient=300.0, dt=0.025):
    result = simulate(HH, current=currents, t_stop=t_stop, dt=dt, record=())
    return np.array([steady_rate_hz(train, t_transient, t_stop) for train in result.spike_trains()])


# --- plausible wrong answers ---

def alpha_m_naive(v):   # 0/0 at v = -40 mV
    v = np.asarray(v, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 0.1 * (v + 40.0) / (1.0 - np.exp(-(v + 40.0) / 10.0))


def alpha_m_sign(v):    # wrong sign in the exponential
    return 1.0 / exprel(0.1 * (np.asarray(v, dtype=float) + 40.0))


def kinetics_swapped(alpha, beta):
    return beta / (alpha + beta), 1.0 / (alpha + beta)


def kinetics_tau_alpha(alpha, beta):
    return alpha / (alpha + beta), 1.0 / alpha


def current_m_squared(v, m, h, n):
    return HH.g_na * m ** 2 * h * (v - HH.e_na) + HH.g_k * n ** 4 * (v - HH.e_k) + HH.g_l * (v - HH.e_l)


def current_sign(v, m, h, n):
    return -current_right(v, m, h, n)


def current_no_leak(v, m, h, n):
    return current_right(v, m, h, n) - HH.g_l * (v - HH.e_l)


def fi_counting_transient(currents, t_stop=600.0, t_transient=300.0, dt=0.025):
    result = simulate(HH, current=currents, t_stop=t_stop, dt=dt, record=())
    return result.spike_counts() / (t_stop / 1000.0)     # includes the onset spikes


def fi_per_ms(currents, t_stop=600.0, t_transient=300.0, dt=0.025):
    return fi_right(currents, t_stop, t_transient, dt) / 1000.0


CASES = [
    (checks.check_alpha_m, alpha_m_right, [(alpha_m_naive, "removable singularity"), (alpha_m_sign, "sign")]),
    (checks.check_steady_state_and_tau, kinetics_right,
     [(kinetics_swapped, "beta/(alpha + beta)"), (kinetics_tau_alpha, "1 / alpha")]),
    (checks.check_hh_ionic_current, current_right,
     [(current_m_squared, "m^2 h instead of m^3 h"), (current_sign, "opposite sign"), (current_no_leak, "leak")]),
    (checks.check_measure_fi_curve, fi_right,
     [(fi_counting_transient, "only fires a few spikes right after the step"), (fi_per_ms, "spikes per ms")]),
]


@pytest.mark.parametrize("check, right, wrongs", CASES, ids=lambda c: getattr(c, "task", "")[:20])
def test_check_passes_the_right_answer(check, right, wrongs):
    record = check(right)
    assert record["status"] == "passed", record["message"]


@pytest.mark.parametrize("check, right, wrongs", CASES, ids=lambda c: getattr(c, "task", "")[:20])
def test_check_says_not_implemented_for_a_blank(check, right, wrongs):
    assert check(blank)["status"] == "not implemented yet"
    assert check(...)["status"] == "not implemented yet"


@pytest.mark.parametrize("check, right, wrongs", CASES, ids=lambda c: getattr(c, "task", "")[:20])
def test_check_names_the_mistake(check, right, wrongs):
    for wrong, phrase in wrongs:
        record = check(wrong)
        assert record["status"] == "not yet", (wrong.__name__, record)
        assert phrase in record["message"], (wrong.__name__, record["message"])


def test_fi_check_reports_the_type_ii_jump():
    message = checks.check_measure_fi_curve(fi_right)["message"]
    assert "between 6 and 6.5" in message and "type II" in message


def test_a_student_exception_is_reported_not_raised():
    def broken(v):
        return v.nonexistent
    record = checks.check_alpha_m(broken)
    assert record["status"] == "not yet" and "AttributeError" in record["message"]
