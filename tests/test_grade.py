"""The grader (course_lib.grade, COURSE.md section 16): scores come from what the grader runs, not from what a
notebook prints; a whole class is graded within limits, whatever the submissions do.

* Every attack fixture in tests/fixtures/grading/ (written by make_fixtures.py: fake records, a rebound
  check, patched publish, numpy.isclose or check module, deleted, commented or markdown check cells, a check
  called on the library's reference, duplicated checks, the library's own function as the answer, typed-in
  answers, an endless loop, a killed kernel) gets zero for the task it attacks, and full points for the
  tasks it answers honestly. (Against the grader before issue 17, the attacks earned 4/4, 3/3, 103/5, ...)
* A folder of submissions (full, blank, partial, broken JSON, an endless loop, an empty file, a directory
  in place of a notebook) becomes the expected gradebook (CSV, JSON, one feedback file per student) with
  the documented exit status, within the time limits.
"""
import csv
import json
import pathlib
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from course_lib import grade
from course_lib.checks import remote

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "grading"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())
sys.path.insert(0, str(FIXTURES))
import make_fixtures  # noqa: E402

LIMITS = dict(timeout=120, cell_timeout=4, memory_mb=2048, interrupt_grace=5, seed=20240617)


def test_fixtures_are_up_to_date(tmp_path):
    texts = make_fixtures.write(tmp_path)
    for name, text in texts.items():
        assert (FIXTURES / name).read_text() == text, f"run python tests/fixtures/grading/make_fixtures.py ({name})"


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED), ids=lambda n: n[len("05_receptors_"):-len(".ipynb")])
def test_attacks_earn_nothing_and_honest_work_full_marks(name):
    summary = grade.grade(FIXTURES / name, **LIMITS)
    assert not summary.get("failure"), summary
    points = {t["task"]: t["points"] for t in summary["tasks"]}
    assert points == EXPECTED[name]["points"], (EXPECTED[name]["what"], summary["tasks"])
    assert summary["max_score"] == 4 and len(summary["tasks"]) == 4


def test_plan_places_checks_by_cell_id_whatever_the_notebook_did():
    exercise = grade.load_exercise(ROOT / "exercises" / "05_receptors.ipynb")
    nb = grade.read_submission(FIXTURES / "05_receptors_delete_check_cell.ipynb")
    steps = grade.plan(nb, exercise)
    assert [k for kind, k in steps if kind == "check"] == [0, 1, 2, 3]
    after_task_b = [c.get("id") for c in nb.cells].index(make_fixtures.TASKS["b"])
    assert steps[steps.index(("cell", after_task_b)) + 1] == ("check", 1)   # the deleted check runs after task b
    stripped = grade.strip_check_calls("x = 1\ncheck_a(f)\nif x:\n    check_b(g)\ncheck_c(\n    h)\n")
    assert stripped.split("\n")[:2] == ["x = 1", "pass"] and "check_b(g)" in stripped and "check_c" not in stripped


def test_results_cross_as_data_only():
    """What a student's function returns reaches the grader as numbers, strings, containers and plain arrays."""
    for value in (np.float64(2.5), np.array(3.0), np.arange(6.0).reshape(2, 3)[:, ::2], [1, (2.5, "x")],
                  {"k": True}, None, float("nan"), np.array([True, False]), np.array(["a", "bc"])):
        back = remote.decode(json.loads(json.dumps(remote.encode(value))))
        assert type(back) is type(value) or isinstance(value, np.generic)
        assert repr(back) == repr(value)
    sneaky = remote.decode(json.loads(json.dumps(remote.encode(np.zeros(3).view(np.matrix)))))
    assert type(sneaky) is np.ndarray                       # subclasses (and their overrides) are dropped
    opaque = remote.decode(remote.encode(object()))
    assert isinstance(opaque, remote.Opaque) and type(opaque).__name__ == "object"
    with pytest.raises(TypeError):
        np.asarray(opaque, dtype=float)
    for forged in ({"a": ["|O", [1], "AAAAAAAAAAA="]}, {"a": ["<f8", [4], "AAAA"]}, {"zz": 1}, [1, 2]):
        with pytest.raises(ValueError):
            remote.decode(forged)


def test_unreadable_submissions_are_reported_not_graded(tmp_path):
    for name, content in (("empty_05_receptors.ipynb", ""), ("broken_05_receptors.ipynb", "{ not json"),
                          ("list_05_receptors.ipynb", "[1, 2]")):
        (tmp_path / name).write_text(content)
        summary = grade.grade(tmp_path / name, **LIMITS)
        assert summary["failure"] and summary["score"] == 0 and summary["max_score"] == 4, summary
        assert {t["status"] for t in summary["tasks"]} == {grade.NOT_GRADED}
    (tmp_path / "folder_05_receptors.ipynb").mkdir()
    assert "directory" in grade.grade(tmp_path / "folder_05_receptors.ipynb", **LIMITS)["failure"]
    (tmp_path / "unknown.ipynb").write_text("{}")
    assert grade.grade(tmp_path / "unknown.ipynb", **LIMITS)["exercise"] is None


def _class_folder(root):
    """Five students and two broken hand-ins; returns the expected total per student."""
    exercise = ROOT / "exercises" / "05_receptors.ipynb"
    folders = {name: root / name for name in ("ada", "ben", "cho", "dan", "eve", "fay", "gus")}
    for folder in folders.values():
        folder.mkdir(parents=True)
    shutil.copy(FIXTURES / "05_receptors_honest.ipynb", folders["ada"] / "05_receptors.ipynb")     # full
    shutil.copy(exercise, folders["ben"] / "05_receptors.ipynb")                                  # blank
    shutil.copy(FIXTURES / "05_receptors_markdown_check.ipynb", folders["cho"] / "05_receptors.ipynb")  # partial
    (folders["dan"] / "05_receptors.ipynb").write_text('{"cells": [')                             # broken JSON
    loop = json.loads((FIXTURES / "05_receptors_honest.ipynb").read_text())
    loop["cells"].insert(5, make_fixtures.code_cell("loop0001", "while True:\n    pass\n"))
    (folders["eve"] / "05_receptors.ipynb").write_text(json.dumps(loop))                        # endless loop
    (folders["fay"] / "05_receptors.ipynb").write_text("")                                        # empty file
    (folders["gus"] / "05_receptors.ipynb").mkdir()                                               # a directory
    return {"ada": 4, "ben": 0, "cho": 3, "dan": 0, "eve": 4, "fay": 0, "gus": 0}


@pytest.mark.slow
def test_a_class_folder_becomes_a_gradebook(tmp_path):
    expected = _class_folder(tmp_path / "submissions")
    gradebook = tmp_path / "out" / "grades.csv"
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "course_lib.grade", str(tmp_path / "submissions"), "--gradebook",
                           str(gradebook), "--timeout", "60", "--cell-timeout", "4", "--memory-mb", "2048",
                           "--seed", "7"], capture_output=True, text=True, cwd=ROOT, timeout=400)
    seconds = time.monotonic() - start
    assert proc.returncode == 2, proc.stdout + proc.stderr          # some hand-ins could not be graded at all
    assert seconds < 150, f"grading 7 hand-ins took {seconds:.0f} s"
    rows = list(csv.DictReader(gradebook.open()))
    totals = {r["student"]: int(r["points"]) for r in rows if r["task"] == "total"}
    assert totals == expected, totals
    assert all(int(r["max_points"]) == 4 for r in rows if r["task"] == "total")
    assert {r["student"] for r in rows if r["task"] != "total"} == set(expected)       # 4 task rows each
    assert sum(r["task"] != "total" for r in rows) == 4 * len(expected)
    broken = next(r for r in rows if r["student"] == "dan" and r["task"] == "total")
    assert "not valid notebook JSON" in broken["message"] and broken["status"] == "could not be graded"
    assert "directory" in next(r["message"] for r in rows if r["student"] == "gus" and r["task"] == "total")
    data = json.loads(gradebook.with_suffix(".json").read_text())
    assert data["seed"] == 7 and {s["student"]: s["score"] for s in data["students"]} == expected
    eve = next(s for s in data["students"] if s["student"] == "eve")["notebooks"][0]
    assert any("did not finish within 4 s" in e["error"] for e in eve["unexpected_errors"]), eve
    feedback = {p.stem: p.read_text() for p in (tmp_path / "out" / "grades_feedback").glob("*.md")}
    assert set(feedback) == set(expected)
    assert "Score: 3 / 4" in feedback["cho"] and "nmda_clamp_current" in feedback["cho"]
    assert "could not be graded" in feedback["dan"]


@pytest.mark.slow
def test_exit_status_and_summary_of_single_notebooks(tmp_path, capsys):
    out = tmp_path / "summary.json"
    assert grade.main([str(FIXTURES / "05_receptors_honest.ipynb"), "--json", str(out), "--seed", "3"]) == 0
    summary = json.loads(out.read_text())
    assert summary["seed"] == 3 and summary["notebooks"][0]["score"] == 4 and "total" in capsys.readouterr().out
    assert grade.main([str(FIXTURES / "05_receptors_hard_coded.ipynb"), "--json", "-"]) == 1
    captured = capsys.readouterr()
    summary = json.loads(captured.out)          # graded with a new random seed: printed below if this fails
    assert summary["notebooks"][0]["score"] == 3 and "total" in captured.err, json.dumps(summary, indent=1)


def test_json_into_a_missing_folder_is_refused_before_grading(tmp_path, capsys):
    """--json into a folder that does not exist: exit 2 with a message naming the folder, nothing graded."""
    missing = tmp_path / "missing" / "folder" / "out.json"
    with pytest.raises(SystemExit) as stop:
        grade.main([str(FIXTURES / "05_receptors_honest.ipynb"), "--json", str(missing)])
    assert stop.value.code == 2
    captured = capsys.readouterr()
    assert "--json" in captured.err and "does not exist" in captured.err and str(missing.parent) in captured.err
    assert "total" not in captured.out and not missing.parent.exists()     # refused before any grading
    with pytest.raises(SystemExit):
        grade.main([str(FIXTURES / "05_receptors_honest.ipynb"), "--json", str(tmp_path)])
    assert "is a folder" in capsys.readouterr().err
