"""Every chapter runs: the teacher version cleanly, the student version up to its exercises."""
import pytest

from conftest import CHAPTERS, COURSE, chapter_names
from notebook_tools import errors, execute, role, warnings_in

CHAPTER_NAMES = chapter_names()


@pytest.mark.parametrize("name", CHAPTER_NAMES)
def test_source_notebook_runs_top_to_bottom_without_error_or_warning(name):
    nb = execute(COURSE / "source" / name / f"{name}.ipynb", allow_errors=False)
    problems = [(i, text[:300]) for i, cell in enumerate(nb.cells) for text in warnings_in(cell)]
    assert problems == [], f"{name}: warnings printed: {problems}"
    figures = sum("image/png" in o.get("data", {}) for cell in nb.cells for o in cell.get("outputs", []))
    assert figures >= 1, f"{name}: every chapter shows at least one figure"


@pytest.mark.parametrize("name", CHAPTER_NAMES)
def test_student_version_lesson_cells_work_before_any_answer(name):
    path = CHAPTERS / f"{name}.ipynb"
    assert path.is_file(), f"chapters/{name}.ipynb is missing: run `make release`"
    nb = execute(path, allow_errors=True)
    broken = [(i, e["ename"], e["evalue"][:200]) for i, cell in enumerate(nb.cells)
              if role(cell) == "lesson" for e in errors(cell)]
    assert broken == [], f"{name}: lesson cells fail for a student who has not answered yet: {broken}"
    unanswered = [i for i, cell in enumerate(nb.cells) if role(cell) == "answer"
                  and any(e["ename"] == "NotImplementedError" for e in errors(cell))]
    assert unanswered, f"{name}: the blank answers should raise NotImplementedError"


@pytest.mark.parametrize("name", CHAPTER_NAMES)
def test_chapter_has_enough_graded_exercises(name):
    import nbformat

    nb = nbformat.read(COURSE / "source" / name / f"{name}.ipynb", as_version=4)
    tests = [c for c in nb.cells if role(c) == "test"]
    written = [c for c in nb.cells if role(c) == "written"]
    minimum = 3 if name.startswith("00_") else 6
    assert len(tests) >= minimum, f"{name}: {len(tests)} autograded exercises, need {minimum}"
    assert len(written) >= 2, f"{name}: {len(written)} written answers, need 2"
    for cell in tests:
        assert "BEGIN HIDDEN TESTS" in cell.source, f"{name}: test cell without hidden tests"
        assert cell.metadata["nbgrader"]["points"] > 0
        visible = cell.source.split("### BEGIN HIDDEN TESTS")[0]
        assert "assert" in visible and any("\u4e00" <= ch <= "\u9fff" for ch in visible), \
            f"{name}: every exercise needs a visible self-check with a Chinese hint"
