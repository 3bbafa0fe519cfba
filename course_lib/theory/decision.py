"""Theory of decision making: the reduced model's phase plane and the psychometric function.

Phase plane of the Wong & Wang (2006) two-variable model (course_lib.models.decision.WongWang):
nullclines, fixed points found with a root solver, their stability from the eigenvalues of the
Jacobian, and the noise-free decision time. Psychometric function: the Weibull form
P(correct) = 1 - 0.5 exp(-(c/alpha)^beta), as fitted by Wang (2002), and its fit. Units: gating dimensionless, currents pA, rates Hz, times ms, coherence %.
"""
import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import brentq, curve_fit, root

from ..units import hz_to_per_ms
from ..validation import (MAX_STEPS, require_above, require_count, require_finite, require_in_range, require_model,
                          require_non_negative, require_number, require_positive)

MODEL_NEEDS = ("rate_hz", "rate_slope", "ds_dt", "input_pa", "stimulus_pa", "j_self", "j_cross", "i_0", "gamma",
               "tau_s")


def _model(model):
    """Raise InputTypeError unless model is a reduced decision model such as WongWang()."""
    return require_model("model", model, needs=MODEL_NEEDS)


def _pair(name, value, unit="pA"):
    """value as finite numbers whose last axis has length 2 (one per pool), or a single number."""
    arr = require_finite(name, value, unit)
    if arr.ndim and arr.shape[-1] != 2:
        raise ValueError(f"{name} must be one number or hold one value per pool (last axis of length 2); "
                         f"got shape {arr.shape}.")
    return arr

__all__ = ["reduced_rate_inverse_pa", "reduced_nullcline", "reduced_jacobian", "reduced_fixed_points",
           "reduced_spontaneous_state", "classify_fixed_point", "noise_free_decision_time", "weibull_accuracy",
           "fit_weibull"]


def reduced_rate_inverse_pa(model, rate_hz, x_low=-5000.0, x_high=10000.0, n_iter=64):
    """Input current x (pA) at which H(x) equals rate_hz (> 0), by bisection (H increases with x).

    rate_hz must lie between H(x_low) and H(x_high) (ValueError otherwise).
    """
    _model(model)
    rate_hz = require_positive("rate_hz", rate_hz, "Hz")
    require_above("x_high", x_high, "x_low", x_low, "pA")
    n_iter = require_count("n_iter", n_iter, maximum=1000)
    low_rate, high_rate = float(model.rate_hz(x_low)), float(model.rate_hz(x_high))
    if np.any(rate_hz < low_rate) or np.any(rate_hz > high_rate):
        raise ValueError(f"rate_hz must lie between H(x_low) = {low_rate:.3g} Hz and H(x_high) = {high_rate:.3g} Hz "
                         f"(got {rate_hz if rate_hz.size < 7 else rate_hz.shape}); widen x_low .. x_high.")
    return _rate_inverse(model, rate_hz, x_low, x_high, n_iter)


def _rate_inverse(model, rate_hz, x_low=-5000.0, x_high=10000.0, n_iter=64):
    """reduced_rate_inverse_pa without checks: x_low or x_high where rate_hz lies outside their rates."""
    rate_hz = np.asarray(rate_hz, dtype=float)
    low, high = np.full(rate_hz.shape, x_low), np.full(rate_hz.shape, x_high)
    for _ in range(n_iter):
        middle = 0.5 * (low + high)
        too_low = model.rate_hz(middle) < rate_hz
        low, high = np.where(too_low, middle, low), np.where(too_low, high, middle)
    return 0.5 * (low + high)


def reduced_nullcline(model, s_own, external_own_pa=0.0):
    """Where a pool's gating is at rest: the other pool's S as a function of this pool's S.

    dS/dt = 0 needs H(x) = S / ((1 - S) gamma tau_s); invert H to get x, then solve
    x = J_self S - J_cross S_other + I_0 + I_ext for S_other. For the S1-nullcline pass s_own = S1
    and pool 1's external input; the result is S2 (by symmetry the same function gives S2's).
    s_own in [0, 1).
    """
    _model(model)
    s_own = require_in_range("s_own", s_own, 0.0, 1.0)
    if np.any(s_own >= 1.0):
        raise ValueError("s_own must be below 1 (the gating variable S lies in [0, 1); at S = 1 no finite rate "
                         "keeps it there).")
    require_finite("external_own_pa", external_own_pa, "pA")
    return _nullcline(model, s_own, external_own_pa)


def _nullcline(model, s_own, external_own_pa=0.0):
    s_own = np.asarray(s_own, dtype=float)
    rate_needed = s_own / ((1.0 - s_own) * model.gamma * hz_to_per_ms(1.0) * model.tau_s)
    x = _rate_inverse(model, rate_needed)
    return (model.j_self * s_own + model.i_0 + external_own_pa - x) / model.j_cross


def reduced_jacobian(model, s, external_pa=0.0):
    """Jacobian d(dS_i/dt)/dS_j (1/ms) of the noise-free reduced model at s (..., 2), shape (..., 2, 2)."""
    _model(model)
    s = require_finite("s", s)
    if s.ndim == 0 or s.shape[-1] != 2:
        raise ValueError(f"s must hold (S1, S2): an array whose last axis has length 2 (got shape {s.shape}).")
    external_pa = _pair("external_pa", external_pa)
    try:
        np.broadcast_shapes(s.shape, external_pa.shape)
    except ValueError:
        raise ValueError(f"external_pa {external_pa.shape} must broadcast against s {s.shape}.") from None
    return _jacobian(model, s, external_pa)


def _jacobian(model, s, external_pa=0.0):
    s = np.asarray(s, dtype=float)
    x = model.input_pa(s, external_pa)
    gain = model.gamma * hz_to_per_ms(1.0)                        # converts Hz to 1/ms, times gamma
    rate, slope = model.rate_hz(x), model.rate_slope(x)
    leak = -1.0 / model.tau_s - gain * rate                       # d/dS_i of the S_i terms
    coupling = (1.0 - s) * gain * slope                           # d/dx_i of (1 - S_i) gamma H(x_i)
    jac = np.empty(s.shape[:-1] + (2, 2))
    jac[..., 0, 0] = leak[..., 0] + coupling[..., 0] * model.j_self
    jac[..., 0, 1] = -coupling[..., 0] * model.j_cross
    jac[..., 1, 0] = -coupling[..., 1] * model.j_cross
    jac[..., 1, 1] = leak[..., 1] + coupling[..., 1] * model.j_self
    return jac


def reduced_fixed_points(model, external_pa=(0.0, 0.0), n_grid=2001):
    """All fixed points (S1, S2) of the noise-free model under constant external input (pA), shape (k, 2).

    Walk along the S1-nullcline, bracket the sign changes of dS2/dt there, locate each with brentq,
    then polish the point with scipy.optimize.root on both equations (analytic Jacobian).
    Sorted by S1 - S2 (pool-2 states first, pool-1 states last).
    """
    _model(model)
    if _pair("external_pa", external_pa).shape not in ((), (2,)):
        raise ValueError(f"external_pa must be one number or two (one per pool); got shape {np.shape(external_pa)}.")
    n_grid = require_count("n_grid", n_grid, minimum=3, maximum=10 ** 7)
    external_pa = np.broadcast_to(np.asarray(external_pa, dtype=float), (2,))

    def along_nullcline(s1):
        s = np.stack([s1, _nullcline(model, s1, external_pa[0])], axis=-1)
        return s, model.ds_dt(s, external_pa)[..., 1]

    s1_grid = np.linspace(1e-5, 1.0 - 1e-5, n_grid)
    s_grid, ds2 = along_nullcline(s1_grid)
    inside = (s_grid[:, 1] >= 0.0) & (s_grid[:, 1] <= 1.0)
    brackets = np.flatnonzero(inside[:-1] & inside[1:] & (np.sign(ds2[:-1]) != np.sign(ds2[1:])))
    found = []
    for i in brackets:
        s1_star = brentq(lambda v: float(along_nullcline(np.array(v))[1]), s1_grid[i], s1_grid[i + 1], xtol=1e-14)
        guess = along_nullcline(np.array(s1_star))[0]
        sol = root(lambda s: model.ds_dt(s, external_pa), guess,
                   jac=lambda s: _jacobian(model, s, external_pa), tol=1e-14)
        point = sol.x if sol.success else guess
        if not any(np.allclose(point, other, atol=1e-7) for other in found):
            found.append(point)
    points = np.array(found).reshape(-1, 2)
    return points[np.argsort(points[:, 0] - points[:, 1])]


def classify_fixed_point(jacobian):
    """'stable' (all eigenvalues with negative real part), 'unstable' (all positive) or 'saddle' (mixed)."""
    jacobian = require_finite("jacobian", jacobian)
    if jacobian.ndim != 2 or jacobian.shape[0] != jacobian.shape[1]:
        raise ValueError(f"jacobian must be a square matrix (got shape {jacobian.shape}).")
    real = np.linalg.eigvals(jacobian).real
    if np.all(real < 0):
        return "stable"
    if np.all(real > 0):
        return "unstable"
    return "saddle"


def reduced_spontaneous_state(model):
    """The symmetric low-activity fixed point (S, S) without stimulus: the state before a trial starts."""
    _model(model)
    points = reduced_fixed_points(model, (0.0, 0.0))
    symmetric = points[np.abs(points[:, 0] - points[:, 1]) < 1e-6]
    return symmetric[np.argmin(symmetric[:, 0])]


def noise_free_decision_time(model, coherence, threshold_hz=15.0, window_ms=50.0, mu0_hz=None, t_max=3000.0,
                             dt=0.5):
    """Time (ms) for the noise-free model, started at the spontaneous state, to reach threshold_hz.

    The stimulus of the given coherence (%) is switched on at t = 0; the rates are averaged over the
    trailing window_ms and sampled every dt, exactly as simulate_reduced reads out a decision. Returns
    inf if neither rate reaches the threshold within t_max (at c = 0 the path runs into the symmetric
    saddle and stays there).
    """
    _model(model)
    require_number("coherence", coherence, "%")
    require_positive("threshold_hz", threshold_hz, "Hz")
    require_positive("window_ms", window_ms, "ms")
    if mu0_hz is not None:
        require_non_negative("mu0_hz", mu0_hz, "Hz")
    t_max, dt = float(require_positive("t_max", t_max, "ms")), float(require_positive("dt", dt, "ms"))
    if not 1 <= t_max / dt <= MAX_STEPS:
        raise ValueError(f"t_max / dt = {t_max:g} / {dt:g} = {t_max / dt:.3g} samples: give t_max >= dt and at most "
                         f"{MAX_STEPS:.0e} samples (a larger dt or a shorter t_max).")
    external = model.stimulus_pa(coherence, mu0_hz)
    t = np.arange(0.0, t_max, dt)
    sol = solve_ivp(lambda _, s: model.ds_dt(s, external), (0.0, t_max), reduced_spontaneous_state(model), t_eval=t,
                    rtol=1e-9, atol=1e-12, max_step=10.0)
    rate = model.rate_hz(model.input_pa(sol.y.T, external))          # (n_t, 2), Hz
    window = max(int(round(window_ms / dt)), 1)
    total = np.cumsum(rate, axis=0)
    total[window:] -= total[:-window]
    mean_rate = total / np.minimum(np.arange(1, t.size + 1), window)[:, None]
    crossed = np.flatnonzero(mean_rate.max(axis=1) >= threshold_hz)
    return float(t[crossed[0]]) if crossed.size else np.inf


def weibull_accuracy(coherence, alpha, beta):
    """Weibull psychometric function: fraction correct 1 - 0.5 exp(-(c/alpha)^beta) at coherence c (%)."""
    require_positive("alpha", alpha, "%")
    require_positive("beta", beta)
    return _weibull(require_finite("coherence", coherence, "%"), alpha, beta)


def _weibull(coherence, alpha, beta):
    """weibull_accuracy without checks (curve_fit calls it many times)."""
    c = np.abs(np.asarray(coherence, dtype=float))
    return 1.0 - 0.5 * np.exp(-(c / alpha) ** beta)


def fit_weibull(coherence, accuracy, n_trials=None):
    """Least-squares fit of weibull_accuracy to (coherence %, fraction correct); returns (alpha %, beta).

    alpha is the threshold (accuracy 1 - 0.5/e = 81.6 % there) and beta the slope. With n_trials
    (per point) each point is weighted by its binomial standard error.
    """
    coherence, accuracy = require_finite("coherence", coherence, "%"), require_in_range("accuracy", accuracy, 0.0, 1.0)
    if coherence.shape != accuracy.shape or coherence.ndim != 1 or coherence.size < 2:
        raise ValueError(f"give matching 1-d coherence and accuracy arrays of at least 2 points "
                         f"(got shapes {coherence.shape} and {accuracy.shape}).")
    sigma = None
    if n_trials is not None:
        n_trials = require_positive("n_trials", n_trials)
        if n_trials.shape not in ((), accuracy.shape):
            raise ValueError(f"n_trials must be one number or one per point, shape {accuracy.shape} "
                             f"(got shape {n_trials.shape}).")
        n = np.broadcast_to(n_trials, accuracy.shape)
        sigma = np.sqrt(np.maximum(accuracy * (1.0 - accuracy), 0.25 / n) / n)
    above = coherence[accuracy >= 1.0 - 0.5 / np.e]
    alpha_guess = above.min() if above.size else coherence.max()
    (alpha, beta), _ = curve_fit(_weibull, coherence, accuracy, p0=(max(alpha_guess, 1e-3), 1.5),
                                 sigma=sigma, bounds=([1e-6, 0.1], [1e4, 10.0]))
    return float(alpha), float(beta)
