"""``crmcourse check chapters/NN_name.ipynb``: a learner grades their own notebook.

The learner's notebook is run top to bottom with each exercise's test cell taken from the
teacher version, split in two: the visible self-check (its Chinese hint is shown when it
fails) and the hidden tests (only "passed" / "not passed" is shown: never their code,
their values or their traceback). Nothing is written next to the learner's notebook.
"""
from __future__ import annotations

import copy
from pathlib import Path

import nbformat

from . import notebooks as N
from .course import find_repo

VISIBLE = "crmcourse-visible"
HIDDEN = "crmcourse-hidden"


def _source_for(notebook: Path) -> Path:
    chapter = notebook.stem
    for start in (notebook.parent, Path.cwd()):
        try:
            repo = find_repo(start)
        except SystemExit:
            continue
        path = N.source_notebook(repo / "assignments", chapter)
        if path.is_file():
            return path
    raise SystemExit(f"找不到 {chapter} 的教师版（assignments/source/{chapter}/{chapter}.ipynb）。"
                     "请在课程仓库里运行，文件名保持 chapters/ 里的原名。")


def build_check_notebook(learner_nb, source_nb):
    """The learner's notebook with each test cell replaced by the teacher's, split visible | hidden."""
    tests = {N.meta(c)["grade_id"]: c for c in source_nb.cells if N.is_test_cell(c)}
    nb = copy.deepcopy(learner_nb)
    cells = []
    for cell in nb.cells:
        gid = N.meta(cell).get("grade_id")
        if gid in tests and cell.cell_type == "code":
            visible, hidden = N.split_tests(tests[gid].source)
            for role, text in ((VISIBLE, visible), (HIDDEN, hidden)):
                new = nbformat.v4.new_code_cell(text)
                new.metadata["crmcourse"] = {"role": role, "grade_id": gid}
                cells.append(new)
        else:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
            cells.append(cell)
    nb.cells = cells
    return nb


def run(nb, workdir: Path, timeout: int, km=None):
    """Execute the check notebook (the one place the self-check starts a kernel).

    ``km``: a kernel manager from the grading sandbox (crmcourse.sandbox), or None.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True, km=km,
                            interrupt_on_timeout=True, resources={"metadata": {"path": str(workdir)}})
    try:
        client.execute()
        return ""
    except DeadKernelError:
        return "内核意外退出（代码里是否调用了 os._exit() 或用光了内存？），之后的练习没有运行。"
    except CellTimeoutError:
        return "有代码运行超时且无法中断，之后的练习没有运行。"


def _error(cell):
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return out
    return None


def _hint(error) -> str:
    ename, evalue = error.get("ename", ""), (error.get("evalue") or "").strip()
    if ename == "AssertionError":
        return evalue or "自检没有通过（没有附带提示）。"
    if ename == "NameError":
        return f"{evalue}。请先完成并运行这一题的答案单元格（变量名要与题目一致）。"
    if ename == "NotImplementedError":
        return "还没有作答：删掉 raise NotImplementedError() 并写上你的代码。"
    if ename == "CellTimeoutError":
        return "运行超时：检查是否有死循环。"
    return f"运行出错：{ename}: {evalue[:300]}"


def report(checked_nb, source_nb, stopped: str = "") -> tuple[list[dict], float, float]:
    """Per-exercise results, score and maximum."""
    exes = N.exercises(source_nb)
    answer_error = {}
    for cell in checked_nb.cells:
        if N.is_answer_cell(cell) and _error(cell) is not None:
            answer_error[N.meta(cell)["grade_id"]] = _error(cell)
    parts: dict[str, dict] = {}
    for cell in checked_nb.cells:
        info = cell.metadata.get("crmcourse")
        if info:
            parts.setdefault(info["grade_id"], {})[info["role"]] = cell
    rows, score = [], 0.0
    for i, ex in enumerate(exes, 1):
        got = parts.get(ex.test_id)
        row = {"n": i, "answer_id": ex.answer_id, "points": ex.points, "passed": False}
        if got is None:
            row["message"] = "找不到这一题的自检单元格（是否删掉了？）。请从 chapters/ 重新获取原始 notebook。"
        elif got[VISIBLE].get("execution_count") is None and _error(got[VISIBLE]) is None:
            row["message"] = stopped or "这一题的自检没有运行。"
        elif _error(got[VISIBLE]) is not None:
            err = answer_error.get(ex.answer_id)
            if err is not None and err.get("ename") == "NotImplementedError":
                row["message"] = _hint(err)
            else:
                row["message"] = "自检未通过：" + _hint(_error(got[VISIBLE]))
        elif got[HIDDEN].source.strip() and (_error(got[HIDDEN]) is not None
                                             or got[HIDDEN].get("execution_count") is None):
            row["message"] = ("自检通过，但隐藏测试没有通过：请对照题目再核对一遍准确数值、类型、"
                              "列名、排序和单位（隐藏测试的内容不会显示）。")
        else:
            row["passed"] = True
            row["message"] = "通过（含隐藏测试）"
            score += ex.points
        rows.append(row)
    return rows, score, sum(ex.points for ex in exes)


def check(notebook: Path, timeout: int = 120, echo=print, box=None) -> int:
    notebook = Path(notebook).resolve()
    if not notebook.is_file():
        raise SystemExit(f"找不到文件：{notebook}")
    try:
        learner = N.read(notebook)
    except Exception as exc:
        raise SystemExit(f"{notebook.name} 无法读取（{type(exc).__name__}），文件可能已损坏。")
    source = N.read(_source_for(notebook))
    nb = build_check_notebook(learner, source)
    echo(f"正在运行 {notebook.name}（从头到尾，可能需要一两分钟）……")
    if box is not None:  # sandboxed: an empty private working folder, a sandboxed kernel
        stopped = run(nb, box.workdir(notebook.parent), timeout, km=box.kernel_manager())
    else:
        stopped = run(nb, notebook.parent, timeout)
    rows, score, total = report(nb, source, stopped)
    for row in rows:
        mark = "✓" if row["passed"] else "✗"
        echo(f"{mark} 练习 {row['n']}（{row['points']:g} 分）：{row['message']}")
    written = N.written_answers(source)
    echo(f"自动评分题：{score:g} / {total:g} 分" + (f"；另有 {len(written)} 道书面题由老师批改。" if written else ""))
    if stopped:
        echo(stopped)
    return 0 if score == total else 1
