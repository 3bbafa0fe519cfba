"""Every lecture pauses for the student to predict, and every question it asks has an answer.

A **Think! moment** is a markdown cell whose text starts with ``**Think!**``, followed by the question
and then one collapsible answer:

    **Think!** <the question>

    <details><summary>Answer</summary>

    <the answer>
    </details>

A "Check your understanding" cell is a markdown cell whose heading contains that phrase. Its questions are
numbered ("1." or "**1.**" at the start of a line, outside any ``<details>`` block). They are answered either by
one ``<details><summary>Answers</summary>`` block holding a numbered answer for every question, or by a
``<details><summary>Answer</summary>`` block after each question.

The same walk through the lectures also checks that every explorer stores a static copy of its default figure
(course_lib.widgets.explorer puts an image/png next to the widget in the cell's output), so that a notebook opened
before it is run, or on a static viewer, shows a figure instead of "VBox(children=...)".

The test fails if a lecture has fewer than MIN_THINK Think! moments, a Think! moment without a non-empty
answer, or a question without an answer. tests/fixtures/think_bad.ipynb breaks each rule once, so the test shows
that it can fail; tests/fixtures/think_good.ipynb follows them.
"""
import pathlib
import re

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
LECTURES = sorted((ROOT / "notebooks").glob("*.ipynb"))
MIN_THINK = 2
THINK_MARK = "**Think!**"
CHECK_HEADING = re.compile(r"^#+\s*check your understanding", re.IGNORECASE | re.MULTILINE)
DETAILS = re.compile(r"<details>\s*<summary>\s*(Answers?)\s*</summary>(.*?)</details>", re.DOTALL | re.IGNORECASE)
NUMBERED = re.compile(r"^\s{0,3}(?:\*\*)?(\d+)\.(?:\*\*)?\s+\S", re.MULTILINE)


def markdown_cells(path):
    nb = nbformat.read(str(path), as_version=4)
    return [(index, cell.source) for index, cell in enumerate(nb.cells) if cell.cell_type == "markdown"]


def think_problems(index, text):
    """Problems of one Think! cell: a question and exactly one non-empty collapsible answer."""
    blocks = DETAILS.findall(text)
    question = DETAILS.split(text)[0].replace(THINK_MARK, "", 1).strip()
    problems = []
    if not question:
        problems.append(f"cell {index}: Think! without a question")
    if len(blocks) != 1 or blocks[0][0].lower() != "answer":
        problems.append(f"cell {index}: Think! needs one <details><summary>Answer</summary> ... </details> block "
                        f"(found {len(blocks)})")
    elif not blocks[0][1].strip():
        problems.append(f"cell {index}: Think! has an empty answer")
    return problems


def check_problems(index, text):
    """Problems of one "Check your understanding" cell: every numbered question needs an answer."""
    outside = DETAILS.sub(lambda m: "\0" * len(m.group(0)), text)      # same length, details blanked out
    questions = [(int(m.group(1)), m.start()) for m in NUMBERED.finditer(outside)]
    if not questions:
        return [f"cell {index}: 'Check your understanding' without numbered questions"]
    answered = set()
    for block in DETAILS.finditer(text):
        body = block.group(2)
        numbers = {int(n) for n in NUMBERED.findall(body)}
        if numbers:
            answered |= numbers                       # one block with numbered answers
        elif body.strip():
            before = [q for q, start in questions if start < block.start()]
            if before:
                answered.add(before[-1])              # one block right after its question
    missing = [q for q, _ in questions if q not in answered]
    return [f"cell {index}: question {q} has no answer" for q in missing]


def problems_of(path):
    """Every broken rule of one notebook, as sentences; [] if it has none."""
    problems, n_think = [], 0
    for index, text in markdown_cells(path):
        if text.lstrip().startswith(THINK_MARK):
            found = think_problems(index, text)
            n_think += not found                      # only a complete Think! moment counts
            problems += found
        if CHECK_HEADING.search(text):
            problems += check_problems(index, text)
    if n_think < MIN_THINK:
        problems.append(f"{n_think} complete Think! moment(s); a lecture needs at least {MIN_THINK}")
    return problems


@pytest.mark.parametrize("path", LECTURES, ids=[p.stem for p in LECTURES])
def test_lecture_has_think_moments_and_answers(path):
    problems = problems_of(path)
    assert not problems, f"{path.name}:\n  " + "\n  ".join(problems)


def test_the_rules_can_fail():
    problems = problems_of(FIXTURES / "think_bad.ipynb")
    expected = ["Think! has an empty answer", "Think! needs one", "question 2 has no answer",
                "question 3 has no answer", "Think! moment(s); a lecture needs at least",
                "Think! without a question"]
    for phrase in expected:
        assert any(phrase in p for p in problems), (phrase, problems)
    assert not any("question 1 " in p for p in problems), problems      # question 1 is answered


def test_the_good_fixture_passes():
    assert problems_of(FIXTURES / "think_good.ipynb") == []


WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


@pytest.mark.parametrize("path", LECTURES, ids=[p.stem for p in LECTURES])
def test_every_explorer_stores_its_default_figure(path):
    nb = nbformat.read(str(path), as_version=4)
    missing = [index for index, cell in enumerate(nb.cells) if cell.cell_type == "code"
               for out in cell.get("outputs", []) if WIDGET_MIME in out.get("data", {})
               and "image/png" not in out["data"]]
    assert not missing, (f"{path.name}: explorer output in cell(s) {missing} has no static figure; "
                         f"re-execute it with tools/execute_notebooks.py")
