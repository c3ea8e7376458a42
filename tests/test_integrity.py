"""Cheating and attacking submissions, graded for real, score nothing; feedback never leaks hidden tests.

For every chapter in assignments/source (no list to maintain), one temporary course goes
through the instructor's real command line (``crmcourse release``, ``collect --from``,
``autograde --jobs 2`` in the grading sandbox, ``feedback``) with:

* ``full``: the solution (must get every autograded point, or the battery means nothing);
* ``blank``: the untouched student version (0 points);
* ``mixed-N``: every exercise answered wrongly and dressed up with one local cheat, so that
  each of these is used at least once per chapter: hard-coded wrong values, objects whose
  ``__eq__`` is always True (float/int/str subclasses, pandas subclasses that keep the
  class name and module), ``__float__``/``__int__``/``__str__`` returning such objects,
  printing "passed" followed by ``sys.exit()``, the read-only test cell edited (and tagged
  ``skip-execution``), the test cell deleted; the last exercise of ``mixed-0`` instead
  switches IPython's traceback display off and adds an input transformer that deletes
  every ``assert`` line;
* ``libs-raw``: patched ``math.isclose``, numpy / numpy.testing / pandas.testing comparison
  helpers, ``DataFrame.equals`` and ``builtins.abs`` (returns 0) in the first answer cell,
  wrong values everywhere, ``os._exit(0)`` in the last answer cell;
* ``attack-N``: the answer stubs left in place (nothing computed), each answer cell headed
  by one attack of crmcourse/attacks.py, spread so that every attack is used in every
  chapter: error handlers, patched compilers and input transformers, a wrapped
  ``do_execute``, audit hooks, event hooks disguised as IPython's, a spoofed tamper probe,
  answer objects that read the test's frames, reading files, printing "passed".

The kernel battery (``libs-raw`` and ``attack-N``) does not depend on what a chapter asks (the hidden
tests run outside the kernel, on decoded values), so ``make test`` runs it on chapter 00 (the
fewest exercises: the most cells per attack) and the last chapter only, and each chapter's
``full``, ``blank`` and ``mixed-N`` everywhere; ``CRM_FULL_BATTERY=1`` (``make test-integrity``,
run by ``.ci/run``) runs the battery on every chapter.

Each cheat and attack must score 0 on every autograded cell (so never more than the honest
submission). Every feedback page is searched for the hidden tests' lines and their expected
literals, in plain text and decoded (base64, hex, zlib, rot13, reversed text, ``\\u``
escapes). Literals that the lesson itself shows (the blank submission's page) or that an
honest solution's own code shows (the full submission's page) do not count.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest

from crmcourse import attacks, cheats, leaks
from crmcourse import notebooks as N
from crmcourse.cli import main
from crmcourse.course import chapters
from conftest import new_course, once_per_worker

REPO = Path(__file__).resolve().parents[1]
CHAPTERS = chapters(REPO / "assignments")
# Chapters graded with the kernel battery (libs-raw, attack-N): see the module docstring.
BATTERY = set(CHAPTERS) if os.environ.get("CRM_FULL_BATTERY") == "1" else {CHAPTERS[0], CHAPTERS[-1]}
pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="评分沙箱基于 Linux 的 bubblewrap")


def _scores(course: Path, chapter: str, student: str) -> dict[str, tuple[float, float]]:
    """Autograded cells of one submission: grade_id -> (score, max score), from the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        try:
            sub = gb.find_submission(chapter, student)
        except MissingEntry:
            return {}
        return {g.name: (float(g.score or 0.0), float(g.max_score)) for nb in sub.notebooks for g in nb.grades
                if g.cell_type == "code"}


@pytest.fixture(scope="module", params=[pytest.param(c, marks=pytest.mark.xdist_group(f"integrity-{c}"))
                                        for c in CHAPTERS])
@once_per_worker
def graded(request, tmp_path_factory):
    chapter = request.param
    tmp = tmp_path_factory.mktemp(f"integrity-{chapter}")
    course = new_course(tmp / "course", chapter)
    cli = ["--course", str(course)]
    main(cli + ["release", chapter])
    source = N.read(N.source_notebook(course, chapter))
    student = N.read(N.release_notebook(course, chapter))
    exes = N.exercises(source)
    cheat_plans = {f"mixed-{i}": plan for i, plan in enumerate(cheats.mixed_plans(exes))}
    attack_plans = {}
    if chapter in BATTERY:
        cheat_plans["libs-raw"] = cheats.libs_plan(exes)
        attack_plans = {f"attack-{i}": plan for i, plan in enumerate(attacks.attack_plans(exes))}
    inbox = tmp / "inbox"
    inbox.mkdir()
    for name, plan in cheat_plans.items():
        nbformat.write(cheats.build_mixed(source, student, plan), str(inbox / f"{name}.ipynb"))
    for name, plan in attack_plans.items():
        nbformat.write(attacks.build_attack(source, student, plan), str(inbox / f"{name}.ipynb"))
    nbformat.write(cheats.build_full(source, student), str(inbox / "full.ipynb"))
    nbformat.write(student, str(inbox / "blank.ipynb"))
    main(cli + ["collect", chapter, "--from", str(inbox)])
    try:
        main(cli + ["autograde", chapter, "--jobs", "2", "--no-progress"])
    except SystemExit as exc:  # exit code 1 when a submission could not be graded: the tests say which
        assert exc.code in (0, 1, None), exc
    students = list(cheat_plans) + list(attack_plans) + ["full", "blank"]
    scores = {s: _scores(course, chapter, s) for s in students}
    refused = None
    try:
        main(cli + ["feedback", chapter])
    except (RuntimeError, SystemExit) as exc:  # crmcourse feedback deletes a leaking page and fails
        refused = f"{type(exc).__name__}: {exc}"
    pages = {p.parent.parent.name: p for p in sorted((course / "feedback").glob(f"*/{chapter}/*.html"))}
    return {"chapter": chapter, "course": course, "source": source, "student": student, "exercises": exes,
            "cheat_plans": cheat_plans, "plans": attack_plans, "scores": scores, "refused": refused,
            "pages": pages, "statuses": _statuses(course, chapter, students)}


def _statuses(course: Path, chapter: str, students: list[str]) -> dict[str, str]:
    """Each submission's status as crmcourse reads it back from its graded notebook."""
    from crmcourse.autograde import _findings

    return {s: _findings(course / "autograded" / s / chapter)[0] for s in students}


def test_chapter_has_autograded_exercises(graded):
    assert graded["exercises"], f"{graded['chapter']}：没有找到自动评分的练习"


def _cheat_scores(graded, name: str) -> dict[str, float]:
    """Autograded cells where a cheating submission scored, labelled with the cheat used."""
    plan = graded["cheat_plans"][name]
    by_test = {ex.test_id: (ex.answer_id, plan[ex.answer_id]) for ex in graded["exercises"]}
    return {f"{k}（{by_test.get(k, ('?', '?'))[1]}）": s for k, (s, _) in graded["scores"][name].items() if s > 0}


def test_cheats_score_zero(graded):
    """Every local cheat, a kernel tamper and patched libraries: 0 on every exercise."""
    for name in graded["cheat_plans"]:
        assert graded["scores"][name], f"{graded['chapter']}：{name} 没有评分结果"
        scored = _cheat_scores(graded, name)
        assert not scored, f"{graded['chapter']}：作弊提交 {name} 在这些练习上得了分（括号里是作弊方式）：{scored}"


def test_kernel_death_and_tampering_are_reported(graded):
    statuses = graded["statuses"]
    if len(graded["exercises"]) > 1:
        assert statuses["mixed-0"] in ("tampered", "tests_missing"), statuses["mixed-0"]
    if len(graded["exercises"]) > 2 and "libs-raw" in statuses:
        assert statuses["libs-raw"] == "crashed", statuses["libs-raw"]


# ---------------------------------------------------------------- no kernel needed

def test_every_attack_snippet_compiles():
    for name in attacks.ATTACKS:
        code = attacks.attack_code(name)
        compile(code, name, "exec")
        # nbgrader would take these for its own markers (and fail on the notebook)
        for marker in ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN SOLUTION", "END SOLUTION"):
            assert marker not in code, (name, marker)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_plans_use_every_attack_in_every_chapter(chapter):
    source = N.read(N.source_notebook(REPO / "assignments", chapter))
    plans = attacks.attack_plans(N.exercises(source))
    used = [a for plan in plans for a in plan.values() if a != attacks.BLANK]
    assert sorted(used) == sorted(attacks.ATTACKS)
    assert 2 <= len(plans) <= 3
    for plan in plans:
        assert list(plan.values())[0] != "printer"  # the printer needs an earlier test cell to dump


def test_leak_detector_sees_through_encodings():
    import base64
    import codecs
    import zlib

    line = "assert -0.01 < revenue_2024 - _expected < 0.01"
    secret = [line, "80904.95", "S0023", "机关团体宾馆"]
    raw = line.encode()
    for shown in [line, base64.b64encode(raw).decode(), raw.hex(), codecs.encode(line, "rot13"), line[::-1],
                  base64.b64encode(zlib.compress(raw)).decode(), base64.urlsafe_b64encode(raw).decode(),
                  line.encode("unicode_escape").decode(), "x " + base64.b64encode(base64.b64encode(raw)).decode()]:
        page = f"<html><body><pre>All tests passed! {shown} done</pre></body></html>"
        assert any(line in hit for hit in leaks.leaks(page, secret)), shown
    for shown in ["80904.950", base64.b64encode(b"top = 'S0023'").decode(),
                  "\\u673a\\u5173\\u56e2\\u4f53\\u5bbe\\u9986"]:
        assert leaks.leaks(f"<p>{shown}</p>", secret), shown
    assert leaks.leaks("<p>这一题的测试全部通过。80904.9 S00231 机关团体</p>", secret) == []


# ---------------------------------------------------------------- graded for real

def _attribution(graded, student: str) -> dict[str, str]:
    """test cell -> the attack in its own answer cell, and the attacks above it."""
    plan = graded["plans"][student]
    earlier, label = [], {}
    for ex in graded["exercises"]:
        attack = plan.get(ex.answer_id, attacks.BLANK)
        label[ex.test_id] = f"{attack}；此前：{', '.join(earlier) or '无'}"
        if attack != attacks.BLANK:
            earlier.append(attack)
    return label


def test_full_solution_gets_every_point(graded):
    scores = graded["scores"]["full"]
    assert scores, f"{graded['chapter']}：参考答案没有评分结果"
    lost = {k: s for k, s in scores.items() if s[0] != s[1]}
    assert not lost, f"{graded['chapter']}：参考答案没有拿到满分：{lost}"
    assert set(scores) >= {ex.test_id for ex in graded["exercises"]}


def test_blank_gets_nothing(graded):
    scored = {k: s for k, s in graded["scores"]["blank"].items() if s[0] > 0}
    assert not scored, f"{graded['chapter']}：空白提交得了分：{scored}"


def test_the_kernel_battery_ran_where_planned(graded):
    assert bool(graded["plans"]) == (graded["chapter"] in BATTERY) and len(BATTERY) >= 2


def test_attacks_get_nothing(graded):
    scored = {}
    for student in graded["plans"]:
        assert graded["scores"][student], f"{graded['chapter']}：{student} 没有评分结果"
        label = _attribution(graded, student)
        for cell, (score, _) in graded["scores"][student].items():
            if score > 0:
                scored[f"{student}/{cell}"] = f"{score:g} 分（本题：{label.get(cell, '?')}）"
    assert not scored, f"{graded['chapter']}：空白作答加攻击代码得了分：{scored}"


def test_attack_snippets_ran(graded):
    """The attacks failed for the right reason: none of them stopped at a syntax error of its own."""
    broken = {}
    for student, plan in graded["plans"].items():
        path = graded["course"] / "autograded" / student / graded["chapter"] / f"{graded['chapter']}.ipynb"
        assert path.is_file(), f"{path} 不存在"
        for cell in N.read(path).cells:
            attack = plan.get(N.meta(cell).get("grade_id"), attacks.BLANK)
            if attack == attacks.BLANK or not N.is_answer_cell(cell):
                continue
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error" and out.get("ename") in ("SyntaxError", "IndentationError"):
                    broken[f"{student}/{attack}"] = f"{out.get('ename')}: {out.get('evalue')}"
    assert not broken, broken


def test_feedback_generated_without_refusal(graded):
    assert graded["refused"] is None, (f"{graded['chapter']}：crmcourse feedback 发现反馈页含有隐藏测试，"
                                         f"拒绝生成：{graded['refused']}")
    assert set(graded["pages"]) == set(graded["plans"]) | set(graded["cheat_plans"]) | {"full", "blank"}


def test_feedback_pages_show_no_secret(graded):
    source_path = N.source_notebook(graded["course"], graded["chapter"])
    lines = leaks.secrets(source_path, graded["student"], literals=False)
    assert lines, "no hidden-test lines found in the teacher version"
    # What the lesson shows anyway (blank), and what an honest solution's own code shows (full):
    # literals found there are not secrets. These two pages are checked for hidden-test lines.
    honest = ("blank", "full")
    public = [leaks.html_text(graded["pages"][s].read_text(encoding="utf-8"))
              for s in honest if s in graded["pages"]]
    secret = leaks.secrets(source_path, graded["student"], public=public)
    found = {}
    for student, page in graded["pages"].items():
        html = page.read_text(encoding="utf-8")
        hits = leaks.leaks(html, lines if student in honest else secret)
        if hits or "BEGIN HIDDEN TESTS" in html:
            found[f"{student}/{page.name}"] = hits[:5] or ["BEGIN HIDDEN TESTS"]
    assert not found, f"{graded['chapter']}：反馈页里有隐藏测试的内容（含编码后的形式）：{found}"
