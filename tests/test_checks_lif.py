"""Chapter 01 checks: each passes the right answer, says "not implemented yet" to a blank, and
rejects plausible wrong answers with a message that names the mistake (COURSE.md section 9)."""
import numpy as np
import pytest

from course_lib import LIF, simulate
from course_lib.checks.lif import check_fi_curve, check_isi_cv, check_lif_step, check_rheobase

from check_helpers import blank, same_cases_every_run  # noqa: F401  (an autouse fixture)


def status_and_message(record):
    return record["status"], record["message"]


# ---------------------------------------------------------------- (a) lif_step

def lif_step(v, ref_left, i_ext, dt, neuron):
    v_inf = neuron.e_l + i_ext / neuron.g_l
    v_free = v_inf + (v - v_inf) * np.exp(-dt / neuron.tau_m)
    v_new = np.where(ref_left > 0, neuron.v_reset, v_free)
    ref_left = np.maximum(ref_left - dt, 0.0)
    spiked = v_new >= neuron.v_th
    return np.where(spiked, neuron.v_reset, v_new), np.where(spiked, neuron.t_ref, ref_left), spiked


def step_forward_euler(v, ref_left, i_ext, dt, neuron):
    v_free = v + dt / neuron.tau_m * (-(v - neuron.e_l) + i_ext / neuron.g_l)
    v_new = np.where(ref_left > 0, neuron.v_reset, v_free)
    spiked = v_new >= neuron.v_th
    return (np.where(spiked, neuron.v_reset, v_new), np.where(spiked, neuron.t_ref, np.maximum(ref_left - dt, 0)),
            spiked)


def step_leak_sign_error(v, ref_left, i_ext, dt, neuron):
    v_free = v + dt / neuron.tau_m * ((v - neuron.e_l) + i_ext / neuron.g_l)
    v_new = np.where(ref_left > 0, neuron.v_reset, v_free)
    spiked = v_new >= neuron.v_th
    return (np.where(spiked, neuron.v_reset, v_new), np.where(spiked, neuron.t_ref, np.maximum(ref_left - dt, 0)),
            spiked)


def step_exponent_sign_error(v, ref_left, i_ext, dt, neuron):
    v_inf = neuron.e_l + i_ext / neuron.g_l
    return lif_step(v, ref_left, i_ext, dt, neuron) if False else (
        v_inf + (v - v_inf) * np.exp(dt / neuron.tau_m), ref_left, np.zeros(np.shape(v), bool))


def step_no_reset(v, ref_left, i_ext, dt, neuron):
    v_inf = neuron.e_l + i_ext / neuron.g_l
    v_new = np.where(ref_left > 0, neuron.v_reset, v_inf + (v - v_inf) * np.exp(-dt / neuron.tau_m))
    spiked = v_new >= neuron.v_th
    return v_new, np.where(spiked, neuron.t_ref, np.maximum(ref_left - dt, 0.0)), spiked


def step_reset_to_rest(v, ref_left, i_ext, dt, neuron):
    v_new, ref_new, spiked = lif_step(v, ref_left, i_ext, dt, neuron)
    return np.where(spiked, neuron.e_l, v_new), ref_new, spiked


def step_forgot_refractory_start(v, ref_left, i_ext, dt, neuron):
    v_new, ref_new, spiked = lif_step(v, ref_left, i_ext, dt, neuron)
    return v_new, np.maximum(ref_left - dt, 0.0), spiked


def step_no_clamp(v, ref_left, i_ext, dt, neuron):
    v_inf = neuron.e_l + i_ext / neuron.g_l
    v_new = v_inf + (v - v_inf) * np.exp(-dt / neuron.tau_m)          # integrates even while refractory
    spiked = v_new >= neuron.v_th
    return (np.where(spiked, neuron.v_reset, v_new), np.where(spiked, neuron.t_ref, np.maximum(ref_left - dt, 0)),
            spiked)


def step_with_if(v, ref_left, i_ext, dt, neuron):
    if v >= neuron.v_th:     # fails on arrays
        return v, ref_left, True
    return v, ref_left, False


def test_lif_step_passes_reference():
    status, message = status_and_message(check_lif_step(lif_step))
    assert status == "passed", message
    assert "identical to simulate()" in message


def test_lif_step_blank():
    assert check_lif_step(blank)["status"] == "not implemented yet"


@pytest.mark.parametrize("wrong, words", [
    (step_forward_euler, "forward Euler"),
    (step_leak_sign_error, "sign of the leak"),
    (step_exponent_sign_error, "sign of the leak"),
    (step_no_reset, "no reset"),
    (step_reset_to_rest, "reset to e_l instead of v_reset"),
    (step_forgot_refractory_start, "forgotten refractory period"),
    (step_no_clamp, "Forgotten refractory period"),
    (step_with_if, "np.where"),
])
def test_lif_step_rejects_and_names_mistake(wrong, words):
    status, message = status_and_message(check_lif_step(wrong))
    assert status == "not yet"
    assert words in message, message


# ---------------------------------------------------------------- (b) measure_fi_curve

def measure_fi_curve(currents_pa, t_stop_ms):
    result = simulate(LIF(), np.asarray(currents_pa, dtype=float), t_stop_ms, 0.1, record=())
    rates = []
    for train in result.spike_trains():
        rates.append(1000.0 / np.mean(np.diff(train)) if train.size >= 2 else 0.0)
    return np.array(rates)


def fi_per_ms(currents_pa, t_stop_ms):
    return measure_fi_curve(currents_pa, t_stop_ms) / 1000.0


def fi_counting(currents_pa, t_stop_ms):
    result = simulate(LIF(), np.asarray(currents_pa, dtype=float), t_stop_ms, 0.1, record=())
    return result.spike_counts() / (t_stop_ms / 1000.0)


def fi_nan_when_silent(currents_pa, t_stop_ms):
    result = simulate(LIF(), np.asarray(currents_pa, dtype=float), t_stop_ms, 0.1, record=())
    return np.array([1000.0 / np.mean(np.diff(t)) if t.size >= 2 else np.nan for t in result.spike_trains()])


def fi_coarse_dt(currents_pa, t_stop_ms):
    result = simulate(LIF(), np.asarray(currents_pa, dtype=float), t_stop_ms, 1.0, record=())
    return np.array([1000.0 / np.mean(np.diff(t)) if t.size >= 2 else 0.0 for t in result.spike_trains()])


def test_fi_passes_reference():
    status, message = status_and_message(check_fi_curve(measure_fi_curve))
    assert status == "passed", message


def test_fi_blank():
    assert check_fi_curve(blank)["status"] == "not implemented yet"


@pytest.mark.parametrize("wrong, words", [
    (fi_per_ms, "spikes per ms"),
    (fi_counting, "first-spike latency"),
    (fi_nan_when_silent, "nan"),
    (fi_coarse_dt, "dt = 0.1 ms"),
])
def test_fi_rejects_and_names_mistake(wrong, words):
    status, message = status_and_message(check_fi_curve(wrong))
    assert status == "not yet"
    assert words in message, message


# ---------------------------------------------------------------- (c) find_rheobase

def fires(neuron, current, t_stop=1000.0):
    return simulate(neuron, current, t_stop, 1.0, record=()).spike_times.size > 0


def find_rheobase(neuron, t_stop=1000.0):
    low, high = 0.0, 50.0
    while not fires(neuron, high, t_stop):
        low, high = high, 2 * high
    while high - low > 0.01:
        mid = 0.5 * (low + high)
        low, high = (low, mid) if fires(neuron, mid, t_stop) else (mid, high)
    return 0.5 * (low + high)


def rheobase_short_run(neuron):
    return find_rheobase(neuron, t_stop=100.0)


def rheobase_from_reset(neuron):
    return neuron.g_l * (neuron.v_th - neuron.v_reset)


def rheobase_in_na(neuron):
    return find_rheobase(neuron) / 1000.0


def rheobase_swapped_bisection(neuron):
    low, high = 0.0, 1000.0
    for _ in range(40):
        mid = 0.5 * (low + high)
        low, high = (mid, high) if fires(neuron, mid) else (low, mid)   # keeps the wrong half
    return 0.5 * (low + high)


def test_rheobase_passes_reference():
    status, message = status_and_message(check_rheobase(find_rheobase))
    assert status == "passed", message


def test_rheobase_blank():
    assert check_rheobase(blank)["status"] == "not implemented yet"


@pytest.mark.parametrize("wrong, words", [
    (rheobase_short_run, "Simulate longer"),
    (rheobase_from_reset, "g_l (v_th - v_reset)"),
    (rheobase_in_na, "nA"),
    (rheobase_swapped_bisection, "keeps the right half"),
])
def test_rheobase_rejects_and_names_mistake(wrong, words):
    status, message = status_and_message(check_rheobase(wrong))
    assert status == "not yet"
    assert words in message, message


# ---------------------------------------------------------------- (d) isi_cv

def isi_cv(spike_times_ms):
    intervals = np.diff(spike_times_ms)
    return np.std(intervals) / np.mean(intervals)


def cv_of_spike_times(spike_times_ms):
    return np.std(spike_times_ms) / np.mean(spike_times_ms)


def cv_squared(spike_times_ms):
    return isi_cv(spike_times_ms) ** 2


def variance_over_mean(spike_times_ms):
    intervals = np.diff(spike_times_ms)
    return np.var(intervals) / np.mean(intervals)


def test_cv_passes_reference():
    status, message = status_and_message(check_isi_cv(isi_cv))
    assert status == "passed", message


def test_cv_blank():
    assert check_isi_cv(blank)["status"] == "not implemented yet"


@pytest.mark.parametrize("wrong, words", [
    (cv_of_spike_times, "np.diff"),
    (cv_squared, "CV squared"),
    (variance_over_mean, "variance / mean"),
])
def test_cv_rejects_and_names_mistake(wrong, words):
    status, message = status_and_message(check_isi_cv(wrong))
    assert status == "not yet"
    assert words in message, message


def test_checks_return_machine_readable_records():
    record = check_isi_cv(isi_cv)
    assert record["passed"] and record["points"] == record["max_points"] == 1


# ---------------------------------------------------------------- the formula where a simulation is asked

def fi_from_the_formula(currents_pa, t_stop_ms):
    """The ISI formula typed in: right for long runs, but a short run has neurons that fire only once."""
    neuron, i = LIF(), np.asarray(currents_pa, dtype=float)
    v_inf = neuron.e_l + i / neuron.g_l
    with np.errstate(divide="ignore", invalid="ignore"):
        isi = neuron.t_ref + neuron.tau_m * np.log((v_inf - neuron.v_reset) / (v_inf - neuron.v_th))
    return np.where(v_inf > neuron.v_th, 1000.0 / isi, 0.0)


def test_fi_typed_in_formula_is_caught_by_a_short_run():
    status, message = status_and_message(check_fi_curve(fi_from_the_formula))
    assert status == "not yet" and "fires only once" in message and "formula" in message, message


def test_rheobase_from_the_formula_is_not_a_simulation():
    status, message = status_and_message(check_rheobase(lambda neuron: neuron.g_l * (neuron.v_th - neuron.e_l)))
    assert status == "not yet" and "never ran" in message, message


def test_lif_step_may_return_lists():
    as_lists = lambda *args: [np.asarray(x).tolist() for x in lif_step(*args)]
    assert status_and_message(check_lif_step(as_lists))[0] == "passed"
