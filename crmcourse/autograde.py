"""Parallel autograding with nbgrader.

``autograde(course_dir, chapter, jobs=N)`` starts N worker processes
(crmcourse.worker); each grades one submission at a time with nbgrader's own Autograde
converter in a private folder with a private copy of the gradebook, so

* workers never write the course's gradebook: this process merges each result into it,
  one submission per transaction (SQLite has a single writer);
* ``submitted/`` is only read (each worker grades a copy);
* the grades are those of ``nbgrader autograde`` (same converter, same configuration,
  same starting gradebook state for each student);
* a runaway or crashing submission only costs its own worker: per-cell timeouts come from
  the configuration; each submission has a time budget (``time_budget``, by default
  ``max(120 s, 3 × the cell timeout)``): when it runs out, the worker kills the kernel and
  the tests that did not run score 0; a worker that still has not answered a minute
  later is killed itself and the submission recorded for manual review;
* whatever comes back from a worker is treated as untrusted: only regular files are
  copied back into ``autograded/`` (no link followed, limited depth, count and bytes,
  refused entries named in the result line), into a staging folder first, so a
  submission whose copy-back or merge fails is reported as such (status ``error``) and
  every other submission is still graded.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil

from . import gradebook, untrusted
from .errors import CourseError, GradingInterrupted
from .gradebook import scores  # noqa: F401 - per-cell scores of a submission (benchmarks, tests)
from .grading import KERNEL_DIED, MISSING, STOPPED, TAMPERED, TIMED_OUT
from .launch import worker_command, worker_env
from .limits import cell_was_cut

STATUS_TEXT = {
    "ok": "正常",
    "timeout": "有单元格超时（已中断，其余照常评分）",
    "stopped": "有单元格超时且内核不响应中断（之后的测试记 0 分）",
    "tests_missing": "提交里缺少测试单元格（被删除、改了类型或去掉了评分标记，这几题记 0 分）",
    "crashed": "内核崩溃（之后的测试记 0 分）",
    "tampered": "改动了评分环境（之后的测试记 0 分）",
    "corrupt": "文件损坏，无法评分（记 0 分）",
    "budget": "超出时间预算，内核已终止（没有运行的测试记 0 分，之前的照常）",
    "killed": "总运行时间超限，已终止（无自动分，待人工复核）",
    "error": "批改失败",
    "skipped": "已批改过、之后没有新提交，跳过",
}
# Statuses that leave a submission without an automatic grade: `crmcourse autograde` exits 1.
FAILED = ("error", "killed")
# A minute for nbgrader to save the grades after the budget's kill; then the worker itself goes.
GRACE_SECONDS = 60.0
# What of a worker's result is copied back into the course's autograded/ folder.
RESULT_LIMITS = untrusted.CopyLimits(max_depth=8, max_files=200, max_file_bytes=100 * 1024 ** 2,
                                     max_bytes=300 * 1024 ** 2)


def default_time_budget(cell_timeout: float) -> float:
    """Seconds one submission may take in all: three cell timeouts, at least two minutes."""
    return max(120.0, 3.0 * float(cell_timeout))


@dataclass
class Result:
    student: str
    status: str
    score: float = 0.0
    max_score: float = 0.0
    auto_score: float = 0.0
    auto_max: float = 0.0
    cells: dict = field(default_factory=dict)
    seconds: float = 0.0
    detail: str = ""
    notes: list = field(default_factory=list)   # limits reached, files refused (Chinese)

    @property
    def failed(self) -> bool:
        return self.status in FAILED

    @property
    def pending_manual(self) -> float:
        """Points of written (not autograded) answers that nobody has graded yet."""
        if not self.cells:
            return max(0.0, self.max_score - self.auto_max)
        return sum(c["max"] for c in self.cells.values() if c["type"] != "code" and c.get("pending", True))

    def line(self) -> str:
        text = STATUS_TEXT.get(self.status, self.status)
        if self.status == "skipped":
            return f"{self.student:<16} {text}"
        manual = self.pending_manual
        extra = f"，书面题 {manual:g} 分待人工批改" if manual > 0 else ""
        notes = "".join(f"；{n}" for n in self.notes)
        return (f"{self.student:<16} {self.score:5g} / {self.max_score:g} 分"
                f"（自动评分 {self.auto_score:g}/{self.auto_max:g}{extra}）  {text}{notes}  {self.seconds:.1f} s")


def submitted_students(course_dir: Path, chapter: str) -> list[str]:
    """Students with a ``submitted/<student>/<chapter>/`` folder (real folders: links are not followed)."""
    base = Path(course_dir) / "submitted"
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if untrusted.is_dir(p) and untrusted.is_dir(p / chapter))


NOTEBOOK_BYTES = 100 * 1024 ** 2


def _notebooks(folder: Path):
    """(name, notebook or the exception that kept it from being read) for each *.ipynb of a folder.

    Read without following links: a name that is a link, a FIFO or a device counts as unreadable.
    """
    try:
        fd = untrusted.open_dir(folder)
    except OSError as exc:
        yield "", exc
        return
    try:
        names = sorted(n for n in os.listdir(fd) if n.endswith(".ipynb"))
        for name in names:
            try:
                data = untrusted.read_bytes(name, NOTEBOOK_BYTES, dir_fd=fd)
                yield name, nbformat.reads(data.decode("utf-8"), as_version=4)
            except Exception as exc:  # refused, json errors, encoding errors
                yield name, exc
    finally:
        os.close(fd)


def is_corrupt(folder: Path) -> str:
    """'' if every notebook of a submission reads and validates, else why not."""
    found = False
    for name, nb in _notebooks(folder):
        if not name:
            return f"无法打开提交文件夹（{nb}）"
        found = True
        if isinstance(nb, untrusted.Refused):
            return f"{name}: {nb}"
        if isinstance(nb, Exception):
            return f"{name}: {type(nb).__name__}"
        try:
            nbformat.validate(nb)
        except Exception as exc:  # schema errors
            return f"{name}: {type(exc).__name__}"
    return "" if found else "没有找到 .ipynb 文件"


# Error text of a limit the sandbox enforces, as it shows in an error output: note for the result line.
LIMIT_ERRORS = (
    (("[Errno 28]", "No space left on device", "[Errno 122]", "Disk quota exceeded"), "quota"),
    (("[Errno 27]", "File too large"), "file_size"),
)


def _limit_notes(found: dict, limits) -> list[str]:
    notes = []
    if "quota" in found:
        size = f"{limits.folder_bytes / 1024 ** 2:g} MB" if limits is not None else "上限"
        notes.append(f"可写文件夹的磁盘配额（{size}）已用完（第 {_cells(found['quota'])} 个单元格）")
    if "file_size" in found:
        size = f"{limits.file_bytes / 1024 ** 2:g} MB" if limits is not None else "上限"
        notes.append(f"写入的单个文件超过 {size}（第 {_cells(found['file_size'])} 个单元格）")
    if "memory" in found:
        size = f"{limits.memory_bytes / 1024 ** 3:g} GB" if limits is not None else "上限"
        notes.append(f"内存超过 {size}（第 {_cells(found['memory'])} 个单元格）")
    if "output" in found:
        from .limits import OUTPUT_BYTES
        notes.append(f"输出超过字节上限（每段 {OUTPUT_BYTES / 1024 ** 2:g} MB），已截断（第 {_cells(found['output'])} 个单元格）")
    return notes


def _cells(indices) -> str:
    shown = sorted(indices)
    return "、".join(str(i + 1) for i in shown[:5]) + (" 等" if len(shown) > 5 else "")


def _findings(folder: Path | None, limits=None) -> tuple[str, list[str]]:
    """Status from the graded notebooks (crashed / tampered / timeout, or '') and the limits they show."""
    if folder is None or not untrusted.is_dir(folder):
        return "", []
    names = set()
    found: dict[str, set] = {}
    for _, nb in _notebooks(folder):
        if isinstance(nb, Exception):
            continue
        for index, cell in enumerate(nb.cells):
            if cell.get("cell_type") != "code":
                continue
            if cell_was_cut(cell):
                found.setdefault("output", set()).add(index)
            for out in cell.get("outputs", []):
                if out.get("output_type") != "error":
                    continue
                names.add(out.get("ename"))
                if out.get("ename") == "MemoryError":
                    found.setdefault("memory", set()).add(index)
                text = f"{out.get('evalue', '')}\n" + "\n".join(str(t) for t in (out.get("traceback") or [])[-3:])
                for needles, key in LIMIT_ERRORS:
                    if any(n in text for n in needles):
                        found.setdefault(key, set()).add(index)
    status = ""
    if KERNEL_DIED in names:
        status = "crashed"
    elif STOPPED in names:
        status = "stopped"
    elif TAMPERED in names:
        status = "tampered"
    elif MISSING in names:
        status = "tests_missing"
    elif TIMED_OUT in names:
        status = "timeout"
    return status, _limit_notes(found, limits)


def read_timestamp(folder: Path) -> tuple[str, str]:
    """(text of ``folder/timestamp.txt`` or '', why it was not taken or '') -- no link followed, at most 1 KB."""
    try:
        fd = untrusted.open_dir(folder)
    except OSError as exc:
        return "", f"无法打开提交文件夹（{exc}）"
    try:
        return untrusted.read_text("timestamp.txt", 1024, dir_fd=fd).strip(), ""
    except FileNotFoundError:
        return "", ""
    except OSError as exc:
        return "", f"timestamp.txt {exc}"
    finally:
        os.close(fd)


def _private_mounts(box) -> tuple[list[str], dict]:
    """Command prefix and environment that give a sandboxed worker its own mount namespace (as root).

    The worker then puts a small tmpfs on its kernels' socket folder (the one host folder a
    kernel may write: it must create its sockets there), so a submission cannot fill the
    grading machine's disk through it; the mount vanishes with the worker.
    """
    if not getattr(box, "enabled", False) or os.geteuid() != 0:
        return [], {}
    unshare = shutil.which("unshare", path="/usr/bin:/bin")
    if not unshare:
        return [], {}
    return [unshare, "--mount", "--propagation", "private", "--"], {"CRM_PRIVATE_MOUNTS": "1"}


class _Worker:
    def __init__(self, log_dir: Path, index: int, box=None):
        read_fd, write_fd = os.pipe()
        self.log = open(log_dir / f"worker-{index}.log", "ab")
        prefix, extra = _private_mounts(box)
        env = box.env(worker_env()) if box is not None else worker_env()
        self.proc = subprocess.Popen(prefix + worker_command() + [str(write_fd)], stdin=subprocess.PIPE,
                                     stdout=self.log, stderr=self.log, pass_fds=(write_fd,),
                                     env=dict(env, **extra), text=True, start_new_session=True)
        # Options a sandbox adds for this worker's nbgrader (its own socket folder, kernel name).
        # Without a sandbox object the caller chose to grade unsandboxed (the command line never does).
        from .sandbox import NoSandbox

        self.nbgrader_args = (box if box is not None else NoSandbox()).nbgrader_args()
        os.close(write_fd)
        self.fd = read_fd
        os.set_blocking(read_fd, False)
        self.buffer = b""
        self.job: dict | None = None
        self.started = 0.0

    def send(self, job: dict) -> None:
        self.job = dict(job, nbgrader_args=self.nbgrader_args)
        self.started = time.monotonic()
        self.proc.stdin.write(json.dumps(self.job) + "\n")
        self.proc.stdin.flush()

    def read(self) -> tuple[list[dict], bool]:
        """Results available now, and whether the worker has gone away."""
        try:
            chunk = os.read(self.fd, 1 << 20)
        except BlockingIOError:
            return [], False
        if not chunk:
            return [], True
        self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        return [json.loads(line) for line in lines if line.strip()], False

    def kill(self) -> None:
        try:
            procs = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            procs = []
        for p in procs + [self.proc]:
            try:
                p.kill()
            except (psutil.NoSuchProcess, ProcessLookupError, AttributeError):
                pass
        self.proc.wait()
        self.close()

    def stop(self) -> None:
        try:
            self.proc.stdin.write(json.dumps({"quit": True}) + "\n")
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except Exception:
            self.kill()
            return
        self.close()

    def close(self) -> None:
        for closer in (lambda: os.close(self.fd), self.log.close):
            try:
                closer()
            except OSError:
                pass


def _already_graded(course_dir: Path, chapter: str, student: str) -> bool:
    dest = Path(course_dir) / "autograded" / student / chapter
    if not untrusted.is_dir(dest):
        return False
    submitted, _ = read_timestamp(Path(course_dir) / "submitted" / student / chapter)
    graded, _ = read_timestamp(dest)
    if submitted and graded:
        return submitted == graded
    return not submitted


def copy_back(source: Path, dest: Path) -> untrusted.Copied:
    """Replace ``dest`` by the regular files of a worker's result folder ``source``.

    The copy goes to a staging folder next to ``dest`` first and is renamed into place, so
    ``dest`` never holds half a result; an old ``dest`` (or a link in its place) is removed,
    never followed. Raises OSError when the copy cannot be made.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = dest.parent / f".{dest.name}.incoming-{os.getpid()}"
    untrusted.remove(staging)
    try:
        copied = untrusted.copy_tree(source, staging, RESULT_LIMITS)
        untrusted.remove(dest)
        os.rename(staging, dest)
    except BaseException:
        untrusted.remove(staging)
        raise
    return copied


def _students_to_grade(course_dir: Path, chapter: str, students: list[str] | None) -> list[str]:
    """``students``, or everyone with a submission; a CourseError (next step: collect) when one has none."""
    names = list(students) if students else submitted_students(course_dir, chapter)
    collect_hint = (f"先收取作业：crmcourse collect {chapter}（学生在 Assignment List 里提交的），"
                    f"或 crmcourse collect {chapter} --from 文件夹（别的方式收来的 notebook）")
    if not names:
        raise CourseError(f"还没有 {chapter} 的提交可以批改（{course_dir / 'submitted'}/<学号>/{chapter}/ 不存在）。"
                          f"{collect_hint}")
    missing = [s for s in names if not (course_dir / "submitted" / s / chapter).is_dir()]
    if missing:
        raise CourseError(f"没有这些学生的 {chapter} 提交：{', '.join(missing)}。{collect_hint}")
    return names


def _time_limits(course_dir: Path, timeout: int | None, time_budget: float | None,
                 wall_limit: float | None) -> tuple[float, float]:
    """(time budget of one submission, seconds after which its worker is killed)."""
    if time_budget is None:
        from .launch import course_config
        cell_timeout = timeout or course_config(course_dir).Execute.get("timeout", 60) or 60
        time_budget = default_time_budget(cell_timeout)
    return time_budget, (wall_limit if wall_limit is not None else time_budget + GRACE_SECONDS)


def autograde(course_dir: Path, chapter: str, *, jobs: int = 2, students: list[str] | None = None,
              timeout: int | None = None, wall_limit: float | None = None, force: bool = True,
              tamper_guard: bool | dict | None = None, progress: bool = True, echo=print, box=None,
              time_budget: float | None = None) -> list[Result]:
    """Grade every submission of ``chapter`` (or ``students``) with ``jobs`` worker processes.

    ``force=False`` skips a student whose graded folder is as recent as the submission.
    ``timeout``: seconds per cell (default: the configuration's ``Execute.timeout``).
    ``time_budget``: seconds one submission may take in all (default
    :func:`default_time_budget` of the cell timeout); its kernel is killed then, and the
    worker itself ``GRACE_SECONDS`` later. ``wall_limit`` (tests) kills the worker at once
    after that many seconds, without the budget's gentler stop.

    ``tamper_guard`` (True/False, or a dict student -> True/False) overrides the
    configuration's ``SafeExecute.tamper_guard`` (tests switch it off to test hidden tests alone).
    ``box`` is an optional grading sandbox (crmcourse.sandbox): each worker process gets
    ``box.env(...)`` as its environment and ``box.nbgrader_args()`` as extra nbgrader options;
    without one, student code runs unsandboxed (``crmcourse autograde`` always passes one).
    ``progress``: a progress bar (on a terminal); ``echo`` gets the result lines without one.
    Raises CourseError (nothing to grade) and GradingInterrupted (Ctrl-C).
    """
    course_dir = Path(course_dir).resolve()
    names = _students_to_grade(course_dir, chapter, students)
    gradebook.ensure_assignment(course_dir, chapter)
    skipped = [] if force else [n for n in names if _already_graded(course_dir, chapter, n)]
    budget, hard_limit = _time_limits(course_dir, timeout, time_budget, wall_limit)
    run = _GradingRun(course_dir, chapter, box=box, time_budget=budget, hard_limit=hard_limit,
                      job={"timeout": timeout, "budget": budget}, tamper_guard=tamper_guard,
                      progress=progress, echo=echo)
    run.results.update((n, Result(n, "skipped")) for n in skipped)
    run.grade([n for n in names if n not in skipped], jobs)
    return [run.results[n] for n in names]


class _GradingRun:
    """One ``autograde`` call: workers, the course gradebook (its only writer meanwhile), the results.

    The temporary folder holds a copy of the gradebook (solutions, hidden tests) and the
    workers' folders: :meth:`grade` removes it whatever happens, Ctrl-C included.
    """

    def __init__(self, course_dir: Path, chapter: str, *, box, time_budget: float, hard_limit: float,
                 job: dict, tamper_guard, progress: bool, echo):
        self.course_dir, self.chapter, self.box = course_dir, chapter, box
        self.time_budget, self.hard_limit = time_budget, hard_limit
        self.job, self.tamper_guard = job, tamper_guard
        self.progress, self.echo = progress, echo
        self.box_limits = getattr(box, "limits", None)
        self.results: dict[str, Result] = {}
        self.queue: list[str] = []
        self.workers: list[_Worker] = []
        self.taking: list[str] = []  # the student whose result is being merged and copied back right now
        self.seconds: dict[str, float] = {}  # how long a killed or vanished worker had a student
        self.selector = selectors.DefaultSelector()
        self.work = self.template = self.book = self.bar = None

    # ------------------------------------------------------------------ the run

    def grade(self, todo: list[str], jobs: int) -> None:
        """Grade ``todo`` with up to ``jobs`` workers; stop everything at once on an error or Ctrl-C."""
        self.queue = list(todo)
        self.work = Path(tempfile.mkdtemp(prefix="crm-autograde-"))
        self.template = self.work / "template.db"
        interrupted = stopped = False
        try:
            gradebook.snapshot(gradebook.db_path(self.course_dir), self.template)
            self.book = gradebook.open_course(self.course_dir)
            self.bar = self._progress_bar(len(todo))
            self._start_workers(max(1, min(jobs, len(todo))) if todo else 0)
            while any(w.job for w in self.workers):
                self._collect_results()
                self._kill_overdue()
        except KeyboardInterrupt:  # Ctrl-C: stop grading at once, kernels included; say how far it got
            interrupted = stopped = True
        except BaseException:  # an error here: stop grading at once, kernels included
            interrupted = True
            raise
        finally:
            with _ignoring_interrupts():  # a second Ctrl-C must not leave the temporary folder behind
                self._shut_down(interrupted)
        if stopped:
            done = sum(1 for r in self.results.values() if r.status != "skipped")
            raise GradingInterrupted(self.chapter, done, len(todo))

    def _progress_bar(self, total: int):
        from tqdm import tqdm

        return tqdm(total=total, desc=f"批改 {self.chapter}", unit="份", file=sys.stdout, leave=True,
                    disable=not (self.progress and sys.stdout.isatty()))

    def _start_workers(self, count: int) -> None:
        for i in range(count):
            self.workers.append(_Worker(self.work, i, self.box))
            self.selector.register(self.workers[-1].fd, selectors.EVENT_READ, self.workers[-1])
        for w in self.workers:
            self._dispatch(w)

    def _dispatch(self, w: _Worker) -> None:
        """The next student for worker ``w`` (or nothing left: ``w.job`` is None)."""
        if not self.queue:
            w.job = None
            return
        name = self.queue.pop(0)
        guard = self.tamper_guard.get(name) if isinstance(self.tamper_guard, dict) else self.tamper_guard
        w.send({"course": str(self.course_dir), "chapter": self.chapter, "student": name,
                "template_db": str(self.template), "timeout": self.job["timeout"],
                "tamper_guard": guard, "budget": self.job["budget"], "tmp": str(self.work)})

    def _replace(self, w: _Worker) -> _Worker:
        """Kill worker ``w`` (and its kernels) and start a fresh one in its place."""
        self.selector.unregister(w.fd)
        w.kill()
        fresh = _Worker(self.work, len(self.workers) + 1, self.box)
        self.workers[self.workers.index(w)] = fresh
        self.selector.register(fresh.fd, selectors.EVENT_READ, fresh)
        return fresh

    def _collect_results(self) -> None:
        """Take what the workers sent within a second; replace a worker that went away mid-job."""
        for key, _ in self.selector.select(timeout=1.0):
            w = key.data
            got, gone = w.read()
            for raw in got:
                self._finish(raw["student"], raw, "")
                self._dispatch(w)
            if gone and w.job:
                name = w.job["student"]
                self.seconds[name] = time.monotonic() - w.started
                self._finish(name, None, "error", "评分进程意外退出")
                self._dispatch(self._replace(w))
            elif gone:  # an idle worker went away: nothing left for it to do
                self.selector.unregister(w.fd)

    def _kill_overdue(self) -> None:
        """Kill each worker that has had its student longer than the hard limit."""
        now = time.monotonic()
        for w in list(self.workers):
            if w.job and now - w.started > self.hard_limit:
                name = w.job["student"]
                self.seconds[name] = now - w.started
                fresh = self._replace(w)
                self._finish(name, None, "killed", f"超过 {self.hard_limit:.0f} 秒")
                self._dispatch(fresh)

    def _shut_down(self, interrupted: bool) -> None:
        for w in self.workers:
            if w.proc.poll() is None:
                w.kill() if interrupted else w.stop()
        if self.taking:  # stopped while this student's result was half taken: nothing half-copied stays
            self._remove_graded(self.taking[0])
        if self.bar is not None:
            self.bar.close()
        if self.book is not None:
            self.book.close()
        shutil.rmtree(self.work, ignore_errors=True)

    # ------------------------------------------------------------------ one student's result

    def _finish(self, name: str, raw: dict | None, status: str, detail: str = "") -> None:
        """Record one student's outcome (``raw``: the worker's result, None when it was killed)."""
        self.taking[:] = [name]
        taken = False
        try:
            status, detail, notes = self._take(name, raw, status, detail)
            taken = True
        except Exception as exc:  # this student's problem only: reported, nothing half-copied kept
            self._quarantine(name)
            status, detail, notes = "error", f"评分结果无法取回或写入成绩库：{type(exc).__name__}: {exc}", []
        finally:
            if raw is not None and not raw.get("ok"):
                raw["reason"] = failure_reason(raw)  # read from the worker's nbgrader log before it goes
            if raw is not None and raw.get("work"):
                shutil.rmtree(raw["work"], ignore_errors=True)
        if taken and not (raw or {}).get("ok") and status not in ("killed", "budget"):
            status, detail = self._why_not_graded(name, status, detail)
        if status == "error" and raw is not None:
            detail = detail or raw.get("reason") or raw.get("error") or raw.get("log_tail", "")
        if status == "killed":
            notes.append(f"超过 {self.hard_limit:g} 秒仍未结束")
        seconds = (raw or {}).get("seconds", 0.0) if raw else self.seconds.get(name, 0.0)
        r = self._result(name, status, detail, notes, seconds)
        self.results[name] = r
        self.taking.clear()
        self._write(r.line() + (f"\n    {detail.strip().splitlines()[-1][:200]}"
                                if detail.strip() and status in ("error", "corrupt") else ""))
        self.bar.update(1)

    def _take(self, name: str, raw: dict | None, status: str, detail: str) -> tuple[str, str, list[str]]:
        """Merge one worker result and copy its graded folder back; raises on any failure."""
        notes = self._submission_notes(name, raw)
        dest = self._graded_folder(name)
        if raw is None:  # killed: nothing trustworthy came back; record the submission with no points
            untrusted.remove(dest)
            self._merge(name, None)
            return status, detail, notes
        found, limit_notes = "", []
        if raw.get("autograded"):
            copied = copy_back(Path(raw["autograded"]), dest)
            if copied.refused:
                notes.append(f"评分结果里有 {len(copied.refused)} 项没有取回：{copied.describe().removeprefix('未取回：')}")
            found, limit_notes = _findings(dest, self.box_limits)
        else:
            untrusted.remove(dest)
        self._merge(name, raw.get("submission") or {})
        if raw.get("budget_exceeded"):
            status = "budget"
            notes.append(f"总运行时间达到 {self.time_budget:g} 秒的上限")
        status = status or found or ("ok" if raw.get("ok") else "error")
        return status, detail, notes + limit_notes

    def _submission_notes(self, name: str, raw: dict | None) -> list[str]:
        """What of the submission was not used: refused entries, an unusable timestamp."""
        notes: list[str] = []
        refused = (raw or {}).get("refused") or []
        if refused:
            listed = untrusted.Copied(refused=[tuple(r) for r in refused]).describe(limit=8)
            notes.append(f"提交里有 {len(refused)} 项没有采用（只收普通文件）：{listed.removeprefix('未取回：')}")
        _, stamp_problem = read_timestamp(self._submitted_folder(name))
        if stamp_problem:
            notes.append(f"提交时间不可用：{stamp_problem}")
        return notes

    def _merge(self, name: str, submission: dict | None) -> None:
        stamp, _ = read_timestamp(self._submitted_folder(name))
        gradebook.merge(self.course_dir, self.chapter, name, submission, gb=self.book, timestamp=stamp)

    def _quarantine(self, name: str) -> None:
        """After a failed take: no graded folder, the submission recorded without automatic points
        (for manual review in formgrader)."""
        gradebook.rollback(self.book)
        self._remove_graded(name)
        try:
            self._merge(name, None)
        except Exception:  # noqa: BLE001 - reported as an error already
            gradebook.rollback(self.book)

    def _why_not_graded(self, name: str, status: str, detail: str) -> tuple[str, str]:
        """A corrupt submission, or (for an error) a notebook of another chapter, says so."""
        broken = is_corrupt(self._submitted_folder(name))
        if broken:
            return "corrupt", broken
        if status == "error":  # e.g. another chapter's notebook (collect rejects those; a copy by hand does not)
            from .collect import chapter_grade_ids, folder_problem

            detail = folder_problem(self._submitted_folder(name), self.chapter,
                                    chapter_grade_ids(self.course_dir)) or detail
        return status, detail

    def _result(self, name: str, status: str, detail: str, notes: list[str], seconds: float) -> Result:
        try:
            cells = gradebook.scores(self.course_dir, self.chapter, name, gb=self.book)
        except Exception:  # noqa: BLE001 - the line then shows no points
            cells = {}
        auto = [c for c in cells.values() if c["type"] == "code"]
        return Result(name, status, cells=cells, detail=detail, notes=notes, seconds=seconds,
                      score=sum(c["score"] for c in cells.values()),
                      max_score=sum(c["max"] for c in cells.values()),
                      auto_score=sum(c["score"] for c in auto), auto_max=sum(c["max"] for c in auto))

    def _write(self, text: str) -> None:
        """A result line. The bar and the lines share stdout, so the bar always stays below the lines
        (two streams interleave wherever they are merged late: pipes, IDE consoles)."""
        if not self.progress:
            self.echo(text)
            return
        from tqdm import tqdm

        tqdm.write(text, file=sys.stdout)
        sys.stdout.flush()

    def _submitted_folder(self, name: str) -> Path:
        return self.course_dir / "submitted" / name / self.chapter

    def _graded_folder(self, name: str) -> Path:
        return self.course_dir / "autograded" / name / self.chapter

    def _remove_graded(self, name: str) -> None:
        try:
            untrusted.remove(self._graded_folder(name))
        except OSError:
            pass


@contextlib.contextmanager
def _ignoring_interrupts():
    """SIGINT is ignored inside (main thread only; elsewhere signals cannot be set)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


# nbgrader's last words when a conversion failed: the reason itself is in its log, above.
VAGUE_ERRORS = ("Please see the the above traceback", "Please see the error log")
LOG_BYTES = 1024 ** 2


def last_exception(log: str) -> str:
    """The exception line (``Type: message``) of the last Python traceback in a log ('' if none)."""
    lines = log.splitlines()
    starts = [i for i, line in enumerate(lines) if "Traceback (most recent call last):" in line]
    if not starts:
        return ""
    for line in lines[starts[-1] + 1:]:
        if line and not line[0].isspace() and not line.startswith("During handling"):
            return re.sub(r"^\[[^\]]*\]\s*", "", line).strip()
    return ""


def failure_reason(raw: dict) -> str:
    """Why nbgrader did not grade a submission: its error, or the real exception from its log.

    nbgrader ends a failed conversion with "Please see the the above traceback", and the
    traceback went to the worker's log (``<work>/nbgrader.log``), not to the result.
    """
    error = (raw.get("error") or "").strip()
    if error and not any(v in error for v in VAGUE_ERRORS):
        return error
    log = ""
    if raw.get("work"):
        try:
            folder = untrusted.open_dir(raw["work"])
            try:
                fd, st = untrusted.open_regular("nbgrader.log", dir_fd=folder)
            finally:
                os.close(folder)
            try:  # the end of the log: that is where the last traceback is
                os.lseek(fd, max(0, st.st_size - LOG_BYTES), os.SEEK_SET)
                log = os.read(fd, LOG_BYTES).decode("utf-8", "replace")
            finally:
                os.close(fd)
        except OSError:
            log = ""
    found = last_exception(log) or last_exception(raw.get("log_tail") or "")
    if found:
        return f"nbgrader 报错：{found}"
    tail = [line for line in (raw.get("log_tail") or "").splitlines()
            if line.strip() and not any(v in line for v in VAGUE_ERRORS)]
    return f"nbgrader 报错：{tail[-1].strip()}" if tail else error
