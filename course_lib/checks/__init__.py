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

Three safeguards make a pass mean something (COURSE.md section 16):

* **Randomised cases.** Besides its fixed cases (each chosen to expose one mistake), a check draws
  cases from ``case_rng()``: fresh ones at every run in a notebook, and one seed per grading run in
  the grader (``set_case_seed``; ``COURSE_CHECK_SEED`` fixes it, e.g. in tests), so answers that
  memorise the fixed cases fail.
* **The student's own work.** The student's function runs under a tracer (``remote.traced_call``,
  sys.settrace) that records every course_lib function it enters. A check may name library
  functions the answer must not use (``forbid``: the library's own version of the task, or its
  theory formula) or must use (``require``: "find it by simulation"); course_lib's checks package
  itself is always forbidden, so a check called on a reference function fails.
* **Run by the grader.** ``python -m course_lib.grade`` calls the checks in its own process and
  the student's functions in the student's kernel (``checks.remote``), so nothing a notebook does to
  its own copy of course_lib or numpy reaches the check.
"""
import contextlib
import functools
import html
import json
import os
import secrets
import traceback
import zlib

import numpy as np

from . import remote

CHECK_MIME = "application/vnd.course-check+json"
LIBRARY_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # the course_lib directory
_SETTINGS = {"quiet": False, "seed": None}
_CURRENT_TASK = [""]


class NotYet(Exception):
    """Raised inside a check when the student's answer differs; the message is shown to them."""


class CheckRecord(dict):
    """A check's result record (a plain dict to code); shows nothing in Jupyter, since publish showed its line."""

    def _ipython_display_(self):
        pass


# --------------------------------------------------------------------------------------------
# settings: quiet (the grader), the seed of the randomised cases, raising (nbgrader)
# --------------------------------------------------------------------------------------------

@contextlib.contextmanager
def quiet():
    """Within this block checks show nothing and never raise; they only return their records (the grader)."""
    before = _SETTINGS["quiet"]
    _SETTINGS["quiet"] = True
    try:
        yield
    finally:
        _SETTINGS["quiet"] = before


def set_case_seed(seed):
    """Fix the seed of every check's randomised cases (None: fresh cases at every run)."""
    _SETTINGS["seed"] = None if seed is None else int(seed)


def case_seed():
    """The seed in force: set_case_seed, else COURSE_CHECK_SEED, else None (fresh cases each run)."""
    if _SETTINGS["seed"] is not None:
        return _SETTINGS["seed"]
    env = os.environ.get("COURSE_CHECK_SEED", "").strip()
    return int(env) if env else None


def case_rng(salt=""):
    """Random generator for a check's randomised cases: one stream per task (and salt) and seed."""
    seed = case_seed()
    if seed is None:
        seed = secrets.randbits(63)
    return np.random.default_rng([seed, zlib.crc32(f"{_CURRENT_TASK[0]}|{salt}".encode())])


def _raise_on_failure():
    """COURSE_CHECKS_RAISE=1: a check that did not pass raises AssertionError after its line (nbgrader)."""
    return os.environ.get("COURSE_CHECKS_RAISE", "").strip() not in ("", "0") and not _SETTINGS["quiet"]


def publish(task, status, message, points=1):
    """Show one result line and attach its machine-readable record; returns the record."""
    record = CheckRecord(task=task, status=status, passed=status == "passed",
                         points=points if status == "passed" else 0, max_points=points, message=message)
    if _SETTINGS["quiet"]:
        return record
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
    if status != "passed" and _raise_on_failure():
        raise AssertionError(line)
    return record


# --------------------------------------------------------------------------------------------
# the student's function, called through a tracer
# --------------------------------------------------------------------------------------------

class StudentError(Exception):
    """Base of exceptions that stand for one raised by student code in another process."""
    where = ""


class StudentTimeout(StudentError):
    """The student's function did not return in time (the grader interrupted it)."""


class StudentCrash(StudentError):
    """The student's process ended (or stopped answering) while their function ran."""


class StudentFunction:
    """A student's function called in this process under the profiler of remote.traced_call.

    Calling it returns what the function returns; ``library_calls`` collects (path, qualified name)
    of every course_lib function entered, ``observed`` turns False if the tracer was tampered with.
    The grader's ``RemoteFunction`` offers the same interface for a function in another process.
    """

    def __init__(self, function, name=None):
        self.function = function
        self.__name__ = name or getattr(function, "__name__", "your function")
        self.library_calls = set()
        self.observed = True

    def _call(self, args, kwargs, measure):
        intact = remote.profiler_intact()
        outcome, calls, peak_mb, observed = remote.traced_call(self.function, args, kwargs, LIBRARY_ROOT,
                                                               measure_memory=measure)
        self.library_calls |= calls
        self.observed = self.observed and observed and intact
        if outcome[0] == "error":
            raise outcome[1]
        return outcome[1], peak_mb

    def __call__(self, *args, **kwargs):
        return self._call(args, kwargs, False)[0]

    def peak_memory_mb(self, *args, **kwargs):
        """(result, peak memory in MB allocated during the call, as tracemalloc sees it)."""
        return self._call(args, kwargs, True)


def peak_memory_mb(function, *args):
    """Run a student's function and return (result, peak MB of memory it allocated)."""
    if hasattr(function, "peak_memory_mb"):
        return function.peak_memory_mb(*args)
    return StudentFunction(function).peak_memory_mb(*args)


def _is_student_function(value):
    return hasattr(value, "library_calls") and hasattr(value, "observed")


def _spec(item):
    """(relative path or directory/, qualified name or '*') of a library function, class or module."""
    if isinstance(item, str):
        path, _, qual = item.partition(":")
        return path, qual or "*"
    obj = getattr(item, "__func__", item)
    obj = getattr(obj, "fget", obj)
    if hasattr(obj, "__code__"):
        code = obj.__code__
        return (os.path.relpath(code.co_filename, LIBRARY_ROOT).replace(os.sep, "/"),
                getattr(code, "co_qualname", code.co_name))
    if isinstance(obj, type):
        module = __import__(obj.__module__, fromlist=["_"])
        return os.path.relpath(module.__file__, LIBRARY_ROOT).replace(os.sep, "/"), obj.__qualname__ + ".*"
    path = os.path.relpath(obj.__file__, LIBRARY_ROOT).replace(os.sep, "/")
    if path.endswith("__init__.py"):
        return path[: -len("__init__.py")], "*"
    return path, "*"


def _matches(call, spec):
    path, qual = call[0], call[1]
    spec_path, spec_qual = spec
    if spec_path.endswith("/"):
        if not path.startswith(spec_path):
            return False
    elif path != spec_path:
        return False
    if spec_qual == "*":
        return True
    if spec_qual.endswith(".*"):
        return qual.startswith(spec_qual[:-1])
    return qual == spec_qual or (("." not in qual) and qual == spec_qual.rsplit(".", 1)[-1])


def library_name(call):
    """Dotted name of a recorded library function: ('theory/single_neuron.py', 'lif_rate_hz', ...) -> ..."""
    path, qual = call[0], call[1]
    module = "course_lib." + path[:-3].replace("/", ".") if path.endswith(".py") else "course_lib." + path
    module = module.removesuffix(".__init__")
    return f"{module}.{qual}"


ALWAYS_FORBIDDEN = ("checks/", "*")   # the checks package: its reference functions are the answers


def rule_problem(functions, forbid=(), require=(), require_what=""):
    """A NotYet message if a student function broke the task's rules on library use, else ''."""
    functions = [f for f in functions if _is_student_function(f)]
    if not functions:
        return ""
    calls = set().union(*(f.library_calls for f in functions))
    if not all(f.observed for f in functions):
        return ("the grader could not watch your function run (Python's tracer was replaced or switched "
                "off while it ran), so it cannot tell whether the work is yours. Remove the code that changes "
                "sys.settrace/sys.setprofile and run the check again.")
    specs = [ALWAYS_FORBIDDEN] + [_spec(item) for item in forbid]
    found = [c for c in calls if any(_matches(c, s) for s in specs)]
    direct = sorted({library_name(c) for c in found if len(c) < 3 or c[2]})          # called by the student's code
    used = direct or sorted({library_name(c) for c in found})
    used = [name for name in used if "<" not in name and not name.endswith("__")] or used   # their owners
    if used:
        return (f"your answer agrees, but it calls course_lib's own {', '.join(used[:3])}: this task asks you to "
                "write that part yourself (with numpy), not to call the library's version of it.")
    if require and not any(_matches(c, _spec(item)) for c in calls for item in require):
        return (f"your answer agrees, but your function never ran {require_what or 'the simulation it asks for'}: "
                "this task asks you to find the answer by simulation, not from a formula or typed-in numbers.")
    return ""


def _describe_exception(err):
    """One line naming an exception raised by student code and where it came from."""
    if isinstance(err, StudentTimeout):
        return f"your function did not finish in time: {err}"
    if isinstance(err, StudentCrash):
        return f"your function ended the Python process that ran it: {err}"
    if isinstance(err, StudentError):
        return f"your code raised {type(err).__name__}: {err}{err.where}"
    frames = traceback.extract_tb(err.__traceback__)
    frames = [f for f in frames if not f.filename.startswith(LIBRARY_ROOT + os.sep + "checks")] or frames
    where = f" (line {frames[-1].lineno} of {frames[-1].name})" if frames else ""
    return f"your code raised {type(err).__name__}: {err}{where}"


def check(task, points=1, forbid=(), require=(), require_what=""):
    """Decorator for a check function: turns its outcome into one published line (see module doc).

    forbid: course_lib functions, classes or modules the student's function must not call (the
    library's own answer); require: ones it must call at least once (a simulation), described in
    messages as require_what. The checks package is always forbidden.
    """
    def wrap(body):
        @functools.wraps(body)
        def run(*args, **kwargs):
            if any(a is Ellipsis or a is None for a in args):
                return publish(task, "not implemented yet", "the answer is still a placeholder; "
                               "fill in the cell marked YOUR CODE HERE and run it", points)
            students = [a if _is_student_function(a) or not callable(a) else StudentFunction(a) for a in args]
            before = _CURRENT_TASK[0]
            _CURRENT_TASK[0] = task
            try:
                message = body(*students, **kwargs)
            except NotImplementedError:
                return publish(task, "not implemented yet",
                               "fill in the cell marked YOUR CODE HERE (and remove the raise line), then run it",
                               points)
            except NotYet as err:
                return publish(task, "not yet", str(err), points)
            except Exception as err:  # a student's bug must not end as a traceback
                return publish(task, "not yet", _describe_exception(err) + ". Read the error, fix, rerun.", points)
            finally:
                _CURRENT_TASK[0] = before
            problem = rule_problem(students, forbid, require, require_what)
            if problem:
                return publish(task, "not yet", problem, points)
            return publish(task, "passed", message or "all cases agree", points)
        run.task = task
        run.points = points
        run.forbid, run.require = tuple(forbid), tuple(require)
        return run
    return wrap


def as_tuple(out, count, what, names=""):
    """A student's several results (a tuple or a list of `count` items), or NotYet saying what came back."""
    if isinstance(out, (tuple, list)) and len(out) == count:
        return tuple(out)
    if isinstance(out, np.ndarray) and out.ndim >= 1 and out.shape[0] == count and out.dtype != object:
        return tuple(out)
    length = f" of length {len(out)}" if isinstance(out, (tuple, list)) else ""
    word = {2: "two", 3: "three", 4: "four"}.get(count, str(count))
    raise NotYet(f"{what} should return {word} things{f' ({names})' if names else ''}, e.g. as a tuple; got "
                 f"{type(out).__name__}{length}.")


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
