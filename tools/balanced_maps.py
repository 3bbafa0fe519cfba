"""State maps of two sparse E/I networks, classified point by point and stored for chapters 06 and 07.

A phase diagram needs a simulation at every point of a grid: over a hundred runs of 12,500 neurons,
15 to 25 minutes in one process on a 2-core machine, too long for a lecture notebook (60 s budget).
This script runs them once and writes notebooks/data/balanced_maps.json, which the notebooks read:

* "brunel": Brunel's (2000) model A at full size (N_E = 10,000, N_I = 2,500, C_E = 1000, J = 0.1 mV,
  D = 1.5 ms; course_lib.models.balanced.brunel_network) over relative inhibition g and drive
  eta = nu_ext / nu_thr. The grid includes eta = 0.9, so the four states of his Fig. 8 are grid points.
* "chapter06": chapter 06's network (balanced_lif_network with K = 1000, J = 0.2 mV, N = 12,500) over
  g and the external rate nu0 (Hz). At J = 0.2 mV, nu_thr = 5 Hz, so nu0 = 5 to 20 Hz is eta = 1 to 4.

Each map has one fixed wiring (NETWORK_SEED); every point has its own seed for the initial potentials
and the external Poisson input, so any point can be re-run alone and must give the same spikes
(`--check`, also a test; the notebook re-runs one point live). Each point is classified by
course_lib.analysis.network_state (the course's one criterion) and stored with its mean-field rate
(Siegert, self-consistent; None where none exists).

Run length (PROTOCOL). The first transient_ms are discarded; the rate in their second half sets the
analysed window T = spikes_wanted / rate, rounded up to 50 ms and kept between t_min_ms and t_max_ms.
The CV of ISIs is biased low when a neuron has few ISIs in the window (two Poisson ISIs give a mean CV
of 0.5), so slow states get long windows: 20 spikes per neuron, but at most 2 s (below 10 Hz a neuron
has fewer: about 4 at 2 Hz, and the CV there is still biased low; network_state only uses neurons
with 6 or more). Fast states are expensive (a saturated SR state near 300-400 Hz costs about 5 times
more per ms than a 10 Hz state) and need no long window: at 80 Hz and above, 250 ms still hold 20 or
more spikes per neuron, and the 250 ms spectrum resolves peaks to 4 Hz, enough to tell a fast (> 60 Hz)
from a slow oscillation.

    python tools/balanced_maps.py                     # regenerate the file (15-25 min, one process)
    python tools/balanced_maps.py --only brunel       # one map (the other is kept from the file)
    python tools/balanced_maps.py --check brunel 41   # re-run point 41 of the brunel map and compare
"""
import argparse
import dataclasses
import functools
import hashlib
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_lib import analysis, theory  # noqa: E402
from course_lib.models.balanced import (J_REFERENCE_MV, balanced_lif_network, brunel_network,
                                        brunel_threshold_rate_hz, brunel_variant)  # noqa: E402
from course_lib.network import simulate_network  # noqa: E402

DATA_FILE = ROOT / "notebooks" / "data" / "balanced_maps.json"
PROTOCOL = {"dt_ms": 0.1, "transient_ms": 300.0, "spikes_wanted": 20, "t_min_ms": 250.0, "t_max_ms": 2000.0,
            "min_spikes_cv": 6}
NETWORK_SEED = 2000
BASE_SEED = {"brunel": 20_000, "chapter06": 60_000}
# the grid of each map: (name of x, x values), (name of y, y values); point index = ix * len(y) + iy
GRIDS = {"brunel": (("g", (2.0, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0, 7.0, 8.0)),
                    ("eta", (0.5, 0.75, 0.9, 1.0, 1.5, 2.0, 3.0, 4.0))),
         "chapter06": (("g", (3.0, 3.5, 4.0, 4.5, 5.0, 6.0, 7.0, 8.0)),
                       ("nu0_hz", (5.0, 7.5, 10.0, 15.0, 20.0)))}
CHAPTER06 = {"k": 1000, "j": J_REFERENCE_MV, "n_e": 10_000, "n_i": 2_500}   # J = j / sqrt(K) = 0.2 mV at K = 1000
CHAPTER06_J_MV = 0.2
DESCRIPTION = {
    "brunel": "Brunel (2000) model A: brunel_network(g, eta, n_e=10000, n_i=2500, epsilon=0.1, j=0.1 mV, "
              "delay=1.5 ms, seed=NETWORK_SEED) and brunel_variant for each (g, eta); theory_hz = "
              "theory.brunel_rate_hz(g, eta) (lowest self-consistent Siegert rate).",
    "chapter06": "Chapter 06's network: balanced_lif_network(k=1000, nu0_hz, g, j=J_REFERENCE_MV (J = 0.2 mV), "
                 "n_e=10000, n_i=2500, "
                 "seed=NETWORK_SEED); nu0 = 5 Hz is eta = 1 (nu_thr = 5 Hz at J = 0.2 mV); theory_hz = "
                 "theory.brunel_rate_hz(g, nu0 / 5, j=0.2) (lowest self-consistent Siegert rate)."}


def points(name):
    """[(x, y)] of every point of a map, in the order they are stored."""
    (_, xs), (_, ys) = GRIDS[name]
    return [(x, y) for x in xs for y in ys]


def point_seed(name, index):
    """Seed of one point (initial potentials and external input): every point can be re-run on its own."""
    return BASE_SEED[name] + index


@functools.lru_cache(maxsize=1)
def _brunel_wiring():
    return brunel_network(seed=NETWORK_SEED)


@functools.lru_cache(maxsize=1)
def _chapter06_wiring(g):
    return balanced_lif_network(g=g, nu0_hz=10.0, seed=NETWORK_SEED, **CHAPTER06)


def network(name, x, y):
    """The network at one point: same wiring for the whole map, new g and drive."""
    if name == "brunel":
        return brunel_variant(_brunel_wiring(), x, y)
    base = _chapter06_wiring(x)        # the drive is the only thing nu0 changes
    drive = dataclasses.replace(base.drives[0], rate_hz=y)
    return dataclasses.replace(base, drives=(drive,), info={**base.info, "nu0_hz": y})


def theory_rate_hz(name, x, y):
    """Self-consistent Siegert rate (Hz) of the asynchronous state, or None where there is none."""
    try:
        if name == "brunel":
            return float(theory.brunel_rate_hz(x, y))
        nu_thr = brunel_threshold_rate_hz(CHAPTER06_J_MV, CHAPTER06["k"])      # theta / (J K tau) = 5 Hz
        return float(theory.brunel_rate_hz(x, y / nu_thr, j=CHAPTER06_J_MV, c_e=CHAPTER06["k"]))
    except ValueError:
        return None


def analysed_ms(pilot_rate_hz):
    """Length (ms) of the analysed window for a network firing at pilot_rate_hz (see the module docstring)."""
    p = PROTOCOL
    if pilot_rate_hz <= 0:
        return p["t_max_ms"]
    wanted = 1000.0 * p["spikes_wanted"] / pilot_rate_hz
    return float(min(max(50.0 * math.ceil(wanted / 50.0), p["t_min_ms"]), p["t_max_ms"]))


def spike_hash(times_ms, indices, dt):
    """A short fingerprint of a spike train (steps and neuron indices): equal runs have equal hashes."""
    steps = np.round(np.asarray(times_ms) / dt).astype(np.int64)
    digest = hashlib.sha256(steps.tobytes() + np.asarray(indices, dtype=np.int64).tobytes())
    return digest.hexdigest()[:16]


def _finite_or_none(value):
    return float(value) if value is not None and np.isfinite(value) else None


def run_point(name, index):
    """Simulate and classify one point; returns its record (a dict of JSON-ready values)."""
    x, y = points(name)[index]
    p, seed = PROTOCOL, point_seed(name, index)
    net = network(name, x, y)
    rng = np.random.default_rng(seed)
    first = simulate_network(net, p["transient_ms"], p["dt_ms"], seed=rng, progress=False)
    pilot = first.mean_rate_hz("all", p["transient_ms"] / 2)
    window = analysed_ms(pilot)
    rest = simulate_network(net, window, p["dt_ms"], seed=rng, state=first.info["state"], progress=False)
    times = np.concatenate([first.spike_times, rest.spike_times])
    neurons = np.concatenate([first.spike_indices, rest.spike_indices])
    t_start, t_stop = p["transient_ms"], p["transient_ms"] + window
    measures = analysis.network_state(times, neurons, net.n, t_start, t_stop, min_spikes=p["min_spikes_cv"])
    (x_name, _), (y_name, _) = GRIDS[name]
    return {"index": index, x_name: x, y_name: y, "seed": seed, "t_start_ms": t_start, "t_stop_ms": t_stop,
            "rate_hz": measures["rate_hz"], "cv": _finite_or_none(measures["cv"]), "n_cv": measures["n_cv"],
            "chi": _finite_or_none(measures["chi"]), "peak_hz": _finite_or_none(measures["peak_hz"]),
            "state": measures["state"], "theory_hz": theory_rate_hz(name, x, y),
            "n_spikes": int(np.count_nonzero((times >= t_start) & (times < t_stop))),
            "spike_hash": spike_hash(times, neurons, p["dt_ms"])}


def run_map(name, log=print):
    """Every point of one map (one process), with its wall time (s)."""
    start = time.perf_counter()
    records = []
    for index, (x, y) in enumerate(points(name)):
        tick = time.perf_counter()
        records.append(run_point(name, index))
        r = records[-1]
        cv, chi = (None if r[key] is None else round(r[key], 2) for key in ("cv", "chi"))
        log(f"{name} {index:3d} ({x:g}, {y:g}): {r['rate_hz']:7.1f} Hz, CV {cv}, chi {chi}, {r['state']:8s} "
            f"[{r['t_stop_ms'] - r['t_start_ms']:.0f} ms analysed, {time.perf_counter() - tick:.1f} s]")
    (x_name, xs), (y_name, ys) = GRIDS[name]
    return {"description": DESCRIPTION[name], "x": x_name, "y": y_name, "x_values": list(xs), "y_values": list(ys),
            "base_seed": BASE_SEED[name], "wall_time_s": round(time.perf_counter() - start, 1), "points": records}


def generate(names):
    """Run the named maps and write DATA_FILE (maps not named are kept from the existing file)."""
    maps = json.loads(DATA_FILE.read_text())["maps"] if DATA_FILE.exists() else {}
    for name in names:
        maps[name] = run_map(name)
    record = {"description": "Network states on two grids, classified by course_lib.analysis.network_state; "
                             "rate_hz: mean over all neurons in [t_start_ms, t_stop_ms); cv: mean CV of ISIs of the "
                             "n_cv neurons with >= min_spikes_cv spikes there; chi: Golomb's synchrony; peak_hz: "
                             "largest peak of the population-rate spectrum above 5 Hz; theory_hz: Siegert "
                             "self-consistent rate; seed: the point's seed (initial potentials, external input).",
              "generated_by": "python tools/balanced_maps.py", "numpy": np.__version__, "protocol": PROTOCOL,
              "network_seed": NETWORK_SEED, "processes": 1,
              "criterion": {"silent_hz": analysis.SILENT_HZ, "chi_synchronous": analysis.CHI_SYNCHRONOUS,
                            "cv_regular": analysis.CV_REGULAR, "fast_hz": analysis.FAST_HZ},
              "maps": {name: maps[name] for name in GRIDS if name in maps}}
    DATA_FILE.parent.mkdir(parents=True, exist_ok=True)
    DATA_FILE.write_text(json.dumps(record, indent=1) + "\n")
    total = sum(m["wall_time_s"] for m in record["maps"].values())
    print(f"{sum(len(m['points']) for m in record['maps'].values())} points, {total:.0f} s -> "
          f"{DATA_FILE.relative_to(ROOT)}")


def load():
    """The stored record (dict); each map also gets 'states' as a (len(x), len(y)) array of state names."""
    record = json.loads(DATA_FILE.read_text())
    for m in record["maps"].values():
        m["states"] = np.array([p["state"] for p in m["points"]]).reshape(len(m["x_values"]), len(m["y_values"]))
    return record


def check_point(name, index):
    """Re-run one point; returns (stored record, rerun record)."""
    return load()["maps"][name]["points"][index], run_point(name, index)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(GRIDS), help="regenerate only this map")
    parser.add_argument("--check", nargs=2, metavar=("MAP", "INDEX"),
                        help="re-run one point and compare it with the stored record")
    args = parser.parse_args()
    if args.check:
        stored, rerun = check_point(args.check[0], int(args.check[1]))
        same = stored == rerun
        print(f"stored: {stored}\nrerun:  {rerun}")
        print("identical" if same else "DIFFERENT: regenerate with python tools/balanced_maps.py")
        return 0 if same else 1
    generate([args.only] if args.only else list(GRIDS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
