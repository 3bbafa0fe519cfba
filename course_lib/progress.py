"""Progress bars for long simulations, silenced in tests, CI and batch execution.

``progress=None`` (the default everywhere) means: show a bar when the run is long and we are
not in a batch context. Batch contexts set the environment variable ``COURSE_PROGRESS=0``
(the test suite, tools/execute_notebooks.py, the grader) or ``CI``.
"""
import os

WORK_FOR_A_BAR = 2e7   # neuron-steps: about two seconds of simulation on a laptop


def progress_wanted(progress, work=0.0):
    """Decide whether to show a bar: explicit True/False wins; None means 'if long and interactive'."""
    if progress is not None:
        return bool(progress)
    if os.environ.get("COURSE_PROGRESS", "1") == "0" or os.environ.get("CI"):
        return False
    return work >= WORK_FOR_A_BAR


def progress_range(n_steps, progress=None, work=0.0, desc="simulating"):
    """range(n_steps), wrapped in a tqdm bar when progress_wanted(progress, work)."""
    if not progress_wanted(progress, work):
        return range(n_steps)
    from tqdm.auto import tqdm
    return tqdm(range(n_steps), desc=desc, mininterval=0.5, leave=False)
