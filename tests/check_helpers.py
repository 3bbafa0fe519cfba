"""Shared by the tests of the exercise checks (tests/test_checks_*.py): a blank answer and fixed random cases."""
import pytest

from course_lib.checks import set_case_seed

CASE_SEED = 20240617   # tests/test_checks_random.py runs the checks with other seeds


def blank(*args, **kwargs):
    """A student's function before it is written."""
    raise NotImplementedError("write your code here, then rerun this cell")


@pytest.fixture(autouse=True)
def same_cases_every_run():
    """A fixed seed for the checks' random cases in every test of a module that imports this fixture."""
    set_case_seed(CASE_SEED)
    yield
    set_case_seed(None)
