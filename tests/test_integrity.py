"""Cheating submissions, graded by the real nbgrader, score nothing; feedback never leaks hidden tests.

For every chapter in assignments/source (no list to maintain), a temporary course gets:

* ``full``: the solution (must get every autograded point, or the battery means nothing);
* ``mixed-N``: every exercise answered wrongly and dressed up with one local cheat, so that
  each of these is used at least once per chapter: hard-coded wrong values, objects whose
  ``__eq__`` is always True (float/int/str subclasses, pandas subclasses that keep the
  class name and module), ``__float__``/``__int__``/``__str__`` returning such objects,
  printing "passed" followed by ``sys.exit()``, the read-only test cell edited (and tagged ``skip-execution``), the test cell deleted;
  the last exercise of ``mixed-0`` instead switches IPython's traceback display off and
  adds an input transformer that deletes every ``assert`` line;
* ``libs-raw``: patched ``math.isclose``, numpy / numpy.testing / pandas.testing comparison
  helpers, ``DataFrame.equals`` and ``builtins.abs`` (returns 0) in the
  first answer cell, wrong values everywhere, ``os._exit(0)`` in the last answer cell;
  graded with the tamper guard OFF, so only the chapter's hidden tests stand between the
  cheat and the points: a failure names the exercise whose hidden tests are weak.

Each cheat must score 0 on every autograded cell (so never more than the honest
submission). A few submissions per chapter hold all the cheats, to keep the run short.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from crmcourse import cheats
from crmcourse import notebooks as N
from crmcourse.autograde import autograde
from crmcourse.course import chapters
from crmcourse.feedback import generate, hidden_lines, leaked_lines
from crmcourse.release import release
from conftest import new_course, once_per_worker

REPO = Path(__file__).resolve().parents[1]
CHAPTERS = chapters(REPO / "assignments")
TIMEOUT = 60


def _course(tmp: Path, chapter: str) -> Path:
    return new_course(tmp / "course", chapter)


def _submit(course: Path, chapter: str, student: str, nb) -> None:
    folder = course / "submitted" / student / chapter
    folder.mkdir(parents=True)
    nbformat.write(nb, str(folder / f"{chapter}.ipynb"))
    (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")


@pytest.fixture(scope="module", params=[pytest.param(c, marks=pytest.mark.xdist_group(f"integrity-{c}"))
                                        for c in CHAPTERS])
@once_per_worker
def graded(request, tmp_path_factory):
    chapter = request.param
    course = _course(tmp_path_factory.mktemp(f"integrity-{chapter}"), chapter)
    release(course, [chapter])
    source = N.read(N.source_notebook(course, chapter))
    student = N.read(N.release_notebook(course, chapter))
    exes = N.exercises(source)
    plans = {f"mixed-{i}": plan for i, plan in enumerate(cheats.mixed_plans(exes))}
    plans["libs-raw"] = cheats.libs_plan(exes)
    _submit(course, chapter, "full", cheats.build_full(source, student))
    for name, plan in plans.items():
        _submit(course, chapter, name, cheats.build_mixed(source, student, plan))
    # libs-raw: the hidden tests on their own (tamper guard off), so only they stand between
    # the cheat and the points.
    results = {r.student: r for r in autograde(course, chapter, jobs=2, timeout=TIMEOUT,
                                               tamper_guard={"libs-raw": False}, progress=False,
                                               echo=lambda *a: None)}
    return {"chapter": chapter, "course": course, "source": source, "exercises": exes,
            "plans": plans, "results": results}


def _auto_cells(result) -> dict[str, dict]:
    return {name: cell for name, cell in result.cells.items() if cell["type"] == "code"}


def test_chapter_has_autograded_exercises(graded):
    assert graded["exercises"], f"{graded['chapter']}：没有找到自动评分的练习"


def test_solution_gets_full_marks(graded):
    full = graded["results"]["full"]
    lost = {k: c for k, c in _auto_cells(full).items() if c["score"] != c["max"]}
    assert not lost, f"{graded['chapter']}：参考答案没有拿到满分：{lost}"
    assert full.status == "ok"


def _cheat_scores(graded, name: str) -> dict[str, float]:
    """Autograded cells where a cheating submission scored, labelled with the cheat used."""
    r = graded["results"][name]
    plan = graded["plans"][name]
    by_test = {ex.test_id: (ex.answer_id, plan[ex.answer_id]) for ex in graded["exercises"]}
    return {f"{k}（{by_test.get(k, ('?', '?'))[1]}）": c["score"]
            for k, c in _auto_cells(r).items() if c["score"] > 0}


def test_cheats_score_zero(graded):
    """Every local cheat (and a kernel tamper) in the mixed submissions: 0 on every exercise."""
    full = graded["results"]["full"]
    for name in graded["plans"]:
        if not name.startswith("mixed-"):
            continue
        scored = _cheat_scores(graded, name)
        assert not scored, f"{graded['chapter']}：作弊提交 {name} 在这些练习上得了分（括号里是作弊方式）：{scored}"
        assert graded["results"][name].auto_score <= full.auto_score


def test_hidden_tests_resist_patched_libraries_without_guard(graded):
    """Patched builtins and comparison helpers, tamper guard off: the hidden tests alone must hold."""
    scored = _cheat_scores(graded, "libs-raw")
    assert not scored, (f"{graded['chapter']}：这些练习的隐藏测试被替换的内置函数或比较函数骗过了"
                        f"（builtins.abs、math.isclose、np.isclose、np.testing、pd.testing、"
                        f"DataFrame.equals）：{scored}")


def test_kernel_death_and_tampering_are_reported(graded):
    results = graded["results"]
    if len(graded["exercises"]) > 1:
        assert results["mixed-0"].status == "tampered"
    if len(graded["exercises"]) > 2:
        assert results["libs-raw"].status == "crashed"


def test_feedback_never_shows_hidden_tests(graded):
    course, chapter = graded["course"], graded["chapter"]
    pages = generate(course, chapter, ["mixed-0"])  # raises if a page leaks a hidden-test line
    secret = hidden_lines(N.source_notebook(course, chapter))
    assert secret, "hidden tests found in the teacher version"
    assert [p.parent.parent.name for p in pages] == ["mixed-0"]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert not leaked_lines(html, secret), page
        assert "BEGIN HIDDEN TESTS" not in html
    failing = (course / "feedback" / "mixed-0" / chapter / f"{chapter}.html").read_text(encoding="utf-8")
    assert "没有通过全部测试" in failing  # the Chinese hint replaces the failing hidden test's traceback
