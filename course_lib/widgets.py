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
when the slider is released (continuous_update=False), so dragging never freezes the page.

The explorer also carries a static copy of its default figure: the cell's stored output holds the
live widget and a PNG of the figure at the default values. A front end without a kernel or widget
state (a notebook opened before running, GitHub, an untrusted notebook in JupyterLab) shows the PNG;
a live kernel, and a slide deck built from the saved widget state, show the widget. The first draw is
rendered once and used for both, so this costs no extra drawing.
"""
import matplotlib.pyplot as plt

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

    def redraw(**values):
        fig = draw(**values)
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
    box.children = header + [widgets.HBox(list(sliders.values()), layout={"flex_flow": "row wrap"}), output]
    box.add_class("course-explorer")
    box.controls = sliders
    return box
