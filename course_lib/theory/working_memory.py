"""Theory of the synaptic working-memory model (Mongillo, Barak & Tsodyks 2008; Mi, Katkov & Tsodyks 2017).

Short-term plasticity at a steady rate
    For a synapse driven by a Poisson train of rate r the time-averaged facilitation is exactly the
    fixed point of du/dt = (u_rest - u)/tau_f + U (1 - u) r, because a Poisson spike does not know
    the current u. The resources x obey dx/dt = (1 - x)/tau_d - u+ x r, where u+ = u + U (1 - u) is
    the value that releases (facilitation comes first); replacing the average of u+ x by the
    product of averages gives the mean-field x. The regular-train values (exact) are
    theory.stp_steady_state in theory/synapses.py. The rate model writes the release term as u x r
    (Mi et al. 2017); its fixed point is rate_model_stp_steady_state.

Fixed points of the rate model (course_lib.models.working_memory.RateModel)
    A population at a steady rate r needs the outside input (background minus inhibition)
        F(r) = Phi^-1(r) - J_EE u*(r) x*(r) r,
    Phi^-1 the inverse of the rate function. All p populations at rate r (the spontaneous state)
    need the background I_b = F(r) + J_EI Phi(J_IE p r + I_inh). One population at r_a and the other
    p - 1 at r_o (the memory state) need F(r_a) = F(r_o) and I_b = F(r_a) + J_EI Phi(J_IE (r_a +
    (p - 1) r_o) + I_inh): both curves are explicit in the rates, so they are drawn by sweeping r.
    Stability comes from the eigenvalues of the Jacobian of the full model (numerical).

Units: rates Hz, times ms, inputs Hz.
"""
import numpy as np
from scipy.optimize import brentq

from ..units import hz_to_per_ms
from ..validation import (require_count, require_finite, require_in_range, require_model, require_non_negative,
                          require_positive)

RATE_MODEL_NEEDS = ("p", "j_ee", "j_ie", "j_ei", "i_inh", "rate_hz", "input_for_rate", "derivatives")


def _check_stp(stp):
    """stp must carry u_se, tau_f and tau_d (plasticity.TsodyksMarkram, models.working_memory.RateModel, ...)."""
    return require_model("stp", stp, needs=("u_se", "tau_f", "tau_d"))


def _check_rate_model(model):
    return require_model("model", model, needs=RATE_MODEL_NEEDS)

__all__ = ["stp_poisson_steady_state", "stp_poisson_steady_efficacy", "rate_model_stp_steady_state",
           "rate_model_input_needed", "uniform_state_background", "one_item_state", "rate_model_fixed_point",
           "rate_model_jacobian", "rate_model_growth_rate", "rate_model_folds", "rate_model_bistable_range",
           "memory_lifetime_ms", "recovery_time_ms"]


def _u_rest(stp):
    """Value u relaxes to between spikes: stp.u_rest if the object has one, else U (Mongillo et al. 2008)."""
    return getattr(stp, "u_rest", stp.u_se)


def _u_fixed_point(stp, rate_hz):
    """Fixed point of du/dt = (u_rest - u)/tau_f + U (1 - u) r, written (u_rest + U r tau_f) / (1 + U r tau_f)
    so that tau_f = 0 (no facilitation: u is back at u_rest before every spike) needs no special case."""
    r = hz_to_per_ms(require_non_negative("rate_hz", rate_hz, "Hz"))
    drive = stp.u_se * r * stp.tau_f
    return (_u_rest(stp) + drive) / (1.0 + drive)


def stp_poisson_steady_state(stp, rate_hz):
    """Mean u and x (time averages) of a Tsodyks-Markram synapse driven by a Poisson train of rate_hz.

    u: exact, the fixed point of du/dt = (u_rest - u)/tau_f + U (1 - u) r.
    x: mean field, x = 1 / (1 + u+ tau_d r) with u+ = u + U (1 - u), the u that releases.
    stp: any object with u_se, tau_f, tau_d (ms) and optionally u_rest (e.g. plasticity.TsodyksMarkram).
    """
    _check_stp(stp)
    u = _u_fixed_point(stp, rate_hz)
    u_release = u + stp.u_se * (1.0 - u)
    x = 1.0 / (1.0 + u_release * stp.tau_d * hz_to_per_ms(rate_hz))
    return u, x


def stp_poisson_steady_efficacy(stp, rate_hz):
    """Mean-field efficacy u+ x of a spike of a Poisson train at rate_hz (fraction of the maximal response)."""
    _check_stp(stp)
    u, x = stp_poisson_steady_state(stp, rate_hz)
    return (u + stp.u_se * (1.0 - u)) * x


def rate_model_stp_steady_state(model, rate_hz):
    """Fixed point of the rate model's u and x at a constant rate_hz: u* as above, x* = 1 / (1 + u* tau_d r)."""
    _check_rate_model(model)
    u = _u_fixed_point(model, rate_hz)
    return u, 1.0 / (1.0 + u * model.tau_d * hz_to_per_ms(rate_hz))


def rate_model_input_needed(model, rate_hz):
    """F(r) = Phi^-1(r) - J_EE u* x* r (Hz): outside input (background - inhibition) that holds a population at r."""
    _check_rate_model(model)
    require_positive("rate_hz", rate_hz, "Hz")
    u, x = rate_model_stp_steady_state(model, rate_hz)
    return model.input_for_rate(rate_hz) - model.j_ee * u * x * np.asarray(rate_hz, dtype=float)


def uniform_state_background(model, rate_hz):
    """Background I_b (Hz) at which all p populations sit at rate_hz (a fixed point of the rate model)."""
    _check_rate_model(model)
    require_positive("rate_hz", rate_hz, "Hz")
    r = np.asarray(rate_hz, dtype=float)
    return rate_model_input_needed(model, r) + model.j_ei * model.rate_hz(model.j_ie * model.p * r + model.i_inh)


def _first_turning_rate(model, r_max=1e3):
    """Rate (Hz) of the first local maximum of F(r), or r_max if F only increases."""
    r = np.logspace(-6, np.log10(r_max), 4000)
    f = rate_model_input_needed(model, r)
    down = np.flatnonzero(np.diff(f) < 0)
    return r[down[0]] if down.size else r_max


def one_item_state(model, rate_active_hz):
    """Memory state: one population at rate_active_hz, the other p - 1 on their low branch -> (I_b, r_other).

    The other populations solve F(r_o) = F(r_a) with r_o below the first maximum of F; where no such
    r_o exists (F(r_a) too large) the state does not exist and both values are nan.
    """
    _check_rate_model(model)
    require_positive("rate_active_hz", rate_active_hz, "Hz")
    r_a = np.atleast_1d(np.asarray(rate_active_hz, dtype=float))
    r_turn = _first_turning_rate(model)
    f_turn = rate_model_input_needed(model, r_turn)
    i_b, r_o = np.full(r_a.shape, np.nan), np.full(r_a.shape, np.nan)
    for k, ra in enumerate(r_a):
        target = rate_model_input_needed(model, ra)
        if ra <= r_turn:
            ro = ra
        elif target <= f_turn:
            ro = brentq(lambda q: rate_model_input_needed(model, q) - target, 1e-12, r_turn, xtol=1e-14)
        else:
            continue
        r_o[k] = ro
        i_b[k] = target + model.j_ei * model.rate_hz(model.j_ie * (ra + (model.p - 1) * ro) + model.i_inh)
    shape = np.shape(rate_active_hz)
    return i_b.reshape(shape), r_o.reshape(shape)


def rate_model_fixed_point(model, rates_hz):
    """State dict (h, h_i, u, x) of the rate model at a fixed point where population a fires at rates_hz[a]."""
    _check_rate_model(model)
    rates = require_positive("rates_hz", rates_hz, "Hz")
    if rates.shape not in ((), (model.p,)):
        raise ValueError(f"rates_hz has shape {rates.shape}; give a number or one rate per population, ({model.p},).")
    r = np.broadcast_to(np.asarray(rates_hz, dtype=float), (model.p,)).copy()
    u, x = rate_model_stp_steady_state(model, r)
    return {"h": model.input_for_rate(r), "h_i": model.j_ie * r.sum() + model.i_inh, "u": u, "x": x}


_ORDER = ("h", "h_i", "u", "x")


def _flatten(state):
    return np.concatenate([np.atleast_1d(state[k]).astype(float) for k in _ORDER])


def _unflatten(model, vector):
    p = model.p
    return {"h": vector[:p], "h_i": vector[p], "u": vector[p + 1:2 * p + 1], "x": vector[2 * p + 1:]}


def rate_model_jacobian(model, state, i_ext=0.0, eps=1e-6):
    """Jacobian (1/ms) of the rate model's equations at state (central differences); order h, h_i, u, x."""
    _check_rate_model(model)
    if not isinstance(state, dict) or set(state) != set(_ORDER):
        raise ValueError(f"state must be a dict with keys {_ORDER} (see rate_model_fixed_point); got {state!r:.60}.")
    for name in _ORDER:
        require_finite(f"state[{name!r}]", state[name])
    i_ext = require_finite("i_ext", i_ext, "Hz")
    if i_ext.shape not in ((), (model.p,)):
        raise ValueError(f"i_ext has shape {i_ext.shape}; give a number or one value per population, ({model.p},).")
    require_positive("eps", eps)
    i_ext = np.broadcast_to(np.asarray(i_ext, dtype=float), (model.p,))
    v0 = _flatten(state)
    jac = np.empty((v0.size, v0.size))
    for j in range(v0.size):
        step = eps * max(1.0, abs(v0[j]))
        plus, minus = v0.copy(), v0.copy()
        plus[j] += step
        minus[j] -= step
        d_plus = _flatten(model.derivatives(_unflatten(model, plus), i_ext))
        d_minus = _flatten(model.derivatives(_unflatten(model, minus), i_ext))
        jac[:, j] = (d_plus - d_minus) / (2.0 * step)
    return jac


def rate_model_growth_rate(model, state, i_ext=0.0):
    """Largest real part of the Jacobian's eigenvalues (1/ms): negative means a stable fixed point."""
    return float(np.max(np.linalg.eigvals(rate_model_jacobian(model, state, i_ext)).real))


def rate_model_folds(model, r_min=1e-4, r_max=300.0, n=20000):
    """Turning points (rate_hz, I_b) of the uniform-state curve I_b(r): where fixed points appear or vanish."""
    _check_rate_model(model)
    require_positive("r_min", r_min, "Hz")
    require_positive("r_max", r_max, "Hz")
    if not r_max > r_min:
        raise ValueError(f"r_max ({r_max} Hz) must be above r_min ({r_min} Hz).")
    require_count("n", n, minimum=3, maximum=10_000_000)
    r = np.logspace(np.log10(r_min), np.log10(r_max), n)
    i_b = uniform_state_background(model, r)
    turn = np.flatnonzero(np.sign(np.diff(i_b[1:])) != np.sign(np.diff(i_b[:-1]))) + 1
    return [(float(r[k]), float(i_b[k])) for k in turn]


def rate_model_bistable_range(model):
    """(I_low, I_high), Hz: background inputs with three uniform fixed points (between the two folds); nan if none."""
    _check_rate_model(model)
    folds = rate_model_folds(model)
    if len(folds) < 2:
        return np.nan, np.nan
    values = sorted(i for _, i in folds[:2])
    return values[0], values[1]


def memory_lifetime_ms(u_start, u_needed, u_rest, tau_f):
    """Time (ms) for facilitation to decay from u_start to u_needed towards u_rest: tau_f ln((u0 - u_r)/(u_c - u_r))."""
    for name, value in (("u_start", u_start), ("u_needed", u_needed), ("u_rest", u_rest)):
        require_in_range(name, value, 0.0, 1.0)
    require_positive("tau_f", tau_f, "ms")
    if np.any(np.asarray(u_needed, dtype=float) <= np.asarray(u_rest, dtype=float)):
        raise ValueError(f"u_needed ({u_needed}) must be above u_rest ({u_rest}): otherwise facilitation never "
                         f"falls below it and the memory lasts for ever.")
    if np.any(np.asarray(u_start, dtype=float) <= np.asarray(u_rest, dtype=float)):
        raise ValueError(f"u_start ({u_start}) must be above u_rest ({u_rest}).")
    return tau_f * np.log((np.asarray(u_start, dtype=float) - u_rest) / (np.asarray(u_needed, dtype=float) - u_rest))


def recovery_time_ms(x_start, x_end, tau_d, release_per_ms=0.0):
    """Time (ms) for resources to recover from x_start to x_end.

    Without firing, dx/dt = (1 - x)/tau_d and the time is tau_d ln((1 - x_start)/(1 - x_end)).
    Ongoing firing that releases a fraction release_per_ms (= u+ r) of x per ms slows the recovery
    towards x_inf = 1 / (1 + tau_d release_per_ms), with time constant tau_d x_inf:
    t = tau_d x_inf ln((x_inf - x_start) / (x_inf - x_end)); nan if x_end is beyond x_inf.
    """
    require_in_range("x_start", x_start, 0.0, 1.0)
    require_in_range("x_end", x_end, 0.0, 1.0)
    require_positive("tau_d", tau_d, "ms")
    require_non_negative("release_per_ms", release_per_ms, "1/ms")
    x_inf = 1.0 / (1.0 + tau_d * np.asarray(release_per_ms, dtype=float))
    x_start, x_end = np.asarray(x_start, dtype=float), np.asarray(x_end, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = (x_inf - x_start) / (x_inf - x_end)
        return np.where(ratio > 0, tau_d * x_inf * np.log(np.where(ratio > 0, ratio, 1.0)), np.nan)
