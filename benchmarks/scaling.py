"""How course_lib's cost grows: time per simulated second and peak memory vs N (fixed K) and vs K.

    python benchmarks/scaling.py                    # both sweeps, course_lib (about 10 min)
    python benchmarks/scaling.py --brian2 cpp_standalone   # and the same points with Brian2

The network is Brunel's model A (g = 5, nu_ext = 2 nu_thr, D = 1.5 ms) with J C_E = 100 mV kept
fixed, n_i = n_e / 4 and C_I = C_E / 4 (common.brunel_parameters):
* N sweep: N = 1,000 ... 100,000 neurons at C_E = 400 (K = C_E + C_I = 500 inputs per neuron);
* K sweep: N = 12,500 at C_E = 100 ... 2,000.
Each point is a fresh process. Long runs are shortened (at least 200 ms of biological time) and
reported per simulated second; the synaptic events are spikes x mean out-degree. If the engine
is event-driven the time per simulated second is a + b x (events per second): a line in the
third panel. Results: results/scaling.json, scaling.md and scaling.png.
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import common  # noqa: E402
from compare import BRIAN2_PYTHON, RESULTS, run_one  # noqa: E402

N_SWEEP = (1000, 2000, 5000, 12500, 25000, 50000, 100000)
N_SWEEP_C_E = 400
K_SWEEP = (100, 200, 400, 1000, 2000)
K_SWEEP_N = 12500
EVENTS_PER_RUN = 3e8        # shorten runs to about this many synaptic events (Brunel rates ~ 40 Hz)


def t_stop_for(n, c_e, rate_hz=40.0):
    """Biological time (ms) for one point: 1 s, shortened to about EVENTS_PER_RUN events, at least 200 ms."""
    events_per_s = n * 1.25 * c_e * rate_hz
    return float(min(1000.0, max(200.0, round(1000.0 * EVENTS_PER_RUN / events_per_s, -1))))


def command(simulator, n, c_e, t_stop, seed=1):
    """Command line for one point."""
    n_e = int(round(n * 0.8))
    args = ["--model", "brunel", "--n-e", str(n_e), "--c-e", str(c_e), "--t-stop", str(t_stop), "--seed", str(seed)]
    if simulator == "course_lib":
        return [sys.executable, os.path.join(HERE, "course_lib_models.py")] + args
    return [BRIAN2_PYTHON, os.path.join(HERE, "brian2_models.py"), "--target", simulator] + args


def point(simulator, sweep, n, c_e):
    """Run one point; the record plus per-second figures."""
    t_stop = t_stop_for(n, c_e)
    record = run_one(command(simulator, n, c_e, t_stop))
    seconds = record["t_stop_ms"] / 1000.0
    events = record["n_spikes"] * record["n_synapses"] / record["n"]
    record.update(sweep=sweep, c_e=c_e, simulator_label=simulator, sim_s_per_s=record["sim_s"] / seconds,
                  events_per_s=events / seconds, ns_per_event=1e9 * record["sim_s"] / max(events, 1))
    print(f"  {simulator:15s} {sweep} N {record['n']:7d} C_E {c_e:5d}  {record['t_stop_ms']:6.0f} ms: "
          f"{record['sim_s_per_s']:7.2f} s per s, {record['events_per_s']:.2e} events/s "
          f"({record['ns_per_event']:.2f} ns/event), peak {record['peak_mem_mb']:7.1f} MB, "
          f"rate E {record['rate_e_hz']:.1f} Hz", flush=True)
    return record


def table(records):
    """Markdown table of all points."""
    lines = ["| simulator | sweep | N | C_E | synapses | rate E (Hz) | events per s | time per simulated s (s) | "
             "ns per event | peak memory (MB) |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in records:
        lines.append(f"| {r['simulator_label']} | {r['sweep']} | {r['n']:,} | {r['c_e']} | {r['n_synapses']:,} | "
                     f"{r['rate_e_hz']:.1f} | {r['events_per_s']:.2e} | {r['sim_s_per_s']:.2f} | "
                     f"{r['ns_per_event']:.2f} | {r['peak_mem_mb']:.0f} |")
    return "\n".join(lines)


def fit_line(x, y):
    """Least-squares a + b x; returns (a, b)."""
    import numpy as np
    b, a = np.polyfit(np.asarray(x, float), np.asarray(y, float), 1)
    return a, b


def plot(records, path):
    """Three panels: time per simulated second vs N, peak memory vs N, time vs synaptic events (both sweeps)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    try:
        from course_lib.plotting import use_course_style
        use_course_style()
    except ImportError:
        pass
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    markers = {"course_lib": "o", "numpy": "v", "cython": "s", "cpp_standalone": "D"}
    colours = {"course_lib": "C0", "numpy": "C1", "cython": "C2", "cpp_standalone": "C3"}
    for simulator in dict.fromkeys(r["simulator_label"] for r in records):
        mine = [r for r in records if r["simulator_label"] == simulator]
        label = simulator if simulator == "course_lib" else f"Brian2 {simulator}"
        n_points = [r for r in mine if r["sweep"] == "N"]
        m, c = markers.get(simulator, "o"), colours.get(simulator, "C4")
        if n_points:
            n = np.array([r["n"] for r in n_points])
            axes[0].loglog(n, [r["sim_s_per_s"] for r in n_points], m + "-", color=c, label=label)
            axes[1].loglog(n, [r["peak_mem_mb"] for r in n_points], m + "-", color=c, label=label)
        events = np.array([r["events_per_s"] for r in mine])
        cost = np.array([r["sim_s_per_s"] for r in mine])
        axes[2].plot(events / 1e9, cost, m, color=c, label=f"{label} (N and K sweeps)")
        if len(mine) >= 3:
            a, b = fit_line(events, cost)
            grid = np.linspace(0, events.max(), 50)
            axes[2].plot(grid / 1e9, a + b * grid, "-", lw=1.5, color=c,
                         label=f"fit: {a:.2f} s + {b * 1e9:.2f} ns x events")
    n_ref = np.array([1e3, 1e5])
    first = [r for r in records if r["simulator_label"] == "course_lib" and r["sweep"] == "N"]
    if first:
        top = max(first, key=lambda r: r["n"])
        axes[0].loglog(n_ref, top["sim_s_per_s"] * n_ref / top["n"], "k:", label="proportional to N")
    axes[0].set(xlabel="neurons N (C_E = 400 fixed)", ylabel="time per simulated second (s)",
                title="Run time vs network size")
    axes[1].set(xlabel="neurons N (C_E = 400 fixed)", ylabel="peak memory (MB)", title="Memory vs network size")
    axes[2].set(xlabel="synaptic events per simulated second (1e9)", ylabel="time per simulated second (s)",
                title="Cost vs synaptic events", xlim=(0, None), ylim=(0, None))
    for ax in axes:
        ax.legend(fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv=None):
    """Run the sweeps; write results/scaling.json, scaling.md and scaling.png."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brian2", nargs="*", default=[], choices=("numpy", "cython", "cpp_standalone"),
                        help="also run these Brian2 targets at every point")
    parser.add_argument("--n", nargs="+", type=int, default=list(N_SWEEP), help="network sizes of the N sweep")
    parser.add_argument("--k", nargs="+", type=int, default=list(K_SWEEP), help="C_E values of the K sweep")
    parser.add_argument("--replot", action="store_true", help="only redraw from results/scaling.json")
    args = parser.parse_args(argv)
    os.makedirs(RESULTS, exist_ok=True)
    out = os.path.join(RESULTS, "scaling")
    if args.replot:
        with open(out + ".json") as f:
            records = json.load(f)["records"]
    else:
        machine = {**common.machine_info(), "load_start": f"{os.getloadavg()[0]:.1f}",
                   "when": time.strftime("%Y-%m-%d %H:%M")}
        records = []
        for simulator in ["course_lib"] + list(args.brian2):
            print(f"{simulator}: N sweep at C_E = {N_SWEEP_C_E}", flush=True)
            records += [point(simulator, "N", n, N_SWEEP_C_E) for n in args.n]
            print(f"{simulator}: K sweep at N = {K_SWEEP_N}", flush=True)
            records += [point(simulator, "K", K_SWEEP_N, c_e) for c_e in args.k]
        machine["load_end"] = f"{os.getloadavg()[0]:.1f}"
        with open(out + ".json", "w") as f:
            json.dump({"machine": machine, "records": records}, f, indent=1)
    text = table(records)
    course = [r for r in records if r["simulator_label"] == "course_lib"]
    a, b = fit_line([r["events_per_s"] for r in course], [r["sim_s_per_s"] for r in course])
    text += (f"\n\ncourse_lib fit over both sweeps: time per simulated second = {a:.2f} s + "
             f"{b * 1e9:.2f} ns x (synaptic events per simulated second)\n")
    with open(out + ".md", "w") as f:
        f.write(text)
    plot(records, out + ".png")
    print(text)


if __name__ == "__main__":
    main()
