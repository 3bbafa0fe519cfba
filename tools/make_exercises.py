"""Generate exercises/NN_topic.ipynb from solutions/NN_topic.ipynb (COURSE.md section 6).

    python tools/make_exercises.py            # write every exercise notebook
    python tools/make_exercises.py --check    # exit 1 if a committed exercise differs or leaks a solution

In a code cell, the lines between '### BEGIN SOLUTION' and '### END SOLUTION' are replaced by a
placeholder at the same indentation:

        # YOUR CODE HERE
        raise NotImplementedError("...")

A span at the top level of a cell makes the blank cell raise, so that cell is tagged
'raises-exception'. In a markdown cell the span becomes '*Your answer here.*'.
Cells tagged 'solution-only' are dropped. Outputs and execution counts are cleared.

A check cell (one that calls check_...) must hold nothing but check calls whose arguments are
plain names, e.g. ``check_lif_step(lif_step)``: the grader (course_lib.grade) runs these cells from
the exercise itself, by cell id, and calls the student's functions by those names.
"""
import argparse
import ast
import copy
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
PLACEHOLDER = 'raise NotImplementedError("write your code here, then rerun this cell")'


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
    return problems


def make_exercise(solution):
    """Return the exercise notebook (a dict) made from a solution notebook (a dict)."""
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
                cell.setdefault("metadata", {})["tags"] = tags + ["raises-exception"]
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cell.get("metadata", {}).pop("execution", None)
        cells.append(cell)
    exercise["cells"] = cells
    exercise.setdefault("metadata", {}).pop("widgets", None)
    return exercise


def dumps(nb):
    """Serialise a notebook the way nbformat writes it (stable diffs)."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only verify; exit 1 on any difference")
    args = parser.parse_args(argv)
    problems = []
    for sol_path in sorted((ROOT / "solutions").glob("*.ipynb")):
        ex_path = ROOT / "exercises" / sol_path.name
        solution = json.loads(sol_path.read_text(encoding="utf-8"))
        if not any(BEGIN in source_text(c) for c in solution["cells"]):
            problems.append(f"{sol_path.name}: has no '{BEGIN}' span, so the exercise would give everything away")
        problems += check_cell_problems(solution, sol_path.name)
        text = dumps(make_exercise(solution))
        if args.check:
            if not ex_path.exists() or ex_path.read_text(encoding="utf-8") != text:
                problems.append(f"{ex_path.relative_to(ROOT)} differs from what tools/make_exercises.py makes; "
                                f"run it and commit the result")
        else:
            ex_path.write_text(text, encoding="utf-8")
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
