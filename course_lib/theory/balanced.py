"""Theory of the E/I balanced network (Part III).

* The balanced state (van Vreeswijk & Sompolinsky 1996, 1998): when J ~ 1/sqrt(K) and the external
  input ~ sqrt(K), the O(sqrt(K)) mean inputs must cancel, sum_l J_kl nu_l + J_kX nu_X = 0, so the
  population rates solve a linear system: ``balanced_rates``.
* Their binary network at finite K: m_k = H(-u_k / sqrt(alpha_k)), ``vvs_mean_field``.
* The leaky integrate-and-fire neuron driven by white noise (diffusion approximation): the Siegert
  rate, ``siegert_rate_hz``; the self-consistent rates of a sparse LIF network with delta synapses
  (Amit & Brunel 1997; Brunel 2000): ``lif_network_rates_hz``, ``brunel_rate_hz``.

Units: ms, mV, Hz. Rates inside the formulas are per ms (Hz / 1000), written with course_lib.units.
Each public function checks its arguments once (CONVENTIONS.md section 15); the root finders call
unchecked private forms (_siegert_rate_hz, _gaussian_tail) in their loops.
"""
import numpy as np
from scipy.integrate import quad
from scipy.optimize import brentq, root
from scipy.special import erfc, erfcx

from ..models.balanced import (BRUNEL_NEURON, J_REFERENCE_MV, VVS_COUPLINGS, VVS_THRESHOLDS, brunel_couplings,
                               brunel_threshold_rate_hz, require_couplings, require_lif)
from ..units import hz_to_per_ms, per_ms_to_hz
from ..validation import (require_above, require_count, require_finite, require_in_range, require_mapping,
                          require_non_negative, require_positive)


def _shaped(name, value, shape, check=require_finite):
    """value checked by check (finite, non-negative, ...) and of the given shape."""
    arr = check(name, value)
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape} (got {arr.shape}).")
    return arr


def _inhibitory_in_degree(k, gamma):
    """gamma K rounded: the number of inhibitory inputs; ValueError naming k and gamma if it is 0."""
    k_inh = round(gamma * k)
    if k_inh < 1:
        raise ValueError(f"gamma K = {gamma:g} x {k:g} rounds to {k_inh} inhibitory inputs; raise k or gamma so "
                         f"that gamma K >= 1.")
    return k_inh

__all__ = ["coupling_matrix", "balanced_rates", "balance_conditions", "gaussian_tail", "vvs_mean_field",
           "siegert_rate_hz", "lif_input_statistics", "lif_network_rates_hz", "balanced_lif_rates_hz",
           "balanced_lif_input_mv", "brunel_rate_hz", "brunel_balanced_rate_hz"]


def coupling_matrix(couplings=VVS_COUPLINGS):
    """Recurrent couplings as a 2 x 2 matrix [[EE, EI], [IE, II]] and the external ones [EX, IX]."""
    require_couplings("couplings", couplings)
    j = np.array([[couplings[("E", "E")], couplings[("E", "I")]],
                  [couplings[("I", "E")], couplings[("I", "I")]]], dtype=float)
    j_ext = np.array([couplings[("E", "X")], couplings[("I", "X")]], dtype=float)
    return j, j_ext


def balanced_rates(nu_ext, couplings=VVS_COUPLINGS):
    """Rates (nu_E, nu_I) of the balanced state: the solution of J nu + J_X nu_ext = 0 (same units as nu_ext).

    This is the K -> infinity limit: every O(sqrt(K)) input cancels. The rates are linear in the
    external rate whatever the neuron model. When E and I neurons receive identical inputs
    (Brunel's model A: both rows of J equal) the two equations coincide and the identical
    populations fire alike, nu_E = nu_I = -J_X nu_ext / (J_E + J_I). ValueError if no positive
    solution exists (van Vreeswijk & Sompolinsky need J_EX/J_IX > J_EI/J_II > J_EE/J_IE).
    """
    j, j_ext = coupling_matrix(couplings)
    nu_ext = require_non_negative("nu_ext", nu_ext)
    if np.allclose(j[0], j[1]) and np.isclose(j_ext[0], j_ext[1]):
        total = j[0].sum()
        if total >= 0:
            raise ValueError("inhibition does not dominate (J_E + J_I >= 0): no balanced state exists.")
        rates = np.array([1.0, 1.0]) * (-j_ext[0] * nu_ext / total)
    elif abs(np.linalg.det(j)) < 1e-12:
        raise ValueError("the coupling matrix is singular: the balance equations do not fix both rates.")
    else:
        rates = np.linalg.solve(j, -j_ext * nu_ext)
    if np.any(rates < 0):
        raise ValueError(f"the balance equations give negative rates {rates}: these couplings cannot balance "
                         "(van Vreeswijk & Sompolinsky need J_EX/J_IX > J_EI/J_II > J_EE/J_IE).")
    return rates


def balance_conditions(couplings=VVS_COUPLINGS):
    """True if the couplings admit a balanced state with positive rates (vVS 1998: E/I > J_E/J_I > 1)."""
    j, j_ext = coupling_matrix(couplings)
    for key in (("I", "X"), ("I", "I"), ("I", "E")):
        if couplings[key] == 0:
            raise ValueError(f"couplings[{key!r}] must not be 0: the conditions compare ratios with it in the "
                             f"denominator.")
    ratio_ext = j_ext[0] / j_ext[1]
    ratio_inh = j[0, 1] / j[1, 1]
    ratio_exc = j[0, 0] / j[1, 0]
    return bool(ratio_ext > ratio_inh > ratio_exc)


def gaussian_tail(x):
    """H(x) = probability that a standard normal variable exceeds x = erfc(x / sqrt 2) / 2 (x finite)."""
    return _gaussian_tail(require_finite("x", x))


def _gaussian_tail(x):
    return 0.5 * erfc(np.asarray(x, dtype=float) / np.sqrt(2.0))


def vvs_mean_field(k, m0, couplings=VVS_COUPLINGS, thresholds=VVS_THRESHOLDS, fixed_indegree=False):
    """Activities (m_E, m_I) of van Vreeswijk & Sompolinsky's binary network at finite K (their eq. 4.3-4.5).

    The input to a neuron of population k is Gaussian over neurons and time, with mean
    u_k = sqrt(K) (J_kX m0 + sum_l J_kl m_l) and variance alpha_k = sum_l J_kl^2 m_l (random
    connectivity with probability K/N, as in the paper) or sum_l J_kl^2 m_l (1 - m_l) with a fixed
    in-degree K (exactly K inputs per population). A neuron is active when its input exceeds
    theta_k, so m_k = H((theta_k - u_k) / sqrt(alpha_k)). Solved by a root finder started at the
    balanced solution.
    """
    require_positive("k", k)
    require_in_range("m0", m0, 0.0, 1.0)
    require_mapping("thresholds", thresholds, ("E", "I"))
    j, j_ext = coupling_matrix(couplings)
    theta = np.array([thresholds["E"], thresholds["I"]])
    sqrt_k = np.sqrt(k)

    def mismatch(m):
        m = np.clip(m, 1e-9, 1 - 1e-9)
        mean = sqrt_k * (j_ext * m0 + j @ m)
        spread = m * (1 - m) if fixed_indegree else m
        alpha = (j ** 2) @ spread
        return m - _gaussian_tail((theta - mean) / np.sqrt(alpha))

    guess = np.clip(balanced_rates(m0, couplings), 0.01, 0.99)
    solution = root(mismatch, guess, method="hybr")
    if not solution.success or np.max(np.abs(mismatch(solution.x))) > 1e-9:
        raise ValueError(f"the mean-field equations did not converge for K = {k}, m0 = {m0}.")
    return solution.x


def siegert_rate_hz(mu_mv, sigma_mv, tau_m=20.0, t_ref=2.0, v_th=20.0, v_reset=10.0):
    """Stationary rate (Hz) of an LIF neuron, tau dV/dt = -V + mu + sigma sqrt(tau) xi(t) (Siegert 1951).

    1 / nu = t_ref + tau sqrt(pi) int_{(v_reset - mu)/sigma}^{(v_th - mu)/sigma} exp(u^2) (1 + erf u) du,
    Brunel (2000) eq. 21, potentials relative to rest. exp(u^2)(1 + erf u) = erfcx(-u) keeps the
    integrand finite for large negative u. mu, sigma in mV, times in ms. Vectorized over mu, sigma.
    """
    mu, sigma = require_finite("mu_mv", mu_mv, "mV"), require_finite("sigma_mv", sigma_mv, "mV")
    if np.any(sigma <= 0):
        raise ValueError(f"sigma_mv must be positive (got {sigma_mv}); for sigma -> 0 use theory.lif_rate_hz.")
    try:
        np.broadcast_shapes(mu.shape, sigma.shape)
    except ValueError:
        raise ValueError(f"mu_mv {mu.shape} and sigma_mv {sigma.shape} must have shapes that broadcast.") from None
    require_positive("tau_m", tau_m, "ms")
    require_non_negative("t_ref", t_ref, "ms")
    require_above("v_th", v_th, "v_reset", v_reset)
    return _siegert_rate_hz(mu_mv, sigma_mv, tau_m, t_ref, v_th, v_reset)


def _siegert_rate_hz(mu_mv, sigma_mv, tau_m, t_ref, v_th, v_reset):
    """siegert_rate_hz without the checks (the root finders call it many times)."""
    mu, sigma = np.broadcast_arrays(np.asarray(mu_mv, dtype=float), np.asarray(sigma_mv, dtype=float))
    out = np.empty(mu.shape)
    for index in np.ndindex(mu.shape):
        upper = (v_th - mu[index]) / sigma[index]
        lower = (v_reset - mu[index]) / sigma[index]
        if upper > 26.0:                        # exp(upper^2) overflows: the rate is below 1e-290 Hz
            out[index] = 0.0
            continue
        integral, _ = quad(lambda u: erfcx(-u), lower, upper, limit=200)
        out[index] = 1000.0 / (t_ref + tau_m * np.sqrt(np.pi) * integral)
    return out if out.ndim else float(out)


def lif_input_statistics(rates_hz, j_mv, k, tau_m=20.0):
    """Mean drive mu and noise amplitude sigma (mV) of Poisson inputs with delta synapses (Brunel 2000, eqs. 4-5).

    rates_hz, j_mv, k: arrays over input groups (rate of each input, PSP jump J in mV, number of
    such inputs). mu = tau sum K J nu, sigma^2 = tau sum K J^2 nu. sigma is Brunel's noise
    amplitude; the free membrane potential (no threshold) has mean mu and s.d. sigma / sqrt(2).
    """
    rates_hz = require_non_negative("rates_hz", rates_hz, "Hz")
    j_mv, k = require_finite("j_mv", j_mv, "mV"), require_non_negative("k", k)
    require_positive("tau_m", tau_m, "ms")
    try:
        np.broadcast_shapes(rates_hz.shape, j_mv.shape, k.shape)
    except ValueError:
        raise ValueError(f"rates_hz {rates_hz.shape}, j_mv {j_mv.shape} and k {k.shape} must have shapes that "
                         f"broadcast (one entry per input group).") from None
    return _lif_input_statistics(rates_hz, j_mv, k, tau_m)


def _lif_input_statistics(rates_hz, j_mv, k, tau_m):
    nu = hz_to_per_ms(rates_hz)
    j_mv, k = np.asarray(j_mv, dtype=float), np.asarray(k, dtype=float)
    mu = tau_m * np.sum(k * j_mv * nu, axis=-1)
    sigma = np.sqrt(tau_m * np.sum(k * j_mv ** 2 * nu, axis=-1))
    return mu, sigma


def lif_network_rates_hz(j_mv, k, j_ext_mv, k_ext, nu_ext_hz, neuron=BRUNEL_NEURON, guess_hz=None,
                         external_noise=True):
    """Self-consistent rates (Hz) of E and I LIF populations with delta synapses (mean-field, diffusion).

    j_mv[a, b], k[a, b]: PSP (mV) and number of inputs a neuron of population a receives from b;
    j_ext_mv[a], k_ext[a]: the same for the external Poisson inputs at nu_ext_hz. Each population's
    rate is the Siegert rate of its mean and variance, which depend on the rates themselves.
    external_noise=False: the external input is a constant current of the same mean (no variance),
    as in network.with_constant_drive; all fluctuations then come from the network.
    """
    j_mv, k = _shaped("j_mv", j_mv, (2, 2)), _shaped("k", k, (2, 2), require_non_negative)
    j_ext_mv, k_ext = _shaped("j_ext_mv", j_ext_mv, (2,)), _shaped("k_ext", k_ext, (2,), require_non_negative)
    require_non_negative("nu_ext_hz", nu_ext_hz, "Hz")
    require_lif("neuron", neuron)
    if guess_hz is not None:
        _shaped("guess_hz", guess_hz, (2,), require_non_negative)
    params = dict(tau_m=float(neuron.tau_m), t_ref=neuron.t_ref, v_th=neuron.v_th - neuron.e_l,
                  v_reset=neuron.v_reset - neuron.e_l)
    max_rate = 1000.0 / neuron.t_ref if neuron.t_ref > 0 else np.inf

    def rates_out(rates):
        out = []
        for a in range(2):
            mu, sigma = _lif_input_statistics(np.append(rates, nu_ext_hz), np.append(j_mv[a], j_ext_mv[a]),
                                             np.append(k[a], k_ext[a]), params["tau_m"])
            if not external_noise:
                _, sigma = _lif_input_statistics(rates, j_mv[a], k[a], params["tau_m"])
            out.append(_siegert_rate_hz(mu, max(sigma, 1e-9), **params))
        return np.array(out)

    def mismatch(rates):
        return rates_out(np.maximum(rates, 0.0)) - rates

    guesses = [np.full(2, 5.0) if guess_hz is None else np.asarray(guess_hz, dtype=float), np.full(2, 0.01),
               np.full(2, 0.5 * min(max_rate, 200.0))]
    for guess in guesses:
        solution = root(mismatch, np.clip(guess, 0.0, 0.9 * max_rate), method="hybr")
        rates = np.maximum(solution.x, 0.0)
        if solution.success and np.max(np.abs(rates_out(rates) - rates)) <= 1e-6 * max(1.0, rates.max()):
            return rates
    raise ValueError("the self-consistent rates did not converge; give guess_hz near the simulated rates.")


def balanced_lif_rates_hz(k, nu0_hz, g=8.0, j=J_REFERENCE_MV, gamma=0.25, couplings=None, neuron=BRUNEL_NEURON,
                          external_noise=True):
    """Mean-field rates (Hz) at finite K of course_lib.network.balanced_lif_network (same arguments).

    external_noise=False: the network of network.with_constant_drive (constant external current).
    """
    k = require_count("k", k)
    require_non_negative("nu0_hz", nu0_hz, "Hz")
    require_positive("g", g)
    require_positive("j", j, "mV")
    require_positive("gamma", gamma)
    k_inh = _inhibitory_in_degree(k, gamma)
    couplings = brunel_couplings(g, gamma) if couplings is None else couplings
    j_mat, j_ext = coupling_matrix(couplings)
    scale = j / np.sqrt(k) * np.array([1.0, k / k_inh])          # J_kE and J_kI (balanced_couplings)
    guess = np.maximum(balanced_rates(nu0_hz, couplings), 1.0)
    return lif_network_rates_hz(j_mat * scale, np.array([[k, k_inh], [k, k_inh]]), j_ext * j / np.sqrt(k),
                                np.full(2, k), nu0_hz, neuron, guess_hz=guess, external_noise=external_noise)


def balanced_lif_input_mv(k, rates_hz, nu0_hz, g=8.0, j=J_REFERENCE_MV, gamma=0.25, couplings=None, tau_m=20.0):
    """Mean drive (mV) to the E and I populations from each source: dict exc, inh, ext -> (2,) arrays.

    tau K_l J_kl nu_l = tau sqrt(K) j c_kl nu_l for l = E (exc), I (inh) and the external trains (ext):
    each grows like sqrt(K) at fixed rates; their sum is the net mean input (balanced_couplings).
    """
    require_positive("k", k)
    _shaped("rates_hz", rates_hz, (2,), require_non_negative)
    require_non_negative("nu0_hz", nu0_hz, "Hz")
    require_positive("g", g)
    require_positive("j", j, "mV")
    require_positive("gamma", gamma)
    require_positive("tau_m", tau_m, "ms")
    couplings = brunel_couplings(g, gamma) if couplings is None else couplings
    j_mat, j_ext = coupling_matrix(couplings)
    nu = hz_to_per_ms(np.asarray(rates_hz, dtype=float))
    scale = tau_m * np.sqrt(k) * j
    return {"exc": scale * j_mat[:, 0] * nu[0], "inh": scale * j_mat[:, 1] * nu[1],
            "ext": scale * j_ext * hz_to_per_ms(nu0_hz)}


def brunel_rate_hz(g, eta, j=0.1, c_e=1000, gamma=0.25, neuron=BRUNEL_NEURON):
    """Self-consistent rate (Hz) of Brunel's (2000) model A in the asynchronous state (his eqs. 4, 5, 21).

    mu = C_E J tau (nu_ext + nu (1 - g gamma)), sigma^2 = C_E J^2 tau (nu_ext + nu (1 + g^2 gamma)),
    nu = Siegert(mu, sigma), with nu_ext = eta nu_thr. Found by brentq between 0 and 1/t_ref
    (for g < 4 there may be several solutions; this returns the lowest).
    """
    _check_brunel(g, eta, j, c_e, gamma, neuron)
    if eta == 0:                # no input at all: the silent state nu = 0 is the lowest solution
        return 0.0
    tau = float(neuron.tau_m)
    nu_ext = hz_to_per_ms(eta * brunel_threshold_rate_hz(j, c_e, neuron))
    v_th, v_reset = neuron.v_th - neuron.e_l, neuron.v_reset - neuron.e_l

    def mismatch(nu):
        mu = c_e * j * tau * (nu_ext + nu * (1 - g * gamma))
        sigma = np.sqrt(c_e * j ** 2 * tau * (nu_ext + nu * (1 + g ** 2 * gamma)))
        return hz_to_per_ms(_siegert_rate_hz(mu, sigma, tau, neuron.t_ref, v_th, v_reset)) - nu

    top = 1.0 / neuron.t_ref if neuron.t_ref > 0 else 1.0
    grid = np.linspace(0.0, top * (1 - 1e-9), 200)
    values = np.array([mismatch(nu) for nu in grid])
    change = np.flatnonzero(np.sign(values[:-1]) != np.sign(values[1:]))
    if values[0] == 0:
        return 0.0
    if change.size == 0:
        raise ValueError(f"no self-consistent rate found for g = {g}, eta = {eta}.")
    i = change[0]
    return float(per_ms_to_hz(brentq(mismatch, grid[i], grid[i + 1], xtol=1e-12)))


def brunel_balanced_rate_hz(g, eta, j=0.1, c_e=1000, gamma=0.25, neuron=BRUNEL_NEURON):
    """Brunel's (2000) high-inhibition estimate (nu_ext - nu_thr) / (g gamma - 1), Hz (mean input at threshold)."""
    _check_brunel(g, eta, j, c_e, gamma, neuron)
    if g * gamma <= 1:
        raise ValueError(f"g gamma = {g * gamma} must exceed 1 (inhibition must dominate) for this estimate.")
    nu_thr = brunel_threshold_rate_hz(j, c_e, neuron)
    return (eta * nu_thr - nu_thr) / (g * gamma - 1)


def _check_brunel(g, eta, j, c_e, gamma, neuron):
    """The arguments of Brunel's model A: g > 0, eta >= 0, j > 0 mV, a whole c_e >= 1, gamma > 0, an LIF neuron."""
    require_positive("g", g)
    require_non_negative("eta", eta)
    require_positive("j", j, "mV")
    require_count("c_e", c_e)
    require_positive("gamma", gamma)
    require_lif("neuron", neuron)
