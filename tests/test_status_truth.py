"""Status lines and feedback tell the truth, in a real sandboxed grading run of chapter 00.

* ``deaf``: the first answer ignores SIGINT and loops: the run stops there with its own
  status (not "interrupted, the rest graded as usual"), quickly, and later tests score 0;
* ``noisy``: correct answers, but an event hook writes to stderr after every cell: nbgrader
  scores a test cell with stderr output 0 (and the hook trips the tamper check), so the
  feedback must not say any exercise passed;
* ``trimmed``: correct answers, one test cell deleted and one stripped of its nbgrader
  metadata: status and feedback say the tests are missing, those exercises score 0;
* ``injector``: correct answers plus a ``<script>`` in an HTML output, a JavaScript output and
  ``<img onerror=…>`` in a written answer: its feedback page carries none of them as
  something a browser would run (the formgrader's template is checked in test_safehtml.py);
* ``forger``: correct answers, but answer cells raise exceptions named like the grader's own
  verdicts (``DeadKernelError``, ``CellTimeoutError``, ``GradingTamperedError``, also as the
  error of the execute reply): the status stays 正常 with every point (a tampering student
  could otherwise hide the "tampered" status behind a made-up crash).
"""
from __future__ import annotations

import sys
import time

import nbformat
import pytest

from conftest import active, new_course
from crmcourse import notebooks as N
from crmcourse import sandbox

CHAPTER = "00_getting_started"
pytestmark = [pytest.mark.skipif(sys.platform != "linux", reason="评分沙箱基于 Linux 的 bubblewrap"),
              pytest.mark.xdist_group("status-truth")]

DEAF = "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.05)\n"
INJECT = ("from IPython.display import HTML, Javascript, display\n"
          "display(HTML('<script>window.PWNED=1</script><b onmouseover=\"window.PWNED=2\">x</b>'))\n"
          "display(Javascript('window.PWNED=3'))\n")
FORGE = """
class DeadKernelError(Exception):
    pass
class GradingTamperedError(Exception):
    pass
class CellTimeoutError(Exception):
    pass
for _forged in (DeadKernelError, GradingTamperedError):
    try:
        raise _forged("评分内核在这个单元格之前退出了")
    except _forged:
        get_ipython().showtraceback()  # an error output, the cell goes on
raise CellTimeoutError("之前的代码运行超时且无法中断")  # also the error of the execute reply
"""
NOISY = ("import sys as _s\nget_ipython().events.register('post_run_cell', "
         "lambda *a: _s.stderr.write('warning\\n'))\n")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from crmcourse.autograde import autograde
    from crmcourse.feedback import generate
    from crmcourse.release import release

    assert sandbox.check() is None, sandbox.check()
    course = new_course(tmp_path_factory.mktemp("truth") / "course", CHAPTER)
    release(course, [CHAPTER])
    source = N.read(N.source_notebook(course, CHAPTER))
    student = N.read(N.release_notebook(course, CHAPTER))
    exes = N.exercises(source)
    answers = N.solutions(source)
    first = exes[0]
    notebooks = {
        "deaf": N.fill(student, {**answers, first.answer_id: DEAF}),
        "noisy": N.fill(student, {**answers, first.answer_id: NOISY + answers[first.answer_id]}),
        "trimmed": N.fill(student, answers, tests={exes[1].test_id: None}),
        "forger": N.fill(student, {**answers, first.answer_id: answers[first.answer_id] + FORGE}),
        "injector": N.fill(student, {**answers, first.answer_id: answers[first.answer_id] + "\n" + INJECT},
                           written='我的回答 <img src=x onerror="window.PWNED=4"> <script>window.PWNED=5</script>'),
    }
    for cell in notebooks["trimmed"].cells:
        if N.meta(cell).get("grade_id") == exes[2].test_id:
            del cell.metadata["nbgrader"]
    for name, nb in notebooks.items():
        folder = course / "submitted" / name / CHAPTER
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / f"{CHAPTER}.ipynb"))
    started = time.monotonic()
    with sandbox.grading_sandbox() as box:
        results = autograde(course, CHAPTER, jobs=2, timeout=5, progress=False, echo=lambda *a: None, box=box)
    seconds = time.monotonic() - started
    generate(course, CHAPTER)
    pages = {name: (course / "feedback" / name / CHAPTER / f"{CHAPTER}.html").read_text(encoding="utf-8")
             for name in notebooks}
    return {"results": {r.student: r for r in results}, "pages": pages, "exes": exes, "seconds": seconds}


def test_an_ignored_interrupt_stops_the_run_and_says_so(graded):
    deaf = graded["results"]["deaf"]
    assert deaf.status == "stopped", deaf.line()
    assert "不响应中断" in deaf.line()
    assert deaf.auto_score == 0
    assert graded["seconds"] < 90  # not one timeout per remaining cell
    assert "内核不响应中断" in graded["pages"]["deaf"]


def test_a_test_cell_with_stderr_output_is_not_reported_as_passed(graded):
    noisy = graded["results"]["noisy"]
    assert noisy.auto_score == 0, noisy.cells
    assert "这一题的测试全部通过" not in graded["pages"]["noisy"]


def test_missing_test_cells_are_named_and_score_zero(graded):
    trimmed = graded["results"]["trimmed"]
    exes = graded["exes"]
    assert trimmed.status == "tests_missing", trimmed.line()
    for ex in exes[1:3]:
        assert trimmed.cells[ex.test_id]["score"] == 0
    for ex in exes[:1] + exes[3:]:
        assert trimmed.cells[ex.test_id]["score"] == ex.points
    assert "找不到了" in graded["pages"]["trimmed"]
    assert "缺少测试单元格" in trimmed.line()


def test_injected_scripts_do_not_reach_the_feedback_page(graded):
    injector = graded["results"]["injector"]
    assert injector.auto_score == injector.auto_max > 0, injector.line()
    page = graded["pages"]["injector"]
    assert "PWNED" in page  # the injections are there, as text
    assert not active(page), active(page)


def test_errors_named_like_the_graders_verdicts_do_not_change_the_status(graded):
    forger = graded["results"]["forger"]
    assert forger.status == "ok", forger.line()
    assert forger.auto_score == forger.auto_max > 0, forger.line()
