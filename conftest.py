"""Test-wide settings (every test and every notebook that nbval runs): no progress bars, a
non-interactive matplotlib backend, and seeded check cases for solutions and exercises.

Solution and exercise notebooks run as they were stored (tools/execute_notebooks.py): the checks'
randomised cases seeded by CHECK_SEED and figures drawn inline, so that nbval can compare a
tagged cell's outputs with the stored ones. Only the kernel nbval starts for those notebooks sees
these settings: library tests and the grader keep drawing fresh cases, without a display.
"""
import os
import pathlib

import pytest

from tools.execute_notebooks import CHECK_SEED, INLINE_BACKEND

os.environ["COURSE_PROGRESS"] = "0"
os.environ.setdefault("MPLBACKEND", "Agg")
ROOT = pathlib.Path(__file__).resolve().parent
SEEDED_FOLDERS = {ROOT / "solutions", ROOT / "exercises"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    """Start the kernel of a solution or exercise notebook with the stored settings, then restore ours."""
    if pathlib.Path(str(item.path)).parent not in SEEDED_FOLDERS:
        yield
        return
    settings = {"COURSE_CHECK_SEED": CHECK_SEED, "MPLBACKEND": INLINE_BACKEND}
    before = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
