"""Checks for chapter 05 (receptors): the Mg2+ block, the NMDA current-voltage curve, the
Tsodyks-Markram depression update and its steady state.

Each check runs the student's function on cases it chooses, compares with course_lib.receptors,
course_lib.plasticity or course_lib.theory, and names the most likely mistake when they differ.
Units: ms, mV, nS, pA, mM, Hz.
"""
import numpy as np

from .. import theory
from ..plasticity import TsodyksMarkram
from ..receptors import NMDA, mg_block
from . import NotYet, as_float_array, as_tuple, case_rng, check, expect_close

CLOSED_FORM_RTOL = 1e-9   # every quantity here is a closed form: only round-off is allowed
V_TEST = np.linspace(-100.0, 40.0, 15)


def _array(out, what, shape):
    return as_float_array(out, what, shape, hint="Use numpy functions (np.exp), not math.exp, so that v can be an array.")


# --------------------------------------------------------------------------------------------
# (a) the Mg2+ block
# --------------------------------------------------------------------------------------------

def _random_voltages(rng, n=9):
    return np.sort(np.round(rng.uniform(-100.0, 40.0, n), 3))


@check("unblocked_fraction: the Mg2+ block of NMDA channels (Jahr & Stevens 1990)", forbid=(mg_block, NMDA))
def check_unblocked_fraction(unblocked_fraction):
    """Compare with 1 / (1 + [Mg] exp(-0.062 v) / 3.57) over -100..40 mV at three concentrations, then at
    random voltages and a random concentration."""
    rng = case_rng()
    cases = [(V_TEST, mg) for mg in (1.0, 2.0, 0.5)]
    cases.append((_random_voltages(rng), float(np.round(rng.uniform(0.2, 3.0), 3))))
    for v_test, mg in cases:
        got = _array(unblocked_fraction(v_test.copy(), mg), "unblocked_fraction(v_mv, mg_mm)", v_test.shape)
        expected = mg_block(v_test, mg)
        where = f"[Mg2+] = {mg} mM"
        if np.allclose(got, 1.0 - expected, rtol=1e-6):
            raise NotYet(f"{where}: you returned the blocked fraction; the task asks for the unblocked one, "
                         "B(v) = 1 / (1 + [Mg] exp(-0.062 v) / 3.57).")
        if np.allclose(got, 1.0 / (1.0 + mg * np.exp(0.062 * v_test) / 3.57), rtol=1e-6):
            raise NotYet(f"{where}: your block gets stronger with depolarisation (B({v_test[0]:.4g} mV) = "
                         f"{got[0]:.3f}, B({v_test[-1]:.4g} mV) = {got[-1]:.3f}). Depolarisation expels Mg2+: the "
                         "exponent is -0.062 v.")
        if np.allclose(got, 1.0 / (1.0 + mg * 3.57 * np.exp(-0.062 * v_test)), rtol=1e-6):
            raise NotYet(f"{where}: 3.57 mM is the dissociation constant of Mg2+: divide [Mg] by 3.57, don't multiply.")
        if mg != 1.0 and np.allclose(got, mg_block(v_test, 1.0), rtol=1e-6):
            raise NotYet(f"{where}: your result is the 1 mM curve: use the argument mg_mm, not a fixed concentration.")
        expect_close(got, expected, f"{where}: B(v) at v = " + np.array2string(v_test, precision=3),
                     rtol=CLOSED_FORM_RTOL,
                     hint="B(v) = 1 / (1 + mg_mm * exp(-0.062 v) / 3.57).")
    return (f"B(v) right at 0.5, 1 and 2 mM and at random voltages and [Mg2+]; "
            f"B(-70 mV) = {float(mg_block(-70.0)):.4f}, "
            f"B(-20 mV) = {float(mg_block(-20.0)):.3f}")


# --------------------------------------------------------------------------------------------
# (b) the NMDA current-voltage curve
# --------------------------------------------------------------------------------------------

@check("nmda_clamp_current: the NMDA I-V curve g B(V) (V - E_rev)", forbid=(theory.nmda_iv_curve, NMDA))
def check_nmda_clamp_current(nmda_clamp_current):
    """Compare with theory.nmda_iv_curve (three synapses and a random one); names sign convention and
    missing-block mistakes."""
    rng = case_rng()
    cases = [(V_TEST, g, mg, e_rev) for g, mg, e_rev in ((1.0, 1.0, 0.0), (2.5, 2.0, 0.0), (0.8, 1.0, 5.0))]
    cases.append((_random_voltages(rng), float(np.round(rng.uniform(0.2, 5.0), 3)),
                  float(np.round(rng.uniform(0.5, 2.5), 3)), float(np.round(rng.uniform(-5.0, 10.0), 3))))
    for v_test, g, mg, e_rev in cases:
        got = _array(nmda_clamp_current(v_test.copy(), g, mg, e_rev), "nmda_clamp_current(v_mv, g_ns, mg_mm, e_rev_mv)",
                     v_test.shape)
        expected = theory.nmda_iv_curve(v_test, g, mg, e_rev)
        where = f"g = {g} nS, [Mg2+] = {mg} mM, E_rev = {e_rev} mV"
        if np.allclose(got, -expected, rtol=1e-6):
            raise NotYet(f"{where}: the sign is flipped (at -70 mV you give {np.interp(-70, v_test, got):+.3f} pA). "
                         "A voltage clamp reports the membrane current g B(V) (V - E_rev): negative (inward) below "
                         "E_rev.")
        if np.allclose(got, g * (v_test - e_rev), rtol=1e-6):
            raise NotYet(f"{where}: your I-V curve is a straight line: the Mg2+ block B(V) is missing "
                         "(use mg_block(v, mg_mm) from course_lib.receptors).")
        if mg != 1.0 and np.allclose(got, theory.nmda_iv_curve(v_test, g, 1.0, e_rev), rtol=1e-6):
            raise NotYet(f"{where}: you used 1 mM Mg2+; pass mg_mm to the block.")
        expect_close(got, expected, f"{where}: I(V) at V = " + np.array2string(v_test, precision=3),
                     rtol=CLOSED_FORM_RTOL, atol=1e-12,
                     hint="I(V) = g_ns * mg_block(V, mg_mm) * (V - e_rev_mv).")
    v_fine = np.linspace(-100, 40, 1401)
    most_inward = v_fine[np.argmin(nmda_clamp_current(v_fine, 1.0, 1.0, 0.0))]
    return f"I-V right for three synapses and a random one; at 1 mM the current is most inward at {most_inward:.1f} mV"


# --------------------------------------------------------------------------------------------
# (c) one Tsodyks-Markram depression step
# --------------------------------------------------------------------------------------------

def reference_depression_step(x, interval_ms, u_se, tau_d):
    """x (just after the previous spike) recovers for interval_ms, then a spike releases u_se * x."""
    stp = TsodyksMarkram(u_se=u_se, tau_d=tau_d, tau_f=0.0)
    _, x_after, efficacy = stp.on_spike(np.zeros(np.shape(x)), x, interval_ms)
    return efficacy, x_after


@check("depression_step: the Tsodyks-Markram depression update at a spike", forbid=(TsodyksMarkram,))
def check_depression_step(depression_step):
    """Vectorized cases (fixed, then random); names release-before-recovery, wrong recovery and missing depletion."""
    rng = case_rng()
    fixed = (np.array([1.0, 0.5, 0.2, 0.05, 0.5]), np.array([1e9, 50.0, 100.0, 20.0, 800.0]))
    random_case = (np.round(rng.uniform(0.02, 1.0, 6), 4), np.round(rng.uniform(5.0, 1500.0, 6), 2))
    cases = [fixed + (0.5, 800.0), fixed + (0.25, 300.0),
             random_case + (float(np.round(rng.uniform(0.05, 0.9), 3)), float(np.round(rng.uniform(50.0, 1500.0), 1)))]
    for x, interval, u_se, tau_d in cases:
        out = as_tuple(depression_step(x.copy(), interval.copy(), u_se, tau_d), 2, "depression_step",
                       "efficacy, x_after")
        efficacy, x_after = (_array(o, "depression_step", x.shape) for o in out)
        exp_eff, exp_x = reference_depression_step(x, interval, u_se, tau_d)
        where = f"U = {u_se}, tau_d = {tau_d} ms"
        recovered = 1.0 - (1.0 - x) * np.exp(-interval / tau_d)
        if np.allclose(efficacy, u_se * x, rtol=1e-6):
            raise NotYet(f"{where}: your efficacy is U x with the x of the previous spike: first let x recover for "
                         "interval_ms, x <- 1 - (1 - x) exp(-interval / tau_d), then release U x.")
        if np.allclose(efficacy, u_se * x * np.exp(-interval / tau_d), rtol=1e-6):
            raise NotYet(f"{where}: x decayed towards 0 between spikes; resources recover towards 1: "
                         "x <- 1 - (1 - x) exp(-interval / tau_d).")
        expect_close(efficacy, exp_eff, f"{where}: efficacy for x = {list(x)}, intervals {list(interval)} ms",
                     rtol=CLOSED_FORM_RTOL, hint="efficacy = U * (x after recovery).")
        if np.allclose(x_after, recovered, rtol=1e-6):
            raise NotYet(f"{where}: x_after equals the recovered x: the spike must use up what it releases, "
                         "x_after = x - U x.")
        if np.allclose(x_after, recovered - u_se, rtol=1e-6):
            raise NotYet(f"{where}: the spike removes U x (a fraction of what is available), not U.")
        expect_close(x_after, exp_x, f"{where}: x_after", rtol=CLOSED_FORM_RTOL, hint="x_after = x - U x.")
    return "recovery, release and depletion right (vectorized, two fixed parameter sets and a random one)"


# --------------------------------------------------------------------------------------------
# (d) steady-state efficacy of a depressing synapse
# --------------------------------------------------------------------------------------------

@check("steady_depression_efficacy: steady-state efficacy of a regular train",
       forbid=(theory.stp_steady_efficacy, theory.stp_steady_state, TsodyksMarkram))
def check_steady_depression_efficacy(steady_depression_efficacy):
    """Compare with theory.stp_steady_efficacy over 1-100 Hz for two synapses and at random rates for a random
    one; names unit slips."""
    rng = case_rng()
    cases = [(np.array([1.0, 5.0, 20.0, 50.0, 100.0]), u_se, tau_d) for u_se, tau_d in ((0.5, 800.0), (0.25, 300.0))]
    cases.append((np.sort(np.round(rng.uniform(0.5, 150.0, 6), 3)), float(np.round(rng.uniform(0.05, 0.9), 3)),
                  float(np.round(rng.uniform(50.0, 1500.0), 1))))
    for rates, u_se, tau_d in cases:
        stp = TsodyksMarkram(u_se=u_se, tau_d=tau_d)
        got = _array(steady_depression_efficacy(rates.copy(), u_se, tau_d), "steady_depression_efficacy", rates.shape)
        expected = theory.stp_steady_efficacy(stp, rates)
        where = f"U = {u_se}, tau_d = {tau_d} ms"
        wrong_units = u_se * (1 - np.exp(-1 / rates / tau_d)) / (1 - (1 - u_se) * np.exp(-1 / rates / tau_d))
        if np.allclose(got, wrong_units, rtol=1e-6):
            raise NotYet(f"{where}: unit slip: the period 1/rate is in seconds but tau_d is in ms; use "
                         "T = 1000 / rate_hz ms.")
        if np.allclose(got, expected / u_se, rtol=1e-6):
            raise NotYet(f"{where}: you returned x*, the available resources; the efficacy is U x*.")
        expect_close(got, expected, f"{where}: efficacy at rates {list(rates)} Hz", rtol=CLOSED_FORM_RTOL,
                     hint="x* = (1 - E) / (1 - (1 - U) E) with E = exp(-T / tau_d); efficacy = U x*.")
    high = float(theory.stp_steady_efficacy(TsodyksMarkram(), 100.0))
    return f"steady state right from 1 to 100 Hz; at 100 Hz efficacy {high:.4f} ~ 1/(rate tau_d) = {1 / 80:.4f}"
