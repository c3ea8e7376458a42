"""The student versions in chapters/ are nbgrader's release of the sources, with nothing leaked."""
import json
import shutil
import subprocess
import sys

import nbformat
import pytest

from conftest import CHAPTERS, COURSE, chapter_names, tool_env, once_per_worker

CHAPTER_NAMES = chapter_names()
# The fresh release is shared by every test here: keep them on one xdist worker.
pytestmark = pytest.mark.xdist_group("release")


@pytest.fixture(scope="module")
@once_per_worker
def fresh_release(tmp_path_factory):
    """Release every chapter in a temporary copy of the course directory."""
    course = tmp_path_factory.mktemp("course")
    shutil.copytree(COURSE / "source", course / "source")
    shutil.copy(COURSE / "nbgrader_config.py", course)
    for name in CHAPTER_NAMES:
        subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", name, "--force",
                        f"--CourseDirectory.root={course}"], cwd=course, env=tool_env(),
                       check=True, capture_output=True)
    return course / "release"


def cells(nb):
    return [(c.cell_type, c.source, c.get("metadata", {}).get("nbgrader")) for c in nb.cells]


@pytest.mark.parametrize("name", CHAPTER_NAMES)
def test_committed_student_version_matches_a_fresh_release(name, fresh_release):
    committed = nbformat.read(CHAPTERS / f"{name}.ipynb", as_version=4)
    fresh = nbformat.read(fresh_release / name / f"{name}.ipynb", as_version=4)
    assert cells(committed) == cells(fresh), f"chapters/{name}.ipynb is out of date: run `make release`"


@pytest.mark.parametrize("name", CHAPTER_NAMES)
def test_student_version_leaks_no_solution_or_hidden_test(name):
    source = nbformat.read(COURSE / "source" / name / f"{name}.ipynb", as_version=4)
    text = (CHAPTERS / f"{name}.ipynb").read_text(encoding="utf-8")
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text
    student = json.loads(text)
    student_code = "\n".join("".join(c["source"]) for c in student["cells"])
    for cell in source.cells:
        for block, start, end in (("solution", "### BEGIN SOLUTION", "### END SOLUTION"),
                                  ("hidden", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")):
            if start in cell.source:
                secret = cell.source.split(start, 1)[1].split(end, 1)[0]
                for line in secret.strip().splitlines():
                    line = line.strip()
                    if len(line) > 12 and not line.startswith("#"):
                        assert line not in student_code, f"{name}: {block} line leaked: {line}"


def test_committed_notebooks_carry_no_outputs():
    for path in list(CHAPTERS.glob("*.ipynb")) + list((COURSE / "source").glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{path} has outputs"
