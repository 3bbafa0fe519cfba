"""Single-neuron theory: LIF subthreshold solution, f-I curve and rheobase, rate and ISI CV under white noise;
EIF/AdEx rheobase; Hodgkin-Huxley gating steady states, time constants and resting potential. Units as in neurons.py."""
import numpy as np
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.special import erfcx

from ..neurons import EIF, LIF, AdEx, HodgkinHuxley, hh_gate_steady_state, hh_gate_time_constant  # noqa: F401
from ..validation import (require_above, require_finite, require_instance, require_non_negative, require_number,
                          require_positive)

__all__ = ["lif_subthreshold_v", "lif_rheobase", "lif_rate_hz", "lif_isi_ms", "eif_rheobase",
           "eif_threshold_potential", "hh_gate_steady_state", "hh_gate_time_constant",
           "hh_steady_state_current", "hh_resting_potential", "lif_noise_sigma_mv",
           "lif_rate_white_noise_hz", "lif_cv_white_noise"]


def lif_subthreshold_v(t_ms, neuron, current, v0=None):
    """Exact LIF membrane potential (mV) at times t_ms under constant current (pA), no threshold."""
    require_instance("neuron", neuron, LIF)
    require_finite("t_ms", t_ms, "ms")
    require_finite("current", current, "pA")
    if v0 is not None:
        require_finite("v0", v0, "mV")
    v0 = neuron.e_l if v0 is None else v0
    v_inf = neuron.e_l + np.asarray(current, dtype=float) / neuron.g_l
    return v_inf + (v0 - v_inf) * np.exp(-np.asarray(t_ms, dtype=float) / neuron.tau_m)


def lif_rheobase(neuron):
    """Smallest constant current (pA) that makes an LIF neuron fire: g_l (v_th - e_l)."""
    require_instance("neuron", neuron, LIF)
    return neuron.g_l * (neuron.v_th - neuron.e_l)


def lif_isi_ms(neuron, current):
    """Inter-spike interval (ms) of an LIF neuron under constant current (pA); inf below rheobase.

    From v_reset the membrane relaxes to v_inf = e_l + I/g_l and reaches v_th after
    tau_m ln((v_inf - v_reset)/(v_inf - v_th)); add the refractory period.
    """
    require_instance("neuron", neuron, LIF)
    require_finite("current", current, "pA")
    v_inf = neuron.e_l + np.asarray(current, dtype=float) / neuron.g_l
    above = v_inf > neuron.v_th
    safe = np.where(above, v_inf, neuron.v_th + 1.0)
    travel = neuron.tau_m * np.log((safe - neuron.v_reset) / (safe - neuron.v_th))
    return np.where(above, neuron.t_ref + travel, np.inf)


def lif_rate_hz(neuron, current):
    """Firing rate (Hz) of an LIF neuron under constant current (pA), with refractoriness."""
    return 1000.0 / lif_isi_ms(neuron, current)


def eif_threshold_potential(neuron):
    """Voltage (mV) where the EIF/AdEx spike current overtakes the leak (and adaptation) at rheobase."""
    require_instance("neuron", neuron, EIF)
    a = getattr(neuron, "a", 0.0)
    return neuron.v_t + neuron.delta_t * np.log((neuron.g_l + a) / neuron.g_l)


def eif_rheobase(neuron):
    """Current (pA) at which the EIF (or AdEx, with its steady-state adaptation a) loses its rest state.

    Steady state: 0 = -(g_l + a)(v - e_l) + g_l delta_t exp((v - v_t)/delta_t) + I. The rest state
    and the saddle merge where the slope vanishes, at v* = v_t + delta_t ln((g_l + a)/g_l); then
    I_rh = (g_l + a)(v* - e_l - delta_t). For the EIF (a = 0): I_rh = g_l (v_t - e_l - delta_t).
    For the AdEx this is where the fixed points disappear. It is also where firing starts only if
    a < c_m / tau_w; otherwise the rest state turns unstable earlier, at a Hopf bifurcation
    (adex_hopf_current; for the Brette & Gerstner defaults 0.13 pA lower). See adex_rest_instability.
    """
    require_instance("neuron", neuron, EIF)
    a = getattr(neuron, "a", 0.0)
    v_star = eif_threshold_potential(neuron)
    return (neuron.g_l + a) * (v_star - neuron.e_l - neuron.delta_t)


def hh_steady_state_current(neuron, v):
    """Net ionic current (uA/cm^2) with every gate at steady state at v (mV); zero at rest."""
    require_instance("neuron", neuron, HodgkinHuxley)
    require_finite("v", v, "mV")
    v = np.asarray(v, dtype=float)
    m, h, n = (hh_gate_steady_state(g, v) for g in "mhn")
    return (neuron.g_na * m ** 3 * h * (v - neuron.e_na) + neuron.g_k * n ** 4 * (v - neuron.e_k)
            + neuron.g_l * (v - neuron.e_l))


def hh_resting_potential(neuron):
    """Resting potential (mV) of the Hodgkin-Huxley model: the root of the steady-state current."""
    require_instance("neuron", neuron, HodgkinHuxley)
    return brentq(lambda v: hh_steady_state_current(neuron, v), -80.0, -50.0)


# --- LIF driven by Gaussian white noise (diffusion approximation) ---

def lif_noise_sigma_mv(neuron, sigma_pa):
    """Noise amplitude sigma_v (mV) in tau dv/dt = -(v - mu) + sigma_v sqrt(tau) xi for a white-noise
    current of density sigma_pa (pA sqrt(ms), as in inputs.white_noise_current); free std is sigma_v/sqrt(2)."""
    require_instance("neuron", neuron, LIF)
    require_non_negative("sigma_pa", sigma_pa, "pA sqrt(ms)")
    return np.asarray(sigma_pa, dtype=float) / (neuron.g_l * np.sqrt(neuron.tau_m))


def _noise_bounds(neuron, mean_pa, sigma_pa):
    """Reset and threshold in units of the noise: (v_reset - mu)/sigma_v, (v_th - mu)/sigma_v."""
    mu = neuron.e_l + mean_pa / neuron.g_l
    sigma_v = lif_noise_sigma_mv(neuron, sigma_pa)
    return (neuron.v_reset - mu) / sigma_v, (neuron.v_th - mu) / sigma_v


def lif_rate_white_noise_hz(neuron, mean_pa, sigma_pa):
    """Firing rate (Hz) of an LIF neuron under white-noise current: mean (pA), density sigma_pa (pA sqrt(ms)).

    The Siegert formula (Brunel 2000, eq. 21; theory.siegert_rate_hz) with mu = e_l + mean_pa/g_l and
    sigma_v = lif_noise_sigma_mv(neuron, sigma_pa). Scalar neuron parameters; sigma_pa > 0.
    """
    require_instance("neuron", neuron, LIF)
    require_finite("mean_pa", mean_pa, "pA")
    require_positive("sigma_pa", sigma_pa, "pA sqrt(ms)")
    from .balanced import siegert_rate_hz   # the one implementation of the formula (Part III uses it too)
    return siegert_rate_hz(neuron.e_l + np.asarray(mean_pa, dtype=float) / neuron.g_l,
                           lif_noise_sigma_mv(neuron, sigma_pa), tau_m=float(neuron.tau_m),
                           t_ref=neuron.t_ref, v_th=neuron.v_th, v_reset=neuron.v_reset)


def lif_cv_white_noise(neuron, mean_pa, sigma_pa):
    """Coefficient of variation of the ISIs of an LIF neuron under white-noise current (Brunel 2000, App. A.1).

    CV^2 = 2 pi (rate tau_m)^2 * integral from y_r to y_th of exp(x^2) dx
           * integral from -inf to x of exp(y^2) (1 + erf y)^2 dy.
    nan when the threshold lies more than 15 noise amplitudes above the mean (rate < 1e-90 Hz: no ISIs).
    """
    require_instance("neuron", neuron, LIF)
    require_number("mean_pa", mean_pa, "pA")
    require_positive("sigma_pa", sigma_pa, "pA sqrt(ms)")
    require_number("sigma_pa", sigma_pa, "pA sqrt(ms)")
    y_r, y_th = _noise_bounds(neuron, mean_pa, sigma_pa)
    if y_th > 15.0:   # the integrand would overflow, and the neuron never fires anyway
        return np.nan

    def inner(x):   # integral of exp(y^2)(1 + erf y)^2 = erfcx(-y)^2 exp(-y^2), times exp(x^2)
        return quad(lambda y: erfcx(-y) ** 2 * np.exp(x * x - y * y), -np.inf, x, limit=200)[0]

    rate_per_ms = lif_rate_white_noise_hz(neuron, mean_pa, sigma_pa) / 1000.0
    variance_term = quad(inner, y_r, y_th, limit=200)[0]
    return float(np.sqrt(2.0 * np.pi * variance_term) * rate_per_ms * neuron.tau_m)


# --- Hodgkin-Huxley under constant current: equilibrium, linear stability, Hopf point ---

__all__ += ["hh_equilibrium_potential", "hh_jacobian", "hh_hopf_current"]


def hh_equilibrium_potential(neuron, current=0.0):
    """Membrane potential (mV) at which the steady-state ionic current equals a constant current (uA/cm^2)."""
    require_instance("neuron", neuron, HodgkinHuxley)
    require_number("current", current, "uA/cm^2")
    return brentq(lambda v: hh_steady_state_current(neuron, v) - current, -100.0, 50.0)


def hh_jacobian(neuron, current=0.0, dv=1e-4):
    """Jacobian (1/ms) of the HH equations at the equilibrium under constant current; order (v, m, h, n).

    Linearising c_m dv/dt = I - I_ion(v, m, h, n) and dx/dt = (x_inf(v) - x) / tau_x(v) around the
    equilibrium; the slopes dx_inf/dv are taken by central differences (step dv mV).
    """
    require_positive("dv", dv, "mV")
    v = hh_equilibrium_potential(neuron, current)
    m, h, n = (hh_gate_steady_state(g, v) for g in "mhn")
    c = neuron.c_m
    jac = np.zeros((4, 4))
    jac[0] = [-(neuron.g_na * m ** 3 * h + neuron.g_k * n ** 4 + neuron.g_l) / c,
              -3 * neuron.g_na * m ** 2 * h * (v - neuron.e_na) / c,
              -neuron.g_na * m ** 3 * (v - neuron.e_na) / c,
              -4 * neuron.g_k * n ** 3 * (v - neuron.e_k) / c]
    for row, gate in enumerate("mhn", start=1):
        slope = (hh_gate_steady_state(gate, v + dv) - hh_gate_steady_state(gate, v - dv)) / (2 * dv)
        tau = hh_gate_time_constant(gate, v)
        jac[row, 0], jac[row, row] = slope / tau, -1.0 / tau
    return jac


def hh_hopf_current(neuron, low=0.0, high=30.0):
    """Lowest constant current (uA/cm^2) at which the HH equilibrium loses stability (Hopf bifurcation).

    The largest real part of the Jacobian's eigenvalues crosses zero there (Rinzel & Miller 1980:
    near 9.8 uA/cm^2 for the squid axon at 6.3 C). low must be stable and high unstable.
    """
    require_instance("neuron", neuron, HodgkinHuxley)
    require_above("high", require_number("high", high, "uA/cm^2"), "low", require_number("low", low, "uA/cm^2"),
                  "uA/cm^2")
    def growth_rate(current):
        return np.max(np.linalg.eigvals(hh_jacobian(neuron, current)).real)
    return brentq(growth_rate, low, high, xtol=1e-6)


# --- EIF / AdEx: fixed points, f-I curve by quadrature, how the AdEx rest state is lost ---

from scipy.integrate import quad  # noqa: E402  (also imported above; kept so this block reads alone)

__all__ += ["eif_fixed_points", "eif_isi_ms", "eif_rate_hz", "eif_mean_v", "adex_jacobian",
            "adex_hopf_current", "adex_rest_instability", "adex_adapted_rate_hz"]


def _steady_current(neuron, v, current):
    """Net current (pA) at voltage v (mV) with w at its steady state a (v - e_l): zero at a fixed point."""
    a = getattr(neuron, "a", 0.0)
    return (-(neuron.g_l + a) * (v - neuron.e_l)
            + neuron.g_l * neuron.delta_t * np.exp((v - neuron.v_t) / neuron.delta_t) + current)


def eif_fixed_points(neuron, current):
    """Rest (stable) and threshold (unstable) potentials (mV) under constant current (pA); nan above rheobase.

    Roots of the steady-state current (for the AdEx with w = a (v - e_l)); they merge at
    eif_threshold_potential(neuron) when the current equals eif_rheobase(neuron). Scalars only.
    """
    require_instance("neuron", neuron, EIF)
    require_number("current", current, "pA")
    v_star = float(eif_threshold_potential(neuron))
    if _steady_current(neuron, v_star, current) > 0:
        return np.nan, np.nan
    v_low = min(v_star, neuron.e_l + current / (neuron.g_l + getattr(neuron, "a", 0.0))) - 1.0
    v_high = v_star + neuron.delta_t
    while _steady_current(neuron, v_high, current) < 0:
        v_high += neuron.delta_t
    def net(v):
        return _steady_current(neuron, v, current)
    rest = brentq(net, v_low, v_star, xtol=1e-12)
    threshold = brentq(net, v_star, v_high, xtol=1e-12)
    return rest, threshold


def _eif_time_to_peak(neuron, current, v_from):
    """Time (ms) the EIF membrane takes from v_from to v_peak under constant current (pA); quadrature."""
    slowest = [neuron.v_t] if v_from < neuron.v_t < neuron.v_peak else None   # the bottleneck
    return quad(_eif_ms_per_mv, v_from, neuron.v_peak, args=(neuron, current), points=slowest, limit=400,
                epsabs=1e-10, epsrel=1e-10)[0]


def _eif_ms_per_mv(v, neuron, current):
    """dt/dv (ms per mV) of the EIF membrane: c_m / net current; 0 where the exponential overflows."""
    with np.errstate(over="ignore"):
        return neuron.c_m / (-neuron.g_l * (v - neuron.e_l) + neuron.g_l * neuron.delta_t
                             * np.exp((v - neuron.v_t) / neuron.delta_t) + current)


def eif_isi_ms(neuron, current):
    """Inter-spike interval (ms) of the EIF under constant current (pA); inf at or below rheobase.

    ISI = t_ref + integral from v_reset to v_peak of c_m dv / (-g_l (v - e_l) + g_l delta_t
    exp((v - v_t)/delta_t) + I): the time the membrane needs for the trip (no time step involved).
    Scalar neuron parameters; current a number or an array. Assumes v_reset lies below the
    threshold fixed point, so that no current at or below rheobase can fire repetitively.
    """
    require_instance("neuron", neuron, EIF)
    require_finite("current", current, "pA")
    currents = np.asarray(current, dtype=float)
    rheobase = neuron.g_l * (neuron.v_t - neuron.e_l - neuron.delta_t)
    fires = currents > rheobase + 1e-9 * abs(rheobase)   # at rheobase itself the trip takes forever
    isi = [neuron.t_ref + _eif_time_to_peak(neuron, i, neuron.v_reset) if ok else np.inf
           for i, ok in zip(currents.ravel(), fires.ravel())]
    return np.reshape(isi, currents.shape)


def eif_rate_hz(neuron, current):
    """Firing rate (Hz) of the EIF under constant current (pA): 1000 / eif_isi_ms."""
    return 1000.0 / eif_isi_ms(neuron, current)


def eif_mean_v(neuron, current):
    """Time-averaged membrane potential (mV) over one EIF inter-spike interval (no refractory period).

    <v> = integral of v dt / ISI = integral of v c_m dv / F(v) divided by integral of c_m dv / F(v).
    """
    require_instance("neuron", neuron, EIF)
    require_number("current", current, "pA")
    slowest = [neuron.v_t] if neuron.v_reset < neuron.v_t < neuron.v_peak else None
    travel = _eif_time_to_peak(neuron, current, neuron.v_reset)
    area = quad(lambda v: v * _eif_ms_per_mv(v, neuron, current), neuron.v_reset, neuron.v_peak,
                points=slowest, limit=400)[0]
    return area / travel


def adex_jacobian(neuron, current):
    """Jacobian (1/ms) of the AdEx (v, w) equations at its rest fixed point under constant current (pA)."""
    require_instance("neuron", neuron, AdEx)
    require_number("current", current, "pA")
    v_rest = eif_fixed_points(neuron, current)[0]
    slope = neuron.g_l * (np.exp((v_rest - neuron.v_t) / neuron.delta_t) - 1.0) / neuron.c_m
    return np.array([[slope, -1.0 / neuron.c_m],
                     [neuron.a / neuron.tau_w, -1.0 / neuron.tau_w]])


def adex_hopf_current(neuron):
    """Current (pA) of the Hopf bifurcation of the AdEx rest state; nan if a <= c_m / tau_w (no Hopf).

    The Jacobian's trace vanishes where g_l (exp((v - v_t)/delta_t) - 1) = c_m / tau_w; that is a
    Hopf point if the determinant is then positive, a > c_m / tau_w (Touboul & Brette 2008).
    """
    require_instance("neuron", neuron, AdEx)
    if neuron.a <= neuron.c_m / neuron.tau_w:
        return np.nan
    v_hopf = neuron.v_t + neuron.delta_t * np.log(1.0 + neuron.c_m / (neuron.g_l * neuron.tau_w))
    return float((neuron.g_l + neuron.a) * (v_hopf - neuron.e_l) - neuron.g_l * neuron.delta_t
                 - neuron.c_m * neuron.delta_t / neuron.tau_w)


def adex_rest_instability(neuron):
    """How and where (pA) the AdEx rest state is lost as a constant current rises: (kind, current).

    kind is "saddle-node" (rest meets the threshold fixed point at eif_rheobase, when
    a < c_m / tau_w) or "Hopf" (rest turns unstable at adex_hopf_current, slightly below
    eif_rheobase, when a > c_m / tau_w; Touboul & Brette 2008).
    """
    require_instance("neuron", neuron, AdEx)
    hopf = adex_hopf_current(neuron)
    if np.isnan(hopf):
        return "saddle-node", float(eif_rheobase(neuron))
    return "Hopf", hopf


def adex_adapted_rate_hz(neuron, current):
    """Adapted (steady-state) rate (Hz) of the AdEx under constant current (pA), slow-adaptation approximation.

    If tau_w is much longer than the ISI, w hardly moves within one interval and sits near its mean
    w_bar = a (<v> - e_l) + b tau_w rate; the neuron then fires like an EIF driven by I - w_bar.
    Solves this self-consistency for w_bar (Ermentrout 1998; Benda & Herz 2003). 0 below onset.
    """
    require_instance("neuron", neuron, AdEx)
    require_number("current", current, "pA")
    eif = _without_adaptation(neuron)

    def mismatch(w_bar):
        rate_per_ms = eif_rate_hz(eif, current - w_bar) / 1000.0
        v_mean = eif_mean_v(eif, current - w_bar) if rate_per_ms > 0 else eif_threshold_potential(eif)
        return w_bar - neuron.a * (v_mean - neuron.e_l) - neuron.b * neuron.tau_w * rate_per_ms

    w_high = current - eif_rheobase(eif) - 1e-3   # 1 fA below the w that silences the EIF part
    if w_high <= 0 or mismatch(w_high) <= 0:
        return 0.0
    w_bar = brentq(mismatch, min(0.0, w_high), w_high, xtol=1e-9)
    return float(eif_rate_hz(eif, current - w_bar))


def _without_adaptation(neuron):
    """The EIF with the membrane parameters of an AdEx neuron."""
    return EIF(c_m=neuron.c_m, g_l=neuron.g_l, e_l=neuron.e_l, v_t=neuron.v_t, delta_t=neuron.delta_t,
               v_peak=neuron.v_peak, v_reset=neuron.v_reset, t_ref=neuron.t_ref)
