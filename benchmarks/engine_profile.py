"""Where a step of course_lib's network engine goes: time and numpy calls per step, by phase.

    python benchmarks/engine_profile.py                          # COBA, CUBA, Brunel (12,500 neurons) and the
                                                                 # network of chapter 06's explorer (1,250)
    python benchmarks/engine_profile.py --model coba --t-stop 500
    python benchmarks/engine_profile.py --reference old_network.py   # also profile another course_lib/network.py,
                                                                     # interleaved (A B, B A, ...) in this process
    python benchmarks/engine_profile.py --build-memory 10000 20000 [--reference old_network.py]
                                                # peak memory of building Brunel's network, one process per build

Phases of a step (course_lib.network.Network.step and the loop of simulate_network):

* drives: the external Poisson input (``add_external_spikes``);
* synapses: arrivals -> synaptic currents, total current (``synaptic_currents``, ``total_current``);
* neurons: the neuron update (``update_neurons``; ``neuron.step`` in an engine without it);
* detection: finding who spiked, clearing the delivered ring rows, step bookkeeping (the rest of ``step``);
* propagation: gathering the spiking neurons' synapses and scattering them into the ring (``propagate``);
* recording: the loop of ``simulate_network`` around ``step`` (spike bookkeeping, traces, progress).

Time per step: CPU time (``time.process_time``) of plain runs, median over repeats (the wall time in brackets).
With --reference the engines alternate A B, B A, ... and the ratio of their CPU times in each round is reported
(median and middle half): the number to quote for a before/after change. The phase columns come from one
instrumented run per engine, not interleaved: use them to see where a step goes, not to compare engines.
Time per phase: each phase method is wrapped in ``time.perf_counter`` calls (about 0.1 us per call, so the
phases add up to a little more than the plain run), scaled to CPU time by the run's CPU / wall ratio.
numpy calls per step: counted in a separate, shorter run in which every array of the engine (state,
synapses, random numbers) is a counting subclass of ``numpy.ndarray``: each ufunc call and operator
(``__array_ufunc__``: ``a + b``, ``np.add(..., out=)``, ``np.add.at``), each numpy function
(``__array_function__``: ``np.copyto``, ``np.concatenate``, ...), each array method (``fill``, ``tolist``,
``nonzero``, ...), each fancy index and each random draw made by course_lib's own code is one call; what
numpy does inside a call is not counted again; ``np.asarray`` is counted too (it turns parameters into arrays).
Not counted: basic slicing (a view), arithmetic on numbers (numpy scalars too). cProfile cannot do this count: it does
not see ufunc calls, operators or numpy 2's C-level dispatched functions. Report the load (printed) with the
numbers: the machine's other work slows memory and caches even when it does not take this process's CPU.
"""
import argparse
import contextlib
import importlib.util
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as common  # noqa: E402
import course_lib_models as models  # noqa: E402

import numpy as np  # noqa: E402

PHASES = ("drives", "synapses", "neurons", "detection", "propagation", "recording")
PHASE_METHODS = {"add_external_spikes": "drives", "synaptic_currents": "synapses", "total_current": "synapses",
                 "update_neurons": "neurons", "propagate": "propagation"}
MODELS = ("coba", "cuba", "brunel", "explorer06")


def parse_args(argv=None):
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=MODELS, action="append", help="repeatable; default: all four")
    parser.add_argument("--t-stop", type=float, default=1000.0, help="ms of biological time per timed run")
    parser.add_argument("--count-steps", type=int, default=300, help="steps of the numpy-call counting run")
    parser.add_argument("--repeats", type=int, default=2, help="timed runs per engine (interleaved)")
    parser.add_argument("--reference", help="another course_lib/network.py to profile next to the installed one")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--build-memory", nargs="*", type=int, metavar="N_E",
                        help="instead: peak memory of building Brunel's network (n_i = n_e / 4, epsilon 0.1) in a "
                             "fresh process per size, e.g. --build-memory 10000 20000")
    parser.add_argument("--build-child", nargs=3, help=argparse.SUPPRESS)   # engine path or '-', n_e, tracemalloc
    return parser.parse_args(argv)


def load_engine(path=None):
    """course_lib.network, or the module in the file path loaded as a sibling of it (for before/after runs)."""
    import course_lib.network
    import course_lib.models.balanced  # noqa: F401  (imported now, with the installed engine: builders use it)
    if path is None:
        return course_lib.network
    spec = importlib.util.spec_from_file_location("course_lib.network_reference", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def engine_installed(engine):
    """Make `from course_lib import network` (as the benchmark builders do) give this engine."""
    import course_lib
    saved = sys.modules["course_lib.network"]
    sys.modules["course_lib.network"], course_lib.network = engine, engine
    try:
        yield
    finally:
        sys.modules["course_lib.network"], course_lib.network = saved, saved


def build(engine, model, seed, rng=None):
    """The benchmark network (benchmarks/course_lib_models.py), its initial state and its generator."""
    rng = np.random.default_rng(seed) if rng is None else rng
    with engine_installed(engine):
        if model == "coba":
            net, state = models.build_coba(rng, common.DT_MS)
        elif model == "cuba":
            net, state = models.build_cuba(rng, common.DT_MS)
        elif model == "explorer06":
            net, state = models.build_explorer06(rng, common.DT_MS)
        else:
            net, state = models.build_brunel(rng, common.DT_MS, model)
    return net, state, rng


def run_s(engine, net, state, rng, t_stop):
    """Wall-clock and CPU seconds of simulate_network for t_stop ms, and its result."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = engine.simulate_network(net, t_stop, common.DT_MS, seed=rng, state=state, progress=False)
    return time.perf_counter() - wall, time.process_time() - cpu, result


class PhaseClock:
    """Wall time and a call counter per phase; `current` is the phase the engine is in."""

    def __init__(self):
        self.seconds = dict.fromkeys(PHASES, 0.0)
        self.calls = dict.fromkeys(PHASES, 0)
        self.current = "recording"

    def wrap(self, function, phase):
        """function, timed (s) and counted under phase."""
        def timed(*args, **kwargs):
            outer, self.current = self.current, phase
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[phase] += time.perf_counter() - start
                self.current = outer
        return timed

    def instrument(self, net):
        """Wrap the phase methods of this network instance (and its neuron's step when the engine calls it)."""
        for name, phase in PHASE_METHODS.items():
            if hasattr(net, name):
                object.__setattr__(net, name, self.wrap(getattr(net, name), phase))
        if not hasattr(net, "update_neurons"):
            object.__setattr__(net.neuron, "step", self.wrap(net.neuron.step, "neurons"))
        object.__setattr__(net, "step", self.wrap(net.step, "detection"))


def phase_seconds(engine, model, seed, t_stop):
    """CPU seconds per phase of one instrumented run; the step's own lines count as detection.

    The phases are timed with the wall clock (a CPU clock costs microseconds per reading) and scaled by the
    run's CPU time / wall time, so that time lost to other processes on a loaded machine is not counted.
    """
    net, state, rng = build(engine, model, seed)
    clock = PhaseClock()
    clock.instrument(net)
    wall, cpu, _ = run_s(engine, net, state, rng, t_stop)
    inner = sum(clock.seconds[p] for p in PHASES if p not in ("detection", "recording"))
    seconds = dict(clock.seconds, detection=clock.seconds["detection"] - inner)
    seconds["recording"] = wall - clock.seconds["detection"]
    return {phase: value * cpu / wall for phase, value in seconds.items()}


# ---------------------------------------------------------------------------------------------------
# Counting numpy calls
# ---------------------------------------------------------------------------------------------------

COUNTER = {"clock": None}
COUNTED_METHODS = ("fill", "tolist", "nonzero", "any", "all", "sum", "copy", "astype", "take", "max", "min",
                   "ravel", "reshape", "sort", "searchsorted", "cumsum", "mean", "item")
NUMPY_DIR = os.path.dirname(np.__file__)


def count_call(depth=2):
    """Count one numpy call for the current phase, unless numpy itself made it (a call inside a call)."""
    clock = COUNTER["clock"]
    if clock is not None and not sys._getframe(depth).f_code.co_filename.startswith(NUMPY_DIR):
        clock.calls[clock.current] += 1


def counting(value):
    """value with every ndarray in it (also in tuples) viewed as CountingArray."""
    if isinstance(value, np.ndarray) and not isinstance(value, CountingArray):
        return value.view(CountingArray)
    if isinstance(value, tuple):
        return tuple(counting(v) for v in value)
    return value


def plain(value):
    """value with CountingArray views turned back into plain ndarrays (also in tuples)."""
    if isinstance(value, CountingArray):
        return value.view(np.ndarray)
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    return value


class CountingArray(np.ndarray):
    """An ndarray that counts the numpy calls made on it (see the module docstring)."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        count_call()
        if "out" in kwargs:
            kwargs["out"] = plain(kwargs["out"])
        result = getattr(ufunc, method)(*plain(inputs), **kwargs)
        return counting(result)

    def __array_function__(self, func, types, args, kwargs):
        count_call()
        return counting(func._implementation(*plain(args), **{k: plain(v) for k, v in kwargs.items()})
                        if hasattr(func, "_implementation") else super().__array_function__(func, types, args, kwargs))

    def __getitem__(self, key):
        if isinstance(key, (np.ndarray, list)) or (isinstance(key, tuple) and any(isinstance(k, np.ndarray)
                                                                                    for k in key)):
            count_call()
        return counting(super().__getitem__(plain(key)))

    def __setitem__(self, key, value):
        if isinstance(key, (np.ndarray, list)) or not np.isscalar(value):
            count_call()
        super().__setitem__(plain(key), plain(value))


def counted_method(name):
    """The ndarray method name, counted as one numpy call."""
    method = getattr(np.ndarray, name)

    def call(self, *args, **kwargs):
        count_call()
        return counting(method(self.view(np.ndarray), *plain(args), **kwargs))
    call.__name__ = name
    return call


for _name in COUNTED_METHODS:
    setattr(CountingArray, _name, counted_method(_name))


class CountingGenerator(np.random.Generator):
    """A numpy Generator whose draws are counted and come back as CountingArray."""

    def integers(self, *args, **kwargs):
        count_call()
        return counting(super().integers(*args, **kwargs))

    def poisson(self, *args, **kwargs):
        count_call()
        return counting(super().poisson(*args, **kwargs))


@contextlib.contextmanager
def counting_asarray():
    """np.asarray counted and returning CountingArray while counting (parameters become arrays through it)."""
    original = np.asarray

    def asarray(*args, **kwargs):
        count_call()
        return counting(original(*args, **kwargs))
    np.asarray = asarray
    try:
        yield
    finally:
        np.asarray = original


def counting_state(value):
    """The engine state with every array (also in nested dicts) viewed as CountingArray."""
    if hasattr(value, "stacked"):          # course_lib.network.ChannelArrays: views of one array
        return type(value)(counting(value.stacked), value.names, value.axis)
    if isinstance(value, dict):
        return {key: counting_state(v) for key, v in value.items()}
    return counting(value)


def counting_network(engine, net):
    """The same network whose synapse arrays and drive arrays count the numpy calls made on them."""
    import dataclasses
    conn = net.connectivity
    counted = engine.Connectivity(indptr=counting(conn.indptr), targets=counting(conn.targets),
                                  weights=counting(conn.weights), n_target=conn.n_target)
    return dataclasses.replace(net, connectivity=counted)


def calls_per_step(engine, model, seed, n_steps):
    """numpy calls per step and phase (mean over n_steps steps after a short warm-up)."""
    net, state, _ = build(engine, model, seed)
    rng = CountingGenerator(np.random.PCG64(seed))
    engine.simulate_network(net, 20 * common.DT_MS, common.DT_MS, seed=rng, state=state, progress=False)
    net = counting_network(engine, net)
    state = counting_state(state)
    clock = PhaseClock()
    clock.instrument(net)
    COUNTER["clock"] = clock
    try:
        with counting_asarray():
            engine.simulate_network(net, n_steps * common.DT_MS, common.DT_MS, seed=rng, state=state,
                                    progress=False)
    finally:
        COUNTER["clock"] = None
    return {phase: clock.calls[phase] / n_steps for phase in PHASES}


# ---------------------------------------------------------------------------------------------------
# Peak memory of building the connectivity
# ---------------------------------------------------------------------------------------------------

def build_child(path, n_e, traced, seed):
    """In a fresh process: build Brunel's network (n_e, n_e / 4 neurons, epsilon 0.1); print one JSON line."""
    import json
    import resource
    import tracemalloc
    engine = load_engine(None if path == "-" else path)
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    conn = engine.brunel_network(n_e=n_e, n_i=n_e // 4, epsilon=0.1, seed=seed).connectivity
    seconds = time.perf_counter() - start
    record = {"n": n_e + n_e // 4, "synapses": conn.n_synapses, "build_s": seconds,
              "final_bytes": conn.indptr.nbytes + conn.targets.nbytes + conn.weights.nbytes,
              "max_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}
    if traced:
        record["traced_peak_bytes"] = tracemalloc.get_traced_memory()[1]
    print(json.dumps(record))


def build_memory(engines, sizes, seed):
    """Per engine and size: numpy's peak allocations (tracemalloc) and the process's max RSS, bytes per synapse."""
    import json
    import subprocess
    print("\n| engine | neurons | synapses | final arrays (B/synapse) | tracemalloc peak (B/synapse) | "
          "max RSS (B/synapse) | build (s) | load |")
    print("|---|---|---|---|---|---|---|---|")
    for n_e in sizes:
        for name, path in engines.items():
            runs = {}
            for traced in (1, 0):        # tracemalloc slows the build: time and RSS from the untraced run
                output = subprocess.run([sys.executable, __file__, "--build-child", path, str(n_e), str(traced),
                                         "--seed", str(seed)], capture_output=True, text=True, check=True).stdout
                runs[traced] = json.loads(output.strip().splitlines()[-1])
            n_syn = runs[0]["synapses"]
            print(f"| {name} | {runs[0]['n']:,} | {n_syn:,} | {runs[0]['final_bytes'] / n_syn:.1f} | "
                  f"{runs[1]['traced_peak_bytes'] / n_syn:.1f} | {runs[0]['max_rss_bytes'] / n_syn:.1f} | "
                  f"{runs[0]['build_s']:.2f} | {os.getloadavg()[0]:.1f} |", flush=True)


# ---------------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------------

def load_text():
    """The load average (1, 5, 15 min) as text."""
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def profile(engines, model, args):
    """Time per step (plain runs, interleaved across engines), per phase, and numpy calls per phase."""
    n_steps = round(args.t_stop / common.DT_MS)
    wall_s, cpu_s = {name: [] for name in engines}, {name: [] for name in engines}
    loads = [os.getloadavg()[0]]
    spikes = {}
    for round_ in range(args.repeats):
        order = list(engines.items())
        for name, engine in order if round_ % 2 == 0 else order[::-1]:     # A B, B A, A B, ...: order cancels
            net, state, rng = build(engine, model, args.seed)
            wall, cpu, result = run_s(engine, net, state, rng, args.t_stop)
            wall_s[name].append(wall)
            cpu_s[name].append(cpu)
            spikes[name] = (result.spike_times.size, hash(result.spike_indices.tobytes()))
            loads.append(os.getloadavg()[0])
    rows = {}
    for name, engine in engines.items():
        phases = phase_seconds(engine, model, args.seed, args.t_stop)
        calls = calls_per_step(engine, model, args.seed, args.count_steps)
        rows[name] = {"cpu_us": 1e6 * float(np.median(cpu_s[name])) / n_steps,
                      "wall_us": 1e6 * float(np.median(wall_s[name])) / n_steps,
                      "phase_us": {p: 1e6 * phases[p] / n_steps for p in PHASES}, "calls": calls,
                      "cpu_s": cpu_s[name]}
    return rows, spikes, (min(loads), max(loads))


def paired_ratio(cpu_s, reference_s):
    """Median and middle half (25th, 75th percentile) of the per-round ratios cpu_s[i] / reference_s[i]."""
    ratios = np.asarray(cpu_s) / np.asarray(reference_s)
    return float(np.median(ratios)), tuple(float(q) for q in np.percentile(ratios, [25, 75]))


def print_table(model, rows, spikes, loads, t_stop):
    """One markdown table per model: engines as rows, phases as columns (us per step / numpy calls per step)."""
    print(f"\n### {model} ({t_stop:g} ms, {round(t_stop / common.DT_MS)} steps; load average during the timed runs "
          f"{loads[0]:.2f}-{loads[1]:.2f})\n")
    print("| engine | CPU us per step (wall) | " + " | ".join(PHASES) + " | numpy calls per step |")
    print("|---|---|" + "---|" * len(PHASES) + "---|")
    for name, row in rows.items():
        cells = [f"{row['phase_us'][p]:.1f} us, {row['calls'][p]:.1f}" for p in PHASES]
        print(f"| {name} | {row['cpu_us']:.1f} ({row['wall_us']:.1f}) | " + " | ".join(cells)
              + f" | {sum(row['calls'].values()):.1f} |")
    if "reference" in rows and len(rows["reference"]["cpu_s"]) > 1:
        median, (low, high) = paired_ratio(rows["course_lib.network"]["cpu_s"], rows["reference"]["cpu_s"])
        print(f"\nCPU time, course_lib.network / reference, round by round: median {median:.3f}, middle half "
              f"{low:.3f}-{high:.3f} ({len(rows['reference']['cpu_s'])} rounds)")
    same = len({v for v in spikes.values()}) == 1
    print(f"\nspikes: {', '.join(f'{k} {v[0]}' for k, v in spikes.items())}"
          + (" (identical spike trains)" if len(spikes) > 1 and same else ""))
    if len(spikes) > 1 and not same:
        print("WARNING: the engines give different spike trains")


def main(argv=None):
    """Profile the chosen models and print the tables."""
    args = parse_args(argv)
    if args.build_child:
        return build_child(args.build_child[0], int(args.build_child[1]), args.build_child[2] == "1", args.seed)
    if args.build_memory is not None:
        paths = {"course_lib.network": "-"} if not args.reference else {"reference": args.reference,
                                                                         "course_lib.network": "-"}
        print(f"build memory, numpy {np.__version__}, load average at the start {load_text()}")
        return build_memory(paths, args.build_memory or [10000], args.seed)
    engines = {"course_lib.network": load_engine()}
    if args.reference:
        engines = {"reference": load_engine(args.reference), **engines}
    print(f"engine profile, numpy {np.__version__}, Python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"load average at the start {load_text()} (1 / 5 / 15 min)")
    for model in args.model or MODELS:
        rows, spikes, loads = profile(engines, model, args)
        print_table(model, rows, spikes, loads, args.t_stop)
    print(f"\nload average at the end {load_text()}")


if __name__ == "__main__":
    main()
