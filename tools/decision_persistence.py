"""How long Wang's (2002) spiking network holds its choice after the stimulus, stored for chapter 10.

Protocol (Wang 2002's delayed task, lengthened): 200 ms without stimulus, a 1 s stimulus at
coherence 51.2 %, then a delay of 3 s without stimulus. The spike counts of every pool are stored in
50 ms bins for every trial, for two runs of 20 trials on the engine (course_lib.models.decision.run_trials):
the chapter's step, dt = 0.1 ms, and a five times smaller one, 0.02 ms (Wang's step; Wang 2002, Experimental
Procedures, "Simulations"), to show that the result does not depend on the step. Trials run in chunks of
CHUNK trials simulated together, each chunk with its own seed, so any chunk can be re-run alone and must
give the same counts (`--check`, also a test). The file records the summed wall times of each run's chunks
(run them in parallel with --processes).

    python tools/decision_persistence.py                      # regenerate every run (about 10 min of CPU time)
    python tools/decision_persistence.py --run dt=0.02        # regenerate one run, keep the others
    python tools/decision_persistence.py --check dt=0.1 0     # re-run chunk 0 of one run and compare

Two more runs ask why the choice is lost when it is (SIZE_RUNS): the same protocol at dt = 0.1 ms in a network
half and twice the published size (N = 1000 and 4000, the same 4:1 split and pool fraction; recurrent
conductances scaled by 1600 / N_E, so each cell receives the same mean input). Each cell's external noise is
unchanged, but a pool's summed recurrent input fluctuates less in a larger network: if finite-size fluctuations
knock the winner out of its memory state, the larger network holds longer. Both use the seeds SIZE_BASE_SEED +
chunk.
"""
import argparse
import json
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_lib.models.decision import WangNetwork, choice_lifetime_ms, pool_counts, run_trials  # noqa: E402
from course_lib.units import count_rate_hz  # noqa: E402

DATA_FILE = ROOT / "notebooks" / "data" / "decision_persistence.json"
RUNS = ("dt=0.1", "dt=0.02")     # the step in ms
STEPS_MS = (0.1, 0.02)
TRIALS = 20                      # per run
CHUNK = 4                        # trials simulated together in one array
PROTOCOL = {"coherence": 51.2, "t_on_ms": 200.0, "t_off_ms": 1200.0, "t_stop_ms": 4200.0, "bin_ms": 50.0}
BASE_SEED = 2026
SIZE_RUNS = {"N=1000": (800, 200), "N=4000": (3200, 800)}   # (n_e, n_i); dt = 0.1 ms
SIZE_BASE_SEED = 5000
LOST_BELOW_HZ = 6.0              # the choice counts as lost when the winner's rate falls below this ...
LOST_WINDOW_MS = 250.0           # ... averaged over this trailing window (after stimulus offset)


def step_of(run):
    """The step (ms) of a run: "dt=0.02" -> 0.02; a SIZE_RUNS name runs at 0.1 ms. ValueError for an unknown step."""
    if run in SIZE_RUNS:
        return 0.1
    dt = float(run.removeprefix("dt="))
    if dt not in STEPS_MS:
        raise ValueError(f"no seeds for a run at dt = {dt} ms; the runs are {RUNS} and {tuple(SIZE_RUNS)}.")
    return dt


def network_of(run):
    """The network of a run: Wang's published size, or the size a SIZE_RUNS name gives."""
    if run in SIZE_RUNS:
        n_e, n_i = SIZE_RUNS[run]
        return WangNetwork(n_e=n_e, n_i=n_i)
    return WangNetwork()


def chunk_seed(run, chunk_index):
    """Seed of one chunk of a run: every chunk can be re-run on its own."""
    if run in SIZE_RUNS:
        return SIZE_BASE_SEED + chunk_index
    return BASE_SEED + 1000 * STEPS_MS.index(step_of(run)) + chunk_index


def run_chunk(run, chunk_index):
    """Spike counts (n_trials, n_bins, 4) of pools A, B, non-selective, I of one chunk, as integers."""
    p = PROTOCOL
    result = run_trials(network_of(run), p["coherence"], t_stop=p["t_stop_ms"], dt=step_of(run), t_on=p["t_on_ms"],
                        t_off=p["t_off_ms"], n_trials=CHUNK, seed=chunk_seed(run, chunk_index), progress=False)
    t, counts = pool_counts(result, p["bin_ms"])
    return counts.astype(int), t


def hold_times_ms(counts, pool_sizes, t_end_ms):
    """Winner (0 = A, 1 = B) and hold time (ms after stimulus offset; inf if held to the end) of every trial.

    counts: (n_trials, n_bins, 4) spike counts in 50 ms bins; the choice counts as lost when the
    winner's rate, averaged over LOST_WINDOW_MS, falls below LOST_BELOW_HZ (choice_lifetime_ms).
    """
    rates = count_rate_hz(np.asarray(counts)[..., :2], PROTOCOL["bin_ms"], np.asarray(pool_sizes[:2]))
    return choice_lifetime_ms(t_end_ms, rates, PROTOCOL["t_off_ms"], LOST_BELOW_HZ, LOST_WINDOW_MS)


def timed_chunk(run, chunk_index):
    """run_chunk, plus its wall time (s)."""
    start = time.perf_counter()
    counts, t = run_chunk(run, chunk_index)
    return counts, t, time.perf_counter() - start


ALL_RUNS = RUNS + tuple(SIZE_RUNS)


def generate(runs=RUNS, processes=1):
    """Run every chunk of the given runs (on `processes` processes) and write DATA_FILE after every chunk.

    Runs not named keep their stored counts. wall_time_s[run] is the sum of the chunks' wall times."""
    record = {"description": "Spike counts per 50 ms bin of pools A, B, non-selective, I (Wang 2002 spiking network, "
                             "course_lib.models.decision.run_trials with WangNetwork defaults) for trials with "
                             "a 1 s stimulus followed by a 3 s delay; counts[run][trial][bin][pool], a run named "
                             "dt=<step in ms>, or N=<neurons> for the size runs (size_runs; dt 0.1 ms; their pools "
                             "in size_pool_sizes); seeds[run]: the seed of each trial's chunk.",
              "generated_by": "python tools/decision_persistence.py", "numpy": np.__version__,
              "runs": list(RUNS), "trials": TRIALS, "chunk": CHUNK, "base_seed": BASE_SEED,
              "protocol": PROTOCOL, "pool_sizes": WangNetwork().pool_sizes.tolist(), "size_runs": list(SIZE_RUNS),
              "size_pool_sizes": {run: network_of(run).pool_sizes.tolist() for run in SIZE_RUNS}, "processes": {},
              "wall_time_s": {}, "t_end_ms": None, "counts": {}, "seeds": {}}
    if DATA_FILE.exists():
        old = json.loads(DATA_FILE.read_text())
        for key in ("wall_time_s", "counts", "seeds", "processes"):
            record[key] = {run: old[key][run] for run in ALL_RUNS if run in old[key] and run not in runs}
        record["t_end_ms"] = old["t_end_ms"]
    for run in runs:
        counts, seeds, wall = [], [], 0.0
        chunks = [(run, j) for j in range(TRIALS // CHUNK)]
        with Pool(processes) as pool:
            for j, (chunk_counts, t, seconds) in enumerate(pool.starmap(timed_chunk, chunks)):
                counts += chunk_counts.tolist()
                seeds += [chunk_seed(run, j)] * CHUNK
                wall += seconds
        record["t_end_ms"] = [round(float(x), 6) for x in t]
        record["counts"][run], record["seeds"][run] = counts, seeds
        record["wall_time_s"][run], record["processes"][run] = round(wall, 1), processes
        DATA_FILE.write_text(json.dumps(record, separators=(",", ":")) + "\n")
        print(f"{run}: {len(chunks)} chunks, {wall:.0f} s of wall time in all", flush=True)
    print(f"wrote {DATA_FILE.relative_to(ROOT)}")


def load():
    """The stored record, with counts as integer arrays (per run, keyed by its name) and t_end_ms."""
    record = json.loads(DATA_FILE.read_text())
    record["counts"] = {key: np.array(value, dtype=int) for key, value in record["counts"].items()}
    record["t_end_ms"] = np.array(record["t_end_ms"])
    return record


def check_chunk(run, chunk_index):
    """Re-run one chunk of a run; returns (stored, rerun) spike-count arrays."""
    counts = load()["counts"][run]
    stored = counts[chunk_index * CHUNK:(chunk_index + 1) * CHUNK]
    return stored, run_chunk(run, chunk_index)[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", nargs=2, metavar=("RUN", "CHUNK"),
                        help="re-run one chunk (run name, chunk index) and compare it with the stored counts")
    parser.add_argument("--run", choices=ALL_RUNS, action="append", help="regenerate only this run (repeatable)")
    parser.add_argument("--processes", type=int, default=1, help="worker processes (default 1)")
    args = parser.parse_args()
    if args.check:
        if args.check[0] not in ALL_RUNS:
            parser.error(f"RUN must be one of {', '.join(ALL_RUNS)}")
        stored, rerun = check_chunk(args.check[0], int(args.check[1]))
        same = np.array_equal(stored, rerun)
        print("identical" if same else "DIFFERENT: regenerate with python tools/decision_persistence.py")
        return 0 if same else 1
    generate(tuple(args.run) if args.run else ALL_RUNS, args.processes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
