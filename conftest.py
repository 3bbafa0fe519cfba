"""Test-wide settings (every test and every notebook that nbval runs): no progress bars, a
non-interactive matplotlib backend, and seeded check cases for solutions and exercises.

Solution and exercise notebooks run as they were stored (tools/execute_notebooks.py): the checks'
randomised cases seeded by CHECK_SEED and figures drawn inline, so that nbval can compare a
tagged cell's outputs with the stored ones. Only the kernel nbval starts for those notebooks sees
these settings: library tests and the grader keep drawing fresh cases, without a display.
Lecture notebooks run with COURSE_EXPLORER_CORNERS=check: every explorer also draws at the corners
of its controls' ranges and its cell fails if a draw raises or shows NaN (course_lib.widgets).
"""
import os
import pathlib

import pytest

from tools.execute_notebooks import CHECK_SEED, INLINE_BACKEND

os.environ["COURSE_PROGRESS"] = "0"
os.environ.setdefault("MPLBACKEND", "Agg")
ROOT = pathlib.Path(__file__).resolve().parent
STORED_SETTINGS = {"COURSE_CHECK_SEED": CHECK_SEED, "MPLBACKEND": INLINE_BACKEND}
KERNEL_SETTINGS = {ROOT / "solutions": STORED_SETTINGS, ROOT / "exercises": STORED_SETTINGS,
                   ROOT / "notebooks": {"COURSE_EXPLORER_CORNERS": "check"}}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    """Start a notebook's kernel (nbval) with its folder's settings, then restore ours."""
    settings = KERNEL_SETTINGS.get(pathlib.Path(str(item.path)).parent) if str(item.path).endswith(".ipynb") else None
    if not settings:
        yield
        return
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
