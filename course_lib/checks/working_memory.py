"""Checks for chapter 09 (working memory): the order of the STP update at a spike, a bisection for the
delay at which a memory is lost, the fixed-point condition of the rate model, and its bistable range.

Each check runs the student's function on cases it chooses, compares with course_lib (plasticity,
theory.working_memory) and names the most likely mistake when they differ. Units: ms, Hz.
"""
import numpy as np

from .. import theory
from ..models.working_memory import RateModel
from ..plasticity import TsodyksMarkram
from . import NotYet, as_float_array, as_number, as_tuple, case_rng, check, expect_close

STP_RTOL = 1e-9          # closed-form update: only round-off
INPUT_RTOL = 1e-7        # closed-form fixed-point condition: only round-off
RANGE_ATOL_HZ = 0.01     # folds found on a rate grid: a grid of 1000 log-spaced rates puts I_b within ~1e-3 Hz


def _three_arrays(out, what, shape):
    out = as_tuple(out, 3, what, "u, x, efficacy")
    return [as_float_array(value, f"{what}: {name}", shape, hint="(one value per synapse)")
            for name, value in zip(("u", "x", "efficacy"), out)]


# --------------------------------------------------------------------------------------------
# (1) the STP update at a spike
# --------------------------------------------------------------------------------------------

def _stp_alternatives(stp, u, x, interval):
    """Plausible wrong updates, each as (u, x, efficacy), with the mistake it stands for."""
    u_r, x_r = stp.relax(u, x, interval)
    U = stp.u_se
    u_jump = u_r + U * (1 - u_r)
    u0 = np.asarray(u, dtype=float)
    x0 = np.asarray(x, dtype=float)
    u_to_zero = u0 * np.exp(-interval / stp.tau_f) if stp.tau_f > 0 else 0.0 * u0
    u_to_zero_jump = u_to_zero + U * (1 - u_to_zero)
    return [
        ((u_jump, x_r - u_r * x_r, u_r * x_r),
         "the efficacy used u before the spike facilitated it. Facilitate first, u -> u + U (1 - u), "
         "then release u x with the new u"),
        ((u_jump, x_r - u_r * x_r, u_jump * x_r),
         "x lost u x with the old u, but the spike released u x with the new u: x must lose exactly the "
         "efficacy u+ x it released"),
        ((u_jump, x_r, u_jump * x_r),
         "x did not drop at the spike: the released resources must be removed, x -> x - u x"),
        ((u_r + U, x_r - (u_r + U) * x_r, (u_r + U) * x_r),
         "u jumped by U; it should jump by U (1 - u), so that it never exceeds 1"),
        ((u0 + U * (1 - u0), x0 - (u0 + U * (1 - u0)) * x0, (u0 + U * (1 - u0)) * x0),
         "u and x did not relax over the interval since the previous spike: relax them first "
         "(u towards u_rest with tau_f, x towards 1 with tau_d)"),
        ((u_to_zero_jump, x_r - u_to_zero_jump * x_r, u_to_zero_jump * x_r),
         "u relaxed towards 0; in this model it relaxes towards stp.u_rest (U for Mongillo et al. 2008)"),
    ]


@check("stp_spike_update: relax, facilitate, then release",
       forbid=(TsodyksMarkram.on_spike, TsodyksMarkram.release, TsodyksMarkram.efficacies, TsodyksMarkram.step))
def check_stp_spike_update(stp_spike_update):
    """Three published synapses and a random one, five synapses each, intervals from 0.5 ms to infinity."""
    rng = case_rng()
    u_se = float(np.round(rng.uniform(0.05, 0.6), 3))
    cases = [TsodyksMarkram.mongillo2008(), TsodyksMarkram.facilitating(), TsodyksMarkram.depressing(),
             TsodyksMarkram(u_se=u_se, tau_d=float(np.round(rng.uniform(50.0, 900.0), 1)),
                            tau_f=float(np.round(rng.uniform(100.0, 2500.0), 1)),
                            u_rest=float(rng.choice([0.0, u_se])))]
    interval = np.array([0.5, 20.0, 150.0, 900.0, np.inf])
    for stp in cases:
        u = rng.uniform(stp.u_rest, 0.95, interval.size)
        x = rng.uniform(0.2, 1.0, interval.size)
        got = _three_arrays(stp_spike_update(u.copy(), x.copy(), interval, stp), "stp_spike_update", interval.shape)
        expected = stp.on_spike(u, x, interval)
        if all(np.allclose(g, e, rtol=STP_RTOL, atol=1e-12) for g, e in zip(got, expected)):
            continue
        for wrong, mistake in _stp_alternatives(stp, u, x, interval):
            if all(np.allclose(g, w, rtol=1e-9, atol=1e-12) for g, w in zip(got, wrong)):
                raise NotYet(f"with U = {stp.u_se}, tau_f = {stp.tau_f} ms, tau_d = {stp.tau_d} ms: {mistake}.")
        for name, g, e in zip(("u", "x", "efficacy"), got, expected):
            expect_close(g, e, f"{name} after a spike (U = {stp.u_se}, tau_f = {stp.tau_f} ms, intervals "
                               f"{interval.tolist()} ms)", rtol=STP_RTOL, atol=1e-12,
                         hint="Order: relax over the interval, u -> u + U (1 - u), efficacy = u x, x -> x - u x.")
    return "matches TsodyksMarkram.on_spike for the Mongillo, facilitating and depressing synapses and a random one"


# --------------------------------------------------------------------------------------------
# (2) bisection for the delay at which the memory is lost
# --------------------------------------------------------------------------------------------

@check("forgetting_delay_ms: bisection for the delay at which recall fails")
def check_forgetting_delay(forgetting_delay_ms):
    """Synthetic memories with known lifetimes (three fixed, two random); the search must be within tolerance and
    take ~log2 steps."""
    rng = case_rng()
    cases = [(2345.6, 250.0, 8000.0, 10.0), (777.7, 100.0, 5000.0, 25.0), (5012.3, 0.0, 6000.0, 1.0)]
    for _ in range(2):
        low = float(np.round(rng.uniform(0.0, 500.0), 1))
        high = float(np.round(low + rng.uniform(1000.0, 10000.0), 1))
        cases.append((float(np.round(rng.uniform(low + 0.05 * (high - low), high - 0.05 * (high - low)), 2)), low,
                      high, float(rng.choice([1.0, 5.0, 10.0, 20.0]))))
    for lifetime, low, high, tolerance in cases:
        calls = []

        def recalls(delay_ms, lifetime=lifetime, calls=calls):
            calls.append(float(delay_ms))
            return float(delay_ms) < lifetime

        result = as_number(forgetting_delay_ms(recalls, low, high, tolerance), "forgetting_delay_ms (the delay in ms)")
        where = f"memory lost at {lifetime} ms, search between {low} and {high} ms, tolerance {tolerance} ms"
        budget = int(np.ceil(np.log2((high - low) / tolerance))) + 3
        if abs(result - lifetime) > tolerance:
            if min(abs(result - low), abs(result - high)) <= tolerance:
                raise NotYet(f"{where}: you returned {result:g} ms, an end of the interval. Your search moves the "
                             "wrong end: if recall succeeds at the middle, the memory is lost later, so the lower "
                             "end moves up to the middle (and the upper end moves down when recall fails).")
            raise NotYet(f"{where}: expected a delay within {tolerance} ms of {lifetime}, got {result:g} ms. "
                         "Stop when high - low < tolerance and return their midpoint.")
        if len(calls) > budget:
            raise NotYet(f"{where}: you called recalls {len(calls)} times; bisection needs about {budget - 3}. "
                         "Halve the interval at each call instead of scanning it.")
    return "finds the lifetime within tolerance for five memories, in about log2((high - low)/tolerance) calls"


# --------------------------------------------------------------------------------------------
# (3) the fixed-point condition of the rate model
# --------------------------------------------------------------------------------------------

MODELS = (RateModel(), RateModel(p=1), RateModel(p=4, u_se=0.5, tau_d=200.0, j_ei=1.5))


def _background_alternatives(model, r):
    """Plausible wrong versions of the background needed for all populations to fire at r."""
    phi_inv = model.input_for_rate(r)
    u, x = theory.rate_model_stp_steady_state(model, r)
    inhibition = model.j_ei * model.rate_hz(model.j_ie * model.p * r + model.i_inh)
    r_slip = r                                               # Hz used as if it were per ms
    u_slip = (model.u_se / model.tau_f + model.u_se * r_slip) / (1.0 / model.tau_f + model.u_se * r_slip)
    x_slip = 1.0 / (1.0 + u_slip * model.tau_d * r_slip)
    return [
        (phi_inv - model.j_ee * u * x * r, "you left out the inhibition J_EI phi(J_IE p r) that the pool sends back"),
        (phi_inv - model.j_ee * u * x * r + model.j_ei * model.rate_hz(model.j_ie * r + model.i_inh),
         "the inhibitory pool is driven by all p populations: its input is J_IE p r"),
        (phi_inv - model.j_ee * model.u_se * x * r + inhibition,
         "u is not U at a steady rate: use its steady state u*(r) = (U/tau_f + U r)/(1/tau_f + U r)"),
        (phi_inv - model.j_ee * u * r + inhibition,
         "x is not 1 at a steady rate: use its steady state x*(r) = 1/(1 + u* tau_d r)"),
        (phi_inv - model.j_ee * u_slip * x_slip * r + inhibition,
         "unit slip: tau_f and tau_d are in ms and r in Hz; convert r with hz_to_per_ms (r / 1000) first"),
        (phi_inv + model.j_ee * u * x * r + inhibition,
         "sign of the recurrent term: recurrent excitation helps, so it is subtracted from the input needed"),
        (model.rate_hz(r) - model.j_ee * u * x * r + inhibition,
         "use the inverse of the rate function, h = alpha ln(exp(r/alpha) - 1) (model.input_for_rate), not phi(r)"),
    ]


def _random_rate_model(rng, **fixed):
    values = dict(p=int(rng.integers(1, 20)), j_ee=float(np.round(rng.uniform(5.0, 11.0), 3)),
                  j_ie=float(np.round(rng.uniform(1.0, 2.5), 3)), j_ei=float(np.round(rng.uniform(0.5, 1.8), 3)),
                  u_se=float(np.round(rng.uniform(0.1, 0.6), 3)), tau_f=float(np.round(rng.uniform(500.0, 2500.0))),
                  tau_d=float(np.round(rng.uniform(100.0, 500.0))), alpha=float(np.round(rng.uniform(1.0, 2.5), 3)))
    values.update(fixed)
    return RateModel(**values)


@check("background_for_rate: the input that holds every population at rate r",
       forbid=(theory.uniform_state_background, theory.rate_model_input_needed, theory.rate_model_stp_steady_state,
               theory.rate_model_fixed_point))
def check_background_for_rate(background_for_rate):
    """Three models (p = 16, 1, 4) at rates from 0.05 to 30 Hz, and a random model at random rates."""
    rng = case_rng()
    cases = [(model, np.array([0.05, 0.3, 1.0, 4.0, 12.0, 30.0])) for model in MODELS]
    cases.append((_random_rate_model(rng), np.sort(np.round(np.exp(rng.uniform(np.log(0.02), np.log(60.0), 7)), 4))))
    for model, r in cases:
        try:
            got = np.asarray(background_for_rate(model, r.copy()), dtype=float)
        except (TypeError, ValueError):
            raise NotYet("background_for_rate should return numbers, one per rate.") from None
        expected = theory.uniform_state_background(model, r)
        where = f"p = {model.p}, U = {model.u_se}, tau_d = {model.tau_d} ms, rates {r.tolist()} Hz"
        if got.shape == expected.shape and np.allclose(got, expected, rtol=INPUT_RTOL, atol=1e-9):
            continue
        for wrong, mistake in _background_alternatives(model, r):
            if got.shape == wrong.shape and np.allclose(got, wrong, rtol=1e-6, atol=1e-9):
                raise NotYet(f"{where}: {mistake}.")
        expect_close(got, expected, f"background_for_rate ({where})", rtol=INPUT_RTOL, atol=1e-9,
                     hint="I_b = phi^-1(r) - J_EE u*(r) x*(r) r + J_EI phi(J_IE p r + I_inh).")
    return "matches theory.uniform_state_background for three models (p = 16, 1 and 4) and a random one"


# --------------------------------------------------------------------------------------------
# (4) the bistable range
# --------------------------------------------------------------------------------------------

RANGE_MODELS = (RateModel(p=1), RateModel(p=1, tau_d=200.0), RateModel(p=1, j_ee=10.0))


def _random_bistable_model(rng):
    """A random single-population model with two folds well inside 0.01-200 Hz (else the first fixed one)."""
    for _ in range(40):
        model = _random_rate_model(rng, p=1, j_ee=float(np.round(rng.uniform(7.0, 11.0), 3)))
        folds = theory.rate_model_folds(model)
        if len(folds) >= 2 and all(0.01 < r < 200.0 for r, _ in folds[:2]) and abs(folds[0][1] - folds[1][1]) > 0.2:
            return model
    return RANGE_MODELS[0]


@check("bistable_range: the inputs between which three fixed points exist",
       forbid=(theory.rate_model_bistable_range, theory.rate_model_folds, theory.uniform_state_background))
def check_bistable_range(bistable_range):
    """Three single-population models and a random one; the folds of theory.uniform_state_background give the
    answer."""
    for model in RANGE_MODELS + (_random_bistable_model(case_rng()),):
        out = as_tuple(bistable_range(model), 2, "bistable_range", "I_low, I_high in Hz")
        low, high = (float(np.asarray(v, dtype=float)) for v in out)
        exp_low, exp_high = theory.rate_model_bistable_range(model)
        where = f"p = 1, J_EE = {model.j_ee}, tau_d = {model.tau_d} ms"
        folds = [r for r, _ in theory.rate_model_folds(model)]
        if np.allclose(sorted([low, high]), sorted(folds), atol=0.05):
            raise NotYet(f"{where}: you returned the rates at the folds ({low:.3g}, {high:.3g} Hz); return the "
                         "background inputs I_b at the folds instead.")
        if np.isclose(low, exp_high, atol=RANGE_ATOL_HZ) and np.isclose(high, exp_low, atol=RANGE_ATOL_HZ):
            raise NotYet(f"{where}: the two ends are swapped; return (I_low, I_high) with I_low < I_high.")
        expect_close([low, high], [exp_low, exp_high], f"bistable range ({where}), Hz", atol=RANGE_ATOL_HZ,
                     hint="Evaluate background_for_rate on a fine grid of rates (log-spaced, 1e-3 to 300 Hz) and "
                          "find where it turns (its differences change sign); return the two I_b values there.")
    return "finds the two folds of three single-population models and a random one to within 0.01 Hz"
