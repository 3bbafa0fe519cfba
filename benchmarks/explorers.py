"""How fast every explorer of the lectures answers: its draw time at the defaults and at the corners.

    python benchmarks/explorers.py                    # every notebooks/*.ipynb, table on stdout
    python benchmarks/explorers.py notebooks/09_working_memory.ipynb
    python benchmarks/explorers.py --write            # also replace the table in benchmarks/README.md

Each lecture runs top to bottom in a fresh kernel (nbclient, nothing saved) with
COURSE_EXPLORER_CORNERS set to a scratch file: course_lib.widgets.explorer then draws each explorer's
figure at its default values and at the corners of its controls' ranges (widgets.corner_values) and
writes one line per draw with its time and any problem (a failed draw, a NaN curve or text). A draw is
the whole answer to a slider move in the kernel: the simulation, the figure and its rendering to the PNG
that the notebook shows (widgets.render_png), without the browser's work. One more draw per explorer, at
its defaults, is sampled (benchmarks/draw_sampler.py) to say where the time goes: the model (course_lib),
the figure (matplotlib, building and rendering it) or the cell's own code.
A draw shorter than a few milliseconds may get no sample ("-" in the table). Measure with nothing else running: the
load average at the start is printed with the table. Issue 19's targets: median <= 0.5 s and worst
<= 1 s per explorer on 2 cores.
"""
import argparse
import json
import os
import pathlib
import sys
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = ROOT / "benchmarks" / "README.md"
BEGIN, END = "<!-- explorers: begin -->", "<!-- explorers: end -->"
TARGET_MEDIAN_S, TARGET_WORST_S = 0.5, 1.0


def draws_of(notebook, timeout=900):
    """Run one notebook with the corner check on; return its draw records (title, values, seconds)."""
    import nbformat
    from nbclient import NotebookClient
    with tempfile.TemporaryDirectory() as scratch:
        record = pathlib.Path(scratch) / "draws.jsonl"
        os.environ.update(COURSE_EXPLORER_CORNERS=str(record), COURSE_PROGRESS="0", MPLBACKEND="Agg")
        nb = nbformat.read(str(notebook), as_version=4)
        nb.cells.insert(0, nbformat.v4.new_code_cell(
            f"import sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); import draw_sampler; draw_sampler.install()"))
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(notebook.parent)}}).execute()
        return [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []


def summary_rows(notebook, records):
    """One row per explorer: draws, default, median and worst time (s), the worst corner's values."""
    rows = []
    splits = {r["title"]: r["split"] for r in records if "split" in r}
    records = [r for r in records if "seconds" in r]
    for title in dict.fromkeys(r["title"] for r in records):
        mine = [r for r in records if r["title"] == title]
        seconds = np.array([r["seconds"] for r in mine])
        worst = mine[int(np.argmax(seconds))]
        rows.append({"notebook": notebook.name, "title": title, "draws": len(mine),
                     "default_s": mine[0]["seconds"], "median_s": float(np.median(seconds)),
                     "worst_s": float(seconds.max()), "worst_at": worst["values"],
                     "problems": sum(1 for r in mine if r["problem"]), "split": splits.get(title, {})})
    return rows


def split_text(split):
    """'62 / 30 / 8': percent of a sampled draw in the model, the figure, and the rest ('-' if not sampled)."""
    if not split:
        return "-"
    rest = split.get("cell", 0.0) + split.get("other", 0.0)
    return " / ".join(f"{100 * share:.0f}" for share in (split.get("model", 0.0), split.get("figure", 0.0), rest))


def markdown_table(rows, load):
    lines = [f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, load average at the start "
             f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1 / 5 / 15 min); targets: median <= "
             f"{TARGET_MEDIAN_S} s and worst <= {TARGET_WORST_S} s.", "",
             "A draw is timed with the rendering of its figure to PNG. The last column samples one more draw at the "
             "defaults: the share of its time spent in the model (course_lib), the figure (matplotlib: building and "
             "rendering it) and the cell's own code or other libraries.", "",
             "| lecture | explorer | draws | default (s) | median (s) | worst (s) | worst at | meets targets | problems "
             "| model / figure / other (%) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        meets = "yes" if r["median_s"] <= TARGET_MEDIAN_S and r["worst_s"] <= TARGET_WORST_S else "no"
        at = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in r["worst_at"].items())
        lines.append(f"| {r['notebook'][:2]} | {r['title']} | {r['draws']} | {r['default_s']:.2f} | "
                     f"{r['median_s']:.2f} | {r['worst_s']:.2f} | {at} | {meets} | {r['problems']} | "
                     f"{split_text(r['split'])} |")
    return "\n".join(lines)


def write_readme(table):
    """Replace the text between the explorer markers of benchmarks/README.md (append it if absent)."""
    text = README.read_text()
    block = f"{BEGIN}\n{table}\n{END}"
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text += f"\n## Explorer draw times (issue 19)\n\n`python benchmarks/explorers.py --write`\n\n{block}\n"
    README.write_text(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=pathlib.Path)
    parser.add_argument("--write", action="store_true", help="replace the table in benchmarks/README.md")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    paths = [p.resolve() for p in args.paths] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    rows, failed = [], []
    for path in paths:
        start = time.perf_counter()
        try:
            rows += summary_rows(path, draws_of(path))
        except Exception as err:   # noqa: BLE001 - a notebook that does not run is reported, the rest go on
            failed.append(path.name)
            print(f"{path.name} did not run: {type(err).__name__}: {str(err).strip().splitlines()[-1:]}",
                  file=sys.stderr)
        print(f"{path.name}: {time.perf_counter() - start:.0f} s", file=sys.stderr)
    table = markdown_table(rows, load)
    print(table)
    if args.write:
        write_readme(table)
    return 1 if failed or any(r["problems"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
