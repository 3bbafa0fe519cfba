"""Chapter 02 checks: each passes the right answer, says "not implemented yet" to a blank, and
rejects plausible wrong answers with a message that names the mistake (COURSE.md section 9)."""
import numpy as np
import pytest

from course_lib import simulate
from course_lib.checks.eif import (check_adaptation_index, check_adex_step, check_eif_dvdt,
                                   check_find_rheobase_eif)

from check_helpers import blank, same_cases_every_run  # noqa: F401  (an autouse fixture)


# ---------------------------------------------------------------- (a) eif_dvdt

def eif_dvdt(v, i_ext, neuron):
    spike = neuron.g_l * neuron.delta_t * np.exp((v - neuron.v_t) / neuron.delta_t)
    return (-neuron.g_l * (v - neuron.e_l) + spike + i_ext) / neuron.c_m


def dvdt_no_delta_t_prefactor(v, i_ext, neuron):
    spike = neuron.g_l * np.exp((v - neuron.v_t) / neuron.delta_t)
    return (-neuron.g_l * (v - neuron.e_l) + spike + i_ext) / neuron.c_m


def dvdt_exponent_sign(v, i_ext, neuron):
    spike = neuron.g_l * neuron.delta_t * np.exp(-(v - neuron.v_t) / neuron.delta_t)
    return (-neuron.g_l * (v - neuron.e_l) + spike + i_ext) / neuron.c_m


def dvdt_no_capacitance(v, i_ext, neuron):
    spike = neuron.g_l * neuron.delta_t * np.exp((v - neuron.v_t) / neuron.delta_t)
    return -neuron.g_l * (v - neuron.e_l) + spike + i_ext


def dvdt_leak_sign(v, i_ext, neuron):
    spike = neuron.g_l * neuron.delta_t * np.exp((v - neuron.v_t) / neuron.delta_t)
    return (neuron.g_l * (v - neuron.e_l) + spike + i_ext) / neuron.c_m


def dvdt_scalar_only(v, i_ext, neuron):
    import math
    return (-neuron.g_l * (v - neuron.e_l) + neuron.g_l * neuron.delta_t
            * math.exp((float(np.ravel(v)[0]) - neuron.v_t) / neuron.delta_t) + i_ext) / neuron.c_m


def test_eif_dvdt_right_blank_and_wrong():
    assert check_eif_dvdt(eif_dvdt)["status"] == "passed"
    assert check_eif_dvdt(blank)["status"] == "not implemented yet"
    for wrong, words in [(dvdt_no_delta_t_prefactor, "prefactor delta_t"), (dvdt_exponent_sign, "exponent"),
                         (dvdt_no_capacitance, "divide the net current"), (dvdt_leak_sign, "leak has the wrong sign")]:
        record = check_eif_dvdt(wrong)
        assert record["status"] == "not yet" and words in record["message"], (wrong.__name__, record["message"])
        assert "expected dv/dt" in record["message"]   # names the input, expected and actual values


def dvdt_returns_one_number(v, i_ext, neuron):
    return float(eif_dvdt(np.ravel(v)[0], i_ext, neuron))


def test_eif_dvdt_code_that_ignores_arrays_is_rejected():
    assert check_eif_dvdt(dvdt_scalar_only)["status"] == "not yet"   # math.exp on the first voltage only
    record = check_eif_dvdt(dvdt_returns_one_number)
    assert record["status"] == "not yet" and "use numpy operations" in record["message"], record["message"]


# ---------------------------------------------------------------- (b) adex_step

def adex_step(v, w, i_ext, dt, neuron):
    dvdt = (-neuron.g_l * (v - neuron.e_l) + neuron.g_l * neuron.delta_t * np.exp((v - neuron.v_t) / neuron.delta_t)
            - w + i_ext) / neuron.c_m
    dwdt = (neuron.a * (v - neuron.e_l) - w) / neuron.tau_w
    v, w = v + dt * dvdt, w + dt * dwdt
    spiked = v >= neuron.v_peak
    return np.where(spiked, neuron.v_reset, v), np.where(spiked, w + neuron.b, w), spiked


def step_forgotten_b(v, w, i_ext, dt, neuron):
    v_new, w_new, spiked = adex_step(v, w, i_ext, dt, neuron)
    return v_new, np.where(spiked, w_new - neuron.b, w_new), spiked


def step_forgotten_reset(v, w, i_ext, dt, neuron):
    v_new, w_new, spiked = adex_step(v, w, i_ext, dt, neuron)
    v_free = v + dt * (-neuron.g_l * (v - neuron.e_l) + neuron.g_l * neuron.delta_t
                       * np.exp((v - neuron.v_t) / neuron.delta_t) - w + i_ext) / neuron.c_m
    return v_free, w_new, spiked


def step_reset_to_rest(v, w, i_ext, dt, neuron):
    v_new, w_new, spiked = adex_step(v, w, i_ext, dt, neuron)
    return np.where(spiked, neuron.e_l, v_new), w_new, spiked


def step_b_for_everyone(v, w, i_ext, dt, neuron):
    v_new, w_new, spiked = adex_step(v, w, i_ext, dt, neuron)
    return v_new, np.where(spiked, w_new, w_new + neuron.b) if np.any(spiked) else w_new, spiked


def step_w_with_plus_sign(v, w, i_ext, dt, neuron):
    return adex_step(v, -w, i_ext, dt, neuron)[0], adex_step(v, w, i_ext, dt, neuron)[1], \
        adex_step(v, -w, i_ext, dt, neuron)[2]


def step_library_exponential_euler(v, w, i_ext, dt, neuron):
    state = {"v": v.copy(), "w": w.copy(), "ref_left": np.zeros_like(v)}
    spiked = neuron.step(state, i_ext, dt)
    return state["v"], state["w"], spiked


def step_with_if(v, w, i_ext, dt, neuron):
    v_new, w_new, spiked = adex_step(v, w, i_ext, dt, neuron)
    if v_new >= neuron.v_peak:   # ambiguous on arrays
        v_new = neuron.v_reset
    return v_new, w_new, spiked


@pytest.mark.parametrize("wrong, words", [
    (step_forgotten_b, "forgotten jump"),
    (step_forgotten_reset, "forgotten reset"),
    (step_reset_to_rest, "reset to e_l"),
    (step_b_for_everyone, "only where spiked"),
    (step_w_with_plus_sign, "subtract it"),
    (step_library_exponential_euler, "forward Euler"),
    (step_with_if, "np.where"),
])
def test_adex_step_wrong_answers_are_named(wrong, words):
    record = check_adex_step(wrong)
    assert record["status"] == "not yet" and words in record["message"], record["message"]


def test_adex_step_right_and_blank():
    assert check_adex_step(adex_step)["status"] == "passed"
    assert check_adex_step(blank)["status"] == "not implemented yet"


# ---------------------------------------------------------------- (c) find_rheobase_eif

def find_rheobase_eif(neuron):
    """Two vectorized sweeps: a coarse one, then a fine one around the first firing current."""
    low, high = 0.0, 2000.0
    for _ in range(2):
        currents = np.linspace(low, high, 101)
        fired = simulate(neuron, current=currents, t_stop=2000.0, dt=0.2, record=()).spike_counts() > 0
        first = int(np.argmax(fired))
        low, high = currents[max(first - 1, 0)], currents[first]
    return high


def rheobase_lif_formula(neuron):
    return neuron.g_l * (neuron.v_t - neuron.e_l)


def rheobase_too_short_run(neuron):
    currents = np.linspace(0.0, 2000.0, 201)
    fired = simulate(neuron, current=currents, t_stop=20.0, dt=0.2, record=()).spike_counts() > 0
    return currents[int(np.argmax(fired))]


def test_find_rheobase_right_blank_and_wrong():
    assert check_find_rheobase_eif(find_rheobase_eif)["status"] == "passed"
    assert check_find_rheobase_eif(blank)["status"] == "not implemented yet"
    record = check_find_rheobase_eif(rheobase_lif_formula)
    assert record["status"] == "not yet" and "formula of a LIF" in record["message"], record["message"]
    record = check_find_rheobase_eif(rheobase_too_short_run)
    assert record["status"] == "not yet" and "simulate at least" in record["message"], record["message"]
    record = check_find_rheobase_eif(lambda neuron: "about 546")
    assert record["status"] == "not yet" and "one number" in record["message"]


# ---------------------------------------------------------------- (d) adaptation_index

def adaptation_index(spike_times):
    isi = np.diff(spike_times)
    return np.mean((isi[1:] - isi[:-1]) / (isi[1:] + isi[:-1]))


def index_flipped(spike_times):
    isi = np.diff(spike_times)
    return np.mean((isi[:-1] - isi[1:]) / (isi[1:] + isi[:-1]))


def index_not_normalised(spike_times):
    isi = np.diff(spike_times)
    return np.mean(isi[1:] - isi[:-1])


def index_on_spike_times(spike_times):
    t = np.asarray(spike_times)
    return np.mean((t[1:] - t[:-1]) / (t[1:] + t[:-1]))


def index_summed(spike_times):
    isi = np.diff(spike_times)
    return np.sum((isi[1:] - isi[:-1]) / (isi[1:] + isi[:-1]))


@pytest.mark.parametrize("wrong, words", [
    (index_flipped, "sign is flipped"), (index_not_normalised, "normalise"),
    (index_on_spike_times, "compute the intervals first"), (index_summed, "np.mean"),
])
def test_adaptation_index_wrong_answers_are_named(wrong, words):
    record = check_adaptation_index(wrong)
    assert record["status"] == "not yet" and words in record["message"], record["message"]
    assert "expected A =" in record["message"]


def test_adaptation_index_right_and_blank():
    assert check_adaptation_index(adaptation_index)["status"] == "passed"
    assert check_adaptation_index(blank)["status"] == "not implemented yet"


def test_rheobase_from_the_formula_is_not_a_simulation():
    record = check_find_rheobase_eif(lambda n: n.g_l * (n.v_t - n.e_l - n.delta_t))
    assert record["status"] == "not yet" and "never ran" in record["message"], record["message"]
