"""The instructor tool: collect, parallel autograde (same grades as serial nbgrader), feedback,
export, the learner's self-check, and the helpers they share."""
from __future__ import annotations

import csv
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import psutil
import pytest

from crmcourse import cheats
from crmcourse import notebooks as N
from crmcourse.autograde import autograde, scores
from crmcourse.check import check
from crmcourse.cli import build_parser, main
from crmcourse.collect import collect_folder
from crmcourse.course import chapters
from crmcourse.feedback import hidden_lines, leaked_lines
from crmcourse.grading import SafeExecute
from crmcourse.release import release
from conftest import new_course, once_per_worker

REPO = Path(__file__).resolve().parents[1]
CHAPTERS = chapters(REPO / "assignments")
CHAPTER = CHAPTERS[0]
TIMEOUT = 20
pytestmark = pytest.mark.xdist_group("crmcourse")


# ---------------------------------------------------------------- helpers that need no kernel

@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_has_exercises_the_tools_can_read(chapter):
    source = N.read(N.source_notebook(REPO / "assignments", chapter))
    exes = N.exercises(source)
    assert exes, "no autograded exercise found"
    for ex in exes:
        assert ex.points > 0 and ex.solution.strip() and ex.names, ex.answer_id
        assert ex.hidden_tests.strip(), f"{ex.test_id} has no hidden tests"
        assert "BEGIN HIDDEN" not in ex.visible_tests
    release_nb = N.read(REPO / "chapters" / f"{chapter}.ipynb") if (REPO / "chapters" / f"{chapter}.ipynb").exists() \
        else None
    if release_nb is not None:
        for plan in cheats.mixed_plans(exes) + [cheats.libs_plan(exes)]:
            nbformat.validate(cheats.build_mixed(source, release_nb, plan))


def test_split_tests_and_solution_code():
    source = "# check\nassert x\n### BEGIN HIDDEN TESTS\n_e = 3\nassert x == _e\n### END HIDDEN TESTS\n"
    visible, hidden = N.split_tests(source)
    assert "assert x" in visible and "_e" not in visible
    assert hidden.strip() == "_e = 3\nassert x == _e"
    code = "# YOUR CODE HERE\n### BEGIN SOLUTION\nanswer = 1\nother, third = 2, 3\n### END SOLUTION\n"
    assert N.solution_code(code).strip() == "answer = 1\nother, third = 2, 3"
    assert N.assigned_names(N.solution_code(code)) == ["answer", "other", "third"]


def test_hidden_test_delimiters_come_from_the_nbgrader_configuration():
    """ClearHiddenTests.begin/end_test_delimeter as configured: the sanitizer, the judge's split and pack's check."""
    from traitlets.config import Config

    from crmcourse.judge import StripHiddenTests, split_hidden
    from crmcourse.pack import find_leaks

    config = Config()
    config.ClearHiddenTests.begin_test_delimeter = "BEGIN SECRET"
    config.ClearHiddenTests.end_test_delimeter = "END SECRET"
    marks = N.delimiters(config)
    assert (marks.hidden_begin, marks.hidden_end) == ("BEGIN SECRET", "END SECRET")
    assert N.delimiters() == N.course_delimiters(REPO / "assignments")  # the course keeps nbgrader's defaults
    source = "assert x\n### BEGIN SECRET\nassert x == 3\n### END SECRET\n"
    assert split_hidden(source, marks) == ("assert x\n", "assert x == 3\n")
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "points": 1, "grade_id": "t"}
    assert StripHiddenTests(config=config).preprocess_cell(cell, {}, 0)[0].source == "assert x\n"
    assert find_leaks({"a.md": b"### END SECRET"}, set(), marks) == ["a.md：END SECRET"]


def test_cell_roles_are_nbgrader_s():
    from nbgrader import utils

    source = N.read(N.source_notebook(REPO / "assignments", CHAPTER))
    for cell in source.cells:
        code = cell.cell_type == "code"
        assert N.is_answer_cell(cell) == (code and bool(utils.is_solution(cell)))
        assert N.is_test_cell(cell) == (code and bool(utils.is_grade(cell)) and not utils.is_solution(cell))
        assert N.is_written_answer(cell) == (cell.cell_type == "markdown" and bool(utils.is_grade(cell))
                                             and bool(utils.is_solution(cell)))


def test_collect_folder_layouts(tmp_path):
    from nbgrader.utils import parse_utc

    inbox = tmp_path / "inbox"
    (inbox / "bob").mkdir(parents=True)
    (inbox / "two").mkdir()
    nb = nbformat.v4.new_notebook()
    nbformat.write(nb, str(inbox / "alice.ipynb"))
    nbformat.write(nb, str(inbox / "bob" / "homework.ipynb"))
    nbformat.write(nb, str(inbox / "two" / "a.ipynb"))
    nbformat.write(nb, str(inbox / "two" / "b.ipynb"))
    nbformat.write(nb, str(inbox / "bad name.ipynb"))
    (inbox / "notes.txt").write_text("x")
    course = tmp_path / "course"
    students = collect_folder(course, "00_x", inbox)
    assert sorted(students) == ["alice", "bob"]
    for s in students:
        folder = course / "submitted" / s / "00_x"
        assert (folder / "00_x.ipynb").is_file()
        assert parse_utc((folder / "timestamp.txt").read_text()).year >= 2020


def test_leak_detection_sees_through_html_and_ansi():
    lines = ["assert abs(revenue - _expected) < 0.01", "_expected = {'a': 1}"]
    html = ('<div class="ansi"><span class="ansi-red-fg">assert</span> abs(revenue '
            '&#45; _expected) &lt; 0.01</div><pre>\x1b[0;31m_expected = {&#39;a&#39;: 1}</pre>')
    assert leaked_lines(html, lines) == lines
    assert leaked_lines("<p>这一题没有通过全部测试</p>", lines) == []


def test_tamper_comparison_ignores_modules_imported_later():
    before = {"builtins.abs": 1, "transformers": [1, 2]}
    assert SafeExecute._changed(before, dict(before, **{"pandas.testing.assert_frame_equal": 9})) == []
    assert SafeExecute._changed(before, dict(before, **{"builtins.abs": 2})) == ["builtins.abs"]
    assert SafeExecute._changed(before, None) == ["probe"]
    assert SafeExecute._changed(None, before) == []


def test_cli_has_every_command():
    text = build_parser().format_help()
    for command in ("release", "collect", "autograde", "feedback", "export", "demo", "check"):
        assert command in text
    args = build_parser().parse_args(["autograde", CHAPTER, "--jobs", "3", "--timeout", "5"])
    assert (args.chapter, args.jobs, args.timeout) == (CHAPTER, 3, 5)


def test_nbgrader_config_uses_safe_execute_and_feedback_filter():
    from nbgrader.preprocessors import OverwriteCells

    from crmcourse.feedback import HideHiddenTestOutputs
    from crmcourse.judge import StripHiddenTests
    from crmcourse.launch import course_config

    config = course_config(REPO / "assignments")
    assert SafeExecute in config.Autograde.autograde_preprocessors
    assert HideHiddenTestOutputs in config.GenerateFeedback.preprocessors
    # the hidden tests are stripped after nbgrader restores the teacher's cells, before any kernel runs
    sanitize = config.Autograde.sanitize_preprocessors
    assert sanitize.index(StripHiddenTests) > sanitize.index(OverwriteCells)
    assert config.HTMLExporter.sanitize_html is True


# ---------------------------------------------------------------- one simulated class, graded for real

def _tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() + oct(p.stat().st_mode)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    return subprocess.run([sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"],
                          cwd=course, capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
@once_per_worker
def klass(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("crmcourse")
    course = new_course(tmp / "course", CHAPTER)
    release(course, [CHAPTER])
    source = N.read(N.source_notebook(course, CHAPTER))
    student = N.read(N.release_notebook(course, CHAPTER))
    exes = N.exercises(source)
    partial, partial_points = cheats.build_partial(source, student)
    runaway, runaway_points = cheats.build_runaway(source, student)
    crash = N.fill(student, dict(N.solutions(source), **{
        exes[-1].answer_id: "import os\nos._exit(0)\n"}))
    inbox = tmp / "inbox"
    inbox.mkdir()
    for name, nb in {"full": cheats.build_full(source, student), "partial": partial, "blank": student,
                     "runaway": runaway, "crash": crash}.items():
        nbformat.write(nb, str(inbox / f"{name}.ipynb"))
    main(["--course", str(course), "collect", CHAPTER, "--from", str(inbox)])
    # collect refuses a corrupt file (tests/test_messages.py); one that reached submitted/ some other way
    # is graded as corrupt
    corrupt = course / "submitted" / "corrupt" / CHAPTER
    corrupt.mkdir(parents=True)
    (corrupt / f"{CHAPTER}.ipynb").write_text("{ not a notebook", encoding="utf-8")
    # The same class, graded by stock serial nbgrader in a twin course directory.
    twin = tmp / "twin"
    shutil.copytree(course, twin)
    before = _tree_digest(course / "submitted")
    results = {r.student: r for r in autograde(course, CHAPTER, jobs=2, timeout=TIMEOUT, progress=False,
                                               echo=lambda *a: None)}
    after = _tree_digest(course / "submitted")
    serial = _nbgrader(twin, "autograde", CHAPTER, f"--Execute.timeout={TIMEOUT}", "--SafeExecute.allow_unsandboxed=True")
    auto_max = sum(ex.points for ex in exes)
    return {"course": course, "twin": twin, "results": results, "before": before, "after": after,
            "serial": serial, "source": source, "student": student, "exes": exes, "tmp": tmp,
            "expected": {"full": auto_max, "partial": partial_points, "blank": 0.0, "runaway": runaway_points,
                         "crash": auto_max - exes[-1].points, "corrupt": 0.0}}


def test_parallel_grades_equal_serial_nbgrader(klass):
    students = sorted(klass["results"])
    assert students == ["blank", "corrupt", "crash", "full", "partial", "runaway"]
    for s in students:
        assert scores(klass["course"], CHAPTER, s) == scores(klass["twin"], CHAPTER, s), s


def test_each_student_graded_as_expected(klass):
    for name, want in klass["expected"].items():
        assert klass["results"][name].auto_score == pytest.approx(want), name
    status = {name: r.status for name, r in klass["results"].items()}
    assert status == {"full": "ok", "partial": "ok", "blank": "ok", "runaway": "timeout",
                      "crash": "crashed", "corrupt": "corrupt"}


def test_submitted_is_never_modified(klass):
    assert klass["before"] == klass["after"]


def test_autograded_notebooks_written(klass):
    for name in ("full", "partial", "blank", "runaway", "crash"):
        assert (klass["course"] / "autograded" / name / CHAPTER / f"{CHAPTER}.ipynb").is_file()
    assert not (klass["course"] / "autograded" / "corrupt" / CHAPTER).exists()


def test_export_csv(klass, tmp_path):
    out = tmp_path / "grades.csv"
    main(["--course", str(klass["course"]), "export", "-o", str(out)])
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    header = next(csv.reader(out.open(encoding="utf-8-sig")))
    grade_ids = [N.meta(c)["grade_id"] for c in klass["source"].cells if N.meta(c).get("grade")]
    assert header == ["student", "chapter", "status", "score", "max_score"] + grade_ids
    by_student = {r["student"]: r for r in rows}
    assert set(by_student) == set(klass["results"])
    full = by_student["full"]
    assert full["chapter"] == CHAPTER
    assert float(full["score"]) == klass["expected"]["full"]
    for ex in klass["exes"]:
        assert float(full[ex.test_id]) == ex.points
        assert float(by_student["blank"][ex.test_id]) == 0
    assert {s: r["status"] for s, r in by_student.items()} == {
        "full": "正常", "partial": "正常", "blank": "正常", "runaway": "正常", "crash": "正常", "corrupt": "损坏"}
    written = [N.meta(c)["grade_id"] for c in klass["source"].cells
               if N.meta(c).get("grade") and c.cell_type == "markdown"]
    assert written and all(full[w] == "" for w in written)  # not graded yet: blank, not 0


def test_feedback_has_no_hidden_tests(klass):
    main(["--course", str(klass["course"]), "feedback", CHAPTER])
    secret = hidden_lines(N.source_notebook(klass["course"], CHAPTER))
    pages = sorted((klass["course"] / "feedback").glob(f"*/{CHAPTER}/*.html"))
    assert {p.parent.parent.name for p in pages} >= {"full", "partial", "blank"}
    for page in pages:
        assert not leaked_lines(page.read_text(encoding="utf-8"), secret), page


def test_skip_graded_and_single_student(klass):
    results = autograde(klass["course"], CHAPTER, jobs=1, students=["full", "blank"], force=False,
                        progress=False, echo=lambda *a: None)
    assert [r.status for r in results] == ["skipped", "skipped"]


def test_wall_clock_limit_kills_runaway_and_its_kernel(klass, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(klass["twin"], course, ignore=shutil.ignore_patterns("autograded", "feedback"))
    mine_before = {p.pid for p in psutil.Process().children(recursive=True)}
    results = autograde(course, CHAPTER, jobs=1, students=["runaway"], timeout=600, wall_limit=8,
                        progress=False, echo=lambda *a: None)
    assert results[0].status == "killed" and results[0].auto_score == 0
    left = {p.pid for p in psutil.Process().children(recursive=True)} - mine_before
    assert not left, "grading processes left running"


def _check_output(path: Path, capsys) -> tuple[int, str]:
    code = check(path, timeout=60)
    return code, capsys.readouterr().out


def test_self_check_reports_without_revealing_tests(klass, tmp_path, capsys):
    source, student, exes = klass["source"], klass["student"], klass["exes"]
    secret = hidden_lines(N.source_notebook(klass["course"], CHAPTER))
    chapters_dir = tmp_path / "chapters"
    chapters_dir.mkdir()
    path = chapters_dir / f"{CHAPTER}.ipynb"
    os.environ["CRM_COURSE_ROOT"] = str(REPO)
    outputs = []
    try:
        nbformat.write(cheats.build_full(source, student), str(path))
        code, out = _check_output(path, capsys)
        outputs.append(out)
        assert code == 0 and out.count("✓") == len(exes), out
        # wrong but plausible answers: the visible check may pass, the hidden tests must not
        nbformat.write(cheats.build_mixed(source, student, {ex.answer_id: "wrong" for ex in exes}), str(path))
        code, out = _check_output(path, capsys)
        outputs.append(out)
        assert code == 1 and "✓" not in out, out
        assert "隐藏测试没有通过" in out or "自检未通过" in out
        nbformat.write(student, str(path))
        code, out = _check_output(path, capsys)
        outputs.append(out)
        assert code == 1 and "还没有作答" in out
        for text in outputs:
            assert not leaked_lines(text, secret)
            assert "BEGIN HIDDEN" not in text
    finally:
        del os.environ["CRM_COURSE_ROOT"]
