"""Chapter 11's stored NEST results: the balanced network of chapter 06 in course_lib and NEST, and NEST at scale.

    python tools/nest_scaling.py                  # everything (about 15 min on a quiet 2-core machine)
    python tools/nest_scaling.py --parts small    # only the notebook's live comparison (about 30 s)
    python tools/nest_scaling.py --parts full scaling --sizes 12500 25000

Writes notebooks/data/nest_scaling.json with the machine, its load average, the NEST, numpy and Python
versions and the date. Chapter 11 reads it where NEST is not installed (Binder, a laptop) and, where NEST
is installed, re-runs the "small" part live and prints whether it matches. Three parts:

* small: chapter 06's network (balanced_lif_network, g = 8, nu0 = 10 Hz, J = j / sqrt(K), delay 1.5 ms)
  at K = 250 (2,500 E + 625 I neurons, the same connection probability 0.1), the size chapter 11 runs
  live: per seed the same network and the same initial potentials in course_lib and in NEST
  (course_lib.nest_export, one thread), 1.2 s, statistics over 0.2-1.2 s as chapter 06 computes them.
* full: the same at chapter 06's own size (K = 1000, 10,000 E + 2,500 I neurons, 15.6 million synapses).
* scaling: NEST alone at N = 12,500 ... 100,000 neurons with K = 1000 (the same neuron, synapses and
  drive; wired by NEST's own fixed_indegree rule, as one does at scale and under MPI), with 1 and 2
  threads, and course_lib at the same sizes: build time, simulation time (0.3 s of network time), peak
  memory of the process. Each run is a fresh process (`--one`), so that its peak memory is its own.

A run whose memory estimate exceeds half of the free memory is skipped and recorded as skipped.
"""
import argparse
import copy
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from course_lib import nest_export  # noqa: E402
from course_lib.validation import available_memory_bytes  # noqa: E402
from course_lib.connectivity import BUILD_BYTES_PER_SYNAPSE  # noqa: E402
from course_lib.models.balanced import (BRUNEL_NEURON, J_REFERENCE_MV, balanced_couplings, balanced_lif_network,
                                        brunel_couplings)  # noqa: E402
from course_lib.network import simulate_network  # noqa: E402

DATA_FILE = ROOT / "notebooks" / "data" / "nest_scaling.json"
DT = 0.1                                   # ms
CHAPTER = {"g": 8.0, "nu0_hz": 10.0, "j": float(J_REFERENCE_MV), "delay": 1.5, "gamma": 0.25}   # chapter 06
SMALL = {"k": 250, "n_e": 2500, "n_i": 625, "t_stop": 1200.0, "t_skip": 200.0, "seeds": [1, 2, 3]}
FULL = {"k": 1000, "n_e": 10000, "n_i": 2500, "t_stop": 1200.0, "t_skip": 200.0, "seeds": [1, 2, 3, 4]}
SCALING = {"k": 1000, "sizes": [12500, 25000, 50000, 100000], "threads": [1, 2], "t_stop": 300.0,
           "t_skip": 100.0, "seed": 1}
NEST_BYTES_PER_SYNAPSE = 75        # measured here (NEST 3.10, fixed_indegree, static synapses): 71-76


def chapter_network(config, seed):
    """Chapter 06's network at config's size, and its initial state (one rng for both, from seed)."""
    rng = np.random.default_rng(seed)
    net = balanced_lif_network(k=config["k"], nu0_hz=CHAPTER["nu0_hz"], g=CHAPTER["g"], j=CHAPTER["j"],
                               n_e=config["n_e"], n_i=config["n_i"], delay=CHAPTER["delay"], seed=rng)
    return net, net.initial_state(DT, rng)


def compare_seed(config, seed, threads=1):
    """One network in both simulators from the same start: (course_lib statistics, NEST statistics, timings)."""
    net, state = chapter_network(config, seed)
    start = time.perf_counter()
    course = simulate_network(net, config["t_stop"], DT, seed=[seed, 1], state=copy.deepcopy(state), progress=False)
    course_s = time.perf_counter() - start
    in_nest = nest_export.simulate_in_nest(net, config["t_stop"], DT, seed=[seed, 2], state=copy.deepcopy(state),
                                           threads=threads)
    statistics = [nest_export.comparison_statistics(run, config["t_skip"], config["t_stop"])
                  for run in (course, in_nest)]
    return (*statistics,
            {"course_sim_s": course_s, "nest_build_s": in_nest.info["nest"]["build_s"],
             "nest_sim_s": in_nest.info["nest"]["simulate_s"],
             "shared_spikes": {str(int(ms)): nest_export.shared_spike_fraction(course, in_nest, ms, DT)
                               for ms in SHARED_WINDOWS_MS}})


SHARED_WINDOWS_MS = (5.0, 20.0, 100.0)


def compare_part(config, log):
    """The comparison over config's seeds: a dict of per-seed statistics and timings."""
    rows = []
    for seed in config["seeds"]:
        course, in_nest, times = compare_seed(config, seed)
        rows.append({"seed": seed, "course_lib": course, "nest": in_nest, **times})
        log(f"  seed {seed}: course_lib E {course['rate_e_hz']:.2f} Hz CV {course['cv']:.3f} | NEST E "
            f"{in_nest['rate_e_hz']:.2f} Hz CV {in_nest['cv']:.3f} | {times['course_sim_s']:.1f} s / "
            f"{times['nest_build_s'] + times['nest_sim_s']:.1f} s")
    return {"config": config, "network": {**CHAPTER, "builder": "course_lib.models.balanced.balanced_lif_network"},
            "threads": 1, "runs": rows}


# ----------------------------------------------------------------------------------------------
# Scaling: one fresh process per run
# ----------------------------------------------------------------------------------------------

def nest_native_run(n, k, threads, t_stop, t_skip, seed):
    """Chapter 06's network at n neurons in NEST, wired by NEST's own rules; returns the timings and rates."""
    nest = nest_export.import_nest()
    n_e, n_i = int(round(0.8 * n)), n - int(round(0.8 * n))
    j = balanced_couplings(k, CHAPTER["j"], brunel_couplings(CHAPTER["g"], CHAPTER["gamma"]), gamma=CHAPTER["gamma"])
    neuron = BRUNEL_NEURON
    start = time.perf_counter()
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": DT, "local_num_threads": threads, "rng_seed": seed})
    params = {"C_m": neuron.c_m, "tau_m": neuron.c_m / neuron.g_l, "E_L": neuron.e_l, "V_th": neuron.v_th,
              "V_reset": neuron.v_reset, "t_ref": neuron.t_ref, "refractory_input": False}
    neurons = nest.Create("iaf_psc_delta", n_e + n_i, params=params)
    neurons.V_m = nest.random.uniform(neuron.v_reset, neuron.v_th)     # as course_lib's initial_state
    exc, inh = neurons[:n_e], neurons[n_e:]
    # delta synapses: NEST delay = course delay + dt (course_lib.nest_export, "Transmission delay")
    delay = CHAPTER["delay"] + DT
    nest.Connect(exc, neurons, {"rule": "fixed_indegree", "indegree": k},
                 {"weight": j[("E", "E")], "delay": delay})
    nest.Connect(inh, neurons, {"rule": "fixed_indegree", "indegree": int(round(CHAPTER["gamma"] * k))},
                 {"weight": j[("E", "I")], "delay": delay})
    drive = nest.Create("poisson_generator", params={"rate": k * CHAPTER["nu0_hz"]})
    nest.Connect(drive, neurons, syn_spec={"weight": j[("E", "X")], "delay": DT})
    recorder = nest.Create("spike_recorder", params={"start": t_skip})
    nest.Connect(neurons, recorder)
    n_synapses = nest.GetKernelStatus("num_connections") - 2 * (n_e + n_i)   # minus drive and recorder
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    nest.Simulate(t_stop)
    sim_s = time.perf_counter() - start
    events = recorder.get("events")
    senders = np.asarray(events["senders"]) - neurons[0].global_id
    window_s = (t_stop - t_skip) / 1000.0
    return {"n_synapses": int(n_synapses), "build_s": build_s, "sim_s": sim_s,
            "rate_e_hz": float(np.sum(senders < n_e) / n_e / window_s),
            "rate_i_hz": float(np.sum(senders >= n_e) / n_i / window_s), "nest": nest.__version__}


def course_run(n, k, t_stop, t_skip, seed):
    """The same network in course_lib (balanced_lif_network at n neurons); timings and rates."""
    n_e = int(round(0.8 * n))
    start = time.perf_counter()
    net = balanced_lif_network(k=k, nu0_hz=CHAPTER["nu0_hz"], g=CHAPTER["g"], j=CHAPTER["j"], n_e=n_e, n_i=n - n_e,
                               delay=CHAPTER["delay"], seed=seed)
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    result = simulate_network(net, t_stop, DT, seed=seed + 1, progress=False)
    sim_s = time.perf_counter() - start
    return {"n_synapses": int(net.connectivity.n_synapses), "build_s": build_s, "sim_s": sim_s,
            "rate_e_hz": float(result.mean_rate_hz("E", t_skip)), "rate_i_hz": float(result.mean_rate_hz("I", t_skip))}


def one_run(args):
    """--one: a single scaling run in this process; prints one JSON line with the peak memory."""
    if args.one == "nest":
        record = nest_native_run(args.n, args.k, args.threads, args.t_stop, args.t_skip, args.seed)
    else:
        record = course_run(args.n, args.k, args.t_stop, args.t_skip, args.seed)
    record.update(simulator=args.one, n=args.n, k=args.k, threads=args.threads if args.one == "nest" else 1,
                  t_stop_ms=args.t_stop, peak_mem_mb=peak_memory_mb())
    print(json.dumps(record))


def peak_memory_mb():
    """Peak resident memory of this process (MB): VmHWM of /proc/self/status, which starts afresh at exec.

    (ru_maxrss would not do here: Linux carries it over an exec, so a child started by a large parent
    would report the parent's peak.)
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def scaling_part(config, log):
    """Every (simulator, N, threads) run of the scaling sweep, each in a fresh process."""
    rows = []
    for n in config["sizes"]:
        synapses = n * config["k"] * (1 + CHAPTER["gamma"])
        for simulator, threads in [("nest", t) for t in config["threads"]] + [("course_lib", 1)]:
            need_mb = synapses * (NEST_BYTES_PER_SYNAPSE if simulator == "nest" else BUILD_BYTES_PER_SYNAPSE) / 2 ** 20
            if need_mb > available_memory_bytes() / 2 ** 20 / 2:
                rows.append({"simulator": simulator, "n": n, "k": config["k"], "threads": threads, "skipped":
                             f"needs about {need_mb:.0f} MB, more than half the free memory"})
                log(f"  {simulator} N = {n:,}: skipped ({rows[-1]['skipped']})")
                continue
            command = [sys.executable, __file__, "--one", "nest" if simulator == "nest" else "course",
                       "--n", str(n), "--k", str(config["k"]), "--threads", str(threads),
                       "--t-stop", str(config["t_stop"]), "--t-skip", str(config["t_skip"]),
                       "--seed", str(config["seed"])]
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                rows.append({"simulator": simulator, "n": n, "k": config["k"], "threads": threads,
                             "skipped": f"failed: {done.stderr.strip().splitlines()[-1:]}"})
                log(f"  {simulator} N = {n:,}: FAILED {done.stderr[-500:]}")
                continue
            record = json.loads(done.stdout.strip().splitlines()[-1])
            record["process_s"] = time.perf_counter() - start
            rows.append(record)
            log(f"  {simulator:10s} N = {n:7,d} threads {threads}: build {record['build_s']:6.1f} s  sim "
                f"{record['sim_s']:6.1f} s  peak {record['peak_mem_mb']:7.0f} MB  E {record['rate_e_hz']:.2f} Hz")
    return {"config": config, "network": dict(CHAPTER), "runs": rows}


def machine():
    """Where and when: CPU, cores, memory, load average, versions, date."""
    import bench_common
    info = bench_common.machine_info()
    return {**info, "load_average_start": [round(x, 2) for x in os.getloadavg()],
            "nest": nest_export.import_nest().__version__, "numpy": np.__version__,
            "python": platform.python_version(), "date": time.strftime("%Y-%m-%d %H:%M")}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", default=["small", "full", "scaling"], choices=["small", "full", "scaling"])
    parser.add_argument("--sizes", nargs="+", type=int, help="scaling sizes (default: SCALING['sizes'])")
    parser.add_argument("--one", choices=["nest", "course"], help=argparse.SUPPRESS)
    for name, kind, default in (("n", int, 12500), ("k", int, 1000), ("threads", int, 1), ("t-stop", float, 300.0),
                                ("t-skip", float, 100.0), ("seed", int, 1)):
        parser.add_argument(f"--{name}", type=kind, default=default, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        one_run(args)
        return
    record = json.loads(DATA_FILE.read_text()) if DATA_FILE.exists() else {}
    record.setdefault("about", "Written by tools/nest_scaling.py for notebooks/11_beyond_one_machine.ipynb.")
    record["machine"] = machine()
    log = lambda text: print(text, flush=True)    # noqa: E731
    for part in args.parts:
        log(f"{part}:")
        start = time.perf_counter()
        if part == "scaling":
            config = {**SCALING, "sizes": args.sizes or SCALING["sizes"]}
            record[part] = scaling_part(config, log)
        else:
            record[part] = compare_part(SMALL if part == "small" else FULL, log)
        record[part]["wall_s"] = time.perf_counter() - start
        record[part]["machine"] = {**record["machine"], "load_average_end": [round(x, 2) for x in os.getloadavg()]}
        DATA_FILE.parent.mkdir(parents=True, exist_ok=True)
        DATA_FILE.write_text(json.dumps(record, indent=1) + "\n")      # after each part: a long run keeps its parts
    log(f"wrote {DATA_FILE}")


if __name__ == "__main__":
    main()
