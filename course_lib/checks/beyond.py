"""Checks for chapter 11 (beyond one machine): comparing two simulators over networks, and whether a
network fits a machine when NEST splits it over processes.

Each check runs the student's function on cases it chooses, compares with the reference below, and
names the most likely mistake when they differ. Units: memory in MB (2**20 bytes) and GB (1024 MB),
bytes per synapse in B.
"""
import numpy as np

from . import NotYet, as_number, as_tuple, case_rng, check, expect_close

INPUTS_PER_K = 1.25     # each neuron receives K excitatory and K/4 inhibitory synapses (chapters 06 and 11)
MB_PER_GB = 1024.0
BYTES_PER_MB = 2.0 ** 20


def reference_paired_difference(course_values, nest_values):
    """Mean and standard error of the paired difference NEST - course_lib over networks."""
    diff = np.asarray(nest_values, dtype=float) - np.asarray(course_values, dtype=float)
    return diff.mean(), diff.std(ddof=1) / np.sqrt(diff.size)


def reference_memory_per_process_gb(n_neurons, k, bytes_per_synapse, fixed_mb, processes):
    """Memory (GB) of one of `processes` processes holding 1/processes of the 1.25 N K synapses, plus its fixed MB."""
    synapses = INPUTS_PER_K * n_neurons * k
    return (fixed_mb + bytes_per_synapse * synapses / processes / BYTES_PER_MB) / MB_PER_GB


def reference_processes_needed(n_neurons, k, bytes_per_synapse, fixed_mb, limit_gb):
    """Smallest number of processes whose memory per process is at most limit_gb."""
    room_mb = limit_gb * MB_PER_GB - fixed_mb
    synapse_mb = bytes_per_synapse * INPUTS_PER_K * n_neurons * k / BYTES_PER_MB
    return int(np.ceil(synapse_mb / room_mb - 1e-12))


# --------------------------------------------------------------------------------------------
# (a) the paired difference of two simulators over networks
# --------------------------------------------------------------------------------------------

def _networks(rng, n):
    """Statistics of n networks in two simulators: a network-to-network spread larger than their difference."""
    course = np.round(rng.normal(8.0, 0.4, n), 4)
    return course, np.round(course + rng.normal(0.05, 0.1, n), 4)


@check("paired_difference: NEST - course_lib over the same networks, with its standard error")
def check_paired_difference(paired_difference):
    """Fixed and random sets of networks; names the sign, unpaired errors, ddof and the s.d. for the s.e."""
    rng = case_rng()
    cases = [(np.array([5.38, 5.23, 5.79]), np.array([4.80, 5.60, 5.44])),
             (np.array([8.26, 8.07, 8.24, 8.07]), np.array([8.07, 8.08, 8.11, 8.04])),
             _networks(rng, int(rng.integers(3, 9)))]
    for course, nest_values in cases:
        out = as_tuple(paired_difference(course.copy(), nest_values.copy()), 2, "paired_difference",
                       "mean, standard_error")
        mean, sem = (as_number(x, "paired_difference") for x in out)
        exp_mean, exp_sem = reference_paired_difference(course, nest_values)
        diff, n = nest_values - course, course.size
        where = f"course_lib {list(course)}, NEST {list(nest_values)}"
        if np.isclose(mean, -exp_mean, rtol=1e-9) and not np.isclose(exp_mean, 0.0):
            raise NotYet(f"{where}: your mean difference has the wrong sign ({mean:+.4g}); the task asks for "
                         "NEST - course_lib, network by network.")
        expect_close(mean, exp_mean, f"{where}: mean difference", rtol=1e-9,
                     hint="Subtract network by network (nest - course), then average.")
        unpaired = np.sqrt(course.var(ddof=1) / n + nest_values.var(ddof=1) / n)
        if np.isclose(sem, unpaired, rtol=1e-6):
            raise NotYet(f"{where}: your standard error ({sem:.4g}) treats the two simulators as independent samples. "
                         "Both ran the same networks: take the differences first, then their standard error "
                         f"(expected {exp_sem:.4g}).")
        if np.isclose(sem, diff.std(ddof=0) / np.sqrt(n), rtol=1e-9):
            raise NotYet(f"{where}: use the sample standard deviation (ddof=1) of the differences: with {n} networks "
                         f"ddof=0 underestimates the spread (expected {exp_sem:.4g}, got {sem:.4g}).")
        if np.isclose(sem, diff.std(ddof=1), rtol=1e-9):
            raise NotYet(f"{where}: {sem:.4g} is the standard deviation of the differences; the standard error of "
                         f"their mean divides it by sqrt(n) = sqrt({n}).")
        expect_close(sem, exp_sem, f"{where}: standard error", rtol=1e-9,
                     hint="standard error = std(differences, ddof=1) / sqrt(number of networks).")
    return "mean and standard error of the paired difference right on two stored sets of networks and a random one"


# --------------------------------------------------------------------------------------------
# (b) memory per process
# --------------------------------------------------------------------------------------------

MEMORY_CASES = [(12_500, 1000, 70.0, 95.0, 1), (1_000_000, 1000, 70.0, 95.0, 64), (100_000, 1000, 13.0, 60.0, 1),
                (50_000, 400, 76.0, 120.0, 8)]


@check("memory_per_process_gb: memory of one process when the network is split over P processes")
def check_memory_per_process_gb(memory_per_process_gb):
    """Fixed cases (the chapter's costs) and a random one; names the missing inhibitory inputs, the fixed cost
    shared out, the split forgotten and decimal units."""
    rng = case_rng()
    cases = MEMORY_CASES + [(int(rng.integers(1, 200)) * 10_000, int(rng.integers(1, 21)) * 100,
                             float(np.round(rng.uniform(10.0, 100.0), 1)), float(np.round(rng.uniform(40.0, 200.0), 1)),
                             int(rng.integers(1, 129)))]
    for n, k, per_synapse, fixed, processes in cases:
        got = as_number(memory_per_process_gb(n, k, per_synapse, fixed, processes), "memory_per_process_gb")
        expected = reference_memory_per_process_gb(n, k, per_synapse, fixed, processes)
        where = (f"N = {n:,}, K = {k}, {per_synapse} B per synapse, {fixed} MB fixed, {processes} process"
                 f"{'es' if processes > 1 else ''}")
        synapse_gb = per_synapse * INPUTS_PER_K * n * k / BYTES_PER_MB / MB_PER_GB
        if np.isclose(got, (fixed + per_synapse * n * k / processes / BYTES_PER_MB) / MB_PER_GB, rtol=1e-9):
            raise NotYet(f"{where}: you counted N K synapses; each neuron also receives K/4 inhibitory inputs, "
                         "so the network has 1.25 N K.")
        if processes > 1 and np.isclose(got, fixed / MB_PER_GB / processes + synapse_gb / processes, rtol=1e-9):
            raise NotYet(f"{where}: every process pays the fixed cost (its own interpreter, NEST's code and buffers); "
                         "only the synapses are split.")
        if processes > 1 and np.isclose(got, fixed / MB_PER_GB + synapse_gb, rtol=1e-9):
            raise NotYet(f"{where}: your memory does not fall with the number of processes: each process holds only "
                         "the synapses onto its own neurons, 1/P of them.")
        if np.isclose(got, (fixed * 1e6 + per_synapse * INPUTS_PER_K * n * k / processes) / 1e9, rtol=1e-9):
            raise NotYet(f"{where}: MB and GB here are binary (1 MB = 2**20 bytes, 1 GB = 1024 MB), as the stored "
                         "peak memory is; you used powers of 10.")
        expect_close(got, expected, where, rtol=1e-9,
                     hint="GB = (fixed_mb + bytes_per_synapse * 1.25 * N * K / P / 2**20) / 1024.")
    return (f"right on the chapter's costs and a random case; e.g. 10^6 neurons, K = 1000, 64 processes: "
            f"{reference_memory_per_process_gb(1_000_000, 1000, 70.0, 95.0, 64):.2f} GB each")


# --------------------------------------------------------------------------------------------
# (c) how many processes a network needs
# --------------------------------------------------------------------------------------------

@check("processes_needed: the fewest processes with at most limit_gb each")
def check_processes_needed(processes_needed):
    """Fixed cases (one exactly at the limit) and random ones; names rounding, off by one and float answers."""
    rng = case_rng()
    cases = [(1_000_000, 1000, 70.0, 95.0, 2.0), (10_000_000, 1000, 70.0, 95.0, 2.0), (12_500, 1000, 70.0, 95.0, 2.0),
             (100_000, 1000, 13.0, 60.0, 1.5),
             (65_536, 1024, 64.0, 0.0, 1.0)]      # exactly 5 x 1 GB of synapses: 5 processes, not 6
    for _ in range(3):
        cases.append((int(rng.integers(1, 500)) * 10_000, int(rng.integers(1, 21)) * 100,
                      float(np.round(rng.uniform(10.0, 100.0), 1)), float(np.round(rng.uniform(40.0, 200.0), 1)),
                      float(np.round(rng.uniform(1.0, 16.0), 2))))
    for n, k, per_synapse, fixed, limit in cases:
        got_value = processes_needed(n, k, per_synapse, fixed, limit)
        got = as_number(got_value, "processes_needed")
        expected = reference_processes_needed(n, k, per_synapse, fixed, limit)
        where = f"N = {n:,}, K = {k}, {per_synapse} B per synapse, {fixed} MB fixed, at most {limit} GB per process"
        if got != int(got):
            raise NotYet(f"{where}: {got:.4g} processes cannot be started; round up to a whole number.")
        exact = (per_synapse * INPUTS_PER_K * n * k / BYTES_PER_MB) / (limit * MB_PER_GB - fixed)
        if got < expected:
            raise NotYet(f"{where}: with {int(got)} process(es) each needs "
                         f"{reference_memory_per_process_gb(n, k, per_synapse, fixed, int(got)) if got >= 1 else float('inf'):.3g} GB, "
                         f"above {limit} GB: round the number of processes up (np.ceil), not to the nearest "
                         f"(the exact ratio is {exact:.4g}).")
        if got > expected:
            raise NotYet(f"{where}: {expected} process(es) already fit ("
                         f"{reference_memory_per_process_gb(n, k, per_synapse, fixed, expected):.3g} GB each); you "
                         f"asked for {int(got)}. Is one added after rounding up?")
    return "the fewest processes right on the chapter's networks, one exactly at the limit, and random ones"
