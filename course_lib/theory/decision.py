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

__all__ = ["reduced_rate_inverse_pa", "reduced_nullcline", "reduced_jacobian", "reduced_fixed_points",
           "reduced_spontaneous_state", "classify_fixed_point", "noise_free_decision_time", "weibull_accuracy",
           "fit_weibull"]


def reduced_rate_inverse_pa(model, rate_hz, x_low=-5000.0, x_high=10000.0, n_iter=64):
    """Input current x (pA) at which H(x) equals rate_hz (> 0), by bisection (H increases with x)."""
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
    """
    s_own = np.asarray(s_own, dtype=float)
    rate_needed = s_own / ((1.0 - s_own) * model.gamma * hz_to_per_ms(1.0) * model.tau_s)
    x = reduced_rate_inverse_pa(model, rate_needed)
    return (model.j_self * s_own + model.i_0 + external_own_pa - x) / model.j_cross


def reduced_jacobian(model, s, external_pa=0.0):
    """Jacobian d(dS_i/dt)/dS_j (1/ms) of the noise-free reduced model at s (..., 2), shape (..., 2, 2)."""
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
    external_pa = np.broadcast_to(np.asarray(external_pa, dtype=float), (2,))

    def along_nullcline(s1):
        s = np.stack([s1, reduced_nullcline(model, s1, external_pa[0])], axis=-1)
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
                   jac=lambda s: reduced_jacobian(model, s, external_pa), tol=1e-14)
        point = sol.x if sol.success else guess
        if not any(np.allclose(point, other, atol=1e-7) for other in found):
            found.append(point)
    points = np.array(found).reshape(-1, 2)
    return points[np.argsort(points[:, 0] - points[:, 1])]


def classify_fixed_point(jacobian):
    """'stable' (all eigenvalues with negative real part), 'unstable' (all positive) or 'saddle' (mixed)."""
    real = np.linalg.eigvals(np.asarray(jacobian, dtype=float)).real
    if np.all(real < 0):
        return "stable"
    if np.all(real > 0):
        return "unstable"
    return "saddle"


def reduced_spontaneous_state(model):
    """The symmetric low-activity fixed point (S, S) without stimulus: the state before a trial starts."""
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
    c = np.abs(np.asarray(coherence, dtype=float))
    return 1.0 - 0.5 * np.exp(-(c / alpha) ** beta)


def fit_weibull(coherence, accuracy, n_trials=None):
    """Least-squares fit of weibull_accuracy to (coherence %, fraction correct); returns (alpha %, beta).

    alpha is the threshold (accuracy 1 - 0.5/e = 81.6 % there) and beta the slope. With n_trials
    (per point) each point is weighted by its binomial standard error.
    """
    coherence, accuracy = np.asarray(coherence, dtype=float), np.asarray(accuracy, dtype=float)
    if coherence.shape != accuracy.shape or coherence.size < 2:
        raise ValueError(f"give matching coherence and accuracy arrays of at least 2 points "
                         f"(got shapes {coherence.shape} and {accuracy.shape}).")
    sigma = None
    if n_trials is not None:
        n = np.broadcast_to(np.asarray(n_trials, dtype=float), accuracy.shape)
        sigma = np.sqrt(np.maximum(accuracy * (1.0 - accuracy), 0.25 / n) / n)
    above = coherence[accuracy >= 1.0 - 0.5 / np.e]
    alpha_guess = above.min() if above.size else coherence.max()
    (alpha, beta), _ = curve_fit(weibull_accuracy, coherence, accuracy, p0=(max(alpha_guess, 1e-3), 1.5),
                                 sigma=sigma, bounds=([1e-6, 0.1], [1e4, 10.0]))
    return float(alpha), float(beta)
