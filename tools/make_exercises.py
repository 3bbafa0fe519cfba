"""Generate exercises/NN_topic.ipynb from solutions/NN_topic.ipynb (COURSE.md section 6).

    python tools/make_exercises.py            # write every exercise notebook
    python tools/make_exercises.py --execute  # ... and store each check cell's "not implemented yet" line
    python tools/make_exercises.py --check    # exit 1 if a committed exercise differs or leaks a solution

In a code cell, the lines between '### BEGIN SOLUTION' and '### END SOLUTION' are replaced by a
placeholder at the same indentation:

        # YOUR CODE HERE
        raise NotImplementedError("...")

A span at the top level of a cell makes the blank cell raise, so that cell is tagged
'raises-exception'. In a markdown cell the span becomes '*Your answer here.*'.
Cells tagged 'solution-only' are dropped. Outputs and execution counts are cleared, except
in check cells: there the exercise keeps the line a blank exercise prints ("not implemented yet --
<task>: ..."), which tells the student what each check tests and which nbval compares in CI
(CONVENTIONS.md section 17). --execute runs the fresh exercise (tools/execute_notebooks.py, fixed
check seed) and stores those lines; without it, a check cell keeps the lines already stored for the
same cell id and source.

A check cell (one that calls check_...) must hold nothing but check calls whose arguments are
plain names, e.g. ``check_lif_step(lif_step)``: the grader (course_lib.grade) runs these cells from
the exercise itself, by cell id, and calls the student's functions by those names. It carries the
tag 'nbval-check-output', so that nbval compares its line with the stored one; in a solution, a
cell that prints numbers should carry it too (the exercise drops it there: that cell is blank).
"""
import argparse
import ast
import copy
import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
PLACEHOLDER = 'raise NotImplementedError("write your code here, then rerun this cell")'
CHECK_TAG = "nbval-check-output"


def source_text(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def blank_spans(text, markdown=False):
    """Replace every BEGIN/END SOLUTION span of text; returns (new_text, any_top_level_span)."""
    out, inside, top_level = [], False, False
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"nested '{BEGIN}'")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            if markdown:
                out.append("*Your answer here.*")
            else:
                out += [indent + "# YOUR CODE HERE", indent + PLACEHOLDER]
                top_level = top_level or indent == ""
        elif stripped == END:
            if not inside:
                raise ValueError(f"'{END}' without '{BEGIN}'")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"'{BEGIN}' without '{END}'")
    return "\n".join(out), top_level


CHECK_CALL = re.compile(r"^\s*(?:\w+\.)*(check_\w+)\s*\(", re.MULTILINE)


def is_check_cell(cell):
    return cell["cell_type"] == "code" and bool(CHECK_CALL.search(source_text(cell)))


def check_cell_problems(nb, name):
    """Check cells that the grader could not run from outside: other code, or arguments that are not names."""
    problems = []
    for index, cell in enumerate(nb["cells"]):
        text = source_text(cell)
        if cell["cell_type"] != "code" or not CHECK_CALL.search(text):
            continue
        for node in ast.parse(text).body:
            call = node.value if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) else None
            plain = call is not None and isinstance(call.func, ast.Name) and call.func.id.startswith("check_") and \
                all(isinstance(a, ast.Name) for a in call.args) and not call.keywords
            if not plain:
                problems.append(f"{name}: cell {index} ({cell.get('id')}) calls a check but also holds "
                                f"'{ast.unparse(node)[:60]}'; a check cell holds only check_x(name) calls")
        if not cell.get("id"):
            problems.append(f"{name}: check cell {index} has no cell id (nbformat 4.5 is needed)")
        if CHECK_TAG not in cell.get("metadata", {}).get("tags", []):
            problems.append(f"{name}: check cell {index} ({cell.get('id')}) lacks the tag '{CHECK_TAG}', "
                            f"so nbval would not compare its line; add it to the cell's tags")
    return problems


def stored_check_outputs(exercise):
    """{(cell id, source): (outputs, execution count)} of an exercise's check cells (a dict, or None)."""
    if not exercise:
        return {}
    return {(c.get("id"), source_text(c)): (c.get("outputs", []), c.get("execution_count"))
            for c in exercise["cells"] if is_check_cell(c) and c.get("outputs")}


def make_exercise(solution, previous=None):
    """Return the exercise notebook (a dict) made from a solution notebook (a dict).

    previous: the exercise as stored (or as just executed); its check cells' outputs are kept.
    """
    kept = stored_check_outputs(previous)
    exercise = copy.deepcopy(solution)
    cells = []
    for cell in exercise["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if "solution-only" in tags:
            continue
        text = source_text(cell)
        if BEGIN in text:
            new_text, top_level = blank_spans(text, markdown=cell["cell_type"] == "markdown")
            cell["source"] = new_text
            if top_level and "raises-exception" not in tags:
                tags = tags + ["raises-exception"]
                cell.setdefault("metadata", {})["tags"] = tags
        if CHECK_TAG in tags and not is_check_cell(cell):
            cell["metadata"]["tags"] = [t for t in tags if t != CHECK_TAG]
        if cell["cell_type"] == "code":   # nbval needs a count beside a stored output
            key = (cell.get("id"), source_text(cell))
            cell["outputs"], cell["execution_count"] = kept[key] if is_check_cell(cell) and key in kept else ([], None)
        cell.get("metadata", {}).pop("execution", None)
        cells.append(cell)
    exercise["cells"] = cells
    exercise.setdefault("metadata", {}).pop("widgets", None)
    return exercise


def dumps(nb):
    """Serialise a notebook the way nbformat writes it (stable diffs)."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def read_notebook(path):
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def execute_exercise(ex_path):
    """Run a generated exercise in a fresh kernel and store only its check cells' lines."""
    executor = ROOT / "tools" / "execute_notebooks.py"
    proc = subprocess.run([sys.executable, str(executor), str(ex_path)], capture_output=True, text=True)
    print(proc.stdout.strip())
    if proc.returncode != 0:
        raise SystemExit(f"{ex_path.relative_to(ROOT)} did not run as a blank exercise:\n{proc.stderr[-2000:]}")
    return read_notebook(ex_path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only verify; exit 1 on any difference")
    parser.add_argument("--execute", action="store_true",
                        help="also run each exercise and store its check cells' lines (about a minute)")
    args = parser.parse_args(argv)
    problems = []
    for sol_path in sorted((ROOT / "solutions").glob("*.ipynb")):
        ex_path = ROOT / "exercises" / sol_path.name
        solution = json.loads(sol_path.read_text(encoding="utf-8"))
        if not any(BEGIN in source_text(c) for c in solution["cells"]):
            problems.append(f"{sol_path.name}: has no '{BEGIN}' span, so the exercise would give everything away")
        problems += check_cell_problems(solution, sol_path.name)
        exercise = make_exercise(solution, read_notebook(ex_path))
        if args.check:
            if not ex_path.exists() or ex_path.read_text(encoding="utf-8") != dumps(exercise):
                problems.append(f"{ex_path.relative_to(ROOT)} differs from what tools/make_exercises.py makes; "
                                f"run it and commit the result")
            elif any(is_check_cell(c) and not c["outputs"] for c in exercise["cells"]):
                problems.append(f"{ex_path.relative_to(ROOT)} has a check cell without its stored line; "
                                f"run python tools/make_exercises.py --execute")
            continue
        ex_path.write_text(dumps(exercise), encoding="utf-8")
        if args.execute:
            ex_path.write_text(dumps(make_exercise(solution, execute_exercise(ex_path))), encoding="utf-8")
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
