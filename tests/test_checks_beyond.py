"""Chapter 11 checks: each passes the right answer, says "not implemented yet" to a blank, and rejects
plausible wrong answers with a message that names the mistake (COURSE.md section 9)."""
import numpy as np
import pytest

from course_lib.checks.beyond import (check_memory_per_process_gb, check_paired_difference, check_processes_needed,
                                      reference_memory_per_process_gb)

from check_helpers import blank, same_cases_every_run  # noqa: F401  (an autouse fixture)


def assert_check(check, right, wrong, words):
    assert check(right)["status"] == "passed", check(right)
    assert check(blank)["status"] == "not implemented yet"
    record = check(wrong)
    assert record["status"] == "not yet" and words in record["message"], record


# ---------------------------------------------------------------- (a) paired difference

def paired_difference(course_values, nest_values):
    diff = np.asarray(nest_values) - np.asarray(course_values)
    return diff.mean(), diff.std(ddof=1) / np.sqrt(diff.size)


def wrong_sign(course_values, nest_values):
    mean, sem = paired_difference(course_values, nest_values)
    return -mean, sem


def unpaired(course_values, nest_values):
    course, nest = np.asarray(course_values), np.asarray(nest_values)
    return (nest - course).mean(), np.sqrt(course.var(ddof=1) / course.size + nest.var(ddof=1) / nest.size)


def ddof_zero(course_values, nest_values):
    diff = np.asarray(nest_values) - np.asarray(course_values)
    return diff.mean(), diff.std() / np.sqrt(diff.size)


def standard_deviation(course_values, nest_values):
    diff = np.asarray(nest_values) - np.asarray(course_values)
    return diff.mean(), diff.std(ddof=1)


def one_number(course_values, nest_values):
    return paired_difference(course_values, nest_values)[0]


@pytest.mark.parametrize("wrong, words", [(wrong_sign, "wrong sign"), (unpaired, "independent samples"),
                                          (ddof_zero, "ddof=1"), (standard_deviation, "sqrt(n)"),
                                          (one_number, "two things")])
def test_paired_difference_check(wrong, words):
    assert_check(check_paired_difference, paired_difference, wrong, words)


# ---------------------------------------------------------------- (b) memory per process

def memory_per_process_gb(n_neurons, k, bytes_per_synapse, fixed_mb, processes):
    return (fixed_mb + bytes_per_synapse * 1.25 * n_neurons * k / processes / 2 ** 20) / 1024


def excitatory_only(n_neurons, k, bytes_per_synapse, fixed_mb, processes):
    return memory_per_process_gb(n_neurons, k / 1.25, bytes_per_synapse, fixed_mb, processes)


def fixed_cost_split(n_neurons, k, bytes_per_synapse, fixed_mb, processes):
    return memory_per_process_gb(n_neurons, k, bytes_per_synapse, fixed_mb / processes, processes)


def not_split(n_neurons, k, bytes_per_synapse, fixed_mb, processes):
    return memory_per_process_gb(n_neurons, k, bytes_per_synapse, fixed_mb, 1)


def decimal_units(n_neurons, k, bytes_per_synapse, fixed_mb, processes):
    return (fixed_mb * 1e6 + bytes_per_synapse * 1.25 * n_neurons * k / processes) / 1e9


@pytest.mark.parametrize("wrong, words", [(excitatory_only, "K/4 inhibitory"), (fixed_cost_split, "fixed cost"),
                                          (not_split, "1/P"), (decimal_units, "powers of 10")])
def test_memory_per_process_check(wrong, words):
    assert_check(check_memory_per_process_gb, memory_per_process_gb, wrong, words)


# ---------------------------------------------------------------- (c) processes needed

def processes_needed(n_neurons, k, bytes_per_synapse, fixed_mb, limit_gb):
    synapse_mb = bytes_per_synapse * 1.25 * n_neurons * k / 2 ** 20
    return int(np.ceil(synapse_mb / (limit_gb * 1024 - fixed_mb)))


def rounded(n_neurons, k, bytes_per_synapse, fixed_mb, limit_gb):
    synapse_mb = bytes_per_synapse * 1.25 * n_neurons * k / 2 ** 20
    return int(round(synapse_mb / (limit_gb * 1024 - fixed_mb)))


def floor_plus_one(n_neurons, k, bytes_per_synapse, fixed_mb, limit_gb):
    synapse_mb = bytes_per_synapse * 1.25 * n_neurons * k / 2 ** 20
    return int(synapse_mb // (limit_gb * 1024 - fixed_mb)) + 1


def not_whole(n_neurons, k, bytes_per_synapse, fixed_mb, limit_gb):
    synapse_mb = bytes_per_synapse * 1.25 * n_neurons * k / 2 ** 20
    return synapse_mb / (limit_gb * 1024 - fixed_mb)


def by_search(n_neurons, k, bytes_per_synapse, fixed_mb, limit_gb):
    processes = 1
    while memory_per_process_gb(n_neurons, k, bytes_per_synapse, fixed_mb, processes) > limit_gb:
        processes += 1
    return processes


@pytest.mark.parametrize("wrong, words", [(rounded, "round the number of processes up"),
                                          (floor_plus_one, "already fit"), (not_whole, "whole number")])
def test_processes_needed_check(wrong, words):
    assert_check(check_processes_needed, processes_needed, wrong, words)


def test_a_search_over_p_is_as_good_as_the_formula():
    assert check_processes_needed(by_search)["status"] == "passed"


def test_the_chapter_11_example():
    # the chapter's answer 5: 10^6 neurons, K = 1000, NEST's 70 B per synapse and 95 MB, 64 processes: about 1.4 GB
    assert reference_memory_per_process_gb(1_000_000, 1000, 70.0, 95.0, 64) == pytest.approx(1.366, abs=1e-3)
