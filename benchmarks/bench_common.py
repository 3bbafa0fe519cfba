"""What the course_lib and Brian2 benchmark scripts share: parameters, statistics, memory, output.

Plain numpy and the standard library only, so that both environments can import it (the Brian2
virtual environment does not have course_lib). Units: ms, mV, nS, pF, Hz, as in course_lib.

The three benchmark networks (all with dt = 0.1 ms, 1 s of biological time by default):

* COBA, benchmark 1 of Brette et al. (2007): 4000 LIF neurons (3200 E, 800 I), connection probability
  0.02, exponential conductances (tau_E 5 ms, tau_I 10 ms, jumps 6 nS and 67 nS, reversal 0 and
  -80 mV), C 200 pF, g_L 10 nS (tau_m 20 ms), rest -60 mV, threshold -50 mV, reset -60 mV,
  refractory 5 ms, no delay, no external input: activity is sustained from random initial
  potentials and conductances (v ~ -65 +- 5 mV, g_E ~ 40 +- 15 nS, g_I ~ 200 +- 120 nS,
  Gaussian, as in R. Brette's reference Brian script for the paper).
* CUBA, benchmark 2 of Brette et al. (2007): the same network with exponential currents, written
  as voltages (jumps 1.62 mV = 60 x 0.27 mV / 10 and -9 mV = -20 x 4.5 mV / 10, decaying with
  5 ms and 10 ms and entering dv/dt = (-(v - E_L) + g_e + g_i) / tau_m), rest -49 mV (above
  threshold), initial v uniform between reset and threshold.
* Brunel (2000), model A: 10,000 E and 2,500 I identical LIF neurons (tau 20 ms, threshold 20 mV,
  reset 10 mV, refractory 2 ms), delta synapses of J = 0.1 mV, each neuron receiving exactly
  C_E = 1000 excitatory and C_I = 250 inhibitory inputs (g = 5: inhibitory J = -0.5 mV), delay
  D = 1.5 ms, and C_E external Poisson inputs at nu_ext = 2 nu_thr, nu_thr = theta / (J C_E tau)
  = 10 Hz. "brunel5k" is the 5,000-neuron version (4000 E, 1000 I) with C_E = 400, C_I = 100 and
  J = 0.25 mV, so that J C_E (the mean drive) is unchanged.

Inputs arriving during the refractory period are ignored (v is clamped at reset) on both sides.
"""
import json
import os
import resource
import sys
import time

import numpy as np

PROCESS_START = time.perf_counter()   # as early as the benchmark script imports this module

DT_MS = 0.1
T_STOP_MS = 1000.0

COBA = {
    "n_e": 3200, "n_i": 800, "p": 0.02,
    "c_m": 200.0, "g_l": 10.0, "e_l": -60.0, "v_th": -50.0, "v_reset": -60.0, "t_ref": 5.0,
    "tau_exc": 5.0, "tau_inh": 10.0, "e_exc": 0.0, "e_inh": -80.0,
    "w_exc_ns": 6.0, "w_inh_ns": 67.0, "delay": 0.0,
    # initial state (R. Brette's Brian script for Brette et al. 2007): Gaussian v, g_E, g_I
    "v0_mean": -65.0, "v0_sd": 5.0, "ge0_mean_ns": 40.0, "ge0_sd_ns": 15.0, "gi0_mean_ns": 200.0,
    "gi0_sd_ns": 120.0,
}

CUBA = {
    "n_e": 3200, "n_i": 800, "p": 0.02,
    "c_m": 200.0, "g_l": 10.0, "e_l": -49.0, "v_th": -50.0, "v_reset": -60.0, "t_ref": 5.0,
    "tau_exc": 5.0, "tau_inh": 10.0,
    "w_exc_mv": 60 * 0.27 / 10, "w_inh_mv": -20 * 4.5 / 10, "delay": 0.0,
}

BRUNEL = {
    "n_e": 10000, "n_i": 2500, "c_e": 1000, "c_i": 250, "j": 0.1, "g": 5.0, "eta": 2.0, "delay": 1.5,
    "tau_m": 20.0, "v_th": 20.0, "v_reset": 10.0, "t_ref": 2.0, "e_l": 0.0,
}

MODELS = ("coba", "cuba", "brunel", "brunel5k")


def scaled(params, scale):
    """COBA/CUBA parameters for a network scale times as large with the same mean in-degree (p / scale)."""
    if scale <= 0 or params["p"] / scale > 1:
        raise ValueError(f"scale = {scale} must be positive and keep p / scale = {params['p'] / scale} <= 1.")
    return {**params, "n_e": int(round(params["n_e"] * scale)), "n_i": int(round(params["n_i"] * scale)),
            "p": params["p"] / scale}


def brunel_parameters(model="brunel", n_e=None, c_e=None):
    """Brunel (2000) model A parameters; brunel5k, or any n_e / c_e, keeps J C_E = 100 mV and C_I = C_E / 4."""
    params = dict(BRUNEL)
    if model == "brunel5k":
        n_e, c_e = n_e or 4000, c_e or 400
    n_e = params["n_e"] if n_e is None else int(n_e)
    c_e = params["c_e"] if c_e is None else int(c_e)
    params.update(n_e=n_e, n_i=n_e // 4, c_e=c_e, c_i=c_e // 4, j=BRUNEL["j"] * BRUNEL["c_e"] / c_e)
    if c_e >= n_e or params["c_i"] >= params["n_i"]:
        raise ValueError(f"C_E = {c_e} must be below n_e = {n_e} (and C_E/4 below n_e/4).")
    params["nu_thr_hz"] = 1000.0 * params["v_th"] / (params["j"] * c_e * params["tau_m"])
    params["nu_ext_hz"] = params["eta"] * params["nu_thr_hz"]
    return params


def fixed_indegree_pairs(n_source, n_target, k, rng, exclude_self):
    """Each target gets k distinct sources out of n_source (no autapses if exclude_self) -> (sources, targets).

    Loop-free: draw k sources per target with replacement, then redraw the repeated ones (and
    autapses) until every row holds k distinct sources.
    """
    sources = rng.integers(0, n_source, size=(n_target, k), dtype=np.int64)
    rows = np.arange(n_target)[:, None]
    while True:
        sources.sort(axis=1)
        bad = np.zeros(sources.shape, dtype=bool)
        bad[:, 1:] = sources[:, 1:] == sources[:, :-1]
        if exclude_self:
            bad |= sources == rows
        n_bad = np.count_nonzero(bad)
        if n_bad == 0:
            break
        sources[bad] = rng.integers(0, n_source, size=n_bad)
    targets = np.repeat(np.arange(n_target, dtype=np.int64), k)
    return sources.ravel(), targets


def add_network_arguments(parser):
    """The command-line options both simulators' scripts share: duration, step, seed and size."""
    parser.add_argument("--t-stop", type=float, default=T_STOP_MS, help="biological time, ms")
    parser.add_argument("--dt", type=float, default=DT_MS, help="time step, ms")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--n-e", type=int, default=None, help="Brunel only: number of E neurons (n_i = n_e / 4)")
    parser.add_argument("--c-e", type=int, default=None, help="Brunel only: E in-degree (J scaled to keep J C_E)")
    parser.add_argument("--scale", type=float, default=1.0, help="COBA/CUBA only: size factor, same in-degree")


def spike_statistics(times_ms, indices, n_e, n, t_stop_ms, min_spikes=3):
    """E and I mean rates (Hz) over [0, t_stop_ms] and the mean CV of ISIs (neurons with >= min_spikes spikes).

    The CV of a neuron is std / mean of its inter-spike intervals, as course_lib.analysis.cv_isi.
    """
    times_ms = np.asarray(times_ms, dtype=float)
    indices = np.asarray(indices, dtype=np.int64)
    counts = np.bincount(indices, minlength=n)
    seconds = t_stop_ms / 1000.0
    order = np.lexsort((times_ms, indices))
    t_sorted, i_sorted = times_ms[order], indices[order]
    same = i_sorted[1:] == i_sorted[:-1]
    intervals, owner = np.diff(t_sorted)[same], i_sorted[1:][same]
    n_isi = np.bincount(owner, minlength=n)
    total = np.bincount(owner, intervals, minlength=n)
    total_sq = np.bincount(owner, intervals ** 2, minlength=n)
    enough = counts >= min_spikes
    mean = total[enough] / n_isi[enough]
    variance = np.maximum(total_sq[enough] / n_isi[enough] - mean ** 2, 0.0)
    cvs = np.sqrt(variance) / mean
    return {
        "rate_e_hz": float(counts[:n_e].sum() / (n_e * seconds)),
        "rate_i_hz": float(counts[n_e:].sum() / ((n - n_e) * seconds)) if n > n_e else float("nan"),
        "cv_isi": float(cvs.mean()) if cvs.size else float("nan"),
        "n_cv_neurons": int(enough.sum()),
        "n_spikes": int(times_ms.size),
    }


def peak_memory_mb(include_children=False):
    """Peak resident memory (MB) of this process (and, if asked, of its largest waited-for child)."""
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if include_children:
        peak_kb = max(peak_kb, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return peak_kb / 1024.0


def elapsed_since_start():
    """Seconds since this module was imported (the script's start, after the interpreter started)."""
    return time.perf_counter() - PROCESS_START


def emit(record):
    """Print one benchmark record as a JSON line on stdout (the driver reads the last line)."""
    record = {key: (round(value, 6) if isinstance(value, float) else value) for key, value in record.items()}
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def machine_info():
    """Processor, core count and memory of this machine (for the README table)."""
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    return {"cpu": model, "cores": os.cpu_count(), "memory_gb": round(mem_gb, 1)}
