"""Exercise checks: run a student's code on chosen cases and say, in one line, how it went.

A check is a function decorated with ``@check(task)``. Its body calls the student's code,
compares with theory or the reference, and either returns a short "what agreed" message or
raises ``NotYet("what differed ... hint")``. The decorator turns every outcome into one line:

    passed   -- <task>: <what agreed>
    not yet  -- <task>: <what differed, expected vs actual, and a hint>
    not implemented yet -- <task>: fill in the cell marked YOUR CODE HERE

It never lets a student's exception escape as a traceback. Each outcome is also published as
a machine-readable record (mime type CHECK_MIME) that ``python -m course_lib.grade`` collects.
Per-chapter checks live in this package's submodules (``course_lib.checks.lif``, ...).
"""
import functools
import html
import json
import traceback

import numpy as np

CHECK_MIME = "application/vnd.course-check+json"


class NotYet(Exception):
    """Raised inside a check when the student's answer differs; the message is shown to them."""


class CheckRecord(dict):
    """A check's result record (a plain dict to code); shows nothing in Jupyter, since publish showed its line."""

    def _ipython_display_(self):
        pass


def publish(task, status, message, points=1):
    """Show one result line and attach its machine-readable record; returns the record."""
    record = CheckRecord(task=task, status=status, passed=status == "passed",
                         points=points if status == "passed" else 0, max_points=points, message=message)
    symbol = {"passed": "✔", "not yet": "✘", "not implemented yet": "…"}[status]
    line = f"{symbol} {status} -- {task}: {message}"
    color = {"passed": "#1b7837", "not yet": "#b2182b", "not implemented yet": "#6a51a3"}[status]
    try:
        from IPython import get_ipython
        from IPython.display import display
        if get_ipython() is None:
            raise ImportError
        display({"text/plain": line,
                 "text/html": f'<div style="color:{color};font-family:monospace">{html.escape(line)}</div>',
                 CHECK_MIME: record}, raw=True)
    except ImportError:
        print(line)
    return record


def _describe_exception(err):
    """One line naming an exception raised by student code and where it came from."""
    frames = traceback.extract_tb(err.__traceback__)
    where = f" (line {frames[-1].lineno} of {frames[-1].name})" if frames else ""
    return f"your code raised {type(err).__name__}: {err}{where}"


def check(task, points=1):
    """Decorator for a check function: turns its outcome into one published line (see module doc)."""
    def wrap(body):
        @functools.wraps(body)
        def run(*args, **kwargs):
            if any(a is Ellipsis or a is None for a in args):
                return publish(task, "not implemented yet", "the answer is still a placeholder; "
                               "fill in the cell marked YOUR CODE HERE and run it", points)
            try:
                message = body(*args, **kwargs)
            except NotImplementedError:
                return publish(task, "not implemented yet",
                               "fill in the cell marked YOUR CODE HERE (and remove the raise line), then run it",
                               points)
            except NotYet as err:
                return publish(task, "not yet", str(err), points)
            except Exception as err:  # a student's bug must not end as a traceback
                return publish(task, "not yet", _describe_exception(err) + ". Read the error, fix, rerun.", points)
            return publish(task, "passed", message or "all cases agree", points)
        run.task = task
        return run
    return wrap


def expect_close(actual, expected, what, rtol=1e-6, atol=0.0, hint=""):
    """Raise NotYet unless actual is close to expected everywhere; returns the largest difference."""
    try:
        actual_arr = np.asarray(actual, dtype=float)
    except (TypeError, ValueError):
        raise NotYet(f"{what}: expected numbers, got {type(actual).__name__} {actual!r}. {hint}".strip())
    expected_arr = np.asarray(expected, dtype=float)
    if actual_arr.shape != expected_arr.shape and actual_arr.size != expected_arr.size:
        raise NotYet(f"{what}: expected shape {expected_arr.shape}, got shape {actual_arr.shape}. {hint}".strip())
    actual_arr = actual_arr.reshape(expected_arr.shape)
    ok = np.isclose(actual_arr, expected_arr, rtol=rtol, atol=atol, equal_nan=True)
    if not np.all(ok):
        i = np.unravel_index(np.argmin(ok), ok.shape) if ok.ndim else ()
        exp_v, act_v = expected_arr[i], actual_arr[i]
        place = f" at index {tuple(int(x) for x in i)}" if ok.ndim else ""
        raise NotYet(f"{what}{place}: expected {exp_v:.6g}, got {act_v:.6g}. {hint}".strip())
    diff = np.abs(actual_arr - expected_arr)
    return float(np.nanmax(diff)) if diff.size else 0.0


def call_student(function, name, *args):
    """Call a student's function; turn numpy's 'truth value of an array' error into advice."""
    try:
        return function(*args)
    except ValueError as err:
        if "truth value of an array" in str(err):
            raise NotYet(f"{name} receives arrays of shape (n,), one entry per neuron; 'if' on an array is "
                         "ambiguous. Use np.where(condition, value_if_true, value_if_false) instead.") from None
        raise


def as_float_array(value, what, shape, hint="Work on whole arrays with numpy operations (np.exp, not math.exp)."):
    """Turn a student's result into a float array of the given shape, or raise NotYet saying what was wrong."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise NotYet(f"{what} should be numbers; got {type(value).__name__}.") from None
    if arr.shape != shape:
        raise NotYet(f"{what} should have shape {shape} (one value per input), got shape {arr.shape}. {hint}")
    return arr


def as_number(value, what):
    """Turn a student's one-number result into a float, or raise NotYet saying one number was expected."""
    try:
        return float(np.asarray(value, dtype=float).reshape(()))
    except (TypeError, ValueError):
        raise NotYet(f"{what} should return one number; got {type(value).__name__} {value!r}.") from None


def results_json(records):
    """Serialise a list of check records (for tests and the grader)."""
    return json.dumps(records, indent=2)
