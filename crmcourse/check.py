"""``crmcourse check chapters/NN_name.ipynb``: a learner grades their own notebook.

The learner's notebook is run top to bottom with each exercise's test cell replaced by the
teacher version's visible self-check (its Chinese hint is shown when it fails). The hidden
tests never enter the kernel: as in autograding, the answers are exported as data after
each self-check and the judge (crmcourse/judge.py) runs the hidden tests on them in this
process. Only "passed" / "not passed" and a Chinese reason are shown: never the hidden
tests' code, values or traceback. Nothing is written next to the learner's notebook.
"""
from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat
from nbgrader.utils import has_failed

from . import notebooks as N
from .course import chapters, find_repo
from .errors import CourseError
from .judge import TIMEOUT_ENAME, ExportAnswers, KernelUnresponsive, answer_names, split_hidden, verdict

VISIBLE = "crmcourse-visible"


def _grade_ids(path: Path) -> set[str]:
    """The nbgrader cell ids of a notebook (empty if it cannot be read)."""
    try:
        nb = N.read(path)
    except Exception:  # a broken file: check() itself says so
        return set()
    return {N.meta(c)["grade_id"] for c in nb.cells if N.meta(c).get("grade_id")}


def _source_for(notebook: Path) -> Path:
    """The teacher version of the chapter ``notebook`` belongs to, whatever the file is called.

    A file named after its chapter (chapters/01_selection.ipynb, work/01_selection.ipynb) is that
    chapter. A renamed copy (01_selection-Copy1.ipynb, 我的作业.ipynb) is recognised by its graded
    cells: nbgrader's cell ids (grade_id), which every copy keeps, name the chapter they come from.
    """
    repos: list[Path] = []
    for start in (notebook.parent, Path.cwd()):
        try:
            repo = find_repo(start)
        except CourseError:
            continue
        if repo not in repos:
            repos.append(repo)
    for repo in repos:
        path = N.source_notebook(repo / "assignments", notebook.stem)
        if path.is_file():
            return path
    mine = _grade_ids(notebook)
    best: list[tuple[float, Path]] = []
    for repo in repos:
        for chapter in chapters(repo / "assignments"):
            path = N.source_notebook(repo / "assignments", chapter)
            theirs = _grade_ids(path)
            if theirs and mine:
                best.append((len(mine & theirs) / len(mine | theirs), path))
    best.sort(key=lambda item: -item[0])
    if best and best[0][0] >= 0.5 and (len(best) == 1 or best[1][0] < best[0][0]):
        return best[0][1]
    if not repos:
        raise CourseError("找不到课程目录（含 assignments/nbgrader_config.py 的文件夹）："
                         "请在课程仓库里运行 crmcourse check，或设置环境变量 CRM_COURSE_ROOT。")
    raise CourseError(f"认不出 {notebook.name} 是哪一章：文件名不是章节名（例如 01_selection.ipynb），"
                     "里面也找不到课程练习的单元格。请检查的是从 chapters/ 或 work/ 复制来的 notebook。")


def build_check_notebook(learner_nb, source_nb, marks: N.Delimiters | None = None):
    """The learner's notebook with each test cell replaced by the teacher's visible self-check.

    ``marks``: nbgrader's delimiters (crmcourse.notebooks.course_delimiters; default nbgrader's own).
    """
    tests = {N.meta(c)["grade_id"]: c for c in source_nb.cells if N.is_test_cell(c)}
    nb = copy.deepcopy(learner_nb)
    cells = []
    for cell in nb.cells:
        gid = N.meta(cell).get("grade_id")
        if gid in tests and cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(split_hidden(tests[gid].source, marks)[0])
            new.metadata["crmcourse"] = {"role": VISIBLE, "grade_id": gid}
            cells.append(new)
        else:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
            cells.append(cell)
    nb.cells = cells
    return nb


def hidden_by_test(source_nb, marks: N.Delimiters | None = None) -> dict[str, str]:
    """grade_id -> hidden tests, for every graded test cell of the teacher version."""
    return {N.meta(c)["grade_id"]: split_hidden(c.source, marks)[1] for c in source_nb.cells if N.is_test_cell(c)}


def run(nb, workdir: Path, timeout: int, km=None, hidden: dict[str, str] | None = None) -> tuple[str, dict]:
    """Execute the check notebook (the one place the self-check starts a kernel).

    ``km``: a kernel manager from the grading sandbox (crmcourse.sandbox), or None.
    Returns (why the run stopped early or "", grade_id -> answers exported after its self-check).
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    class Client(ExportAnswers, NotebookClient):
        pass

    client = Client(nb, timeout=timeout, kernel_name="python3", allow_errors=True, km=km,
                    interrupt_on_timeout=True, resources={"metadata": {"path": str(workdir)}},
                    error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": "运行超时，已中断",
                                      "traceback": [f"{TIMEOUT_ENAME}: 运行超时，已中断"]})
    ids = {i: c.metadata["crmcourse"]["grade_id"] for i, c in enumerate(nb.cells) if "crmcourse" in c.metadata}
    client.export_plan = {i: answer_names((hidden or {}).get(gid, "")) for i, gid in ids.items()
                          if (hidden or {}).get(gid, "").strip()}
    client.exported = {}
    exported = lambda: {ids[i]: text for i, text in client.exported.items()}  # noqa: E731
    try:
        client.execute()
        return "", exported()
    except DeadKernelError:
        return "内核意外退出（代码里是否调用了 os._exit() 或用光了内存？），之后的练习没有运行。", exported()
    except KernelUnresponsive:
        return "有代码运行超时，而且不响应中断（是否忽略了中断信号？），之后的练习没有运行。", exported()
    except CellTimeoutError:
        return "有代码运行超时且无法中断，之后的练习没有运行。", exported()


def _error(cell):
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return out
    return None


def _hint(error) -> str:
    """A Chinese hint for the error a self-check cell ended with."""
    ename, evalue = error.get("ename", ""), (error.get("evalue") or "").strip()
    if ename == "AssertionError":
        return evalue or "自检没有通过（没有附带提示）。"
    if ename == "NameError":
        name = re.search(r"name '([^']+)' is not defined", evalue)
        what = f"找不到变量 {name.group(1)}" if name else evalue
        return f"{what}：请先完成并运行这一题的答案单元格（变量名要与题目一致）。"
    if ename == "NotImplementedError":
        return _answer_hint(error)
    if ename == "CellTimeoutError":
        return "运行超时：检查是否有死循环。"
    return f"运行出错：{ename}: {evalue[:300]}"


def _answer_hint(error) -> str:
    """What an answer cell's own error says: the real reason its self-check could not pass."""
    ename, evalue = error.get("ename", ""), (error.get("evalue") or "").strip()
    if ename == "NotImplementedError":
        return "还没有作答：删掉答案单元格里 raise NotImplementedError(...) 这一行，写上你的代码。"
    if ename == "CellTimeoutError":
        return "答案单元格运行超时：检查是否有死循环。"
    return f"答案单元格运行出错（先改正它，自检才能通过）：{ename}: {evalue[:300]}"


def graded_parts(source_nb) -> list[dict]:
    """Every graded test cell of the teacher version, in order, with the exercise it belongs to.

    An exercise is an answer cell and the graded test cells after it (one, or one per part:
    "第 1 问", "第 2 问" …). Each test cell is scored on its own, so each gets its own row.
    """
    parts, answer_id, n = [], None, 0
    for cell in source_nb.cells:
        if N.is_answer_cell(cell):
            answer_id, k = N.meta(cell)["grade_id"], 0
        elif N.is_test_cell(cell) and N.meta(cell).get("points") and answer_id is not None:
            if k == 0:
                n += 1
            k += 1
            parts.append({"n": n, "part": k, "answer_id": answer_id, "test_id": N.meta(cell)["grade_id"],
                          "points": float(N.meta(cell)["points"])})
    for part in parts:
        part["parts"] = sum(1 for p in parts if p["n"] == part["n"])
    return parts


def report(checked_nb, source_nb, stopped: str = "", exported: dict | None = None) -> tuple[list[dict], float, float]:
    """Per graded test cell results, score and maximum (the judge runs the hidden tests here)."""
    hidden = hidden_by_test(source_nb)
    parts = graded_parts(source_nb)
    answer_error = {}
    for cell in checked_nb.cells:
        if N.is_answer_cell(cell) and _error(cell) is not None:
            answer_error[N.meta(cell)["grade_id"]] = _error(cell)
    checks: dict[str, dict] = {}
    for cell in checked_nb.cells:
        info = cell.metadata.get("crmcourse")
        if info:
            checks[info["grade_id"]] = cell
    rows, score = [], 0.0
    for part in parts:
        got = checks.get(part["test_id"])
        row = {"n": part["n"], "part": part["part"], "parts": part["parts"], "answer_id": part["answer_id"],
               "test_id": part["test_id"], "points": part["points"], "passed": False}
        if got is None:
            row["message"] = "找不到这一题的自检单元格（是否删掉了？）。请从 chapters/ 重新获取原始 notebook。"
            rows.append(row)
            continue
        passed, reason = verdict(hidden.get(part["test_id"], ""), (exported or {}).get(part["test_id"]))
        if got.get("execution_count") is None and _error(got) is None:
            row["message"] = stopped or "这一题的自检没有运行。"
        elif _error(got) is not None:
            err = answer_error.get(part["answer_id"])
            if err is not None:  # the answer cell's own error (e.g. crmlib's Chinese message) is the reason
                row["message"] = _answer_hint(err)
            else:
                row["message"] = "自检未通过：" + _hint(_error(got))
        elif has_failed(got):  # no error, so stderr output: nbgrader scores that 0 too
            row["message"] = "自检单元格向标准错误（stderr）输出了内容，按评分规则这一题记 0 分。"
        elif not passed:
            row["message"] = "自检通过，但" + reason
        else:
            row["passed"] = True
            row["message"] = "通过（含隐藏测试）"
            score += part["points"]
        rows.append(row)
    return rows, score, sum(part["points"] for part in parts)


def _label(row: dict) -> str:
    return f"练习 {row['n']}" + (f" 第 {row['part']} 问" if row.get("parts", 1) > 1 else "")


def check(notebook: Path, timeout: int = 120, echo=print, box=None) -> int:
    notebook = Path(notebook).resolve()
    if not notebook.is_file():
        raise CourseError(f"找不到文件：{notebook}")
    try:
        learner = N.read(notebook)
    except Exception as exc:
        raise CourseError(f"{notebook.name} 无法读取（{type(exc).__name__}），文件可能已损坏。")
    source_path = _source_for(notebook)
    source = N.read(source_path)
    marks = N.course_delimiters(source_path.parents[2])  # <course>/source/<chapter>/<chapter>.ipynb
    nb = build_check_notebook(learner, source, marks)
    hidden = hidden_by_test(source, marks)
    echo(f"正在运行 {notebook.name}（从头到尾，可能需要一两分钟）……")
    if box is not None:  # sandboxed: an empty private working folder, a sandboxed kernel
        stopped, exported = run(nb, box.workdir() or notebook.parent, timeout, km=box.kernel_manager(),
                                hidden=hidden)
    else:
        stopped, exported = run(nb, notebook.parent, timeout, hidden=hidden)
    rows, score, total = report(nb, source, stopped, exported)
    for row in rows:
        mark = "✓" if row["passed"] else "✗"
        echo(f"{mark} {_label(row)}（{row['points']:g} 分）：{row['message']}")
    written = N.written_answers(source)
    echo(f"自动评分题：{score:g} / {total:g} 分" + (f"；另有 {len(written)} 道书面题由老师批改。" if written else ""))
    if stopped:
        echo(stopped)
    return 0 if score == total else 1
