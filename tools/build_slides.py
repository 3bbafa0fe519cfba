"""Build a reveal.js slide deck for every lecture notebook from the cells' slideshow metadata.

    python tools/build_slides.py                      # every notebooks/*.ipynb -> build/slides/
    python tools/build_slides.py notebooks/01_lif.ipynb
    python tools/build_slides.py --offline            # decks that need no internet (see below)

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
SLIDE_HEIGHT_PX = 700     # reveal.js design height of a slide (nbconvert's default)
HIDE_INPUT_TAG = "hide-input"   # this cell's code never shows on a slide
SHOW_INPUT_TAG = "show-input"   # this cell's code shows even though the cell draws a figure
CODE_MODES = ("figures", "all", "none")
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
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tags = list(cell.metadata.get("tags", []))
        hide = code == "none" or (code == "figures" and draws(cell) and SHOW_INPUT_TAG not in tags)
        if hide and HIDE_INPUT_TAG not in tags:
            cell.metadata["tags"] = tags + [HIDE_INPUT_TAG]
    return nb


def make_exporter(offline=False):
    """nbconvert's SlidesExporter with the course settings (no prompts, scrolling tall slides)."""
    from nbconvert import SlidesExporter
    from traitlets.config import Config
    config = Config()
    config.SlidesExporter.reveal_theme = "white"       # its fonts ship with reveal.js (no Google Fonts)
    config.SlidesExporter.reveal_scroll = True         # a tall slide scrolls instead of being cut off
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


# Course look on top of reveal's white theme: headings in normal case and a size that leaves room.
COURSE_CSS = """<style type="text/css">
.reveal h1, .reveal h2, .reveal h3 { text-transform: none; }
.reveal h1 { font-size: 1.9em; } .reveal h2 { font-size: 1.4em; } .reveal h3 { font-size: 1.15em; }
.reveal .jp-RenderedImage img { max-height: 560px; }
</style>
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
        if "mermaid" not in "".join(cell_source(c) for c in nb.cells if c.cell_type == "markdown"):
            body = MERMAID_SCRIPT.sub("", body)   # no diagrams: do not load mermaid (a CDN request)
        body = body.replace("</head>", COURSE_CSS + "</head>", 1)
        deck = out / f"{path.stem}.slides.html"
        deck.write_text(body, encoding="utf-8")
        built.append((path, deck, len(pages(nb)[0]), deck_problems(nb, body)))
    write_index(out, [item[1] for item in built])
    return built


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
    args = parser.parse_args(argv)
    paths = args.paths or sorted((ROOT / "notebooks").glob("*.ipynb"))
    if not paths:
        print("no notebooks to build (notebooks/*.ipynb is empty)")
        return 0
    found = False
    for path, deck, n_pages, problems in build(paths, args.out, args.offline, args.code):
        print(f"{deck}: {n_pages} pages"
              + (f", {len(problems)} problem(s)" if problems else ""))
        for problem in problems:
            print(f"    {path.name}: {problem}")
        found = found or bool(problems)
    print(f"open {args.out / 'index.html'}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
