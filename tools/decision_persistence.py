"""How long Wang's (2002) spiking network holds its choice after the stimulus, stored for chapter 10.

Protocol (Wang 2002's delayed task, lengthened): 200 ms without stimulus, a 1 s stimulus at
coherence 51.2 %, then a delay of 3 s without stimulus. The spike counts of every pool are stored in
50 ms bins for every trial, at two integration steps: dt = 0.1 ms (the chapter's step) and
dt = 0.02 ms (the step Wang 2002 used, Experimental Procedures, "Simulations"; he integrated with a
modified second-order Runge-Kutta scheme, we keep our exponential-Euler step). 20 trials per step,
in chunks of CHUNK trials simulated together, each chunk with its own seed, so any chunk can be
re-run alone and must give the same counts (`--check`, also a test). Runs on one process: 207 s at
dt = 0.1 ms and 1318 s at dt = 0.02 ms on a shared 2-core machine (the file records the wall times).

    python tools/decision_persistence.py                  # regenerate notebooks/data/decision_persistence.json
    python tools/decision_persistence.py --check 0.1 0    # re-run chunk 0 at dt = 0.1 ms and compare
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_lib.models.decision import WangNetwork, choice_lifetime_ms, simulate_network  # noqa: E402
from course_lib.units import count_rate_hz  # noqa: E402

DATA_FILE = ROOT / "notebooks" / "data" / "decision_persistence.json"
STEPS_MS = (0.1, 0.02)
TRIALS = 20                      # per step
CHUNK = 4                        # trials simulated together in one array
PROTOCOL = {"coherence": 51.2, "t_on_ms": 200.0, "t_off_ms": 1200.0, "t_stop_ms": 4200.0, "bin_ms": 50.0}
BASE_SEED = 2026
LOST_BELOW_HZ = 6.0              # the choice counts as lost when the winner's rate falls below this ...
LOST_WINDOW_MS = 250.0           # ... averaged over this trailing window (after stimulus offset)


def chunk_seed(step_index, chunk_index):
    """Seed of one chunk: every chunk can be re-run on its own."""
    return BASE_SEED + 1000 * step_index + chunk_index


def run_chunk(step_index, chunk_index):
    """Spike counts (n_trials, n_bins, 4) of pools A, B, non-selective, I of one chunk, as integers."""
    p = PROTOCOL
    run = simulate_network(WangNetwork(), p["coherence"], t_stop=p["t_stop_ms"], dt=STEPS_MS[step_index],
                           t_on=p["t_on_ms"], t_off=p["t_off_ms"], n_trials=CHUNK,
                           seed=chunk_seed(step_index, chunk_index), bin_ms=p["bin_ms"], progress=False)
    return run.pool_counts.astype(int), run.t


def hold_times_ms(counts, pool_sizes, t_end_ms):
    """Winner (0 = A, 1 = B) and hold time (ms after stimulus offset; inf if held to the end) of every trial.

    counts: (n_trials, n_bins, 4) spike counts in 50 ms bins; the choice counts as lost when the
    winner's rate, averaged over LOST_WINDOW_MS, falls below LOST_BELOW_HZ (choice_lifetime_ms).
    """
    rates = count_rate_hz(np.asarray(counts)[..., :2], PROTOCOL["bin_ms"], np.asarray(pool_sizes[:2]))
    return choice_lifetime_ms(t_end_ms, rates, PROTOCOL["t_off_ms"], LOST_BELOW_HZ, LOST_WINDOW_MS)


def generate():
    """Run every chunk on one process and write DATA_FILE (rewritten after every chunk)."""
    record = {"description": "Spike counts per 50 ms bin of pools A, B, non-selective, I (Wang 2002 spiking network, "
                             "course_lib.models.decision.simulate_network with WangNetwork defaults) for trials with "
                             "a 1 s stimulus followed by a 3 s delay; counts[step][trial][bin][pool]; seed: the seed "
                             "of the trial's chunk.",
              "generated_by": "python tools/decision_persistence.py", "numpy": np.__version__,
              "steps_ms": list(STEPS_MS), "trials": TRIALS, "chunk": CHUNK, "base_seed": BASE_SEED,
              "protocol": PROTOCOL, "pool_sizes": WangNetwork().pool_sizes.tolist(), "processes": 1,
              "wall_time_s": {}, "t_end_ms": None, "counts": {}, "seeds": {}}
    for i, dt in enumerate(STEPS_MS):
        start = time.perf_counter()
        counts, seeds = [], []
        for j in range(TRIALS // CHUNK):
            chunk_counts, t = run_chunk(i, j)
            counts += chunk_counts.tolist()
            seeds += [chunk_seed(i, j)] * CHUNK
            record["t_end_ms"] = [round(float(x), 6) for x in t]
            record["counts"][str(dt)], record["seeds"][str(dt)] = counts, seeds
            record["wall_time_s"][str(dt)] = round(time.perf_counter() - start, 1)
            DATA_FILE.write_text(json.dumps(record, separators=(",", ":")) + "\n")
            print(f"dt = {dt} ms: chunk {j} done, {time.perf_counter() - start:.0f} s", flush=True)
    print(f"wrote {DATA_FILE.relative_to(ROOT)}")


def load():
    """The stored record, with counts as integer arrays (per step, keyed by the step as text) and t_end_ms."""
    record = json.loads(DATA_FILE.read_text())
    record["counts"] = {key: np.array(value, dtype=int) for key, value in record["counts"].items()}
    record["t_end_ms"] = np.array(record["t_end_ms"])
    return record


def check_chunk(step_index, chunk_index):
    """Re-run one chunk; returns (stored, rerun) spike-count arrays."""
    counts = load()["counts"][str(STEPS_MS[step_index])]
    stored = counts[chunk_index * CHUNK:(chunk_index + 1) * CHUNK]
    return stored, run_chunk(step_index, chunk_index)[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", nargs=2, metavar=("DT", "CHUNK"),
                        help="re-run one chunk (dt in ms, chunk index) and compare it with the stored counts")
    args = parser.parse_args()
    if args.check:
        stored, rerun = check_chunk(STEPS_MS.index(float(args.check[0])), int(args.check[1]))
        same = np.array_equal(stored, rerun)
        print("identical" if same else "DIFFERENT: regenerate with python tools/decision_persistence.py")
        return 0 if same else 1
    generate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
