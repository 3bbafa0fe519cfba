"""Where an explorer's draw spends its time: the model (course_lib), the figure (matplotlib) or the cell.

A sampling profiler small enough to read: while the draw runs in the main thread, a second thread
looks at the main thread's call stack every few milliseconds and notes which library the draw has
called into. Sampling adds about 1 % to the draw (cProfile would slow Python loops two-fold and so
over-weight the simulation).

benchmarks/explorers.py runs `install()` in each lecture's kernel before the lecture: every explorer
then also records, once, the split of one extra draw at its default values.
"""
import json
import sys
import threading
import time

SAMPLE_S = 0.002


def category(filename):
    """The part of the answer a source file belongs to: 'model', 'figure' or 'other'."""
    path = filename.replace("\\", "/")
    if "/course_lib/" in path and not path.endswith("/widgets.py"):
        return "model"
    if "/matplotlib/" in path or "/mpl_toolkits/" in path or "/PIL/" in path:
        return "figure"
    return "other"


def callee_category(frame, draw_code, render_code=None):
    """Category of the first library frame below the draw's own frame ('cell' if the draw is running its own lines);
    'figure' while the drawn figure is being rendered (a frame of render_code on the stack)."""
    stack = []
    while frame is not None:
        stack.append(frame)
        frame = frame.f_back
    stack.reverse()                                   # outermost first
    below = [i for i, f in enumerate(stack) if f.f_code is draw_code]
    if not below:
        return "figure" if render_code is not None and any(f.f_code is render_code for f in stack) else None
    for f in stack[below[-1] + 1:]:
        kind = category(f.f_code.co_filename)
        if kind != "other":
            return kind
    return "cell" if below[-1] == len(stack) - 1 else "other"


def time_split(draw, values):
    """Run draw(**values) and render its figure (as a slider move does); return (seconds, {category: share of
    samples}) and close the figure."""
    import matplotlib.pyplot as plt
    from course_lib.widgets import render_png
    main = threading.main_thread().ident
    counts, done = {}, threading.Event()

    def sample():
        while not done.is_set():
            frame = sys._current_frames().get(main)
            kind = callee_category(frame, draw.__code__, render_png.__code__) if frame is not None else None
            if kind:
                counts[kind] = counts.get(kind, 0) + 1
            time.sleep(SAMPLE_S)

    sampler = threading.Thread(target=sample, daemon=True)
    start = time.perf_counter()
    sampler.start()
    try:
        fig = draw(**values)
        if fig is not None:
            render_png(fig)
    finally:
        done.set()
        sampler.join()
    seconds = time.perf_counter() - start
    if fig is not None:
        plt.close(fig)
    total = sum(counts.values()) or 1
    return seconds, {kind: n / total for kind, n in sorted(counts.items())}


def install():
    """Make course_lib.widgets record one sampled default draw per explorer next to its corner draws."""
    from course_lib import widgets
    check_corners = widgets.check_corners

    def check_corners_and_sample(draw, controls, title="", record_path="check"):
        check_corners(draw, controls, title, record_path)
        if record_path != "check":
            defaults = {name: control.value for name, control in controls.items()}
            seconds, split = time_split(draw, defaults)
            with open(record_path, "a", encoding="utf-8") as out:
                out.write(json.dumps({"title": title, "split": split, "split_seconds": round(seconds, 4)}) + "\n")

    widgets.check_corners = check_corners_and_sample
