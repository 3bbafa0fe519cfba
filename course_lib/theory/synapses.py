"""Synapse theory: kernel peaks and integrals, Campbell's theorem for shot noise, the free membrane
of a neuron bombarded by Poisson inputs, conductance steady states, the NMDA Mg2+ block and I-V
curve, NMDA and GABA_B kinetics, and the steady state of Tsodyks-Markram short-term plasticity.

Units as everywhere: ms, mV, pA, nS, Hz (rates are converted with course_lib.units).
Kernels are scaled to a peak of 1 (see course_lib.synapses), so a weight J is the peak response.
"""
import numpy as np
from scipy.integrate import quad
from scipy.special import gamma, gammainc

from ..receptors import mg_block
from ..synapses import AlphaSynapse, BiexponentialSynapse, ExponentialSynapse, biexponential_peak_time
from ..neurons import LIF
from ..plasticity import TsodyksMarkram
from ..receptors import GABAB, NMDA
from ..units import hz_to_per_ms
from ..validation import (require_finite, require_instance, require_non_negative, require_number,
                          require_positive)

KERNEL_SYNAPSES = (ExponentialSynapse, AlphaSynapse, BiexponentialSynapse)

__all__ = ["kernel_peak_time", "kernel_integral", "kernel_square_integral", "biexponential_peak_time",
           "campbell_mean", "campbell_variance", "shot_noise_mean_std", "input_current_mean_std",
           "psp_exponential_current", "psp_peak_time", "free_membrane_mean_std", "conductance_steady_potential",
           "mg_block", "nmda_iv_curve", "nmda_gating_after_spike", "nmda_spike_increment",
           "nmda_trough_regular_train", "gabab_peak_time", "stp_steady_state", "stp_steady_efficacy",
           "stp_paired_pulse_ratio"]


# --- kernels ---------------------------------------------------------------------------------

def _biexp_peak(syn):
    t_peak = biexponential_peak_time(syn.tau_rise, syn.tau_decay)
    return np.exp(-t_peak / syn.tau_decay) - np.exp(-t_peak / syn.tau_rise)


def kernel_peak_time(synapse):
    """Time (ms) after the spike at which the synapse's kernel peaks (exponential 0, alpha tau)."""
    require_instance("synapse", synapse, KERNEL_SYNAPSES)
    if isinstance(synapse, ExponentialSynapse):
        return 0.0 * np.asarray(synapse.tau_decay)
    if isinstance(synapse, AlphaSynapse):
        return np.asarray(synapse.tau, dtype=float)
    if isinstance(synapse, BiexponentialSynapse):
        return biexponential_peak_time(synapse.tau_rise, synapse.tau_decay)
    raise TypeError(f"no kernel formula for {type(synapse).__name__}")


def kernel_integral(synapse):
    """Area under the peak-1 kernel (ms): tau_decay, e tau, or (tau_decay - tau_rise) / k_peak."""
    require_instance("synapse", synapse, KERNEL_SYNAPSES)
    if isinstance(synapse, ExponentialSynapse):
        return np.asarray(synapse.tau_decay, dtype=float)
    if isinstance(synapse, AlphaSynapse):
        return np.e * np.asarray(synapse.tau, dtype=float)
    if isinstance(synapse, BiexponentialSynapse):
        return (synapse.tau_decay - synapse.tau_rise) / _biexp_peak(synapse)
    raise TypeError(f"no kernel formula for {type(synapse).__name__}")


def kernel_square_integral(synapse):
    """Integral of the squared peak-1 kernel (ms): tau/2, e^2 tau/4, (td - tr)^2 / (2 (td + tr) k_peak^2)."""
    require_instance("synapse", synapse, KERNEL_SYNAPSES)
    if isinstance(synapse, ExponentialSynapse):
        return np.asarray(synapse.tau_decay, dtype=float) / 2.0
    if isinstance(synapse, AlphaSynapse):
        return np.e ** 2 * np.asarray(synapse.tau, dtype=float) / 4.0
    if isinstance(synapse, BiexponentialSynapse):
        tr, td = synapse.tau_rise, synapse.tau_decay
        return (td - tr) ** 2 / (2.0 * (td + tr)) / _biexp_peak(synapse) ** 2
    raise TypeError(f"no kernel formula for {type(synapse).__name__}")


# --- Campbell's theorem: shot noise from Poisson inputs ----------------------------------------

def _check_shot_noise(rate_hz, weight, k):
    """Rates >= 0 (Hz), finite weights and a number k >= 0 of inputs (not necessarily whole: theory curves)."""
    require_non_negative("rate_hz", rate_hz, "Hz")
    require_finite("weight", weight)
    require_non_negative("k", k)


def _check_two_populations(k_e, k_i, rate_e_hz, rate_i_hz, j_e, j_i):
    """Numbers of inputs >= 0, rates >= 0 (Hz) and finite peak currents (pA), each checked under its name."""
    require_non_negative("k_e", k_e)   # a number of inputs; any value >= 0: curves of theory vs K are continuous
    require_non_negative("k_i", k_i)
    require_non_negative("rate_e_hz", rate_e_hz, "Hz")
    require_non_negative("rate_i_hz", rate_i_hz, "Hz")
    require_finite("j_e", j_e, "pA")
    require_finite("j_i", j_i, "pA")


def campbell_mean(rate_hz, weight, integral_ms, k=1):
    """Mean of the sum of k Poisson trains (rate_hz each) filtered by weight * kernel: k nu J int(k)."""
    _check_shot_noise(rate_hz, weight, k)
    require_non_negative("integral_ms", integral_ms, "ms")
    return k * hz_to_per_ms(rate_hz) * weight * integral_ms


def campbell_variance(rate_hz, weight, square_integral_ms, k=1):
    """Variance of the same shot noise: k nu J^2 int(k^2)."""
    _check_shot_noise(rate_hz, weight, k)
    require_non_negative("square_integral_ms", square_integral_ms, "ms")
    return k * hz_to_per_ms(rate_hz) * np.asarray(weight, dtype=float) ** 2 * square_integral_ms


def shot_noise_mean_std(synapse, k, rate_hz, weight):
    """Mean and std of the synaptic value weight * sum of kernels from k Poisson inputs of rate_hz (Hz)."""
    require_instance("synapse", synapse, KERNEL_SYNAPSES)
    mean = campbell_mean(rate_hz, weight, kernel_integral(synapse), k)
    var = campbell_variance(rate_hz, weight, kernel_square_integral(synapse), k)
    return mean, np.sqrt(var)


def input_current_mean_std(synapse, k_e, k_i, rate_e_hz, rate_i_hz, j_e, j_i):
    """Mean and std (pA) of the current from k_e excitatory (+j_e pA) and k_i inhibitory (-j_i pA) Poisson inputs."""
    require_instance("synapse", synapse, KERNEL_SYNAPSES)
    _check_two_populations(k_e, k_i, rate_e_hz, rate_i_hz, j_e, j_i)
    mean = (campbell_mean(rate_e_hz, j_e, kernel_integral(synapse), k_e)
            - campbell_mean(rate_i_hz, j_i, kernel_integral(synapse), k_i))
    var = (campbell_variance(rate_e_hz, j_e, kernel_square_integral(synapse), k_e)
           + campbell_variance(rate_i_hz, j_i, kernel_square_integral(synapse), k_i))
    return mean, np.sqrt(var)


# --- from current to membrane potential (current-based LIF, no threshold) -----------------------

def psp_peak_time(tau_m, tau_syn):
    """Time (ms) at which the PSP of an exponential current (tau_syn) in a membrane (tau_m) peaks."""
    require_positive("tau_m", tau_m, "ms")
    require_positive("tau_syn", tau_syn, "ms")
    tau_m, tau_syn = np.asarray(tau_m, dtype=float), np.asarray(tau_syn, dtype=float)
    same = np.isclose(tau_m, tau_syn)
    safe = np.where(same, tau_syn * 1.0001, tau_syn)
    return np.where(same, tau_m, tau_m * safe / (tau_m - safe) * np.log(tau_m / safe))


def psp_exponential_current(t_ms, neuron, j_pa, tau_syn):
    """PSP (mV above rest) of one exponential current of peak j_pa (pA), decay tau_syn (ms), in an LIF.

    v(t) = (J / g_l) tau_s / (tau_m - tau_s) (exp(-t/tau_m) - exp(-t/tau_s)) for t >= 0.
    """
    require_finite("t_ms", t_ms, "ms")
    require_instance("neuron", neuron, LIF)
    require_finite("j_pa", j_pa, "pA")
    tau_syn = require_number("tau_syn", require_positive("tau_syn", tau_syn, "ms"), "ms")
    t = np.maximum(np.asarray(t_ms, dtype=float), 0.0)
    tau_m = float(neuron.tau_m)
    if np.isclose(tau_m, tau_syn):
        return j_pa / neuron.g_l * (t / tau_m) * np.exp(-t / tau_m)
    return j_pa / neuron.g_l * tau_syn / (tau_m - tau_syn) * (np.exp(-t / tau_m) - np.exp(-t / tau_syn))


def free_membrane_mean_std(neuron, k_e, k_i, rate_e_hz, rate_i_hz, j_e, j_i, tau_syn, i_ext=0.0):
    """Mean and std (mV) of the free membrane potential (no threshold) of a current-based LIF.

    Inputs: k_e excitatory and k_i inhibitory Poisson trains (rates in Hz) through exponential
    currents of peak +j_e and -j_i (pA) and decay tau_syn (ms), plus a constant i_ext (pA).
    Campbell's theorem on the PSP kernel: its area is J tau_s / g_l and the area of its square
    is (J / g_l)^2 tau_s^2 / (2 (tau_m + tau_s)).
    """
    require_instance("neuron", neuron, LIF)
    _check_two_populations(k_e, k_i, rate_e_hz, rate_i_hz, j_e, j_i)
    require_positive("tau_syn", tau_syn, "ms")
    require_finite("i_ext", i_ext, "pA")
    tau_m, g_l = neuron.tau_m, neuron.g_l
    mean = neuron.e_l + (i_ext + campbell_mean(rate_e_hz, j_e, tau_syn, k_e)
                         - campbell_mean(rate_i_hz, j_i, tau_syn, k_i)) / g_l
    square_integral = tau_syn ** 2 / (2.0 * g_l ** 2 * (tau_m + tau_syn))
    var = (campbell_variance(rate_e_hz, j_e, square_integral, k_e)
           + campbell_variance(rate_i_hz, j_i, square_integral, k_i))
    return mean, np.sqrt(var)


def conductance_steady_potential(neuron, g_e=0.0, e_e=0.0, g_i=0.0, e_i=-80.0):
    """Steady membrane potential (mV) under constant conductances g_e, g_i (nS): a conductance-weighted mean."""
    require_instance("neuron", neuron, LIF)
    require_non_negative("g_e", g_e, "nS")
    require_non_negative("g_i", g_i, "nS")
    require_finite("e_e", e_e, "mV")
    require_finite("e_i", e_i, "mV")
    return (neuron.g_l * neuron.e_l + g_e * e_e + g_i * e_i) / (neuron.g_l + g_e + g_i)


# --- NMDA ------------------------------------------------------------------------------------

def nmda_iv_curve(v, g_ns, mg_mm=1.0, e_rev=0.0):
    """NMDA membrane current (pA) at v (mV) for open conductance g_ns: g B(v) (v - e_rev); negative = inward.

    This is the current a voltage clamp measures (the physiologist's sign); the current into
    the neuron, as course_lib writes it, is its negative.
    """
    require_finite("g_ns", g_ns, "nS")
    require_finite("e_rev", e_rev, "mV")
    v = np.asarray(v, dtype=float)
    return g_ns * mg_block(v, mg_mm) * (v - e_rev)


def nmda_gating_after_spike(t_ms, nmda):
    """Exact NMDA gating s(t) (Wang 2002 kinetics) after one spike at t = 0 from rest, by quadrature.

    With x = exp(-t/tau_r), ds/dt = -s/tau_d + alpha x (1 - s) is linear in s:
    s(t) = int_0^t alpha x(u) exp(-(t - u)/tau_d - alpha tau_r (x(u) - x(t))) du.
    """
    require_finite("t_ms", t_ms, "ms")
    require_instance("nmda", nmda, NMDA)
    a, tr, td = nmda.alpha, nmda.tau_rise, nmda.tau_decay

    def at(t):
        if t <= 0:
            return 0.0
        xt = np.exp(-t / tr)
        integrand = lambda u: a * np.exp(-u / tr) * np.exp(-(t - u) / td - a * tr * (np.exp(-u / tr) - xt))
        return quad(integrand, 0.0, t, limit=200)[0]

    t = np.asarray(t_ms, dtype=float)
    return np.vectorize(at, otypes=[float])(t)


def nmda_spike_increment(nmda):
    """Amplitude of the slow decay exp(-t/tau_d) that one spike adds to s from rest: (a tr)^r gamma_lower(1 - r, a tr).

    Here a = alpha, tr = tau_rise, r = tau_rise / tau_decay. For Wang's values (alpha tau_r = 1) it
    is about 0.64: one spike opens at most ~60 % of a synapse's NMDA channels.
    """
    require_instance("nmda", nmda, NMDA)
    a_tr = nmda.alpha * nmda.tau_rise
    r = nmda.tau_rise / nmda.tau_decay
    return a_tr ** r * gammainc(1.0 - r, a_tr) * gamma(1.0 - r)


def nmda_trough_regular_train(nmda, rate_hz):
    """Gating s just before each spike of a long regular train (rate_hz), for intervals >> tau_rise.

    Each spike multiplies what is there by exp(-alpha tau_r) (saturation) and adds the increment
    k0 = nmda_spike_increment; between spikes s decays by exp(-T/tau_d). Fixed point:
    s_trough = k0 exp(-T/tau_d) / (1 - exp(-alpha tau_r - T/tau_d)).
    """
    require_instance("nmda", nmda, NMDA)
    require_positive("rate_hz", rate_hz, "Hz")
    period = 1.0 / hz_to_per_ms(rate_hz)
    decay = np.exp(-period / nmda.tau_decay)
    return nmda_spike_increment(nmda) * decay / (1.0 - np.exp(-nmda.alpha * nmda.tau_rise) * decay)


def gabab_peak_time(gabab):
    """Peak time (ms) of the GABA_B response to one short pulse (small signal: R decays with K2, G with K4).

    G(t) ~ exp(-K2 t) - exp(-K4 t), and the open fraction ~ G^4 peaks at the same time:
    t_peak = ln(K4 / K2) / (K4 - K2).
    """
    require_instance("gabab", gabab, GABAB)
    return np.log(gabab.k4 / gabab.k2) / (gabab.k4 - gabab.k2)


# --- Tsodyks-Markram short-term plasticity ---------------------------------------------------------

def _facilitation_decay(stp, interval_ms):
    tau_f = np.asarray(stp.tau_f, dtype=float)
    return np.where(tau_f > 0, np.exp(-interval_ms / np.where(tau_f > 0, tau_f, 1.0)), 0.0)


def stp_steady_state(stp, rate_hz):
    """Steady state of a regular train at rate_hz: u just after each spike and x just before it.

    With E_f = exp(-T/tau_f), E_d = exp(-T/tau_d), T = 1/rate:
    u* = (U + (1 - U) u_rest (1 - E_f)) / (1 - (1 - U) E_f),   x* = (1 - E_d) / (1 - (1 - u*) E_d).
    """
    require_instance("stp", stp, TsodyksMarkram)
    require_positive("rate_hz", rate_hz, "Hz")
    period = 1.0 / hz_to_per_ms(rate_hz)
    e_f = _facilitation_decay(stp, period)
    e_d = np.exp(-period / stp.tau_d)
    u_star = (stp.u_se + (1.0 - stp.u_se) * stp.u_rest * (1.0 - e_f)) / (1.0 - (1.0 - stp.u_se) * e_f)
    x_star = (1.0 - e_d) / (1.0 - (1.0 - u_star) * e_d)
    return u_star, x_star


def stp_steady_efficacy(stp, rate_hz):
    """Steady-state efficacy u* x* of each spike of a regular train at rate_hz (fraction of the maximal response)."""
    u_star, x_star = stp_steady_state(stp, rate_hz)
    return u_star * x_star


def stp_paired_pulse_ratio(stp, interval_ms):
    """Efficacy of the second of two spikes interval_ms apart over that of the first (rested synapse)."""
    require_instance("stp", stp, TsodyksMarkram)
    require_non_negative("interval_ms", interval_ms, "ms")
    u1 = stp.u_rest + stp.u_se * (1.0 - stp.u_rest)
    u_before = stp.u_rest + (u1 - stp.u_rest) * _facilitation_decay(stp, interval_ms)
    u2 = u_before + stp.u_se * (1.0 - u_before)
    x2 = 1.0 - u1 * np.exp(-np.asarray(interval_ms, dtype=float) / stp.tau_d)
    return u2 * x2 / u1
