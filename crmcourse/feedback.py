"""Feedback that never reveals hidden tests.

Since the judge (crmcourse/judge.py) the autograded notebook holds no hidden test at all:
they are stripped before the kernel starts and run outside it. What a test cell's outputs
can still hold is whatever the kernel printed while it ran (a tampered kernel prints what
it likes) and long tracebacks. So every graded test cell's outputs are replaced by one
short Chinese line that agrees with the score nbgrader recorded (``determine_grade``: an
error *or any stderr output* is 0): the judge's reason, the visible self-check's hint, or
that the exercise passed. ``generate`` then checks each page for hidden-test lines anyway.
"""
from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_output
from nbgrader.utils import determine_grade
from traitlets import Bool

from .judge import JUDGE_ERROR, is_test_cell
from .notebooks import hidden_lines  # noqa: F401 - part of this module's interface (tests, leaks)

FAILED_HINT = ("这一题没有通过全部测试（包括看不到的隐藏测试）。"
               "请对照题目要求检查：变量名、类型、单位和计算口径都要与题目一致。")
PASSED_HINT = "这一题的测试全部通过。"
STDERR_HINT = "这一题的测试单元格向标准错误（stderr）输出了内容，按评分规则记 0 分。"
MAX_HINT = 300


def _reason(cell) -> str:
    """The one line a student reads for a test cell that did not score."""
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    for out in errors:
        if out.get("ename") == JUDGE_ERROR:
            return f"{FAILED_HINT}{out.get('evalue', '')}"[:MAX_HINT * 2]
    if errors:
        evalue = " ".join(str(errors[0].get("evalue") or "").split())[:MAX_HINT]
        return f"{FAILED_HINT}自检提示：{evalue}" if evalue else FAILED_HINT
    return STDERR_HINT


class HideHiddenTestOutputs(Preprocessor):
    """Replace the outputs of graded test cells with one line that matches their score."""

    # nbconvert preprocessors are disabled unless told otherwise; this one must always run.
    enabled = Bool(True).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if is_test_cell(cell):
            score, points = determine_grade(cell)
            if score is not None and score >= points:
                cell.outputs = [new_output("stream", name="stdout", text=PASSED_HINT + "\n")]
            else:
                text = _reason(cell)
                cell.outputs = [new_output("error", ename="未通过", evalue=text, traceback=[text])]
        return cell, resources


def leaked_lines(feedback_html: str, lines: list[str]) -> list[str]:
    """Hidden-test lines that appear in a feedback page, in plain text or encoded (crmcourse.leaks)."""
    from .leaks import leaks

    return list(dict.fromkeys(hit.split(": ", 1)[1] for hit in leaks(feedback_html, lines)))


class FeedbackWithheld(RuntimeError):
    """Some pages quoted hidden-test lines and were deleted; the others were generated."""

    def __init__(self, pages, students):
        self.pages, self.students = pages, students
        super().__init__(f"这些学生的反馈含有隐藏测试的内容，已删除、没有发布：{', '.join(students)}；"
                         f"其余 {len(pages)} 份反馈已生成。请在 Formgrader 里查看这几份作业。")


class FeedbackPages(list):
    """The feedback pages generated (paths), and ``missing``: student -> why they got none (Chinese)."""

    def __init__(self, pages=(), missing: dict | None = None):
        super().__init__(pages)
        self.missing = dict(missing or {})


def generate(course_dir, chapter: str, students: list[str] | None = None) -> FeedbackPages:
    """nbgrader generate_feedback for a chapter, then check no hidden-test line leaked.

    Raises :class:`crmcourse.errors.CourseError` when nothing of the chapter has been graded yet
    (next step: ``crmcourse autograde``). The pages come back as a :class:`FeedbackPages`;
    its ``missing`` names each student with a submission who got no page, and why.
    """
    from pathlib import Path

    from . import nbgrader_cli
    from .autograde import is_corrupt, last_exception, submitted_students
    from .errors import CourseError, graded_students, not_graded
    from .notebooks import course_delimiters, source_notebook

    course_dir = Path(course_dir)
    graded = graded_students(course_dir, chapter)
    wanted = set(students) if students else None
    if not (graded if wanted is None else graded & wanted):
        raise not_graded(chapter, wanted)
    # nbgrader takes one --student (or everyone): one run for each student asked for.
    runs = [[]] if wanted is None else [[f"--student={s}"] for s in sorted(graded & wanted)]
    failure = ""
    for extra in runs:
        try:
            nbgrader_cli.run(course_dir, "generate_feedback", chapter, "--force", *extra)
        except nbgrader_cli.NbgraderFailed as exc:  # nbgrader stops when one page fails: the others exist
            failure = failure or last_exception(str(exc)) or str(exc).strip().splitlines()[0]
    secret = hidden_lines(source_notebook(course_dir, chapter), course_delimiters(course_dir))
    pages, withheld = [], []
    for page in sorted((course_dir / "feedback").glob(f"*/{chapter}/*.html")):
        student = page.parent.parent.name
        if leaked_lines(page.read_text(encoding="utf-8", errors="replace"), secret):
            page.unlink()  # that student's page is withheld; everyone else's stays
            withheld.append(student)
        elif wanted is None or student in wanted:
            pages.append(page)
    if failure and not pages and not withheld:
        raise CourseError(f"nbgrader 没能生成 {chapter} 的反馈：{failure}")
    have = {p.parent.parent.name for p in pages} | set(withheld)
    expected = set(submitted_students(course_dir, chapter)) | graded
    if wanted is not None:
        expected &= wanted
    missing = {}
    for student in sorted(expected - have):
        if student not in graded:
            broken = is_corrupt(course_dir / "submitted" / student / chapter)
            if broken:
                missing[student] = f"提交的文件损坏（{broken}），没有批改结果；请让学生重新提交"
            else:
                missing[student] = (f"没有批改结果（还没有批改，或批改失败，见 autograde 的结果行）："
                                    f"crmcourse autograde {chapter} --student {student}")
        else:
            missing[student] = f"nbgrader 生成反馈时出错：{failure}" if failure else "nbgrader 没有生成这一份"
    result = FeedbackPages(pages, missing)
    if withheld:
        raise FeedbackWithheld(result, withheld)
    return result
