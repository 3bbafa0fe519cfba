"""Continuous attractor theory: the exact bump of the 1-D CANN, its existence limit, tracking and adaptation.

The model (course_lib.models.cann; Wu, Hamaguchi & Amari 2008; Fung, Wong & Wu 2010) is

    tau du/dt = -u + rho * int J(x - x') r(x') dx' - v + I_ext,
    r = u_+^2 / (1 + k rho int u_+^2 dx'),
    J(d) = J0 / (sqrt(2 pi) a) exp(-d^2 / (2 a^2)),
    tau_v dv/dt = -v + m u                      (adaptation, Mi, Fung, Wong & Wu 2014).

Without input the ansatz u = A exp(-(x - z)^2 / (4 a^2)) solves the stationary equation exactly on
the infinite line: r is then a Gaussian of width a, its convolution with J a Gaussian of width
sqrt(2) a again, and matching the heights gives

    (1 + m) A = b A^2 / (1 + c A^2),   b = rho J0 / sqrt(2),   c = sqrt(2 pi) a k rho,

so A = [1 + sqrt(1 - k/k_c)] (rho J0 / (1 + m)) / (2 sqrt(2) c) with the critical inhibition
k_c = rho J0^2 / (8 sqrt(2 pi) a (1 + m)^2). A stimulus alpha exp(-(x - z)^2/(4 a^2)) centred on the
bump keeps the Gaussian shape exact and adds alpha to the right-hand side. On a ring of
circumference 2 pi the Gaussian tails wrap around; for a = 0.5 rad that changes u by ~1e-4 of
its height. Moving stimuli and the travelling bump are handled at first order (in the spirit of
Fung et al. 2010 and Mi et al. 2014): the bump keeps its Gaussian shape, only its position moves,
and the equation of motion of the position is the projection of the dynamics on the neutral
mode, i.e. on the left null vector psi ~ u du/dx of the linearised network. This projection is
exact for weak stimuli and near the onset of travelling. Positions in rad, times in ms, speeds
in rad/ms.

Every function takes a model object with attributes a (rad), j0, rho (neurons/rad), k (the
absolute inhibition), tau (ms) and, for adaptation, m and tau_v (ms): course_lib.models.cann.CANN.
"""
import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import brentq
from scipy.special import erfcx

from ..validation import (require_choice, require_finite, require_model, require_non_negative, require_number,
                          require_positive)

CANN_NEEDS = ("a", "j0", "rho", "tau")   # not k: CANN.k is computed from cann_critical_inhibition


def _check_model(model, needs=CANN_NEEDS):
    """model must carry the CANN parameters (course_lib.models.cann.CANN)."""
    return require_model("model", model, needs=needs)


def _check_profile(profile, x, sigma):
    """A 1-d activity profile, positions x of the same shape (or None) and a noise SD sigma >= 0."""
    profile = require_finite("profile", profile)
    if profile.ndim != 1 or profile.size < 3:
        raise ValueError(f"profile must be a 1-d array of at least 3 neurons (got shape {profile.shape}).")
    if x is not None and require_finite("x", x, "rad").shape != profile.shape:
        raise ValueError(f"x has shape {np.shape(x)}; give one position per neuron, shape {profile.shape}.")
    require_non_negative("sigma", sigma)
    return profile

__all__ = ["cann_critical_inhibition", "cann_bump_height", "cann_bump_rate_height", "cann_bump_width",
           "cann_bump_profile", "cann_driven_height", "cann_tracking_lag", "cann_max_tracking_speed",
           "cann_jump_trajectory", "cann_travel_onset_m", "cann_intrinsic_speed", "cann_adaptation_lag_m",
           "trail_factor",
           "population_vector_error_sd", "cramer_rao_sd"]


def _b_c(model, k=None):
    """The two constants of the height equation: b = rho J0/sqrt(2), c = sqrt(2 pi) a k rho."""
    k = model.k if k is None else k
    return model.rho * model.j0 / np.sqrt(2.0), np.sqrt(2.0 * np.pi) * model.a * np.asarray(k, float) * model.rho


def cann_critical_inhibition(model, m=None):
    """Largest global inhibition k for which a bump exists: rho J0^2 / (8 sqrt(2 pi) a (1 + m)^2)."""
    _check_model(model)
    if m is not None:
        require_non_negative("m", m)
    m = getattr(model, "m", 0.0) if m is None else m
    return model.rho * model.j0 ** 2 / (8.0 * np.sqrt(2.0 * np.pi) * model.a * (1.0 + np.asarray(m, float)) ** 2)


def cann_bump_height(model, k=None, m=None, branch="stable"):
    """Exact height A of the input bump u (k absolute; nan where k > k_c); branch 'stable' or 'unstable'.

    A = [1 +- sqrt(1 - k/k_c)] * b / (2 c (1 + m)); the '+' root is the stable bump, the '-' root
    the unstable one that separates it from the silent state.
    """
    _check_model(model)
    if k is not None:
        require_non_negative("k", k)
    if m is not None:
        require_non_negative("m", m)
    require_choice("branch", branch, ("stable", "unstable"))
    m = getattr(model, "m", 0.0) if m is None else m
    k = model.k if k is None else k
    b, c = _b_c(model, k)
    ratio = np.asarray(k, float) / cann_critical_inhibition(model, m)
    root = np.sqrt(np.where(ratio <= 1.0, 1.0 - np.minimum(ratio, 1.0), np.nan))
    sign = {"stable": 1.0, "unstable": -1.0}[branch]
    with np.errstate(divide="ignore", invalid="ignore"):
        height = (1.0 + sign * root) * b / (2.0 * c * (1.0 + m))
    return height[()] if np.ndim(height) == 0 else height


def cann_bump_rate_height(model, k=None):
    """Height r0 of the firing-rate bump r = A^2 / (1 + sqrt(2 pi) a k rho A^2) of the stable bump."""
    _check_model(model)
    if k is not None:
        require_non_negative("k", k)
    b, c = _b_c(model, k)
    height = cann_bump_height(model, k)
    return height ** 2 / (1.0 + c * height ** 2)


def cann_bump_width(model):
    """Width of the input bump u: its standard deviation sqrt(2) a (rad), the same for every k."""
    _check_model(model)
    return np.sqrt(2.0) * model.a


def cann_bump_profile(model, x, center=0.0, height=None):
    """Exact bump u(x) = A exp(-d^2/(4 a^2)), d the periodic distance from center (rad)."""
    _check_model(model)
    require_finite("x", x, "rad")
    require_finite("center", center, "rad")
    if height is not None:
        require_non_negative("height", height)
    height = cann_bump_height(model) if height is None else height
    d = np.mod(np.asarray(x, float) - center + np.pi, 2 * np.pi) - np.pi
    return height * np.exp(-d ** 2 / (4.0 * model.a ** 2))


def _largest_root(b, c, drive, q=1.0):
    """Largest real A of q A = b A^2 / (1 + c A^2) + drive (drive > 0 always has one)."""
    roots = np.roots([c * q, -(b + c * drive), q, -drive])
    real = roots[np.abs(roots.imag) < 1e-9 * max(1.0, np.max(np.abs(roots)))].real
    real = real[real > 0]
    return float(real.max()) if real.size else float("nan")


def cann_driven_height(model, amplitude, offset=0.0, speed=0.0):
    """Height A of a bump driven by a Gaussian stimulus of height amplitude, offset (rad) from it.

    Exact for offset = 0 and speed = 0 (the Gaussian stays exact); at first order otherwise:
    (1 + m exp(-d^2/(4a^2))) A = b A^2/(1 + c A^2) + amplitude exp(-offset^2/(8 a^2)), d = speed tau_v.
    """
    _check_model(model)
    amplitude = require_number("amplitude", require_non_negative("amplitude", amplitude))
    offset, speed = require_number("offset", offset, "rad"), require_number("speed", speed, "rad/ms")
    b, c = _b_c(model)
    m, tau_v = getattr(model, "m", 0.0), getattr(model, "tau_v", 1.0)
    q = 1.0 + m * np.exp(-(speed * tau_v) ** 2 / (4 * model.a ** 2))
    drive = amplitude * np.exp(-offset ** 2 / (8 * model.a ** 2))
    if drive <= 0:
        height = cann_bump_height(model, m=q - 1.0)
        return float(height) if np.isfinite(height) else float("nan")
    return _largest_root(b, c, drive, q)


def trail_factor(lam):
    """F(lam) = int_0^inf w exp(-w - lam w^2) dw: the push of an exponentially trailing adaptation bump.

    F(0) = 1 and F falls towards 0 as lam grows; closed form with the scaled complementary error
    function, F = 1/(2 lam) - sqrt(pi) / (4 lam^1.5) erfcx(1 / (2 sqrt(lam))).
    """
    require_non_negative("lam", lam)
    lam = np.asarray(lam, float)
    safe = np.maximum(lam, 1e-4)
    closed = 1.0 / (2 * safe) - np.sqrt(np.pi) / (4 * safe ** 1.5) * erfcx(1.0 / (2 * np.sqrt(safe)))
    series = 1.0 - 6.0 * lam + 60.0 * lam ** 2       # small-lam expansion, error ~ 840 lam^3
    out = np.where(lam < 1e-4, series, closed)
    return out[()] if out.ndim == 0 else out


def _lag_factor(model, speed):
    """tau - m tau_v F((v tau_v)^2 / (6 a^2)) (ms): the net drag on a bump moving at speed v."""
    m, tau_v = getattr(model, "m", 0.0), getattr(model, "tau_v", 1.0)
    return model.tau - m * tau_v * trail_factor((speed * tau_v) ** 2 / (6 * model.a ** 2))


def cann_tracking_lag(model, speed, amplitude):
    """Lag (rad) of the bump behind a stimulus moving at speed (rad/ms); negative means it runs ahead.

    First order in the stimulus: the bump keeps its Gaussian shape and only its position moves.
    Projecting the dynamics on the neutral (position) mode -- the left null vector of the
    linearised network, psi ~ u du/dx ~ x exp(-x^2/(2 a^2)) -- gives in the frame of the stimulus

        amplitude * s exp(-s^2 / (6 a^2)) = A |v| [tau - m tau_v F((v tau_v)^2 / (6 a^2))],

    s the lag, A the bump height (the driven height, cann_driven_height) and F = trail_factor the
    push of the adaptation bump that trails the activity. Without adaptation s ~ tau |v| A / amplitude
    for slow stimuli; exact as amplitude -> 0. Returns nan when the stimulus is too fast to be
    tracked (the pull amplitude * s exp(-s^2/(6 a^2)) peaks at s = sqrt(3) a).
    """
    _check_model(model)
    require_number("speed", speed, "rad/ms")
    require_number("amplitude", require_positive("amplitude", amplitude))
    speed = float(abs(speed))
    if speed == 0.0:
        return 0.0
    drag = _lag_factor(model, speed)
    s_max = np.sqrt(3.0) * model.a

    def mismatch(s):
        height = cann_driven_height(model, amplitude, offset=s, speed=speed)
        return amplitude * s * np.exp(-s ** 2 / (6 * model.a ** 2)) - height * speed * drag

    lo, hi = (0.0, s_max) if drag > 0 else (-s_max, 0.0)
    if np.sign(mismatch(lo)) == np.sign(mismatch(hi)):
        return float("nan")
    return float(brentq(mismatch, lo, hi, xtol=1e-12))


def cann_max_tracking_speed(model, amplitude):
    """Fastest trackable stimulus (rad/ms) without adaptation: the lag reaches sqrt(3) a, where the pull peaks."""
    _check_model(model)
    require_number("amplitude", require_positive("amplitude", amplitude))
    s_max = np.sqrt(3.0) * model.a
    height = cann_driven_height(model, amplitude, offset=s_max)
    return amplitude * s_max * np.exp(-0.5) / (height * model.tau)


def cann_jump_trajectory(model, amplitude, jump, t_ms):
    """First-order position (rad) of a bump after the stimulus jumps by `jump` rad at t = 0 (smooth shift).

    The bump slides, tau A dz/dt = amplitude s exp(-s^2/(6 a^2)) with s = jump - z, from 0 towards
    the new stimulus position (valid for small jumps; large jumps decay and regrow instead). For a
    small jump this is an exponential approach with time constant tau A / amplitude.
    """
    _check_model(model)
    require_number("amplitude", require_positive("amplitude", amplitude))
    require_number("jump", jump, "rad")
    require_finite("t_ms", t_ms, "ms")
    t_ms = np.asarray(t_ms, float)

    def velocity(_t, pos):
        s = jump - pos[0]
        height = cann_driven_height(model, amplitude, offset=s)
        return [amplitude * s * np.exp(-s ** 2 / (6 * model.a ** 2)) / (model.tau * height)]

    flat = t_ms.ravel()
    if flat.size == 0 or flat.max() <= 0.0:
        return np.zeros_like(t_ms)
    order = np.argsort(flat)
    solution = solve_ivp(velocity, (0.0, float(flat.max())), [0.0], t_eval=flat[order], rtol=1e-9, atol=1e-12)
    z = np.empty_like(flat)
    z[order] = solution.y[0]
    return z.reshape(t_ms.shape)


def cann_travel_onset_m(model):
    """Adaptation strength above which the bump travels on its own: m > tau / tau_v (exact).

    Along the translation mode the bump obeys tau de/dt = m e - w, tau_v dw/dt = m e - w (e: shift of
    u, w: shift of v in units of the bump slope); the trace m/tau - 1/tau_v turns positive at onset.
    """
    _check_model(model, CANN_NEEDS + ("tau_v",))
    return model.tau / model.tau_v


def cann_intrinsic_speed(model, m=None):
    """Speed (rad/ms) of the self-travelling bump; 0 below the onset m = tau / tau_v.

    First order (position-mode projection, exact adaptation trail): tau = m tau_v F(lam) with
    lam = (v tau_v)^2 / (6 a^2), F = trail_factor. Near onset v = (a / tau_v) sqrt(1 - tau/(m tau_v)).
    """
    _check_model(model, CANN_NEEDS + ("tau_v", "m"))
    if m is not None:
        require_non_negative("m", m)
    m_values = np.atleast_1d(np.asarray(model.m if m is None else m, float))
    speeds = np.zeros(m_values.shape)
    for i, m_i in enumerate(m_values):
        target = model.tau / (m_i * model.tau_v) if m_i > 0 else np.inf
        if target < 1.0:
            lam = brentq(lambda lam_: trail_factor(lam_) - target, 0.0, 1e8, xtol=1e-14, rtol=1e-12)
            speeds[i] = model.a / model.tau_v * np.sqrt(6.0 * lam)
    return speeds[0] if np.ndim(model.m if m is None else m) == 0 else speeds


def cann_adaptation_lag_m(model, speed):
    """Adaptation m at which the bump tracks a stimulus of speed (rad/ms) with zero lag.

    Zero lag when tau = m tau_v F((v tau_v)^2/(6 a^2)): the stimulus then moves exactly at the
    intrinsic speed of the travelling bump. Larger m anticipates the stimulus (negative lag).
    """
    _check_model(model, CANN_NEEDS + ("tau_v",))
    require_finite("speed", speed, "rad/ms")
    return model.tau / (model.tau_v * trail_factor((np.asarray(speed, float) * model.tau_v) ** 2
                                                   / (6 * model.a ** 2)))


def population_vector_error_sd(profile, x, sigma):
    """Small-noise SD (rad) of the population-vector estimate from profile + independent noise of SD sigma.

    The estimate is the angle of sum_i r_i exp(i x_i). Noise tilts it by (sum n_i sin d_i) / R with
    R = sum r_i cos d_i, d_i the distance from the bump centre: SD = sigma sqrt(sum sin^2 d_i) / R.
    """
    _check_profile(profile, x, sigma)
    profile = np.asarray(profile, float)
    center = np.angle(np.sum(profile * np.exp(1j * np.asarray(x))))
    d = np.asarray(x) - center
    return np.asarray(sigma, float) * np.sqrt(np.sum(np.sin(d) ** 2)) / np.sum(profile * np.cos(d))


def cramer_rao_sd(profile, x, sigma):
    """Cramér-Rao bound (rad) for the position of profile under independent Gaussian noise of SD sigma.

    Fisher information sum_i (dr_i/dz)^2 / sigma^2 for a profile that shifts rigidly with z.
    """
    profile = _check_profile(profile, x, sigma)
    if np.all(profile == profile[0]):
        raise ValueError("profile is flat: a flat profile carries no information about position "
                         "(the bound is infinite).")
    profile = np.asarray(profile, float)
    dx = 2 * np.pi / profile.size
    slope = (np.roll(profile, -1) - np.roll(profile, 1)) / (2 * dx)
    return np.asarray(sigma, float) / np.sqrt(np.sum(slope ** 2))
