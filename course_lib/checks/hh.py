"""Checks for chapter 03 (Hodgkin-Huxley): a rate function, gate kinetics, the ionic current, the f-I curve.

Each check runs the student's function on cases it chooses and compares it with the course_lib
reference (course_lib.neurons: the Dayan & Abbott 2001 rate functions and the HodgkinHuxley
defaults). When an answer is off, the check first tries the usual mistakes (swapped rates,
m^2 instead of m^3, a flipped sign, counting the onset transient, ...) and names the one that fits.
Units: mV, ms, 1/ms, uA/cm^2, mS/cm^2, Hz.
"""
import functools

import numpy as np

from .. import neurons, theory
from ..analysis import steady_rate_hz
from ..neurons import HH_RATES, HodgkinHuxley, hh_alpha_m
from ..simulation import simulate
from . import NotYet, as_tuple, case_rng, check, expect_close

VOLTAGES_MV = np.array([-90.0, -70.0, -65.0, -55.0, -50.0, -40.0, -39.999, -20.0, 0.0, 30.0])
FI_CURRENTS = np.array([2.0, 6.0, 6.5, 8.0, 10.0, 15.0])   # uA/cm^2: silent, transient only, firing
FI_PROTOCOL = {"t_stop": 600.0, "t_transient": 300.0, "dt": 0.025}   # ms


def _as_float_array(value, what):
    """value as a float array, or NotYet saying what came back instead."""
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise NotYet(f"{what} should be numbers, got {type(value).__name__} {value!r}.")


def _matching_mistake(actual, mistakes, rtol=1e-6):
    """Name of the first mistake whose prediction equals actual, or None."""
    for name, predicted in mistakes.items():
        if np.shape(predicted) == np.shape(actual) and np.allclose(actual, predicted, rtol=rtol, atol=1e-12):
            return name
    return None


@check("alpha_m(v): the Na+ activation rate", forbid=(hh_alpha_m,))
def check_alpha_m(alpha_m):
    """Compare alpha_m with the reference at voltages that include the removable singularity at -40 mV,
    then at random voltages."""
    at_singularity = _as_float_array(alpha_m(-40.0), "alpha_m(-40.0)")
    if not np.all(np.isfinite(at_singularity)):
        raise NotYet("alpha_m(-40 mV) returned nan or inf: 0.1 (v + 40) / (1 - exp(-(v + 40)/10)) is 0/0 there, "
                     "a removable singularity whose limit is 1.0 /ms. Use scipy.special.exprel "
                     "(0.1 (v+40)/(1 - exp(-(v+40)/10)) = 1 / exprel(-(v+40)/10)) or return 1.0 where |v + 40| < 1e-6.")
    for voltages in (VOLTAGES_MV, np.sort(case_rng().uniform(-100.0, 50.0, 12))):
        actual = _as_float_array(alpha_m(voltages.copy()), "alpha_m(v) for an array v")
        if actual.shape != voltages.shape:
            raise NotYet(f"alpha_m(v) for an array of {voltages.size} voltages returned shape {actual.shape}; "
                         "write it with numpy operations so that it works element by element.")
        if np.any(actual < 0):
            i = int(np.argmax(actual < 0))
            raise NotYet(f"alpha_m({voltages[i]:g} mV) = {actual[i]:.4g} /ms is negative, but a rate cannot be: "
                         "check the sign inside the exponential, 1 - exp(-(v + 40)/10).")
        expected = hh_alpha_m(voltages)
        flipped = expected * np.exp(-0.1 * (voltages + 40.0))   # 0.1 (v+40) / (exp(+(v+40)/10) - 1)
        if _matching_mistake(actual, {"flipped": flipped}):
            raise NotYet("your alpha_m falls as v rises: it equals 0.1 (v + 40) / (exp(+(v + 40)/10) - 1), the sign "
                         "inside the exponential is flipped. Depolarisation opens m gates faster: "
                         "alpha_m = 0.1 (v + 40) / (1 - exp(-(v + 40)/10)).")
        expect_close(actual, expected, "alpha_m(v) (1/ms) at v = " + np.array2string(voltages, precision=3),
                     rtol=1e-6, atol=1e-9,
                     hint="Dayan & Abbott (2001): alpha_m = 0.1 (v + 40) / (1 - exp(-0.1 (v + 40))) per ms, v in mV.")
    return (f"matches the reference at {VOLTAGES_MV.size} voltages from -90 to +30 mV and 12 random ones, "
            f"including the limit alpha_m(-40 mV) = {float(at_singularity):.4f} /ms")


@check("x_inf and tau_x from the opening and closing rates",
       forbid=(neurons.hh_gate_steady_state, neurons.hh_gate_time_constant))
def check_steady_state_and_tau(steady_state_and_tau):
    """x_inf = alpha/(alpha+beta) and tau_x = 1/(alpha+beta) for the three gates at several voltages, and for
    random rates."""
    worst = 0.0
    rng = case_rng()
    cases = [(f"gate {gate}", alpha_f(VOLTAGES_MV), beta_f(VOLTAGES_MV))
             for gate, (alpha_f, beta_f) in HH_RATES.items()]
    cases.append(("random rates", np.exp(rng.uniform(-4.0, 2.0, 9)), np.exp(rng.uniform(-4.0, 2.0, 9))))
    for where, alpha, beta in cases:
        answer = as_tuple(steady_state_and_tau(alpha.copy(), beta.copy()), 2, "steady_state_and_tau", "x_inf, tau_ms")
        x_inf = _as_float_array(answer[0], "x_inf")
        tau = _as_float_array(answer[1], "tau_ms")
        mistake = _matching_mistake(x_inf, {"beta / (alpha + beta)": beta / (alpha + beta),
                                            "alpha / beta": alpha / beta})
        if mistake == "beta / (alpha + beta)":
            raise NotYet(f"{where}: your x_inf equals beta/(alpha + beta), the fraction of gates that are closed at "
                         "steady state. Set dx/dt = alpha (1 - x) - beta x to zero: x_inf = alpha / (alpha + beta).")
        if mistake:
            raise NotYet(f"{where}: your x_inf equals {mistake}, which can exceed 1. "
                         "Set dx/dt = alpha (1 - x) - beta x to zero and solve for x.")
        worst = max(worst, expect_close(x_inf, alpha / (alpha + beta), f"{where}: x_inf", rtol=1e-6,
                                        hint="x_inf = alpha / (alpha + beta)."))
        mistake = _matching_mistake(tau, {"1 / alpha": 1 / alpha, "1 / beta": 1 / beta,
                                          "alpha + beta": alpha + beta})
        if mistake:
            raise NotYet(f"{where}: your tau_x equals {mistake}. Both opening and closing pull x towards x_inf: "
                         "dx/dt = (x_inf - x)(alpha + beta), so tau_x = 1 / (alpha + beta) (ms when rates are 1/ms).")
        expect_close(tau, 1.0 / (alpha + beta), f"{where}: tau_x (ms)", rtol=1e-6,
                     hint="tau_x = 1 / (alpha + beta).")
    return (f"x_inf and tau_x agree for m, h and n at {VOLTAGES_MV.size} voltages and for random rates "
            f"(largest x_inf error {worst:.1e})")


def _ionic_current(neuron, v, m, h, n, m_power=3, n_power=4, leak=True):
    """Reference ionic current (uA/cm^2, outward positive), with switches that mimic common mistakes."""
    i_na = neuron.g_na * m ** m_power * h * (v - neuron.e_na)
    i_k = neuron.g_k * n ** n_power * (v - neuron.e_k)
    return i_na + i_k + (neuron.g_l * (v - neuron.e_l) if leak else 0.0)


@check("hh_ionic_current(v, m, h, n): the Na+, K+ and leak currents",
       forbid=(HodgkinHuxley.step, theory.hh_steady_state_current))
def check_hh_ionic_current(hh_ionic_current):
    """Total ionic current of the default HodgkinHuxley() membrane on (v, m, h, n) states with random gates."""
    neuron = HodgkinHuxley()
    rng = case_rng()
    v = np.concatenate([[-80.0, -65.0, -55.0, -40.0, -20.0, 0.0, 20.0, 40.0], rng.uniform(-90.0, 50.0, 4)])
    m, h, n = rng.uniform(0.1, 0.9, size=(3, v.size))
    actual = _as_float_array(hh_ionic_current(v.copy(), m.copy(), h.copy(), n.copy()), "hh_ionic_current(...)")
    if actual.shape != v.shape:
        raise NotYet(f"for arrays of {v.size} states you returned shape {actual.shape}; use numpy operations "
                     "so that each state gives one current.")
    expected = _ionic_current(neuron, v, m, h, n)
    mistakes = {"m^2 h instead of m^3 h in the Na+ current": _ionic_current(neuron, v, m, h, n, m_power=2),
                "n^3 instead of n^4 in the K+ current": _ionic_current(neuron, v, m, h, n, n_power=3),
                "the opposite sign (inward positive); in this course the ionic current is outward positive, "
                "I_ion = g (v - E), so that c_m dv/dt = -I_ion + I_ext": -expected,
                "the leak current g_l (v - e_l) is missing": _ionic_current(neuron, v, m, h, n, leak=False)}
    mistake = _matching_mistake(actual, mistakes)
    if mistake:
        raise NotYet(f"your current matches the formula with {mistake}.")
    expect_close(actual, expected, "I_ion (uA/cm^2)", rtol=1e-6, atol=1e-9,
                 hint="I_ion = g_na m^3 h (v - e_na) + g_k n^4 (v - e_k) + g_l (v - e_l), parameters from "
                      "HodgkinHuxley() (mS/cm^2, mV).")
    v_rest = -65.0
    gates = [HH_RATES[g][0](v_rest) / (HH_RATES[g][0](v_rest) + HH_RATES[g][1](v_rest)) for g in "mhn"]
    at_rest = float(np.squeeze(hh_ionic_current(np.array([v_rest]), *(np.array([x]) for x in gates))))
    return (f"agrees on {v.size} states from -90 to +50 mV (random gates); at rest (-65 mV, gates at steady state) "
            f"I_ion = {at_rest:.4f} uA/cm^2 (nearly zero: rest is where the currents balance)")


@functools.lru_cache(maxsize=4)
def _reference_rates(currents, t_stop, t_transient, dt):
    """Steady firing rates (Hz) of HodgkinHuxley() under current steps from rest (a tuple of uA/cm^2)."""
    result = simulate(HodgkinHuxley(), current=np.array(currents), t_stop=t_stop, dt=dt, record=())
    return np.array([steady_rate_hz(train, t_transient, t_stop) for train in result.spike_trains()])


def reference_fi_curve(currents, t_stop=600.0, t_transient=300.0, dt=0.025):
    """Reference f-I curve (Hz) of the HH neuron: step from rest, rate from the mean ISI after t_transient ms."""
    return _reference_rates(tuple(float(c) for c in np.atleast_1d(currents)), t_stop, t_transient, dt).copy()


@check("measure_fi_curve(currents): the type II f-I curve", forbid=(theory,),
       require=(simulate, HodgkinHuxley.step), require_what="a simulation of the HH neuron")
def check_measure_fi_curve(measure_fi_curve):
    """The student's steady rates vs the reference, with the silent currents required to give exactly 0 Hz;
    one random current below the fold and one well above it join the fixed ones."""
    rng = case_rng()
    currents = np.sort(np.round(np.concatenate([FI_CURRENTS, [rng.uniform(0.5, 5.0), rng.uniform(11.0, 20.0)]]), 3))
    actual = _as_float_array(measure_fi_curve(currents.copy(), **FI_PROTOCOL), "measure_fi_curve(...)")
    expected = reference_fi_curve(currents, **FI_PROTOCOL)
    if actual.shape != expected.shape:
        raise NotYet(f"for {currents.size} currents you returned shape {actual.shape}; return one rate per current.")
    if 0 < np.nanmax(actual) < 1.0 < np.max(expected):
        raise NotYet(f"your rates peak at {np.nanmax(actual):.3g}, about 1000 times too small: that is spikes per ms. "
                     "Convert to Hz (spikes per second), e.g. with course_lib.units.per_ms_to_hz.")
    silent = expected == 0
    wrong_silent = silent & ~np.isclose(actual, 0.0, atol=1e-9)
    if np.any(wrong_silent):
        i = int(np.argmax(wrong_silent))
        raise NotYet(f"at I = {currents[i]:g} uA/cm^2 you report {actual[i]:.3g} Hz, but the neuron only fires a few "
                     "spikes right after the step and then rests (expected 0 Hz). Count only the spikes after "
                     f"t_transient = {FI_PROTOCOL['t_transient']:g} ms (course_lib.analysis.steady_rate_hz does that).")
    window_ms = FI_PROTOCOL["t_stop"] - FI_PROTOCOL["t_transient"]
    one_spike_hz = 1000.0 / window_ms   # counting spikes instead of averaging ISIs may differ by one spike
    expect_close(actual, expected, "steady rate (Hz) for the currents " + np.array2string(currents, separator=", "),
                 rtol=0.0, atol=one_spike_hz,
                 hint="simulate HodgkinHuxley() with one neuron per current (from rest), then take the rate from "
                      f"the spikes between t_transient and t_stop; allowed difference {one_spike_hz:.1f} Hz.")
    firing = ~silent
    onset_low, onset_high = currents[silent].max(), currents[firing].min()
    lowest = actual[firing][np.argmin(currents[firing])]
    return (f"rates agree within {one_spike_hz:.1f} Hz; firing starts between {onset_low:g} and {onset_high:g} "
            f"uA/cm^2 (literature: 6.26) and jumps straight to {lowest:.0f} Hz, never slower: a type II neuron")
