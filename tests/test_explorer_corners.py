"""The explorers' corner check (course_lib.widgets): which values it draws at and what it catches.

Under nbval every lecture notebook runs with COURSE_EXPLORER_CORNERS=check (conftest.py), so each
explorer of the course is drawn at the corners of its controls' ranges there; this file proves the
check itself on small drawing functions.
"""
import json

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_lib import widgets


def sliders(**specs):
    return {name: widgets.make_control(name, spec) for name, spec in specs.items()}


def draw_curve(tau_ms=10.0, gain=1.0, shape="decay"):
    """A sound figure: a decaying or rising curve (mV) over 0-100 ms."""
    t = np.linspace(0.0, 100.0, 201)
    v = gain * (np.exp(-t / tau_ms) if shape == "decay" else 1.0 - np.exp(-t / tau_ms))
    fig, ax = plt.subplots()
    ax.plot(t, v, label=shape)
    ax.set_title(f"tau = {tau_ms:.0f} ms")
    ax.legend()
    return fig


def test_corners_start_at_the_defaults_and_cover_every_combination_of_ends():
    controls = sliders(tau_ms=(1.0, 50.0, 1.0, 10.0), gain=(0.0, 2.0, 0.1, 1.0), shape=["decay", "rise"])
    corners = widgets.corner_values(controls)
    assert corners[0] == {"tau_ms": 10.0, "gain": 1.0, "shape": "decay"}
    assert len(corners) == 1 + 2 * 2 * 2
    assert {(c["tau_ms"], c["gain"], c["shape"]) for c in corners[1:]} == \
        {(t, g, s) for t in (1.0, 50.0) for g in (0.0, 2.0) for s in ("decay", "rise")}


def test_many_controls_are_moved_one_at_a_time_plus_all_low_and_all_high():
    controls = sliders(**{name: (0.0, 1.0, 0.1, 0.5) for name in "abcde"})   # 32 combinations > 16
    corners = widgets.corner_values(controls)
    assert len(corners) == 1 + 5 * 2 + 2 <= widgets.MAX_CORNER_DRAWS + 1
    assert {name: 0.0 for name in "abcde"} in corners and {name: 1.0 for name in "abcde"} in corners
    assert dict({name: 0.5 for name in "abcde"}, c=1.0) in corners


def test_a_sound_explorer_passes_and_records_one_line_per_draw(tmp_path):
    record = tmp_path / "draws.jsonl"
    controls = sliders(tau_ms=(1.0, 50.0, 1.0, 10.0), shape=["decay", "rise"])
    widgets.check_corners(draw_curve, controls, "curve", str(record))
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    assert len(lines) == 5 and all(line["problem"] == "" and line["seconds"] >= 0 for line in lines)
    assert lines[0]["values"] == {"tau_ms": 10.0, "shape": "decay"}


def test_a_recording_run_writes_problems_instead_of_raising(tmp_path):
    record = tmp_path / "draws.jsonl"
    def draw(tau_ms=10.0):
        return plt.figure() if tau_ms > 40.0 else draw_curve(tau_ms)
    widgets.check_corners(draw, sliders(tau_ms=(1.0, 50.0, 1.0, 10.0)), "recorded", str(record))
    problems = [json.loads(line)["problem"] for line in record.read_text().splitlines()]
    assert problems == ["", "", "the figure has no axes"]


def test_a_draw_that_raises_at_one_corner_is_named_with_its_values():
    def draw(tau_ms=10.0):
        if tau_ms > 40.0:
            raise ValueError("tau_ms too large for this drawing")
        return draw_curve(tau_ms)

    with pytest.raises(RuntimeError) as err:
        widgets.check_corners(draw, sliders(tau_ms=(1.0, 50.0, 1.0, 10.0)), "raises")
    message = str(err.value)
    assert "explorer 'raises' fails at 1 of 3 corners" in message
    assert "{'tau_ms': 50.0}: ValueError: tau_ms too large" in message


def test_a_figure_that_fails_only_when_rendered_is_caught():
    def draw(tau_ms=10.0):
        fig = draw_curve(tau_ms)
        if tau_ms > 40.0:
            fig.axes[0].set_xlabel(r"$\frac{1}{$ (ms)")     # not valid mathtext: fails when drawn, not when set
        return fig

    with pytest.raises(RuntimeError, match="fails at 1 of 3 corners") as err:
        widgets.check_corners(draw, sliders(tau_ms=(1.0, 50.0, 1.0, 10.0)), "renders")
    assert "{'tau_ms': 50.0}: ValueError" in str(err.value)


def test_a_draw_is_timed_with_its_rendering(tmp_path):
    record = tmp_path / "draws.jsonl"
    def draw(tau_ms=10.0):
        fig = draw_curve(tau_ms)
        fig.savefig = lambda *args, **kwargs: __import__("time").sleep(0.05)   # a slow render
        return fig

    widgets.check_corners(draw, sliders(tau_ms=(1.0, 50.0, 1.0, 10.0)), "timed", str(record))
    seconds = [json.loads(line)["seconds"] for line in record.read_text().splitlines()]
    assert len(seconds) == 3 and min(seconds) >= 0.05


@pytest.mark.parametrize("broken, expected", [
    ("nan_curve", "the curve 'decay' in 'tau = 1 ms' is all NaN or inf"),
    ("nan_title", "a text of the figure reads 'rate = nan Hz'"),
    ("no_axes", "the figure has no axes"),
    ("warning", "RuntimeWarning: Mean of empty slice"),
])
def test_nan_curves_nan_texts_empty_figures_and_warnings_are_caught(broken, expected):
    def draw(tau_ms=10.0):
        if tau_ms > 1.0:
            return draw_curve(tau_ms)
        if broken == "no_axes":
            return plt.figure()
        if broken == "warning":   # e.g. the mean ISI of a neuron that did not fire
            np.mean(np.array([]))
            return draw_curve(tau_ms)
        fig = draw_curve(tau_ms)
        ax = fig.axes[0]
        if broken == "nan_curve":
            ax.lines[0].set_ydata(np.full(201, np.nan))
        else:
            ax.set_title("rate = nan Hz")
        return fig

    with pytest.raises(RuntimeError, match="fails at 1 of 3 corners") as err:
        widgets.check_corners(draw, sliders(tau_ms=(1.0, 50.0, 1.0, 10.0)), "broken")
    assert expected in str(err.value)


def test_explorer_runs_the_check_only_when_asked(monkeypatch):
    def draw(tau_ms=10.0):
        if tau_ms < 2.0:
            raise ZeroDivisionError("division by zero")
        return draw_curve(tau_ms)

    monkeypatch.delenv(widgets.CORNERS_ENV, raising=False)
    widgets.explorer(draw, {"tau_ms": (1.0, 50.0, 1.0, 10.0)}, title="quiet")   # corners not drawn
    monkeypatch.setenv(widgets.CORNERS_ENV, "check")
    with pytest.raises(RuntimeError, match="explorer 'checked' fails at 1 of 3 corners"):
        widgets.explorer(draw, {"tau_ms": (1.0, 50.0, 1.0, 10.0)}, title="checked")
    plt.close("all")
