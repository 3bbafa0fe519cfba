"""Bad input gets a clear error, everywhere (issue 20): a property-style test of the public callables of
neurons, simulation, inputs, units, synapses, receptors, plasticity, network, analysis, plotting, theory (single
neuron, synapses, working memory, attractor, balanced, decision) and models (cann, working_memory).

Each callable has a valid call (CASES below). The test replaces one argument at a time by a bad value of
its kind (nan, inf, negative, zero where positive is needed, text, a wrong shape, a huge count, dt = 1e-7,
t_stop shorter than dt), plus one value drawn at random for that kind from a seeded generator (a negative
number of random magnitude, a random fractional count, ...), in a seeded random order, and requires a
ValueError or TypeError whose message names the argument. Nothing may
return (no NaN, no empty run), hang or run out of memory: each call runs in a forked child with a time
limit and a memory limit. The valid call itself must succeed without NaN.
"""
import inspect
import os
import pickle
import resource
import select
import signal
import sys

import numpy as np
import pytest

from matplotlib.figure import Figure

from course_lib import (analysis, connectivity, drives, inputs, network, neurons, plasticity, plotting, receptors,
                        simulation, synapses, units)
from course_lib.models import balanced as balanced_models
from course_lib.models import binary as binary_models
from course_lib.models import cann, working_memory as wm
from course_lib.models.decision import WangNetwork, WongWang, pool_counts, pool_rates_hz, run_trials, spiking_decisions
from course_lib.projections import PooledProjection
from course_lib.receptors import AMPA
from course_lib.theory import attractor, balanced as tb, decision as td, single_neuron as sn, synapses as ts
from course_lib.theory import toolkit
from course_lib.theory import working_memory as twm

SEED = 20
TIME_LIMIT_S = 10.0          # a call that takes longer counts as a hang
MEMORY_LIMIT_BYTES = 4 * 2 ** 30   # a call that needs more fails in the child, not on the machine
NAN, INF = float("nan"), float("inf")

# Bad values by kind of argument. Each list is what a careless student might pass.
BAD = {
    "num": [NAN, INF, -INF, "abc", None],                       # any finite number
    "pos": [NAN, INF, -1.0, 0.0, "abc"],                         # a finite number > 0
    "nonneg": [NAN, INF, -1.0, "abc"],                           # a finite number >= 0
    "count": [NAN, INF, -1, 0, 2.5, "abc", 10 ** 12],            # a whole number >= 1, not absurdly large
    "seed": [-1, "abc", 2.5],                                    # None, an int >= 0 or a Generator
    "obj": ["abc", 3.0],                                         # a model / parameter object
    "only": [],                                                  # just the argument's own list
    "dt": [NAN, INF, -0.1, 0.0, "abc", 1e-7],                     # 1e-7 ms: far too many steps
    "t_stop": [NAN, INF, -1.0, 0.0, "abc", 0.01, 1e12],          # 0.01 ms is shorter than every dt below
    "array": [NAN, INF, "abc", [1.0, NAN]],                      # finite numbers of any shape
    "count0": [NAN, INF, -1, 2.5, "abc", 10 ** 12],              # a whole number >= 0 (an empty population is valid)
    "whole": [NAN, INF, -1, 0, 2.5, "abc"],                      # a whole number >= 1 in a formula (any size)
}

LIF, EIF, ADEX, HH = neurons.LIF(), neurons.EIF(), neurons.AdEx(), neurons.HodgkinHuxley()
STP = plasticity.TsodyksMarkram.facilitating()
RING = cann.CANN(n=64)
RATE = wm.RateModel(p=3)
NET = wm.MongilloNetwork(n_e=100, n_i=25, p=2)
EXP = synapses.ExponentialSynapse()

# Part III: small networks (100 neurons) and spike data of 10 neurons over 200 ms
BRUNEL = balanced_models.brunel_network(n_e=80, n_i=20, seed=1)
BALANCED = balanced_models.balanced_lif_network(k=10, n_e=100, n_i=25, seed=1)
BINARY = binary_models.vvs_binary_network(k=10, n_e=100, n_i=100, seed=1)
RESULT = network.simulate_network(BRUNEL, 20.0, seed=2)
CONN = connectivity.Connectivity.from_pairs([0, 1, 2], [1, 2, 0], 1.0, 3, 3)
VVS = balanced_models.VVS_COUPLINGS
WONG = WongWang()
WANG = WangNetwork(n_e=40, n_i=10)                            # 50 neurons: quick runs
WANG_RUN = run_trials(WANG, 10.0, t_stop=5.0, t_on=1.0, t_off=4.0, n_trials=2, seed=1)
AX = Figure().subplots()
_SPIKE_RNG = np.random.default_rng(SEED)
TIMES = np.sort(_SPIKE_RNG.uniform(0.0, 200.0, 400))
SPIKE_INDICES = _SPIKE_RNG.integers(0, 10, 400)
SPIKES3 = {"times_ms": TIMES, "indices": SPIKE_INDICES, "n": 10}
WINDOWED = {**SPIKES3, "t_start": 0.0, "t_stop": 200.0}
WINDOWED_NEURONS = {"times_ms": TIMES, "indices": SPIKE_INDICES, "neurons": np.arange(10), "t_start": 0.0,
                    "t_stop": 200.0}
# indices of spikes: beyond n (10), negative, fractional, of another length than times_ms
INDICES = ("array", [np.where(np.arange(400) == 7, 10, SPIKE_INDICES), np.where(np.arange(400) == 7, -1, SPIKE_INDICES),
                     SPIKE_INDICES + 0.5, SPIKE_INDICES[:5]])
INDICES_ANY = ("array", INDICES[1][1:])              # where any index >= 0 is valid (neurons without spikes)
MIN_SPIKES = ("only", [NAN, INF, -1, 0, 2.5, "abc"])   # a huge min_spikes is valid: the CV is then nan
SPIKE_TIMES = ("array", [np.ones((2, 2))])            # one neuron's spike times: 1-d
_T_STEP = np.arange(0.0, 200.0, 1.0)
STEP = {"t_ms": _T_STEP, "signal": (_T_STEP >= 100) * (1 - np.exp(-np.maximum(_T_STEP - 100, 0) / 5.0)),
        "t_steps": [100.0], "window_ms": 50.0}
LAG = np.arange(-10.0, 50.0, 0.5)
COH = np.array([3.2, 6.4, 12.8, 25.6, 51.2])


def wm_result():
    return network.simulate_network(NET.network(seed=1), 20.0, dt=0.2, seed=1)


# (label, function, valid keyword arguments, {argument: kind or (kind, [extra bad values])})
CASES = [
    # --- neurons ---
    ("LIF", neurons.LIF, {}, {"c_m": "pos", "g_l": "pos", "e_l": "num", "v_th": "num", "v_reset": "num",
                              "t_ref": "nonneg"}),
    ("EIF", neurons.EIF, {}, {"c_m": "pos", "g_l": "pos", "e_l": "num", "v_t": "num", "delta_t": "pos",
                              "v_peak": "num", "v_reset": "num", "t_ref": "nonneg"}),
    ("AdEx", neurons.AdEx, {}, {"a": "num", "b": "num", "tau_w": "pos", "v_t": "num"}),
    ("HodgkinHuxley", neurons.HodgkinHuxley, {}, {"c_m": "pos", "g_na": "nonneg", "g_k": "nonneg", "g_l": "pos",
                                                   "e_na": "num", "e_k": "num", "e_l": "num", "v_spike": "num"}),
    ("LIF.initial_state", LIF.initial_state, {"n": 3}, {"n": "count"}),
    ("AdEx.initial_state", ADEX.initial_state, {"n": 3}, {"n": "count"}),
    ("HodgkinHuxley.initial_state", HH.initial_state, {"n": 3, "v0": -65.0},
     {"n": "count", "v0": ("num", [np.zeros(5)])}),
    ("hh_gate_steady_state", neurons.hh_gate_steady_state, {"gate": "m", "v": -65.0},
     {"gate": ("obj", ["q", 1]), "v": "array"}),
    ("hh_gate_time_constant", neurons.hh_gate_time_constant, {"gate": "h", "v": -65.0},
     {"gate": ("obj", ["q"]), "v": "array"}),
    ("firing_pattern_neurons", neurons.firing_pattern_neurons, {"names": ["tonic"]},
     {"names": ("obj", [[], ["tonik"], "tonic"])}),
    # --- simulation ---
    ("simulate", simulation.simulate, {"model": LIF, "current": 300.0, "t_stop": 5.0, "dt": 0.1},
     {"model": "obj", "current": ("array", [np.zeros((7, 3, 2)), np.zeros((7, 3))]), "t_stop": "t_stop", "dt": "dt",
      "n": "count", "record": ("obj", [("q",), 3.0]), "record_neurons": ("array", [[5], [-1], [0.5]]),
      "state": ("obj", [{"v": np.array([NAN]), "ref_left": np.zeros(1)}])}),
    ("check_dt", simulation.check_dt, {"model": LIF, "dt": 0.1}, {"model": "obj", "dt": ("pos", [10.0])}),
    ("n_steps_for", simulation.n_steps_for, {"t_stop": 5.0, "dt": 0.1}, {"t_stop": "t_stop", "dt": "dt"}),
    # --- inputs ---
    ("time_grid", inputs.time_grid, {"t_stop": 5.0, "dt": 0.1}, {"t_stop": "t_stop", "dt": "dt"}),
    ("step_current", inputs.step_current, {"t_stop": 5.0, "dt": 0.1, "amplitude": 100.0, "t_on": 1.0},
     {"t_stop": "t_stop", "dt": "dt", "amplitude": "array", "t_on": "num", "t_off": "num", "baseline": "array"}),
    ("ramp_current", inputs.ramp_current, {"t_stop": 5.0, "dt": 0.1, "start": 0.0, "end": 100.0},
     {"t_stop": "t_stop", "dt": "dt", "start": "num", "end": "num", "t_on": "num", "t_off": "num"}),
    ("white_noise_current", inputs.white_noise_current, {"t_stop": 5.0, "dt": 0.1, "mean": 0.0, "sigma": 10.0},
     {"t_stop": "t_stop", "dt": "dt", "mean": "array", "sigma": "nonneg", "n": "count", "rng": "seed"}),
    ("ou_current", inputs.ou_current, {"t_stop": 5.0, "dt": 0.1, "mean": 0.0, "sigma": 10.0, "tau": 5.0},
     {"t_stop": "t_stop", "dt": "dt", "mean": "array", "sigma": "nonneg", "tau": "pos", "n": "count", "rng": "seed"}),
    ("poisson_counts", inputs.poisson_counts, {"rate_hz": 10.0, "n": 2, "t_stop": 5.0, "dt": 0.1},
     {"rate_hz": ("nonneg", [np.ones(5)]), "n": "count", "t_stop": "t_stop", "dt": "dt", "rng": "seed"}),
    ("poisson_spikes", inputs.poisson_spikes, {"rate_hz": 10.0, "n": 2, "t_stop": 5.0, "dt": 0.1},
     {"rate_hz": "nonneg", "n": "count", "t_stop": "t_stop", "dt": "dt", "rng": "seed"}),
    ("counts_from_spikes", inputs.counts_from_spikes,
     {"times_ms": [1.0, 2.0], "indices": [0, 1], "n": 2, "t_stop": 5.0, "dt": 0.1},
     {"times_ms": ("array", [[1.0]]), "indices": ("array", [[0, 5], [0, -1], [0.5, 1]]), "n": "count",
      "t_stop": "t_stop", "dt": "dt"}),
    ("regular_spike_counts", inputs.regular_spike_counts, {"rate_hz": 100.0, "n": 2, "t_stop": 50.0, "dt": 0.1},
     {"rate_hz": ("pos", [1e300, np.ones(5)]), "n": "count", "t_stop": "t_stop", "dt": "dt", "t_first": "num"}),
    # --- units ---
    ("hz_to_per_ms", units.hz_to_per_ms, {"rate_hz": 10.0}, {"rate_hz": ("only", [NAN, "abc", None])}),
    ("per_ms_to_hz", units.per_ms_to_hz, {"rate_per_ms": 0.01}, {"rate_per_ms": ("only", [NAN, "abc", None])}),
    ("expected_count", units.expected_count, {"rate_hz": 10.0, "duration_ms": 5.0},
     {"rate_hz": ("only", [NAN, "abc"]), "duration_ms": "nonneg"}),
    ("count_rate_hz", units.count_rate_hz, {"count": 3, "duration_ms": 100.0, "n": 2},
     {"count": "nonneg", "duration_ms": "pos", "n": "pos"}),
    # --- synapses ---
    ("exponential_kernel", synapses.exponential_kernel, {"t_ms": [0.0, 1.0], "tau_decay": 5.0},
     {"t_ms": "array", "tau_decay": "pos"}),
    ("alpha_kernel", synapses.alpha_kernel, {"t_ms": [0.0, 1.0], "tau": 2.0}, {"t_ms": "array", "tau": "pos"}),
    ("biexponential_kernel", synapses.biexponential_kernel, {"t_ms": [0.0, 1.0], "tau_rise": 0.5, "tau_decay": 5.0},
     {"t_ms": "array", "tau_rise": "pos", "tau_decay": ("pos", [0.2])}),
    ("biexponential_peak_time", synapses.biexponential_peak_time, {"tau_rise": 0.5, "tau_decay": 5.0},
     {"tau_rise": "pos", "tau_decay": ("pos", [0.5])}),
    ("ExponentialSynapse", synapses.ExponentialSynapse, {}, {"tau_decay": "pos"}),
    ("AlphaSynapse", synapses.AlphaSynapse, {}, {"tau": "pos"}),
    ("BiexponentialSynapse", synapses.BiexponentialSynapse, {}, {"tau_rise": "pos", "tau_decay": "pos"}),
    ("ExponentialSynapse.initial_state", EXP.initial_state, {"n": 2}, {"n": "count"}),
    ("synaptic_current", synapses.synaptic_current, {"value": 0.5, "v": -60.0, "weight": 2.0, "e_rev": 0.0},
     {"value": "array", "v": "array", "weight": "array", "e_rev": "array", "block": "array"}),
    ("SynapticInput", synapses.SynapticInput, {"synapse": EXP, "arrivals": 1.0},
     {"synapse": "obj", "arrivals": ("array", [-1.0]), "weight": "array", "e_rev": "array", "name": ("only", [3, ""])}),
    ("simulate_synapses", synapses.simulate_synapses,
     {"neuron": LIF, "inputs": [synapses.SynapticInput(EXP, 1.0, weight=50.0)], "t_stop": 5.0, "dt": 0.1},
     {"neuron": "obj", "inputs": ("obj", [[3.0]]), "t_stop": "t_stop", "dt": "dt", "n": "count",
      "i_ext": "array", "v_clamp": "array", "record": ("obj", [("q",)])}),
    # --- receptors ---
    ("mg_block", receptors.mg_block, {"v": -60.0}, {"v": "array", "mg_mm": "nonneg"}),
    ("AMPA", receptors.AMPA, {}, {"tau_decay": "pos", "e_rev": "num"}),
    ("GABAA", receptors.GABAA, {}, {"tau_decay": "pos", "e_rev": "num"}),
    ("NMDA", receptors.NMDA, {}, {"tau_rise": "pos", "tau_decay": "pos", "alpha": "pos", "e_rev": "num",
                                  "mg_mm": "nonneg"}),
    ("GABAB", receptors.GABAB, {}, {"k1": "pos", "k4": "pos", "kd": "pos", "c_dur": "pos", "e_rev": "num"}),
    ("NMDA.initial_state", receptors.NMDA().initial_state, {"n": 2}, {"n": "count"}),
    # --- plasticity ---
    ("TsodyksMarkram", plasticity.TsodyksMarkram, {}, {"u_se": ("nonneg", [1.5]), "tau_d": "pos", "tau_f": "nonneg",
                                                       "u_rest": ("nonneg", [1.5])}),
    ("TsodyksMarkram.relax", STP.relax, {"u": 0.5, "x": 0.5, "elapsed_ms": 10.0},
     {"u": "array", "x": "array", "elapsed_ms": ("only", [NAN, -1.0, "abc"])}),
    ("TsodyksMarkram.release", STP.release, {"u": 0.5, "x": 0.5}, {"u": "array", "x": "array"}),
    ("TsodyksMarkram.on_spike", STP.on_spike, {"u": 0.5, "x": 0.5, "interval_ms": 10.0},
     {"u": "array", "x": "array", "interval_ms": ("only", [NAN, -1.0, "abc"])}),
    ("TsodyksMarkram.initial_state", STP.initial_state, {"n": 2}, {"n": "count"}),
    ("TsodyksMarkram.efficacies", STP.efficacies, {"spike_times_ms": [0.0, 10.0]}, {"spike_times_ms": "array"}),
    # --- theory: single neuron ---
    ("lif_subthreshold_v", sn.lif_subthreshold_v, {"t_ms": [1.0], "neuron": LIF, "current": 100.0},
     {"t_ms": "array", "neuron": "obj", "current": "array", "v0": "array"}),
    ("lif_rheobase", sn.lif_rheobase, {"neuron": LIF}, {"neuron": ("obj", [EIF])}),
    ("lif_isi_ms", sn.lif_isi_ms, {"neuron": LIF, "current": 300.0}, {"neuron": "obj", "current": "array"}),
    ("lif_rate_hz", sn.lif_rate_hz, {"neuron": LIF, "current": 300.0}, {"neuron": "obj", "current": "array"}),
    ("eif_rheobase", sn.eif_rheobase, {"neuron": EIF}, {"neuron": ("obj", [LIF])}),
    ("eif_threshold_potential", sn.eif_threshold_potential, {"neuron": EIF}, {"neuron": "obj"}),
    ("hh_steady_state_current", sn.hh_steady_state_current, {"neuron": HH, "v": -65.0},
     {"neuron": "obj", "v": "array"}),
    ("hh_resting_potential", sn.hh_resting_potential, {"neuron": HH}, {"neuron": ("obj", [LIF])}),
    ("lif_noise_sigma_mv", sn.lif_noise_sigma_mv, {"neuron": LIF, "sigma_pa": 100.0},
     {"neuron": "obj", "sigma_pa": "nonneg"}),
    ("lif_rate_white_noise_hz", sn.lif_rate_white_noise_hz, {"neuron": LIF, "mean_pa": 50.0, "sigma_pa": 100.0},
     {"neuron": "obj", "mean_pa": "array", "sigma_pa": "pos"}),
    ("lif_cv_white_noise", sn.lif_cv_white_noise, {"neuron": LIF, "mean_pa": 50.0, "sigma_pa": 100.0},
     {"neuron": "obj", "mean_pa": "num", "sigma_pa": "pos"}),
    ("hh_equilibrium_potential", sn.hh_equilibrium_potential, {"neuron": HH}, {"neuron": "obj", "current": "num"}),
    ("hh_jacobian", sn.hh_jacobian, {"neuron": HH}, {"neuron": "obj", "current": "num", "dv": "pos"}),
    ("hh_hopf_current", sn.hh_hopf_current, {"neuron": HH}, {"neuron": "obj", "low": "num", "high": ("num", [-5.0])}),
    ("eif_fixed_points", sn.eif_fixed_points, {"neuron": EIF, "current": 100.0}, {"neuron": "obj", "current": "num"}),
    ("eif_isi_ms", sn.eif_isi_ms, {"neuron": EIF, "current": 800.0}, {"neuron": "obj", "current": "array"}),
    ("eif_rate_hz", sn.eif_rate_hz, {"neuron": EIF, "current": 800.0}, {"neuron": "obj", "current": "array"}),
    ("eif_mean_v", sn.eif_mean_v, {"neuron": EIF, "current": 800.0}, {"neuron": "obj", "current": "num"}),
    ("adex_jacobian", sn.adex_jacobian, {"neuron": ADEX, "current": 100.0},
     {"neuron": ("obj", [EIF]), "current": "num"}),
    ("adex_hopf_current", sn.adex_hopf_current, {"neuron": ADEX}, {"neuron": ("obj", [EIF])}),
    ("adex_rest_instability", sn.adex_rest_instability, {"neuron": ADEX}, {"neuron": "obj"}),
    ("adex_adapted_rate_hz", sn.adex_adapted_rate_hz, {"neuron": ADEX, "current": 800.0},
     {"neuron": "obj", "current": "num"}),
    # --- theory: synapses ---
    ("kernel_integral", ts.kernel_integral, {"synapse": EXP}, {"synapse": "obj"}),
    ("kernel_peak_time", ts.kernel_peak_time, {"synapse": EXP}, {"synapse": "obj"}),
    ("kernel_square_integral", ts.kernel_square_integral, {"synapse": EXP}, {"synapse": "obj"}),
    ("campbell_mean", ts.campbell_mean, {"rate_hz": 10.0, "weight": 1.0, "integral_ms": 5.0},
     {"rate_hz": "nonneg", "weight": "array", "integral_ms": "nonneg", "k": "nonneg"}),
    ("campbell_variance", ts.campbell_variance, {"rate_hz": 10.0, "weight": 1.0, "square_integral_ms": 2.5},
     {"rate_hz": "nonneg", "weight": "array", "square_integral_ms": "nonneg", "k": "nonneg"}),
    ("shot_noise_mean_std", ts.shot_noise_mean_std, {"synapse": EXP, "k": 100, "rate_hz": 10.0, "weight": 1.0},
     {"synapse": "obj", "k": "nonneg", "rate_hz": "nonneg", "weight": "array"}),
    ("input_current_mean_std", ts.input_current_mean_std,
     {"synapse": EXP, "k_e": 100, "k_i": 25, "rate_e_hz": 5.0, "rate_i_hz": 5.0, "j_e": 10.0, "j_i": 40.0},
     {"synapse": "obj", "k_e": "nonneg", "rate_i_hz": "nonneg", "j_e": "array"}),
    ("psp_peak_time", ts.psp_peak_time, {"tau_m": 20.0, "tau_syn": 5.0}, {"tau_m": "pos", "tau_syn": "pos"}),
    ("psp_exponential_current", ts.psp_exponential_current,
     {"t_ms": [1.0], "neuron": LIF, "j_pa": 10.0, "tau_syn": 5.0},
     {"t_ms": "array", "neuron": "obj", "j_pa": "array", "tau_syn": "pos"}),
    ("free_membrane_mean_std", ts.free_membrane_mean_std,
     {"neuron": LIF, "k_e": 100, "k_i": 25, "rate_e_hz": 5.0, "rate_i_hz": 5.0, "j_e": 10.0, "j_i": 40.0,
      "tau_syn": 5.0}, {"neuron": "obj", "k_i": "nonneg", "rate_e_hz": "nonneg", "j_i": "array", "tau_syn": "pos",
                        "i_ext": "array"}),
    ("conductance_steady_potential", ts.conductance_steady_potential, {"neuron": LIF, "g_e": 5.0},
     {"neuron": "obj", "g_e": "nonneg", "e_e": "array", "g_i": "nonneg", "e_i": "array"}),
    ("nmda_iv_curve", ts.nmda_iv_curve, {"v": -60.0, "g_ns": 1.0}, {"v": "array", "g_ns": "array", "mg_mm": "nonneg",
                                                                    "e_rev": "array"}),
    ("nmda_gating_after_spike", ts.nmda_gating_after_spike, {"t_ms": [5.0], "nmda": receptors.NMDA()},
     {"t_ms": "array", "nmda": ("obj", [EXP])}),
    ("nmda_spike_increment", ts.nmda_spike_increment, {"nmda": receptors.NMDA()}, {"nmda": "obj"}),
    ("nmda_trough_regular_train", ts.nmda_trough_regular_train, {"nmda": receptors.NMDA(), "rate_hz": 10.0},
     {"nmda": "obj", "rate_hz": "pos"}),
    ("gabab_peak_time", ts.gabab_peak_time, {"gabab": receptors.GABAB()}, {"gabab": "obj"}),
    ("stp_steady_state", ts.stp_steady_state, {"stp": STP, "rate_hz": 10.0}, {"stp": "obj", "rate_hz": "pos"}),
    ("stp_steady_efficacy", ts.stp_steady_efficacy, {"stp": STP, "rate_hz": 10.0}, {"stp": "obj", "rate_hz": "pos"}),
    ("stp_paired_pulse_ratio", ts.stp_paired_pulse_ratio, {"stp": STP, "interval_ms": 50.0},
     {"stp": "obj", "interval_ms": "nonneg"}),
    # --- theory: the maths toolkit appendix (notebooks/90) ---
    ("numerical_jacobian", toolkit.numerical_jacobian, {"f": lambda x: -x, "x": [1.0, 2.0]},
     {"f": ("only", ["abc", 3.0]), "x": ("array", [[], [[1.0, 2.0]]]), "step": "pos"}),
    ("eigenvalues_from_trace_det", toolkit.eigenvalues_from_trace_det, {"trace": -0.3, "det": 0.05},
     {"trace": "num", "det": "num"}),
    ("classify_2d", toolkit.classify_2d, {"jacobian": [[-1.0, 0.0], [0.0, -2.0]]},
     {"jacobian": ("array", [[1.0, 2.0], [[1.0, 2.0, 3.0]] * 3])}),
    ("neutral_mode_projection", toolkit.neutral_mode_projection,
     {"jacobian": [[-1.0, 1.0], [1.0, -1.0]], "perturbation": [1.0, 0.0]},
     {"jacobian": ("array", [[[-1.0, 0.0], [0.0, -2.0]], [1.0, 2.0]]), "perturbation": ("array", [[1.0, 0.0, 0.0]])}),
    ("fhn_fixed_point", toolkit.fhn_fixed_point, {"current": 0.3},
     {"current": "num", "a": "num", "b": ("pos", [1.5]), "eps": "pos"}),
    ("fhn_jacobian", toolkit.fhn_jacobian, {"current": 0.3}, {"current": "num", "b": ("pos", [1.5]), "eps": "pos"}),
    ("fhn_hopf_current", toolkit.fhn_hopf_current, {}, {"a": "num", "b": "pos", "eps": ("pos", [20.0])}),
    ("discrete_threshold_shift_mv", toolkit.discrete_threshold_shift_mv, {"sigma_mv": 5.0, "dt": 0.1},
     {"sigma_mv": "nonneg", "dt": "pos", "tau_m": "pos"}),
    ("ou_first_passage_ms", toolkit.ou_first_passage_ms, {"mu_mv": 15.0, "sigma_mv": 5.0, "n_trials": 10, "t_max": 2000.0, "rng": 1},
     {"mu_mv": "num", "sigma_mv": "pos", "n_trials": ("count", [10 ** 8]), "dt": "dt", "t_max": "t_stop", "tau_m": "pos",
      "v_th": ("num", [0.0]), "record_at": ("array", []), "rng": "seed"}),
    ("gamma_renewal_spikes", toolkit.gamma_renewal_spikes, {"rate_hz": 10.0, "shape": 2.0, "n": 3, "t_stop": 500.0},
     {"rate_hz": "pos", "shape": "pos", "n": "count", "t_stop": ("pos", [1e12]), "rng": "seed"}),
    ("poisson_rate_cramer_rao_hz2", toolkit.poisson_rate_cramer_rao_hz2, {"rate_hz": 20.0, "duration_ms": 500.0},
     {"rate_hz": "pos", "duration_ms": "pos"}),
    # --- theory: working memory ---
    ("stp_poisson_steady_state", twm.stp_poisson_steady_state, {"stp": plasticity.TsodyksMarkram(), "rate_hz": 10.0},
     {"stp": "obj", "rate_hz": "nonneg"}),
    ("stp_poisson_steady_efficacy", twm.stp_poisson_steady_efficacy,
     {"stp": plasticity.TsodyksMarkram.depressing(), "rate_hz": 10.0}, {"stp": "obj", "rate_hz": "nonneg"}),
    ("rate_model_stp_steady_state", twm.rate_model_stp_steady_state, {"model": RATE, "rate_hz": 10.0},
     {"model": "obj", "rate_hz": "nonneg"}),
    ("rate_model_input_needed", twm.rate_model_input_needed, {"model": RATE, "rate_hz": 10.0},
     {"model": "obj", "rate_hz": "pos"}),
    ("uniform_state_background", twm.uniform_state_background, {"model": RATE, "rate_hz": 10.0},
     {"model": "obj", "rate_hz": "pos"}),
    ("one_item_state", twm.one_item_state, {"model": RATE, "rate_active_hz": 5.0},
     {"model": "obj", "rate_active_hz": "pos"}),
    ("rate_model_fixed_point", twm.rate_model_fixed_point, {"model": RATE, "rates_hz": 1.0},
     {"model": "obj", "rates_hz": ("pos", [np.ones(5)])}),
    ("rate_model_jacobian", twm.rate_model_jacobian, {"model": RATE, "state": twm.rate_model_fixed_point(RATE, 1.0)},
     {"model": "obj", "state": ("obj", [{"h": 1.0}]), "i_ext": ("array", [np.ones(5)]), "eps": "pos"}),
    ("rate_model_growth_rate", twm.rate_model_growth_rate,
     {"model": RATE, "state": twm.rate_model_fixed_point(RATE, 1.0)},
     {"model": "obj", "state": ("obj", [{"h": 1.0}]), "i_ext": "array"}),
    ("rate_model_folds", twm.rate_model_folds, {"model": RATE, "n": 2000},
     {"model": "obj", "r_min": "pos", "r_max": ("pos", [1e-5]), "n": "count"}),
    ("rate_model_bistable_range", twm.rate_model_bistable_range, {"model": RATE}, {"model": "obj"}),
    ("memory_lifetime_ms", twm.memory_lifetime_ms, {"u_start": 0.8, "u_needed": 0.4, "u_rest": 0.2, "tau_f": 1500.0},
     {"u_start": ("nonneg", [0.1, 1.5]), "u_needed": ("nonneg", [0.1]), "u_rest": "nonneg", "tau_f": "pos"}),
    ("recovery_time_ms", twm.recovery_time_ms, {"x_start": 0.2, "x_end": 0.8, "tau_d": 200.0},
     {"x_start": ("nonneg", [1.5]), "x_end": "nonneg", "tau_d": "pos", "release_per_ms": "nonneg"}),
    # --- theory: attractor ---
    ("cann_critical_inhibition", attractor.cann_critical_inhibition, {"model": RING}, {"model": "obj", "m": "nonneg"}),
    ("cann_bump_height", attractor.cann_bump_height, {"model": RING},
     {"model": "obj", "k": "nonneg", "m": "nonneg", "branch": ("obj", ["upper"])}),
    ("cann_bump_rate_height", attractor.cann_bump_rate_height, {"model": RING}, {"model": "obj", "k": "nonneg"}),
    ("cann_bump_width", attractor.cann_bump_width, {"model": RING}, {"model": "obj"}),
    ("cann_bump_profile", attractor.cann_bump_profile, {"model": RING, "x": [0.0, 0.1]},
     {"model": "obj", "x": "array", "center": "array", "height": "nonneg"}),
    ("cann_driven_height", attractor.cann_driven_height, {"model": RING, "amplitude": 0.5},
     {"model": "obj", "amplitude": "nonneg", "offset": "num", "speed": "num"}),
    ("trail_factor", attractor.trail_factor, {"lam": 0.1}, {"lam": "nonneg"}),
    ("cann_tracking_lag", attractor.cann_tracking_lag, {"model": RING, "speed": 0.01, "amplitude": 0.5},
     {"model": "obj", "speed": "num", "amplitude": "pos"}),
    ("cann_max_tracking_speed", attractor.cann_max_tracking_speed, {"model": RING, "amplitude": 0.5},
     {"model": "obj", "amplitude": "pos"}),
    ("cann_jump_trajectory", attractor.cann_jump_trajectory, {"model": RING, "amplitude": 0.5, "jump": 0.2,
                                                             "t_ms": [1.0, 2.0]},
     {"model": "obj", "amplitude": "pos", "jump": "num", "t_ms": "array"}),
    ("cann_travel_onset_m", attractor.cann_travel_onset_m, {"model": RING}, {"model": "obj"}),
    ("cann_intrinsic_speed", attractor.cann_intrinsic_speed, {"model": RING, "m": 0.05},
     {"model": "obj", "m": "nonneg"}),
    ("cann_adaptation_lag_m", attractor.cann_adaptation_lag_m, {"model": RING, "speed": 0.01},
     {"model": "obj", "speed": "array"}),
    ("population_vector_error_sd", attractor.population_vector_error_sd,
     {"profile": np.exp(-cann.ring_positions(64) ** 2), "x": cann.ring_positions(64), "sigma": 0.1},
     {"profile": ("array", [np.ones((2, 2))]), "x": ("array", [np.ones(3)]), "sigma": "nonneg"}),
    ("cramer_rao_sd", attractor.cramer_rao_sd, {"profile": np.exp(-cann.ring_positions(64) ** 2), "x": None,
                                                "sigma": 0.1},
     {"profile": ("array", [np.ones(64)]), "sigma": "nonneg"}),
    # --- models: cann ---
    ("CANN", cann.CANN, {"n": 64}, {"n": ("count", [8]), "a": ("pos", [3.0]), "j0": "pos", "k_rel": "nonneg",
                                    "tau": "pos", "m": "nonneg", "tau_v": "pos"}),
    ("CANN.initial_state", RING.initial_state, {"position": 0.0},
     {"position": ("array", [np.zeros((2, 2))]), "batch": "count", "height": "nonneg"}),
    ("ring_positions", cann.ring_positions, {"n": 64}, {"n": "count"}),
    ("ring_distance", cann.ring_distance, {"x": 1.0, "y": 0.5}, {"x": "array", "y": "array"}),
    ("coupling", cann.coupling, {"d": 0.1, "a": 0.5, "j0": 1.0}, {"d": "array", "a": "pos", "j0": "num"}),
    ("ring_kernel", cann.ring_kernel, {"n": 64, "a": 0.5, "j0": 1.0}, {"n": "count", "a": "pos", "j0": "num"}),
    ("weight_matrix", cann.weight_matrix, {"n": 64, "a": 0.5, "j0": 1.0}, {"n": "count", "a": "pos"}),
    ("gaussian_input", cann.gaussian_input, {"model": RING, "position": 0.0, "amplitude": 0.5},
     {"model": "obj", "position": "array", "amplitude": "array"}),
    ("moving_path", cann.moving_path, {"speed": 0.01}, {"speed": "array", "start": "array", "t_on": "num"}),
    ("jump_path", cann.jump_path, {"before": 0.0, "after": 1.0, "t_jump": 5.0},
     {"before": "array", "after": "array", "t_jump": "num"}),
    ("path_input", cann.path_input, {"model": RING, "path": cann.moving_path(0.01), "amplitude": 0.5},
     {"model": "obj", "path": "obj", "amplitude": "array"}),
    ("decode_position", cann.decode_position, {"activity": np.ones(64)},
     {"activity": ("array", [5.0]), "x": ("array", [np.ones(3)])}),
    ("bump_height", cann.bump_height, {"u": np.ones(64)}, {"u": ("array", [5.0])}),
    ("bump_width", cann.bump_width, {"u": np.ones(64)}, {"u": ("array", [5.0]), "x": ("array", [np.ones(3)])}),
    ("run_cann", cann.run_cann, {"model": RING, "t_stop": 2.0, "dt": 0.1, "stimulus": np.zeros(64)},
     {"model": "obj", "t_stop": "t_stop", "dt": "dt", "record_every": "pos",
      "stimulus": ("array", [np.zeros(5), lambda t: np.full(64, NAN)]),
      "state": ("obj", [{"u": np.zeros(64)}, {"u": np.full(64, NAN), "v": np.zeros(64)}])}),
    # --- models: working memory ---
    ("MongilloNetwork", wm.MongilloNetwork, {"n_e": 100, "n_i": 25, "p": 2},
     {"n_e": ("count", [10 ** 7]), "n_i": "count", "p": "count", "f": ("nonneg", [1.5]), "c": "nonneg",
      "tau_e": "pos", "v_th": "num", "v_reset_e": "num", "j_p": "nonneg", "delay_min": "pos",
      "delay_max": "num", "tau_f": "pos", "mu_ext_e": "num", "mu_ext_i": "num", "sigma_ext": "nonneg", "g_l": "pos",
      "delay_step": "pos"}),
    ("MongilloNetwork.members", NET.members, {"group": 0}, {"group": ("obj", [7, -1, "exc"])}),
    ("MongilloNetwork.synapse_delays", NET.synapse_delays, {"delays_ms": [0.3, 0.9]}, {"delays_ms": "nonneg"}),
    ("MongilloNetwork.network", NET.network, {"seed": 1},
     {"seed": "seed", "pulses": ("obj", [[3.0], "cue"]), "wiring": ("obj", [(1, 2, 3)])}),
    ("Pulse", wm.Pulse, {"t_on": 0.0, "t_off": 10.0, "gain": 1.1},
     {"t_on": "num", "t_off": ("num", [-5.0]), "gain": "nonneg", "target": ("obj", ["exc", -1])}),
    ("cue", wm.cue, {"population": 0, "t_on": 10.0}, {"population": ("obj", [-1, "x"]), "t_on": "num",
                                                      "duration": "pos", "gain": "nonneg"}),
    ("readout", wm.readout, {"t_on": 10.0}, {"t_on": "num", "duration": "pos", "gain": "nonneg"}),
    ("NetworkResult.rate_hz", lambda **kw: wm_result().rate_hz(**kw), {"name": "item 1"},
     {"name": ("obj", [9, "item 7"]), "bin_ms": ("pos", [1e6])}),
    ("RateModel", wm.RateModel, {"p": 3}, {"p": "count", "j_ee": "nonneg", "u_se": ("nonneg", [1.5]), "tau_f": "pos",
                                           "tau": "pos", "alpha": "pos", "i_b": "num", "i_inh": "num"}),
    ("RateModel.rate_hz", RATE.rate_hz, {"h": 1.0}, {"h": "array"}),
    ("RateModel.input_for_rate", RATE.input_for_rate, {"rate_hz": 1.0}, {"rate_hz": "pos"}),
    ("RateModel.initial_state", RATE.initial_state, {"rate_hz": 1.0}, {"rate_hz": "nonneg", "n_runs": "count"}),
    ("RatePulse", wm.RatePulse, {"t_on": 0.0, "t_off": 10.0, "amount_hz": 5.0},
     {"t_on": "num", "t_off": ("num", [-5.0]), "amount_hz": "num", "target": ("obj", ["E", -1])}),
    ("rate_cue", wm.rate_cue, {"population": 0, "t_on": 10.0}, {"population": ("obj", [-1, "x"]), "t_on": "num",
                                                               "duration": "pos", "amount_hz": "num"}),
    ("simulate_rates", wm.simulate_rates, {"model": RATE, "t_stop": 5.0, "dt": 0.2},
     {"model": "obj", "t_stop": "t_stop", "dt": "dt", "i_b": ("array", [np.ones((2, 2))]), "drive": ("obj", [3.0]),
      "state": ("obj", [{"h": 1.0}]), "record_every": "count", "pulses": ("obj", [[3.0]])}),
    ("readout_response", wm.readout_response, {"model": RATE, "delays_ms": [10.0], "dt": 0.2},
     {"model": "obj", "delays_ms": "nonneg", "population": ("obj", [5, -1]), "readout_hz": "num",
      "readout_ms": "pos", "dt": "dt", "i_b": "num"}),
    ("population_spike_times", wm.population_spike_times, {"t_ms": [0.0, 1.0, 2.0], "rate_hz": [0.0, 50.0, 0.0]},
     {"t_ms": ("array", [[0.0, 1.0]]), "rate_hz": "array", "threshold_hz": "num", "min_gap_ms": "nonneg"}),
    # --- network (Part III): connectivity, drives, builders, runner, binary network ---
    ("Connectivity", connectivity.Connectivity, {"indptr": np.array([0, 1, 2]), "targets": np.array([1, 0], np.int32),
                                            "weights": np.ones(2), "n_target": 2},
     {"indptr": ("array", [np.array([0, 2, 1]), np.array([1, 2, 3])]), "targets": ("array", [np.array([1, 5])]),
      "weights": "array", "n_target": "count"}),
    ("Connectivity.from_pairs", connectivity.Connectivity.from_pairs,
     {"sources": [0, 1], "targets": [1, 0], "weights": 1.0, "n_source": 2, "n_target": 2},
     {"sources": ("array", [[0, 5], [0, -1], [0.5, 1]]), "targets": ("array", [[1, 5], [1]]), "weights": "array",
      "n_source": "count", "n_target": "count"}),
    ("Connectivity.in_degree", CONN.in_degree, {"sources": [0, 1]}, {"sources": ("array", [[0, 500], [-1], [0.5]])}),
    ("stable_order", connectivity.stable_order, {"keys": [3, 1, 2]}, {"keys": ("array", [[-1, 2], [0.5, 1]])}),
    ("fixed_indegree", connectivity.fixed_indegree, {"n_source": 50, "n_target": 40, "k": 5, "rng": 1},
     {"n_source": "count0", "n_target": "count0", "k": ("count0", [60]), "rng": "seed"}),
    ("bernoulli", connectivity.bernoulli, {"n_source": 50, "n_target": 40, "p": 0.1, "rng": 1},
     {"n_source": "count0", "n_target": "count0", "p": ("nonneg", [1.5]), "rng": "seed"}),
    ("ei_connectivity", connectivity.ei_connectivity,
     {"n_e": 40, "n_i": 10, "weights": {("E", "E"): 0.1, ("E", "I"): -0.5}, "rng": 1, "k": {"E": 4, "I": 1}},
     {"n_e": "count0", "n_i": "count0", "weights": ("obj", [{("E", "Q"): 1.0}, {("E", "E"): NAN}]), "rng": "seed",
      "k": ("only", ["abc", {"E": 4}, {"E": NAN, "I": 1}, {"E": 400, "I": 1}])}),
    ("empty_connectivity", connectivity.empty_connectivity, {"n": 5}, {"n": "count"}),
    ("SynapseModel", network.SynapseModel, {}, {"kind": ("obj", ["gaba"]), "tau_exc": "pos", "tau_inh": "pos",
                                                "e_exc": "num", "e_inh": "num"}),
    ("PoissonDrive", drives.PoissonDrive, {"rate_hz": 10.0, "n_inputs": 100, "weight": 0.1},
     {"rate_hz": "nonneg", "n_inputs": "count0", "weight": "array", "channel": ("obj", ["exc"]),
      "targets": ("only", [[1, 1], [-1], [0.5], "abc", []])}),
    ("PooledProjection", PooledProjection, {"receptor": AMPA(), "g_ns": {("E", "E"): 1.0}},
     {"receptor": "obj", "g_ns": ("obj", [{}, {"E": 1.0}, {("E", "E"): NAN}, {("E", "E"): -1.0}, {("E", 3): 1.0}])}),
    ("ConstantDrive", drives.ConstantDrive, {"current_pa": 100.0}, {"current_pa": "array"}),
    ("NoiseDrive", drives.NoiseDrive, {"mean_mv": 10.0, "sigma_mv": 1.0}, {"mean_mv": "array", "sigma_mv": "nonneg"}),
    ("ShortTermPlasticity", network.ShortTermPlasticity, {"model": STP, "sources": ("E",), "targets": ("E",)},
     {"model": ("obj", [None]), "sources": ("obj", ["E", ()]), "targets": ("obj", [[]])}),
    ("Population", network.Population, {"name": "E", "size": 4},
     {"name": ("only", ["", "all", 3.0, None]), "size": "count0", "inhibitory": ("obj", [1]), "delay": "nonneg"}),
    ("ei_populations", network.ei_populations, {"n_e": 4, "n_i": 1},
     {"n_e": "count0", "n_i": "count0", "delay_exc": "nonneg", "delay_inh": "nonneg"}),
    ("per_population", network.per_population, {"populations": network.ei_populations(2, 1), "values": {"E": 1.0,
                                                                                                     "I": 2.0}},
     {"populations": ("obj", [()]), "values": ("array", [{"E": 1.0}, {"E": 1.0, "I": np.nan}])}),
    ("Network", network.Network, {"neuron": balanced_models.BRUNEL_NEURON,
                                  "populations": network.ei_populations(4, 1),
                                  "connectivity": connectivity.empty_connectivity(5)},
     {"neuron": "obj", "connectivity": "obj", "synapses": ("obj", ["delta"]),
      "populations": ("obj", [(), network.ei_populations(7, 0), network.ei_populations(4, 1)[::-1],
                              (network.Population("E", 4), network.Population("E", 1, inhibitory=True))]),
      "drives": ("obj", [[3.0], (drives.PoissonDrive(10.0, 5, np.ones(7)),), (drives.NoiseDrive(np.ones(3)),)]),
      "synapse_delays": ("array", [np.ones(3), np.ones((0, 2))]),
      "stp": ("obj", [network.ShortTermPlasticity(STP, ("E",), ("X",))]), "initial_v": ("array", [(1.0, 0.0)])}),
    ("population_connectivity", connectivity.population_connectivity,
     {"sizes": {"E": 8, "PV": 2, "SOM": 2}, "weights": {("E", "PV"): -1.0, ("PV", "E"): 0.5}, "rng": 1, "k": 2},
     {"sizes": ("obj", [{"E": -1}, {"E": 0}]), "weights": ("obj", [{("E", "I"): 1.0}]), "rng": "seed",
      "k": ("obj", [{"E": 2}, -1])}),
    ("Network.initial_state", BRUNEL.initial_state, {"dt": 0.1, "rng": 1},
     {"dt": ("dt", [0.07]), "rng": "seed", "v0": ("array", [np.zeros(7)])}),
    ("Network.delay_steps", BRUNEL.delay_steps, {"dt": 0.1}, {"dt": ("pos", [0.7])}),
    ("simulate_network", network.simulate_network, {"net": BRUNEL, "t_stop": 2.0, "seed": 1},
     {"net": "obj", "t_stop": "t_stop", "dt": ("dt", [1.0]), "seed": "seed",
      "record_v": ("array", [[0, 500], [-1], [0.5]]), "record_currents": ("array", [[0, 500]]),
      "v0": ("array", [np.zeros(7)]), "state": ("obj", [{"step": 0}]), "record_stp_ms": "pos"}),
    ("NetworkResult.mean_rate_hz", RESULT.mean_rate_hz, {"name": "E"},
     {"name": ("obj", ["X"]), "t_start": ("num", [50.0]), "t_stop": "num"}),
    ("NetworkResult.spikes_of", RESULT.spikes_of, {"name": "E"}, {"name": ("obj", ["X"])}),
    ("NetworkResult.population", RESULT.population, {"name": "E"}, {"name": ("obj", ["X"])}),
    ("brunel_threshold_rate_hz", balanced_models.brunel_threshold_rate_hz, {}, {"j": "pos", "c_e": "whole", "neuron": "obj"}),
    ("brunel_network", balanced_models.brunel_network, {"n_e": 80, "n_i": 20, "seed": 1},
     {"g": "pos", "eta": "nonneg", "n_e": ("count", [10 ** 9]), "n_i": "count", "epsilon": ("pos", [1.5, 0.001]),
      "j": "pos", "delay": "nonneg", "seed": "seed", "neuron": ("obj", [HH])}),
    ("balanced_couplings", balanced_models.balanced_couplings, {"k": 100, "j": 1.0},
     {"k": "pos", "j": "num", "couplings": ("obj", [{("E", "E"): NAN}]), "gamma": "pos"}),
    ("brunel_couplings", balanced_models.brunel_couplings, {}, {"g": "num", "gamma": "pos"}),
    ("balanced_lif_network", balanced_models.balanced_lif_network, {"k": 10, "n_e": 100, "n_i": 25, "seed": 1},
     {"k": ("count", [200, 10 ** 9]), "nu0_hz": "nonneg", "g": "pos", "j": "pos", "n_e": "count",
      "n_i": ("count", [10 ** 10]), "gamma": "pos", "couplings": ("obj", [{("E", "E"): 1.0}]), "delay": "nonneg",
      "seed": "seed", "neuron": ("obj", [HH])}),
    ("with_population_weights", network.with_population_weights, {"net": BRUNEL, "weights": {("E", "E"): 0.2}},
     {"net": "obj", "weights": ("obj", [{("E", "X"): 1.0}, {("E", "E"): NAN}, [0.2]]),
      "drives": ("obj", [[3.0]]), "info": ("obj", [3.0])}),
    ("brunel_variant", balanced_models.brunel_variant, {"net": BRUNEL, "g": 4.0, "eta": 1.0},
     {"net": ("obj", [BALANCED]), "g": "pos", "eta": "nonneg"}),
    ("mean_drive_current_pa", network.mean_drive_current_pa, {"net": BRUNEL, "drive": BRUNEL.drives[0]},
     {"net": "obj", "drive": ("obj", [drives.ConstantDrive(5.0)])}),
    ("with_constant_drive", network.with_constant_drive, {"net": BRUNEL}, {"net": "obj", "spread_mv": "nonneg",
                                                                            "seed": "seed"}),
    ("combine_networks", network.combine_networks, {"networks": [BRUNEL, BRUNEL]},
     {"networks": ("obj", [[], [BRUNEL, "abc"], BRUNEL])}),
    ("BinaryNetwork", binary_models.BinaryNetwork, {"n_e": 3, "n_i": 2, "connectivity": connectivity.empty_connectivity(5),
                                              "h_ext": np.ones(5), "theta": np.ones(5), "tau": np.ones(5)},
     {"n_e": "count0", "n_i": "count0", "connectivity": "obj", "h_ext": "array", "theta": "array", "tau": "pos"}),
    ("BinaryNetwork.initial_state", BINARY.initial_state, {"rng": 1},
     {"rng": "seed", "active_fraction": ("nonneg", [1.5])}),
    ("vvs_binary_network", binary_models.vvs_binary_network, {"k": 10, "n_e": 100, "n_i": 100, "seed": 1},
     {"k": ("count", [200, 10 ** 9]), "m0": ("nonneg", [1.5]), "n_e": "count", "n_i": ("count", [10 ** 10]),
      "couplings": ("obj", [{("E", "E"): 1.0}]), "thresholds": ("obj", [{"E": NAN, "I": 1.0}]),
      "tau_e": "pos", "tau_i": "pos", "seed": "seed"}),
    ("simulate_binary", binary_models.simulate_binary, {"net": BINARY, "t_stop": 2.0, "seed": 1},
     {"net": "obj", "t_stop": "t_stop", "dt": ("dt", [5.0]), "seed": "seed", "t_average_from": ("nonneg", [5.0])}),
    # --- analysis ---
    ("spike_trains", analysis.spike_trains, SPIKES3, {"times_ms": "array", "indices": INDICES, "n": "count"}),
    ("firing_rates_hz", analysis.firing_rates_hz, WINDOWED,
     {"times_ms": "array", "indices": INDICES, "n": "count", "t_start": "num", "t_stop": ("num", [0.0])}),
    ("isis", analysis.isis, {"spike_times_ms": [1.0, 5.0]}, {"spike_times_ms": SPIKE_TIMES}),
    ("cv_isi", analysis.cv_isi, {"spike_times_ms": [1.0, 5.0, 12.0]},
     {"spike_times_ms": SPIKE_TIMES, "min_spikes": MIN_SPIKES}),
    ("cv_isi_per_neuron", analysis.cv_isi_per_neuron, SPIKES3,
     {"times_ms": "array", "indices": INDICES, "n": "count", "min_spikes": MIN_SPIKES}),
    ("first_spike_latency", analysis.first_spike_latency, {"spike_times_ms": [1.0, 5.0]},
     {"spike_times_ms": SPIKE_TIMES, "t_onset": "num"}),
    ("steady_rate_hz", analysis.steady_rate_hz, {"spike_times_ms": [1.0, 5.0], "t_start": 0.0, "t_stop": 10.0},
     {"spike_times_ms": SPIKE_TIMES, "t_start": "num", "t_stop": ("num", [0.0])}),
    ("population_rate_hz", analysis.population_rate_hz, {"times_ms": TIMES, "n": 10, "t_start": 0.0, "t_stop": 200.0},
     {"times_ms": "array", "n": "count", "t_start": "num", "t_stop": ("num", [0.0, 1e12]), "bin_ms": ("pos", [1e-9])}),
    ("rate_distribution", analysis.rate_distribution, WINDOWED,
     {"times_ms": "array", "indices": INDICES, "n": "count", "t_start": "num", "t_stop": ("num", [0.0]),
      "bins": "count", "max_rate_hz": "pos"}),
    ("spike_counts", analysis.spike_counts, {**WINDOWED_NEURONS, "window_ms": 50.0},
     {"times_ms": "array", "indices": INDICES_ANY, "neurons": ("array", [[-1], [0.5]]), "t_start": "num",
      "t_stop": ("num", [0.0]), "window_ms": ("pos", [1e-9, 500.0])}),
    ("fano_factor", analysis.fano_factor, WINDOWED,
     {"times_ms": "array", "indices": INDICES, "n": "count", "t_start": "num", "t_stop": ("num", [0.0]),
      "window_ms": ("pos", [1e-9, 500.0])}),
    ("spike_count_correlations", analysis.spike_count_correlations, WINDOWED_NEURONS,
     {"times_ms": "array", "indices": INDICES_ANY, "neurons": ("array", [[-1], [0.5]]), "t_start": "num",
      "t_stop": ("num", [0.0]), "window_ms": ("pos", [1e-9, 500.0])}),
    ("power_spectrum", analysis.power_spectrum, {"signal": np.sin(np.arange(512.0)), "dt_ms": 0.5},
     {"signal": ("array", [np.ones((4, 4)), [1.0]]), "dt_ms": "pos", "segment_ms": ("pos", [1e-9])}),
    ("population_rate_spectrum", analysis.population_rate_spectrum,
     {"times_ms": TIMES, "n": 10, "t_start": 0.0, "t_stop": 200.0},
     {"times_ms": "array", "n": "count", "t_start": "num", "t_stop": ("num", [0.0, 1e12]), "bin_ms": ("pos", [1e-9]),
      "segment_ms": "pos"}),
    ("synchrony", analysis.synchrony, WINDOWED,
     {"times_ms": "array", "indices": INDICES, "n": "count", "t_start": "num", "t_stop": ("num", [0.0]),
      "bin_ms": ("pos", [1e-9, 500.0])}),
    ("synchrony_chi", analysis.synchrony_chi, WINDOWED,
     {"times_ms": "array", "indices": INDICES, "n": "count", "t_start": "num", "t_stop": ("num", [0.0]),
      "bins_ms": ("pos", [[1.0, NAN], [], [1e-9]])}),
    ("network_state", analysis.network_state, WINDOWED,
     {"times_ms": "array", "indices": INDICES, "n": "count", "t_start": "num", "t_stop": ("num", [0.0, 1e12]),
      "min_spikes": MIN_SPIKES}),
    ("adaptation_index", analysis.adaptation_index, {"spike_times": [1.0, 5.0, 12.0, 22.0]},
     {"spike_times": SPIKE_TIMES, "skip": ("only", [NAN, -1, 2.5, "abc"])}),
    ("classify_firing_pattern", analysis.classify_firing_pattern, {"spike_times": [1.0, 5.0, 12.0, 22.0],
                                                                  "t_on": 0.0, "t_off": 30.0},
     {"spike_times": SPIKE_TIMES, "t_on": "num", "t_off": ("num", [0.0])}),
    ("step_response", analysis.step_response, STEP,
     {"t_ms": ("array", [np.zeros(3)]), "signal": ("array", [np.zeros(3)]), "t_steps": ("array", [[], [1e6]]),
      "window_ms": "pos", "baseline_ms": "pos", "final_ms": ("pos", [500.0]), "directions": ("array", [[2.0]])}),
    ("response_time", analysis.response_time, {"lag_ms": LAG, "x": 1.0 - np.exp(-np.maximum(LAG, 0) / 5.0)},
     {"lag_ms": ("array", [np.zeros(3)]), "x": ("array", [np.zeros(3)]), "level": ("pos", [1.5]),
      "band": ("pos", [1.5]), "fit_until_ms": "num"}),
    # --- plotting ---
    ("use_course_style", plotting.use_course_style, {}, {}),
    ("label", plotting.label, {"ax": AX, "xlabel": "t (ms)", "ylabel": "v (mV)"}, {"ax": "obj"}),
    ("raster", plotting.raster, {"ax": AX, "times_ms": TIMES[:20], "indices": SPIKE_INDICES[:20]},
     {"ax": "obj", "times_ms": ("array", [np.zeros(3)]), "indices": ("array", [np.zeros(3), [-1] * 20]),
      "markersize": "pos", "max_spikes": ("only", [NAN, -1, 0, 2.5, "abc"])}),
    ("theory_vs_simulation", plotting.theory_vs_simulation,
     {"ax": AX, "x_theory": [0.0, 1.0], "y_theory": [0.0, 1.0], "x_sim": [0.5], "y_sim": [0.4]},
     {"ax": "obj", "x_theory": ("only", ["abc", None, [0.0, 1.0, 2.0]]), "y_theory": ("only", ["abc", [1.0]]),
      "x_sim": ("only", ["abc", [[0.5], [1.0]]]), "y_sim": ("only", ["abc", [0.1, 0.2]])}),
    ("state_map", plotting.state_map, {"ax": AX, "x_values": [1.0, 2.0], "y_values": [1.0], "states": [["AI"], ["SR"]]},
     {"ax": "obj", "x_values": ("array", [[1.0], [2.0, 1.0]]), "y_values": ("array", [[1.0, 2.0]]),
      "states": ("obj", [[["AI"], ["boom"]], [["AI"]]]), "colors": ("obj", [{"AI": "red"}, "abc"])}),
    # --- theory: balanced networks ---
    ("coupling_matrix", tb.coupling_matrix, {}, {"couplings": ("obj", [{("E", "E"): 1.0}, {**VVS, ("E", "E"): NAN}])}),
    ("balanced_rates", tb.balanced_rates, {"nu_ext": 0.1},
     {"nu_ext": "nonneg", "couplings": ("obj", [{**VVS, ("E", "I"): INF}])}),
    ("balance_conditions", tb.balance_conditions, {},
     {"couplings": ("obj", [{("E", "E"): 1.0}, {**VVS, ("I", "X"): 0.0}])}),
    ("gaussian_tail", tb.gaussian_tail, {"x": [0.0, 1.0]}, {"x": "array"}),
    ("vvs_mean_field", tb.vvs_mean_field, {"k": 1000, "m0": 0.1},
     {"k": "pos", "m0": ("pos", [1.5]), "couplings": ("obj", [{**VVS, ("I", "I"): NAN}]),
      "thresholds": ("obj", [{"E": NAN, "I": 1.0}, {"E": 1.0}])}),
    ("siegert_rate_hz", tb.siegert_rate_hz, {"mu_mv": 15.0, "sigma_mv": 5.0},
     {"mu_mv": "array", "sigma_mv": "pos", "tau_m": "pos", "t_ref": "nonneg", "v_th": ("num", [5.0]),
      "v_reset": ("num", [25.0])}),
    ("lif_input_statistics", tb.lif_input_statistics, {"rates_hz": [5.0, 5.0], "j_mv": [0.1, -0.5], "k": [100, 25]},
     {"rates_hz": ("nonneg", [[5.0, NAN]]), "j_mv": ("array", [[0.1, 0.1, 0.1]]), "k": ("nonneg", [[100, -1]]),
      "tau_m": "pos"}),
    ("lif_network_rates_hz", tb.lif_network_rates_hz,
     {"j_mv": [[0.2, -1.0], [0.2, -1.0]], "k": [[100, 25], [100, 25]], "j_ext_mv": [0.2, 0.2], "k_ext": [100, 100],
      "nu_ext_hz": 20.0},
     {"j_mv": ("array", [[0.2, -1.0]]), "k": ("nonneg", [[[100, 25]]]), "j_ext_mv": "array", "k_ext": "nonneg",
      "nu_ext_hz": "nonneg", "neuron": ("obj", [HH]), "guess_hz": ("nonneg", [[1.0, 2.0, 3.0]])}),
    ("balanced_lif_rates_hz", tb.balanced_lif_rates_hz, {"k": 1000, "nu0_hz": 10.0},
     {"k": ("whole", [2]), "nu0_hz": "nonneg", "g": "pos", "j": "pos", "gamma": "pos", "couplings": ("obj", [{}]),
      "neuron": ("obj", [HH])}),
    ("balanced_lif_input_mv", tb.balanced_lif_input_mv, {"k": 1000, "rates_hz": [5.0, 5.0], "nu0_hz": 10.0},
     {"k": "pos", "rates_hz": ("nonneg", [[5.0]]), "nu0_hz": "nonneg", "g": "pos", "j": "pos", "gamma": "pos",
      "couplings": ("obj", [{}]), "tau_m": "pos"}),
    ("brunel_rate_hz", tb.brunel_rate_hz, {"g": 5.0, "eta": 2.0},
     {"g": "pos", "eta": "nonneg", "j": "pos", "c_e": "whole", "gamma": "pos", "neuron": ("obj", [HH])}),
    ("brunel_balanced_rate_hz", tb.brunel_balanced_rate_hz, {"g": 5.0, "eta": 2.0},
     {"g": ("pos", [2.0]), "eta": "nonneg", "j": "pos", "c_e": "whole", "gamma": "pos", "neuron": ("obj", [HH])}),
    # --- models: decision (spiking network on the engine) ---
    ("WangNetwork.network", WANG.network, {"seed": 1},
     {"coherence": ("num", [150.0, [1.0, 2.0, 3.0]]), "n_trials": "count", "t_on": ("num", [2000.0]), "t_off": "num",
      "seed": "seed"}),
    ("run_trials", run_trials, {"network": WANG, "t_stop": 5.0, "t_on": 1.0, "t_off": 4.0, "seed": 1},
     {"network": ("obj", [WONG]), "coherence": ("num", [150.0]), "t_stop": "t_stop", "dt": ("dt", [1.0]),
      "t_on": "num", "t_off": "num", "n_trials": "count", "seed": "seed", "stop_threshold_hz": "pos"}),
    ("spiking_decisions", spiking_decisions, {"network": WANG, "t_on": 1.0, "max_decision_ms": 5.0, "seed": 1},
     {"network": "obj", "coherence": ("num", [150.0]), "n_trials": "count", "threshold_hz": "pos", "t_on": "num",
      "max_decision_ms": ("pos", [1e12]), "seed": "seed", "dt": ("dt", [1.0])}),
    ("pool_counts", pool_counts, {"result": WANG_RUN}, {"result": ("obj", [RESULT]), "bin_ms": ("pos", [1e-9])}),
    ("pool_rates_hz", pool_rates_hz, {"result": WANG_RUN},
     {"result": ("obj", [RESULT]), "bin_ms": "pos", "window_ms": "pos"}),
    # --- theory: decision ---
    ("reduced_rate_inverse_pa", td.reduced_rate_inverse_pa, {"model": WONG, "rate_hz": 10.0},
     {"model": "obj", "rate_hz": "pos", "x_low": ("num", [1e5]), "x_high": "num", "n_iter": "count"}),
    ("reduced_nullcline", td.reduced_nullcline, {"model": WONG, "s_own": [0.1, 0.2]},
     {"model": "obj", "s_own": ("array", [[1.5], [-0.1]]), "external_own_pa": "array"}),
    ("reduced_jacobian", td.reduced_jacobian, {"model": WONG, "s": [0.1, 0.2]},
     {"model": "obj", "s": ("array", [[0.1, 0.2, 0.3]]), "external_pa": "array"}),
    ("reduced_fixed_points", td.reduced_fixed_points, {"model": WONG},
     {"model": "obj", "external_pa": ("array", [[1.0, 2.0, 3.0]]), "n_grid": ("count", [1])}),
    ("classify_fixed_point", td.classify_fixed_point, {"jacobian": -np.eye(2)},
     {"jacobian": ("array", [np.ones(3), np.ones((2, 3))])}),
    ("reduced_spontaneous_state", td.reduced_spontaneous_state, {"model": WONG}, {"model": "obj"}),
    ("noise_free_decision_time", td.noise_free_decision_time, {"model": WONG, "coherence": 12.8},
     {"model": "obj", "coherence": ("num", [[1.0, 2.0]]), "threshold_hz": "pos", "window_ms": "pos",
      "mu0_hz": "nonneg", "t_max": ("pos", [1e12]), "dt": ("dt", [1e-7])}),
    ("weibull_accuracy", td.weibull_accuracy, {"coherence": [3.2, 12.8], "alpha": 7.0, "beta": 1.5},
     {"coherence": "array", "alpha": "pos", "beta": "pos"}),
    ("fit_weibull", td.fit_weibull, {"coherence": COH, "accuracy": td.weibull_accuracy(COH, 7.0, 1.5)},
     {"coherence": ("array", [[1.0], [1.0, 2.0]]), "accuracy": ("array", [[0.5], np.full(5, 1.5)]),
      "n_trials": ("pos", [[1.0, 2.0]])}),
]

# Not fed bad input, on purpose (each is documented here so that the omission is visible):
# * the step(state, input, dt) methods of neurons, synapses, receptors, plasticity, CANN and RateModel,
#   and RateModel.relaxation / derivatives: the inner loop of every run. The runners
#   validate what reaches them (model, dt, input, state) once, before the loop; checking every step would
#   slow every simulation several-fold.
# * the Hodgkin-Huxley rate functions hh_alpha_m ... hh_beta_n: elementwise formulas called inside that
#   loop; hh_gate_steady_state and hh_gate_time_constant are their checked public form.
# * value(state), block(v), spike_current(v), firing_rate(u), recurrent_input(r), propagate, stp_now, stp_means,
#   external_means, pulsed_mean, rate_input, current_function: state read-outs and helpers of the loop that take the
#   runner's own arrays.
# * network: Network.step / propagate / synaptic_currents / add_external_spikes / step_constants,
#   BinaryNetwork.step, Connectivity.outgoing / outgoing_targets, PoissonDrive.counts, ConstantDrive.current_at,
#   sample_poisson, sample_poisson_each, poisson_table, lif_step_in_place, lif_work, Network.pooled_conductances / channel_currents / send_pooled,
#   PooledProjection.conductance / block / initial_state, DecisionStop (simulate_network's until), csr_rows, Network.update_neurons / total_current / scatter /
#   scatter_each / release / noise_constants / synapse_delay_steps, NoiseDrive.mean_at,
#   PoissonDrive.expected_spikes: called in every step of a run (simulate_network and simulate_binary check
#   what reaches them). population_weights: the helper of ei_connectivity and with_population_weights, which
#   check its arguments. Result objects (NetworkResult, BinaryResult) are made by the runners; their methods
#   that take arguments are fed below.
# * private unchecked forms that root finders and curve fits call many times (theory.balanced._siegert_rate_hz,
#   theory.decision._nullcline, _jacobian, _weibull): their public forms are fed below.


# Valid calls whose documented answer may be nan: "no such state" is an answer, not a failure.
NAN_IS_AN_ANSWER = {"rate_model_bistable_range",   # (nan, nan) when the model has no bistable range
                    "spiking_decisions"}           # decision time nan for a trial that has not decided


def random_bad_value(kind, rng):
    """One bad value of a kind drawn at random (None if the kind has no random form)."""
    magnitude = 10.0 ** rng.uniform(-6, 9)
    draws = {"num": lambda: rng.choice([NAN, INF, -INF]),
             "pos": lambda: -magnitude, "nonneg": lambda: -magnitude, "dt": lambda: -magnitude,
             "t_stop": lambda: -magnitude, "array": lambda: [1.0] * int(rng.integers(1, 4)) + [NAN],
             "count": lambda: int(rng.integers(1, 1000)) + rng.uniform(0.05, 0.95),
             "seed": lambda: -int(rng.integers(1, 10 ** 9))}
    return draws[kind]() if kind in draws else None


def bad_values(function, name, kind_spec, rng):
    """The bad values for one argument: those of its kind, a random one of its kind and its own extras.

    None is left out where None is the argument's default (it then means "not given", which is valid).
    """
    kind, extra = (kind_spec, []) if isinstance(kind_spec, str) else kind_spec
    values = list(BAD[kind]) + list(extra)
    drawn = random_bad_value(kind, rng)
    if drawn is not None:
        values.append(drawn)
    try:
        default = inspect.signature(function).parameters[name].default
    except (KeyError, ValueError, TypeError):
        default = inspect.Parameter.empty
    if default is None:
        values = [v for v in values if v is not None]
    return values


class Timeout(BaseException):
    """Raised by the alarm in the child when one call takes longer than TIME_LIMIT_S."""


def _on_alarm(signum, frame):
    raise Timeout()


def run_limited(function, kwargs_list):
    """Call function(**kwargs) for each kwargs in a forked child with a memory limit and a time limit per call.

    Returns one outcome per call: ("ok", "nan" or "fine"), ("raised", (exception class names, message)),
    ("hang", seconds) or ("crash", exit status). One child per callable keeps the test fast; a call stuck
    in C code, where the alarm cannot interrupt it, is caught by the parent's deadline (all calls then
    count as hangs).
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:   # the child
        os.close(read_end)
        outcomes = []
        try:
            resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
            signal.signal(signal.SIGALRM, _on_alarm)
            for kwargs in kwargs_list:
                try:
                    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT_S)
                    with np.errstate(all="ignore"):
                        result = function(**kwargs)
                    outcome = ("ok", describe(result))
                except Timeout:
                    outcome = ("hang", TIME_LIMIT_S)
                except BaseException as err:   # noqa: BLE001  (every exception is reported to the parent)
                    outcome = ("raised", ([c.__name__ for c in type(err).__mro__], str(err)))
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                outcomes.append(outcome)
        finally:
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(pickle.dumps(outcomes))
            os._exit(0)
    os.close(write_end)
    ready, _, _ = select.select([read_end], [], [], TIME_LIMIT_S * (len(kwargs_list) + 1))
    if not ready:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read_end)
        return [("hang", TIME_LIMIT_S)] * len(kwargs_list)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    outcomes = pickle.loads(data) if data else []
    return outcomes + [("crash", status)] * (len(kwargs_list) - len(outcomes))


def describe(result):
    """'nan' if any number in result (or in the arrays of a result object) is nan, else 'fine'."""
    items = list(result) if isinstance(result, (tuple, list)) else [result]
    for item in list(items):   # result objects (SimResult, CANNResult, ...): look at their arrays too
        if hasattr(item, "__dict__") and not callable(item):
            items += [v for v in vars(item).values() if isinstance(v, np.ndarray)]
    for item in items:
        if isinstance(item, (np.ndarray, float, np.floating)):
            arr = np.asarray(item)
            if arr.dtype.kind == "f" and np.isnan(arr).any():
                return "nan"
    return "fine"


def clear_error(outcome, name):
    """True if the outcome is a ValueError or TypeError whose message names the argument."""
    if outcome[0] != "raised":
        return False
    mro, message = outcome[1]
    return ("ValueError" in mro or "TypeError" in mro) and name in message


def bad_calls(rng):
    """For each callable, its (kwargs, argument, bad value) triples in a random order."""
    per_callable = []
    for label, function, valid, spec in CASES:
        calls = [({**valid, name: value}, name, value)
                 for name, kind_spec in spec.items() for value in bad_values(function, name, kind_spec, rng)]
        per_callable.append((label, function, [calls[i] for i in rng.permutation(len(calls))]))
    return per_callable


def test_every_valid_call_runs_without_nan():
    """The valid call of each case works, so that a failure below is due to the one bad argument."""
    problems = []
    for label, function, valid, _ in CASES:
        outcome, = run_limited(function, [valid])
        if outcome != ("ok", "fine") and not (label in NAN_IS_AN_ANSWER and outcome == ("ok", "nan")):
            problems.append(f"{label}({valid}): {outcome}")
    assert not problems, "\n".join(problems)


def test_bad_input_gets_a_clear_error():
    failures, n_calls = [], 0
    for label, function, calls in bad_calls(np.random.default_rng(SEED)):
        outcomes = run_limited(function, [kwargs for kwargs, _, _ in calls])
        n_calls += len(calls)
        for (_, name, value), outcome in zip(calls, outcomes):
            if not clear_error(outcome, name):
                failures.append(f"{label}({name}={value!r:.40}): {str(outcome)[:300]}")
    summary = (f"{n_calls - len(failures)} of {n_calls} bad inputs to {len(CASES)} callables got a clear "
               f"error naming the argument")
    print(summary, file=sys.stderr)
    assert not failures, summary + ":\n" + "\n".join(failures)


def test_seed_errors_name_seed():
    outcome, = run_limited(network.simulate_network, [{"net": NET.network(seed=1), "t_stop": 2.0, "dt": 0.2,
                                                       "seed": -1}])
    assert clear_error(outcome, "seed"), outcome


def test_stp_poisson_theory_works_without_facilitation():
    """tau_f = 0 (the default synapse, and depressing()) used to divide by zero: u is then u_rest."""
    for stp in (plasticity.TsodyksMarkram(), plasticity.TsodyksMarkram.depressing()):
        u, x = twm.stp_poisson_steady_state(stp, 10.0)
        # u_rest = 0; the releasing u+ = U = 0.5; x = 1 / (1 + U tau_d r) = 1 / (1 + 0.5 * 800 ms * 0.01 /ms)
        assert u == pytest.approx(0.0) and x == pytest.approx(0.2)
        assert twm.stp_poisson_steady_efficacy(stp, 10.0) == pytest.approx(0.1)
    # the tau_f -> 0 limit of a facilitating synapse agrees with tau_f = 0
    nearly = plasticity.TsodyksMarkram(u_se=0.5, tau_d=800.0, tau_f=1e-9)
    assert twm.stp_poisson_steady_efficacy(nearly, 10.0) == pytest.approx(0.1, rel=1e-6)


def test_short_runs_are_refused_not_empty():
    with pytest.raises(ValueError, match="shorter than one step"):
        simulation.simulate(neurons.LIF(), 300.0, t_stop=0.04, dt=0.1)


def test_too_many_steps_are_refused_with_the_estimate():
    with pytest.raises(ValueError, match=r"1e\+09 steps"):
        simulation.simulate(neurons.LIF(), 300.0, t_stop=100.0, dt=1e-7)
