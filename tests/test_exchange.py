"""A class on one machine through nbgrader's exchange, the way JupyterLab's Assignment List uses it.

The instructor releases into the exchange (`crmcourse release --exchange`); two students
fetch and submit with nbgrader, each with a cache of their own; the instructor collects
(`crmcourse collect`), grades in the sandbox, and returns feedback through the exchange.
Also: the repository root loads the course's own nbgrader configuration (the formgrader
runs from there), so feedback made in JupyterLab hides the hidden tests too.
"""
from __future__ import annotations

import html
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from conftest import COURSE, REPO, chapter_names, new_course, tool_env
from crmcourse.feedback import hidden_lines, leaked_lines
from crmcourse.notebooks import read, source_notebook

CHAPTER = chapter_names()[0]
pytestmark = pytest.mark.xdist_group("exchange")


def run(cwd: Path, *command: str) -> subprocess.CompletedProcess:
    result = subprocess.run(list(command), cwd=cwd, env=tool_env(), capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def crmcourse(course: Path, *args: str) -> subprocess.CompletedProcess:
    return run(course, sys.executable, "-m", "crmcourse.cli", *args, "--course", str(course))


def as_student(home: Path, course: Path, student: str, *args: str) -> subprocess.CompletedProcess:
    """An nbgrader student command from the student's own folder, with a cache of their own."""
    return run(home, sys.executable, "-m", "nbgrader", *args, "--course=crm",
               f"--Exchange.root={course / 'exchange'}", f"--Exchange.cache={home / '.cache'}",
               f"--CourseDirectory.student_id={student}")


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    root = tmp_path_factory.mktemp("exchange-class")
    course = new_course(root / "course", CHAPTER)
    released = crmcourse(course, "release", CHAPTER, "--exchange")

    homes = {name: root / name for name in ("alice", "bob")}
    for student, home in homes.items():
        home.mkdir()
        as_student(home, course, student, "fetch_assignment", CHAPTER)
    fetched = homes["alice"] / CHAPTER / f"{CHAPTER}.ipynb"
    # alice hands in the teacher's solution, bob the notebook as fetched
    shutil.copyfile(source_notebook(course, CHAPTER), fetched)
    for student, home in homes.items():
        as_student(home, course, student, "submit", CHAPTER)
    hostile = hostile_inbound(root, course)

    collected = crmcourse(course, "collect", CHAPTER)
    crmcourse(course, "autograde", CHAPTER, "--jobs", "2", "--no-progress")
    crmcourse(course, "feedback", CHAPTER, "--exchange")
    for student, home in homes.items():
        as_student(home, course, student, "fetch_feedback", CHAPTER)
    return {"course": course, "homes": homes, "released": released.stdout, "collected": collected.stdout,
            "hostile": hostile, "hostile_after": _fingerprints(hostile["outside"])}


def hostile_inbound(root: Path, course: Path) -> dict:
    """What a student can put into the exchange's inbound folder besides a submission.

    nbgrader collect copies with shutil.copytree, which follows links. mallory's notebook is a
    link to the teacher version, beside a link and a hard link to files outside the course;
    trudy's whole submission folder is a link to a folder holding the teacher version.
    """
    inbound = course / "exchange" / "crm" / "inbound"
    honest = next(p for p in inbound.iterdir() if p.name.startswith("alice+"))
    stamp = honest.name.split("+")[2]
    outside = root / "outside"
    outside.mkdir()
    canary, hard = outside / "canary.txt", outside / "hard.txt"
    canary.write_text("the teacher's secret")
    hard.write_text("another secret")
    for path in (canary, hard):
        path.chmod(0o600)
    teacher = source_notebook(course, CHAPTER)
    mallory = inbound / f"mallory+{CHAPTER}+{stamp}+m"
    mallory.mkdir()
    shutil.copyfile(honest / "timestamp.txt", mallory / "timestamp.txt")
    os.symlink(teacher, mallory / f"{CHAPTER}.ipynb")
    os.symlink(canary, mallory / "canary.txt")
    os.link(hard, mallory / "hard.txt")
    shutil.copytree(teacher.parent, outside / "trudy")
    trudy = f"trudy+{CHAPTER}+{stamp}+t"
    os.symlink(outside / "trudy", inbound / trudy)
    return {"outside": outside, "trudy": trudy, "before": _fingerprints(outside),
            "teacher": (teacher.read_bytes(), stat.S_IMODE(teacher.stat().st_mode))}


def _fingerprints(folder: Path) -> dict:
    return {p: (p.read_bytes(), stat.S_IMODE(p.stat().st_mode)) for p in sorted(folder.rglob("*")) if p.is_file()}


def test_release_puts_the_chapter_into_the_exchange(classroom):
    outbound = classroom["course"] / "exchange" / "crm" / "outbound" / CHAPTER / f"{CHAPTER}.ipynb"
    assert outbound.is_file()
    assert "已发布到 exchange" in classroom["released"]
    hidden = hidden_lines(source_notebook(classroom["course"], CHAPTER))
    assert not leaked_lines(outbound.read_text(encoding="utf-8"), hidden)
    assert "### BEGIN SOLUTION" not in outbound.read_text(encoding="utf-8")


def test_collect_takes_every_submission_from_the_exchange(classroom):
    submitted = classroom["course"] / "submitted"
    assert sorted(p.name for p in submitted.iterdir() if (p / CHAPTER).is_dir()) == ["alice", "bob"]
    for student in ("alice", "bob"):
        folder = submitted / student / CHAPTER
        assert (folder / f"{CHAPTER}.ipynb").is_file() and (folder / "timestamp.txt").is_file()


def test_grades_of_exchange_submissions(classroom):
    course = classroom["course"]
    source = read(source_notebook(course, CHAPTER))
    maximum = sum(c.metadata["nbgrader"]["points"] for c in source.cells
                  if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        score = {s: gradebook.find_submission(CHAPTER, s).score for s in ("alice", "bob")}
    assert score == {"alice": maximum, "bob": 0}


def test_each_student_fetches_only_their_own_feedback_without_hidden_tests(classroom):
    course = classroom["course"]
    hidden = hidden_lines(source_notebook(course, CHAPTER))
    for student, home in classroom["homes"].items():
        pages = list((home / CHAPTER / "feedback").rglob("*.html"))
        assert len(pages) == 1, f"{student} fetched {pages}"
        text = html.unescape(pages[0].read_text(encoding="utf-8"))
        assert not leaked_lines(text, hidden), f"hidden tests in {student}'s feedback"
        other = "bob" if student == "alice" else "alice"
        assert other not in str(pages[0].relative_to(home))


def _loaded_config(cwd: Path) -> dict:
    """The nbgrader settings that matter for safe grading, as nbgrader loads them in ``cwd``."""
    probe = (
        "import json\n"
        "from nbgrader.apps.baseapp import NbGrader\n"
        "app = NbGrader(); app.load_cwd_config = True; app.load_config_file()\n"
        "c = app.config\n"
        "print(json.dumps({k: repr(c[k]) for k in ('CourseDirectory', 'GenerateFeedback', 'Autograde',"
        " 'Execute', 'Exchange', 'ExchangeCollect')}))\n")
    return json.loads(run(cwd, sys.executable, "-c", probe).stdout.strip().splitlines()[-1])


def test_repository_root_loads_the_course_configuration():
    """The formgrader runs from the repository root: it must grade and give feedback as the course does."""
    at_root, in_course = _loaded_config(REPO), _loaded_config(COURSE)
    assert at_root == in_course
    assert "HideHiddenTestOutputs" in at_root["GenerateFeedback"]
    assert "SafeExecute" in at_root["Autograde"]
    assert str(COURSE / "exchange") in at_root["Exchange"]



def test_collect_takes_only_regular_files_from_the_exchange(classroom):
    """Links and hard links in the inbound folder are refused and named; nothing they point at is copied."""
    course, hostile, collected = classroom["course"], classroom["hostile"], classroom["collected"]
    submitted = course / "submitted"
    assert not (submitted / "trudy").exists()
    assert not (submitted / "mallory" / CHAPTER).exists()  # only a timestamp came: rejected, set aside
    secrets = [b"the teacher's secret", b"another secret"]
    for path in submitted.rglob("*"):
        assert not path.is_symlink()
        if path.is_file():
            assert not any(s in path.read_bytes() for s in secrets), path
    for words in (f"{CHAPTER}.ipynb：是符号链接", "canary.txt：是符号链接", "hard.txt：是硬链接",
                  f"{hostile['trudy']}：是符号链接", "拒收 mallory"):
        assert words in collected, (words, collected)
    assert classroom["hostile_after"] == hostile["before"]
    teacher = source_notebook(course, CHAPTER)
    assert (teacher.read_bytes(), stat.S_IMODE(teacher.stat().st_mode)) == hostile["teacher"]
