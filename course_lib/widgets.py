"""One helper, ``explorer``, that turns a drawing function into a slider explorer.

    def draw(current_pa=300.0, tau_m=20.0):
        fig, ax = plt.subplots()
        ...
        return fig

    explorer(draw, {"current_pa": (0, 800, 10, 300, "I (pA)"),
                    "tau_m": (5, 40, 1, 20, "tau_m (ms)")}, title="LIF explorer")

Each control is a tuple (min, max, step, default[, label]) for a float slider, a list of options
for a dropdown, or any ipywidgets widget. The figure is redrawn whenever a control changes.
Set ``slow=True`` for drawings that take more than about half a second: the figure then updates
when the slider is released (continuous_update=False), so dragging never freezes the page.
"""
import matplotlib.pyplot as plt

CONTROL_STYLE = {"description_width": "initial"}
SLIDER_LAYOUT = {"width": "420px"}


def make_control(name, spec, slow=False):
    """Build one widget from a control spec (see module doc)."""
    import ipywidgets as widgets
    if isinstance(spec, widgets.Widget):
        return spec
    if isinstance(spec, list):
        return widgets.Dropdown(options=spec, value=spec[0], description=name, style=CONTROL_STYLE)
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


def explorer(draw, controls, title="", slow=False):
    """Return a widget: title, the controls, and the figure draw(**values) redrawn on every change."""
    import ipywidgets as widgets
    sliders = {name: make_control(name, spec, slow) for name, spec in controls.items()}

    def redraw(**values):
        fig = draw(**values)
        if fig is not None:
            plt.show()

    output = widgets.interactive_output(redraw, sliders)
    header = [widgets.HTML(f"<b>{title}</b>")] if title else []
    box = widgets.VBox(header + [widgets.HBox(list(sliders.values()),
                                              layout={"flex_flow": "row wrap"}), output])
    box.add_class("course-explorer")
    box.controls = sliders
    return box
