"""Exercise pipeline: exercises in sync with solutions, free of solution code, and graded right.

Every solution notebook is executed once through the grader: it must run without unexpected
errors and score full marks. Every blank exercise is executed the same way: it must run
(cells that raise while blank are tagged) and score zero, every check saying
"not implemented yet". Wrong-answer feedback is tested per chapter in tests/test_checks_*.py, what
every check must resist in tests/test_checks_random.py, and the grader itself in tests/test_grade.py.
"""
import json
import pathlib
import subprocess
import sys

import pytest

from course_lib import grade
from tools import make_exercises

ROOT = pathlib.Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb"))


def test_exercises_are_generated_from_solutions():
    assert SOLUTIONS, "no solution notebooks found"
    assert make_exercises.main(["--check"]) == 0, "run python tools/make_exercises.py and commit"


def solution_lines(nb):
    """The non-trivial lines that stand between solution markers."""
    lines, inside = set(), False
    for cell in nb["cells"]:
        for line in make_exercises.source_text(cell).split("\n"):
            s = line.strip()
            if s == make_exercises.BEGIN:
                inside = True
            elif s == make_exercises.END:
                inside = False
            elif inside and len(s) > 12 and not s.startswith("#"):
                lines.add(s)
    return lines


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_no_solution_code_reaches_the_exercise(path):
    solution = json.loads(path.read_text())
    exercise = json.loads((ROOT / "exercises" / path.name).read_text())
    exercise_lines = {line.strip() for cell in exercise["cells"]
                      for line in make_exercises.source_text(cell).split("\n")}
    hidden = solution_lines(solution)
    assert hidden, f"{path.name} has no solution spans"
    leaked = hidden & exercise_lines
    # a solution line may legitimately also appear outside a span (e.g. a plot command): allow that
    outside = {line.strip() for cell in solution["cells"] for line in make_exercises.blank_spans(
        make_exercises.source_text(cell), cell["cell_type"] == "markdown")[0].split("\n")}
    assert not (leaked - outside), f"solution code in exercises/{path.name}: {sorted(leaked - outside)[:3]}"
    assert all(make_exercises.BEGIN not in make_exercises.source_text(c) for c in exercise["cells"])


def test_blank_spans_placeholder_and_tags():
    text = "def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n"
    blank, top = make_exercises.blank_spans(text)
    assert "return 2 * x" not in blank and "    raise NotImplementedError" in blank and not top
    blank, top = make_exercises.blank_spans("### BEGIN SOLUTION\ny = 3\n### END SOLUTION")
    assert top and "y = 3" not in blank
    with pytest.raises(ValueError):
        make_exercises.blank_spans("### BEGIN SOLUTION\ny = 3")


@pytest.mark.slow
@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_solution_runs_and_scores_full(path):
    summary = grade.grade(path)
    assert not summary["unexpected_errors"], summary["unexpected_errors"]
    assert summary["max_score"] >= 3, "each chapter has at least three graded tasks"
    failed = [t for t in summary["tasks"] if not t["passed"]]
    assert not failed, failed


@pytest.mark.slow
@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.name)
def test_blank_exercise_runs_and_scores_zero(path):
    summary = grade.grade(path)
    assert not summary["unexpected_errors"], summary["unexpected_errors"]
    assert summary["max_score"] >= 3 and summary["score"] == 0
    statuses = {t["status"] for t in summary["tasks"]}
    assert statuses == {"not implemented yet"}, summary["tasks"]


def test_grading_command_reports_unreadable_notebook(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("not a notebook")
    proc = subprocess.run([sys.executable, "-m", "course_lib.grade", str(bad)], capture_output=True, text=True,
                          cwd=ROOT)
    assert proc.returncode == 2 and "could not be graded" in proc.stderr
