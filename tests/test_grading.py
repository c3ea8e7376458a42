"""Round trip through plain nbgrader: generate_assignment → submit → autograde → generate_feedback.

Every chapter's full solution and blank release are graded through ``crmcourse`` (release,
collect, sandboxed parallel autograde, feedback) in tests/test_integrity.py. Here nbgrader's
own commands grade two chapters, the smallest and one with a bit of everything, with the
course configuration, so a teacher who uses nbgrader directly gets the same judge: full
marks, zero, exactly one exercise's points, and feedback without hidden tests.
"""
import html
import shutil
import subprocess
import sys

import nbformat
import pytest
from nbgrader.api import Gradebook

from conftest import COURSE, chapter_names, new_course, tool_env, once_per_worker
from notebook_tools import role

CHAPTER_NAMES = chapter_names()
PLAIN_NBGRADER_CHAPTERS = [c for c in CHAPTER_NAMES if c.startswith(("00_", "04_"))]


def nbgrader(course, *args):
    return subprocess.run([sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"],
                          cwd=course, env=tool_env(), check=True, capture_output=True, text=True)


def solution_code(cell) -> str:
    return cell.source.replace("### BEGIN SOLUTION\n", "").replace("### END SOLUTION", "")


def hidden_lines(source_nb) -> list[str]:
    lines = []
    for cell in source_nb.cells:
        if "### BEGIN HIDDEN TESTS" in cell.source:
            block = cell.source.split("### BEGIN HIDDEN TESTS", 1)[1].split("### END HIDDEN TESTS", 1)[0]
            lines += [line.strip() for line in block.splitlines() if len(line.strip()) > 10]
    return lines


# One group per chapter: under pytest-xdist the module fixture then runs once, on one worker.
@pytest.fixture(scope="module", params=[pytest.param(c, marks=pytest.mark.xdist_group(f"grading-{c}"))
                                        for c in PLAIN_NBGRADER_CHAPTERS])
@once_per_worker
def graded(request, tmp_path_factory):
    """A course with three students (full solution, blank, first exercise only), autograded with feedback."""
    name = request.param
    course = new_course(tmp_path_factory.mktemp(f"grading-{name}"), name)
    nbgrader(course, "generate_assignment", name, "--force")
    source = nbformat.read(course / "source" / name / f"{name}.ipynb", as_version=4)
    release = nbformat.read(course / "release" / name / f"{name}.ipynb", as_version=4)

    partial = nbformat.read(course / "release" / name / f"{name}.ipynb", as_version=4)
    first_answer = next(i for i, c in enumerate(source.cells) if role(c) == "answer")
    partial.cells[first_answer].source = solution_code(source.cells[first_answer])

    for student, nb in (("full", source), ("blank", release), ("partial", partial)):
        folder = course / "submitted" / student / name
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{name}.ipynb")
    nbgrader(course, "autograde", name, "--create", "--SafeExecute.allow_unsandboxed=True")
    nbgrader(course, "generate_feedback", name)

    # points of the test cell right after the first answer
    first_test = next(c for c in source.cells[first_answer:] if role(c) == "test")
    return {"name": name, "course": course, "source": source,
            "first_points": first_test.metadata["nbgrader"]["points"],
            "auto_max": sum(c.metadata["nbgrader"]["points"] for c in source.cells if role(c) == "test")}


def autograded_score(course, name, student) -> float:
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission_notebook(name, name, student)
        return sum(grade.score for grade in submission.grades if grade.auto_score is not None)


def test_solution_gets_full_autograded_marks(graded):
    assert autograded_score(graded["course"], graded["name"], "full") == graded["auto_max"] > 0


def test_blank_release_gets_zero(graded):
    assert autograded_score(graded["course"], graded["name"], "blank") == 0


def test_one_answered_exercise_gets_exactly_its_points(graded):
    assert autograded_score(graded["course"], graded["name"], "partial") == graded["first_points"]


@pytest.mark.parametrize("student", ["full", "blank", "partial"])
def test_feedback_never_shows_hidden_tests(graded, student):
    name = graded["name"]
    page = (graded["course"] / "feedback" / student / name / f"{name}.html").read_text(encoding="utf-8")
    text = html.unescape(page)
    assert "BEGIN HIDDEN TESTS" not in text
    leaked = [line for line in hidden_lines(graded["source"]) if line in text]
    assert leaked == [], f"hidden test lines in {student}'s feedback: {leaked[:3]}"
    if student == "blank":
        assert "没有通过全部测试" in text  # the short hint replaces the hidden tests' traceback


def test_plain_nbgrader_refuses_to_run_student_code_unsandboxed(tmp_path):
    """`nbgrader autograde` by hand (or the formgrader's button) would run student code with the
    instructor's rights: the course's SafeExecute refuses, in Chinese, and grades nothing."""
    name = CHAPTER_NAMES[0]
    new_course(tmp_path, name)
    nbgrader(tmp_path, "generate_assignment", name, "--force")
    folder = tmp_path / "submitted" / "eve" / name
    folder.mkdir(parents=True)
    shutil.copy(COURSE / "source" / name / f"{name}.ipynb", folder)
    refused = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", name, "--create",
                              f"--CourseDirectory.root={tmp_path}"],
                             cwd=tmp_path, env=tool_env(), capture_output=True, text=True)
    assert refused.returncode != 0
    assert "评分被拒绝" in refused.stdout + refused.stderr and "crmcourse autograde" in refused.stdout + refused.stderr
    assert not (tmp_path / "autograded" / "eve" / name / f"{name}.ipynb").exists()
