"""Reading chapter notebooks: exercises, their solutions and tests, and filled-in copies.

Used by the self-check, the demo and the integrity tests. Works for any chapter that
follows the course pattern (an answer cell with a solution, then a graded test cell).
"""
from __future__ import annotations

import ast
import copy
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

SOLUTION_RE = re.compile(r"^[ \t]*### BEGIN SOLUTION[ \t]*\n(.*?)^[ \t]*### END SOLUTION[ \t]*$", re.S | re.M)
HIDDEN_RE = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[ \t]*\n(.*?)^[ \t]*### END HIDDEN TESTS[ \t]*\n?", re.S | re.M)


def read(path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_test_cell(cell) -> bool:
    m = meta(cell)
    return cell.cell_type == "code" and bool(m.get("grade")) and not m.get("solution") and bool(m.get("points"))


def is_answer_cell(cell) -> bool:
    m = meta(cell)
    return cell.cell_type == "code" and bool(m.get("solution"))


def solution_code(source: str) -> str:
    """The code between the solution markers (dedented), or the whole source."""
    parts = SOLUTION_RE.findall(source)
    return "\n".join(textwrap.dedent(p) for p in parts) if parts else source


def split_tests(source: str) -> tuple[str, str]:
    """(visible part, hidden part) of a test cell's source."""
    hidden = "\n".join(HIDDEN_RE.findall(source))
    visible = HIDDEN_RE.sub("", source)
    return visible, hidden


def assigned_names(code: str) -> list[str]:
    """Top-level names a solution assigns, in order (the variables the exercise asks for)."""
    names: list[str] = []
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return names

    def add(target):
        if isinstance(target, ast.Name) and target.id not in names:
            names.append(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                add(t)

    for node in tree.body:
        if isinstance(node, ast.Assign):
            for t in node.targets:
                add(t)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            add(node.target)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name not in names:
            names.append(node.name)
    return names


@dataclass
class Exercise:
    answer_id: str          # grade_id of the answer cell
    test_id: str            # grade_id of the graded test cell
    points: float
    solution: str           # the solution code (from the source notebook)
    test_source: str        # the full test cell (visible + hidden)
    names: list[str] = field(default_factory=list)

    @property
    def visible_tests(self) -> str:
        return split_tests(self.test_source)[0]

    @property
    def hidden_tests(self) -> str:
        return split_tests(self.test_source)[1]


def exercises(source_nb) -> list[Exercise]:
    """Autograded exercises of a teacher notebook: each graded test cell with the answer cell above it."""
    found = []
    last_answer = None
    for cell in source_nb.cells:
        if is_answer_cell(cell):
            last_answer = cell
        elif is_test_cell(cell) and last_answer is not None:
            code = solution_code(last_answer.source)
            found.append(Exercise(meta(last_answer)["grade_id"], meta(cell)["grade_id"],
                                  float(meta(cell)["points"]), code, cell.source, assigned_names(code)))
            last_answer = None
    return found


def written_answers(source_nb) -> list[str]:
    """grade_ids of manually graded markdown answers."""
    return [meta(c)["grade_id"] for c in source_nb.cells
            if c.cell_type == "markdown" and meta(c).get("grade") and meta(c).get("solution")]


def fill(release_nb, answers: dict[str, str], *, tests: dict[str, str | None] | None = None,
         written: str | None = None) -> nbformat.NotebookNode:
    """A copy of the student version with answer cells replaced.

    ``answers`` maps an answer cell's grade_id to its new code. ``tests`` maps a test
    cell's grade_id to new source (an edited read-only cell) or None (the cell deleted).
    ``written`` fills every manually graded markdown answer.
    """
    nb = copy.deepcopy(release_nb)
    cells = []
    for cell in nb.cells:
        gid = meta(cell).get("grade_id")
        if gid in answers and is_answer_cell(cell):
            cell.source = answers[gid]
        elif tests and gid in tests:
            if tests[gid] is None:
                continue
            cell.source = tests[gid]
        elif written is not None and cell.cell_type == "markdown" and meta(cell).get("solution"):
            cell.source = written
        cells.append(cell)
    nb.cells = cells
    return nb


def solutions(source_nb) -> dict[str, str]:
    """Every answer cell's solution code, by grade_id."""
    return {meta(c)["grade_id"]: solution_code(c.source) for c in source_nb.cells if is_answer_cell(c)}


def source_notebook(course_dir: Path, chapter: str) -> Path:
    return Path(course_dir) / "source" / chapter / f"{chapter}.ipynb"


def release_notebook(course_dir: Path, chapter: str) -> Path:
    return Path(course_dir) / "release" / chapter / f"{chapter}.ipynb"
