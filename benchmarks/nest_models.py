"""The benchmark networks run in NEST, with course_lib's wiring (course_lib.nest_export).

    python benchmarks/nest_models.py --model coba [--threads 2] [--t-stop 1000] [--seed 1]

The network is drawn exactly as course_lib_models.py draws it (same seed, same random numbers: the same
synapses, the same initial potentials and, for COBA, conductances) and handed to NEST one synapse at a
time from those arrays (iaf_cond_exp for COBA, iaf_psc_exp for CUBA, iaf_psc_delta for Brunel; see
course_lib/nest_export.py for the mapping and where NEST's integration differs). So NEST simulates
the very network course_lib does, and its statistics can be compared seed by seed.

Prints one JSON line, as the other benchmark scripts: build_s (course_lib's wiring + building it in NEST;
nest_build_s is NEST's part), sim_s (NEST's Simulate call), peak memory of the process (MB: NEST's
structures plus the course_lib arrays it was built from), E and I rates (Hz) and the mean CV of ISIs.
NEST is optional (`pip install nest-simulator`); compare.py skips it, saying so, where it is missing.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as common  # noqa: E402  (starts the process clock)

import numpy as np  # noqa: E402


def parse_args(argv=None):
    """Command-line options: those of course_lib_models.py plus --threads."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=common.MODELS, required=True)
    parser.add_argument("--threads", type=int, default=1, help="NEST's local_num_threads")
    common.add_network_arguments(parser)
    return parser.parse_args(argv)


def main(argv=None):
    """Build the course_lib network, run it in NEST, print the JSON record."""
    args = parse_args(argv)
    t_import = time.perf_counter()
    import course_lib_models as models
    from course_lib import nest_export
    nest = nest_export.import_nest()
    import_s = time.perf_counter() - t_import
    rng = np.random.default_rng(args.seed)

    t_build = time.perf_counter()
    if args.model == "coba":
        net, state = models.build_coba(rng, args.dt, common.scaled(common.COBA, args.scale))
    elif args.model == "cuba":
        net, state = models.build_cuba(rng, args.dt, common.scaled(common.CUBA, args.scale))
    else:
        net, state = models.build_brunel(rng, args.dt, args.model, args.n_e, args.c_e)
    built = nest_export.build_in_nest(net, args.dt, seed=rng, threads=args.threads, state=state)
    build_s = time.perf_counter() - t_build

    result = built.run(args.t_stop)
    sim_s = result.info["nest"]["simulate_s"]
    stats = common.spike_statistics(result.spike_times, result.spike_indices, net.n_e, net.n, args.t_stop)
    record = {"simulator": "nest", "target": f"{args.threads} thread" + ("s" if args.threads > 1 else ""),
              "threads": args.threads, "model": args.model, "fresh": False, "n": net.n,
              "n_synapses": net.connectivity.n_synapses, "t_stop_ms": args.t_stop, "dt_ms": args.dt,
              "seed": args.seed, "import_s": import_s, "build_s": build_s, "nest_build_s": built.build_s,
              "run_total_s": sim_s, "sim_s": sim_s, "script_s": common.elapsed_since_start(),
              "peak_mem_mb": common.peak_memory_mb(), **stats, "version": nest.__version__,
              "numpy": np.__version__, "python": sys.version.split()[0]}
    common.emit(record)


if __name__ == "__main__":
    main()
