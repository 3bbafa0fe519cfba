"""course_lib vs Brian2 and NEST on the benchmark networks, side by side, in one command.

    python benchmarks/compare.py                      # all models, 3 repetitions (about 25 min, quiet machine)
    python benchmarks/compare.py --models coba --repeats 5
    python benchmarks/compare.py --no-brian2           # course_lib (and NEST) only (no Brian2 environment needed)
    python benchmarks/compare.py --no-nest             # without NEST (also what happens where NEST is missing)

Every measurement is a fresh process (`course_lib_models.py` with this Python, `brian2_models.py`
with benchmarks/.venv-brian2/bin/python, made by setup_brian2.sh). For each model the runs
alternate between the simulators within each repetition, so that a change in machine load hits
all of them alike. Brian2's cython and cpp_standalone targets run once with an emptied cache
("first": includes compilation) and then `--repeats` times with the cache ("cached"). NEST
(`nest_models.py`, this Python, where `nest` imports) runs course_lib's own wiring of each network
(course_lib.nest_export) with 1 and 2 threads (`--nest-threads`).

Reported per configuration (medians over repetitions): net simulation time (the simulation loop
only), whole-process time (measured here, from starting the interpreter to its exit: imports,
building the network, the simulation, the statistics), peak memory, E and I rates and the mean CV
of ISIs. Statistics are pooled per simulator over all runs (repetitions use seeds 1, 2, 3, ...);
course_lib's must agree with Brian2's and with NEST's within 10 % (rates and CV), otherwise the row is
flagged. The small COBA and CUBA networks fluctuate from seed to seed (E rate s.d. about 2 Hz of 19 Hz
for COBA), so their statistics use --stat-seeds seeds (default 10) of course_lib, Brian2 cython and NEST
(1 thread). NEST runs the same network as course_lib for each seed (same synapses, same start).
Results: benchmarks/results/compare.json (every run), compare.md (the tables of the README) and
compare.png (the timings as bar charts). `--replot` redraws the tables and chart from compare.json.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench_common as common  # noqa: E402  (starts the process clock)

RESULTS = os.path.join(HERE, "results")
BRIAN2_PYTHON = os.path.join(HERE, ".venv-brian2", "bin", "python")
NEST_THREADS = (1, 2)
BRIAN2_TARGETS = ("numpy", "cython", "cpp_standalone")
COMPILED = ("cython", "cpp_standalone")
AGREEMENT = 0.10          # statistics must agree within 10 % (relative)
# the targets: (description, function of the medians) checked per model
TARGET_TEXT = {
    "coba": ["sim time <= Brian2 cython (cached) sim time",
             "whole process <= 0.5 x Brian2's fastest whole process"],
    "brunel": ["sim time <= 0.5 x Brian2 cpp_standalone sim time",
               "peak memory <= Brian2 numpy peak memory"],
}


def run_one(command, timeout=3600):
    """Run one benchmark process; returns its JSON record plus the wall time measured from outside."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    record = json.loads(done.stdout.strip().splitlines()[-1])
    record["process_s"] = wall
    return record


def course_lib_command(model, seed, t_stop):
    """Command line of one course_lib run."""
    return [sys.executable, os.path.join(HERE, "course_lib_models.py"), "--model", model, "--seed", str(seed),
            "--t-stop", str(t_stop)]


def brian2_command(model, target, seed, t_stop, fresh=False):
    """Command line of one Brian2 run."""
    command = [BRIAN2_PYTHON, os.path.join(HERE, "brian2_models.py"), "--model", model, "--target", target,
               "--seed", str(seed), "--t-stop", str(t_stop)]
    return command + (["--fresh"] if fresh else [])


def nest_command(model, threads, seed, t_stop):
    """Command line of one NEST run (course_lib's wiring, nest_models.py)."""
    return [sys.executable, os.path.join(HERE, "nest_models.py"), "--model", model, "--threads", str(threads),
            "--seed", str(seed), "--t-stop", str(t_stop)]


def nest_label(threads):
    """Row label of a NEST configuration: 'nest 1 thread', 'nest 2 threads'."""
    return f"nest {threads} thread" + ("s" if threads > 1 else "")


def nest_available():
    """True if this Python can import NEST (without importing it here)."""
    import importlib.util
    return importlib.util.find_spec("nest") is not None


def measure(models, repeats, stat_seeds, t_stop, with_brian2, log, nest_threads=()):
    """All runs, alternating simulators within each repetition; returns the list of records.

    Timing repetitions use seeds 1 .. repeats (Brian2's standalone program always seed 1: a new
    seed changes its generated code and would trigger a recompilation). Then, for the statistics
    only, course_lib, Brian2's cython target and NEST (its first thread count) run further seeds up to
    stat_seeds[model]. nest_threads: NEST's thread counts (empty: no NEST).
    """
    records = []

    def keep(record, label):
        record["label"] = label
        records.append(record)
        log(f"  {record['model']:9s} {label:30s} seed {record['seed']:2d}  sim {record['sim_s']:7.3f} s  "
            f"process {record['process_s']:7.2f} s  peak {record['peak_mem_mb']:7.1f} MB  "
            f"E {record['rate_e_hz']:6.2f} Hz  I {record['rate_i_hz']:6.2f} Hz  CV {record['cv_isi']:.3f}")

    for model in models:
        log(f"{model}:")
        if with_brian2:
            for target in COMPILED:        # first runs: empty cache, compilation included
                keep(run_one(brian2_command(model, target, 1, t_stop, fresh=True)), f"brian2 {target} first")
        for rep in range(repeats):
            seed = 1 + rep
            keep(run_one(course_lib_command(model, seed, t_stop)), "course_lib")
            if with_brian2:
                for target in BRIAN2_TARGETS:
                    label = f"brian2 {target}" + (" cached" if target in COMPILED else "")
                    target_seed = 1 if target == "cpp_standalone" else seed
                    keep(run_one(brian2_command(model, target, target_seed, t_stop)), label)
            for threads in nest_threads:
                keep(run_one(nest_command(model, threads, seed, t_stop)), nest_label(threads))
        for seed in range(repeats + 1, stat_seeds.get(model, repeats) + 1):
            keep(run_one(course_lib_command(model, seed, t_stop)), "course_lib (statistics only)")
            if with_brian2:
                keep(run_one(brian2_command(model, "cython", seed, t_stop)), "brian2 cython (statistics only)")
            if nest_threads:
                keep(run_one(nest_command(model, nest_threads[0], seed, t_stop)),
                     nest_label(nest_threads[0]) + " (statistics only)")
    return records


def median_of(records, key):
    """Median of one field over records."""
    return statistics.median(r[key] for r in records)


STAT_KEYS = ("rate_e_hz", "rate_i_hz", "cv_isi")


def pooled_statistics(records):
    """Mean and standard error of rates and CV over distinct realizations (Brian2's cython and
    standalone targets give identical spikes for one seed, so a realization counts once; NEST's runs
    of one seed with 1 and 2 threads differ and count twice)."""
    distinct = {}
    for r in records:
        distinct.setdefault((r["seed"], r["n_spikes"]), r)
    runs = list(distinct.values())
    pooled = {"seeds": len(runs)}
    for key in STAT_KEYS:
        values = [r[key] for r in runs]
        pooled[key] = statistics.fmean(values)
        pooled[key + "_sem"] = statistics.stdev(values) / len(values) ** 0.5 if len(values) > 1 else float("nan")
    return pooled


def summarize(records):
    """Per model and configuration: medians of the timings, pooled statistics, agreement and ratios."""
    summary = {}
    for model in dict.fromkeys(r["model"] for r in records):
        rows = {}
        mine = [r for r in records if r["model"] == model]
        timed = [r for r in mine if "statistics only" not in r["label"]]
        for label in dict.fromkeys(r["label"] for r in timed):
            runs = [r for r in timed if r["label"] == label]
            rows[label] = {"runs": len(runs), "sim_s": median_of(runs, "sim_s"),
                           "process_s": median_of(runs, "process_s"), "build_s": median_of(runs, "build_s"),
                           "peak_mem_mb": median_of(runs, "peak_mem_mb"), "n": runs[0]["n"],
                           "n_synapses": runs[0]["n_synapses"]}
        course = [r for r in mine if r["simulator"] == "course_lib"]
        brian = [r for r in mine if r["simulator"] == "brian2"]
        in_nest = [r for r in mine if r["simulator"] == "nest"]
        stats = {"course_lib": pooled_statistics(course)}
        agree = nest_agree = None
        if brian:
            stats["brian2"] = pooled_statistics(brian)
            deviations = {k: stats["course_lib"][k] / stats["brian2"][k] - 1.0 for k in STAT_KEYS}
            stats["deviation"] = deviations
            agree = all(abs(d) <= AGREEMENT for d in deviations.values())
        if in_nest:
            stats["nest"] = pooled_statistics(in_nest)
            deviations = {k: stats["course_lib"][k] / stats["nest"][k] - 1.0 for k in STAT_KEYS}
            stats["deviation_nest"] = deviations
            nest_agree = all(abs(d) <= AGREEMENT for d in deviations.values())
        summary[model] = {"rows": rows, "stats": stats, "statistics_agree": agree,
                          "nest_statistics_agree": nest_agree, "targets": check_targets(model, rows)}
    return summary


def check_targets(model, rows):
    """The issue's targets for this model: list of (text, ratio, met)."""
    base = model          # the targets are for COBA and the 12,500-neuron Brunel network
    if base not in TARGET_TEXT or "course_lib" not in rows or "brian2 numpy" not in rows:
        return []
    mine = rows["course_lib"]
    brian = {label: row for label, row in rows.items() if label.startswith("brian2") and not label.endswith("first")}
    if base == "coba":
        ratio_sim = mine["sim_s"] / brian["brian2 cython cached"]["sim_s"]
        fastest = min(row["process_s"] for row in brian.values())
        ratio_process = mine["process_s"] / fastest
        return [(TARGET_TEXT[base][0], ratio_sim, ratio_sim <= 1.0),
                (TARGET_TEXT[base][1], ratio_process, ratio_process <= 0.5)]
    ratio_sim = mine["sim_s"] / brian["brian2 cpp_standalone cached"]["sim_s"]
    ratio_mem = mine["peak_mem_mb"] / brian["brian2 numpy"]["peak_mem_mb"]
    return [(TARGET_TEXT[base][0], ratio_sim, ratio_sim <= 0.5), (TARGET_TEXT[base][1], ratio_mem, ratio_mem <= 1.0)]


def markdown(summary, machine, repeats, t_stop):
    """The comparison tables (markdown)."""
    lines = [f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB; "
             f"load average at start {machine['load_start']}, at end {machine['load_end']}; {machine['when']}. "
             f"{machine['versions']}. {repeats} timing repetitions, medians; {t_stop / 1000:g} s of biological "
             f"time, dt 0.1 ms.", ""]
    for model, info in summary.items():
        rows = info["rows"]
        any_row = next(iter(rows.values()))
        lines += [f"### {model} ({any_row['n']:,} neurons, {any_row['n_synapses']:,} synapses)", "",
                  "| simulator | sim time (s) | course_lib ÷ this | whole process (s) | course_lib ÷ this | "
                  "peak memory (MB) | runs |", "|---|---|---|---|---|---|---|"]
        mine = rows.get("course_lib")
        for label, row in rows.items():
            ratio_sim = f"{mine['sim_s'] / row['sim_s']:.2f}" if mine else "-"
            ratio_proc = f"{mine['process_s'] / row['process_s']:.2f}" if mine else "-"
            note = " (incl. compilation)" if label.endswith("first") else ""
            lines.append(f"| {label}{note} | {row['sim_s']:.3f} | {ratio_sim} | {row['process_s']:.2f} | "
                         f"{ratio_proc} | {row['peak_mem_mb']:.0f} | {row['runs']} |")
        stats = info["stats"]
        lines += ["", "| statistics (mean +- s.e.m. over realizations) | runs | rate E (Hz) | rate I (Hz) | "
                      "mean CV ISI |",
                  "|---|---|---|---|---|"]
        for who in ("course_lib", "brian2", "nest"):
            if who in stats:
                s = stats[who]
                lines.append(f"| {who} | {s['seeds']} | {s['rate_e_hz']:.2f} +- {s['rate_e_hz_sem']:.2f} | "
                             f"{s['rate_i_hz']:.2f} +- {s['rate_i_hz_sem']:.2f} | "
                             f"{s['cv_isi']:.3f} +- {s['cv_isi_sem']:.3f} |")
        if "deviation" in stats:
            d = stats["deviation"]
            flag = "agree within 10 %" if info["statistics_agree"] else "**DISAGREE: timing comparison flagged**"
            lines.append(f"| course_lib vs Brian2 | | {100 * d['rate_e_hz']:+.1f} % | {100 * d['rate_i_hz']:+.1f} % | "
                         f"{100 * d['cv_isi']:+.1f} % ({flag}) |")
        if "deviation_nest" in stats:
            d = stats["deviation_nest"]
            flag = "agree within 10 %" if info["nest_statistics_agree"] else "**DISAGREE: timing comparison flagged**"
            lines.append(f"| course_lib vs NEST | | {100 * d['rate_e_hz']:+.1f} % | {100 * d['rate_i_hz']:+.1f} % | "
                         f"{100 * d['cv_isi']:+.1f} % ({flag}) |")
        if info["targets"]:
            lines += ["", "| target (issue 5) | ratio | met |", "|---|---|---|"]
            for text, ratio, met in info["targets"]:
                lines.append(f"| {text} | {ratio:.2f} | {'yes' if met else 'no'} |")
        lines.append("")
    return "\n".join(lines)


def plot_comparison(summary, path):
    """Bar charts (log scale): simulation time and whole-process time per model and simulator."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    try:
        from course_lib.plotting import use_course_style
        use_course_style()
    except ImportError:
        pass
    labels = ["course_lib", "brian2 numpy", "brian2 cython cached", "brian2 cpp_standalone cached",
              "nest 1 thread", "nest 2 threads", "brian2 cython first", "brian2 cpp_standalone first"]
    colours = ["C0", "C1", "C2", "C3", "C4", "C5", "C2", "C3"]
    hatches = ["", "", "", "", "", "", "//", "//"]
    models = list(summary)
    fig, axes = plt.subplots(1, 2, figsize=(14, 5.2))
    width = 0.8 / len(labels)
    panels = ((axes[0], "sim_s", "Simulation loop (1 s of network activity)", 6),
              (axes[1], "process_s", "Whole process (start, import, build, run)", len(labels)))
    for ax, key, title, n_bars in panels:     # compilation only shows in the whole process
        width = 0.8 / n_bars
        for i, (label, colour, hatch) in enumerate(zip(labels[:n_bars], colours, hatches)):
            heights = [summary[m]["rows"].get(label, {}).get(key, np.nan) for m in models]
            if all(np.isnan(heights)):
                continue
            ax.bar(np.arange(len(models)) + (i - (n_bars - 1) / 2) * width, heights, width, color=colour,
                   hatch=hatch, edgecolor="black" if hatch else "white", linewidth=0.5,
                   label=label.replace("brian2", "Brian2").replace("nest", "NEST").replace(" first",
                                                                                           " first run (compiles)"))
        ax.set_yscale("log")
        ax.set_xticks(np.arange(len(models)), models)
        ax.set(ylabel="time (s), median", title=title)
    handles, names = axes[1].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=4, fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    fig.savefig(path, dpi=90)
    plt.close(fig)


def versions_text(records):
    """Which versions ran: 'course_lib (Python ..., numpy ...), Brian2 2.11.0 (Python ..., numpy ...), NEST ...'."""
    versions = {}
    for r in records:
        name = {"brian2": f"Brian2 {r['version']}", "nest": f"NEST {r['version']}"}.get(r["simulator"], "course_lib")
        versions.setdefault(r["simulator"], f"{name} (Python {r['python']}, numpy {r['numpy']})")
    return ", ".join(versions.values())


def load_average():
    """1-minute load average (a string)."""
    return f"{os.getloadavg()[0]:.1f}"


def main(argv=None):
    """Run the comparison, write results/compare.json and results/compare.md, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["coba", "cuba", "brunel5k", "brunel"], choices=common.MODELS)
    parser.add_argument("--repeats", type=int, default=3, help="timing repetitions (seeds 1 .. repeats)")
    parser.add_argument("--stat-seeds", type=int, default=10,
                        help="seeds for the statistics of the small models (coba, cuba); Brunel uses --repeats")
    parser.add_argument("--t-stop", type=float, default=common.T_STOP_MS, help="biological time per run, ms")
    parser.add_argument("--no-brian2", action="store_true", help="without Brian2")
    parser.add_argument("--no-nest", action="store_true", help="without NEST")
    parser.add_argument("--nest-threads", nargs="+", type=int, default=list(NEST_THREADS),
                        help="NEST's thread counts (default 1 2)")
    parser.add_argument("--out", default=os.path.join(RESULTS, "compare"), help="output path without extension")
    parser.add_argument("--replot", action="store_true", help="only rebuild the tables and chart from OUT.json")
    args = parser.parse_args(argv)
    if args.replot:
        with open(args.out + ".json") as f:
            saved = json.load(f)
        summary = summarize(saved["records"])
        saved["machine"]["versions"] = versions_text(saved["records"])
        table = markdown(summary, saved["machine"], saved.get("repeats", args.repeats),
                         saved.get("t_stop", args.t_stop))
        with open(args.out + ".md", "w") as f:
            f.write(table + "\n")
        plot_comparison(summary, args.out + ".png")
        print(table)
        return
    with_brian2 = not args.no_brian2
    if with_brian2 and not os.path.exists(BRIAN2_PYTHON):
        sys.exit(f"No Brian2 environment at {BRIAN2_PYTHON}: run `bash benchmarks/setup_brian2.sh` first "
                 "(or pass --no-brian2).")
    nest_threads = [] if args.no_nest else args.nest_threads
    if nest_threads and not nest_available():
        print("NEST is not installed here (`pip install nest-simulator`): running without it.", flush=True)
        nest_threads = []
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    machine = {**common.machine_info(), "load_start": load_average(), "python": platform.python_version(),
               "when": time.strftime("%Y-%m-%d %H:%M")}
    stat_seeds = {model: max(args.repeats, args.stat_seeds) for model in ("coba", "cuba")}
    records = measure(args.models, args.repeats, stat_seeds, args.t_stop, with_brian2,
                      lambda text: print(text, flush=True), nest_threads=nest_threads)
    machine["load_end"] = load_average()
    machine["versions"] = versions_text(records)
    summary = summarize(records)
    with open(args.out + ".json", "w") as f:
        json.dump({"machine": machine, "repeats": args.repeats, "t_stop": args.t_stop, "records": records,
                   "summary": summary}, f, indent=1)
    table = markdown(summary, machine, args.repeats, args.t_stop)
    with open(args.out + ".md", "w") as f:
        f.write(table + "\n")
    plot_comparison(summary, args.out + ".png")
    print()
    print(table)


if __name__ == "__main__":
    main()
