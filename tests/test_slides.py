"""Lecture slide decks: every notebook builds into a reveal.js deck that follows the slide rules.

The rules (tools/build_slides.py, deck_problems), on the deck as built by default (a cell that draws
shows its figure, not its code): MIN_PAGES to MAX_PAGES pages and at least two
top-level slides (not one long page); the deck's <section> count matches the slideshow metadata;
no page shows only code with no output; no page's first figure starts below the slide (estimated
layout); no figure sits in a cell the deck skips; a code cell that
ends by drawing (explorer(...), plt.show(), fig) has its output stored; at most
MAX_FIGURES_PER_PAGE figures on a page; explorers come with saved widget state (never shown as
'VBox(children=...)' text). The synthetic notebooks below prove that each rule can fail.
"""
import base64
import pathlib

import nbformat
import pytest

from tools import build_slides
from tools.nbauthor import NotebookWriter

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n fake image bytes").decode()


def figure_output():
    return nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})


def text_output(text="rate 12.3 Hz"):
    return nbformat.v4.new_output("stream", name="stdout", text=text + "\n")


def good_lecture(n_sections=3):
    """A small lecture as the rules want it: sections of heading, code with output, figure."""
    nb = NotebookWriter()
    nb.md("# 99 - A test lecture\n\nGoals: none.", slide="slide")
    nb.code("import numpy as np", slide="skip")
    for k in range(n_sections):
        nb.md(f"## Section {k}", slide="slide")
        nb.code("rate = 12.3\nprint(f'rate {rate} Hz')").outputs = [text_output()]
        nb.md("A figure:", slide="subslide")
        nb.code("fig, ax = plt.subplots()\nax.plot([1, 2])\nplt.show()").outputs = [figure_output()]
        nb.md("Speaker notes.", slide="notes")
    return nb


def as_notebook(writer):
    return nbformat.v4.new_notebook(cells=writer.cells)


def problems_of(writer, code="figures"):
    nb = build_slides.prepare(as_notebook(writer), code)
    body, _ = build_slides.make_exporter().from_notebook_node(nb)
    return build_slides.deck_problems(nb, body)


@pytest.fixture(scope="module")
def built_decks(tmp_path_factory):
    """Build every lecture deck once (into a temporary folder, not build/)."""
    if not NOTEBOOKS:
        pytest.skip("no lecture notebooks yet")
    out = tmp_path_factory.mktemp("slides")
    return {path.stem: (deck, n_pages, problems)
            for path, deck, n_pages, problems in build_slides.build(NOTEBOOKS, out)}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_lecture_deck_follows_the_slide_rules(built_decks, path):
    deck, n_pages, problems = built_decks[path.stem]
    assert deck.exists() and deck.stat().st_size > 10_000
    assert not problems, f"{path.name}:\n" + "\n".join(problems)
    assert build_slides.MIN_PAGES <= n_pages <= build_slides.MAX_PAGES


def test_good_lecture_has_no_problems_and_counts_its_sections():
    writer = good_lecture(n_sections=3)
    nb = build_slides.prepare(as_notebook(writer))
    body, _ = build_slides.make_exporter().from_notebook_node(nb)
    assert build_slides.deck_problems(nb, body) == []
    deck_pages, n_top = build_slides.pages(nb)
    # title slide + 3 sections, each with one subslide: 4 top-level slides, 7 pages
    assert (n_top, len(deck_pages)) == (4, 7)
    assert build_slides.count_sections(body) == n_top + len(deck_pages)


def test_one_long_page_is_caught():
    writer = good_lecture(n_sections=3)
    for cell in writer.cells[1:]:
        if cell.metadata["slideshow"]["slide_type"] in ("slide", "subslide"):
            cell.metadata["slideshow"]["slide_type"] = "-"
    found = problems_of(writer)
    assert any("1 pages" in p for p in found), found
    assert any("only one top-level slide" in p for p in found), found


def test_code_only_page_is_caught():
    writer = good_lecture()
    writer.code("x = np.arange(10)\ny = x ** 2", slide="subslide")   # no heading, no output
    found = problems_of(writer)
    assert len(found) == 1 and "shows only code and no output" in found[0], found
    assert "page 8" in found[0]


def test_figure_cells_show_figure_not_code_unless_tagged():
    writer = good_lecture(n_sections=1)
    figure_cell = writer.code("fig, ax = plt.subplots()\nax.plot([3, 1])\nplt.show()  # FIGURE CODE",
                              slide="subslide")
    figure_cell.outputs = [figure_output()]
    printing_cell = writer.code("print('rate 1 Hz')  # PRINT CODE")
    printing_cell.outputs = [text_output()]
    exporter = build_slides.make_exporter()
    body_default, _ = exporter.from_notebook_node(build_slides.prepare(as_notebook(writer)))
    assert "FIGURE CODE" not in body_default and "PRINT CODE" in body_default
    figure_cell.metadata["tags"] = ["show-input"]
    body_tagged, _ = exporter.from_notebook_node(build_slides.prepare(as_notebook(writer)))
    assert "FIGURE CODE" in body_tagged
    body_none, _ = exporter.from_notebook_node(build_slides.prepare(as_notebook(writer), code="none"))
    assert "PRINT CODE" not in body_none and "FIGURE CODE" not in body_none
    with pytest.raises(ValueError, match="code must be one of"):
        build_slides.prepare(as_notebook(writer), code="some")


def test_unexecuted_figure_cell_is_caught():
    writer = good_lecture()
    writer.code("explorer(draw, {'x': (0, 1, 0.1, 0.5)})", slide="-")   # saved without its output
    found = problems_of(writer)
    assert len(found) == 1 and "draws a figure but has no stored output" in found[0], found


def test_figure_below_the_slide_is_caught():
    writer = good_lecture(n_sections=2)
    writer.md("## A long page\n\n" + "\n\n".join(["A paragraph of explanation. " * 6] * 16), slide="subslide")
    writer.code("plt.plot([1, 2])\nplt.show()").outputs = [figure_output()]
    found = problems_of(writer)
    # 16 paragraphs of 2 lines (20 px each, 14 px apart) and a heading: about 930 px of text above
    assert len(found) == 1 and "first figure starts about" in found[0] and "page 6" in found[0], found
    # a long drawing cell pushes its figure off the slide only when its code is shown
    writer = good_lecture(n_sections=2)
    writer.md("## Long code", slide="subslide")
    writer.code("\n".join(f"x{k} = {k}" for k in range(30)) + "\nplt.show()").outputs = [figure_output()]
    assert problems_of(writer) == []
    found = problems_of(writer, code="all")
    assert len(found) == 1 and "first figure starts about" in found[0], found


def test_figure_in_skipped_cell_is_caught():
    writer = good_lecture()
    writer.code("plt.plot([1, 2])\nplt.show()", slide="skip").outputs = [figure_output()]
    found = problems_of(writer)
    assert len(found) == 1 and "marked 'skip'" in found[0], found


def test_crowded_page_is_caught():
    writer = good_lecture()
    writer.md("## Too many figures", slide="subslide")
    for _ in range(build_slides.MAX_FIGURES_PER_PAGE + 1):
        writer.code("plt.plot([1, 2])\nplt.show()").outputs = [figure_output()]
    found = problems_of(writer)
    assert len(found) == 1 and f"shows {build_slides.MAX_FIGURES_PER_PAGE + 1} figures" in found[0], found


def test_widget_without_saved_state_is_caught():
    writer = good_lecture()
    view = {"model_id": "abc", "version_major": 2, "version_minor": 0}
    writer.code("explorer(draw, {'x': (0, 1, 0.1, 0.5)})").outputs = [nbformat.v4.new_output(
        "display_data", data={build_slides.WIDGET_MIME: view, "text/plain": "VBox(children=(HTML(value='x'),))"})]
    found = problems_of(writer)
    assert any("no saved widget state" in p for p in found), found
    assert any("shows a widget as text" in p for p in found), found


def test_offline_vendor_files_are_kept_selectively():
    # the npm tarball filter keeps what the decks load and drops the rest (docs, sources, maps)
    patterns = build_slides.VENDOR["mathjax"][1]
    assert build_slides.keep("MathJax.js", patterns)
    assert build_slides.keep("jax/output/CommonHTML/jax.js", patterns)
    assert not build_slides.keep("unpacked/MathJax.js", patterns)
    assert not build_slides.keep("fonts/HTML-CSS/TeX/png/Main/Regular/050/0041.png", patterns)
    html_manager = build_slides.VENDOR["html-manager"][1]
    assert build_slides.keep("dist/embed-amd.js", html_manager)
    assert build_slides.keep("dist/1551f4f60c37af51121f.woff2", html_manager)
    assert not build_slides.keep("dist/embed.js.map", html_manager)
    urls = build_slides.vendor_urls()
    assert urls["reveal_url_prefix"] == "vendor/reveal.js" and not any("://" in u for u in urls.values())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_lecture_has_speaker_notes(path):
    """Press S in a deck: every lecture gives the lecturer notes (cells of slide type 'notes')."""
    nb = nbformat.read(str(path), as_version=4)
    notes = [c for c in nb.cells if build_slides.slide_type(c) == "notes" and build_slides.cell_source(c).strip()]
    assert notes, f"{path.name} has no speaker notes: add markdown cells of slide type 'notes'"


def test_subslide_mark_splits_a_markdown_cell_in_the_deck_only():
    writer = good_lecture(n_sections=1)
    questions = writer.md("## Questions\n\n1. One?\n2. Two?\n<!-- subslide -->\n3. Three?\n4. Four?", slide="subslide")
    questions.id = "questions"
    nb = as_notebook(writer)
    deck_nb = build_slides.prepare(nb)
    assert len(deck_nb.cells) == len(nb.cells) + 1 and "<!-- subslide -->" in nb.cells[-1].source
    first, second = deck_nb.cells[-2], deck_nb.cells[-1]
    assert first.source.endswith("2. Two?") and second.source == "3. Three?\n4. Four?"
    assert build_slides.slide_type(second) == "subslide" and second.id == "questions-part2"
    body, _ = build_slides.make_exporter().from_notebook_node(deck_nb)
    assert build_slides.deck_problems(deck_nb, body) == []
    assert len(build_slides.pages(deck_nb)[0]) == len(build_slides.pages(nb)[0]) + 1
