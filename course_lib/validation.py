"""Argument checks shared by every model and runner: each raises an error that names the argument,
says what is allowed and what to change, before anything runs.

Numbers must be finite (nan and inf are refused), counts whole, seeds usable by numpy; a run must
have at least one step and not so many that it would not finish (``MAX_STEPS``) or not fit in
memory. A wrong *type* (a string where a number belongs, an object that is not a model) raises
``InputTypeError``, which is both a ``TypeError`` and a ``ValueError``, so ``except ValueError``
catches every bad input.
"""
import os

import numpy as np

MAX_STEPS = 10_000_000   # steps in one run: at ~10 us per step of a Python loop, 1e7 steps take minutes
MAX_NEURONS = 100_000_000   # neurons (or synapses) in one state array: 1e8 numbers are 0.8 GB each


class InputTypeError(TypeError, ValueError):
    """An argument of the wrong kind (a string for a number, an object that is not a model, ...)."""


def _show(value):
    """A short description of value for an error message."""
    if isinstance(value, np.ndarray) and value.size > 6:
        return f"an array of shape {value.shape}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _in(unit):
    return f" in {unit}" if unit else ""


def as_numbers(name, value, unit=""):
    """value as a float array; InputTypeError naming name if it is not a number or an array of numbers."""
    if isinstance(value, (str, bytes, bool, np.bool_)) or value is None or callable(value):
        raise InputTypeError(f"{name} must be a number{_in(unit)} or an array of numbers (got {_show(value)}).")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):   # ragged lists
        raw = np.asarray(value, dtype=object)
    if raw.dtype.kind not in "iuf":
        raise InputTypeError(f"{name} must be a number{_in(unit)} or an array of numbers "
                             f"(got {_show(value)}, of type {type(value).__name__}).")
    return raw.astype(float)


def require_finite(name, value, unit=""):
    """Raise unless value is a number (or array of numbers) with no nan or inf; returns it as a float array."""
    arr = as_numbers(name, value, unit)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be a finite number{_in(unit)} (got {_show(value)}): "
                         f"nan and inf are not allowed.")
    return arr


def require_number(name, value, unit=""):
    """Raise unless value is a single finite number; returns it as a float."""
    arr = require_finite(name, value, unit)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a single number{_in(unit)}, not an array of shape {arr.shape}.")
    return float(arr)


def require_positive(name, value, unit=""):
    """Raise unless every entry of value is a finite number > 0."""
    arr = require_finite(name, value, unit)
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be positive (got {_show(value)}{' ' + unit if unit else ''}). "
                         f"Give {name} a value > 0{_in(unit)}.")
    return arr


def require_non_negative(name, value, unit=""):
    """Raise unless every entry of value is a finite number >= 0."""
    arr = require_finite(name, value, unit)
    if np.any(arr < 0):
        raise ValueError(f"{name} must be zero or positive (got {_show(value)}{' ' + unit if unit else ''}). "
                         f"Give {name} a value >= 0{_in(unit)}.")
    return arr


def require_above(name_hi, hi, name_lo, lo, unit="mV"):
    """Raise unless hi > lo everywhere (e.g. threshold above reset); both must be finite."""
    hi_arr, lo_arr = require_finite(name_hi, hi, unit), require_finite(name_lo, lo, unit)
    if np.any(hi_arr <= lo_arr):
        raise ValueError(f"{name_hi} ({_show(hi)} {unit}) must be above {name_lo} ({_show(lo)} {unit}). "
                         f"Raise {name_hi} or lower {name_lo}.")


def require_in_range(name, value, lo, hi, unit=""):
    """Raise unless lo <= value <= hi everywhere (value finite)."""
    arr = as_numbers(name, value, unit)
    if not np.all(np.isfinite(arr)) or np.any(arr < lo) or np.any(arr > hi):
        raise ValueError(f"{name} must lie between {lo} and {hi} {unit} (got {_show(value)}).".replace("  ", " "))
    return arr


def require_count(name, value, minimum=1, maximum=None):
    """Raise unless value is a whole number >= minimum (and <= maximum): a count of trials, neurons, steps."""
    if isinstance(value, (bool, np.bool_)) or not (np.isscalar(value) or np.ndim(value) == 0):
        raise InputTypeError(f"{name} must be a whole number >= {minimum} (got {_show(value)}).")
    try:
        whole = int(value) == value
    except (TypeError, ValueError, OverflowError):          # a string, nan or infinity
        raise InputTypeError(f"{name} must be a whole number >= {minimum} (got {_show(value)}).") from None
    if not whole:
        raise ValueError(f"{name} must be a whole number >= {minimum} (got {_show(value)}).")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}: a whole number >= {minimum} (got {_show(value)}).")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} = {value} is more than this function can handle ({maximum:.3g} at most).")
    return int(value)


def require_vector(name, value, unit="", min_size=0, allow_nan=False):
    """Raise unless value is a 1-d array (or list) of finite numbers with at least min_size entries; returns it.

    allow_nan: nan is accepted (e.g. a gap in a plotted curve); inf never is.
    """
    arr = as_numbers(name, value, unit)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-d array of numbers{_in(unit)} (got {_show(value)}, "
                         f"of shape {arr.shape}).")
    bad = np.isinf(arr) if allow_nan else ~np.isfinite(arr)
    if np.any(bad):
        raise ValueError(f"{name} must hold finite numbers{_in(unit)} (got {_show(value)}): "
                         f"{'inf is' if allow_nan else 'nan and inf are'} not allowed.")
    if arr.size < min_size:
        raise ValueError(f"{name} must hold at least {min_size} values (got {arr.size}).")
    return arr


def require_indices(name, value, n=None, ndim=1):
    """Raise unless value holds whole numbers >= 0 (and < n): neuron indices. Returns them as an integer array.

    Integer arrays are checked without a copy (connectivity arrays can hold 10^8 entries).
    """
    if isinstance(value, (str, bytes, bool, np.bool_)) or value is None or callable(value):
        raise InputTypeError(f"{name} must be neuron indices: whole numbers >= 0 (got {_show(value)}).")
    arr = np.asarray(value)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-d array of neuron indices (got {_show(value)}, "
                         f"of shape {arr.shape}).")
    if arr.dtype.kind == "f" or (arr.dtype.kind == "O" and arr.size == 0):
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(f"{name} must hold whole numbers (neuron indices), not {_show(value)}.")
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "iu":
        raise InputTypeError(f"{name} must be neuron indices: whole numbers >= 0 (got {_show(value)}).")
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} must hold indices >= 0 (got {int(arr.min())}).")
    if n is not None and arr.size and arr.max() >= n:
        raise ValueError(f"{name} must hold indices between 0 and {n - 1} (got {int(arr.max())}).")
    return arr


def require_window(t_start, t_stop, start_name="t_start", stop_name="t_stop"):
    """Raise unless t_start and t_stop are finite numbers (ms) with t_stop > t_start; returns both as floats."""
    t_start, t_stop = require_number(start_name, t_start, "ms"), require_number(stop_name, t_stop, "ms")
    if t_stop <= t_start:
        raise ValueError(f"{stop_name} ({t_stop:g} ms) must be after {start_name} ({t_start:g} ms): the window "
                         f"[{start_name}, {stop_name}) would be empty.")
    return t_start, t_stop


def require_mapping(name, value, keys=(), finite=True):
    """Raise unless value is a dict holding the given keys (with finite numbers if finite); returns it."""
    if not isinstance(value, dict):
        raise InputTypeError(f"{name} must be a dict (got {_show(value)}, of type {type(value).__name__}).")
    missing = [key for key in keys if key not in value]
    if missing:
        raise ValueError(f"{name} must have the keys {list(keys)}; missing {missing}.")
    if finite:
        for key, entry in value.items():
            require_finite(f"{name}[{key!r}]", entry)
    return value


def require_choice(name, value, choices):
    """Raise unless value is one of choices (e.g. a gate name)."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)} (got {_show(value)}).")
    return value


def require_seed(name, seed):
    """Raise unless seed is None, a whole number >= 0 or a numpy Generator / SeedSequence / BitGenerator."""
    if seed is None or isinstance(seed, (np.random.Generator, np.random.SeedSequence, np.random.BitGenerator)):
        return seed
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, (bool, np.bool_)):
        if seed < 0:
            raise ValueError(f"{name} must be a whole number >= 0, None or a numpy Generator (got {seed}).")
        return seed
    if isinstance(seed, (list, tuple)) and seed and all(isinstance(s, (int, np.integer)) and s >= 0 for s in seed):
        return seed                       # numpy accepts a sequence of whole numbers as entropy
    raise InputTypeError(f"{name} must be a whole number >= 0, None or a numpy Generator "
                         f"(np.random.default_rng(...)); got {_show(seed)}.")


def require_model(name, value, needs=("initial_state", "step", "max_dt")):
    """Raise InputTypeError unless value is a model object with the given attributes."""
    missing = [attr for attr in needs if not hasattr(value, attr)]
    if missing:
        raise InputTypeError(f"{name} must be a model object such as LIF() (got {_show(value)}, "
                             f"of type {type(value).__name__}, without {', '.join(missing)}).")
    return value


def require_instance(name, value, types):
    """Raise InputTypeError unless value is an instance of one of types (a class or a tuple of classes)."""
    types = types if isinstance(types, tuple) else (types,)
    if not isinstance(value, types):
        names = " or ".join(t.__name__ for t in types)
        raise InputTypeError(f"{name} must be a {names} (got {_show(value)}, of type {type(value).__name__}).")
    return value


def require_steps(t_stop, dt, max_steps=None, name="t_stop"):
    """Number of steps round(t_stop / dt) of a run, after checking both: at least one, at most MAX_STEPS.

    name: what the caller calls its duration (messages use it), e.g. "t_max".
    """
    t_stop = require_number(name, t_stop, "ms")
    dt = require_number("dt", dt, "ms")
    if dt <= 0:
        raise ValueError(f"dt must be positive (got {dt!r}): give the time step in ms, > 0.")
    if t_stop <= 0:
        raise ValueError(f"{name} must be a positive duration in ms (got {t_stop!r}).")
    n_steps = int(round(t_stop / dt))
    if n_steps < 1:
        raise ValueError(f"{name} = {t_stop} ms is shorter than one step dt = {dt} ms: the run would have no "
                         f"steps. Make {name} >= dt.")
    limit = MAX_STEPS if max_steps is None else max_steps
    if n_steps > limit:
        raise ValueError(f"{name} / dt = {t_stop:g} / {dt:g} = {n_steps:.3g} steps: more than {limit:.0e}, which would "
                         f"run for hours. Use a larger dt or a shorter {name} "
                         f"(or raise course_lib.validation.MAX_STEPS if you really mean it).")
    return n_steps


def available_memory_bytes():
    """Memory this machine can still give (bytes): MemAvailable on Linux, else the free physical pages."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 2 ** 34


RECORDING_ADVICE = "Record fewer neurons or steps (a shorter t_stop, a larger dt) or fewer traces."


def require_memory(what, n_values, bytes_per_value=8, advice=RECORDING_ADVICE):
    """Raise before allocating n_values numbers for `what` if they would take more than half the free memory."""
    needed = float(n_values) * bytes_per_value
    free = available_memory_bytes()
    if needed > 0.5 * free:
        raise ValueError(f"{what} would need {needed / 1e9:.3g} GB of memory ({n_values:.3g} values), but only "
                         f"{free / 1e9:.3g} GB are free. {advice}")


def common_size(**arrays):
    """Return the number of neurons implied by scalar or 1-d parameters; ValueError if they disagree."""
    sizes = {name: np.size(a) for name, a in arrays.items() if np.ndim(a) > 0}
    for name, a in arrays.items():
        if np.ndim(a) > 1:
            raise ValueError(f"{name} has shape {np.shape(a)}; give a scalar or a 1-d array (one value per neuron).")
    for name, a in arrays.items():
        if np.ndim(a) == 1 and np.size(a) == 0:
            raise ValueError(f"{name} is an empty array; give a number or one value per neuron.")
    distinct = set(sizes.values())
    if len(distinct) > 1:
        raise ValueError(f"per-neuron parameters have different lengths {sizes}; give them one common length.")
    return distinct.pop() if distinct else 1

