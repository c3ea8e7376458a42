"""Feedback that never reveals hidden tests.

nbgrader's ClearHiddenTests hides the source of hidden tests, but the output of a
failing test cell still carries its traceback, which quotes the failing lines (and
often the expected value). This preprocessor replaces every output of a cell that
contains hidden tests with a short Chinese hint. It must run before ClearHiddenTests,
which removes the markers it looks for.
"""
from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_output
from traitlets import Bool

HIDDEN_MARKER = "BEGIN HIDDEN TESTS"

FAILED_HINT = ("这一题没有通过全部测试（包括看不到的隐藏测试）。"
               "请对照题目要求检查：变量名、类型、单位和计算口径都要与题目一致。")
PASSED_HINT = "这一题的测试全部通过。"


def has_hidden_tests(cell) -> bool:
    return cell.cell_type == "code" and HIDDEN_MARKER in cell.source


def failed(cell) -> bool:
    return any(output.get("output_type") == "error" for output in cell.get("outputs", []))


class HideHiddenTestOutputs(Preprocessor):
    """Replace outputs of hidden-test cells with a hint (an error stays an error, without its lines)."""

    # nbconvert preprocessors are disabled unless told otherwise; this one must always run.
    enabled = Bool(True).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if has_hidden_tests(cell):
            if failed(cell):
                cell.outputs = [new_output("error", ename="未通过", evalue=FAILED_HINT, traceback=[FAILED_HINT])]
            else:
                cell.outputs = [new_output("stream", name="stdout", text=PASSED_HINT + "\n")]
        return cell, resources


def hidden_lines(source_notebook) -> list[str]:
    """Distinctive lines of a teacher notebook's hidden tests (to look for in feedback)."""
    import re

    import nbformat

    nb = nbformat.read(str(source_notebook), as_version=4)
    pattern = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
    lines = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for block in pattern.findall(cell.source):
            lines += [line.strip() for line in block.splitlines()
                      if len(line.strip()) >= 12 and not line.strip().startswith("#")]
    return lines


def html_text(html: str) -> str:
    """The visible text of an HTML page (tags removed, entities decoded, ANSI codes dropped)."""
    import html as htmllib
    import re

    text = re.sub(r"<style.*?</style>|<script.*?</script>", "", html, flags=re.S)
    text = re.sub(r"<[^>]+>", "", text)
    text = htmllib.unescape(text)
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def leaked_lines(feedback_html: str, lines: list[str]) -> list[str]:
    """Hidden-test lines that appear in a feedback page (whitespace-insensitive)."""
    flat = "".join(html_text(feedback_html).split())
    return [line for line in lines if "".join(line.split()) in flat]


def generate(course_dir, chapter: str, students: list[str] | None = None) -> list:
    """nbgrader generate_feedback for a chapter, then check no hidden-test line leaked."""
    from pathlib import Path

    from .notebooks import source_notebook
    from .release import nbgrader

    course_dir = Path(course_dir)
    args = ["generate_feedback", chapter, "--force"]
    if students and len(students) == 1:
        args.append(f"--student={students[0]}")
    nbgrader(course_dir, *args)
    secret = hidden_lines(source_notebook(course_dir, chapter))
    pages = sorted((course_dir / "feedback").glob(f"*/{chapter}/*.html"))
    for page in pages:
        leaked = leaked_lines(page.read_text(encoding="utf-8"), secret)
        if leaked:
            page.unlink()
            raise RuntimeError(f"{page} 含有隐藏测试的内容（已删除该文件）：{leaked[0]!r}")
    return pages
