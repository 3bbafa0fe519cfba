"""Grade a returned exercise notebook: execute it, collect every check's result, print a score table.

    python -m course_lib.grade RETURNED.ipynb [MORE.ipynb ...] [--json summary.json] [--timeout 600]

Exit status: 0 if every check passed, 1 if some did not, 2 if a notebook could not be read or run.
The JSON summary (``--json PATH``, or ``--json -`` for standard output) lists, per notebook, each
task with its status, points and message, and the cells that raised errors unexpectedly.
"""
import argparse
import json
import os
import pathlib
import re
import sys

from .checks import CHECK_MIME

CHECK_CALL = re.compile(r"^\s*(?:\w+\.)*(check_\w+)\s*\(", re.MULTILINE)


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def execute(path, timeout=600):
    """Execute a notebook top to bottom in a fresh kernel (errors kept in the outputs); returns it."""
    import nbformat
    from nbclient import NotebookClient
    os.environ["COURSE_PROGRESS"] = "0"
    nb = nbformat.read(str(path), as_version=4)
    client = NotebookClient(nb, timeout=timeout, allow_errors=True, kernel_name="python3",
                            resources={"metadata": {"path": str(pathlib.Path(path).resolve().parent)}})
    client.execute()
    return nb


def collect(nb):
    """Return (tasks, unexpected_errors) from an executed notebook.

    tasks: one dict per check call (task, status, points, max_points, message); a check cell that
    raised before publishing counts as 'not yet' with the error named.
    unexpected_errors: errors in cells not tagged 'raises-exception'.
    """
    tasks, errors = [], []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        calls = CHECK_CALL.findall(_source(cell))
        records = [out["data"][CHECK_MIME] for out in cell.get("outputs", [])
                   if out.get("output_type") in ("display_data", "execute_result") and CHECK_MIME in out.get("data", {})]
        error = next((out for out in cell.get("outputs", []) if out.get("output_type") == "error"), None)
        tags = cell.get("metadata", {}).get("tags", [])
        if error is not None and "raises-exception" not in tags:
            errors.append({"cell": index, "error": f"{error['ename']}: {error['evalue']}"})
        tasks.extend(records)
        for name in calls[len(records):]:
            why = f"{error['ename']}: {error['evalue']}" if error else "the check did not run"
            tasks.append({"task": name, "status": "not yet", "passed": False, "points": 0, "max_points": 1,
                          "message": f"cell {index} did not report a result ({why})"})
    return tasks, errors


def summarise(path, tasks, errors):
    """Summary dict of one graded notebook."""
    return {"notebook": str(path), "score": sum(t["points"] for t in tasks),
            "max_score": sum(t["max_points"] for t in tasks), "tasks": tasks, "unexpected_errors": errors}


def format_table(summary):
    """Human-readable score table of one notebook."""
    lines = [f"{summary['notebook']}", f"{'task':<44} {'status':<20} points"]
    for t in summary["tasks"]:
        lines.append(f"{t['task'][:44]:<44} {t['status']:<20} {t['points']}/{t['max_points']}")
    lines.append(f"{'total':<44} {'':<20} {summary['score']}/{summary['max_score']}")
    for e in summary["unexpected_errors"]:
        lines.append(f"  note: cell {e['cell']} raised {e['error']}")
    return "\n".join(lines)


def grade(path, timeout=600):
    """Execute and grade one notebook; returns its summary dict."""
    tasks, errors = collect(execute(path, timeout))
    return summarise(path, tasks, errors)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Execute returned exercise notebooks and score their checks.")
    parser.add_argument("notebooks", nargs="+", help="returned .ipynb files")
    parser.add_argument("--json", help="write the machine-readable summary here ('-' for stdout)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    summaries, status = [], 0
    for path in args.notebooks:
        try:
            summary = grade(path, args.timeout)
        except Exception as err:  # unreadable file, kernel death: report and go on
            summary = {"notebook": path, "score": 0, "max_score": 0, "tasks": [], "unexpected_errors": [],
                       "failure": f"{type(err).__name__}: {err}"}
            print(f"{path}: could not be graded ({summary['failure']})", file=sys.stderr)
            status = 2
        else:
            print(format_table(summary), file=sys.stderr if args.json == "-" else sys.stdout)
            if summary["score"] < summary["max_score"] or summary["max_score"] == 0:
                status = max(status, 1)
        summaries.append(summary)
    if args.json:
        text = json.dumps({"notebooks": summaries}, indent=2)
        if args.json == "-":
            print(text)
        else:
            pathlib.Path(args.json).write_text(text + "\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
