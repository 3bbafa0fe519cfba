"""Checks for chapter 10 (decision making): the reduced model's input-output function, its dynamics,
the classification of a fixed point, and the Weibull fit of a psychometric curve.

Each check runs the student's function on cases it chooses, compares with the reference
(course_lib.models.decision.WongWang, course_lib.theory) and names the most likely mistake when they
differ. Units: currents pA, rates Hz, times ms, coherence %.
"""
import dataclasses

import numpy as np
from scipy.optimize import curve_fit

from .. import theory
from ..models.decision import WongWang
from . import NotYet, case_rng, check

RATE_RTOL = 1e-6      # H is a closed formula: only round-off separates two correct versions
DRIFT_RTOL = 1e-6     # the same holds for dS/dt
FIT_RTOL = 1e-3       # noise-free Weibull data: a converged least-squares fit recovers alpha, beta to ~1e-6


def _as_float_array(value, what, shape):
    """Turn a student's result into a float array of the given shape, or say what was wrong."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise NotYet(f"{what} should be numbers; got {type(value).__name__}.") from None
    if arr.shape != shape:
        raise NotYet(f"{what} should have shape {shape} (one value per input), got shape {arr.shape}. "
                     "Work on whole arrays with numpy operations, not on single numbers.")
    return arr


def _call_quietly(func, *args):
    """Call student code with numpy warnings silenced (0/0 in an unused np.where branch is fine)."""
    with np.errstate(all="ignore"):
        try:
            return func(*args)
        except ValueError as err:
            if "truth value of an array" in str(err):
                raise NotYet("your function receives numpy arrays; 'if' on an array is ambiguous. Use "
                             "np.where(condition, value_if_true, value_if_false) instead.") from None
            raise


# --------------------------------------------------------------------------------------------
# (a) the input-output function H(x)
# --------------------------------------------------------------------------------------------

def _h_variant(x, a, b, d, sign=-1.0):
    """(a x - b) / (1 - exp(sign d (a x - b))) without any care for the singularity."""
    u = a * x - b
    with np.errstate(all="ignore"):
        return u / (1.0 - np.exp(sign * d * u))


def _diagnose_io(x, got, model):
    """Name the mistake of an input-output function that differs from H."""
    expected = model.rate_hz(x)
    singular = np.isclose(model.a * x - model.b, 0.0, atol=1e-9)
    if np.any(~np.isfinite(got[singular])) or not np.allclose(got[singular], expected[singular], rtol=1e-4):
        k = int(np.flatnonzero(singular)[0])
        return (f"at x = {x[k]:.6g} pA, where a x - b = 0, expected H = 1/d = {expected[k]:.6g} Hz, got {got[k]:.6g}. "
                "The formula is 0/0 there, but the limit exists (a removable singularity): handle |a x - b| close "
                "to 0 separately (e.g. np.where with a safe denominator), or write H = 1 / (d exprel(-d (a x - b))) "
                "with scipy.special.exprel.")
    regular = ~singular
    candidates = {
        "the sign in the exponent is flipped: the denominator is 1 - exp(-d (a x - b)), so that H > 0 and "
        "H ~ a x - b for large input": _h_variant(x, model.a, model.b, model.d, sign=+1.0),
        "d looks like it is in ms (154): d = 0.154 s, because a x - b is a rate in Hz (1/s)":
            _h_variant(x, model.a, model.b, model.d * 1000.0),
        "a looks like it is in Hz/nA (270) while x is in pA: use a = 0.270 Hz/pA":
            _h_variant(x, model.a * 1000.0, model.b, model.d),
    }
    for message, values in candidates.items():
        if np.allclose(got[regular], values[regular], rtol=1e-4, equal_nan=True):
            return message
    k = int(np.argmax(np.abs(got - expected) / np.abs(expected)))
    return (f"at x = {x[k]:.6g} pA expected H = {expected[k]:.6g} Hz, got {got[k]:.6g} Hz. Compare with "
            "H(x) = (a x - b) / (1 - exp(-d (a x - b))) using the model's a, b and d.")


@check("io_function: the reduced model's input-output function H(x)",
       forbid=(WongWang.rate_hz, WongWang.rate_slope, WongWang.ds_dt, WongWang.step))
def check_io_function(io_function):
    """H on a grid of currents including the removable singularity, against WongWang.rate_hz; then models with
    other a, b, d (one random) at random currents."""
    model = WongWang()
    x = np.array([0.0, 250.0, 330.0, 380.0, model.b / model.a, 410.0, 450.0, 600.0, 1500.0])
    got = _as_float_array(_call_quietly(io_function, x.copy(), model), "io_function(x, model)", x.shape)
    expected = model.rate_hz(x)
    if not np.all(np.isfinite(got)) or not np.allclose(got, expected, rtol=RATE_RTOL, atol=1e-12):
        raise NotYet(_diagnose_io(x, got, model))
    rng = case_rng()
    random_model = dataclasses.replace(model, a=float(np.round(rng.uniform(0.15, 0.4), 4)),
                                       b=float(np.round(rng.uniform(60.0, 160.0), 3)),
                                       d=float(np.round(rng.uniform(0.08, 0.25), 4)))
    for other in (dataclasses.replace(model, a=0.31, b=125.0, d=0.16), random_model):  # parameters come from model
        x2 = np.sort(np.concatenate([[other.b / other.a], rng.uniform(0.0, 1200.0, 4)]))
        got2 = _as_float_array(_call_quietly(io_function, x2.copy(), other), "io_function(x, model)", x2.shape)
        if not np.allclose(got2, other.rate_hz(x2), rtol=RATE_RTOL):
            if np.allclose(got2, model.rate_hz(x2), rtol=RATE_RTOL):
                raise NotYet("with a model of different a, b, d your function gave the old values: read a, b and d "
                             "from the model argument (model.a, model.b, model.d) instead of typing the numbers in.")
            raise NotYet(f"with a = {other.a}, b = {other.b}, d = {other.d}: " + _diagnose_io(x2, got2, other))
    return (f"H matches on {x.size} currents and for two other models to {RATE_RTOL:g}, including the singular "
            f"point x = b/a = {model.b / model.a:.0f} pA where H = 1/d = {1 / model.d:.3f} Hz")


# --------------------------------------------------------------------------------------------
# (b) the dynamics dS/dt
# --------------------------------------------------------------------------------------------

def _drift_variant(model, s, external, cross_sign=-1.0, saturation=True, per_ms=1e-3, gamma=None, swap=False):
    """dS/dt with one deliberate change, to recognise a student's mistake."""
    gamma = model.gamma if gamma is None else gamma
    ext = external[..., ::-1] if swap else external
    x = model.j_self * s + cross_sign * model.j_cross * s[..., ::-1] + model.i_0 + ext
    drive = gamma * model.rate_hz(x) * per_ms
    return -s / model.tau_s + ((1.0 - s) if saturation else 1.0) * drive


def _diagnose_drift(model, s, external, got):
    candidates = {
        "the cross term has the wrong sign: pool 2 inhibits pool 1, x_1 = J_self S_1 - J_cross S_2 + I_0 + I_1":
            _drift_variant(model, s, external, cross_sign=+1.0),
        "the saturation factor (1 - S) is missing: dS/dt = -S/tau_s + (1 - S) gamma H(x)":
            _drift_variant(model, s, external, saturation=False),
        "unit slip: H is in Hz (per second) while time is in ms; multiply gamma H by 1e-3 (or use "
        "course_lib.units.hz_to_per_ms)": _drift_variant(model, s, external, per_ms=1.0),
        "gamma is missing from the growth term (1 - S) gamma H(x)": _drift_variant(model, s, external, gamma=1.0),
        "the stimulus reached the wrong pool: pool 1 gets external[..., 0], pool 2 external[..., 1]":
            _drift_variant(model, s, external, swap=True),
    }
    for message, values in candidates.items():
        if np.allclose(got, values, rtol=1e-4, atol=1e-12):
            return message
    expected = model.ds_dt(s, external)
    k = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape)
    return (f"at S = {np.round(s[k[0]], 3)} with input {np.round(external[k[0]], 2)} pA, expected dS_{k[1] + 1}/dt = "
            f"{expected[k]:.6g} /ms, got {got[k]:.6g} /ms. Check x_i = J_self S_i - J_cross S_j + I_0 + I_i and "
            "dS_i/dt = -S_i/tau_s + (1 - S_i) gamma H(x_i).")


@check("reduced_rhs: the dynamics dS/dt of both pools", forbid=(WongWang.ds_dt, WongWang.step, WongWang.input_pa))
def check_reduced_rhs(reduced_rhs):
    """dS/dt at random states and inputs (no noise), against WongWang.ds_dt."""
    model = WongWang()
    rng = case_rng()
    s = rng.uniform(0.0, 0.8, size=(24, 2))
    external = model.stimulus_pa(rng.choice([0.0, 6.4, 25.6, -51.2, 100.0], size=24))
    external[:4] = 0.0                                                      # a few without stimulus
    got = _as_float_array(_call_quietly(reduced_rhs, s.copy(), external.copy(), model),
                          "reduced_rhs(s, external_pa, model)", s.shape)
    expected = model.ds_dt(s, external)
    if not np.allclose(got, expected, rtol=DRIFT_RTOL, atol=1e-13):
        raise NotYet(_diagnose_drift(model, s, external, got))
    return f"dS/dt matches at {s.shape[0]} states and inputs to {DRIFT_RTOL:g} (relative)"


# --------------------------------------------------------------------------------------------
# (c) classify a fixed point from its Jacobian
# --------------------------------------------------------------------------------------------

CLASSIFY_CASES = [
    ("a stable node", [[-1.0, 0.2], [0.1, -2.0]], "stable"),
    ("a stable focus (complex eigenvalues -0.1 +- 1i)", [[-0.1, 1.0], [-1.0, -0.1]], "stable"),
    ("a saddle with negative trace", [[0.5, 0.0], [0.0, -2.0]], "saddle"),
    ("an unstable node (det > 0)", [[1.0, 0.3], [0.0, 2.0]], "unstable"),
    ("an unstable focus", [[0.2, 1.0], [-1.0, 0.2]], "unstable"),
    ("a saddle with positive trace", [[2.0, 0.0], [0.0, -0.5]], "saddle"),
]


def _label(answer):
    """Map a student's answer onto 'stable', 'saddle' or 'unstable' (None if it is none of them)."""
    if not isinstance(answer, str):
        return None
    text = answer.strip().lower()
    for word in ("saddle", "unstable", "stable"):           # 'unstable' contains 'stable': test it first
        if word in text:
            return word
    return None


def _by_trace(jac):
    return "stable" if np.trace(jac) < 0 else "unstable"


def _by_det(jac):
    return "saddle" if np.linalg.det(jac) < 0 else "stable"


def _random_jacobians(rng):
    """One random 2x2 Jacobian of each kind, from chosen eigenvalues (real or complex) and a random basis."""
    out = []
    for kind, signs in (("stable", (-1, -1)), ("saddle", (-1, 1)), ("unstable", (1, 1))):
        basis = rng.normal(size=(2, 2)) + 2 * np.eye(2)
        values = np.array(signs) * rng.uniform(0.1, 3.0, 2)
        jac = basis @ np.diag(values) @ np.linalg.inv(basis)
        if kind != "saddle" and rng.random() < 0.5:           # a focus: complex pair with that real part
            re, im = signs[0] * rng.uniform(0.1, 2.0), rng.uniform(0.2, 3.0)
            jac = basis @ np.array([[re, im], [-im, re]]) @ np.linalg.inv(basis)
        out.append((f"a random {kind} point", np.round(jac, 6).tolist(), kind))
    return out


@check("classify_fixed_point: stable, saddle or unstable from the Jacobian", forbid=(theory.classify_fixed_point,))
def check_classify_fixed_point(classify_fixed_point):
    """Six 2x2 Jacobians covering nodes, foci and saddles, three random ones, then the reduced model's own fixed
    points."""
    model = WongWang()
    cases = list(CLASSIFY_CASES) + _random_jacobians(case_rng())
    external = model.stimulus_pa(0.0)
    for point in theory.reduced_fixed_points(model, external):
        jac = theory.reduced_jacobian(model, point, external)
        cases.append((f"the reduced model's fixed point S = ({point[0]:.3f}, {point[1]:.3f}) at c = 0",
                      jac.tolist(), theory.classify_fixed_point(jac)))
    answers = []
    for name, jac, expected in cases:
        raw = classify_fixed_point(np.array(jac, dtype=float))
        label = _label(raw)
        if label is None:
            raise NotYet(f"for {name} your function returned {raw!r}; return one of the strings 'stable', "
                         "'saddle' or 'unstable'.")
        answers.append((name, jac, expected, label))
    wrong = [(name, jac, expected, label) for name, jac, expected, label in answers if label != expected]
    if wrong:
        if all(label == _by_trace(np.array(jac)) for _, jac, _, label in answers):
            hint = ("Your answers follow the sign of the trace alone; a negative trace does not rule out a saddle. "
                    "Look at both eigenvalues (np.linalg.eigvals): their real parts decide.")
        elif all(label == _by_det(np.array(jac)) for _, jac, _, label in answers):
            hint = ("Your answers follow the sign of the determinant alone; det > 0 holds for unstable nodes too. "
                    "Look at the real parts of both eigenvalues.")
        else:
            hint = ("compute the eigenvalues with np.linalg.eigvals and compare their real parts with zero: all "
                    "negative -> 'stable', all positive -> 'unstable', mixed signs -> 'saddle'.")
        name, jac, expected, label = wrong[0]
        eig = np.linalg.eigvals(np.array(jac))
        raise NotYet(f"for {name}, J = {np.round(np.array(jac), 4).tolist()}, eigenvalues {np.round(eig, 4)}: "
                     f"expected '{expected}', got '{label}'. {hint}")
    return f"all {len(cases)} Jacobians classified correctly (nodes, foci, saddles and the model's own fixed points)"


# --------------------------------------------------------------------------------------------
# (d) fit a Weibull psychometric function
# --------------------------------------------------------------------------------------------

def _fit_without_floor(c, acc):
    """What a fit of 1 - exp(-(c/alpha)^beta) (no chance level) returns: to recognise that mistake."""
    try:
        (alpha, beta), _ = curve_fit(lambda x, a, b: 1.0 - np.exp(-(x / a) ** b), c, acc, p0=(5.0, 1.0),
                                     bounds=([1e-6, 0.05], [1e4, 10.0]))
    except RuntimeError:
        return np.nan, np.nan
    return alpha, beta


@check("fit_weibull: threshold and slope of a psychometric curve", forbid=(theory.fit_weibull,))
def check_fit_weibull(fit_weibull):
    """Noise-free Weibull data of known alpha, beta (two fixed, one random), and a noisy data set against the
    reference fit."""
    rng = case_rng()
    coherence = np.array([0.0, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2])
    for alpha, beta in ((8.0, 1.5), (3.0, 1.1), (float(np.round(rng.uniform(2.5, 20.0), 3)),
                                                 float(np.round(rng.uniform(0.9, 2.5), 3)))):
        accuracy = theory.weibull_accuracy(coherence, alpha, beta)
        with np.errstate(all="ignore"):
            result = fit_weibull(coherence.copy(), accuracy.copy())
        got = _as_float_array(result, "fit_weibull(coherence, accuracy)", (2,))
        if np.allclose(got, [alpha, beta], rtol=FIT_RTOL):
            continue
        if np.allclose(got, [beta, alpha], rtol=FIT_RTOL):
            raise NotYet(f"data made with alpha = {alpha}, beta = {beta}: you returned ({got[0]:.4g}, {got[1]:.4g}), "
                         "the two swapped. Return (alpha, beta) in that order.")
        if np.allclose(got, [alpha / 100.0, beta], rtol=1e-2):
            raise NotYet(f"alpha came out as {got[0]:.4g} instead of {alpha}: coherence is in %, keep alpha in % too.")
        if np.allclose(got, _fit_without_floor(coherence, accuracy), rtol=1e-2):
            raise NotYet(f"data made with alpha = {alpha} %, beta = {beta}: your fit ({got[0]:.4g}, {got[1]:.4g}) "
                         "matches the curve 1 - exp(-(c/alpha)^beta), which starts at 0. In a two-choice task "
                         "accuracy starts at chance, 0.5: fit 1 - 0.5 exp(-(c/alpha)^beta).")
        raise NotYet(f"data made exactly from the Weibull function with alpha = {alpha} %, beta = {beta}: you "
                     f"returned alpha = {got[0]:.4g}, beta = {got[1]:.4g}. Fit 1 - 0.5 exp(-(c/alpha)^beta) with "
                     "scipy.optimize.curve_fit (give a starting guess p0, e.g. (10, 1.5)).")
    noisy = rng.binomial(300, theory.weibull_accuracy(coherence, 6.0, 1.3)) / 300
    reference = np.array(theory.fit_weibull(coherence, noisy))
    with np.errstate(all="ignore"):
        got = _as_float_array(fit_weibull(coherence.copy(), noisy.copy()), "fit_weibull(coherence, accuracy)", (2,))
    if not np.allclose(got, reference, rtol=1e-2):
        raise NotYet(f"on noisy data (300 trials per point) the least-squares fit is alpha = {reference[0]:.3f} %, "
                     f"beta = {reference[1]:.3f}; you returned ({got[0]:.4g}, {got[1]:.4g}). Check the starting guess "
                     "and that you fit every point, c = 0 included.")
    return (f"recovered (alpha, beta) = (8, 1.5) and (3, 1.1) to {FIT_RTOL:g}, and the noisy fit "
            f"({reference[0]:.2f} %, {reference[1]:.2f}) to 1 %")
