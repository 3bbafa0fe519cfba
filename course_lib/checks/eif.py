"""Checks for chapter 02 (exponential integrate-and-fire and AdEx), and the reference pieces they use.

Checks: the EIF right-hand side, one forward-Euler AdEx step with reset and adaptation jump, a
numerical rheobase, the adaptation index. Each runs the student's function on cases it chooses,
compares with theory (course_lib.theory) or the reference below, and names the likely mistake.

The reference pieces they use live in the library: ``analysis.adaptation_index``,
``analysis.classify_firing_pattern`` and the firing-pattern table of Gerstner et al. (2014),
Table 6.1 (``neurons.FIRING_PATTERNS``, ``neurons.firing_pattern_neurons``); they are
re-exported here for older imports. Units: ms, mV, pA, nS, pF, Hz.
"""
import numpy as np

from .. import neurons, theory
from ..analysis import adaptation_index, classify_firing_pattern  # noqa: F401 (re-exported)
from ..neurons import EIF, FIRING_PATTERNS, AdEx, firing_pattern_neurons  # noqa: F401 (re-exported)
from ..simulation import simulate
from . import NotYet, as_number, as_tuple, call_student, case_rng, check

DVDT_RTOL = 1e-9         # the right-hand side is a formula: only round-off may differ
STEP_TOL_MV = 1e-9       # one forward-Euler step is a formula too (round-off ~1e-13 mV)
RHEOBASE_RTOL = 0.01     # a 2 s run misses currents within ~0.1 pA of rheobase; 1 % allows a 1-5 pA grid
INDEX_ATOL = 1e-9        # the adaptation index is a formula on given spike times


# --------------------------------------------------------------------------------------------
# (a) the EIF right-hand side dv/dt
# --------------------------------------------------------------------------------------------

def reference_eif_dvdt(v, i_ext, neuron):
    """dv/dt (mV/ms) of the EIF: (-g_l (v - e_l) + g_l delta_t exp((v - v_t)/delta_t) + i_ext) / c_m."""
    v = np.asarray(v, dtype=float)
    spike = neuron.g_l * neuron.delta_t * np.exp((v - neuron.v_t) / neuron.delta_t)
    return (-neuron.g_l * (v - neuron.e_l) + spike + i_ext) / neuron.c_m


def _dvdt_mistake(v, i_ext, neuron, got):
    """Name the mistake of a right-hand side that differs from the reference, or return ''."""
    g_l, e_l, v_t, d_t, c_m = neuron.g_l, neuron.e_l, neuron.v_t, neuron.delta_t, neuron.c_m
    leak = -g_l * (v - e_l)
    spike = g_l * d_t * np.exp((v - v_t) / d_t)
    wrong = {
        "the exponential term needs the prefactor delta_t: g_l * delta_t * exp((v - v_t)/delta_t)":
            (leak + g_l * np.exp((v - v_t) / d_t) + i_ext) / c_m,
        "the exponent has the wrong sign: the spike current grows as v rises above v_t, "
        "exp(+(v - v_t)/delta_t)": (leak + g_l * d_t * np.exp(-(v - v_t) / d_t) + i_ext) / c_m,
        "the leak has the wrong sign: it pulls v back towards e_l, -g_l (v - e_l)":
            (-leak + spike + i_ext) / c_m,
        "divide the net current (pA) by c_m (pF) to get mV/ms": leak + spike + i_ext,
        "the input current enters with a plus sign: + i_ext": (leak + spike - i_ext) / c_m,
        "use the leak conductance, not 1/tau_m, in front of the exponential: (g_l delta_t exp(...)) / c_m":
            (leak + d_t * np.exp((v - v_t) / d_t) + i_ext) / c_m,
    }
    for why, candidate in wrong.items():
        if np.allclose(got, candidate, rtol=1e-6):
            return why
    return ""


def random_eif(rng, cls=EIF, **extra):
    """An EIF (or AdEx) neuron with random but sensible parameters."""
    g_l = float(rng.uniform(8.0, 40.0))
    e_l = float(rng.uniform(-75.0, -60.0))
    return cls(c_m=float(g_l * rng.uniform(8.0, 30.0)), g_l=g_l, e_l=e_l, v_t=float(e_l + rng.uniform(10.0, 22.0)),
               delta_t=float(rng.uniform(0.5, 4.0)), v_reset=float(e_l + rng.uniform(0.0, 12.0)), **extra)


@check("eif_dvdt: the EIF right-hand side", forbid=(EIF.spike_current, EIF._membrane_step, EIF.step))
def check_eif_dvdt(eif_dvdt):
    """Two neurons, voltages from -80 to -40 mV, three currents; then a random neuron, voltages and current."""
    rng = case_rng()
    fixed = np.linspace(-80.0, -40.0, 17)
    cases = [(neuron, fixed, i_ext) for neuron in (EIF(), EIF(c_m=150.0, g_l=10.0, e_l=-65.0, v_t=-55.0,
                                                                  delta_t=3.0))
             for i_ext in (0.0, 300.0, -100.0)]
    neuron = random_eif(rng)
    cases.append((neuron, np.sort(rng.uniform(neuron.e_l - 15.0, neuron.v_t + 3 * neuron.delta_t, 11)),
                  float(rng.uniform(-200.0, 800.0))))
    for neuron, v, i_ext in cases:
        got = eif_dvdt(v.copy(), i_ext, neuron)
        expected = reference_eif_dvdt(v, i_ext, neuron)
        if np.shape(got) != v.shape:
            raise NotYet(f"eif_dvdt(v, ...) with v of shape {v.shape} returned shape {np.shape(got)}: "
                         "use numpy operations (np.exp) so that it works on a whole array of voltages.")
        got = np.asarray(got, dtype=float)
        if not np.allclose(got, expected, rtol=DVDT_RTOL, atol=1e-12):
            k = int(np.argmax(np.abs(got - expected)))
            why = _dvdt_mistake(v, i_ext, neuron, got) or (
                "compare with c_m dv/dt = -g_l (v - e_l) + g_l delta_t exp((v - v_t)/delta_t) + i_ext")
            raise NotYet(f"at v = {v[k]:.4g} mV, i_ext = {i_ext:.4g} pA (delta_t = {neuron.delta_t:.4g} mV, "
                         f"c_m = {neuron.c_m:.4g} pF): expected dv/dt = {expected[k]:.6g} mV/ms, got "
                         f"{got[k]:.6g} mV/ms. Hint: {why}.")
    return (f"dv/dt agrees with the reference to {DVDT_RTOL:g} (relative) at {fixed.size} voltages, "
            f"3 currents, 2 neurons, and for a random neuron")


# --------------------------------------------------------------------------------------------
# (b) one forward-Euler AdEx step with reset and spike-triggered adaptation
# --------------------------------------------------------------------------------------------

def reference_adex_euler_step(v, w, i_ext, dt, neuron):
    """One forward-Euler AdEx step from (v, w) (mV, pA), then the spike rule; returns v, w, spiked."""
    v, w = np.asarray(v, dtype=float), np.asarray(w, dtype=float)
    dvdt = (-neuron.g_l * (v - neuron.e_l)
            + neuron.g_l * neuron.delta_t * np.exp((v - neuron.v_t) / neuron.delta_t) - w + i_ext) / neuron.c_m
    dwdt = (neuron.a * (v - neuron.e_l) - w) / neuron.tau_w
    v_new, w_new = v + dt * dvdt, w + dt * dwdt
    spiked = v_new >= neuron.v_peak
    return np.where(spiked, neuron.v_reset, v_new), np.where(spiked, w_new + neuron.b, w_new), spiked


def _call_adex_step(adex_step, v, w, i_ext, dt, neuron):
    """Call the student's step on copies; return (v, w, spiked) as arrays of the input shape."""
    out = call_student(adex_step, "adex_step", np.array(v, dtype=float), np.array(w, dtype=float),
                       np.array(i_ext, dtype=float), dt, neuron)
    out = as_tuple(out, 3, "adex_step", "v, w, spiked")
    shape = np.shape(v)
    v_new, w_new = (np.broadcast_to(np.asarray(x, dtype=float), shape) for x in out[:2])
    return v_new, w_new, np.broadcast_to(np.asarray(out[2], dtype=bool), shape)


def _step_v_mistake(v, w, i_ext, dt, neuron, v_new):
    """Name the mistake in the v update of a subthreshold AdEx step."""
    plus_w = v + dt * reference_eif_dvdt(v, i_ext + w, neuron)
    no_w = v + dt * reference_eif_dvdt(v, i_ext, neuron)
    state = {"v": np.array(v, dtype=float), "w": np.array(w, dtype=float), "ref_left": np.zeros(np.shape(v))}
    neuron.step(state, np.asarray(i_ext, dtype=float), dt)
    if np.allclose(v_new, no_w, atol=STEP_TOL_MV):
        return "the adaptation current must act on the membrane: ... - w + i_ext"
    if np.allclose(v_new, plus_w, atol=STEP_TOL_MV):
        return "w is a hyperpolarising current: subtract it, ... - w + i_ext"
    if np.allclose(v_new, state["v"], atol=1e-6):
        return ("this is the exponential-Euler step of AdEx.step (with w updated first); the task asks for "
                "forward Euler, v + dt * dv/dt, with both right-hand sides at the old (v, w)")
    implied = (np.asarray(v_new, dtype=float) - v) / dt
    return _dvdt_mistake(v, i_ext - w, neuron, implied) or (
        "v_new = v + dt * (-g_l (v - e_l) + g_l delta_t exp((v - v_t)/delta_t) - w + i_ext) / c_m, "
        "with the old v and w")


@check("adex_step: forward Euler for v and w, reset and the jump of w at a spike",
       forbid=(AdEx.step, EIF._membrane_step, EIF.spike_current, neurons._relax))
def check_adex_step(adex_step):
    """Subthreshold neurons vs the reference (fixed, then random); a neuron that crosses v_peak next to one
    that does not."""
    rng = case_rng()
    dt = 0.1
    neuron = AdEx(v_reset=-58.0)   # reset differs from e_l (-70.6 mV), so the two cannot be confused
    # 1. subthreshold: both right-hand sides at the old (v, w)
    v = np.array([-70.6, -65.0, -58.0, -52.0, -50.0])
    w = np.array([0.0, 40.0, 120.0, -20.0, 80.0])
    i_ext = np.array([0.0, 300.0, 500.0, 650.0, 700.0])
    other = random_eif(rng, AdEx, a=float(rng.uniform(0.0, 10.0)), b=float(rng.uniform(10.0, 150.0)),
                       tau_w=float(rng.uniform(50.0, 300.0)))
    for neuron, v, w, i_ext, dt in ((neuron, v, w, i_ext, dt),
                                    (other, rng.uniform(other.e_l - 5.0, other.v_t, 6), rng.uniform(-50.0, 150.0, 6),
                                     rng.uniform(-100.0, 600.0, 6), float(rng.choice([0.05, 0.1, 0.2])))):
        _check_subthreshold_adex(adex_step, v, w, i_ext, dt, neuron)
    neuron, dt = AdEx(v_reset=-58.0), 0.1
    _check_crossing_adex(adex_step, neuron, dt)
    return "subthreshold update, reset to v_reset and the jump w -> w + b all agree to 1e-9 (one neuron random)"


def _check_subthreshold_adex(adex_step, v, w, i_ext, dt, neuron):
    """One subthreshold forward-Euler step from (v, w) against the reference, naming mistakes."""
    v_new, w_new, spiked = _call_adex_step(adex_step, v, w, i_ext, dt, neuron)
    v_ref, w_ref, _ = reference_adex_euler_step(v, w, i_ext, dt, neuron)
    if not np.allclose(v_new, v_ref, atol=STEP_TOL_MV, rtol=0):
        k = int(np.argmax(np.abs(v_new - v_ref)))
        why = _step_v_mistake(v, w, i_ext, dt, neuron, v_new)
        raise NotYet(f"subthreshold neuron with v = {v[k]:.4g} mV, w = {w[k]:.4g} pA, i_ext = {i_ext[k]:.4g} pA, dt = "
                     f"{dt} ms: expected v = {v_ref[k]:.6f} mV, got {v_new[k]:.6f} mV. Hint: {why}.")
    if not np.allclose(w_new, w_ref, atol=STEP_TOL_MV, rtol=0):
        k = int(np.argmax(np.abs(w_new - w_ref)))
        w_with_new_v = w + dt * (neuron.a * (v_new - neuron.e_l) - w) / neuron.tau_w
        if np.isclose(w_new[k], w_with_new_v[k], atol=STEP_TOL_MV):
            why = "you used the new v in dw/dt; evaluate both right-hand sides at the old (v, w)"
        elif np.isclose(w_new[k], w[k], atol=STEP_TOL_MV):
            why = "w did not move: tau_w dw/dt = a (v - e_l) - w"
        else:
            why = "w_new = w + dt * (a (v - e_l) - w) / tau_w"
        raise NotYet(f"subthreshold neuron with v = {v[k]:.4g} mV, w = {w[k]:.4g} pA: expected w = {w_ref[k]:.6f} pA, "
                     f"got {w_new[k]:.6f} pA. Hint: {why}.")
    if np.any(spiked):
        raise NotYet(f"none of these neurons reaches v_peak = {neuron.v_peak} mV, but spiked = {spiked.tolist()}: "
                     "set spiked = (v_new >= v_peak).")


def _check_crossing_adex(adex_step, neuron, dt):
    """Neuron 0 crosses v_peak in this step, neuron 1 does not: reset and jump only where spiked."""
    # 2. neuron 0 crosses v_peak in this step (the exponential term is huge at -33 mV), neuron 1 does not
    v, w, i_ext = np.array([-33.0, -65.0]), np.array([100.0, 100.0]), np.array([500.0, 500.0])
    v_new, w_new, spiked = _call_adex_step(adex_step, v, w, i_ext, dt, neuron)
    v_ref, w_ref, spiked_ref = reference_adex_euler_step(v, w, i_ext, dt, neuron)
    v_free = v + dt * reference_eif_dvdt(v, i_ext - w, neuron)
    w_free = w + dt * (neuron.a * (v - neuron.e_l) - w) / neuron.tau_w
    if not spiked[0] or spiked[1]:
        raise NotYet(f"v = -33 mV jumps to {v_free[0]:.0f} mV in one step, past v_peak = {neuron.v_peak} mV, while "
                     f"v = -65 mV stays below; expected spiked = [True, False], got {spiked.tolist()}.")
    if not np.isclose(v_new[0], neuron.v_reset, atol=STEP_TOL_MV):
        if np.isclose(v_new[0], neuron.e_l, atol=1e-9):
            why = "it was reset to e_l; reset to v_reset (here they differ)"
        elif v_new[0] >= neuron.v_peak:
            why = "forgotten reset: where v reached v_peak, set v to v_reset"
        else:
            why = "after a spike v must equal v_reset"
        raise NotYet(f"after crossing v_peak expected v = v_reset = {neuron.v_reset} mV, got {v_new[0]:.4g} mV: {why}.")
    if not np.isclose(w_new[0], w_ref[0], atol=STEP_TOL_MV):
        if np.isclose(w_new[0], w_free[0], atol=STEP_TOL_MV):
            why = f"forgotten jump: at a spike w increases by b = {neuron.b} pA"
        elif np.isclose(w_new[0], neuron.b, atol=STEP_TOL_MV):
            why = "w was set to b; add b to the updated w instead"
        else:
            why = "the spiking neuron's w is the Euler update plus b"
        raise NotYet(f"the spiking neuron should end with w = {w_ref[0]:.4f} pA, got {w_new[0]:.4f} pA: {why}.")
    if not np.isclose(w_new[1], w_ref[1], atol=STEP_TOL_MV) or not np.isclose(v_new[1], v_ref[1], atol=STEP_TOL_MV):
        raise NotYet(f"the neuron that did not spike changed wrongly: expected v = {v_ref[1]:.4f} mV, "
                     f"w = {w_ref[1]:.4f} pA, got v = {v_new[1]:.4f} mV, w = {w_new[1]:.4f} pA. Apply the reset "
                     "and the jump by b only where spiked is True (np.where).")


# --------------------------------------------------------------------------------------------
# (c) the rheobase, found numerically
# --------------------------------------------------------------------------------------------

@check("find_rheobase_eif: the rheobase found by simulation", forbid=(theory,),
       require=(simulate, EIF.step), require_what="a simulation of the neuron (simulate)")
def check_find_rheobase_eif(find_rheobase_eif):
    """Two EIF neurons whose rheobases differ, and a random one; compare with g_l (v_t - e_l - delta_t)."""
    rng = case_rng()
    g_l = float(rng.uniform(10.0, 30.0))
    e_l = float(rng.uniform(-72.0, -62.0))
    random_neuron = EIF(c_m=float(g_l * rng.uniform(10.0, 20.0)), g_l=g_l, e_l=e_l,
                        v_t=float(e_l + rng.uniform(12.0, 20.0)), delta_t=float(rng.uniform(1.0, 3.0)), v_reset=e_l)
    lines = []
    for neuron in (EIF(), EIF(c_m=200.0, g_l=10.0, e_l=-65.0, v_t=-52.0, delta_t=3.0, v_reset=-65.0), random_neuron):
        got = find_rheobase_eif(neuron)
        expected = float(theory.eif_rheobase(neuron))
        got = as_number(got, "find_rheobase_eif (a current in pA)")
        if not abs(got - expected) <= RHEOBASE_RTOL * expected:
            no_spike_current = neuron.g_l * (neuron.v_t - neuron.e_l)
            if np.isclose(got, no_spike_current, rtol=RHEOBASE_RTOL / 2):
                why = (f"g_l (v_t - e_l) = {no_spike_current:.1f} pA would hold v at v_t without the spike current; "
                       f"the exponential current helps, so the EIF fires from g_l delta_t = "
                       f"{neuron.g_l * neuron.delta_t:.0f} pA less. Did you use the formula of a LIF?")
            elif np.isclose(got, neuron.g_l * (neuron.v_peak - neuron.e_l), rtol=RHEOBASE_RTOL / 2):
                why = "the membrane need not be driven to v_peak: the exponential current takes over past v_t"
            elif got > expected:
                why = ("too high: currents just above rheobase take long to fire (the bottleneck near v_t); "
                       "simulate at least 1-2 s and use a finer grid of currents")
            else:
                why = "too low: check that you count a current as firing only if a spike occurred"
            raise NotYet(f"EIF with g_l = {neuron.g_l:.4g} nS, e_l = {neuron.e_l:.4g} mV, v_t = {neuron.v_t:.4g} mV, "
                         f"delta_t = {neuron.delta_t:.4g} mV: expected a rheobase of {expected:.1f} pA (within "
                         f"{RHEOBASE_RTOL:.0%}), got {got:.1f} pA. Hint: {why}.")
        lines.append(f"{got:.1f} pA vs theory {expected:.1f} pA ({abs(got - expected) / expected:.2%})")
    return "; ".join(lines)


# --------------------------------------------------------------------------------------------
# (d) the adaptation index
# --------------------------------------------------------------------------------------------

@check("adaptation_index: how much the intervals lengthen", forbid=(adaptation_index,))
def check_adaptation_index(adaptation_index_fn):
    """Regular, lengthening, shortening and irregular trains with known indices (the last two random)."""
    rng = case_rng()
    growth = float(rng.uniform(1.1, 1.6))
    trains = {
        "a regular train (ISI 20 ms)": np.arange(10) * 20.0 + 5.0,
        "ISIs growing by x1.5 each time": np.concatenate([[0.0], np.cumsum(10.0 * 1.5 ** np.arange(6))]),
        "ISIs shrinking by x0.8 each time": np.concatenate([[3.0], 3.0 + np.cumsum(50.0 * 0.8 ** np.arange(8))]),
        f"ISIs growing by x{growth:.3f} each time": np.cumsum(rng.uniform(5.0, 20.0) *
                                                             growth ** np.arange(int(rng.integers(4, 12)))),
        "an irregular train": np.cumsum(rng.uniform(5.0, 60.0, size=int(rng.integers(6, 20)))),
    }
    for label, times in trains.items():
        expected = adaptation_index(times)
        got = adaptation_index_fn(times.copy())
        intervals = np.diff(times)
        pairs = intervals[1:], intervals[:-1]
        wrong = {
            "the sign is flipped: use the later ISI minus the earlier one, ISI_{i+1} - ISI_i": -expected,
            "normalise each difference by the sum of the two ISIs, (ISI_{i+1} - ISI_i)/(ISI_{i+1} + ISI_i)":
                float(np.mean(pairs[0] - pairs[1])),
            "compute the intervals first (np.diff(spike_times)), then compare neighbouring intervals":
                float(np.mean((times[1:] - times[:-1]) / (times[1:] + times[:-1]))),
            "average over the pairs (np.mean), not the sum":
                float(np.sum((pairs[0] - pairs[1]) / (pairs[0] + pairs[1]))),
        }
        got_value = as_number(got, "adaptation_index")
        if not np.isclose(got_value, expected, atol=INDEX_ATOL):
            why = next((w for w, value in wrong.items()
                        if np.isclose(got_value, value, atol=INDEX_ATOL) and not np.isclose(value, expected)),
                       "A = mean over i of (ISI_{i+1} - ISI_i)/(ISI_{i+1} + ISI_i)")
            raise NotYet(f"for {label}: expected A = {expected:.6f}, got {got_value:.6f}. Hint: {why}.")
    growth = adaptation_index(trains["ISIs growing by x1.5 each time"])   # (1.5 - 1)/(1.5 + 1) = 0.2
    return f"all five trains agree to {INDEX_ATOL:g} (ISIs x1.5 per spike give A = 0.5/2.5 = {growth:.3f})"
