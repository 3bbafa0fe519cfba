"""Progress bars and responsive explorers (issue 6, part 4; COURSE.md section 9).

Long runs show a progress bar only when interactive: COURSE_PROGRESS=0 (tests, executor, grader)
and CI silence it. Explorers with slow=True update on release (continuous_update=False), so a
slow redraw never freezes a dragged slider. The browser test (tools/browser_test.py) adds a note
for an explorer whose redraw takes over a second while it updates during dragging.
"""
import json
import pathlib
import re

import ipywidgets as widgets
import pytest

from course_lib import LIF, progress, simulate
from course_lib import widgets as widgets_module
from course_lib.widgets import explorer

ROOT = pathlib.Path(__file__).resolve().parents[1]
COMMITTED = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb"))
LONG = 1e12   # neuron-steps: far above WORK_FOR_A_BAR


@pytest.fixture
def interactive(monkeypatch):
    """An interactive session: neither COURSE_PROGRESS=0 nor CI."""
    monkeypatch.delenv("COURSE_PROGRESS", raising=False)
    monkeypatch.delenv("CI", raising=False)


def test_long_interactive_run_wants_a_bar_short_one_does_not(interactive):
    assert progress.progress_wanted(None, work=progress.WORK_FOR_A_BAR)
    assert not progress.progress_wanted(None, work=progress.WORK_FOR_A_BAR / 2)


def test_course_progress_0_silences_bars(interactive, monkeypatch):
    monkeypatch.setenv("COURSE_PROGRESS", "0")
    assert not progress.progress_wanted(None, work=LONG)
    assert isinstance(progress.progress_range(10, None, work=LONG), range)


def test_ci_silences_bars(interactive, monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert not progress.progress_wanted(None, work=LONG)


def test_explicit_choice_wins(monkeypatch):
    monkeypatch.setenv("COURSE_PROGRESS", "0")
    assert progress.progress_wanted(True, work=0)
    monkeypatch.delenv("COURSE_PROGRESS")
    monkeypatch.delenv("CI", raising=False)
    assert not progress.progress_wanted(False, work=LONG)


def test_simulate_shows_a_bar_only_when_interactive(interactive, monkeypatch, capfd):
    # make a 200-step run count as long, so that the plumbing is tested without a long run
    monkeypatch.setattr(progress, "WORK_FOR_A_BAR", 100)
    simulate(LIF(), current=300.0, t_stop=20.0, dt=0.1)
    assert "simulating" in capfd.readouterr().err          # tqdm writes its bar to stderr
    monkeypatch.setenv("COURSE_PROGRESS", "0")
    simulate(LIF(), current=300.0, t_stop=20.0, dt=0.1)
    captured = capfd.readouterr()
    assert "simulating" not in captured.err and "%|" not in captured.err


def draw_nothing(x=1.0, y=2.0, kind="a"):
    return None


@pytest.mark.parametrize("slow", [True, False])
def test_slow_explorer_updates_on_release(slow):
    box = explorer(draw_nothing, {"x": (0, 2, 0.1, 1.0), "y": (0, 4, 0.1, 2.0), "kind": ["a", "b"]},
                   title="t", slow=slow)
    sliders = [w for w in box.controls.values() if isinstance(w, widgets.FloatSlider)]
    assert len(sliders) == 2
    assert all(s.continuous_update is (not slow) for s in sliders)
    assert "course-explorer" in box._dom_classes


def test_explorer_keeps_a_given_widget_as_it_is():
    own = widgets.IntSlider(min=0, max=5, value=2, continuous_update=True)
    box = explorer(draw_nothing, {"x": own}, slow=True)
    assert box.controls["x"] is own and own.continuous_update


def code_cells(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            yield index, source, cell.get("outputs", [])


@pytest.mark.parametrize("path", COMMITTED, ids=[f"{p.parent.name}/{p.stem}" for p in COMMITTED])
def test_committed_notebook_never_forces_a_bar_nor_stores_one(path):
    # COURSE.md section 9: never progress=True in a committed notebook; batch execution stores no bar
    bar = re.compile(r"\d+%\|")
    for index, source, outputs in code_cells(path):
        assert not re.search(r"progress\s*=\s*True", source), f"{path.name} cell {index} passes progress=True"
        for out in outputs:
            text = out.get("text", "") or "".join(out.get("data", {}).get("text/plain", ""))
            text = "".join(text) if isinstance(text, list) else text
            assert not bar.search(text), f"{path.name} cell {index} stored a progress bar: {text[:80]!r}"


def test_slow_explorer_says_it_is_computing_while_it_redraws():
    seen = []
    box = None

    def draw_and_look(x=1.0):
        seen.append(box.status.value if box is not None else None)
        return None

    box = explorer(draw_and_look, {"x": (0, 2, 0.1, 1.0)}, title="t", slow=True)
    box.controls["x"].value = 1.5            # a change triggers a redraw, as releasing a slider does
    assert seen[-1] == widgets_module.BUSY_HTML
    assert box.status.value == ""             # cleared once the figure is drawn
    assert box.status in box.children[1].children   # shown beside the controls


def test_fast_explorer_shows_no_busy_note():
    seen = []
    box = None

    def draw_and_look(x=1.0):
        seen.append(box.status.value if box is not None else None)
        return None

    box = explorer(draw_and_look, {"x": (0, 2, 0.1, 1.0)}, title="t", slow=False)
    box.controls["x"].value = 1.5
    assert seen[-1] == ""
    assert box.status not in box.children[1].children


def test_busy_note_is_cleared_when_a_draw_fails():
    def draw_fails_away_from_default(x=1.0):
        if x != 1.0:
            raise RuntimeError("boom")

    box = explorer(draw_fails_away_from_default, {"x": (0, 2, 0.1, 1.0)}, title="t", slow=True)
    with pytest.raises(RuntimeError, match="boom"):   # in a kernel the Output widget shows it instead
        box.controls["x"].value = 1.5
    assert box.status.value == ""
