"""Reading chapter notebooks: exercises, their solutions and tests, and filled-in copies.

Used by the self-check, the demo and the integrity tests. Works for any chapter that
follows the course pattern (an answer cell with a solution, then a graded test cell).
"""
from __future__ import annotations

import ast
import copy
import functools
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import nbformat
from nbgrader.utils import is_grade, is_solution


class Delimiters(NamedTuple):
    """nbgrader's region markers: ClearSolutions.begin/end_solution_delimeter and
    ClearHiddenTests.begin/end_test_delimeter, as the configuration sets them."""

    solution_begin: str
    solution_end: str
    hidden_begin: str
    hidden_end: str


def delimiters(config=None) -> Delimiters:
    """The markers under ``config`` (a traitlets Config; default: nbgrader's own defaults)."""
    if config is None:
        return _default_delimiters()
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    config = copy.deepcopy(config)  # ClearSolutions rewrites some of its settings in the config it gets
    solutions, hidden = ClearSolutions(config=config), ClearHiddenTests(config=config)
    return Delimiters(solutions.begin_solution_delimeter, solutions.end_solution_delimeter,
                      hidden.begin_test_delimeter, hidden.end_test_delimeter)


@functools.lru_cache(maxsize=1)
def _default_delimiters() -> Delimiters:
    from traitlets.config import Config

    return delimiters(Config())


def course_delimiters(course_dir: Path) -> Delimiters:
    """The markers the course's nbgrader_config.py sets (nbgrader's defaults where it sets none)."""
    from .launch import course_config

    return delimiters(course_config(course_dir))


def regions(source: str, begin: str, end: str) -> tuple[str, list[str]]:
    """(source without the regions, [text of each region]) for the regions between ``begin`` and ``end``.

    As nbgrader reads them: a line that contains a delimiter is a delimiter line and belongs to
    neither part; a region without its end runs to the end of the source.
    """
    outside: list[str] = []
    blocks: list[list[str]] = []
    inside = False
    for line in source.split("\n"):
        if begin in line:
            inside = True
            blocks.append([])
        elif end in line:
            inside = False
        elif inside:
            blocks[-1].append(line)
        else:
            outside.append(line)
    return "\n".join(outside), ["".join(f"{line}\n" for line in block) for block in blocks]


def read(path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_test_cell(cell) -> bool:
    """A graded code cell that is not an answer: an exercise's tests (nbgrader's cell roles)."""
    return cell.get("cell_type") == "code" and bool(is_grade(cell)) and not is_solution(cell)


def is_answer_cell(cell) -> bool:
    """A code cell the student writes in (nbgrader's solution role)."""
    return cell.get("cell_type") == "code" and bool(is_solution(cell))


def is_written_answer(cell) -> bool:
    """A manually graded markdown answer."""
    return cell.get("cell_type") == "markdown" and bool(is_grade(cell)) and bool(is_solution(cell))


def solution_code(source: str, marks: Delimiters | None = None) -> str:
    """The code between the solution delimiters (each block dedented), or the whole source."""
    marks = marks or delimiters()
    blocks = regions(source, marks.solution_begin, marks.solution_end)[1]
    return "\n".join(textwrap.dedent(b) for b in blocks) if blocks else source


def split_tests(source: str, marks: Delimiters | None = None) -> tuple[str, str]:
    """(visible part, hidden part) of a test cell's source."""
    marks = marks or delimiters()
    visible, blocks = regions(source, marks.hidden_begin, marks.hidden_end)
    return visible, "\n".join(blocks)


def secret_blocks(source: str, marks: Delimiters | None = None) -> tuple[str, list[str]]:
    """(public text, [solution and hidden-test blocks]) of a teacher cell."""
    marks = marks or delimiters()
    rest, solutions = regions(source, marks.solution_begin, marks.solution_end)
    public, hidden = regions(rest, marks.hidden_begin, marks.hidden_end)
    return public, solutions + hidden


def hidden_lines(source_nb, marks: Delimiters | None = None) -> list[str]:
    """Distinctive lines of a teacher notebook's hidden tests (to look for in feedback): the
    lines of at least 12 characters that are no comment and that the public text of the teacher
    version (outside solutions and hidden tests: what students see anyway) does not contain,
    white space ignored (``assert type(x) is int`` of a visible ``assert type(x) is int, "提示"``).
    ``source_nb``: a notebook or its path."""
    if isinstance(source_nb, (str, Path)):
        source_nb = read(source_nb)
    lines = []
    for cell in source_nb.cells:
        if cell.cell_type == "code":
            lines += [line.strip() for line in split_tests(cell.source, marks)[1].splitlines()
                      if len(line.strip()) >= 12 and not line.strip().startswith("#")]
    return unseen(lines, public_text(source_nb, marks))


def public_text(source_nb, marks: Delimiters | None = None) -> str:
    """A teacher notebook's text outside solutions and hidden tests: what the student version shows."""
    return "\n".join(secret_blocks(cell.source, marks)[0] for cell in source_nb.cells)


def unseen(lines, public: str) -> list[str]:
    """The ``lines`` that ``public`` does not contain (white space ignored): only those can leak."""
    seen = "".join(public.split())
    return [line for line in lines if "".join(line.split()) not in seen]


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
        elif is_test_cell(cell) and meta(cell).get("points") and last_answer is not None:
            code = solution_code(last_answer.source)
            found.append(Exercise(meta(last_answer)["grade_id"], meta(cell)["grade_id"],
                                  float(meta(cell)["points"]), code, cell.source, assigned_names(code)))
            last_answer = None
    return found


def written_answers(source_nb) -> list[str]:
    """grade_ids of manually graded markdown answers."""
    return [meta(c)["grade_id"] for c in source_nb.cells if is_written_answer(c)]


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
        elif written is not None and cell.cell_type == "markdown" and is_solution(cell):
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
