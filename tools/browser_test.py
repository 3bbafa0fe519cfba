"""Browser test: run every lecture notebook in JupyterLab in headless Chromium and move every slider.

    python tools/browser_test.py                       # every notebooks/*.ipynb
    python tools/browser_test.py notebooks/01_lif.ipynb
    python tools/browser_test.py --out build/browser --run-timeout 120

For each notebook, in one JupyterLab server and one browser: open it, check that saving it would
leave the file unchanged (JupyterLab's save, written to a copy in build/browser/saved/), clear the
stored outputs, run all cells (JupyterLab's run-all command), wait until the kernel is idle, and fail if a cell
shows an error or a widget fails to display. Then, in every explorer (the ``course-explorer`` boxes
made by course_lib.widgets.explorer), drag every slider and change every dropdown, and fail if the
explorer's figure (its image, canvas or svg) does not change, or if the redraw raises.
Screenshots of each explorer before and after its controls moved go to build/browser/<notebook>/.

Needs the Debian ``chromium`` package (or COURSE_CHROMIUM=/path/to/chrome) and the ``playwright``
Python package; Playwright drives that browser and never downloads one of its own. Every wait has
a timeout; the server, its kernels and the browser are stopped even when a check fails. The exit
status is 1 when any notebook failed; each failure line names the notebook, explorer and control.
"""
import argparse
import contextlib
import json
import os
import pathlib
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Headless Chromium as root on a closed network (see issue 6): no sandbox, no GPU, and none of the
# background requests (updates, sync, field trials) that a closed network refuses by the dozen.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
# JupyterLab user settings for a test run: render every cell (no windowing, so every explorer is
# in the page), never autosave (the committed notebooks must not be rewritten), and no news or
# update checks.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
}
VIEWPORT = {"width": 1280, "height": 900}
SLOW_REDRAW = 1.0   # s from a slider move to the new figure above which slow=True is advised
GRACE = 3.0   # seconds after a control moved before an idle kernel with an unchanged figure counts


@dataclass
class Timeouts:
    """Every wait of the harness, in seconds."""
    server: float = 90.0     # JupyterLab answers /api/status
    open: float = 90.0       # the notebook page has loaded and its kernel is idle
    run: float = 180.0       # run-all finishes (hard budget 60 s per notebook, x3 for a loaded CI)
    control: float = 45.0    # the figure changes after one control moved
    settle: float = 60.0     # the kernel is idle and the figure stable before the next control


@dataclass
class NotebookResult:
    """What happened to one notebook: failures (strings naming notebook, explorer, control), notes."""
    path: str
    seconds: float = 0.0
    run_seconds: float = 0.0
    explorers: int = 0
    controls_moved: int = 0
    failures: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    screenshots: list = field(default_factory=list)
    redraw_seconds: dict = field(default_factory=dict)

    @property
    def ok(self):
        return not self.failures

    def fail(self, message):
        self.failures.append(f"{self.path}: {message}")


def find_notebooks(root=ROOT):
    """The lecture notebooks, found anew on every run: notebooks/*.ipynb in name order."""
    return sorted((pathlib.Path(root) / "notebooks").glob("*.ipynb"))


def find_chromium():
    """Path of a Chromium executable (COURSE_CHROMIUM wins), or None."""
    explicit = os.environ.get("COURSE_CHROMIUM")
    if explicit:
        return explicit if pathlib.Path(explicit).exists() else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def missing_requirements():
    """A sentence saying what the browser test lacks on this machine, or '' if it can run."""
    missing = []
    if find_chromium() is None:
        missing.append("no Chromium (apt-get install chromium, or set COURSE_CHROMIUM)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("no playwright Python package (pip install playwright; no browser download needed)")
    return "; ".join(missing)


def free_port():
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JupyterLabServer:
    """A JupyterLab server on a free local port with a token and throwaway settings; a context manager."""

    def __init__(self, root=ROOT, timeout=90.0):
        self.root = pathlib.Path(root)
        self.timeout = timeout
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.tmp = None
        self.proc = None
        self.log = None

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def url(self, path):
        """A lab URL for a notebook path relative to the root, opened alone (?reset) with the token."""
        return f"{self.base_url}/lab/tree/{path}?reset&token={self.token}"

    def api(self, method, path):
        """Call the server's REST API; return the decoded JSON (or None for an empty answer)."""
        req = urllib.request.Request(f"{self.base_url}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def _write_settings(self, settings_dir):
        for rel, value in LAB_SETTINGS.items():
            path = settings_dir / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value))

    def start(self):
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix="course-browser-"))
        settings, workspaces = self.tmp / "settings", self.tmp / "workspaces"
        self._write_settings(settings)
        workspaces.mkdir()
        env = dict(os.environ)
        env.update({
            # figures inline in the page (the test suite's Agg default would show none)
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            "JUPYTER_CONFIG_DIR": str(self.tmp / "config"),
            "JUPYTER_RUNTIME_DIR": str(self.tmp / "runtime"),
            "IPYTHONDIR": str(self.tmp / "ipython"),
        })
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
               "--ip=127.0.0.1", f"--port={self.port}", "--port-retries=0",
               f"--ServerApp.token={self.token}", f"--ServerApp.root_dir={self.root}",
               f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={workspaces}",
               "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=",
               "--ServerApp.shutdown_no_activity_timeout=1800",
               # checkpoints (made when a notebook opens) go to the temp dir, not into the repository
               f"--FileCheckpoints.checkpoint_dir={self.tmp / 'checkpoints'}"]
        self.log = open(self.tmp / "server.log", "w")
        self.proc = subprocess.Popen(cmd, cwd=self.root, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with status {self.proc.returncode}:\n{self.log_tail()}")
            try:
                self.api("GET", "/api/status")
                return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.5)
        raise TimeoutError(f"JupyterLab did not answer within {self.timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines=30):
        if self.log:
            self.log.flush()
        try:
            return "\n".join((self.tmp / "server.log").read_text().splitlines()[-lines:])
        except OSError:
            return ""

    def shutdown_kernels(self):
        """Stop every kernel of this server (between notebooks, and before the server stops)."""
        try:
            for session in self.api("GET", "/api/sessions") or []:
                self.api("DELETE", f"/api/sessions/{session['id']}")
            for kernel in self.api("GET", "/api/kernels") or []:
                self.api("DELETE", f"/api/kernels/{kernel['id']}")
        except (urllib.error.URLError, OSError):
            pass

    def stop(self):
        """Shut kernels down, then the server (SIGTERM, then SIGKILL after 15 s); remove the temp dir."""
        if self.proc is not None and self.proc.poll() is None:
            self.shutdown_kernels()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if self.log:
            self.log.close()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()


@contextlib.contextmanager
def chromium_browser(executable=None):
    """Headless Chromium (the system's, never a downloaded one) driven by Playwright; closed on exit."""
    from playwright.sync_api import sync_playwright
    executable = executable or find_chromium()
    if executable is None:
        raise RuntimeError(missing_requirements())
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS,
                                     timeout=60_000)
        try:
            yield browser
        finally:
            browser.close()


# --- JavaScript run in the JupyterLab page (window.jupyterapp exists with expose_app_in_browser) ---

JS_PANEL = """(path) => {
  const app = window.jupyterapp;
  if (!app || !app.shell) return null;
  for (const w of Array.from(app.shell.widgets('main'))) {
    if (w.context && w.context.path === path && w.content && w.content.widgets) return w;
  }
  return null;
}"""

JS_KERNEL_IDLE = """(path) => {
  const panel = (%s)(path);
  const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!(kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle'
            && panel.content.widgets.length > 0);
}""" % JS_PANEL

JS_RUN_STATE = """(path) => {
  const panel = (%s)(path);
  if (!panel) return null;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = panel.content.widgets.map((cell, index) => {
    const m = cell.model;
    if (m.type !== 'code') return null;
    const tags = (m.getMetadata && m.getMetadata('tags')) || [];
    return {index: index, count: m.executionCount, state: m.executionState || 'idle',
            empty: m.sharedModel.getSource().trim() === '',
            raises: tags.includes('raises-exception'),
            errors: m.outputs.toJSON().filter(o => o.output_type === 'error')
                      .map(o => o.ename + ': ' + o.evalue)};
  }).filter(c => c !== null);
  return {kernel: kernel ? kernel.status : 'none', cells: cells};
}""" % JS_PANEL

JS_EXPLORERS = """(path) => {
  const panel = (%s)(path);
  const cells = Array.from(document.querySelectorAll('.jp-Notebook .jp-Cell'));
  return Array.from(document.querySelectorAll('.course-explorer')).map(box => {
    const index = cells.indexOf(box.closest('.jp-Cell'));
    const title = box.querySelector('.widget-html-content');
    const cell = panel && index >= 0 ? panel.content.widgets[index] : null;
    const source = cell ? cell.model.sharedModel.getSource() : '';
    return {title: title ? title.innerText.trim() : '', cell: index,
            slow: /slow\\s*=\\s*True/.test(source)};
  });
}""" % JS_PANEL

# A figure's fingerprint: every image, canvas and svg in the explorer's output widget.
JS_FIGURE = """(box) => {
  const out = box.querySelector('.widget-output');
  if (!out) return {figure: '', error: '', n: 0};
  const parts = [];
  out.querySelectorAll('img').forEach(i => parts.push(i.src));
  out.querySelectorAll('canvas').forEach(c => { try { parts.push(c.toDataURL()); } catch (e) {} });
  out.querySelectorAll('svg').forEach(s => parts.push(s.outerHTML));
  let error = '';
  out.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]').forEach(e => {
    const text = e.innerText;
    if (/Traceback|Error|Exception/.test(text)) error = text;
  });
  return {figure: parts.join('|'), error: error, n: parts.length};
}"""

# What JupyterLab's save would write: the notebook model's JSON, stored through the server's contents
# API (the same path docmanager:save takes), but to a copy, so that the committed file is never touched.
JS_SAVE_COPY = """async ([path, copy]) => {
  const panel = (%s)(path);
  await window.jupyterapp.serviceManager.contents.save(
      copy, {type: 'notebook', format: 'json', content: panel.context.model.toJSON()});
  return true;
}""" % JS_PANEL

JS_PAGE_PROBLEMS = """() => {
  const text = document.querySelector('.jp-Notebook') ? document.querySelector('.jp-Notebook').innerText : '';
  const problems = [];
  for (const phrase of ['Error displaying widget', 'Failed to load model class', 'Model not found']) {
    if (text.includes(phrase)) problems.push(phrase);
  }
  return problems;
}"""


def last_error_line(text):
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    named = [line for line in lines if "Error" in line or "Exception" in line]
    return (named or lines or ["(no message)"])[-1][:300]


class NotebookSession:
    """One notebook open in one page: run it, then exercise its explorers."""

    def __init__(self, page, server, path, outdir, timeouts):
        self.page, self.server, self.timeouts = page, server, timeouts
        self.rel = pathlib.Path(path).resolve().relative_to(server.root).as_posix()
        self.outdir = pathlib.Path(outdir)
        self.result = NotebookResult(self.rel)

    def wait(self, js, arg, timeout, what):
        """page.wait_for_function with a timeout in seconds and a message that says what was awaited."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        try:
            self.page.wait_for_function(js, arg=arg, timeout=timeout * 1000, polling=250)
        except PlaywrightTimeout:
            raise TimeoutError(f"{what} did not happen within {timeout:.0f} s") from None

    def open(self):
        self.page.goto(self.server.url(self.rel), timeout=self.timeouts.open * 1000)
        self.wait(JS_KERNEL_IDLE, self.rel, self.timeouts.open, "notebook opened with an idle kernel")
        self.page.evaluate("""() => { const s = window.jupyterapp.shell;
                                      if (!s.leftCollapsed) s.collapseLeft(); }""")

    def check_save_is_clean(self):
        """Fail if saving the freshly opened notebook in JupyterLab would change the committed file."""
        copy = pathlib.PurePosixPath("build") / "browser" / "saved" / pathlib.PurePosixPath(self.rel).name
        (self.server.root / copy).parent.mkdir(parents=True, exist_ok=True)
        self.page.evaluate(JS_SAVE_COPY, [self.rel, str(copy)])
        original = (self.server.root / self.rel).read_text(encoding="utf-8").splitlines()
        saved = (self.server.root / copy).read_text(encoding="utf-8").splitlines()
        if saved != original:
            line = next((i for i, (a, b) in enumerate(zip(original, saved)) if a != b), min(len(original), len(saved)))
            was = original[line].strip()[:80] if line < len(original) else "(end of file)"
            now = saved[line].strip()[:80] if line < len(saved) else "(end of file)"
            self.result.fail(f"opening and saving it in JupyterLab changes the file: line {line + 1} "
                             f"'{was}' becomes '{now}' (re-execute it with tools/execute_notebooks.py)")

    def run_all(self):
        """Clear outputs, run all cells, wait until every cell ran (or the run stopped on an error)."""
        # Started, not awaited: the command's promise settles only when the run is over, and
        # page.evaluate has no timeout of its own. The promise sets a flag; the loop below polls it
        # (and the kernel and cell states) against a deadline.
        self.page.evaluate("""() => { const c = window.jupyterapp.commands;
            window.courseRunOver = false;
            c.execute('notebook:clear-all-cell-outputs')
             .then(() => c.execute('notebook:run-all-cells'))
             .then(() => { window.courseRunOver = true; }, () => { window.courseRunOver = true; }); }""")
        start = time.monotonic()
        state, quiet_since = None, None
        while time.monotonic() - start < self.timeouts.run:
            over = self.page.evaluate("() => window.courseRunOver === true")
            state = self.page.evaluate(JS_RUN_STATE, self.rel)
            if state is not None and state["kernel"] in ("dead", "autorestarting"):
                self.result.fail(f"the kernel died during run-all (status '{state['kernel']}'; "
                                 f"out of memory?)")
                return False
            idle = state is not None and state["kernel"] == "idle" and not any(
                c["state"] == "running" for c in state["cells"])
            if over and idle:
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since > 0.5:   # idle for half a second: really finished
                    break
            else:
                quiet_since = None
            time.sleep(0.25)
        else:
            pending = [c["index"] for c in (state or {"cells": []})["cells"] if c["state"] == "running"]
            self.result.fail(f"run-all did not finish within {self.timeouts.run:.0f} s "
                             f"(cells still running or queued: {pending[:5]})")
            return False
        self.result.run_seconds = time.monotonic() - start
        for cell in state["cells"]:
            if cell["errors"] and not cell["raises"]:
                self.result.fail(f"cell {cell['index']} shows an error: {cell['errors'][0][:300]}")
            elif cell["count"] is None and not cell["empty"]:
                self.result.fail(f"cell {cell['index']} did not run (an earlier cell stopped the run)")
        for problem in self.page.evaluate(JS_PAGE_PROBLEMS):
            self.result.fail(f"a widget failed to display ('{problem}')")
        return True

    def figure(self, box):
        return box.evaluate(JS_FIGURE)

    def wait_settled(self, box, what):
        """Wait until the kernel is idle and the explorer's figure has been the same for 0.5 s."""
        deadline = time.monotonic() + self.timeouts.settle
        last, stable_since = None, None
        while time.monotonic() < deadline:
            idle = self.page.evaluate(JS_KERNEL_IDLE, self.rel)
            fig = self.figure(box)
            key = (fig["figure"], fig["error"])
            if idle and key == last and (fig["n"] or fig["error"]):
                if time.monotonic() - stable_since > 0.5:
                    return fig
            else:
                stable_since = time.monotonic()
            last = key
            time.sleep(0.15)
        raise TimeoutError(f"{what}: the kernel stayed busy or the figure kept changing "
                           f"for {self.timeouts.settle:.0f} s")

    def shoot(self, box, name):
        path = self.outdir / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        box.scroll_into_view_if_needed(timeout=10_000)
        box.screenshot(path=str(path), timeout=30_000)
        self.result.screenshots.append(str(path))
        return path

    @staticmethod
    def slider_value(slider):
        """The slider's value as shown: its readout (aria-valuenow rounds small ranges to 0.0)."""
        readout = slider.locator(".widget-readout")
        if readout.count():
            return readout.first.inner_text().strip()
        return slider.locator(".noUi-handle").first.get_attribute("aria-valuenow")

    def move_slider(self, slider):
        """Drag the slider's handle halfway towards its farther end; return (old, new) values."""
        handle = slider.locator(".noUi-handle").first
        handle.scroll_into_view_if_needed(timeout=10_000)
        hbox = handle.bounding_box()
        track = slider.locator(".noUi-base").first.bounding_box()
        if hbox is None or track is None:
            raise RuntimeError("slider is not visible")
        x0, y0 = hbox["x"] + hbox["width"] / 2, hbox["y"] + hbox["height"] / 2
        left, right = track["x"], track["x"] + track["width"]
        target = (x0 + right) / 2 if right - x0 >= x0 - left else (x0 + left) / 2
        old = self.slider_value(slider)
        self.page.mouse.move(x0, y0)
        self.page.mouse.down()
        self.page.mouse.move(target, y0, steps=4)
        self.page.mouse.up()
        new = self.slider_value(slider)
        if new == old:   # a drag that did not take: fall back on the keyboard
            handle.focus()
            key = "ArrowRight" if target > x0 else "ArrowLeft"
            for _ in range(5):
                self.page.keyboard.press(key)
            new = self.slider_value(slider)
        return old, new

    def change_dropdown(self, dropdown):
        """Select the next option of a dropdown; return (old, new) values."""
        select = dropdown.locator("select").first
        select.scroll_into_view_if_needed(timeout=10_000)
        options = select.evaluate("s => Array.from(s.options).map(o => o.value)")
        old = select.input_value()
        if len(options) < 2:
            return old, old
        new = options[(options.index(old) + 1) % len(options)] if old in options else options[0]
        select.select_option(new)
        return old, new

    def exercise_explorers(self):
        boxes = self.page.locator(".course-explorer")
        infos = self.page.evaluate(JS_EXPLORERS, self.rel)
        self.result.explorers = len(infos)
        stem = pathlib.Path(self.rel).stem
        if not infos:
            source = pathlib.Path(self.server.root / self.rel).read_text()
            if "explorer(" in source:
                self.result.fail("the notebook calls explorer(...) but no explorer appeared in the page")
            else:
                self.result.notes.append("no explorer in this notebook")
            return
        for k, info in enumerate(infos):
            box = boxes.nth(k)
            name = f"explorer {k + 1} '{info['title'] or 'untitled'}' (cell {info['cell']})"
            try:
                before = self.wait_settled(box, f"{name} after run-all")
            except TimeoutError as err:
                self.result.fail(str(err))
                continue
            if before["error"]:
                self.result.fail(f"{name} shows an error at its default values: "
                                 f"{last_error_line(before['error'])}")
                continue
            if not before["n"]:
                self.result.fail(f"{name} shows no figure after run-all")
                continue
            self.shoot(box, f"{stem}/explorer{k + 1}_before")
            self.exercise_controls(box, name, k, info["slow"])
            with contextlib.suppress(TimeoutError):   # let the last drag's queued redraws finish
                self.wait_settled(box, f"{name} after its controls moved")
            self.shoot(box, f"{stem}/explorer{k + 1}_after")

    def exercise_controls(self, box, name, k, slow):
        controls = box.locator(".widget-slider, .widget-dropdown")
        n_controls = controls.count()
        if n_controls == 0:
            self.result.notes.append(f"{name} has no slider or dropdown")
        stem = pathlib.Path(self.rel).stem
        for j in range(n_controls):
            control = controls.nth(j)
            label = control.locator(".widget-label").first.inner_text().strip() or f"control {j + 1}"
            kind = "slider" if "widget-slider" in (control.get_attribute("class") or "") else "dropdown"
            what = f"{name}, {kind} '{label}'"
            try:
                old, new, after, redraw_s = self.move_and_wait(box, control, kind, what)
                if after is None and kind == "slider":
                    after, condition, redraw_s = self.retry_under_dropdowns(box, control, what)
                    if after is not None:
                        self.result.notes.append(f"{what} changes the figure only when {condition}")
            except (TimeoutError, RuntimeError) as err:
                self.result.fail(f"{what}: {err}")
                continue
            if after is None:
                self.result.fail(f"{what} moved {old} -> {new} but the figure did not change; "
                                 f"does draw() use this control?")
                self.shoot(box, f"{stem}/explorer{k + 1}_dead{j + 1}")
                continue
            self.result.controls_moved += 1
            self.result.redraw_seconds[what] = round(redraw_s, 2)
            if kind == "slider" and not slow and redraw_s > SLOW_REDRAW:
                # a note, not a failure: timings depend on the machine's load (COURSE.md: no wall-clock tests)
                self.result.notes.append(f"{what}: a redraw took {redraw_s:.1f} s and the slider updates "
                                         f"while dragged; consider explorer(..., slow=True)")
            if after["error"]:
                self.result.fail(f"{what} moved {old} -> {new}: the redraw raised "
                                 f"{last_error_line(after['error'])}")
                self.shoot(box, f"{stem}/explorer{k + 1}_failure{j + 1}")
                return   # the rest of this explorer is behind an error

    def move_and_wait(self, box, control, kind, what):
        """Move one control; return (old, new, figure or None if unchanged, seconds to the new figure)."""
        before = self.wait_settled(box, what)
        old, new = self.move_slider(control) if kind == "slider" else self.change_dropdown(control)
        if old == new:
            raise RuntimeError(f"could not be moved (value stayed {old})")
        moved_at = time.monotonic()
        after = self.wait_for_change(box, before, old, new)
        return old, new, after, time.monotonic() - moved_at

    def retry_under_dropdowns(self, box, slider, what):
        """A slider that did nothing may act under another dropdown choice (e.g. only for one kernel).

        Try the slider again under every option of every dropdown of the explorer; return
        (figure, "'dropdown' is 'option'", seconds) for the first that changes the figure, or
        (None, '', 0.0).
        """
        dropdowns = box.locator(".widget-dropdown")
        for d in range(dropdowns.count()):
            dropdown = dropdowns.nth(d)
            select = dropdown.locator("select").first
            dlabel = dropdown.locator(".widget-label").first.inner_text().strip()
            for option in select.evaluate("s => Array.from(s.options).map(o => o.value)"):
                if option == select.input_value():
                    continue
                self.wait_settled(box, what)
                select.select_option(option)
                self.wait_settled(box, what)
                _, _, after, seconds = self.move_and_wait(box, slider, "slider", what)
                if after is not None:
                    return after, f"'{dlabel}' is '{option}'", seconds
        return None, "", 0.0

    def wait_for_change(self, box, before, old, new):
        """Wait until the figure differs from before (or an error shows); None if it did not change.

        Unchanged means: at least GRACE seconds after the move (time for the comm message to reach
        the kernel), the kernel is idle and the figure is still the one from before.
        """
        moved_at = time.monotonic()
        while time.monotonic() - moved_at < self.timeouts.control:
            fig = self.figure(box)
            if fig["error"] or (fig["n"] and fig["figure"] != before["figure"]):
                return fig
            if time.monotonic() - moved_at > GRACE and fig["n"] and \
                    self.page.evaluate(JS_KERNEL_IDLE, self.rel):
                return None
            time.sleep(0.2)
        raise TimeoutError(f"moved {old} -> {new} but no new figure appeared within "
                           f"{self.timeouts.control:.0f} s")


def check_notebook(browser, server, path, outdir, timeouts):
    """Open, run and exercise one notebook in a fresh page; return a NotebookResult."""
    start = time.monotonic()
    page = browser.new_page(viewport=VIEWPORT)
    page.set_default_timeout(30_000)   # every Playwright action (click, select, screenshot) gives up after 30 s
    session = NotebookSession(page, server, path, outdir, timeouts)
    for stale in (pathlib.Path(outdir) / pathlib.Path(session.rel).stem).glob("*.png"):
        stale.unlink()   # screenshots of an earlier run must not pass for this one's
    try:
        session.open()
        session.check_save_is_clean()
        if session.run_all():
            session.exercise_explorers()
    except Exception as err:   # noqa: BLE001 - any failure is reported against this notebook
        session.result.fail(f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}")
        with contextlib.suppress(Exception):
            shot = pathlib.Path(outdir) / f"{pathlib.Path(session.rel).stem}/page_at_failure.png"
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot), timeout=15_000)
    finally:
        with contextlib.suppress(Exception):
            page.close()
        server.shutdown_kernels()
    session.result.seconds = time.monotonic() - start
    return session.result


def run(paths, outdir=ROOT / "build" / "browser", timeouts=None, chromium=None, log=print):
    """Check each notebook in one server and one browser; return the list of NotebookResults."""
    timeouts = timeouts or Timeouts()
    outdir = pathlib.Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    results = []
    with JupyterLabServer(ROOT, timeout=timeouts.server) as server, chromium_browser(chromium) as browser:
        for path in paths:
            result = check_notebook(browser, server, path, outdir, timeouts)
            results.append(result)
            if log:
                log(summary_line(result))
                for line in result.failures:
                    log(f"    FAIL {line}")
    (outdir / "report.json").write_text(json.dumps([vars(r) for r in results], indent=1))
    return results


def summary_line(result):
    status = "ok" if result.ok else f"FAILED ({len(result.failures)})"
    return (f"{result.path:<46} {result.seconds:6.1f} s (run-all {result.run_seconds:5.1f} s)  "
            f"{result.explorers} explorer(s), {result.controls_moved} control(s) moved  {status}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=pathlib.Path,
                        help="notebooks to check (default: every notebooks/*.ipynb)")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "build" / "browser",
                        help="where screenshots and report.json go (default build/browser)")
    parser.add_argument("--run-timeout", type=float, default=Timeouts.run,
                        help="seconds allowed for run-all of one notebook")
    parser.add_argument("--control-timeout", type=float, default=Timeouts.control,
                        help="seconds allowed for a figure to change after a control moved")
    parser.add_argument("--chromium", default=None, help="Chromium executable (default: found on PATH)")
    args = parser.parse_args(argv)
    missing = missing_requirements()
    if missing:
        print(f"browser test cannot run: {missing}", file=sys.stderr)
        return 2
    paths = args.paths or find_notebooks()
    if not paths:
        print("no notebooks to check (notebooks/*.ipynb is empty)")
        return 0
    timeouts = Timeouts(run=args.run_timeout, control=args.control_timeout)
    start = time.monotonic()
    results = run(paths, args.out, timeouts, args.chromium)
    failed = [r for r in results if not r.ok]
    print(f"{len(results)} notebook(s) in {time.monotonic() - start:.0f} s; "
          f"{len(failed)} failed; screenshots in {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
