"""Many reaction-time trials of Wang's (2002) spiking decision network, stored for chapter 10.

A psychometric curve of the spiking network needs many trials: 1200 take about 9 minutes on 2 cores,
too long for a lecture notebook (60 s budget). This script runs them once and writes
notebooks/data/decision_spiking_trials.json, which the notebook reads. Every chunk of trials has its
own seed, so any chunk can be re-run alone and must give the same choices and decision times
(`--check`, also a test; the notebook re-runs one chunk live).

Why are the decisions slower than Wang's? Variants of 20 trials each at 3.2 % and 51.2 % (VARIANTS)
change one setting each: a stimulus that starts after 700 ms instead of 200 ms (the network, started
with all gating at zero, needs about 500 ms to settle into its spontaneous state; Wang does not state
his initial conditions), and mu0 = 50 Hz instead of 40 Hz (Wang gives mu0 = 40 Hz only for the
example stimulus of his Fig. 1B and notes that decision times change with mu0). A variant may also
set "dt_ms". They are stored in notebooks/data/decision_trial_variants.json.

    python tools/decision_trials.py                           # regenerate the file (about 9 min, 2 processes)
    python tools/decision_trials.py --check 3 0               # re-run chunk 0 of level 3 and compare
    python tools/decision_trials.py --variants                # regenerate the variants (or name some)
    python tools/decision_trials.py --variant t_on_700 --check 5 0   # re-run one variant's chunk and compare
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
VARIANTS_FILE = ROOT / "notebooks" / "data" / "decision_trial_variants.json"
VARIANT_LEVELS, VARIANT_TRIALS, VARIANT_CHUNK = (3.2, 51.2), 20, 5
VARIANTS = {"t_on_700": {"t_on_ms": 700.0},                 # each changes these entries of PROTOCOL (or mu0_hz)
            "mu0_50": {"mu0_hz": 50.0}}


def chunk_seed(level_index, chunk_index):
    """Seed of one chunk: every chunk can be re-run on its own."""
    return BASE_SEED + 1000 * level_index + chunk_index


def run_chunk(level_index, chunk_index, variant=None):
    """Choices and decision times (ms) of one chunk of trials at LEVELS[level_index] (of the protocol or a variant)."""
    settings = {**PROTOCOL, "mu0_hz": 40.0, **VARIANTS.get(variant, {})}
    choice, decision_time = spiking_decisions(WangNetwork(mu0_hz=settings["mu0_hz"]), LEVELS[level_index],
                                              n_trials=CHUNK if variant is None else VARIANT_CHUNK,
                                              threshold_hz=settings["threshold_hz"], t_on=settings["t_on_ms"],
                                              max_decision_ms=settings["max_decision_ms"],
                                              seed=chunk_seed(level_index, chunk_index), dt=settings["dt_ms"])
    return choice.tolist(), [None if np.isnan(t) else round(float(t), 3) for t in decision_time]


def all_chunks(variant=None):
    """(level index, chunk index, variant) of every chunk, in the order they are stored."""
    if variant is not None:
        return [(LEVELS.index(c), j, variant) for c in VARIANT_LEVELS for j in range(VARIANT_TRIALS // VARIANT_CHUNK)]
    return [(i, j, None) for i in range(len(LEVELS)) for j in range(TRIALS_PER_LEVEL // CHUNK)]


def collect(chunks, results, chunk):
    """The trials of every chunk, as lists: coherence, chunk, seed, choice, decision_time_ms."""
    trials = {"coherence": [], "chunk": [], "seed": [], "choice": [], "decision_time_ms": []}
    for (i, j, _), (choice, decision_time) in zip(chunks, results):
        trials["coherence"] += [LEVELS[i]] * chunk
        trials["chunk"] += [j] * chunk
        trials["seed"] += [chunk_seed(i, j)] * chunk
        trials["choice"] += choice
        trials["decision_time_ms"] += decision_time
    return trials


def generate_variants(processes, names=tuple(VARIANTS)):
    """Run the named variants' chunks (in parallel processes) and write VARIANTS_FILE, keeping the other variants."""
    chunks = [chunk for name in names for chunk in all_chunks(name)]
    start = time.perf_counter()
    with Pool(processes) as pool:
        results = pool.starmap(run_chunk, chunks, chunksize=1)
    wall = time.perf_counter() - start
    record = {"description": "Reaction-time trials of the Wang (2002) spiking network as in "
                             "decision_spiking_trials.json (same protocol, seeds by level and chunk index), each "
                             "variant changing one setting: variants[name] = {settings, trials}.",
              "generated_by": "python tools/decision_trials.py --variants", "numpy": np.__version__,
              "levels": list(VARIANT_LEVELS), "trials_per_level": VARIANT_TRIALS, "chunk": VARIANT_CHUNK,
              "base_seed": BASE_SEED, "protocol": PROTOCOL, "variants": {}}
    old = json.loads(VARIANTS_FILE.read_text())["variants"] if VARIANTS_FILE.exists() else {}
    for name in VARIANTS:
        mine = [(chunk, result) for chunk, result in zip(chunks, results) if chunk[2] == name]
        if mine:
            record["variants"][name] = {"settings": VARIANTS[name], "wall_time_s": round(wall, 1),
                                        "processes": processes, "trials": collect(*zip(*mine), VARIANT_CHUNK)}
        elif name in old:
            record["variants"][name] = old[name]
    VARIANTS_FILE.write_text(json.dumps(record, indent=1) + "\n")
    print(f"{len(chunks) * VARIANT_CHUNK} trials in {wall:.0f} s -> {VARIANTS_FILE.relative_to(ROOT)}")


def generate(processes):
    """Run every chunk (in parallel processes) and write DATA_FILE."""
    start = time.perf_counter()
    with Pool(processes) as pool:
        results = pool.starmap(run_chunk, all_chunks())
    wall = time.perf_counter() - start
    trials = collect(all_chunks(), results, CHUNK)
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


def as_arrays(trials):
    """Stored trials (lists) as numpy arrays; a missing decision time (None) becomes nan."""
    return {"coherence": np.array(trials["coherence"]), "chunk": np.array(trials["chunk"]),
            "seed": np.array(trials["seed"]), "choice": np.array(trials["choice"]),
            "decision_time_ms": np.array([np.nan if x is None else x for x in trials["decision_time_ms"]])}


def load(variant=None):
    """The stored record (dict) with trials as numpy arrays; with a variant name, that variant's record."""
    if variant is None:
        record = json.loads(DATA_FILE.read_text())
        record["trials"] = as_arrays(record["trials"])
        return record
    record = json.loads(VARIANTS_FILE.read_text())["variants"][variant]
    record["trials"] = as_arrays(record["trials"])
    return record


def check_chunk(level_index, chunk_index, variant=None):
    """Re-run one chunk; returns (stored, rerun) as two (choice, decision_time) pairs of arrays."""
    trials = load(variant)["trials"]
    pick = (trials["coherence"] == LEVELS[level_index]) & (trials["chunk"] == chunk_index)
    stored = trials["choice"][pick], trials["decision_time_ms"][pick]
    choice, decision_time = run_chunk(level_index, chunk_index, variant)
    rerun = np.array(choice), np.array([np.nan if x is None else x for x in decision_time])
    return stored, rerun


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--check", nargs=2, type=int, metavar=("LEVEL", "CHUNK"),
                        help="re-run one chunk and compare it with the stored trials")
    parser.add_argument("--variants", nargs="*", choices=list(VARIANTS),
                        help="regenerate these variants (all if none named), keeping the others")
    parser.add_argument("--variant", choices=list(VARIANTS), help="with --check: the variant whose chunk to re-run")
    args = parser.parse_args()
    if args.check:
        stored, rerun = check_chunk(*args.check, variant=args.variant)
        same = np.array_equal(stored[0], rerun[0]) and np.allclose(stored[1], rerun[1], equal_nan=True)
        print(f"stored: {stored[0].tolist()} {stored[1].tolist()}\nrerun:  {rerun[0].tolist()} {rerun[1].tolist()}")
        print("identical" if same else "DIFFERENT: regenerate with python tools/decision_trials.py")
        return 0 if same else 1
    if args.variants is not None:
        generate_variants(args.processes, tuple(args.variants) or tuple(VARIANTS))
    else:
        generate(args.processes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
