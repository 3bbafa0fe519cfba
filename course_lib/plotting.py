"""Plot helpers: one projector-friendly style, raster plots and labelled axes.

Call ``use_course_style()`` once at the top of a notebook. Figures then have large fonts,
a moderate dpi (small notebook files) and a colour-blind-safe palette.
"""
import matplotlib as mpl
import numpy as np

from .validation import (InputTypeError, require_count, require_indices, require_mapping,
                         require_positive, require_vector)


def _axes(ax):
    """Raise InputTypeError unless ax is a matplotlib Axes (fig, ax = plt.subplots())."""
    from matplotlib.axes import Axes
    if not isinstance(ax, Axes):
        raise InputTypeError(f"ax must be a matplotlib Axes, e.g. from fig, ax = plt.subplots() "
                             f"(got {ax!r:.60}, of type {type(ax).__name__}).")
    return ax


def _curve(name_x, x, name_y, y):
    """x and y as 1-d arrays of numbers of the same length (nan allowed: a gap in the curve)."""
    x, y = require_vector(name_x, x, allow_nan=True), require_vector(name_y, y, allow_nan=True)
    if x.shape != y.shape:
        raise ValueError(f"{name_x} and {name_y} must have the same length (got {x.size} and {y.size}).")
    return x, y

COLORS = {"E": "#d62728", "I": "#1f77b4", "ext": "#2ca02c", "theory": "k", "sim": "#ff7f0e"}


def use_course_style():
    """Set matplotlib defaults for the course: readable from the back of a lecture hall."""
    mpl.rcParams.update({
        "figure.figsize": (8, 4.5), "figure.dpi": 80, "savefig.dpi": 80,
        "font.size": 13, "axes.titlesize": 14, "axes.labelsize": 13, "legend.fontsize": 11,
        "axes.spines.top": False, "axes.spines.right": False, "axes.grid": False,
        "lines.linewidth": 2.0, "figure.constrained_layout.use": True,
        "axes.prop_cycle": mpl.cycler(color=["#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                             "#E69F00", "#56B4E9", "#F0E442", "#000000"]),
    })


def label(ax, xlabel, ylabel, title=None):
    """Label both axes (units in the label text) and optionally set a title."""
    _axes(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return ax


def raster(ax, times_ms, indices, color="k", markersize=1.5, label_text=None, max_spikes=200_000):
    """Spike raster: one dot per spike at (time in ms, neuron index); thins very dense rasters.

    No spikes draw an empty raster (with its labels).
    """
    _axes(ax)
    times_ms, indices = require_vector("times_ms", times_ms, "ms"), require_indices("indices", indices)
    if times_ms.shape != indices.shape:
        raise ValueError(f"times_ms {times_ms.shape} and indices {indices.shape} must have the same shape "
                         f"(one index per spike).")
    require_positive("markersize", markersize)
    max_spikes = require_count("max_spikes", max_spikes)
    if times_ms.size > max_spikes:
        keep = np.linspace(0, times_ms.size - 1, max_spikes).astype(int)
        times_ms, indices = times_ms[keep], indices[keep]
    ax.plot(times_ms, indices, ".", color=color, markersize=markersize, label=label_text, rasterized=True)
    label(ax, "time (ms)", "neuron index")
    return ax


def theory_vs_simulation(ax, x_theory, y_theory, x_sim, y_sim, theory_label="theory",
                         sim_label="simulation"):
    """Draw a theory curve (line) with simulated points (markers) over it; nan leaves a gap (no point)."""
    _axes(ax)
    _curve("x_theory", x_theory, "y_theory", y_theory)
    _curve("x_sim", x_sim, "y_sim", y_sim)
    ax.plot(x_theory, y_theory, "-", color=COLORS["theory"], label=theory_label)
    ax.plot(x_sim, y_sim, "o", color=COLORS["sim"], label=sim_label, markersize=6)
    ax.legend()
    return ax


#: One colour per network state (analysis.network_state), colour-blind safe (Okabe & Ito), fixed across chapters.
STATE_COLORS = {"silent": "#DDDDDD", "AI": "#009E73", "AR": "#F0E442", "SR": "#CC79A7",
                "SI fast": "#D55E00", "SI slow": "#0072B2"}


def state_map(ax, x_values, y_values, states, colors=None, legend=True):
    """Coloured cells of a classified grid: states[i][j] at (x_values[i], y_values[j]) (axis units).

    x_values and y_values: increasing grid values, at least one each.
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch
    _axes(ax)
    colors = STATE_COLORS if colors is None else require_mapping("colors", colors, finite=False)
    x, y = require_vector("x_values", x_values, min_size=1), require_vector("y_values", y_values, min_size=1)
    for name, v in (("x_values", x), ("y_values", y)):
        if np.any(np.diff(v) <= 0):
            raise ValueError(f"{name} must increase (got {v}): sort the grid values.")
    states = np.asarray(states)
    if states.dtype.kind not in "UO":
        raise InputTypeError(f"states must be state names such as 'AI' (got {states!r:.60}).")
    if states.shape != (x.size, y.size):
        raise ValueError(f"states has shape {states.shape}; expected (len(x_values), len(y_values)) "
                         f"= {(x.size, y.size)}.")
    unknown = set(states.ravel()) - set(colors)
    if unknown:
        raise ValueError(f"no colour for the states {sorted(unknown)}; pass colors with an entry for each.")

    def edges(v):  # midpoints inside, half a neighbouring step outside (a single value gets a unit-wide cell)
        step = np.diff(v) if v.size > 1 else np.ones(1)
        return np.concatenate([[v[0] - step[0] / 2], (v[1:] + v[:-1]) / 2, [v[-1] + step[-1] / 2]])

    names = list(colors)
    codes = np.vectorize(names.index)(states)
    ax.pcolormesh(edges(x), edges(y), codes.T, cmap=ListedColormap([colors[s] for s in names]),
                  vmin=-0.5, vmax=len(names) - 0.5, edgecolors="white", linewidth=0.5)
    if legend is not False:       # True: the states present; or the names to list (several maps side by side)
        listed = set(states.ravel()) if legend is True else set(legend)
        ax.legend(handles=[Patch(facecolor=colors[s], edgecolor="k", label=s) for s in names if s in listed],
                  loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, title="state")
    return ax
