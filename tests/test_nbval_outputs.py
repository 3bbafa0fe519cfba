"""nbval compares what students see in solutions/ and exercises/ with what is stored.

pytest.ini runs every solution and exercise notebook under nbval; cells tagged nbval-check-output
(every check cell, and solution cells that print numbers) must print what is stored, after the
sanitizers in tests/nbval_sanitize.cfg. This file proves, on copies of a solution and an exercise
with one stored line changed in each, that such a change fails the run with nbval's diff while the
untouched cells of the same notebooks pass (the control), and that the settings are in force.
"""
import configparser
import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

from tools import make_exercises
from tools.execute_notebooks import CHECK_SEED, INLINE_BACKEND

ROOT = pathlib.Path(__file__).resolve().parents[1]
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"


def pytest_ini():
    config = configparser.ConfigParser()
    config.read(ROOT / "pytest.ini")
    return config["pytest"]


def test_pytest_runs_solutions_and_exercises_under_nbval_with_the_sanitizers():
    ini = pytest_ini()
    assert {"notebooks", "solutions", "exercises"} <= set(ini["testpaths"].split())
    assert "--nbval-lax" in ini["addopts"] and f"--nbval-sanitize-with={SANITIZE.relative_to(ROOT)}" in ini["addopts"]


@pytest.mark.parametrize("folder", ["solutions", "exercises"])
def test_every_check_cell_is_compared_and_has_its_stored_line(folder):
    for path in sorted((ROOT / folder).glob("*.ipynb")):
        checks = [c for c in json.loads(path.read_text())["cells"] if make_exercises.is_check_cell(c)]
        assert checks, f"{path.name} has no check cells"
        for cell in checks:
            assert make_exercises.CHECK_TAG in cell["metadata"].get("tags", []), f"{path.name}: {cell['id']}"
            lines = [o["data"]["text/plain"] for o in cell["outputs"] if "text/plain" in o.get("data", {})]
            expected = "passed" if folder == "solutions" else "not implemented yet"
            assert lines and all(expected in "".join(line) for line in lines), \
                f"{folder}/{path.name} cell {cell['id']} stores {lines!r}, not a '{expected}' line"


def test_lecture_cells_that_print_library_source_are_compared():
    # chapters 01, 04 and 06 print course_lib's own code (inspect.getsource) for students to read; tagged, nbval
    # compares the print with the stored one, so a library change that leaves the stored print stale fails the run
    printing = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code" and "inspect.getsource" in make_exercises.source_text(cell):
                printing.append(path.name)
                assert make_exercises.CHECK_TAG in cell["metadata"].get("tags", []), \
                    f"notebooks/{path.name} cell {cell['id']} prints library source: tag it {make_exercises.CHECK_TAG}"
    assert printing == ["01_lif.ipynb", "04_synapses.ipynb", "06_ei_balanced_network.ipynb"]


@pytest.mark.parametrize("folder", ["solutions", "exercises"])
def test_no_compared_cell_ends_in_a_semicolon(folder):
    # nbval runs cells without IPython's history, so a final ';' does not hide the value: a compared
    # cell that ends in "ax.legend();" would print a Legend repr that the stored notebook lacks
    for path in sorted((ROOT / folder).glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if make_exercises.CHECK_TAG in cell.get("metadata", {}).get("tags", []):
                last = make_exercises.source_text(cell).rstrip().split("\n")[-1]
                assert not last.endswith(";"), f"{folder}/{path.name} cell {cell['id']} ends in ';': end it with plt.show()"


def test_sanitizers_replace_addresses_and_timings_only():
    patterns = re.findall(r"^regex: (.*)$\n^replace: (.*)$", SANITIZE.read_text(), flags=re.MULTILINE)
    text = "<function f at 0x7f3a2b1c9d40> ran in 1.25 s; rate 8.03 Hz, CV 0.93"
    for regex, replace in patterns:
        text = re.sub(regex, replace, text)
    assert text == "<function f at 0xADDRESS> ran in TIME; rate 8.03 Hz, CV 0.93"


def change_stored_line(path, cell_id, old, new):
    """Replace text in the stored outputs of one cell of the notebook at path."""
    nb = json.loads(path.read_text())
    cell = next(c for c in nb["cells"] if c.get("id") == cell_id)
    dumped = json.dumps(cell["outputs"])
    assert old in dumped, f"{old!r} not in the stored outputs of cell {cell_id}"
    cell["outputs"] = json.loads(dumped.replace(old, new))
    path.write_text(json.dumps(nb, indent=1))


def code_cell_number(path, cell_id):
    """nbval's item number ('Cell N') of a cell: its index among the code cells."""
    code = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    return next(i for i, c in enumerate(code) if c.get("id") == cell_id)


@pytest.mark.slow
def test_a_changed_check_line_or_printed_number_fails_under_nbval(tmp_path):
    solution = tmp_path / "solution_04.ipynb"
    exercise = tmp_path / "exercise_05.ipynb"
    solution.write_text((ROOT / "solutions" / "04_synapses.ipynb").read_text())
    exercise.write_text((ROOT / "exercises" / "05_receptors.ipynb").read_text())
    # a check line that no longer says what the check prints, a printed number that moved, and an
    # exercise line that says "passed" where a blank exercise prints "not implemented yet"
    changes = [(solution, "passed -- alpha_kernel", "passed -- alpha kernel"),
               (solution, "     100             0.000       25.00", "     100             0.000       25.01"),
               (exercise, "not implemented yet -- unblocked_fraction", "passed -- unblocked_fraction")]
    expected_failures = set()
    for path, old, new in changes:
        nb = json.loads(path.read_text())
        cell = next(c for c in nb["cells"] if old in json.dumps(c.get("outputs", [])))
        change_stored_line(path, cell["id"], old, new)
        expected_failures.add(f"{path.name}::Cell {code_cell_number(path, cell['id'])}")
    env = dict(os.environ, COURSE_CHECK_SEED=CHECK_SEED, COURSE_PROGRESS="0", MPLBACKEND=INLINE_BACKEND)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", "--nbval-lax",
                           f"--nbval-sanitize-with={SANITIZE}", "-o", "addopts=", "-q", "-rf",
                           solution.name, exercise.name],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    report = proc.stdout + proc.stderr
    failed = set(re.findall(r"^FAILED (\S+::Cell \d+)", report, flags=re.MULTILINE))
    assert proc.returncode == 1, report[-3000:]
    assert failed == expected_failures, report[-3000:]
    # each failure is a difference of outputs, not a cell that raised
    assert "Cell outputs differ" in report and "caused an exception" not in report, report[-3000:]
    for shown in ("alpha kernel", "25.01", "passed -- unblocked_fraction"):   # nbval's diff names the change
        assert shown in report, report[-3000:]
    passed = int(re.search(r"(\d+) passed", report).group(1))
    assert passed >= 10, report[-3000:]   # the untouched cells of both notebooks: the control
