"""benchmarks/draw_sampler.py: the split of an explorer's draw time between model, figure and cell."""
import pathlib
import sys
import time

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from course_lib import LIF, simulate  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "benchmarks"))
import draw_sampler  # noqa: E402


def busy_in_cell(seconds=0.2):
    end = time.perf_counter() + seconds
    total = 0
    while time.perf_counter() < end:
        total += 1
    return None


def busy_in_model(t_stop=3000.0):
    simulate(LIF(), current=300.0, t_stop=t_stop, dt=0.1, n=10)
    return None


def busy_in_figure(points=200_000):
    fig, ax = plt.subplots()
    ax.plot(range(points), range(points))
    fig.canvas.draw()
    return fig


def busy_when_rendered(points=300_000):
    fig, ax = plt.subplots()          # cheap to build; the time goes into rendering it afterwards
    ax.plot(np.arange(points) % 977, "o", ms=2)
    return fig


@pytest.mark.parametrize("draw, where", [(busy_in_cell, "cell"), (busy_in_model, "model"),
                                         (busy_in_figure, "figure"), (busy_when_rendered, "figure")])
def test_the_split_names_where_the_time_went(draw, where):
    seconds, split = draw_sampler.time_split(draw, {})
    assert seconds > 0.05
    assert abs(sum(split.values()) - 1.0) < 1e-9
    assert split.get(where, 0.0) > 0.8, split


def test_categories_of_files():
    assert draw_sampler.category("/x/course_lib/simulation.py") == "model"
    assert draw_sampler.category("/x/course_lib/widgets.py") == "other"
    assert draw_sampler.category("/x/site-packages/matplotlib/axes/_base.py") == "figure"
    assert draw_sampler.category("/x/site-packages/numpy/_core/numeric.py") == "other"
