"""Many reaction-time trials of Wang's (2002) spiking decision network, stored for chapter 10.

A psychometric curve of the spiking network needs many trials: 1200 take about 8 minutes on 2 cores,
too long for a lecture notebook (60 s budget). This script runs them once and writes
notebooks/data/decision_spiking_trials.json, which the notebook reads. Every chunk of trials has its
own seed, so any chunk can be re-run alone and must give the same choices and decision times
(`--check`, also a test; the notebook re-runs one chunk live).

    python tools/decision_trials.py                 # regenerate the file (about 8 min, 2 processes)
    python tools/decision_trials.py --check 3 0     # re-run chunk 0 of level 3 and compare
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

from course_lib.models.decision import WangNetwork, spiking_decisions  # noqa: E402

DATA_FILE = ROOT / "notebooks" / "data" / "decision_spiking_trials.json"
LEVELS = (0.0, 3.2, 6.4, 12.8, 25.6, 51.2)      # % coherence, the levels of Wang (2002) and Roitman & Shadlen (2002)
TRIALS_PER_LEVEL = 200
CHUNK = 10                                       # trials simulated together in one array
PROTOCOL = {"threshold_hz": 15.0, "t_on_ms": 200.0, "max_decision_ms": 2000.0, "dt_ms": 0.1}
BASE_SEED = 2002


def chunk_seed(level_index, chunk_index):
    """Seed of one chunk: every chunk can be re-run on its own."""
    return BASE_SEED + 1000 * level_index + chunk_index


def run_chunk(level_index, chunk_index):
    """Choices and decision times (ms) of one chunk of CHUNK trials at LEVELS[level_index]."""
    choice, decision_time = spiking_decisions(WangNetwork(), LEVELS[level_index], n_trials=CHUNK,
                                              threshold_hz=PROTOCOL["threshold_hz"], t_on=PROTOCOL["t_on_ms"],
                                              max_decision_ms=PROTOCOL["max_decision_ms"],
                                              seed=chunk_seed(level_index, chunk_index), dt=PROTOCOL["dt_ms"])
    return choice.tolist(), [None if np.isnan(t) else round(float(t), 3) for t in decision_time]


def all_chunks():
    """(level index, chunk index) of every chunk, in the order they are stored."""
    return [(i, j) for i in range(len(LEVELS)) for j in range(TRIALS_PER_LEVEL // CHUNK)]


def generate(processes):
    """Run every chunk (in parallel processes) and write DATA_FILE."""
    start = time.perf_counter()
    with Pool(processes) as pool:
        results = pool.starmap(run_chunk, all_chunks())
    wall = time.perf_counter() - start
    trials = {"coherence": [], "chunk": [], "seed": [], "choice": [], "decision_time_ms": []}
    for (i, j), (choice, decision_time) in zip(all_chunks(), results):
        trials["coherence"] += [LEVELS[i]] * CHUNK
        trials["chunk"] += [j] * CHUNK
        trials["seed"] += [chunk_seed(i, j)] * CHUNK
        trials["choice"] += choice
        trials["decision_time_ms"] += decision_time
    record = {"description": "Reaction-time trials of the Wang (2002) spiking network (course_lib.models.decision."
                             "spiking_decisions with WangNetwork defaults); choice 0 = pool A (correct), 1 = pool B, "
                             "-1 = no decision; decision time in ms after stimulus onset; seed: the seed of the trial's "
                             "chunk of trials simulated together.",
              "generated_by": "python tools/decision_trials.py", "numpy": np.__version__,
              "levels": list(LEVELS), "trials_per_level": TRIALS_PER_LEVEL, "chunk": CHUNK, "base_seed": BASE_SEED,
              "protocol": PROTOCOL, "wall_time_s": round(wall, 1), "processes": processes, "trials": trials}
    DATA_FILE.parent.mkdir(parents=True, exist_ok=True)
    DATA_FILE.write_text(json.dumps(record, indent=1) + "\n")
    print(f"{len(trials['choice'])} trials in {wall:.0f} s with {processes} processes -> {DATA_FILE.relative_to(ROOT)}")


def load():
    """The stored record (dict), with trials as numpy arrays."""
    record = json.loads(DATA_FILE.read_text())
    t = record["trials"]
    record["trials"] = {"coherence": np.array(t["coherence"]), "chunk": np.array(t["chunk"]), "seed": np.array(t["seed"]),
                        "choice": np.array(t["choice"]),
                        "decision_time_ms": np.array([np.nan if x is None else x for x in t["decision_time_ms"]])}
    return record


def check_chunk(level_index, chunk_index):
    """Re-run one chunk; returns (stored, rerun) as two (choice, decision_time) pairs of arrays."""
    trials = load()["trials"]
    pick = (trials["coherence"] == LEVELS[level_index]) & (trials["chunk"] == chunk_index)
    stored = trials["choice"][pick], trials["decision_time_ms"][pick]
    choice, decision_time = run_chunk(level_index, chunk_index)
    rerun = np.array(choice), np.array([np.nan if x is None else x for x in decision_time])
    return stored, rerun


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--check", nargs=2, type=int, metavar=("LEVEL", "CHUNK"),
                        help="re-run one chunk and compare it with the stored trials")
    args = parser.parse_args()
    if args.check:
        stored, rerun = check_chunk(*args.check)
        same = np.array_equal(stored[0], rerun[0]) and np.allclose(stored[1], rerun[1], equal_nan=True)
        print(f"stored: {stored[0].tolist()} {stored[1].tolist()}\nrerun:  {rerun[0].tolist()} {rerun[1].tolist()}")
        print("identical" if same else "DIFFERENT: regenerate with python tools/decision_trials.py")
        return 0 if same else 1
    generate(args.processes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
