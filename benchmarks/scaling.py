"""How course_lib's cost grows: time per simulated second and peak memory vs N (fixed K) and vs K.

    python benchmarks/scaling.py                    # both sweeps, course_lib (about 4 min)
    python benchmarks/scaling.py --brian2 cpp_standalone   # and the same points with Brian2 (a few minutes more)

The network is Brunel's model A (g = 5, nu_ext = 2 nu_thr, D = 1.5 ms) with J C_E = 100 mV kept
fixed, n_i = n_e / 4 and C_I = C_E / 4 (bench_common.brunel_parameters):
* N sweep: N = 1,000 ... 100,000 neurons at C_E = 400 (K = C_E + C_I = 500 inputs per neuron);
* K sweep: N = 12,500 at C_E = 100 ... 2,000.
Each point is a fresh process. Long runs are shortened (at least 200 ms of biological time) and
reported per simulated second; the synaptic events are spikes x mean out-degree. An event-driven
engine costs a x (neuron-steps) + b x (synaptic events): the neuron update and the external drive
per neuron and step, and the propagation per event. The table ends with that fit; the third
panel shows the K sweep, where N is fixed and the events grow: a straight line.
Results: results/scaling.json, scaling.md and scaling.png (--replot redraws them from the json).
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench_common as common  # noqa: E402  (starts the process clock)
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


def fit_cost_model(records):
    """Non-negative least squares (relative errors) for time per simulated second = steps x (c + a N) + b events.

    Returns c (us per step: the Python overhead of a step), a (ns per neuron-step: the neuron
    update and the external drive) and b (ns per synaptic event: the propagation).
    """
    import numpy as np
    from scipy.optimize import nnls
    steps_per_s = 1000.0 / common.DT_MS
    design = np.array([[steps_per_s, r["n"] * steps_per_s, r["events_per_s"]] for r in records])
    cost = np.array([r["sim_s_per_s"] for r in records])
    weighted = design / cost[:, None]                                   # relative errors
    scale = weighted.max(axis=0)                                        # columns of similar size
    (c, a, b), _ = nnls(weighted / scale, np.ones_like(cost))           # no negative costs
    c, a, b = c / scale[0], a / scale[1], b / scale[2]
    return c * 1e6, a * 1e9, b * 1e9


def cost_model(fit, r):
    """Time per simulated second predicted by fit_cost_model's (c, a, b) for record r."""
    c, a, b = fit
    steps_per_s = 1000.0 / common.DT_MS
    return steps_per_s * (c * 1e-6 + a * 1e-9 * r["n"]) + b * 1e-9 * r["events_per_s"]


def plot(records, path):
    """Three panels: time per simulated second vs N, peak memory vs N (fixed K), time vs events (fixed N)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    try:
        from course_lib.plotting import use_course_style
        use_course_style()
    except ImportError:
        pass
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.8))
    markers = {"course_lib": "o", "numpy": "v", "cython": "s", "cpp_standalone": "D"}
    colours = {"course_lib": "C0", "numpy": "C1", "cython": "C2", "cpp_standalone": "C3"}
    for simulator in dict.fromkeys(r["simulator_label"] for r in records):
        mine = [r for r in records if r["simulator_label"] == simulator]
        label = simulator if simulator == "course_lib" else f"Brian2 {simulator}"
        m, c = markers.get(simulator, "o"), colours.get(simulator, "C4")
        n_points = sorted((r for r in mine if r["sweep"] == "N"), key=lambda r: r["n"])
        k_points = sorted((r for r in mine if r["sweep"] == "K"), key=lambda r: r["c_e"])
        if n_points:
            n = np.array([r["n"] for r in n_points])
            axes[0].loglog(n, [r["sim_s_per_s"] for r in n_points], m + "-", color=c, label=label)
            axes[1].loglog(n, [r["peak_mem_mb"] for r in n_points], m + "-", color=c, label=label)
        if k_points:
            events = np.array([r["events_per_s"] for r in k_points])
            cost = np.array([r["sim_s_per_s"] for r in k_points])
            axes[2].plot(events / 1e9, cost, m, color=c, label=f"{label}, C_E = " +
                         ", ".join(str(r["c_e"]) for r in k_points))
            if len(k_points) >= 3:
                a, b = fit_line(events, cost)
                grid = np.linspace(0, events.max() * 1.05, 50)
                axes[2].plot(grid / 1e9, a + b * grid, "-", lw=1.5, color=c,
                             label=f"fit: {a:.2f} s + {b * 1e9:.2f} ns x events")
    course_n = sorted((r for r in records if r["simulator_label"] == "course_lib" and r["sweep"] == "N"),
                      key=lambda r: r["n"])
    if course_n:
        n_ref = np.array([course_n[0]["n"], course_n[-1]["n"]], dtype=float)
        middle = course_n[len(course_n) // 2]
        axes[0].loglog(n_ref, middle["sim_s_per_s"] * n_ref / middle["n"], "k:", label="proportional to N")
        synapse_mb = np.array([r["n_synapses"] for r in course_n]) * 12 / 1e6     # int32 target + float64 weight
        axes[1].loglog([r["n"] for r in course_n], synapse_mb, "k:", label="synapses alone (12 bytes each)")
    axes[0].set(xlabel=f"neurons N (C_E = {N_SWEEP_C_E} fixed)", ylabel="time per simulated second (s)",
                title="Run time vs network size")
    axes[1].set(xlabel=f"neurons N (C_E = {N_SWEEP_C_E} fixed)", ylabel="peak memory (MB)",
                title="Memory vs network size")
    axes[2].set(xlabel="synaptic events per simulated second (1e9)",
                ylabel="time per simulated second (s)", title=f"Run time vs synaptic events (N = {K_SWEEP_N:,})",
                xlim=(0, None), ylim=(0, None))
    for ax in axes:
        ax.legend(fontsize=8)
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
    for simulator in dict.fromkeys(r["simulator_label"] for r in records):
        mine = [r for r in records if r["simulator_label"] == simulator]
        fit = fit_cost_model(mine)
        worst = max(abs(r["sim_s_per_s"] / cost_model(fit, r) - 1) for r in mine)
        text += (f"\n\n{simulator}, fit over both sweeps: time per simulated second = {fit[0]:.0f} us x steps "
                 f"+ {fit[1]:.1f} ns x neuron-steps + {fit[2]:.2f} ns x synaptic events (largest deviation "
                 f"of a point from the fit: {100 * worst:.0f} %)")
    text += "\n"
    with open(out + ".md", "w") as f:
        f.write(text)
    plot(records, out + ".png")
    print(text)


if __name__ == "__main__":
    main()
