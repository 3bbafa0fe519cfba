"""How fast a balanced network follows a step of its input (chapter 06, claim 4), stored for the lecture.

Three measurements, all with steps of the external input that switch up and down every HALF_MS:

1. ``lif``: the LIF network of chapter 06 (``balanced_lif_network``, N = 12,500, J = 0.2 mV sqrt(1000/K))
   at K = 100 ... 1600. At K = 1000 the external rate nu0 switches between 10 and 12.5 Hz; at the other K
   the two levels are chosen by the finite-K mean field so that the network fires at the same two rates.
   ``states``: both levels of every K are named by ``analysis.network_state`` on stationary runs.
2. ``control``: the same 12,500 neurons without their synapses. Each receives Poisson trains at the
   network's mean E and I rates in place of its recurrent input (K = 1000 of J, 250 of -g J) plus the
   external input, whose two levels are calibrated (``calibration``: a stationary run with 25 external
   rates) so that the control fires at the network's two rates: the same rate change, the same rates.
3. ``binary``: van Vreeswijk & Sompolinsky's binary network (``vvs_binary_network``, 5000 + 5000
   neurons) at K = 100 ... 1600, external activity m0 stepping between 0.1 and 0.1 + 0.2/sqrt(K): a
   step of the same size relative to the input fluctuations at every K (a third of their s.d.),
   next to the mean-field rate equations integrated for the same step.

Every chunk (a few switches, one seed) can be re-run alone and must give the same spike counts bit for
bit (``--check``; a test re-runs one; the notebook re-runs one live). The file keeps, per network,
the sum over its switches of the population count around each switch (signed: + for a step up,
- for a step down), from which ``analysis.step_response`` gives the normalised response.

    python tools/balanced_tracking.py                       # regenerate (about 20 min, one process)
    python tools/balanced_tracking.py --check lif 100 0 0   # re-run chunk 0 of network 0 at K = 100
    python tools/balanced_tracking.py --summary             # print the stored results
"""
import argparse
import dataclasses
import functools
import hashlib
import json
import re
import sys
import time
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_lib import analysis, theory  # noqa: E402
from course_lib.connectivity import empty_connectivity  # noqa: E402
from course_lib.drives import PoissonDrive  # noqa: E402
from course_lib.models.balanced import BRUNEL_NEURON, VVS_COUPLINGS, VVS_THRESHOLDS, balanced_lif_network  # noqa: E402
from course_lib.models.binary import vvs_binary_network  # noqa: E402
from course_lib.network import Network, ei_populations, simulate_network  # noqa: E402

DATA_FILE = ROOT / "notebooks" / "data" / "balanced_tracking.json"
BASE_SEED = 2006

# --- the LIF protocol (section 1 and 2 of the docstring) ---
DT_MS = 0.1
HALF_MS = 100.0            # the input switches every 100 ms; the uncoupled control needs ~50 ms to settle
WARM_MS = 120.0            # at the low level before the first switch
SWITCHES = 8               # per chunk: 4 up, 4 down; a chunk lasts WARM_MS + SWITCHES * HALF_MS = 920 ms
BASELINE_MS, FINAL_MS = 20.0, 30.0    # the old level: 20 ms before a switch; the new one: its last 30 ms
K_VALUES = (100, 200, 400, 800, 1000, 1600)
K_MAIN, LEVELS_MAIN_HZ, G = 1000, (10.0, 12.5), 8.0
NETWORKS = {100: 3, 200: 3, 400: 3, 800: 3, 1000: 6, 1600: 3}     # independent networks (wiring seeds) per K
CHUNKS = {100: 3, 200: 3, 400: 3, 800: 3, 1000: 8, 1600: 3}       # chunks per network
CONTROL_GROUPS, CONTROL_CHUNKS = 6, 3
STATE_MS, STATE_SKIP_MS = 1200.0, 200.0
CALIBRATION_RATES_HZ = tuple(np.round(np.linspace(10.6, 12.2, 25), 4))   # external rates of the control
CALIBRATION_MS, CALIBRATION_SKIP_MS = 1100.0, 100.0

# --- the binary protocol (section 3) ---
BINARY_DT_MS, BINARY_HALF_MS, BINARY_WARM_MS, BINARY_SWITCHES = 0.1, 40.0, 50.0, 20
BINARY_BASELINE_MS, BINARY_FINAL_MS = 10.0, 10.0
BINARY_K = (100, 200, 400, 800, 1600)
BINARY_N, BINARY_M0, BINARY_STEP = 5000, 0.1, 0.2     # n_e = n_i; step of m0 = BINARY_STEP / sqrt(K)
BINARY_NETWORKS, BINARY_CHUNKS = 3, 3
BINARY_TAU_MS = np.array([10.0, 9.0])                 # tau_E, tau_I of vvs_binary_network

FINE_LEVEL = 1 - np.exp(-1)      # the response time: when the response reaches 63 % of the change
COARSE_MS = 0.5                  # bins for the overshoot and its time (less noise than single steps)
SETTLE_MS = 1.0                  # bins for the settling time


# ----------------------------------------------------------------------------------------------
# Protocol pieces shared by the runs (and by the notebook, which repeats them in a few lines)
# ----------------------------------------------------------------------------------------------

def switching_rate(low, high, first_ms, half_ms, dt=DT_MS):
    """A rate (Hz) as a function of t_ms: low until first_ms, then high and low in turn for half_ms each.

    Decided on whole steps of dt (t_ms = k dt), so that round-off cannot move a switch by a step.
    """
    first, half = round(first_ms / dt), round(half_ms / dt)

    def rate(t_ms):
        k = round(t_ms / dt)
        return high if k >= first and (k - first) // half % 2 == 0 else low
    return rate


def signed_segments(counts, first_step, half_steps, n_base, n_switches):
    """Sum over switches of +-counts[switch - n_base : switch + half_steps] (+ after a step up, - after one down)."""
    starts = first_step + half_steps * np.arange(n_switches) - n_base
    segments = counts[starts[:, None] + np.arange(n_base + half_steps)]
    signs = np.where(np.arange(n_switches) % 2 == 0, 1, -1)
    return (signs[:, None] * segments).sum(axis=0)


def digest(*arrays):
    """First 16 hex digits of the SHA-256 of the arrays' bytes (int64): a chunk's fingerprint."""
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a, dtype=np.int64).tobytes())
    return h.hexdigest()[:16]


def steps_per_chunk(dt=DT_MS, warm=WARM_MS, half=HALF_MS, switches=SWITCHES):
    """Number of simulation steps in one chunk."""
    return round((warm + switches * half) / dt)


# ----------------------------------------------------------------------------------------------
# LIF network and uncoupled control
# ----------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def lif_levels(k):
    """The two external rates (Hz) at in-degree k: 10 and 12.5 Hz at K = 1000; elsewhere the same mean-field rates."""
    if k == K_MAIN:
        return LEVELS_MAIN_HZ
    targets = [theory.balanced_lif_rates_hz(K_MAIN, nu0, g=G)[0] for nu0 in LEVELS_MAIN_HZ]
    return tuple(round(brentq(lambda nu0: theory.balanced_lif_rates_hz(k, nu0, g=G)[0] - r, 1.0, 80.0, xtol=1e-9), 4)
                 for r in targets)


def build_lif(k, network):
    """Network number `network` at in-degree k (its wiring has its own seed); external rate set per run."""
    return balanced_lif_network(k=k, nu0_hz=lif_levels(k)[0], g=G, seed=[BASE_SEED, 1, k, network])


def with_rate(net, rate_hz):
    """The same network with its external Poisson rate replaced (a number or a function of t_ms)."""
    return dataclasses.replace(net, drives=(dataclasses.replace(net.drives[0], rate_hz=rate_hz),))


def step_counts(result, n_steps):
    """Spikes per simulation step of the E and of the I population: two int arrays of n_steps."""
    step = np.round(result.spike_times / result.dt).astype(np.int64) - 1 - round(result.info["t_start"] / result.dt)
    is_e = result.spike_indices < result.n_e
    return (np.bincount(step[is_e], minlength=n_steps), np.bincount(step[~is_e], minlength=n_steps))


def chunk_summary(counts_e, counts_i, seed):
    """What one chunk contributes: its signed response trace, level sums, spike counts and fingerprint."""
    counts = counts_e + counts_i
    first, half = round(WARM_MS / DT_MS), round(HALF_MS / DT_MS)
    n_base, n_final = round(BASELINE_MS / DT_MS), round(FINAL_MS / DT_MS)
    ends = first + half * (np.arange(SWITCHES) + 1)
    final = np.array([counts[e - n_final:e].sum() for e in ends])
    return {"seed": seed, "trace": signed_segments(counts, first, half, n_base, SWITCHES).tolist(),
            "final_up": int(final[0::2].sum()), "final_down": int(final[1::2].sum()),
            "spikes_e": int(counts_e[first:].sum()), "spikes_i": int(counts_i[first:].sum()),
            "digest": digest(counts_e, counts_i)}


def run_lif_chunk(k, network, chunk, net=None):
    """Chunk `chunk` of network `network` at in-degree k: per-step spike counts (E, I) and the chunk seed."""
    net = build_lif(k, network) if net is None else net
    seed = [BASE_SEED, 2, k, network, chunk]
    run = simulate_network(with_rate(net, switching_rate(*lif_levels(k), WARM_MS, HALF_MS)),
                           WARM_MS + SWITCHES * HALF_MS, DT_MS, seed=seed, progress=False)
    return (*step_counts(run, steps_per_chunk()), seed)


def control_network(rate_e_hz, rate_i_hz, x_low_hz, x_high_hz, k=K_MAIN):
    """The network's neurons without synapses: Poisson trains at its E and I rates, plus the switching external input.

    K external trains and K excitatory trains, all of J mV, make together K Poisson trains at
    nu_x(t) + nu_E; gamma K = 250 inhibitory trains of -g J at nu_I. x_low_hz / x_high_hz may be
    arrays (one external rate per neuron: the calibration).
    """
    net = balanced_lif_network(k=k, nu0_hz=10.0, g=G, recurrent=False)
    j, k_inh, n = net.info["strengths"][("E", "E")], net.info["k_inh"], net.n
    if np.ndim(x_low_hz):
        excitatory = PoissonDrive(np.asarray(x_low_hz) + rate_e_hz, k, j)
    else:
        excitatory = PoissonDrive(switching_rate(x_low_hz + rate_e_hz, x_high_hz + rate_e_hz, WARM_MS, HALF_MS), k, j)
    inhibitory = PoissonDrive(rate_i_hz, k_inh, -G * j, channel="inh")
    return Network(BRUNEL_NEURON, ei_populations(net.n_e, net.n_i), empty_connectivity(n),
                   drives=(excitatory, inhibitory),
                   info={"model": "uncoupled control", "k": k, "j": j, "g": G})


def run_control_chunk(group, chunk, control):
    """Chunk `chunk` of control group `group` (control: dict with rate_e_hz, rate_i_hz, x_low_hz, x_high_hz)."""
    seed = [BASE_SEED, 3, group, chunk]
    net = control_network(control["rate_e_hz"], control["rate_i_hz"], control["x_low_hz"], control["x_high_hz"])
    run = simulate_network(net, WARM_MS + SWITCHES * HALF_MS, DT_MS, seed=seed, progress=False)
    return (*step_counts(run, steps_per_chunk()), seed)


def calibrate_control(rate_e_hz, rate_i_hz, low_hz, high_hz):
    """External rates (Hz) at which the uncoupled neurons fire at the network's low and high rates.

    One stationary run: 25 groups of 500 neurons, each at one external rate of CALIBRATION_RATES_HZ;
    a cubic through the 25 measured rates is solved for the two targets.
    """
    n_groups, n = len(CALIBRATION_RATES_HZ), 12500
    x = np.repeat(CALIBRATION_RATES_HZ, n // n_groups)
    net = control_network(rate_e_hz, rate_i_hz, x, x)
    run = simulate_network(net, CALIBRATION_MS, DT_MS, seed=[BASE_SEED, 4], progress=False)
    rates = analysis.firing_rates_hz(run.spike_times, run.spike_indices, net.n, CALIBRATION_SKIP_MS, CALIBRATION_MS)
    group_rates = rates.reshape(n_groups, -1).mean(axis=1)
    cubic = np.polynomial.Polynomial.fit(CALIBRATION_RATES_HZ, group_rates, 3)
    solve = lambda target: brentq(lambda v: cubic(v) - target, CALIBRATION_RATES_HZ[0], CALIBRATION_RATES_HZ[-1])
    return {"external_hz": list(CALIBRATION_RATES_HZ), "rate_hz": group_rates.round(4).tolist(),
            "x_low_hz": float(solve(low_hz)), "x_high_hz": float(solve(high_hz)),
            "gain": float(cubic.deriv()(0.5 * (solve(low_hz) + solve(high_hz))))}


def network_states(k, net):
    """analysis.network_state of network 0 at in-degree k at both external levels (stationary runs)."""
    out = []
    for index, level in enumerate(lif_levels(k)):
        run = simulate_network(with_rate(net, level), STATE_MS, DT_MS, seed=[BASE_SEED, 5, k, index], progress=False)
        state = analysis.network_state(run.spike_times, run.spike_indices, net.n, STATE_SKIP_MS, STATE_MS)
        out.append({"nu0_hz": level, **{key: (round(v, 4) if isinstance(v, float) else v) for key, v in state.items()}})
    return out


# ----------------------------------------------------------------------------------------------
# The binary network
# ----------------------------------------------------------------------------------------------

def binary_step(k):
    """Step of m0 at in-degree k: BINARY_STEP / sqrt(K) (the same fraction of the input s.d. at every K)."""
    return BINARY_STEP / np.sqrt(k)


def build_binary(k, network):
    """Binary network number `network` at in-degree k (vvs_binary_network, 5000 E and 5000 I neurons)."""
    return vvs_binary_network(k=k, m0=BINARY_M0, n_e=BINARY_N, n_i=BINARY_N, seed=[BASE_SEED, 6, k, network])


def run_binary_chunk(k, network, chunk, net=None):
    """Active E and I neurons at the start of every step of one chunk (t = step dt); m0 switches between two levels.

    The external input of neuron i is h_ext_i = sqrt(K) c_iX m0, so a step of m0 adds
    h_ext_i / m0 * (change of m0) to every neuron's input h (BinaryNetwork.step keeps h up to date).
    """
    net = build_binary(k, network) if net is None else net
    seed = [BASE_SEED, 7, k, network, chunk]
    rng = np.random.default_rng(seed)
    state = net.initial_state(rng)
    per_m0 = net.h_ext / BINARY_M0
    m0_at = switching_rate(BINARY_M0, BINARY_M0 + binary_step(k), BINARY_WARM_MS, BINARY_HALF_MS, BINARY_DT_MS)
    n_steps = steps_per_chunk(BINARY_DT_MS, BINARY_WARM_MS, BINARY_HALF_MS, BINARY_SWITCHES)
    active_e, active_i = np.empty(n_steps, dtype=np.int64), np.empty(n_steps, dtype=np.int64)
    m0 = BINARY_M0
    for step in range(n_steps):
        active_e[step] = np.count_nonzero(state["s"][:net.n_e])        # the state at t = step * dt
        active_i[step] = np.count_nonzero(state["s"][net.n_e:])
        new_m0 = m0_at(step * BINARY_DT_MS)
        if new_m0 != m0:
            state["h"] += per_m0 * (new_m0 - m0)
            m0 = new_m0
        net.step(state, BINARY_DT_MS, rng)
    return active_e, active_i, seed


def binary_chunk_summary(active_e, active_i, seed):
    """Signed response traces (E and I active counts) of one binary chunk and its fingerprint."""
    first, half = round(BINARY_WARM_MS / BINARY_DT_MS), round(BINARY_HALF_MS / BINARY_DT_MS)
    n_base = round(BINARY_BASELINE_MS / BINARY_DT_MS)
    trace = {name: signed_segments(a, first, half, n_base, BINARY_SWITCHES).tolist()
             for name, a in (("E", active_e), ("I", active_i))}
    return {"seed": seed, "trace_e": trace["E"], "trace_i": trace["I"], "digest": digest(active_e, active_i)}


def binary_mean_field_response(k, m0=BINARY_M0, dm0=None, linear=False, t_max=40.0, dt=0.005):
    """Mean-field response of the binary network to a step of m0 (rate equations of van Vreeswijk & Sompolinsky).

    tau_k dm_k/dt = -m_k + H((theta_k - u_k) / sqrt(alpha_k)) with u_k = sqrt(K) (c_kX m0 + sum_l c_kl m_l) and
    alpha_k = sum_l c_kl^2 m_l (1 - m_l) (fixed in-degree; theory.vvs_mean_field), integrated from the fixed
    point at m0 after m0 steps to m0 + dm0; linear=True integrates the equations linearised at the fixed point.
    Returns (t in ms, x of shape (2, steps): the E and I responses normalised from 0 to 1).
    """
    dm0 = binary_step(k) if dm0 is None else dm0
    j, j_ext = theory.coupling_matrix(VVS_COUPLINGS)
    theta = np.array([VVS_THRESHOLDS["E"], VVS_THRESHOLDS["I"]])

    def target(m, m0_now):
        mean = np.sqrt(k) * (j_ext * m0_now + j @ m)
        return theory.gaussian_tail((theta - mean) / np.sqrt((j ** 2) @ (m * (1 - m))))

    start = theory.vvs_mean_field(k, m0, fixed_indegree=True)
    t = np.arange(0.0, t_max, dt)
    if linear:
        eps = 1e-7
        jac = np.column_stack([(target(start + eps * e, m0) - target(start - eps * e, m0)) / (2 * eps)
                               for e in np.eye(2)])
        drive = (target(start, m0 + eps) - target(start, m0 - eps)) / (2 * eps) * dm0
        a = (jac - np.eye(2)) / BINARY_TAU_MS[:, None]
        sol = solve_ivp(lambda _, d: a @ d + drive / BINARY_TAU_MS, (0, t_max), np.zeros(2), t_eval=t, rtol=1e-10,
                        atol=1e-14)
        return t, sol.y / np.linalg.solve(-a, drive / BINARY_TAU_MS)[:, None]
    end = theory.vvs_mean_field(k, m0 + dm0, fixed_indegree=True)
    sol = solve_ivp(lambda _, m: (-m + target(m, m0 + dm0)) / BINARY_TAU_MS, (0, t_max), start, t_eval=t, rtol=1e-10,
                    atol=1e-13, max_step=0.02)
    return t, (sol.y - start[:, None]) / (end - start)[:, None]


# ----------------------------------------------------------------------------------------------
# From stored traces to response times
# ----------------------------------------------------------------------------------------------

def lag_grid(kind):
    """Lags (ms) of a stored trace's samples: bin centres (LIF: spikes per step) or sample times (binary: states)."""
    if kind == "binary":
        n_base, n_half = round(BINARY_BASELINE_MS / BINARY_DT_MS), round(BINARY_HALF_MS / BINARY_DT_MS)
        return (np.arange(n_base + n_half) - n_base) * BINARY_DT_MS
    n_base, n_half = round(BASELINE_MS / DT_MS), round(HALF_MS / DT_MS)
    return (np.arange(n_base + n_half) - n_base + 0.5) * DT_MS


def normalised(trace, kind, bin_ms=None):
    """(lag in ms, x, change per sample summed over the switches) of a summed signed trace, in bins of bin_ms.

    Bins start at the switch (the baseline and the window are whole numbers of bins).
    """
    lag, trace = lag_grid(kind), np.asarray(trace, dtype=float)
    if bin_ms is not None:
        per_bin = round(bin_ms / (lag[1] - lag[0]))
        lag, trace = lag.reshape(-1, per_bin).mean(axis=1), trace.reshape(-1, per_bin).mean(axis=1)
    if kind == "binary":
        return analysis.step_response(lag, trace, [0.0], BINARY_HALF_MS, baseline_ms=BINARY_BASELINE_MS,
                                      final_ms=BINARY_FINAL_MS)
    return analysis.step_response(lag, trace, [0.0], HALF_MS, baseline_ms=BASELINE_MS, final_ms=FINAL_MS)


def ringing_fit(lag, x, from_ms, until_ms=60.0, starts_hz=(20.0, 40.0, 70.0, 110.0, 150.0)):
    """Fit x = 1 + a exp(-lag / tau) cos(2 pi f lag + phase) from from_ms to until_ms: the decay of the ringing.

    Returns frequency_hz, decay_ms, amplitude and envelope_ms, the lag at which the fitted envelope
    a exp(-lag / tau) falls below 0.1 (a settling time that uses every sample, not the last noisy one).
    The best of several starting frequencies (Hz) is kept.
    """
    from scipy.optimize import curve_fit

    def model(t, a, tau, f, phase):
        return 1.0 + a * np.exp(-t / tau) * np.cos(2 * np.pi * f * t / 1000.0 + phase)

    use = (lag >= from_ms) & (lag < until_ms)
    best = None
    for f0 in starts_hz:
        try:
            p, _ = curve_fit(model, lag[use], x[use], p0=(1.0, 5.0, f0, 0.0),
                             bounds=([0.0, 0.1, 1.0, -4 * np.pi], [50.0, 100.0, 400.0, 4 * np.pi]))
        except RuntimeError:
            continue
        rms = float(np.sqrt(np.mean((model(lag[use], *p) - x[use]) ** 2)))
        if best is None or rms < best[1]:
            best = (p, rms)
    if best is None:
        return {"frequency_hz": np.nan, "decay_ms": np.nan, "amplitude": np.nan, "envelope_ms": np.nan, "rms": np.nan}
    (a, tau, f, _), rms = best
    return {"frequency_hz": float(f), "decay_ms": float(tau), "amplitude": float(a),
            "envelope_ms": float(tau * np.log(a / 0.1)) if a > 0.1 else 0.0, "rms": rms}


def metrics(traces, kind, fit_until_ms=30.0, ringing=False, ringing_starts=None):
    """Response time (63 %), exponential fit, overshoot, settling (and the ringing fit) of a sum of stored traces.

    t63 and the exponential fit on single steps (0.1 ms LIF, 0.1 ms binary), the overshoot and its
    lag on 0.5 ms bins, the settling into +-10 % on 1 ms bins; noise_*: the s.d. of x before the step.
    """
    total = np.sum(np.asarray(traces, dtype=float), axis=0)
    fine_lag, fine_x, change = normalised(total, kind)
    fine = analysis.response_time(fine_lag, fine_x, level=FINE_LEVEL, fit_until_ms=fit_until_ms)
    coarse_lag, coarse_x, _ = normalised(total, kind, COARSE_MS)
    coarse = analysis.response_time(coarse_lag, coarse_x, level=FINE_LEVEL)
    settle_lag, settle_x, _ = normalised(total, kind, SETTLE_MS)
    settle = analysis.response_time(settle_lag, settle_x, level=FINE_LEVEL)
    out = {"t63_ms": fine["t_cross_ms"], "tau_ms": fine["tau_ms"], "delay_ms": fine["delay_ms"],
           "fit_rms": fine["fit_rms"], "overshoot": coarse["overshoot"], "t_peak_ms": coarse["t_peak_ms"],
           "settling_ms": settle["settling_ms"], "noise_fine": float(np.std(fine_x[fine_lag < 0])),
           "noise_coarse": float(np.std(coarse_x[coarse_lag < 0])),
           "noise_settle": float(np.std(settle_x[settle_lag < 0])), "change_summed": change,
           "exp_settling_ms": fine["delay_ms"] + fine["tau_ms"] * np.log(10.0)}     # the fitted exponential within 10 %
    if ringing:
        kwargs = {} if ringing_starts is None else {"starts_hz": ringing_starts}
        out["ringing"] = ringing_fit(fine_lag, fine_x, coarse["t_peak_ms"], **kwargs)
    return out


def bootstrap(per_network_traces, kind, n_resamples=200, seed=BASE_SEED, **options):
    """Spread of each metric over resamples (with replacement) of the networks: s.d. and 16-84 % interval."""
    rng = np.random.default_rng(seed)
    traces = np.asarray(per_network_traces, dtype=float)
    draws = [metrics(traces[rng.integers(0, len(traces), len(traces))], kind, **options) for _ in range(n_resamples)]
    spread = {key: float(np.nanstd([d[key] for d in draws])) for key in draws[0] if key != "ringing"}
    spread["interval"] = {key: np.nanpercentile([d[key] for d in draws], [16, 84]).tolist()
                          for key in ("t63_ms", "t_peak_ms", "overshoot", "settling_ms")}
    if "ringing" in draws[0]:
        spread["ringing"] = {key: float(np.nanstd([d["ringing"][key] for d in draws])) for key in draws[0]["ringing"]}
    return spread


def log_log_slope(k, t, sd):
    """Slope of log t against log k, weighted by the relative errors sd / t, and its standard error."""
    weights = t / sd if np.all(np.isfinite(sd) & (sd > 0)) else np.ones_like(t)
    if k.size < 4:                                   # too few points for an error estimate
        return {"slope": float(np.polyfit(np.log(k), np.log(t), 1, w=weights)[0]), "slope_se": np.nan}
    (slope, _), cov = np.polyfit(np.log(k), np.log(t), 1, w=weights, cov=True)
    return {"slope": float(slope), "slope_se": float(np.sqrt(cov[0, 0]))}


def summarise(record):
    """Response times etc. of every experiment in the record: pooled, per network, bootstrap s.d."""
    n_neurons = 12500
    switch_rate = lambda change, switches: change / switches / (n_neurons * DT_MS / 1000.0)   # counts -> Hz
    out = {"lif": {}, "binary": {}}
    for key, entry in record["lif"].items():
        traces = [net["trace"] for net in entry["networks"]]
        m = metrics(traces, "lif", ringing=True)
        switches = sum(net["switches"] for net in entry["networks"])
        m["rate_change_hz"] = switch_rate(m.pop("change_summed"), switches)
        m["per_network_t63_ms"] = [metrics([t], "lif")["t63_ms"] for t in traces]
        m["bootstrap_sd"] = bootstrap(traces, "lif", ringing=True, ringing_starts=(m["ringing"]["frequency_hz"],))
        m["switches"] = switches
        out["lif"][key] = m
    traces = [group["trace"] for group in record["control"]["groups"]]
    m = metrics(traces, "lif")
    switches = sum(group["switches"] for group in record["control"]["groups"])
    m["rate_change_hz"] = switch_rate(m.pop("change_summed"), switches)
    m["per_network_t63_ms"] = [metrics([t], "lif")["t63_ms"] for t in traces]
    m["bootstrap_sd"] = bootstrap(traces, "lif")
    m["switches"] = switches
    out["control"] = m
    for key, entry in record["binary"].items():
        for pop in ("e", "i"):
            traces = [net[f"trace_{pop}"] for net in entry["networks"]]
            m = metrics(traces, "binary", fit_until_ms=20.0)
            switches = sum(net["switches"] for net in entry["networks"])
            m["activity_change"] = m.pop("change_summed") / switches / BINARY_N
            m["per_network_t63_ms"] = [metrics([t], "binary")["t63_ms"] for t in traces]
            m["bootstrap_sd"] = bootstrap(traces, "binary")
            m["switches"] = switches
            out["binary"].setdefault(key, {})[pop.upper()] = m
    out["slopes"] = {}
    for name, table, pop, quantity in (("lif", out["lif"], None, "t63_ms"), ("lif_peak", out["lif"], None, "t_peak_ms"),
                                       ("binary", out["binary"], "E", "t63_ms")):
        ks = np.array(sorted(int(k) for k in table))
        rows = [table[str(k)] if pop is None else table[str(k)][pop] for k in ks]
        values = np.array([row[quantity] for row in rows])
        sd = np.array([row["bootstrap_sd"][quantity] for row in rows])
        out["slopes"][name] = {"k": ks.tolist(), "quantity": quantity, **log_log_slope(ks, values, sd)}
    mf = record["binary_theory"]
    ks = np.array(mf["k"])
    for name in ("t63_e_ms", "t63_e_linear_ms"):
        out["slopes"][f"binary_mean_field_{name}"] = float(np.polyfit(np.log(ks), np.log(mf[name]), 1)[0])
    return out


# ----------------------------------------------------------------------------------------------
# Generate, load, check
# ----------------------------------------------------------------------------------------------

def generate():
    """Run everything with one process and write DATA_FILE."""
    start, walls = time.perf_counter(), {}
    record = {"description": __doc__.split("\n\n")[0], "generated_by": "python tools/balanced_tracking.py",
              "numpy": np.__version__, "base_seed": BASE_SEED,
              "protocol": {"dt_ms": DT_MS, "half_ms": HALF_MS, "warm_ms": WARM_MS, "switches_per_chunk": SWITCHES,
                           "baseline_ms": BASELINE_MS, "final_ms": FINAL_MS, "g": G, "n_e": 10000, "n_i": 2500,
                           "j_mv_at_k1000": 0.2, "networks": NETWORKS, "chunks": CHUNKS,
                           "control_groups": CONTROL_GROUPS, "control_chunks": CONTROL_CHUNKS,
                           "state_ms": STATE_MS, "state_skip_ms": STATE_SKIP_MS,
                           "binary": {"dt_ms": BINARY_DT_MS, "half_ms": BINARY_HALF_MS, "warm_ms": BINARY_WARM_MS,
                                      "switches_per_chunk": BINARY_SWITCHES, "baseline_ms": BINARY_BASELINE_MS,
                                      "final_ms": BINARY_FINAL_MS, "n_e": BINARY_N, "n_i": BINARY_N,
                                      "m0": BINARY_M0, "step_times_sqrt_k": BINARY_STEP,
                                      "networks": BINARY_NETWORKS, "chunks": BINARY_CHUNKS}},
              "lif": {}, "states": {}}
    for k in K_VALUES:
        t0 = time.perf_counter()
        entry = {"levels_hz": list(lif_levels(k)), "networks": []}
        for network in range(NETWORKS[k]):
            net = build_lif(k, network)
            if network == 0:
                record["states"][str(k)] = network_states(k, net)
            chunks = [chunk_summary(*run_lif_chunk(k, network, chunk, net)) for chunk in range(CHUNKS[k])]
            entry["networks"].append(combine_chunks(chunks))
        record["lif"][str(k)] = entry
        walls[f"lif K={k}"] = time.perf_counter() - t0
        print(f"LIF K = {k}: {walls[f'lif K={k}']:.0f} s; states {[s['state'] for s in record['states'][str(k)]]}",
              flush=True)
    t0 = time.perf_counter()
    main = record["lif"][str(K_MAIN)]["networks"]
    t_switching = sum(n["switches"] for n in main) * HALF_MS / 1000.0        # s
    rate_e = sum(n["spikes_e"] for n in main) / (10000 * t_switching)
    rate_i = sum(n["spikes_i"] for n in main) / (2500 * t_switching)
    t_final = sum(n["switches"] for n in main) / 2 * FINAL_MS / 1000.0       # s in the final windows of each level
    low = sum(n["final_down"] for n in main) / (12500 * t_final)
    high = sum(n["final_up"] for n in main) / (12500 * t_final)
    calibration = calibrate_control(rate_e, rate_i, low, high)
    control = {"rate_e_hz": rate_e, "rate_i_hz": rate_i, "network_low_hz": low, "network_high_hz": high,
               "x_low_hz": calibration["x_low_hz"], "x_high_hz": calibration["x_high_hz"]}
    walls["calibration"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    groups = [combine_chunks([chunk_summary(*run_control_chunk(group, chunk, control))
                              for chunk in range(CONTROL_CHUNKS)]) for group in range(CONTROL_GROUPS)]
    record["control"] = {**control, "calibration": calibration, "groups": groups}
    walls["control"] = time.perf_counter() - t0
    print(f"control: {walls['control']:.0f} s; external {control['x_low_hz']:.3f} <-> {control['x_high_hz']:.3f} Hz",
          flush=True)
    record["binary"] = {}
    for k in BINARY_K:
        t0 = time.perf_counter()
        networks = []
        for network in range(BINARY_NETWORKS):
            net = build_binary(k, network)
            chunks = [binary_chunk_summary(*run_binary_chunk(k, network, chunk, net)) for chunk in range(BINARY_CHUNKS)]
            networks.append({"chunks": [{key: c[key] for key in ("seed", "digest")} for c in chunks],
                             "switches": len(chunks) * BINARY_SWITCHES,
                             "trace_e": np.sum([c["trace_e"] for c in chunks], axis=0).tolist(),
                             "trace_i": np.sum([c["trace_i"] for c in chunks], axis=0).tolist()})
        m_start = theory.vvs_mean_field(k, BINARY_M0, fixed_indegree=True)
        record["binary"][str(k)] = {"step_m0": binary_step(k), "mean_field_m": m_start.tolist(), "networks": networks}
        walls[f"binary K={k}"] = time.perf_counter() - t0
        print(f"binary K = {k}: {walls[f'binary K={k}']:.0f} s", flush=True)
    theory_rows = {"k": list(BINARY_K), "t63_e_ms": [], "t63_i_ms": [], "t63_e_linear_ms": []}
    for k in BINARY_K:
        t, x = binary_mean_field_response(k)
        _, x_linear = binary_mean_field_response(k, linear=True)
        theory_rows["t63_e_ms"].append(analysis.response_time(t, x[0])["t_cross_ms"])
        theory_rows["t63_i_ms"].append(analysis.response_time(t, x[1])["t_cross_ms"])
        theory_rows["t63_e_linear_ms"].append(analysis.response_time(t, x_linear[0])["t_cross_ms"])
    record["binary_theory"] = theory_rows
    walls["total"] = time.perf_counter() - start
    record["wall_time_s"] = {key: round(v, 1) for key, v in walls.items()}
    record["processes"] = 1
    DATA_FILE.parent.mkdir(parents=True, exist_ok=True)
    DATA_FILE.write_text(compact_json(record) + "\n")            # the runs are safe before the analysis
    record["summary"] = summarise(record)
    DATA_FILE.write_text(compact_json(record) + "\n")
    print(f"done in {walls['total']:.0f} s with one process -> {DATA_FILE.relative_to(ROOT)}")
    print_summary(record)


def combine_chunks(chunks):
    """One network's entry: the chunks' seeds and fingerprints, its summed trace and level sums."""
    return {"chunks": [{key: c[key] for key in ("seed", "digest", "spikes_e", "spikes_i")} for c in chunks],
            "trace": np.sum([c["trace"] for c in chunks], axis=0).tolist(), "switches": len(chunks) * SWITCHES,
            **{key: int(sum(c[key] for c in chunks)) for key in ("final_up", "final_down", "spikes_e", "spikes_i")}}


def compact_json(record):
    """JSON with every list of numbers on one line (readable, and small enough for the repository)."""
    text = json.dumps(record, indent=1, default=float)
    return re.sub(r"\[\s*([-0-9.eE+,\s]+?)\s*\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text)


def load():
    """The stored record (dict)."""
    return json.loads(DATA_FILE.read_text())


def check_chunk(kind, *args):
    """Re-run one stored chunk; returns (stored fingerprint, re-run fingerprint)."""
    record = load()
    if kind == "lif":
        k, network, chunk = (int(a) for a in args)
        stored = record["lif"][str(k)]["networks"][network]["chunks"][chunk]["digest"]
        counts_e, counts_i, _ = run_lif_chunk(k, network, chunk)
    elif kind == "control":
        group, chunk = (int(a) for a in args)
        stored = record["control"]["groups"][group]["chunks"][chunk]["digest"]
        counts_e, counts_i, _ = run_control_chunk(group, chunk, record["control"])
    elif kind == "binary":
        k, network, chunk = (int(a) for a in args)
        stored = record["binary"][str(k)]["networks"][network]["chunks"][chunk]["digest"]
        counts_e, counts_i, _ = run_binary_chunk(k, network, chunk)
    else:
        raise ValueError(f"kind must be 'lif', 'control' or 'binary' (got {kind!r}).")
    return stored, digest(counts_e, counts_i)


def print_summary(record):
    """The stored results as a short table."""
    s = record["summary"]
    main, control = s["lif"][str(K_MAIN)], s["control"]
    print("states:", {k: [st["state"] for st in v] for k, v in record["states"].items()})
    for name, m in (("network", main), ("control", control)):
        sd = m["bootstrap_sd"]
        print(f"{name}: t63 {m['t63_ms']:.2f} +- {sd['t63_ms']:.2f} ms "
              f"(per network {np.round(m['per_network_t63_ms'], 2)}), "
              f"rate change {m['rate_change_hz']:.2f} Hz, overshoot {m['overshoot']:.2f} +- {sd['overshoot']:.2f}, "
              f"peak at {m['t_peak_ms']:.1f} ms, settling {m['settling_ms']:.1f} +- {sd['settling_ms']:.1f} ms, "
              f"fit tau {m['tau_ms']:.2f} delay {m['delay_ms']:.2f} rms {m['fit_rms']:.2f}; "
              f"noise {m['noise_fine']:.3f} / {m['noise_coarse']:.3f} / {m['noise_settle']:.3f}"
              + (f"; ringing {m['ringing']['frequency_hz']:.0f} +- {sd['ringing']['frequency_hz']:.0f} Hz, decay "
                 f"{m['ringing']['decay_ms']:.1f} +- {sd['ringing']['decay_ms']:.1f} ms, envelope < 10 % after "
                 f"{m['ringing']['envelope_ms']:.1f} +- {sd['ringing']['envelope_ms']:.1f} ms"
                 if "ringing" in m else ""))
    for k, m in s["lif"].items():
        print(f"LIF K = {k}: t63 {m['t63_ms']:.2f} +- {m['bootstrap_sd']['t63_ms']:.2f} ms, "
              f"overshoot {m['overshoot']:.2f}, peak {m['t_peak_ms']:.2f} +- {m['bootstrap_sd']['t_peak_ms']:.2f} ms, "
              f"settling {m['settling_ms']:.1f} ms, "
              f"change {m['rate_change_hz']:.2f} Hz, noise {m['noise_fine']:.3f}; ringing "
              f"{m['ringing']['frequency_hz']:.0f} Hz, decay {m['ringing']['decay_ms']:.1f} ms")
    for k, pops in s["binary"].items():
        m = pops["E"]
        print(f"binary K = {k}: t63 E {m['t63_ms']:.2f} +- {m['bootstrap_sd']['t63_ms']:.2f} ms, "
              f"I {pops['I']['t63_ms']:.2f} ms, "
              f"change {m['activity_change']:.4f}, noise {m['noise_fine']:.3f}")
    print("binary mean field t63 E:", np.round(record["binary_theory"]["t63_e_ms"], 2), "linear:",
          np.round(record["binary_theory"]["t63_e_linear_ms"], 2))
    print("slopes:", s["slopes"])
    print("wall time (s):", record["wall_time_s"])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", nargs="+", metavar="ARG",
                        help="re-run one chunk and compare: lif K NETWORK CHUNK | control GROUP CHUNK | "
                             "binary K NETWORK CHUNK")
    parser.add_argument("--summary", action="store_true", help="print the stored results")
    parser.add_argument("--resummarise", action="store_true", help="recompute the summary from the stored runs")
    args = parser.parse_args()
    if args.summary:
        print_summary(load())
        return 0
    if args.resummarise:
        record = load()
        record["summary"] = summarise(record)
        DATA_FILE.write_text(compact_json(record) + "\n")
        print_summary(record)
        return 0
    if args.check:
        stored, rerun = check_chunk(*args.check)
        print(f"stored {stored}, re-run {rerun}: " + ("identical" if stored == rerun else
                                                      "DIFFERENT: regenerate with python tools/balanced_tracking.py"))
        return 0 if stored == rerun else 1
    generate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
