"""Helpers of the maths toolkit appendix (notebooks/90_maths_toolkit.ipynb): fixed points and eigenvalues,
a Hopf example, first passage of the Ornstein-Uhlenbeck membrane, renewal spike trains, Cramer-Rao.

    from course_lib.theory import toolkit
    toolkit.eigenvalues_from_trace_det(-0.3, 0.05)

Units: times ms, voltages mV, rates Hz, as everywhere in the course. The FitzHugh-Nagumo model is the one
exception: it is written in FitzHugh's scaled, dimensionless units (its time unit is not a ms).
This module is not re-exported by ``course_lib.theory`` (import it as ``course_lib.theory.toolkit``), so its
names cannot collide with the chapters' theory names.
"""
import numpy as np
from scipy.special import zeta

from ..units import expected_count, hz_to_per_ms
from ..validation import (InputTypeError, require_above, require_count, require_finite, require_number,
                          require_positive, require_seed, require_steps)

__all__ = ["numerical_jacobian", "eigenvalues_from_trace_det", "classify_2d", "neutral_mode_projection",
           "fhn_fixed_point", "fhn_jacobian", "fhn_hopf_current", "ou_first_passage_ms",
           "THRESHOLD_SHIFT_CONSTANT", "discrete_threshold_shift_mv", "gamma_renewal_spikes",
           "poisson_rate_cramer_rao_hz2"]


# --- fixed points and their stability ---

def numerical_jacobian(f, x, step=1e-6):
    """Jacobian matrix d f_i / d x_j of a vector field f at the point x, by central differences.

    f maps a 1-d array of n numbers to n numbers (the right-hand side dx/dt of an ODE); step is the
    finite-difference step in the units of x. The error is of order step^2 times the third derivative.
    """
    if not callable(f):
        raise InputTypeError(f"f must be a function of the state (got {type(f).__name__}).")
    x = require_finite("x", x)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"x must be a 1-d array with at least one entry (got shape {x.shape}).")
    step = require_number("step", step)
    require_positive("step", step)
    n = x.size
    jac = np.empty((n, n))
    for j in range(n):
        dx = np.zeros(n)
        dx[j] = step
        jac[:, j] = (np.asarray(f(x + dx), dtype=float) - np.asarray(f(x - dx), dtype=float)) / (2 * step)
    return jac


def eigenvalues_from_trace_det(trace, det):
    """The two eigenvalues of a 2 x 2 matrix from its trace and determinant: tr/2 +- sqrt(tr^2/4 - det).

    Returned as a complex array of two, the one with the larger real part (or positive imaginary part) first.
    """
    trace, det = require_number("trace", trace), require_number("det", det)
    root = np.sqrt(complex(trace * trace / 4.0 - det))
    return np.array([trace / 2.0 + root, trace / 2.0 - root])


def classify_2d(jacobian, tol=1e-12):
    """Name the fixed point of a 2-d system from its Jacobian: 'saddle', 'stable node', 'unstable node',
    'stable focus', 'unstable focus', 'centre' (trace 0, det > 0) or 'degenerate' (det 0).

    With D = det and T = trace: D < 0 saddle; D > 0 and T^2 < 4 D a focus (spiral), else a node; the sign
    of T decides stable (T < 0) or unstable. |values| below tol count as zero.
    """
    jac = require_finite("jacobian", jacobian)
    if jac.shape != (2, 2):
        raise ValueError(f"jacobian must be a 2 x 2 matrix (got shape {jac.shape}); for larger systems look at "
                         f"the eigenvalue with the largest real part.")
    tol = require_number("tol", tol)
    trace, det = float(np.trace(jac)), float(np.linalg.det(jac))
    if abs(det) <= tol:
        return "degenerate"
    if det < 0:
        return "saddle"
    if abs(trace) <= tol:
        return "centre"
    kind = "focus" if trace * trace < 4 * det else "node"
    return ("stable " if trace < 0 else "unstable ") + kind


def neutral_mode_projection(jacobian, perturbation, tol=1e-9):
    """Where a perturbation ends up along the neutral mode of a stable linear system with one zero eigenvalue.

    dx/dt = J x with one eigenvalue 0 (right eigenvector e, left eigenvector l: l J = 0) and the others
    negative: every other component decays, and x(t) -> e (l . x0) / (l . e). Returns (e, amount) with
    amount = (l . x0) / (l . e); the final state is amount * e. Note that l differs from e unless J is symmetric.
    """
    jac = require_finite("jacobian", jacobian)
    if jac.ndim != 2 or jac.shape[0] != jac.shape[1]:
        raise ValueError(f"jacobian must be a square matrix (got shape {jac.shape}).")
    x0 = require_finite("perturbation", perturbation)
    if x0.shape != (jac.shape[0],):
        raise ValueError(f"perturbation must have one entry per row of the jacobian ({jac.shape[0]}), "
                         f"got shape {x0.shape}.")
    values, right = np.linalg.eig(jac)
    zero = np.abs(values) <= tol * max(1.0, np.max(np.abs(values)))
    if zero.sum() != 1:
        raise ValueError(f"the jacobian must have exactly one zero eigenvalue (eigenvalues {np.round(values, 12)}).")
    left_values, left = np.linalg.eig(jac.T)
    e = np.real(right[:, np.argmax(zero)])
    l = np.real(left[:, np.argmin(np.abs(left_values))])
    e = e / np.linalg.norm(e)
    return e, float(l @ x0 / (l @ e))


# --- a Hopf bifurcation: the FitzHugh-Nagumo model (dimensionless) ---
# dv/dt = v - v^3/3 - w + I,  dw/dt = eps (v + a - b w)     (FitzHugh 1961; Nagumo et al. 1962)

def _fhn_params(a, b, eps):
    return require_number("a", a), require_positive("b", require_number("b", b)), \
        require_positive("eps", require_number("eps", eps))


def fhn_fixed_point(current, a=0.7, b=0.8, eps=0.08):
    """The fixed point (v, w) of the FitzHugh-Nagumo model under constant current (dimensionless units).

    w = (v + a)/b on the w-nullcline; v solves v^3/3 + (1/b - 1) v + a/b - I = 0, which has one real root
    when b < 1 (the default 0.8), because then its left side increases with v. Requires b < 1.
    """
    current = require_number("current", current)
    a, b, eps = _fhn_params(a, b, eps)
    if b >= 1:
        raise ValueError(f"b must be below 1 so that there is a single fixed point (got {b}).")
    roots = np.roots([1.0 / 3.0, 0.0, 1.0 / b - 1.0, a / b - current])
    v = float(roots[np.argmin(np.abs(roots.imag))].real)
    return np.array([v, (v + a) / b])


def fhn_jacobian(current, a=0.7, b=0.8, eps=0.08):
    """Jacobian of the FitzHugh-Nagumo model at its fixed point: [[1 - v^2, -1], [eps, -eps b]] (dimensionless)."""
    v, _ = fhn_fixed_point(current, a, b, eps)
    return np.array([[1.0 - v * v, -1.0], [eps, -eps * b]])


def fhn_hopf_current(a=0.7, b=0.8, eps=0.08):
    """The lower current at which the FitzHugh-Nagumo rest state loses stability (Hopf bifurcation).

    The trace 1 - v^2 - eps b vanishes at v_H = -sqrt(1 - eps b) while the determinant eps (1 - b (1 - v^2))
    = eps (1 - eps b^2) stays positive, so a pair of complex eigenvalues crosses the imaginary axis there.
    The current is the one whose fixed point is v_H: I_H = v_H^3/3 - v_H + (v_H + a)/b.
    """
    a, b, eps = _fhn_params(a, b, eps)
    if eps * b >= 1 or eps * b * b >= 1:
        raise ValueError(f"no Hopf bifurcation unless eps b < 1 and eps b^2 < 1 (got eps = {eps}, b = {b}).")
    v_h = -np.sqrt(1.0 - eps * b)
    return float(v_h ** 3 / 3.0 - v_h + (v_h + a) / b)


# --- diffusion and first passage: the LIF membrane as an Ornstein-Uhlenbeck process ---

THRESHOLD_SHIFT_CONSTANT = float(-zeta(0.5) / np.sqrt(2.0 * np.pi))   # 0.5826 (Siegmund 1979)


def discrete_threshold_shift_mv(sigma_mv, dt, tau_m=20.0):
    """How far above the true threshold (mV) a diffusion tested only every dt effectively fires.

    A random walk checked at discrete steps overshoots a boundary before it is seen; to first order this
    is the continuous process with the boundary moved out by 0.5826 times the standard deviation of one
    step, sigma sqrt(dt / tau_m) (Siegmund 1979, corrected diffusion approximation). sigma_mv: the noise
    amplitude of tau dv/dt = -v + mu + sigma sqrt(tau) xi (Brunel 2000); dt, tau_m in ms.
    """
    sigma = require_finite("sigma_mv", sigma_mv, "mV")
    if np.any(sigma < 0):
        raise ValueError(f"sigma_mv must be zero or positive (got {sigma_mv} mV).")
    dt, tau_m = require_positive("dt", dt, "ms"), require_positive("tau_m", tau_m, "ms")
    return THRESHOLD_SHIFT_CONSTANT * sigma * np.sqrt(dt / tau_m)


def ou_first_passage_ms(mu_mv, sigma_mv, n_trials, dt=0.05, t_max=2000.0, tau_m=20.0, v_th=20.0, v_reset=10.0,
                        record_at=(), rng=None):
    """First-passage times (ms) of tau dv/dt = -v + mu + sigma sqrt(tau) xi from v_reset up to v_th.

    Euler-Maruyama with step dt: v += dt/tau (mu - v) + sigma sqrt(dt/tau) N(0, 1), all trials at once;
    a trial is absorbed in the first step that ends with v >= v_th and its time is that step's end. Trials
    still below threshold at t_max get nan. Potentials in mV relative to rest, as in theory.siegert_rate_hz.

    record_at: times (ms, on the step grid) at which to keep the voltages of the trials not yet absorbed.
    Returns (times, snapshots): an array of n_trials first-passage times and a dict time -> voltages.
    """
    mu, sigma = require_number("mu_mv", mu_mv), require_number("sigma_mv", sigma_mv)
    require_positive("sigma_mv", sigma, "mV")
    n_trials = require_count("n_trials", n_trials, maximum=10_000_000)
    tau_m = require_number("tau_m", tau_m)
    require_positive("tau_m", tau_m, "ms")
    require_above("v_th", v_th, "v_reset", v_reset)
    n_steps = require_steps(t_max, dt, name="t_max")
    record = {int(round(float(t) / dt)): float(t) for t in require_finite("record_at", record_at, "ms").ravel()}
    rng = np.random.default_rng(require_seed("rng", rng))
    times = np.full(n_trials, np.nan)
    alive = np.arange(n_trials)
    v = np.full(n_trials, float(v_reset))
    snapshots = {}
    drift, kick = dt / tau_m, sigma * np.sqrt(dt / tau_m)
    for k in range(1, n_steps + 1):
        v += drift * (mu - v) + kick * rng.standard_normal(v.size)
        crossed = v >= v_th
        if crossed.any():
            times[alive[crossed]] = k * dt
            alive, v = alive[~crossed], v[~crossed]
        if k in record:
            snapshots[record[k]] = v.copy()
        if alive.size == 0 and len(snapshots) == len(record):
            break
    for k, t in record.items():
        snapshots.setdefault(t, np.empty(0))
    return times, snapshots


# --- spike trains: renewal processes with gamma intervals ---

def gamma_renewal_spikes(rate_hz, shape, n, t_stop, rng=None):
    """n independent stationary renewal spike trains on [0, t_stop) ms with gamma ISIs of the given shape.

    Mean ISI 1000/rate_hz ms, CV = 1/sqrt(shape): shape 1 is a Poisson process, shape > 1 more regular,
    shape < 1 clustered (bursty). Each train starts 20 mean ISIs (and at least 20 standard deviations of
    an ISI) before 0, so the window sees it in its steady state. Returns (times_ms, indices), sorted by time.
    """
    rate = require_number("rate_hz", rate_hz, "Hz")
    require_positive("rate_hz", rate, "Hz")
    shape = require_number("shape", shape)
    require_positive("shape", shape)
    n = require_count("n", n, maximum=1_000_000)
    t_stop = require_number("t_stop", t_stop, "ms")
    require_positive("t_stop", t_stop, "ms")
    rng = np.random.default_rng(require_seed("rng", rng))
    mean_isi = 1.0 / hz_to_per_ms(rate)                 # ms
    warm = 20.0 * mean_isi * max(1.0, 1.0 / np.sqrt(shape))
    expected = (t_stop + warm) / mean_isi
    n_isi = int(expected + 6 * np.sqrt(expected / min(shape, 1.0)) + 10)
    if n * n_isi > 50_000_000:
        raise ValueError(f"{n} trains of about {expected:.0f} spikes each are too many to draw at once; "
                         f"use fewer trains, a lower rate or a shorter t_stop.")
    spikes = -warm + np.cumsum(rng.gamma(shape, mean_isi / shape, size=(n, n_isi)), axis=1)
    short = spikes[:, -1] < t_stop
    while short.any():                                 # rarely: draw more intervals for trains that fell short
        extra = spikes[short, -1:] + np.cumsum(rng.gamma(shape, mean_isi / shape, size=(short.sum(), n_isi)), axis=1)
        grown = np.full((n, n_isi), np.inf)
        grown[short] = extra
        spikes = np.concatenate([spikes, grown], axis=1)
        short = np.isfinite(spikes[:, -1]) & (spikes[:, -1] < t_stop)
    keep = (spikes >= 0) & (spikes < t_stop)
    rows, cols = np.nonzero(keep)
    times, indices = spikes[rows, cols], rows
    order = np.argsort(times, kind="stable")
    return times[order], indices[order]


# --- estimation: the Cramer-Rao bound for a Poisson rate ---

def poisson_rate_cramer_rao_hz2(rate_hz, duration_ms):
    """Cramer-Rao bound (Hz^2) on the variance of an unbiased estimate of a Poisson rate from a window.

    The count N in a window T is Poisson with mean nu T, so the Fisher information about nu is T / nu and
    no unbiased estimator has a variance below nu / T. The count estimate N / T reaches it. T in ms, nu in Hz.
    """
    rate = require_finite("rate_hz", rate_hz, "Hz")
    require_positive("rate_hz", rate, "Hz")
    require_positive("duration_ms", duration_ms, "ms")
    return rate * rate / expected_count(rate, duration_ms)      # nu^2 / E[N] = nu / T
