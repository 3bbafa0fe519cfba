"""What chapter 11 says about its stored NEST results (notebooks/data/nest_scaling.json) is what the data show.

The stored file is made by tools/nest_scaling.py; tests/test_nest.py re-runs one seed of it in NEST. These
tests need no NEST: they read the file and check each number the chapter's text quotes.
"""
import json
import pathlib

import numpy as np
import pytest

DATA = pathlib.Path(__file__).resolve().parents[1] / "notebooks" / "data" / "nest_scaling.json"
STATISTICS = ("rate_e_hz", "rate_i_hz", "cv", "fano", "chi")


@pytest.fixture(scope="module")
def stored():
    return json.loads(DATA.read_text())


def paired_z(runs, key):
    """Mean paired difference NEST - course_lib over networks, in units of its standard error."""
    diff = np.array([run["nest"][key] - run["course_lib"][key] for run in runs])
    return diff.mean() / (diff.std(ddof=1) / np.sqrt(diff.size))


@pytest.mark.parametrize("part, n_networks, z_max", [("small", 3, 2.5), ("full", 4, 2.0)])
def test_the_two_simulators_agree_within_the_sampling_error_the_chapter_quotes(stored, part, n_networks, z_max):
    runs = stored[part]["runs"]
    assert len(runs) == n_networks and len({run["seed"] for run in runs}) == n_networks
    for key in STATISTICS:
        assert abs(paired_z(runs, key)) < z_max, f"{part}: {key} differs by more than {z_max} standard errors"
    assert {run[who]["state"] for run in runs for who in ("course_lib", "nest")} == {"AI"}


def test_network_to_network_spread_is_as_large_as_the_simulator_difference(stored):
    # section 1: "the E rates of one network are 0.35 to 0.58 Hz apart in the two simulators, while
    # course_lib's three networks span 5.23 to 5.79 Hz"
    runs = stored["small"]["runs"]
    gaps = [abs(run["nest"]["rate_e_hz"] - run["course_lib"]["rate_e_hz"]) for run in runs]
    course = [run["course_lib"]["rate_e_hz"] for run in runs]
    assert 0.3 < min(gaps) and max(gaps) < 0.6
    assert max(course) - min(course) > min(gaps)


def test_single_trajectories_share_almost_no_spikes(stored):
    # the Think! answer: the two runs of one network share a few per cent of spikes at most, fewer later
    for run in stored["small"]["runs"] + stored["full"]["runs"]:
        shared = run["shared_spikes"]
        assert shared["100"] < 0.05 and shared["100"] <= shared["5"]


def test_full_size_values_are_chapter_06s(stored):
    # chapter 06's network (K = 1000) fired at 8.0 Hz with CV 0.94, Fano factor 1.04, chi 0.077
    for run in stored["full"]["runs"]:
        for who in ("course_lib", "nest"):
            assert 7.8 < run[who]["rate_e_hz"] < 8.4 and 0.9 < run[who]["cv"] < 1.0
            assert 0.98 < run[who]["fano"] < 1.1 and run[who]["chi"] < 0.1


def scaling_rows(stored, simulator, threads):
    rows = [r for r in stored["scaling"]["runs"] if "skipped" not in r and r["simulator"] == simulator
            and r["threads"] == threads]
    return sorted(rows, key=lambda r: r["n"])


def test_memory_per_synapse_and_growth_with_n_are_what_section_2_says(stored):
    nest_1, nest_2, course = (scaling_rows(stored, "nest", 1), scaling_rows(stored, "nest", 2),
                              scaling_rows(stored, "course", 1))
    assert [r["n"] for r in course] == [12500, 25000, 50000, 100000] == [r["n"] for r in nest_1]
    per_synapse = lambda r: r["peak_mem_mb"] * 2 ** 20 / r["n_synapses"]       # noqa: E731
    assert all(70.5 < per_synapse(r) < 76.5 for r in nest_1 + nest_2)            # "71 to 76 bytes per synapse"
    assert all(12.5 < per_synapse(r) < 17.5 for r in course)                    # "13 to 17 in our engine"
    assert nest_1[-1]["sim_s"] / nest_1[0]["sim_s"] > 8                         # faster than N in NEST
    assert 6 < course[-1]["sim_s"] / course[0]["sim_s"] < 8.5                   # about in proportion in ours
    assert 1536 < course[-1]["peak_mem_mb"] < 1.7 * 1024 and nest_1[-1]["peak_mem_mb"] > 8 * 1024


def test_a_second_thread_speeds_nest_up_without_more_memory(stored):
    for one, two in zip(scaling_rows(stored, "nest", 1), scaling_rows(stored, "nest", 2)):
        assert 1.5 < one["sim_s"] / two["sim_s"] < 2.1                         # "1.6 to 2.0 times faster"
        assert abs(two["peak_mem_mb"] / one["peak_mem_mb"] - 1) < 0.001         # "within 0.1 %"
