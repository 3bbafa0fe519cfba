"""Lecture decks in a real browser: every slide fits a 1280 x 720 projector.

Builds every notebooks/*.ipynb into an offline reveal.js deck (tools/build_slides.py, vendored
reveal.js and MathJax) and opens it in headless Chromium (tools/browser_test.py's browser) at
1280 x 720. On every page, in every fragment state, build_slides.measure_deck fails when a content
element (text, formula, code, printed output, figure, widget) extends below or to the right of the
slide, when content is cut off inside a box that clips it, or when a printed or code line breaks
inside a token ("0.6 / 07"). Each failure names the deck, page, cell, element and the pixels.
Fixture decks built here prove that each kind of overflow is caught.

One deck:   python tools/build_slides.py --fit notebooks/11_topic.ipynb [--screenshots build/slides/fit]
            python -m pytest -n 0 tests/test_deck_fit.py -k 11_topic
Skipped without Chromium, playwright or npm (vendoring reveal.js) locally; a failure in CI.
"""
import base64
import os
import pathlib
import struct
import zlib

import nbformat
import pytest

from tools import browser_test, build_slides
from tools.nbauthor import NotebookWriter

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
VENDOR = ROOT / "build" / "slides" / "vendor"   # shared cache of the npm packages (build/ is ignored)

pytestmark = pytest.mark.slow


def require_deck_tools():
    """Skip (in CI: fail) without Chromium, playwright, or the vendored reveal.js and a way to get it."""
    missing = browser_test.missing_requirements()
    if not missing and not all((VENDOR / name).exists() for name in build_slides.VENDOR):
        try:
            build_slides.fetch_vendor(VENDOR)
        except (RuntimeError, OSError) as exc:
            missing = f"the vendored reveal.js/MathJax ({exc})"
    if not missing:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the deck fit test, but this machine has {missing}.")
    pytest.skip(f"deck fit test needs Chromium, playwright and npm: {missing}")


def deck_folder(tmp):
    """A folder for decks whose vendor/ is the shared cache."""
    tmp = pathlib.Path(tmp)
    (tmp / "vendor").symlink_to(VENDOR, target_is_directory=True)
    return tmp


@pytest.fixture(scope="module")
def browser():
    require_deck_tools()
    with browser_test.chromium_browser() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(folder, base URL): a served folder for decks, with vendor/ in it."""
    folder = deck_folder(tmp_path_factory.mktemp("decks"))
    with build_slides.serve_folder(folder) as url:
        yield folder, url


def build_and_measure(browser, served, nb, name):
    """Write nb as a deck named name into the served folder and measure it: (n_pages, problems)."""
    folder, url = served
    exporter = build_slides.make_exporter(offline=True)
    body, _ = exporter.from_notebook_node(build_slides.prepare(nb), resources={"metadata": {"name": name}})
    body = build_slides.finish_deck(body, nb)
    deck = folder / f"{name}.slides.html"
    deck.write_text(body, encoding="utf-8")
    return build_slides.measure_deck(browser, deck, nb, url)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_slide_fits(browser, served, path):
    nb = nbformat.read(str(path), as_version=4)
    n_pages, problems = build_and_measure(browser, served, nb, path.stem)
    assert n_pages >= build_slides.MIN_PAGES
    assert not problems, f"{len(problems)} overflow(s) in {path.name} at 1280 x 720:\n" + "\n".join(problems)


# --- fixture decks: each kind of overflow is caught, a tidy deck passes ---

def png(width, height):
    """A real PNG of the given size (grey), base64 encoded."""
    row = b"\x00" + b"\x80" * width
    raw = zlib.compress(row * height)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))
    return base64.b64encode(data).decode()


def figure(width=900, height=500):
    return nbformat.v4.new_output("display_data", data={"image/png": png(width, height), "text/plain": "<Figure>"})


def printed(text):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def fixture_lecture(broken):
    """A five-page lecture; broken=True adds one page of each kind of overflow."""
    nb = NotebookWriter()
    nb.md("# 99 - Fixture lecture\n\nGoals: fit the slide.", slide="slide")
    nb.code("import numpy as np", slide="skip")
    nb.md("## Section A", slide="slide")
    nb.code("print('rate 12.3 Hz')").outputs = [printed("rate 12.3 Hz\n")]
    nb.md("A figure:", slide="subslide")
    nb.code("plt.show()").outputs = [figure()]
    nb.md("## Section B\n\nA table:", slide="slide")
    nb.code("print(table)").outputs = [printed("".join(f"{k:6d} {0.607 * k:10.3f} {k * 1e-3:10.1e}\n"
                                                         for k in range(8)))]
    if broken:
        # page 6: a long text pushes the figure under the slide (the defect of 06 page 3)
        nb.md("## A long page\n\n" + "\n\n".join(["A paragraph of explanation, long enough to wrap. " * 4] * 8),
              slide="slide")
        nb.code("plt.show()").outputs = [figure(900, 520)]
        # page 7: a printed number too long for the slide: no space to wrap at, so it runs off the right
        nb.md("## A wide number", slide="subslide")
        nb.code("print(digits)").outputs = [printed("0." + "1234567890" * 30 + "\n")]
        # page 8: one markdown cell of many items runs off the bottom
        nb.md("## Many questions\n\n" + "\n".join(f"{k}. A question that needs an answer?" for k in range(1, 31)),
              slide="subslide")
    nb.md("Notes for the lecturer.", slide="notes")
    return nbformat.v4.new_notebook(cells=nb.cells)


def test_tidy_fixture_deck_fits(browser, served):
    n_pages, problems = build_and_measure(browser, served, fixture_lecture(broken=False), "fixture_ok")
    assert n_pages == 4
    assert problems == []


def test_broken_fixture_deck_fails_naming_page_cell_and_pixels(browser, served):
    nb = fixture_lecture(broken=True)
    n_pages, problems = build_and_measure(browser, served, nb, "fixture_broken")
    text = "\n".join(problems)
    assert n_pages == 7, text
    assert all(p.startswith("fixture_broken page ") for p in problems), text
    # the figure under the long text: page 5, cell 9, by how much
    below = [p for p in problems if p.startswith("fixture_broken page 5 (cell 9) output img")]
    assert below and "px below the slide" in below[0], text
    assert int(below[0].split("extends ")[1].split(" px")[0]) > 100, text
    # the wide number: page 6, to the right
    assert any(p.startswith("fixture_broken page 6 (cell 11) output pre") and "px right of the slide" in p
               for p in problems), text
    # the list of questions: page 7, below
    assert any(p.startswith("fixture_broken page 7 (cell 12) text li") and "px below the slide" in p
               for p in problems), text
    # and nothing on the tidy pages
    assert not [p for p in problems for k in range(1, 5) if p.startswith(f"fixture_broken page {k} ")], text


def test_subslide_mark_and_fitting_repair_the_broken_pages(browser, served):
    nb = fixture_lecture(broken=True)
    nb.cells[9].metadata["slideshow"]["slide_type"] = "subslide"         # the figure on its own page
    nb.cells[12].source = nb.cells[12].source.replace("\n16. ", "\n<!-- subslide -->\n16. ")
    nb.cells[11].outputs = [printed("0." + "1234567890" * 15 + "\n")]    # 152 digits: the font shrinks
    n_pages, problems = build_and_measure(browser, served, nb, "fixture_repaired")
    assert n_pages == 9
    assert problems == []


def test_wrapping_mid_number_is_caught_without_the_course_css(browser, served):
    """The notebook CSS alone wraps a wide printed table inside numbers; the check names the break."""
    nb = fixture_lecture(broken=False)
    wide = "".join(" ".join(f"{0.6071 * (k + j):8.4f}" for j in range(16)) + "\n" for k in range(3))
    nb.cells[7].outputs = [printed(wide)]
    folder, url = served
    body, _ = build_slides.make_exporter(offline=True).from_notebook_node(build_slides.prepare(nb))
    body = body.replace("</head>", "<style>.reveal .jp-RenderedText pre { white-space: pre-wrap; "
                                   "word-break: break-all; }</style></head>", 1)   # the old decks' wrapping
    body = body.replace("function(Reveal, RevealNotes){", "function(Reveal, RevealNotes){ window.Reveal = Reveal;", 1)
    deck = folder / "fixture_wraps.slides.html"
    deck.write_text(body, encoding="utf-8")
    _, problems = build_slides.measure_deck(browser, deck, nb, url)
    wraps = [p for p in problems if "wraps mid-token" in p]
    assert wraps and all(p.startswith("fixture_wraps page 4 (cell 7) output pre") for p in wraps), problems
    assert "' / '" in wraps[0]
