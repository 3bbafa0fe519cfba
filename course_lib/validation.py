"""Small argument checks shared by every model: each raises a ValueError that says what to change."""
import numpy as np


def require_positive(name, value, unit=""):
    """Raise ValueError unless every entry of value is a finite number > 0."""
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{name} must be positive (got {value} {unit}).".replace("  ", " ")
                         + f" Give {name} a value > 0{(' in ' + unit) if unit else ''}.")


def require_non_negative(name, value, unit=""):
    """Raise ValueError unless every entry of value is a finite number >= 0."""
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be zero or positive (got {value} {unit}).".replace("  ", " ")
                         + f" Give {name} a value >= 0{(' in ' + unit) if unit else ''}.")


def require_above(name_hi, hi, name_lo, lo, unit="mV"):
    """Raise ValueError unless hi > lo everywhere (e.g. threshold above reset)."""
    if np.any(np.asarray(hi, dtype=float) <= np.asarray(lo, dtype=float)):
        raise ValueError(f"{name_hi} ({hi} {unit}) must be above {name_lo} ({lo} {unit}). "
                         f"Raise {name_hi} or lower {name_lo}.")


def require_count(name, value, minimum=1):
    """Raise ValueError unless value is a whole number >= minimum (a count of trials, neurons, steps)."""
    try:
        whole = np.isscalar(value) and int(value) == value and value >= minimum
    except (TypeError, ValueError, OverflowError):          # a string, nan or infinity
        whole = False
    if not whole:
        raise ValueError(f"{name} must be a whole number >= {minimum} (got {value!r}).")


def require_in_range(name, value, lo, hi, unit=""):
    """Raise ValueError unless lo <= value <= hi everywhere."""
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr < lo) or np.any(arr > hi):
        raise ValueError(f"{name} must lie between {lo} and {hi} {unit} (got {value}).".replace("  ", " "))


def common_size(**arrays):
    """Return the number of neurons implied by scalar or 1-d parameters; ValueError if they disagree."""
    sizes = {name: np.size(a) for name, a in arrays.items() if np.ndim(a) > 0}
    for name, a in arrays.items():
        if np.ndim(a) > 1:
            raise ValueError(f"{name} has shape {np.shape(a)}; give a scalar or a 1-d array (one value per neuron).")
    distinct = set(sizes.values())
    if len(distinct) > 1:
        raise ValueError(f"per-neuron parameters have different lengths {sizes}; give them one common length.")
    return distinct.pop() if distinct else 1
