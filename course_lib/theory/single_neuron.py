"""Single-neuron theory: LIF subthreshold solution, f-I curve and rheobase; EIF/AdEx rheobase;
Hodgkin-Huxley gating steady states, time constants and resting potential. Units as in neurons.py."""
import numpy as np
from scipy.optimize import brentq

from ..neurons import hh_gate_steady_state, hh_gate_time_constant  # noqa: F401  (re-exported)

__all__ = ["lif_subthreshold_v", "lif_rheobase", "lif_rate_hz", "lif_isi_ms", "eif_rheobase",
           "eif_threshold_potential", "hh_gate_steady_state", "hh_gate_time_constant",
           "hh_steady_state_current", "hh_resting_potential"]


def lif_subthreshold_v(t_ms, neuron, current, v0=None):
    """Exact LIF membrane potential (mV) at times t_ms under constant current (pA), no threshold."""
    v0 = neuron.e_l if v0 is None else v0
    v_inf = neuron.e_l + np.asarray(current, dtype=float) / neuron.g_l
    return v_inf + (v0 - v_inf) * np.exp(-np.asarray(t_ms, dtype=float) / neuron.tau_m)


def lif_rheobase(neuron):
    """Smallest constant current (pA) that makes an LIF neuron fire: g_l (v_th - e_l)."""
    return neuron.g_l * (neuron.v_th - neuron.e_l)


def lif_isi_ms(neuron, current):
    """Inter-spike interval (ms) of an LIF neuron under constant current (pA); inf below rheobase.

    From v_reset the membrane relaxes to v_inf = e_l + I/g_l and reaches v_th after
    tau_m ln((v_inf - v_reset)/(v_inf - v_th)); add the refractory period.
    """
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
    a = getattr(neuron, "a", 0.0)
    return neuron.v_t + neuron.delta_t * np.log((neuron.g_l + a) / neuron.g_l)


def eif_rheobase(neuron):
    """Current (pA) at which the EIF (or AdEx, with its steady-state adaptation a) loses its rest state.

    Steady state: 0 = -(g_l + a)(v - e_l) + g_l delta_t exp((v - v_t)/delta_t) + I. The rest state
    and the saddle merge where the slope vanishes, at v* = v_t + delta_t ln((g_l + a)/g_l); then
    I_rh = (g_l + a)(v* - e_l - delta_t). For the EIF (a = 0): I_rh = g_l (v_t - e_l - delta_t).
    """
    a = getattr(neuron, "a", 0.0)
    v_star = eif_threshold_potential(neuron)
    return (neuron.g_l + a) * (v_star - neuron.e_l - neuron.delta_t)


def hh_steady_state_current(neuron, v):
    """Net ionic current (uA/cm^2) with every gate at steady state at v (mV); zero at rest."""
    v = np.asarray(v, dtype=float)
    m, h, n = (hh_gate_steady_state(g, v) for g in "mhn")
    return (neuron.g_na * m ** 3 * h * (v - neuron.e_na) + neuron.g_k * n ** 4 * (v - neuron.e_k)
            + neuron.g_l * (v - neuron.e_l))


def hh_resting_potential(neuron):
    """Resting potential (mV) of the Hodgkin-Huxley model: the root of the steady-state current."""
    return brentq(lambda v: hh_steady_state_current(neuron, v), -80.0, -50.0)
