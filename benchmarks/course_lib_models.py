"""The benchmark networks written with course_lib (the same networks as brian2_models.py).

    python benchmarks/course_lib_models.py --model coba [--t-stop 1000] [--seed 1]
    python benchmarks/course_lib_models.py --model brunel --n-e 40000 --c-e 400   # scaling runs

Models (parameters in bench_common.py): coba and cuba, benchmarks 1 and 2 of Brette et al. (2007);
brunel (Brunel 2000, model A, 12,500 neurons, C_E = 1000) and brunel5k (5,000 neurons, C_E = 400,
J C_E kept). Prints one JSON line: build_s (network construction), sim_s (simulate_network),
peak memory (MB), the E and I rates (Hz) and the mean CV of the ISIs.
"""
import argparse
import dataclasses
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as common  # noqa: E402  (starts the process clock)

import numpy as np  # noqa: E402


def parse_args(argv=None):
    """Command-line options (the same as brian2_models.py, without --target)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=common.MODELS, required=True)
    common.add_network_arguments(parser)
    return parser.parse_args(argv)


def engine_part(name):
    """A part of the engine by name: from course_lib.network if it holds it, else from the module that does.

    benchmarks/engine_profile.py --reference swaps course_lib.network for another version of the file; an
    older, single-file version (before connectivity, drives and the models moved out) then builds with its
    own parts.
    """
    from course_lib import connectivity, drives, network
    from course_lib.models import balanced
    for module in (network, connectivity, drives, balanced):
        if hasattr(module, name):
            return getattr(module, name)
    raise AttributeError(f"no engine part named {name!r}")


def ei_network(neuron, n_e, n_i, connectivity, synapses, delay):
    """An E/I Network of the installed engine (an engine from before populations takes n_e, n_i and delays)."""
    from course_lib import network
    if hasattr(network, "ei_populations"):
        return network.Network(neuron=neuron, populations=network.ei_populations(n_e, n_i, delay, delay),
                               connectivity=connectivity, synapses=synapses)
    return network.Network(neuron=neuron, n_e=n_e, n_i=n_i, connectivity=connectivity, synapses=synapses,
                           delay_exc=delay, delay_inh=delay)


def build_coba(rng, dt, params=None):
    """Brette et al. (2007) benchmark 1 and its initial state (Gaussian v, g_E and g_I)."""
    from course_lib import network
    from course_lib.neurons import LIF
    p = common.COBA if params is None else params
    neuron = LIF(c_m=p["c_m"], g_l=p["g_l"], e_l=p["e_l"], v_th=p["v_th"], v_reset=p["v_reset"],
                         t_ref=p["t_ref"])
    weights = {("E", "E"): p["w_exc_ns"], ("I", "E"): p["w_exc_ns"],
               ("E", "I"): p["w_inh_ns"], ("I", "I"): p["w_inh_ns"]}
    conn = engine_part("ei_connectivity")(p["n_e"], p["n_i"], weights, rng, p=p["p"], allow_self=True)
    synapses = network.SynapseModel("conductance", tau_exc=p["tau_exc"], tau_inh=p["tau_inh"],
                                    e_exc=p["e_exc"], e_inh=p["e_inh"])
    net = ei_network(neuron, p["n_e"], p["n_i"], conn, synapses, p["delay"])
    n = net.n
    state = net.initial_state(dt, rng, v0=rng.normal(p["v0_mean"], p["v0_sd"], n))
    state["trace"]["exc"][:] = rng.normal(p["ge0_mean_ns"], p["ge0_sd_ns"], n)
    state["trace"]["inh"][:] = rng.normal(p["gi0_mean_ns"], p["gi0_sd_ns"], n)
    return net, state


def build_cuba(rng, dt, params=None):
    """Brette et al. (2007) benchmark 2: current synapses, jumps of 1.62 mV and -9 mV times g_l (pA)."""
    from course_lib import network
    from course_lib.neurons import LIF
    p = common.CUBA if params is None else params
    neuron = LIF(c_m=p["c_m"], g_l=p["g_l"], e_l=p["e_l"], v_th=p["v_th"], v_reset=p["v_reset"],
                         t_ref=p["t_ref"])
    w_exc, w_inh = p["w_exc_mv"] * p["g_l"], p["w_inh_mv"] * p["g_l"]     # mV x nS = pA
    weights = {("E", "E"): w_exc, ("I", "E"): w_exc, ("E", "I"): w_inh, ("I", "I"): w_inh}
    conn = engine_part("ei_connectivity")(p["n_e"], p["n_i"], weights, rng, p=p["p"], allow_self=True)
    synapses = network.SynapseModel("current", tau_exc=p["tau_exc"], tau_inh=p["tau_inh"])
    net = ei_network(neuron, p["n_e"], p["n_i"], conn, synapses, p["delay"])
    return net, net.initial_state(dt, rng)


def build_brunel(rng, dt, model="brunel", n_e=None, c_e=None):
    """Brunel (2000) model A with course_lib's builder (fixed in-degree, delta synapses, Poisson drive)."""
    from course_lib.neurons import LIF
    p = common.brunel_parameters(model, n_e, c_e)
    neuron = LIF(c_m=250.0, g_l=250.0 / p["tau_m"], e_l=p["e_l"], v_th=p["v_th"], v_reset=p["v_reset"],
                         t_ref=p["t_ref"])
    built = engine_part("brunel_network")(g=p["g"], eta=p["eta"], n_e=p["n_e"], n_i=p["n_i"],
                                          epsilon=p["c_e"] / p["n_e"], j=p["j"], delay=p["delay"], seed=rng,
                                          neuron=neuron)
    return installed_engine_network(built, dt, rng)


def build_explorer06(rng, dt):
    """The network of chapter 06's explorer at its defaults: balanced LIF, K = 100, 1,250 neurons, nu0 20 Hz, g 8."""
    built = engine_part("balanced_lif_network")(k=100, nu0_hz=20.0, g=8.0, n_e=1000, n_i=250, seed=rng)
    return installed_engine_network(built, dt, rng)


def installed_engine_network(built, dt, rng):
    """A network from a paper builder, remade as a Network of the installed engine, and its initial state."""
    from course_lib import network
    names = {f.name for f in dataclasses.fields(network.Network)}       # an older engine may have fewer fields
    parts = {f.name: getattr(built, f.name) for f in dataclasses.fields(built) if f.name in names}
    parts["populations"] = tuple(network.Population(**dataclasses.asdict(p)) for p in parts["populations"])
    parts["synapses"] = network.SynapseModel(**dataclasses.asdict(parts["synapses"]))   # the engine's own classes
    net = network.Network(**parts)
    return net, net.initial_state(dt, rng)


def main(argv=None):
    """Build, run and measure one network; print the JSON record."""
    args = parse_args(argv)
    t_import = time.perf_counter()
    from course_lib import network
    import_s = time.perf_counter() - t_import
    rng = np.random.default_rng(args.seed)

    t_build = time.perf_counter()
    if args.model == "coba":
        net, state = build_coba(rng, args.dt, common.scaled(common.COBA, args.scale))
    elif args.model == "cuba":
        net, state = build_cuba(rng, args.dt, common.scaled(common.CUBA, args.scale))
    else:
        net, state = build_brunel(rng, args.dt, args.model, args.n_e, args.c_e)
    build_s = time.perf_counter() - t_build

    t_sim = time.perf_counter()
    result = network.simulate_network(net, args.t_stop, args.dt, seed=rng, state=state, progress=False)
    sim_s = time.perf_counter() - t_sim

    stats = common.spike_statistics(result.spike_times, result.spike_indices, net.n_e, net.n, args.t_stop)
    record = {"simulator": "course_lib", "target": "numpy", "model": args.model, "fresh": False,
              "n": net.n, "n_synapses": net.connectivity.n_synapses, "t_stop_ms": args.t_stop, "dt_ms": args.dt,
              "seed": args.seed, "import_s": import_s, "build_s": build_s, "run_total_s": sim_s, "sim_s": sim_s,
              "script_s": common.elapsed_since_start(), "peak_mem_mb": common.peak_memory_mb(), **stats,
              "version": "course_lib", "numpy": np.__version__, "python": sys.version.split()[0]}
    common.emit(record)


if __name__ == "__main__":
    main()
