"""One helper, ``explorer``, that turns a drawing function into a slider explorer.

    def draw(current_pa=300.0, tau_m=20.0):
        fig, ax = plt.subplots()
        ...
        return fig

    explorer(draw, {"current_pa": (0, 800, 10, 300, "I (pA)"),
                    "tau_m": (5, 40, 1, 20, "tau_m (ms)")}, title="LIF explorer")

Each control is a tuple (min, max, step, default[, label]) for a float slider, a list of options
for a dropdown (it starts on the drawing function's default for that parameter if that is one of
the options, else on the first), or any ipywidgets widget. The figure is redrawn whenever a
control changes.
Set ``slow=True`` for drawings that take more than about half a second: the figure then updates
when the slider is released (continuous_update=False), so dragging never freezes the page, and a
"computing ..." note shows beside the controls while the figure is being redrawn.

The explorer also carries a static copy of its default figure: the cell's stored output holds the
live widget and a PNG of the figure at the default values. A front end without a kernel or widget
state (a notebook opened before running, GitHub, an untrusted notebook in JupyterLab) shows the PNG;
a live kernel, and a slide deck built from the saved widget state, show the widget. The first draw is
rendered once and used for both, so this costs no extra drawing.

Corner check: with the environment variable COURSE_EXPLORER_CORNERS set (the test suite sets it for
the lecture notebooks), ``explorer`` also draws the figure at the corners of its controls' ranges
(``corner_values``): set to "check", it raises if a draw fails, warns or shows NaN; set to a file path, it
appends one JSON line per draw with its time and any problem instead (``benchmarks/explorers.py``).
Each corner's figure is also rendered to a PNG as the notebook would show it (``render_png``): the time
of a draw is the whole answer to a slider move in the kernel, and an error that only rendering meets (a
label that is not valid mathtext) is caught too.
"""
import io
import itertools
import json
import os
import re
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np

CORNERS_ENV = "COURSE_EXPLORER_CORNERS"
MAX_CORNER_DRAWS = 16

BUSY_HTML = "<i>&#8987; computing ...</i>"   # shown beside a slow explorer's controls while it redraws

CONTROL_STYLE = {"description_width": "initial"}
SLIDER_LAYOUT = {"width": "420px"}


def make_control(name, spec, slow=False, default=None):
    """Build one widget from a control spec (see module doc).

    A dropdown starts on `default` when it is one of its options (explorer passes the default of the
    drawing function's parameter), else on its first option.
    """
    import ipywidgets as widgets
    if isinstance(spec, widgets.Widget):
        return spec
    if isinstance(spec, list):
        value = default if default is not None and default in spec else spec[0]
        return widgets.Dropdown(options=spec, value=value, description=name, style=CONTROL_STYLE)
    if not isinstance(spec, tuple) or len(spec) not in (4, 5):
        raise ValueError(f"control '{name}': give (min, max, step, default[, label]), a list of options, "
                         f"or a widget; got {spec!r}.")
    low, high, step, value = spec[:4]
    if not low <= value <= high:
        raise ValueError(f"control '{name}': default {value} lies outside [{low}, {high}].")
    label = spec[4] if len(spec) == 5 else name
    return widgets.FloatSlider(min=low, max=high, step=step, value=value, description=label,
                               continuous_update=not slow, style=CONTROL_STYLE, layout=SLIDER_LAYOUT,
                               readout_format=".3g")


def figure_bundle(fig):
    """The display data of a figure as the running front end would show it ({} outside IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return {}, {}
    shell = get_ipython()
    if shell is None:
        return {}, {}
    data, metadata = shell.display_formatter.format(fig)
    return data, metadata


def render_png(fig):
    """Render fig to PNG bytes as the notebook's inline backend does (figure dpi, tight bounding box)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, bbox_inches="tight", facecolor=fig.get_facecolor())
    return buffer.getvalue()


def _parameter_defaults(draw):
    """{parameter: default} of a drawing function ({} if its signature cannot be read)."""
    import inspect
    try:
        parameters = inspect.signature(draw).parameters.values()
    except (TypeError, ValueError):
        return {}
    return {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}


_BOX_CLASS = None


def _explorer_box_class():
    """A VBox whose display also offers a static PNG of the default figure (made once, on first use)."""
    global _BOX_CLASS
    if _BOX_CLASS is None:
        import ipywidgets as widgets

        class ExplorerBox(widgets.VBox):
            static_figure = None    # {"image/png": ...} of the default figure, or None
            explorer_title = ""

            def __repr__(self):
                return f"Explorer '{self.explorer_title}' (run the notebook to move its controls)"

            def _repr_mimebundle_(self, **kwargs):
                data = super()._repr_mimebundle_(**kwargs)
                if data is not None and self.static_figure:
                    data = {**self.static_figure, **data}
                return data

        _BOX_CLASS = ExplorerBox
    return _BOX_CLASS


def explorer(draw, controls, title="", slow=False):
    """Return a widget: title, the controls, and the figure draw(**values) redrawn on every change.

    The widget's display also carries a PNG of the figure at the default values (see module doc).
    """
    import ipywidgets as widgets
    from IPython.display import display
    defaults = _parameter_defaults(draw)
    sliders = {name: make_control(name, spec, slow, defaults.get(name)) for name, spec in controls.items()}
    box = _explorer_box_class()()
    box.explorer_title = title
    box.status = widgets.HTML("")   # BUSY_HTML while a slow explorer redraws, else empty

    def redraw(**values):
        if slow:
            box.status.value = BUSY_HTML
        try:
            fig = draw(**values)
        finally:
            box.status.value = ""
        if fig is None:
            return
        if box.static_figure is None:            # the default view: render it once, keep a copy
            data, metadata = figure_bundle(fig)
            if "image/png" in data:
                box.static_figure = {"image/png": data["image/png"]}
                display(data, metadata=metadata, raw=True)
                plt.close(fig)
                return
            box.static_figure = {}
        plt.show()

    output = widgets.interactive_output(redraw, sliders)
    header = [widgets.HTML(f"<b>{title}</b>")] if title else []
    row = list(sliders.values()) + ([box.status] if slow else [])
    box.children = header + [widgets.HBox(row, layout={"flex_flow": "row wrap"}), output]
    box.add_class("course-explorer")
    box.controls = sliders
    if os.environ.get(CORNERS_ENV):
        check_corners(draw, sliders, title, os.environ[CORNERS_ENV])
    return box


def control_ends(control):
    """The values a corner check tries for one widget: a slider's two ends, a dropdown's options."""
    if hasattr(control, "options"):   # options are values, or (label, value) pairs
        return [o[1] if isinstance(o, tuple) and len(o) == 2 else o for o in control.options]
    if hasattr(control, "min") and hasattr(control, "max"):
        return [control.min, control.max]
    return [control.value]


def corner_values(controls, max_draws=MAX_CORNER_DRAWS):
    """Control values to draw at: the defaults, then every combination of each control's ends if
    there are at most max_draws of them, else each control alone at each end plus all-low and all-high."""
    names = list(controls)
    defaults = {name: controls[name].value for name in names}
    ends = [control_ends(controls[name]) for name in names]
    combinations = list(itertools.product(*ends))
    if len(combinations) > max_draws:
        single = [dict(defaults, **{name: value}) for name, options in zip(names, ends) for value in options]
        combinations = [tuple(c[n] for n in names) for c in single]
        combinations += [tuple(options[0] for options in ends), tuple(options[-1] for options in ends)]
    corners = [defaults] + [dict(zip(names, values)) for values in combinations]
    unique = []
    for values in corners:
        if values not in unique:
            unique.append(values)
    return unique


def figure_problem(fig):
    """'' if a drawn figure looks sound; else what is wrong (no axes, a curve all NaN, 'nan' in a text)."""
    if fig is None:
        return ""
    if not fig.axes:
        return "the figure has no axes"
    for ax in fig.axes:
        for line in ax.lines:
            y = np.asarray(line.get_ydata(), dtype=float)
            if y.size and not np.isfinite(y).any():
                return f"the curve '{line.get_label()}' in '{ax.get_title()}' is all NaN or inf"
        texts = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()] + [t.get_text() for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            texts += [t.get_text() for t in legend.get_texts()]
        for text in texts:
            if re.search(r"\bnan\b|\binf\b", text, flags=re.IGNORECASE):
                return f"a text of the figure reads '{text}'"
    return ""


def check_corners(draw, controls, title="", record_path="check"):
    """Draw at every corner_values point; raise RuntimeError listing the failures, or record every draw
    in the file record_path instead (see module doc)."""
    problems, records = [], []
    for values in corner_values(controls):
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fig = draw(**values)
                problem = figure_problem(fig)
                if fig is not None:
                    render_png(fig)
            except Exception as err:   # noqa: BLE001 - every failure is reported with its values
                fig, problem = None, f"{type(err).__name__}: {err}"
        seconds = time.perf_counter() - start
        if caught and not problem:   # a student would see the warning printed under the figure
            problem = f"{caught[0].category.__name__}: {caught[0].message}"
        if fig is not None:
            plt.close(fig)
        records.append({"title": title, "values": values, "seconds": round(seconds, 4), "problem": problem})
        if problem:
            problems.append(f"at {values}: {problem}")
    if record_path != "check":
        with open(record_path, "a", encoding="utf-8") as out:
            for record in records:
                out.write(json.dumps(record, default=str) + "\n")
    elif problems:
        raise RuntimeError(f"explorer '{title}' fails at {len(problems)} of {len(records)} corners:\n"
                           + "\n".join(problems))
