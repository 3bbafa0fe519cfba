"""The stored state maps of chapters 06 and 07 (tools/balanced_maps.py): the file is complete and matches the
grids, one point is reproduced bit for bit by re-running it, and the stored states show what the chapters
claim from them."""
import numpy as np
import pytest

from course_lib import analysis
from tools import balanced_maps

FIELDS = {"index", "seed", "t_start_ms", "t_stop_ms", "rate_hz", "cv", "n_cv", "chi", "peak_hz", "state",
          "theory_hz", "n_spikes", "spike_hash"}
STATES = {"silent", "AI", "AR", "SR", "SI fast", "SI slow"}


@pytest.fixture(scope="module")
def stored():
    return balanced_maps.load()


def point(stored, name, x, y):
    m = stored["maps"][name]
    return m["points"][list(m["x_values"]).index(x) * len(m["y_values"]) + list(m["y_values"]).index(y)]


def test_stored_file_is_complete_and_matches_the_grids(stored):
    assert set(stored["maps"]) == set(balanced_maps.GRIDS)
    assert stored["protocol"] == balanced_maps.PROTOCOL and stored["numpy"]
    assert stored["criterion"] == {"silent_hz": analysis.SILENT_HZ, "chi_synchronous": analysis.CHI_SYNCHRONOUS,
                                   "cv_regular": analysis.CV_REGULAR, "fast_hz": analysis.FAST_HZ}
    for name, ((x_name, xs), (y_name, ys)) in balanced_maps.GRIDS.items():
        m = stored["maps"][name]
        assert (m["x"], m["y"], m["x_values"], m["y_values"]) == (x_name, y_name, list(xs), list(ys))
        assert len(m["points"]) == len(xs) * len(ys)
        for index, (p, (x, y)) in enumerate(zip(m["points"], balanced_maps.points(name))):
            assert FIELDS | {x_name, y_name} == set(p), f"{name} point {index} has fields {sorted(p)}"
            assert (p["index"], p[x_name], p[y_name]) == (index, x, y)
            assert p["seed"] == balanced_maps.point_seed(name, index)
            assert p["state"] in STATES
            window = p["t_stop_ms"] - p["t_start_ms"]
            assert p["t_start_ms"] == balanced_maps.PROTOCOL["transient_ms"]
            assert balanced_maps.PROTOCOL["t_min_ms"] <= window <= balanced_maps.PROTOCOL["t_max_ms"]
            n = 12_500
            assert p["rate_hz"] == pytest.approx(p["n_spikes"] / (n * window / 1000.0))
            assert (p["state"] == "silent") == (p["rate_hz"] < analysis.SILENT_HZ)


def test_one_stored_point_is_reproduced_exactly():
    """Brunel's AI state g = 5, eta = 2 (~10 s): if this fails the stored file is stale or the simulator or
    network_state changed; regenerate it with `python tools/balanced_maps.py` (about 20 min, one process)."""
    index = balanced_maps.points("brunel").index((5.0, 2.0))
    stored_point, rerun = balanced_maps.check_point("brunel", index)
    assert rerun == stored_point, ("the re-run differs from notebooks/data/balanced_maps.json: regenerate it with "
                                   "`python tools/balanced_maps.py`")


def test_stored_states_show_what_the_chapters_claim(stored):
    brunel = stored["maps"]["brunel"]
    # Brunel's (2000) Fig. 8: the four published states are grid points and come out as published
    for (g, eta), state in {(3.0, 2.0): "SR", (5.0, 2.0): "AI", (6.0, 4.0): "SI fast", (4.5, 0.9): "SI slow"}.items():
        assert point(stored, "brunel", g, eta)["state"] == state, (g, eta)
    # excitation wins for g < 4: at and above threshold drive (eta >= 1) the neurons fire regularly near
    # saturation (CV < 0.25, > 100 Hz); synchronously (SR) for g <= 3
    for p in brunel["points"]:
        if p["g"] < 4 and p["eta"] >= 1:
            assert p["state"] in ("SR", "AR") and p["rate_hz"] > 100, p
            if p["g"] <= 3:
                assert p["state"] == "SR", p
    # strong inhibition, enough drive: asynchronous irregular, at the Siegert rate within 10 % (finite PSPs
    # and the 0.1 ms grid bias the simulated rate by a few %)
    for g in (5.0, 6.0, 7.0, 8.0):
        p = point(stored, "brunel", g, 2.0)
        assert p["state"] == "AI" and p["rate_hz"] == pytest.approx(p["theory_hz"], rel=0.1), p
    # chapter 06's working point (g = 8, nu0 = 10 Hz, J = 0.2 mV) is AI, with a CV near 1
    p = point(stored, "chapter06", 8.0, 10.0)
    assert p["state"] == "AI" and p["cv"] > 0.8 and p["rate_hz"] == pytest.approx(p["theory_hz"], rel=0.1)
    # every map has a sizeable asynchronous irregular region
    for name, m in stored["maps"].items():
        assert np.mean(m["states"] == "AI") > 0.2, name


def test_analysed_window_follows_the_rate():
    assert balanced_maps.analysed_ms(0.0) == balanced_maps.PROTOCOL["t_max_ms"]
    assert balanced_maps.analysed_ms(10.0) == 2000.0            # 20 spikes at 10 Hz
    assert balanced_maps.analysed_ms(38.0) == 550.0             # 526 ms rounded up to 50 ms
    assert balanced_maps.analysed_ms(400.0) == balanced_maps.PROTOCOL["t_min_ms"]


def test_state_map_draws_cells_between_midpoints(stored):
    import matplotlib.pyplot as plt
    from course_lib.plotting import STATE_COLORS, state_map
    m = stored["maps"]["brunel"]
    fig, ax = plt.subplots()
    state_map(ax, m["x_values"], m["y_values"], m["states"])
    mesh = ax.collections[0]
    x_edges = mesh.get_coordinates()[0, :, 0]
    assert x_edges[0] == 1.5 and x_edges[2] == 3.25 and x_edges[-1] == 8.5     # g = 2, 3, 3.5 ... 8
    codes = np.asarray(mesh.get_array()).reshape(len(m["y_values"]), len(m["x_values"]))
    assert [list(STATE_COLORS)[c] for c in codes[:, 0]] == list(m["states"][0])  # column g = 2, all drives
    assert {t.get_text() for t in ax.get_legend().get_texts()} == set(m["states"].ravel())
    with pytest.raises(ValueError, match="shape"):
        state_map(ax, m["x_values"][:-1], m["y_values"], m["states"])
    with pytest.raises(ValueError, match="no colour"):
        state_map(ax, [1.0], [1.0], [["chaos"]])
    plt.close(fig)
