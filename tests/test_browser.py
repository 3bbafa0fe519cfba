"""Lecture notebooks in a real browser: JupyterLab in headless Chromium, every slider moved.

Runs tools/browser_test.py (one JupyterLab server, one browser) over every notebooks/*.ipynb,
one test per notebook, and proves on fixture notebooks that the harness catches a dead slider, a
draw function that raises, a failing cell and a notebook that JupyterLab would rewrite on saving.
Skipped, with the reason, where Chromium or the playwright package is missing, except in CI (CI
set), where a missing browser is a failure.
Alone: python tools/browser_test.py   (or: python -m pytest tests/test_browser.py)
"""
import json
import os
import pathlib

import pytest

from tools import browser_test

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
NOTEBOOKS = browser_test.find_notebooks(ROOT)
OUTDIR = ROOT / "build" / "browser"

pytestmark = pytest.mark.slow


def require_browser():
    """Skip (or, in CI, fail) when Chromium or playwright is missing."""
    missing = browser_test.missing_requirements()
    if not missing:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the browser test, but this machine has {missing}. "
                    f".ci/run installs both (apt-get install chromium; pip install playwright).")
    pytest.skip(f"browser test needs Chromium and playwright: {missing}")


RESULTS = []   # lecture notebook results, written to build/browser/report.json at the end


@pytest.fixture(scope="module")
def lab():
    """One JupyterLab server and one headless Chromium for the whole module; stopped at the end."""
    require_browser()
    with browser_test.JupyterLabServer(ROOT) as server, browser_test.chromium_browser() as browser:
        yield server, browser
    if RESULTS:
        OUTDIR.mkdir(parents=True, exist_ok=True)
        (OUTDIR / "report.json").write_text(json.dumps([vars(r) for r in RESULTS], indent=1))


def check(lab, path, outdir):
    server, browser = lab
    return browser_test.check_notebook(browser, server, path, outdir, browser_test.Timeouts())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_lecture_notebook_in_browser(lab, path):
    result = check(lab, path, OUTDIR)
    RESULTS.append(result)
    print(browser_test.summary_line(result))
    for note in result.notes:
        print(f"    note: {note}")
    assert result.ok, "\n".join(result.failures)


def test_harness_passes_working_explorers(lab, tmp_path):
    result = check(lab, FIXTURES / "explorer_ok.ipynb", tmp_path)
    assert result.ok, "\n".join(result.failures)
    # two explorers; sliders frequency, amplitude, decay and tau_m and the dropdown shape all moved
    assert (result.explorers, result.controls_moved) == (2, 5)
    assert len(result.screenshots) == 4   # one before and one after per explorer
    # the decay slider acts only for the damped shape: found by trying the dropdown's options
    assert any("'decay (ms), damped only' changes the figure only when 'shape' is 'damped'" in note
               for note in result.notes), result.notes


def test_harness_catches_broken_explorers(lab, tmp_path):
    result = check(lab, FIXTURES / "explorer_broken.ipynb", tmp_path)
    failures = "\n".join(result.failures)
    assert len(result.failures) == 4, failures
    save, dead, raises, cell = sorted(result.failures, key=lambda f: (
        "saving" not in f, "dead slider" not in f, "raises" not in f))
    # stored with the kernelspec name JupyterLab 4 no longer writes: saving it would change the file
    assert "opening and saving it in JupyterLab changes the file" in save
    assert "'\"display_name\": \"Python 3\",' becomes '\"display_name\": \"Python 3 (ipykernel)\",'" in save
    # the dead slider is named, with its explorer; the working slider beside it is not reported
    assert "Explorer with a dead slider" in dead and "slider 'amplitude (mV)'" in dead
    assert "did not change" in dead and "frequency" not in dead
    # the draw function that raises is named with its exception
    assert "Explorer that raises" in raises and "slider 'tau_m (ms)'" in raises
    assert "ValueError: tau_ms=" in raises
    # the failing cell is named with its error
    assert "cell 7 shows an error: RuntimeError: this cell fails on purpose" in cell
    assert all(f.startswith("tests/fixtures/explorer_broken.ipynb: ") for f in result.failures)
