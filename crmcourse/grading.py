"""Execution for autograding that a submission cannot talk its way out of.

``SafeExecute`` replaces nbgrader's ``Execute`` preprocessor (see
assignments/nbgrader_config.py, so ``nbgrader autograde`` and ``crmcourse autograde``
grade alike). The grade is decided here, in the grading process, never in the kernel:

* the kernel runs the student's cells and the visible self-checks only (the hidden tests
  were stripped by ``crmcourse.judge.StripHiddenTests``); after each graded test cell its
  answers are exported as data, and the judge runs the cell's hidden tests, read from the
  gradebook, on them (crmcourse/judge.py). A test cell scores only if it ran without an
  error and its hidden tests pass.
* a graded test cell that never ran gets an error output (→ 0 points): the kernel died
  (``os._exit()`` in an answer cell), stopped answering after a timeout, or the cell was
  skipped (e.g. a ``skip-execution`` tag). nbgrader alone fails the whole submission in
  the first two cases; here the cells that did run keep their grades. A test cell the
  submission no longer has gets a stand-in cell with 0 points and the reason.
* a second line of defence: after every cell, a silent probe fingerprints the kernel's
  grading machinery (builtins, IPython's transformers, traceback display and run methods,
  event hooks, sys hooks, comparison helpers); if an answer cell changed any of them,
  every graded test cell that ran afterwards gets 0. The probe runs as ``user_expressions``
  of an empty, silent execute request; the fingerprint is kept here, outside the kernel.
* it refuses to run student code outside the grading sandbox (crmcourse/sandbox.py):
  ``nbgrader autograde`` run by hand, or the formgrader's Autograde button, would run it
  with the instructor's rights, next to the teacher versions and the gradebook. An
  instructor who trusts every submission sets ``SafeExecute.allow_unsandboxed``.
"""
from __future__ import annotations

from nbclient.util import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool

from .limits import cap_executed_cell
from .notebooks import delimiters
from .judge import (JUDGE_ERROR, ExportAnswers, KernelUnresponsive, answer_names, apply_verdict, is_test_cell,
                    split_hidden, verdict)

# Error names written into cells that are graded 0 by SafeExecute (crmcourse reads them back).
NOT_RUN = "NotExecutedError"
KERNEL_DIED = "DeadKernelError"
TIMED_OUT = "CellTimeoutError"
STOPPED = "GradingStoppedError"
MISSING = "TestCellMissingError"
TAMPERED = "GradingTamperedError"

# Error names only this grader may write (and crmcourse reads back as a submission's status);
# the same name raised by a submission's code is renamed with this suffix.
RESERVED_ENAMES = frozenset({NOT_RUN, KERNEL_DIED, TIMED_OUT, STOPPED, MISSING, TAMPERED, JUDGE_ERROR})
RAISED_BY_CODE = "（由提交的代码抛出）"

UNSANDBOXED = (
    "评分被拒绝：这次评分没有使用评分沙箱，学生代码会以你的权限运行，能读到教师版答案、"
    "gradebook.db 里的隐藏测试和其他学生的作业。请用 `crmcourse autograde 章节` 评分（在沙箱里运行，"
    "见 README 的“评分沙箱”）。只有确认所有提交都可信时，才加上 --SafeExecute.allow_unsandboxed=True"
    "（或在 nbgrader_config.py 里写 c.SafeExecute.allow_unsandboxed = True）。")


class UnsandboxedGradingError(RuntimeError):
    """Student code was about to run outside the grading sandbox without the instructor's consent."""


MESSAGES = {
    NOT_RUN: "这个测试单元格没有运行，按 0 分计。",
    KERNEL_DIED: "评分内核在这个单元格之前退出了（例如答案里调用了 os._exit()），这个测试没有运行，按 0 分计。",
    TIMED_OUT: "之前的代码运行超时且无法中断，这个测试没有运行，按 0 分计。",
    STOPPED: "之前的单元格运行超时，而且内核不响应中断（例如代码忽略了中断信号），评分在那里停止：这个测试没有运行，按 0 分计。",
    MISSING: "这一题的测试单元格在提交的 notebook 里找不到了（被删除、改成了其他类型或去掉了评分标记），按 0 分计。",
    TAMPERED: "之前的答案单元格改动了评分环境（内置函数、比较函数或 IPython 的执行机制），这个测试按 0 分计。",
}

_COMPARISONS = [
    ("math", "isclose"), ("numpy", "isclose"), ("numpy", "allclose"), ("numpy", "array_equal"),
    ("numpy", "array_equiv"), ("numpy", "equal"),
    ("numpy.testing", "assert_allclose"), ("numpy.testing", "assert_array_equal"),
    ("numpy.testing", "assert_almost_equal"), ("numpy.testing", "assert_array_almost_equal"),
    ("numpy.testing", "assert_equal"),
    ("pandas.testing", "assert_frame_equal"), ("pandas.testing", "assert_series_equal"),
    ("pandas.testing", "assert_index_equal"),
    ("pandas._testing", "assert_frame_equal"), ("pandas._testing", "assert_series_equal"),
    ("operator", "eq"), ("operator", "lt"), ("operator", "gt"),
]
_METHODS = [("pandas", "DataFrame", "equals"), ("pandas", "Series", "equals"),
            ("pandas", "DataFrame", "__eq__"), ("pandas", "Series", "__eq__"),
            ("pandas", "DataFrame", "to_dict"), ("pandas", "Series", "to_dict"),
            ("pandas", "Series", "items"), ("pandas", "Series", "tolist"), ("pandas", "Series", "to_list"),
            ("pandas", "DataFrame", "itertuples"), ("numpy", "ndarray", "tolist")]
_SHELL_METHODS = ("showtraceback", "_showtraceback", "showsyntaxerror", "run_cell", "run_cell_async",
                  "run_ast_nodes", "run_code", "transform_cell", "transform_ast", "ev", "ex",
                  "user_expressions", "get_exception_only", "should_run_async")
_SAFE_HOOK_MODULES = ("IPython", "ipykernel", "matplotlib", "matplotlib_inline", "ipywidgets", "comm",
                      "jupyter", "traitlets")

# One expression, evaluated in the kernel after each cell; returns a dict of name -> fingerprint.
PROBE = ("(lambda b, s, sh: repr({"
         "**{'builtins.' + k: id(v) for k, v in vars(b).items()"
         " if k not in ('_', '__', '___', 'input', 'raw_input', '_dh', '_oh', '_ih', 'getpass')},"
         "'transformers': [id(f) for f in sh.input_transformers_cleanup]"
         " + [id(f) for f in sh.input_transformers_post] + [id(t) for t in sh.ast_transformers],"
         "'hooks': sorted((e, getattr(f, '__module__', None) or '?', getattr(f, '__qualname__', None) or '?')"
         " for e, fs in sh.events.callbacks.items() for f in fs"
         f" if not (getattr(f, '__module__', None) or '').startswith({_SAFE_HOOK_MODULES!r})),"
         f"'shell': sorted(k for k in vars(sh) if k in {_SHELL_METHODS!r}),"
         f"**{{'shellclass.' + n: id(getattr(type(sh), n, None)) for n in {_SHELL_METHODS!r}}},"
         "'sys': [id(s.gettrace()), id(s.getprofile()), id(s.displayhook), id(s.excepthook), id(s.breakpointhook)],"
         f"**{{m + '.' + n: id(getattr(s.modules[m], n, None)) for m, n in {_COMPARISONS!r} if m in s.modules}},"
         f"**{{m + '.' + c + '.' + n: id(vars(getattr(s.modules[m], c)).get(n))"
         f" for m, c, n in {_METHODS!r} if m in s.modules and hasattr(s.modules[m], c)}},"
         "}))(__import__('builtins'), __import__('sys'), get_ipython())")


def error_output(ename: str) -> NotebookNode:
    text = MESSAGES[ename]
    return NotebookNode(output_type="error", ename=ename, evalue=text, traceback=[f"{ename}: {text}"])


def teacher_tests(resources, marks=None) -> dict[str, tuple[str, float]]:
    """grade_id -> (hidden tests, points) of each graded test cell, from the gradebook (never the submission)."""
    from .gradebook import teacher_cells

    info = resources.get("nbgrader", {})
    cells = teacher_cells(info["db_url"], resources["unique_key"], info["assignment"])
    return {name: (split_hidden(source, marks)[1], points) for name, (source, points) in cells.items()}


def missing_test_cell(grade_id: str, points: float) -> NotebookNode:
    """A stand-in for a test cell the submission no longer has, so the gradebook and feedback say 0 and why."""
    from nbformat.v4 import new_code_cell

    cell = new_code_cell(f"# {grade_id}：{MESSAGES[MISSING]}")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "task": False,
                                 "grade_id": grade_id, "points": points, "schema_version": 3}
    cell.outputs = [error_output(MISSING)]
    return cell


class SafeExecute(ExportAnswers, Execute):
    """nbgrader's Execute, plus the judge (crmcourse.judge): hidden tests run here, on the
    answers the kernel exported, and unexecuted graded cells and graded cells run after
    tampering get 0."""

    tamper_guard = Bool(True, help="Fingerprint the kernel after each cell and zero later tests if it changed.").tag(config=True)
    allow_unsandboxed = Bool(False, help="Run student code without the grading sandbox (trusted submissions only).").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        from .sandbox import KERNEL_NAME

        if self.kernel_name != KERNEL_NAME and not self.allow_unsandboxed:
            self.log.error(UNSANDBOXED)
            raise UnsandboxedGradingError(UNSANDBOXED)
        tests = teacher_tests(resources, delimiters(self.config))
        hidden = {gid: text for gid, (text, _) in tests.items()}
        self.export_plan = {i: answer_names(hidden[c.metadata.nbgrader["grade_id"]])
                            for i, c in enumerate(nb.cells)
                            if is_test_cell(c) and hidden.get(c.metadata.nbgrader["grade_id"], "").strip()}
        self.exported: dict[int, str | None] = {}
        self._ran: set[int] = set()
        self._baseline = None
        self._tampered_at: int | None = None
        self._current = -1
        stopped = None
        try:
            nb, resources = super().preprocess(nb, resources, km)
        except DeadKernelError:
            stopped = KERNEL_DIED
        except KernelUnresponsive:
            stopped = STOPPED
        except CellTimeoutError:
            stopped = TIMED_OUT
        if stopped:
            self.log.error("Grading stopped at cell %s (%s); later test cells get 0.", self._current, stopped)
            nb = self.nb
            resources = self.resources
        for index, cell in enumerate(nb.cells):
            if not is_test_cell(cell):
                continue
            if index not in self._ran:
                reason = stopped if stopped and index >= self._current else NOT_RUN
                cell.outputs = [error_output(reason)]
            elif self._tampered_at is not None and index > self._tampered_at:
                cell.outputs = list(cell.get("outputs", [])) + [error_output(TAMPERED)]
            else:
                gid = cell.metadata.nbgrader["grade_id"]
                if index in self.export_plan:
                    apply_verdict(cell, *verdict(hidden[gid], self.exported.get(index)))
        present = {c.metadata.nbgrader["grade_id"] for c in nb.cells if is_test_cell(c)}
        for gid, (_, points) in tests.items():
            if gid not in present:
                nb.cells.append(missing_test_cell(gid, points))
        return nb, resources

    async def _fingerprint(self) -> dict | None:
        from jupyter_core.utils import ensure_async
        msg_id = await ensure_async(self.kc.execute("", silent=True, store_history=False, allow_stdin=False,
                                 user_expressions={"p": PROBE}))
        reply = await self.async_wait_for_reply(msg_id)
        try:
            value = reply["content"]["user_expressions"]["p"]
            if value.get("status") != "ok":
                return None
            import ast
            return ast.literal_eval(ast.literal_eval(value["data"]["text/plain"]))
        except Exception:  # no reply, an error, or anything unexpected: treat as tampered
            return None

    @staticmethod
    def _changed(before: dict | None, after: dict | None) -> list[str]:
        if before is None:
            return []
        if after is None:
            return ["probe"]
        return sorted(k for k in before.keys() & after.keys() if before[k] != after[k])

    def on_cell_executed(self, **kwargs):
        kwargs["execute_reply"] = self._disarm(kwargs.get("cell"), kwargs.get("execute_reply"))
        super().on_cell_executed(**kwargs)  # nbgrader records an error the outputs lack (timeouts)
        cap_executed_cell(**kwargs)

    def _disarm(self, cell, reply):
        """Rename the errors a cell's code raised under the names of this grader's own verdicts.

        ``crmcourse autograde`` reads a submission's status from the error names in its graded
        notebook (KERNEL_DIED → "内核崩溃", TAMPERED → "改动了评分环境" …). Student code can raise
        an exception of any name, in the outputs and in the execute reply (which nbgrader turns
        into an output when the outputs lack it): a correct notebook could then be reported as
        crashed, or a tampered one hide behind another status. Only the grader writes these names
        (after this point); a timeout's error is kept when the cell really was interrupted.
        """
        timed_out = bool(getattr(self, "_interrupted", False))

        def reserved(name) -> bool:
            return name in RESERVED_ENAMES and not (name == TIMED_OUT and timed_out)

        for out in (cell.get("outputs", []) if cell is not None else []):
            if out.get("output_type") == "error" and reserved(out.get("ename")):
                out["ename"] = f"{out['ename']}{RAISED_BY_CODE}"
        content = (reply or {}).get("content") or {}
        if content.get("status") == "error" and reserved(content.get("ename")):
            reply = {**reply, "content": {**content, "ename": f"{content['ename']}{RAISED_BY_CODE}"}}
        return reply

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        self._current = cell_index
        guard = self.tamper_guard and cell.cell_type == "code" and cell.source.strip()
        if guard and self._baseline is None:
            self._baseline = await self._fingerprint()
        result = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        if cell.cell_type == "code" and cell.source.strip() and "skip-execution" not in cell.metadata.get("tags", []):
            self._ran.add(cell_index)
        if guard and self._tampered_at is None and self._baseline is not None:
            changed = self._changed(self._baseline, await self._fingerprint())
            if changed:
                self.log.warning("Cell %s changed the grading environment: %s", cell_index, ", ".join(changed[:10]))
                self._tampered_at = cell_index
        return result

    execute_cell = run_sync(async_execute_cell)
