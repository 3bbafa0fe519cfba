"""The benchmark networks written for Brian2 (runs in benchmarks/.venv-brian2, see setup_brian2.sh).

    .venv-brian2/bin/python brian2_models.py --model coba --target cython [--t-stop 1000] [--fresh]

Models (parameters in bench_common.py): coba and cuba, benchmarks 1 and 2 of Brette et al. (2007);
brunel (Brunel 2000, model A, 12,500 neurons, C_E = 1000) and brunel5k (5,000 neurons, C_E = 400,
J C_E kept). Targets: Brian2's runtime code generation to numpy or cython, and cpp_standalone
(the whole simulation compiled to a C++ program). Prints one JSON line on stdout with
build_s (network construction), sim_s (Brian2's own timer around the simulation loop only:
device._last_run_time), run_total_s (run() including code generation and compilation),
peak memory (MB; for cpp_standalone the compiled program's, measured separately), the E and I
rates (Hz) and the mean CV of the ISIs.

Caches: --cache-dir holds the cython extension cache and the standalone project; --fresh empties
it first, so that the run includes compilation ("first run"); without it, a repeated run reuses
the compiled code ("cached run").

The neuron update follows Brian2's examples: "exact" integration for the linear CUBA and Brunel
equations, "exponential_euler" for COBA. Brunel's fixed in-degree connectivity is drawn with numpy
(bench_common.fixed_indegree_pairs) and handed to Synapses.connect(i=..., j=...), since Brian2's
connect() generators draw a fixed out-degree; COBA and CUBA use Brian2's own connect(p=0.02).
Written for this course; the equations follow the cited papers and Brian2's documented examples.
"""
import argparse
import os
import shutil
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as common  # noqa: E402  (starts the process clock)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CACHE = os.path.join(HERE, ".venv-brian2", "cache")   # inside the git-ignored venv
TARGETS = ("numpy", "cython", "cpp_standalone")

# runs the compiled standalone program and records its own peak memory (KB) in a file
MEMORY_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[2:])\n"
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
    "sys.exit(code)\n"
)


def parse_args(argv=None):
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=common.MODELS, required=True)
    parser.add_argument("--target", choices=TARGETS, required=True)
    common.add_network_arguments(parser)
    parser.add_argument("--cache-dir", default=DEFAULT_CACHE, help="cython cache and standalone project")
    parser.add_argument("--fresh", action="store_true", help="empty the cache first (first-run timing)")
    return parser.parse_args(argv)


def configure(target, cache_dir, fresh):
    """Select the Brian2 target; cython and standalone compile into cache_dir."""
    import brian2 as b2

    cache = os.path.join(cache_dir, target)
    if fresh and os.path.isdir(cache):
        shutil.rmtree(cache)
    os.makedirs(cache, exist_ok=True)
    b2.prefs.logging.file_log = False
    if target == "cpp_standalone":
        b2.set_device("cpp_standalone", directory=os.path.join(cache, "project"), build_on_run=True)
        b2.prefs.devices.cpp_standalone.openmp_threads = 0          # one thread, like course_lib
        memory_file = os.path.join(cache, "main_peak_kb.txt")
        b2.prefs.devices.cpp_standalone.run_cmd_unix = [sys.executable, "-c", MEMORY_WRAPPER, memory_file,
                                                        "./main"]
        return memory_file
    b2.prefs.codegen.target = target
    if target == "cython":
        b2.prefs.codegen.runtime.cython.cache_dir = os.path.join(cache, "extensions")
        b2.prefs.codegen.runtime.cython.multiprocess_safe = False
    return None


def build_coba(b2, seed, p):
    """Brette et al. (2007) benchmark 1: conductance-based LIF network, sustained by its initial state."""
    ms, mV, nS, pF = b2.ms, b2.mV, b2.nS, b2.pF
    namespace = {"c_m": p["c_m"] * pF, "g_l": p["g_l"] * nS, "e_l": p["e_l"] * mV, "e_exc": p["e_exc"] * mV,
                 "e_inh": p["e_inh"] * mV, "tau_exc": p["tau_exc"] * ms, "tau_inh": p["tau_inh"] * ms,
                 "v_th": p["v_th"] * mV, "v_reset": p["v_reset"] * mV, "w_exc": p["w_exc_ns"] * nS,
                 "w_inh": p["w_inh_ns"] * nS}
    equations = """
    dv/dt = (g_l * (e_l - v) + ge * (e_exc - v) + gi * (e_inh - v)) / c_m : volt (unless refractory)
    dge/dt = -ge / tau_exc : siemens
    dgi/dt = -gi / tau_inh : siemens
    """
    n = p["n_e"] + p["n_i"]
    neurons = b2.NeuronGroup(n, equations, threshold="v > v_th", reset="v = v_reset",
                             refractory=p["t_ref"] * ms, method="exponential_euler", namespace=namespace)
    neurons.v = f"({p['v0_mean']} + {p['v0_sd']} * randn()) * mV"
    neurons.ge = f"({p['ge0_mean_ns']} + {p['ge0_sd_ns']} * randn()) * nS"
    neurons.gi = f"({p['gi0_mean_ns']} + {p['gi0_sd_ns']} * randn()) * nS"
    exc = b2.Synapses(neurons, neurons, on_pre="ge_post += w_exc", namespace=namespace)
    inh = b2.Synapses(neurons, neurons, on_pre="gi_post += w_inh", namespace=namespace)
    exc.connect(condition=f"i < {p['n_e']}", p=p["p"])
    inh.connect(condition=f"i >= {p['n_e']}", p=p["p"])
    return neurons, [exc, inh], p["n_e"]


def build_cuba(b2, seed, p):
    """Brette et al. (2007) benchmark 2: current-based LIF network (currents written as voltages)."""
    ms, mV = b2.ms, b2.mV
    namespace = {"tau_m": p["c_m"] / p["g_l"] * ms, "e_l": p["e_l"] * mV, "tau_exc": p["tau_exc"] * ms,
                 "tau_inh": p["tau_inh"] * ms, "v_th": p["v_th"] * mV, "v_reset": p["v_reset"] * mV,
                 "w_exc": p["w_exc_mv"] * mV, "w_inh": p["w_inh_mv"] * mV}
    equations = """
    dv/dt = (ge + gi - (v - e_l)) / tau_m : volt (unless refractory)
    dge/dt = -ge / tau_exc : volt
    dgi/dt = -gi / tau_inh : volt
    """
    n = p["n_e"] + p["n_i"]
    neurons = b2.NeuronGroup(n, equations, threshold="v > v_th", reset="v = v_reset",
                             refractory=p["t_ref"] * ms, method="exact", namespace=namespace)
    neurons.v = "v_reset + rand() * (v_th - v_reset)"
    exc = b2.Synapses(neurons, neurons, on_pre="ge_post += w_exc", namespace=namespace)
    inh = b2.Synapses(neurons, neurons, on_pre="gi_post += w_inh", namespace=namespace)
    exc.connect(condition=f"i < {p['n_e']}", p=p["p"])
    inh.connect(condition=f"i >= {p['n_e']}", p=p["p"])
    return neurons, [exc, inh], p["n_e"]


def build_brunel(b2, seed, model="brunel", n_e=None, c_e=None):
    """Brunel (2000) model A: delta synapses, fixed in-degree, delay D, external Poisson input."""
    p = common.brunel_parameters(model, n_e, c_e)
    ms, mV, Hz = b2.ms, b2.mV, b2.Hz
    namespace = {"tau_m": p["tau_m"] * ms, "v_th": p["v_th"] * mV, "v_reset": p["v_reset"] * mV,
                 "j_exc": p["j"] * mV, "j_inh": -p["g"] * p["j"] * mV}
    n_e, n_i = p["n_e"], p["n_i"]
    neurons = b2.NeuronGroup(n_e + n_i, "dv/dt = -v / tau_m : volt (unless refractory)", threshold="v > v_th",
                             reset="v = v_reset", refractory=p["t_ref"] * ms, method="exact", namespace=namespace)
    neurons.v = "v_reset + rand() * (v_th - v_reset)"
    rng = np.random.default_rng(seed)
    synapses = []
    for source_offset, n_source, k, weight in ((0, n_e, p["c_e"], "j_exc"), (n_e, n_i, p["c_i"], "j_inh")):
        pre, post = [], []
        for target_offset, n_target in ((0, n_e), (n_e, n_i)):
            src, tgt = common.fixed_indegree_pairs(n_source, n_target, k, rng,
                                                  exclude_self=source_offset == target_offset)
            pre.append(src + source_offset)
            post.append(tgt + target_offset)
        syn = b2.Synapses(neurons, neurons, on_pre=f"v_post += {weight} * int(not_refractory_post)",
                          delay=p["delay"] * ms, namespace=namespace)
        syn.connect(i=np.concatenate(pre).astype(np.int32), j=np.concatenate(post).astype(np.int32))
        synapses.append(syn)
    drive = b2.PoissonInput(neurons, "v", N=p["c_e"], rate=p["nu_ext_hz"] * Hz,
                            weight=f"{p['j']} * mV * int(not_refractory)")
    return neurons, synapses + [drive], n_e


def main(argv=None):
    """Build, run and measure one network; print the JSON record."""
    args = parse_args(argv)
    t_import = time.perf_counter()
    import brian2 as b2
    import_s = time.perf_counter() - t_import
    memory_file = configure(args.target, args.cache_dir, args.fresh)
    b2.seed(args.seed)
    b2.defaultclock.dt = args.dt * b2.ms

    t_build = time.perf_counter()
    if args.model == "coba":
        neurons, others, n_e = build_coba(b2, args.seed, common.scaled(common.COBA, args.scale))
    elif args.model == "cuba":
        neurons, others, n_e = build_cuba(b2, args.seed, common.scaled(common.CUBA, args.scale))
    else:
        neurons, others, n_e = build_brunel(b2, args.seed, args.model, args.n_e, args.c_e)
    monitor = b2.SpikeMonitor(neurons)
    net = b2.Network(neurons, *others, monitor)
    build_s = time.perf_counter() - t_build

    t_run = time.perf_counter()
    net.run(args.t_stop * b2.ms, namespace={})
    run_total_s = time.perf_counter() - t_run
    sim_s = float(b2.device._last_run_time)

    times_ms = np.asarray(monitor.t / b2.ms)
    indices = np.asarray(monitor.i)
    n = len(neurons)
    n_synapses = int(sum(len(s) for s in others if isinstance(s, b2.Synapses)))
    stats = common.spike_statistics(times_ms, indices, n_e, n, args.t_stop)
    peak_mb = common.peak_memory_mb()
    record = {"simulator": "brian2", "target": args.target, "model": args.model, "fresh": args.fresh,
              "n": n, "n_synapses": n_synapses, "t_stop_ms": args.t_stop, "dt_ms": args.dt, "seed": args.seed,
              "import_s": import_s, "build_s": build_s, "run_total_s": run_total_s, "sim_s": sim_s}
    if memory_file is not None:
        timers = b2.device.timers
        record["compile_s"] = float(sum(v or 0.0 for v in timers.get("compile", {}).values()))
        record["run_binary_s"] = float(timers.get("run_binary") or 0.0)
        with open(memory_file) as f:
            record["peak_mem_main_mb"] = int(f.read()) / 1024.0
        peak_mb = max(peak_mb, record["peak_mem_main_mb"])
    record.update({"script_s": common.elapsed_since_start(), "peak_mem_mb": peak_mb, **stats,
                   "version": b2.__version__, "numpy": np.__version__,
                   "python": sys.version.split()[0]})
    common.emit(record)


if __name__ == "__main__":
    main()
