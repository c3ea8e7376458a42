"""The judge: hidden tests run outside the student's kernel, on the answers it exported as data.

How an exercise is graded (``crmcourse autograde``, ``nbgrader autograde`` with the course
configuration, and ``crmcourse check`` alike):

1. The notebook that runs in the student's kernel holds the student's cells and the visible
   self-checks only: ``StripHiddenTests`` removes the hidden tests from every graded test
   cell before the kernel starts (also from the file in the kernel's folder).
2. Right after a graded test cell has run, the values its hidden tests read are exported
   from the kernel as data (crmcourse.answers: tagged JSON, never pickle).
3. The hidden tests then run here, in the grading process, on the decoded values and the
   case data. No student code ever runs in this process; what the kernel sent is only data.

Which values an exercise grades is declared once, by its hidden tests: the answers are the
names the hidden tests read without defining them, other than what the judge provides
(``crmlib``, ``load_dataset``, ``pd``, ``np``, ``math`` and the builtins). A test checks that
every such name is assigned by the exercise's solution.

A test cell scores its points only if it ran without an error in the kernel (the visible
self-check passed) *and* its hidden tests pass here; otherwise the judge puts a Chinese
reason first among the cell's outputs, which nbgrader reads as 0 points.
"""
from __future__ import annotations

import ast
import builtins

from nbclient.exceptions import CellTimeoutError
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell
from nbgrader.preprocessors import ClearHiddenTests

from . import answers
from . import notebooks as N
from .notebooks import is_test_cell

JUDGE_ERROR = "隐藏测试未通过"
NO_EXPORT = "评分程序没有取到这一题的答案（这个单元格之后内核没有响应，或答案导出超时）。"
HIDDEN_FAILED = ("隐藏测试没有通过：请对照题目再核对一遍数值、类型、列名、排序和单位"
                 "（隐藏测试的内容不会显示）。")
BASE_NAMES = ("crmlib", "load_dataset", "pd", "np", "math")


def split_hidden(source: str, marks: N.Delimiters | None = None) -> tuple[str, str]:
    """(visible part, hidden part) of a test cell, with nbgrader's delimiters (``marks``; default:
    nbgrader's defaults, see :func:`crmcourse.notebooks.course_delimiters`)."""
    return N.split_tests(source, marks)


def answer_names(hidden: str) -> list[str]:
    """Names the hidden tests read but never define (in order of first use), minus the judge's own."""
    tree = ast.parse(hidden)
    defined: set[str] = set(BASE_NAMES) | set(dir(builtins))
    loaded: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, (ast.Store, ast.Del)):
                defined.add(node.id)
            else:
                loaded.append((node.lineno, node.col_offset, node.id))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.arg):
            defined.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            defined.update((a.asname or a.name).split(".")[0] for a in node.names)
    names: list[str] = []
    for _, _, name in sorted(loaded):
        if name not in defined and name not in names:
            names.append(name)
    return names


def namespace() -> dict:
    """What hidden tests may use besides the answers: a fresh namespace for every exercise."""
    import math

    import numpy as np
    import pandas as pd

    import crmlib

    return {"__builtins__": builtins, "crmlib": crmlib, "load_dataset": crmlib.load_dataset,
            "pd": pd, "np": np, "math": math}


def verdict(hidden: str, exported: str | None) -> tuple[bool, str]:
    """(passed, Chinese reason) for one exercise, from the kernel's export and its hidden tests."""
    if not hidden.strip():
        return True, ""
    names = answer_names(hidden)
    if exported is None:
        return False, NO_EXPORT
    values = {}
    for name, (state, detail) in answers.decode(exported, names).items():
        if state == "missing":
            return False, f"没有找到答案变量 {name}：请在答案单元格里给它赋值，再从头运行 notebook。"
        if state == "unexportable":
            return False, (f"答案变量 {name} 的类型（{detail}）不能交给评分程序：请按题目要求使用 "
                           "float、int、str、list、dict 或 pandas 的 Series / DataFrame。")
        if state != "ok":
            return False, f"答案变量 {name} 无法读取：{detail}。"
        values[name] = detail
    scope = namespace()
    scope.update(values)
    try:
        exec(compile(hidden, "<隐藏测试>", "exec"), scope)
    except AssertionError:
        return False, HIDDEN_FAILED
    except Exception as exc:  # the answer had the wrong shape for the test: say only what kind of error
        return False, f"{HIDDEN_FAILED}（核对时出错：{type(exc).__name__}）"
    return True, ""


def apply_verdict(cell, passed: bool, reason: str) -> None:
    """Make nbgrader score the cell by the verdict.

    nbgrader gives a test cell 0 if its first error / stderr output comes before any
    ``execute_result`` and reads an ``execute_result`` as a partial grade; a test cell of
    this course has no result to show, so such outputs (which only a tampered kernel
    produces) are dropped and a failed verdict goes first.
    """
    cell.outputs = [out for out in cell.get("outputs", []) if out.get("output_type") != "execute_result"]
    if not passed:
        cell.outputs.insert(0, NotebookNode(output_type="error", ename=JUDGE_ERROR, evalue=reason,
                                            traceback=[f"{JUDGE_ERROR}：{reason}"]))


TIMEOUT_ENAME = "CellTimeoutError"  # the error output nbclient writes for a cell it interrupted


class KernelUnresponsive(CellTimeoutError):
    """A cell timed out and the kernel did not stop when interrupted (e.g. it ignores SIGINT)."""


class ExportAnswers:
    """Mixin for nbclient clients: after each planned cell, take its answers out of the kernel.

    ``export_plan`` maps a cell index to the answer names to export after it; the raw JSON
    text (or None) lands in ``exported[cell_index]``. What comes back is untrusted data.
    After a cell that timed out, the kernel must answer within a few seconds of the
    interrupt, or the run stops with ``KernelUnresponsive``.
    """

    export_plan: dict[int, list[str]]
    exported: dict[int, str | None]

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        self._interrupted = False
        try:
            result = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        except CellTimeoutError as exc:  # the interrupt went unanswered: nbclient gave up waiting for output
            if self._interrupted and not isinstance(exc, KernelUnresponsive):
                raise KernelUnresponsive("内核在中断后没有结束这个单元格") from exc
            raise
        if self._interrupted:
            await self._ensure_responsive()
        names = getattr(self, "export_plan", {}).get(cell_index)
        if names:
            self.exported[cell_index] = await self._export(names, cell_index)
        return result

    async def _async_handle_timeout(self, timeout, cell=None):
        self._interrupted = bool(self.interrupt_on_timeout)
        return await super()._async_handle_timeout(timeout, cell)

    async def _ensure_responsive(self, grace: float = 5.0) -> None:
        """After a timed-out cell was interrupted: raise KernelUnresponsive if the kernel ignored it.

        Otherwise every later cell would wait out its own timeout and score 0 while the
        status said the notebook went on normally.
        """
        import time
        from queue import Empty

        from jupyter_core.utils import ensure_async

        msg_id = await ensure_async(self.kc.execute("", silent=True, store_history=False, allow_stdin=False))
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            try:
                msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=0.5))
            except Empty:
                await self._async_check_alive()
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return
        raise KernelUnresponsive(f"内核在中断后 {grace:g} 秒内没有响应")

    async def _export(self, names: list[str], cell_index: int) -> str | None:
        from nbclient import NotebookClient
        from nbclient.exceptions import DeadKernelError

        probe = new_code_cell(answers.kernel_code(names))
        graded = self.nb.cells[cell_index]
        try:
            await NotebookClient.async_execute_cell(self, probe, cell_index, store_history=False)
        except DeadKernelError:
            raise
        except (CellTimeoutError, Exception):  # noqa: BLE001 - a kernel that fails to export scores 0
            return None
        finally:  # nbclient puts the cell it ran at cell_index
            self.nb.cells[cell_index] = graded
        texts = [out.get("data", {}).get(answers.MIME) for out in probe.outputs
                 if out.get("output_type") == "display_data"]
        texts = [t for t in texts if isinstance(t, str)]
        return texts[0] if len(texts) == 1 else None


class StripHiddenTests(ClearHiddenTests):
    """Sanitizing step of autograde: no hidden test reaches the student's kernel or its folder.

    Runs after nbgrader's OverwriteCells has restored the teacher's test cells; only graded
    test cells are touched (a student's own cell that mentions the markers is left alone).
    """

    def preprocess_cell(self, cell, resources, cell_index):
        if is_test_cell(cell):
            self._remove_hidden_test_region(cell)  # nbgrader's own, with the configured delimiters
        return cell, resources
