"""Build a reveal.js slide deck for every lecture notebook from the cells' slideshow metadata.

    python tools/build_slides.py                      # every notebooks/*.ipynb -> build/slides/
    python tools/build_slides.py notebooks/01_lif.ipynb
    python tools/build_slides.py --offline            # decks that need no internet (see below)
    python tools/build_slides.py --fit [--screenshots build/slides/fit] [notebooks/06_*.ipynb]
                                                      # and measure every slide in Chromium (below)

Each notebook becomes build/slides/NN_topic.slides.html (nbconvert's slides exporter), with the
stored outputs: figures, printed numbers, and the explorers drawn from the saved widget state.
build/slides/index.html links the decks. Open a deck in a browser; press S for the speaker view
(the notes cells), F for full screen, Esc for the overview.

Which code a slide shows (--code): by default a cell that draws a figure or an explorer shows the
figure without its code (the code stays in the notebook; on a projector it pushes the figure off
the slide); tag a cell ``show-input`` to keep its code, ``hide-input`` to hide any cell's code.
--code all shows every cell's code, --code none leaves all code out.

By default a deck loads reveal.js, MathJax, require.js, jQuery and the widget renderer from public
CDNs, so it needs internet when shown. With --offline those files are fetched once from the npm
registry (`npm pack`, pinned versions below) into build/slides/vendor/, and the decks point there:
copy the whole build/slides/ folder to the lecture laptop. nbconvert documents that the speaker
view needs a local reveal.js: use --offline for it.

Slides are 1280 x 720 (16:9). The deck's own script fits each page as it is shown: a code line wider
than the slide gets a smaller font, printed output never wraps inside a number (a line too long for
the slide wraps at its spaces, a table row stays whole), and a page taller than the slide shrinks its
figures (to 70 % at most), then its printed output. Beyond that a lecture splits its pages: slide
type 'subslide' on a cell, a line ``<!-- subslide -->`` inside a long markdown cell (the deck
continues on a new page there; the notebook is unchanged), or ``hide-input`` on a long computing cell
whose printed numbers are what the slide needs. --fit opens every built deck in headless Chromium at
1280 x 720 (tools/browser_test.py's browser; implies --offline) and reports, per page and fragment
state, every element that extends below or right of the slide, is cut off, or breaks a printed line
inside a token, naming the deck, page, cell and pixels (tests/test_deck_fit.py runs it on every deck).

Each deck is also checked against the slide rules (deck_problems, tests/test_slides.py):
at least MIN_PAGES pages and two top-level slides; no page that shows only code with no output;
no page whose first figure starts below the bottom of the slide (estimated layout);
no figure hidden in a skipped cell; a code cell that ends by drawing (explorer(...), plt.show(),
a figure) has its output stored; at most MAX_FIGURES_PER_PAGE figures on one page; explorers
render from saved widget state, not as "VBox(children=...)" text. Problems are printed, and the
exit status is 1 when a deck breaks a rule (the decks are written all the same).
"""
import argparse
import base64
import contextlib
import copy
import html.parser
import math
import pathlib
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "slides"
MIN_PAGES = 5             # fewer pages means the metadata made the lecture one long page
MAX_PAGES = 150           # more would be a deck nobody can present in a 90 min lecture
MAX_FIGURES_PER_PAGE = 3  # a projector shows at most about three figures legibly at once
SLIDE_WIDTH_PX, SLIDE_HEIGHT_PX = 1280, 720   # reveal.js design size of a slide (16:9 projector)
HIDE_INPUT_TAG = "hide-input"   # this cell's code never shows on a slide
SHOW_INPUT_TAG = "show-input"   # this cell's code shows even though the cell draws a figure
CODE_MODES = ("figures", "all", "none")
# A line of its own in a markdown cell: the deck starts a new page (subslide) there (split_marked).
SUBSLIDE_MARK = re.compile(r"^[ \t]*<!--\s*subslide\s*-->[ \t]*$", re.M)
IMAGE_MIMES = ("image/png", "image/svg+xml", "image/jpeg")
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"
# A code cell whose last line does one of these produces a figure or widget on its slide.
DRAWS_LAST_LINE = re.compile(r"(^|\W)(explorer|interact|display)\s*\(|plt\.show\(\)|^(fig|figure)\s*$")

# npm packages for --offline: folder under vendor/ -> (name@version, files kept: prefixes or globs
# inside the package). vendor_urls() says where the decks then look for them.
VENDOR = {
    "reveal.js": ("reveal.js@4.6.1", ("dist/", "plugin/")),
    "mathjax": ("mathjax@2.7.7", ("MathJax.js", "config/", "jax/input/TeX/", "jax/output/CommonHTML/",
                                  "jax/output/PreviewHTML/", "jax/element/", "extensions/",
                                  "fonts/HTML-CSS/TeX/woff/", "localization/en/")),
    "requirejs": ("requirejs@2.3.8", ("require.js",)),
    "jquery": ("jquery@2.2.4", ("dist/jquery.min.js",)),
    "html-manager": ("@jupyter-widgets/html-manager@1.0.13", ("dist/embed-amd.js", "dist/*.woff",
                                                              "dist/*.woff2", "dist/*.ttf")),
}


def vendor_urls(prefix="vendor"):
    """Exporter settings that point a deck at the vendored copies (relative to the deck)."""
    return {
        "reveal_url_prefix": f"{prefix}/reveal.js",
        "mathjax_url": f"{prefix}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
        "require_js_url": f"{prefix}/requirejs/require.js",
        "jquery_url": f"{prefix}/jquery/dist/jquery.min.js",
        "widget_renderer_url": f"{prefix}/html-manager/dist/embed-amd.js",
        "mermaid_js_url": f"./{prefix}/mermaid-stub.mjs",
    }


def keep(name, patterns):
    """Does a file inside an npm package (path without 'package/') match one of the kept patterns?"""
    for pattern in patterns:
        if "*" in pattern:
            if pathlib.PurePosixPath(name).match(pattern):
                return True
        elif name == pattern or (pattern.endswith("/") and name.startswith(pattern)):
            return True
    return False


def fetch_vendor(dest):
    """Download the pinned packages with `npm pack` and unpack the needed files into dest/."""
    if shutil.which("npm") is None:
        raise RuntimeError("--offline needs npm (Node.js) to fetch reveal.js and MathJax from the npm registry")
    dest = pathlib.Path(dest)
    with tempfile.TemporaryDirectory() as tmp:
        for folder, (spec, patterns) in VENDOR.items():
            target = dest / folder
            if target.exists():
                continue
            proc = subprocess.run(["npm", "pack", spec, "--silent", "--pack-destination", tmp],
                                  capture_output=True, text=True, timeout=300)
            if proc.returncode != 0:
                raise RuntimeError(f"npm pack {spec} failed: {proc.stderr.strip()[-500:]}")
            tarball = pathlib.Path(tmp) / proc.stdout.strip().splitlines()[-1]
            with tarfile.open(tarball) as tar:
                for member in tar.getmembers():
                    name = member.name.split("/", 1)[1] if "/" in member.name else member.name
                    if member.isfile() and keep(name, patterns):
                        out = target / name
                        out.parent.mkdir(parents=True, exist_ok=True)
                        out.write_bytes(tar.extractfile(member).read())
    # nbconvert's template imports mermaid as a module; offline, a stub that does nothing
    (dest / "mermaid-stub.mjs").write_text("export default { initialize() {} };\n")
    return dest


def draws(cell):
    """Does a code cell's stored output hold a figure or a widget?"""
    return any(mime in IMAGE_MIMES or mime == WIDGET_MIME
               for out in cell.get("outputs", []) for mime in out.get("data", {}))


def prepare(nb, code="figures"):
    """A copy of nb with hide-input tags for the code the deck leaves out.

    code="figures" (default): a cell that draws shows its figure, not its code (the code is in the
    notebook; on a projector it pushes the figure off the slide), unless tagged show-input.
    code="all": every code cell shows its code except those tagged hide-input. code="none": no code.
    """
    if code not in CODE_MODES:
        raise ValueError(f"code must be one of {CODE_MODES}, got {code!r}")
    nb = copy.deepcopy(nb)
    nb.cells = split_marked(nb.cells)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tags = list(cell.metadata.get("tags", []))
        hide = code == "none" or (code == "figures" and draws(cell) and SHOW_INPUT_TAG not in tags)
        if hide and HIDE_INPUT_TAG not in tags:
            cell.metadata["tags"] = tags + [HIDE_INPUT_TAG]
    return nb


def split_marked(cells):
    """Deck only: a markdown cell with SUBSLIDE_MARK lines continues on a new page at each of them.

    The mark is an HTML comment, invisible in the notebook, so a long text (a list of questions, the
    references) reads as one cell there and spreads over pages in the deck. The pieces after the
    first are 'subslide' cells with ids '<id>-part2', '<id>-part3', ...
    """
    result = []
    for cell in cells:
        text = cell_source(cell)
        if cell.get("cell_type") != "markdown" or not SUBSLIDE_MARK.search(text) or \
                slide_type(cell) in ("skip", "notes"):
            result.append(cell)
            continue
        parts = [part.strip("\n") for part in SUBSLIDE_MARK.split(text)]
        for k, part in enumerate(parts):
            if not part.strip():
                continue
            piece = copy.deepcopy(cell)
            piece["source"] = part
            if k:
                piece.setdefault("metadata", {}).setdefault("slideshow", {})["slide_type"] = "subslide"
                if cell.get("id"):
                    piece["id"] = f"{cell['id']}-part{k + 1}"
            result.append(piece)
    return result


def make_exporter(offline=False):
    """nbconvert's SlidesExporter with the course settings (no prompts, scrolling tall slides)."""
    from nbconvert import SlidesExporter
    from traitlets.config import Config
    config = Config()
    config.SlidesExporter.reveal_theme = "white"       # its fonts ship with reveal.js (no Google Fonts)
    config.SlidesExporter.reveal_scroll = False        # slides must fit (the fit check measures it)
    config.SlidesExporter.reveal_width = str(SLIDE_WIDTH_PX)
    config.SlidesExporter.reveal_height = str(SLIDE_HEIGHT_PX)
    config.SlidesExporter.reveal_number = "c/t"        # slide numbers: current/total
    config.SlidesExporter.exclude_input_prompt = True  # no In [12]: on a projector
    config.SlidesExporter.exclude_output_prompt = True
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_input_tags = {HIDE_INPUT_TAG}
    exporter = SlidesExporter(config=config)
    if offline:
        for name, value in vendor_urls().items():
            setattr(exporter, name, value)
    return exporter


# Course look on top of reveal's white theme: headings in normal case and a size that leaves room;
# printed output and code never wrap (a wrapped table row splits numbers: "0.6 / 07") and are never
# cut at the right edge: FIT_SCRIPT shrinks the font of a line too wide for the slide instead.
COURSE_CSS = """<style type="text/css">
.reveal h1, .reveal h2, .reveal h3 { text-transform: none; }
.reveal h1 { font-size: 1.9em; } .reveal h2 { font-size: 1.4em; } .reveal h3 { font-size: 1.15em; }
.reveal .jp-RenderedImage img { max-height: 540px; }
.reveal .jp-OutputArea-output { overflow: visible; }
.reveal .jp-Cell .jp-RenderedText pre, .reveal .jp-Cell .jp-InputArea-editor pre, .reveal .jp-Cell .highlight pre {
  white-space: pre; word-break: normal; overflow-wrap: normal; overflow: visible; font-size: 17px; }
.reveal .jp-InputArea-editor, .reveal .jp-CodeMirrorEditor, .reveal .highlight { overflow: visible; }
.reveal .jp-InputArea-editor, .reveal .jp-InputArea-editor *, .reveal .jp-RenderedText pre { box-sizing: border-box; }
.reveal .jp-Cell { padding-top: 2px; padding-bottom: 2px; }
</style>
"""

# Fit each page when it is shown, and again once its formulas and images have settled: a code line
# wider than the slide gets a smaller font (down to MIN_PRE_PX); a printed line that would need less
# than WRAP_PX wraps at its spaces instead (prose; never inside a number, and a table row stays whole);
# a page taller than the slide shrinks its figures (each to at least MIN_IMG_FRACTION of its height),
# then its printed output (down to MIN_PRE_PX). What still does not fit is left to the slide metadata
# (subslide, SUBSLIDE_MARK, hide-input); the fit check (check_fit) measures the result.
FIT_SCRIPT = """<script type="text/javascript">
(function () {
  var MIN_PRE_PX = 12, WRAP_PX = 14, MIN_IMG_FRACTION = 0.7, SPARE_PX = 8, MATH_WAIT_MS = 5000, STABLE_POLLS = 3;
  var ALIGNED = /\\S( {2,}| *\\| *)\\S.*\\S( {2,}| *\\| *)\\S/;   // a table row: 3+ columns
  function fitPage(section) {
    if (!section || !window.Reveal) return;
    var height = Reveal.getConfig().height;
    section.querySelectorAll('pre').forEach(function (pre) {
      pre.style.fontSize = ''; pre.style.whiteSpace = '';
      if (pre.closest('aside.notes') || pre.clientWidth === 0) return;
      var box = pre.closest('.jp-OutputArea-output, .jp-InputArea-editor, .jp-Cell') || pre.parentElement;
      var room = Math.min(pre.clientWidth, box.clientWidth);
      if (pre.scrollWidth <= room + 1) return;
      var size = parseFloat(getComputedStyle(pre).fontSize);
      var fit = function (width) { return Math.floor(size * room / width * 4) / 4; };
      if (fit(pre.scrollWidth) >= WRAP_PX || pre.closest('.jp-InputArea')) {
        pre.style.fontSize = Math.max(MIN_PRE_PX, fit(pre.scrollWidth)) + 'px';
        return;
      }
      // printed lines too long for WRAP_PX: prose wraps at its spaces (never inside a number), at a
      // font small enough that the widest table row (columns apart by 2+ spaces or bars) still fits
      var lines = pre.textContent.split('\\n'), longest = 1, keep = 0;
      lines.forEach(function (line) {
        longest = Math.max(longest, line.length);
        if (ALIGNED.test(line)) keep = Math.max(keep, line.length);   // a table row stays whole
        line.split(' ').forEach(function (word) { keep = Math.max(keep, word.length); });
      });
      var perChar = pre.scrollWidth / longest;
      pre.style.fontSize = Math.max(MIN_PRE_PX, Math.min(WRAP_PX, fit(perChar * keep))) + 'px';
      pre.style.whiteSpace = 'pre-wrap';
    });
    var images = Array.prototype.filter.call(section.querySelectorAll('.jp-OutputArea img, .widget-output img'),
      function (img) { return !img.closest('aside.notes'); });
    images.forEach(function (img) { img.style.height = ''; img.style.width = ''; });
    var over = section.scrollHeight - height + SPARE_PX;
    if (over > 0 && images.length) {
      shrinkImages(images, over);
      over = section.scrollHeight - height + SPARE_PX;
    }
    // still too tall: a smaller font for the printed output (a long table), down to MIN_PRE_PX
    var printed = Array.prototype.filter.call(section.querySelectorAll('.jp-OutputArea pre'),
      function (pre) { return !pre.closest('aside.notes') && pre.clientHeight > 0; });
    if (over > 0 && printed.length) {
      var tall = 0;
      printed.forEach(function (pre) { tall += pre.getBoundingClientRect().height / Reveal.getScale(); });
      var shrink = Math.max(0, (tall - over) / tall);
      printed.forEach(function (pre) {
        var size = parseFloat(getComputedStyle(pre).fontSize);
        pre.style.fontSize = Math.max(MIN_PRE_PX, Math.floor(size * shrink * 4) / 4) + 'px';
      });
    }
  }
  function shrinkImages(images, over) {
    var total = 0;
    images.forEach(function (img) { total += img.getBoundingClientRect().height / Reveal.getScale(); });
    var factor = Math.max(MIN_IMG_FRACTION, (total - over) / total);
    images.forEach(function (img) {
      var h = img.getBoundingClientRect().height / Reveal.getScale();
      img.style.height = Math.floor(h * factor) + 'px'; img.style.width = 'auto';
    });
  }
  // MathJax re-typesets a page after it is shown (nbconvert's template); its formulas change the height
  function mathTypeset(section) {
    return Array.prototype.every.call(section.querySelectorAll('script[type^="math/tex"]'), function (script) {
      var details = script.closest('details');
      if (script.closest('aside.notes') || (details && !details.open)) return true;
      var frame = document.getElementById(script.id + '-Frame');
      return !!frame && frame.getBoundingClientRect().width > 0;
    });
  }
  function imagesLoaded(section) {
    return Array.prototype.every.call(section.querySelectorAll('img'), function (img) {
      return img.complete && (img.naturalHeight > 0 || !img.getAttribute('src'));
    });
  }
  function signature(section) {   // what the layout depends on: formulas, images, the page's height
    var parts = [section.scrollHeight];
    section.querySelectorAll('.MathJax_CHTML, img').forEach(function (el) {
      var r = el.getBoundingClientRect(); parts.push(Math.round(r.width), Math.round(r.height));
    });
    return parts.join(',');
  }
  var pending = null;
  // Fit at once, then again when formulas and images have settled (unchanged for STABLE_POLLS polls).
  function fitCurrent() {
    if (!window.Reveal || !Reveal.getCurrentSlide) return;
    var section = Reveal.getCurrentSlide(), started = Date.now(), last = null, stable = 0;
    section.setAttribute('data-course-fit', 'pending');
    clearTimeout(pending);
    fitPage(section); Reveal.layout();
    (function attempt() {
      if (section !== Reveal.getCurrentSlide()) return;
      var now = signature(section);
      stable = (now === last) ? stable + 1 : 0; last = now;
      var ready = mathTypeset(section) && imagesLoaded(section) && stable >= STABLE_POLLS;
      if (!ready && Date.now() - started < MATH_WAIT_MS) { pending = setTimeout(attempt, 50); return; }
      fitPage(section); Reveal.layout();
      section.setAttribute('data-course-fit', 'done');
    })();
  }
  window.courseFitCurrent = fitCurrent;
  function hook() {
    if (!window.Reveal || !Reveal.on) { setTimeout(hook, 50); return; }
    Reveal.on('ready', fitCurrent); Reveal.on('slidechanged', fitCurrent);
    if (Reveal.isReady()) fitCurrent();
  }
  hook();
})();
</script>
"""
MERMAID_SCRIPT = re.compile(r'<script type="module">\s*import mermaid from[^<]*</script>\s*')


def build(paths, out=OUT, offline=False, code="figures"):
    """Write one deck per notebook into out/ (and index.html); return [(notebook, deck, n_pages, problems)]."""
    import nbformat
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if offline:
        fetch_vendor(out / "vendor")
    exporter = make_exporter(offline)
    built = []
    for path in paths:
        path = pathlib.Path(path)
        nb = prepare(nbformat.read(str(path), as_version=4), code)
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
        body = finish_deck(body, nb)
        deck = out / f"{path.stem}.slides.html"
        deck.write_text(body, encoding="utf-8")
        built.append((path, deck, len(pages(nb)[0]), deck_problems(nb, body)))
    write_index(out, [item[1] for item in built])
    return built


def finish_deck(body, nb):
    """The course's additions to an exported deck: its CSS, the fitting script, Reveal exposed."""
    if "mermaid" not in "".join(cell_source(c) for c in nb.cells if c.cell_type == "markdown"):
        body = MERMAID_SCRIPT.sub("", body)   # no diagrams: do not load mermaid (a CDN request)
    body = body.replace("</head>", COURSE_CSS + "</head>", 1)
    body = body.replace("</body>", FIT_SCRIPT + "</body>", 1)
    # reveal.js comes through require.js; expose its API to the fitting script and the fit check
    return body.replace("function(Reveal, RevealNotes){", "function(Reveal, RevealNotes){\n        window.Reveal = Reveal;", 1)


def write_index(out, decks):
    """build/slides/index.html: one link per deck (keeps decks built earlier)."""
    decks = sorted({d.name for d in decks} | {d.name for d in pathlib.Path(out).glob("*.slides.html")})
    items = "\n".join(f'<li><a href="{name}">{name.removesuffix(".slides.html")}</a></li>' for name in decks)
    (pathlib.Path(out) / "index.html").write_text(
        f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>Lecture slides</title></head>\n"
        f"<body><h1>Lecture slides</h1>\n<ul>\n{items}\n</ul>\n</body></html>\n", encoding="utf-8")


# --- the slide rules ---

def slide_type(cell):
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type", "-") or "-"


def cell_source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def pages(nb):
    """The pages of the deck as nbconvert makes them: lists of (cell index, cell), new at slide/subslide.

    Returns (pages, n_top): pages in order, and how many top-level slides (horizontal) there are.
    Skipped and notes cells stay with their page but show nothing on it.
    """
    result, n_top = [], 0
    for index, cell in enumerate(nb["cells"]):
        kind = slide_type(cell)
        visible = kind not in ("skip", "notes")
        if visible and (not result or kind in ("slide", "subslide")):
            n_top += 1 if (not result or kind == "slide") else 0
            result.append([])
        if result:
            result[-1].append((index, cell))
    return result, n_top


# --- where a page's first figure starts (a static estimate of the rendered layout) ---
# Pixel sizes measured on this course's decks in Chromium (reveal.js 960 x 700, nbconvert's lab
# template: 20 px text, 19 px code). The estimate of a figure's top was within about 30 % of the
# measured one on 5 decks; the rule only fires when the whole figure is below the slide.
PX_TEXT_LINE, CHARS_PER_LINE, PX_PARAGRAPH = 20, 90, 14
PX_HEADING = {"# ": 58, "## ": 48, "### ": 38, "#### ": 32}
PX_MATH, PX_CODE_LINE, PX_CODE_BLOCK, PX_OUTPUT_LINE = 46, 26.5, 32, 23
PX_IMAGE_WIDTH, PX_IMAGE_MAX, PX_WIDGET = 900, 560, 520


def png_height_px(b64):
    """Displayed height of a base64 PNG: natural size, shrunk to the slide width and max height."""
    raw = base64.b64decode(b64[:64] + "=" * (-len(b64[:64]) % 4))
    if raw[:8] != b"\x89PNG\r\n\x1a\n" or len(raw) < 24:
        return PX_IMAGE_MAX
    width, height = struct.unpack(">II", raw[16:24])
    return min(height * min(1.0, PX_IMAGE_WIDTH / max(width, 1)), PX_IMAGE_MAX)


def markdown_height_px(text):
    height = 0
    for block in re.split(r"\n\s*\n", text.strip()):
        if block.lstrip().startswith("$$"):
            height += PX_MATH + PX_OUTPUT_LINE * block.count("\\\\")
        else:
            for line in block.splitlines():
                line = line.strip()
                level = next((h for h in sorted(PX_HEADING, key=len, reverse=True) if line.startswith(h)), None)
                if level:
                    height += PX_HEADING[level]
                elif line.startswith("$$"):
                    height += PX_MATH
                else:
                    height += PX_TEXT_LINE * max(1, math.ceil(len(line) / CHARS_PER_LINE))
        height += PX_PARAGRAPH
    return height


def output_height_px(out):
    data = out.get("data", {})
    if out.get("output_type") == "stream":
        return PX_OUTPUT_LINE * len(out.get("text", "").rstrip().splitlines()) + 10
    if "image/png" in data:
        return png_height_px(data["image/png"]) + 10
    if any(mime in data for mime in IMAGE_MIMES) or WIDGET_MIME in data:
        return PX_WIDGET
    text = data.get("text/plain", "")
    return PX_OUTPUT_LINE * len(("".join(text) if isinstance(text, list) else text).splitlines()) + 10


def is_figure(out):
    return any(mime in IMAGE_MIMES or mime == WIDGET_MIME for mime in out.get("data", {}))


def figure_top_px(page):
    """Estimated distance from the top of a page to its first figure; None if it has none."""
    top = 0.0
    for _, cell in page:
        if slide_type(cell) in ("skip", "notes"):
            continue
        if cell["cell_type"] == "markdown":
            top += markdown_height_px(cell_source(cell))
            continue
        if cell["cell_type"] != "code":
            continue
        if HIDE_INPUT_TAG not in cell.get("metadata", {}).get("tags", []):
            top += PX_CODE_LINE * len(cell_source(cell).strip().splitlines()) + PX_CODE_BLOCK
        for out in cell.get("outputs", []):
            if is_figure(out):
                return top
            top += output_height_px(out)
    return None


def shown(cell):
    """What a cell shows on its page: (has_text, code_lines, n_outputs, n_figures)."""
    kind = slide_type(cell)
    if kind in ("skip", "notes"):
        return False, 0, 0, 0
    if cell["cell_type"] == "markdown":
        return bool(cell_source(cell).strip()), 0, 0, 0
    if cell["cell_type"] != "code":
        return False, 0, 0, 0
    tags = cell.get("metadata", {}).get("tags", [])
    code_lines = 0 if HIDE_INPUT_TAG in tags else len(cell_source(cell).strip().splitlines())
    outputs = cell.get("outputs", [])
    figures = sum(1 for o in outputs for mime in o.get("data", {}) if mime in IMAGE_MIMES or mime == WIDGET_MIME)
    return False, code_lines, len(outputs), figures


def count_sections(body):
    """Number of <section> elements in a deck's HTML."""
    class Counter(html.parser.HTMLParser):
        n = 0

        def handle_starttag(self, tag, attrs):
            self.n += tag == "section"
    counter = Counter()
    counter.feed(body)
    return counter.n


def deck_problems(nb, body):
    """Each rule the deck breaks, as a sentence naming the page (1-based) or cell; [] if none."""
    problems = []
    deck_pages, n_top = pages(nb)
    if count_sections(body) != len(deck_pages) + n_top:
        problems.append(f"the deck has {count_sections(body)} <section> elements, expected "
                        f"{len(deck_pages) + n_top} ({n_top} slides, {len(deck_pages)} pages)")
    if not MIN_PAGES <= len(deck_pages) <= MAX_PAGES:
        problems.append(f"{len(deck_pages)} pages; a lecture deck has {MIN_PAGES} to {MAX_PAGES} "
                        f"(mark section starts 'slide' and steps 'subslide')")
    if n_top < 2:
        problems.append("only one top-level slide: mark each section's first cell slide_type 'slide'")
    for number, page in enumerate(deck_pages, start=1):
        stats = [shown(cell) for _, cell in page]
        has_text = any(s[0] for s in stats)
        code_lines, n_outputs, n_figures = (sum(s[i] for s in stats) for i in (1, 2, 3))
        first = page[0][0]
        if code_lines and not has_text and not n_outputs:
            problems.append(f"page {number} (cell {first}) shows only code and no output: give it a "
                            f"heading, merge it into the page before, or mark it 'skip'/'-'")
        top = figure_top_px(page)
        if top is not None and top > SLIDE_HEIGHT_PX:
            problems.append(f"page {number} (cell {first}): its first figure starts about {top:.0f} px down, "
                            f"below the {SLIDE_HEIGHT_PX} px slide; start a 'subslide' at the figure's "
                            f"cell or shorten what comes before it")
        if n_figures > MAX_FIGURES_PER_PAGE:
            problems.append(f"page {number} (cell {first}) shows {n_figures} figures; split it with "
                            f"'subslide' (at most {MAX_FIGURES_PER_PAGE} per page)")
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        data = [mime for o in cell.get("outputs", []) for mime in o.get("data", {})]
        if slide_type(cell) in ("skip", "notes") and any(m in IMAGE_MIMES or m == WIDGET_MIME for m in data):
            problems.append(f"cell {index} makes a figure but is marked '{slide_type(cell)}': "
                            f"the deck hides it")
        lines = [line for line in cell_source(cell).strip().splitlines() if line.strip()]
        if slide_type(cell) not in ("skip", "notes") and lines and \
                DRAWS_LAST_LINE.search(lines[-1].strip()) and not cell.get("outputs"):
            problems.append(f"cell {index} draws a figure but has no stored output: execute the "
                            f"notebook (tools/execute_notebooks.py) before building slides")
        if WIDGET_MIME in data and WIDGET_STATE_MIME not in nb.get("metadata", {}).get("widgets", {}):
            problems.append(f"cell {index} shows a widget but the notebook has no saved widget state: "
                            f"the deck shows it as text; execute with tools/execute_notebooks.py")
    if re.search(r"(VBox|HBox|interactive)\(children=", body):
        problems.append("the deck shows a widget as text ('VBox(children=...)'): the widget state is missing")
    return problems


# --- does every slide fit? (measured in headless Chromium) ---
# tools/browser_test.py provides the browser (Debian's chromium driven by playwright). Each deck is
# served over HTTP from its folder (vendor/ beside it: build with --offline), shown in a window of
# the projector size FIT_VIEWPORT, and every page is visited in every fragment state. On each page
# every content element's box is compared with the slide's box: content below or to the right of
# the slide counts, so does content cut off inside a box that clips or scrolls (a code line wider
# than the slide), and so does a printed or code line that wraps onto a second row. Sizes are in
# slide pixels (the deck's SLIDE_WIDTH_PX x SLIDE_HEIGHT_PX design size; the browser scales it by
# about 0.96 to leave reveal's margin).
FIT_VIEWPORT = {"width": 1280, "height": 720}
FIT_TOLERANCE_PX = 2      # sub-pixel rounding of scaled boxes

JS_DECK_READY = """() => {
  if (!(window.Reveal && Reveal.isReady && Reveal.isReady())) return false;
  if (window.MathJax && MathJax.Hub) {
    if (window.__fitMathDone === undefined) {   // MathJax's first typesetting of the page has ended
      window.__fitMathDone = false;
      MathJax.Hub.Register.StartupHook('End', () => { window.__fitMathDone = true; });
    }
    if (!window.__fitMathDone) return false;
  }
  const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length;
  return views === 0 || document.querySelectorAll('.jupyter-widgets').length > 0;
}"""

JS_DECK_PAGES = """() => {
  Reveal.configure({transition: 'none', backgroundTransition: 'none'});
  const pages = [];
  Reveal.getHorizontalSlides().forEach((h, i) => {
    const inner = h.querySelectorAll(':scope > section');
    const list = inner.length ? Array.from(inner) : [h];
    list.forEach((v, j) => pages.push({h: i, v: j, fragments: v.querySelectorAll('.fragment').length}));
  });
  return pages;
}"""

# Show a page in a fragment state; resolve once MathJax has typeset its formulas and the deck's fitting
# script (if the deck has one) has fitted it, or after 8 s (then the page is measured as it is).
JS_GOTO = """([h, v, f]) => new Promise(resolve => {
  Reveal.slide(h, v, f);
  const section = Reveal.getCurrentSlide(), started = Date.now();
  const typeset = () => Array.from(section.querySelectorAll('script[type^="math/tex"]')).every(script => {
    const details = script.closest('details');
    if (script.closest('aside.notes') || (details && !details.open)) return true;
    const frame = document.getElementById(script.id + '-Frame');
    return !!frame && frame.getBoundingClientRect().width > 0;
  });
  const loaded = () => Array.from(section.querySelectorAll('img')).every(img => img.complete);
  const fitted = () => !window.courseFitCurrent || section.getAttribute('data-course-fit') === 'done';
  const check = () => {
    const still = () => section.getAnimations({subtree: true}).every(a => a.playState !== 'running');
    if ((typeset() && loaded() && fitted() && still()) || Date.now() - started > 8000) {
      requestAnimationFrame(() => requestAnimationFrame(() => resolve(true)));
    } else setTimeout(check, 50);
  };
  check();
})"""

# What overflows on the present page: [{cell, what, text, kind, below, right}], sizes in slide px.
JS_MEASURE_PAGE = r"""(tol) => {
  const present = Array.from(document.querySelectorAll('.reveal .slides section.present'))
                       .filter(s => !s.querySelector(':scope > section'))[0];
  if (!present) return [{cell: '', what: 'page', text: 'no present slide', kind: 'missing', below: 0, right: 0}];
  const scale = Reveal.getScale();
  const box = document.querySelector('.reveal .slides').getBoundingClientRect();
  const cfg = Reveal.getConfig();
  const slideRight = box.left + cfg.width * scale, slideBottom = box.top + cfg.height * scale;
  const cellOf = el => { const c = el.closest('.jp-Cell'); return c ? (c.id || '').replace('cell-id=', '') : ''; };
  const label = el => {
    let name = el.tagName.toLowerCase();
    const cls = Array.from(el.classList).filter(c => /^(jp-|widget-|MathJax)/.test(c))[0];
    if (cls) name += '.' + cls;
    if (el.closest('.jp-CodeCell') && el.closest('.jp-InputArea')) return 'code ' + name;
    if (el.closest('.jp-MarkdownCell')) return 'text ' + name;
    if (el.closest('.jp-OutputArea')) return 'output ' + name;
    return name;
  };
  const snippet = el => {
    if (el.tagName === 'IMG') { const r = el.getBoundingClientRect();
      return 'image ' + Math.round(r.width / scale) + ' x ' + Math.round(r.height / scale) + ' px'; }
    return Array.from((el.innerText || el.textContent || '').replace(/\s+/g, ' ').trim()).slice(0, 60).join('');
  };
  const visible = el => {
    const r = el.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0 || el.closest('aside.notes')) return false;
    const details = el.parentElement && el.parentElement.closest('details');
    if (details && !details.open && el.tagName !== 'SUMMARY' && !el.closest('summary')) return false;
    const st = getComputedStyle(el);
    if (st.display === 'none') return false;
    // inside fragments the fragment classes decide (a fade-in may still be running)
    let fragment = el.closest('.fragment'), inside = false;
    while (fragment) {
      if (!fragment.classList.contains('visible')) return false;
      inside = true;
      fragment = fragment.parentElement.closest('.fragment');
    }
    return inside || st.visibility !== 'hidden';
  };
  const found = [];
  const selector = 'h1,h2,h3,h4,h5,h6,p,li,table,img,canvas,pre,svg,blockquote,details,summary,'
    + '.MathJax_Display,.jp-RenderedHTMLCommon>*,.jp-OutputArea-output,.jp-InputArea-editor,'
    + '.widget-box,.widget-slider,.widget-dropdown,.widget-html';
  const els = Array.from(present.querySelectorAll(selector)).filter(visible)
                   .filter(el => !(el.tagName.toLowerCase() === 'svg' && el.parentElement.closest('svg')));
  const over = [];
  for (const el of els) {
    const r = el.getBoundingClientRect();
    // a <pre> that does not wrap shows its long lines beyond its own box: count its content's width
    const contentRight = el.tagName === 'PRE' ? Math.max(r.right, r.left + el.scrollWidth * scale) : r.right;
    const below = (r.bottom - slideBottom) / scale, right = (contentRight - slideRight) / scale;
    if (below > tol || right > tol) over.push({el: el, below: Math.max(0, below), right: Math.max(0, right)});
  }
  // the innermost boxes only: an image below the slide also pushes its output area and cell down
  for (const o of over) {
    if (over.some(p => p !== o && o.el.contains(p.el))) continue;
    found.push({cell: cellOf(o.el), what: label(o.el), text: snippet(o.el), kind: 'outside',
                below: Math.round(o.below), right: Math.round(o.right)});
  }
  // content cut off inside a box that clips or scrolls (a wide code line, a scrolled output)
  for (const el of Array.from(present.querySelectorAll('*')).filter(visible)) {
    if (el.tagName === 'SECTION' || el.closest('svg') || el.closest('.MathJax_CHTML, .MathJax_Display')) continue;
    const st = getComputedStyle(el);
    const cutX = st.overflowX !== 'visible' ? el.scrollWidth - el.clientWidth : 0;
    const cutY = st.overflowY !== 'visible' ? el.scrollHeight - el.clientHeight : 0;
    if (cutX > tol || cutY > tol) {
      found.push({cell: cellOf(el), what: label(el), text: snippet(el), kind: 'cut off',
                  below: Math.round(Math.max(0, cutY)), right: Math.round(Math.max(0, cutX))});
    }
  }
  // a printed (or code) line that wraps: one source line shown on two or more rows
  for (const pre of Array.from(present.querySelectorAll('pre')).filter(visible)) {
    const texts = [];
    const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) texts.push(node);
    const chars = [];   // [textNode, offset, character] for the whole pre
    for (const t of texts) for (let c = 0; c < t.data.length; c++) chars.push([t, c, t.data[c]]);
    const style = getComputedStyle(pre);
    const half = (parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.3) * scale / 2;
    const range = document.createRange();
    let start = 0;
    while (start < chars.length) {
      let end = start;
      while (end < chars.length && chars[end][2] !== '\n') end++;
      const text = chars.slice(start, end).map(c => c[2]).join('');
      let wrapped = false;
      if (text.trim()) {
        range.setStart(chars[start][0], chars[start][1]);
        range.setEnd(chars[end - 1][0], chars[end - 1][1] + 1);
        const tops = Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => r.top);
        wrapped = tops.length > 1 && Math.max(...tops) - Math.min(...tops) > half;
      }
      if (wrapped) {
        let first = null, at = -1;
        for (let k = start; k < end; k++) {
          range.setStart(chars[k][0], chars[k][1]); range.setEnd(chars[k][0], chars[k][1] + 1);
          const r = range.getBoundingClientRect();
          if (r.width <= 0) continue;
          if (first === null) first = r.top;
          else if (r.top - first > half) { at = k - start; break; }
        }
        // prose may wrap at a space (the deck does so for lines too long for the slide); a number,
        // a name or any other token may not be split
        if (at > 0 && /\S/.test(text[at - 1]) && /\S/.test(text[at])) {
          found.push({cell: cellOf(pre), what: label(pre), kind: 'wraps mid-token',
                      text: `'${text.slice(Math.max(0, at - 14), at)}' / '${text.slice(at, at + 14)}'`,
                      below: 0, right: 0});
        }
      }
      start = end + 1;
    }
  }
  return found;
}"""


@contextlib.contextmanager
def serve_folder(folder):
    """A quiet HTTP server for folder on a free local port; yields its base URL."""
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def measure_deck(browser, deck, nb=None, base_url=None, timeout=90.0, screenshots=None):
    """Every overflow of a deck, measured in the browser, as sentences naming the page and element.

    deck: a built .slides.html (its folder is served unless base_url says where it is);
    nb: the notebook it came from (names each element's cell by its index); screenshots: a folder for
    one PNG per page (all fragments shown), e.g. build/slides/fit/. Returns (n_pages, problems).
    """
    deck = pathlib.Path(deck)
    ids = {cell.get("id"): index for index, cell in enumerate(nb["cells"])} if nb is not None else {}
    with contextlib.ExitStack() as stack:
        if base_url is None:
            base_url = stack.enter_context(serve_folder(deck.parent))
        context = browser.new_context(viewport=FIT_VIEWPORT, device_scale_factor=1)
        stack.callback(context.close)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base_url}/{deck.name}", wait_until="load", timeout=timeout * 1000)
        # no fades while measuring: a fragment is measured where it ends up (layout is not animated)
        page.add_style_tag(content=".reveal .slides section .fragment { transition: none !important; }")
        page.wait_for_function(JS_DECK_READY, timeout=timeout * 1000, polling=200)
        page.wait_for_timeout(300)   # widget views and fonts settle
        deck_pages = page.evaluate(JS_DECK_PAGES)
        seen = {}
        for number, where in enumerate(deck_pages, start=1):
            for fragment in range(-1, where["fragments"]):
                page.evaluate(JS_GOTO, [where["h"], where["v"], fragment])
                for item in page.evaluate(JS_MEASURE_PAGE, FIT_TOLERANCE_PX):
                    key = (number, item["cell"], item["what"], item["text"], item["kind"])
                    old = seen.get(key)
                    if old is None or item["below"] + item["right"] > old["below"] + old["right"]:
                        seen[key] = dict(item, page=number)
            if screenshots:
                pathlib.Path(screenshots).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(pathlib.Path(screenshots) / f"{deck.stem.removesuffix('.slides')}_p{number:02d}.png"))
        problems = [describe_overflow(deck.name.removesuffix(".slides.html"), item, ids)
                    for item in sorted(seen.values(), key=lambda i: i["page"])]
        problems += [f"{deck.name}: JavaScript error in the deck: {e}" for e in errors]
        return len(deck_pages), problems


def describe_overflow(deck, item, ids):
    """One sentence per overflow: deck, page, cell, element, what is wrong and by how many pixels."""
    cell = item["cell"]
    base, _, part = cell.partition("-part")
    if cell in ids:
        where = f"cell {ids[cell]}"
    elif base in ids:
        where = f"cell {ids[base]}, part {part} after a subslide mark"
    else:
        where = f"cell {cell}" if cell else "outside any cell"
    text = item["text"].encode("utf-8", "replace").decode("utf-8")   # a cut surrogate pair
    head = f"{deck} page {item['page']} ({where}) {item['what']} [{text}]"
    if item["kind"] == "outside":
        parts = [f"{item['below']} px below the slide" if item["below"] else "",
                 f"{item['right']} px right of the slide" if item["right"] else ""]
        return f"{head}: extends " + " and ".join(p for p in parts if p)
    if item["kind"] == "cut off":
        parts = [f"{item['right']} px wider" if item["right"] else "",
                 f"{item['below']} px taller" if item["below"] else ""]
        return f"{head}: cut off, its content is " + " and ".join(p for p in parts if p) + " than its box"
    return f"{head}: {item['kind']} (one printed line shown on two rows, broken at the slash)"


def check_fit(decks, chromium=None, log=None, screenshots=None):
    """Measure built decks: decks is [(deck path, notebook or None)]; returns {deck name: (pages, problems)}.

    One browser for all decks; each folder is served once.
    """
    try:
        from tools.browser_test import chromium_browser
    except ImportError:      # run as a script: tools/ itself is on sys.path
        from browser_test import chromium_browser
    results = {}
    with chromium_browser(chromium) as browser, contextlib.ExitStack() as stack:
        urls = {}
        for deck, nb in decks:
            deck = pathlib.Path(deck)
            if deck.parent not in urls:
                urls[deck.parent] = stack.enter_context(serve_folder(deck.parent))
            results[deck.name] = measure_deck(browser, deck, nb, urls[deck.parent], screenshots=screenshots)
            if log:
                log(f"{deck.name}: {results[deck.name][0]} pages, {len(results[deck.name][1])} overflow(s)")
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=pathlib.Path,
                        help="notebooks (default: every notebooks/*.ipynb)")
    parser.add_argument("--out", type=pathlib.Path, default=OUT, help="output folder (default build/slides)")
    parser.add_argument("--code", choices=CODE_MODES, default="figures",
                        help="which code the slides show: 'figures' (default) hides the code of cells that "
                             "draw (tag show-input to keep it), 'all' shows all, 'none' shows none")
    parser.add_argument("--offline", action="store_true",
                        help="vendor reveal.js, MathJax and the widget renderer from npm into OUT/vendor")
    parser.add_argument("--fit", action="store_true",
                        help="also open each deck in headless Chromium at 1280 x 720 and report every "
                             "element that extends below or right of a slide, is cut off, or wraps "
                             "(implies --offline; needs chromium and playwright, see tools/browser_test.py)")
    parser.add_argument("--screenshots", type=pathlib.Path, default=None,
                        help="with --fit: save one PNG per page (all fragments shown) into this folder")
    args = parser.parse_args(argv)
    paths = args.paths or sorted((ROOT / "notebooks").glob("*.ipynb"))
    if not paths:
        print("no notebooks to build (notebooks/*.ipynb is empty)")
        return 0
    found = False
    built = build(paths, args.out, args.offline or args.fit, args.code)
    for path, deck, n_pages, problems in built:
        print(f"{deck}: {n_pages} pages"
              + (f", {len(problems)} problem(s)" if problems else ""))
        for problem in problems:
            print(f"    {path.name}: {problem}")
        found = found or bool(problems)
    if args.fit:
        import nbformat
        fits = check_fit([(deck, nbformat.read(str(path), as_version=4)) for path, deck, _, _ in built],
                         screenshots=args.screenshots)
        for deck_name, (n_pages, problems) in fits.items():
            print(f"{deck_name}: {n_pages} pages measured, {len(problems)} overflow(s)")
            for problem in problems:
                print(f"    {problem}")
            found = found or bool(problems)
    print(f"open {args.out / 'index.html'}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
