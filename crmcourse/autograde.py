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
  the configuration, and a submission that exceeds the wall-clock limit is killed (with
  its kernel) and recorded, while the other workers go on.
"""
from __future__ import annotations

import json
import os
import selectors
import shutil
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil

from .grading import KERNEL_DIED, TAMPERED, TIMED_OUT
from .launch import worker_command, worker_env

STATUS_TEXT = {
    "ok": "正常",
    "timeout": "有单元格超时（已中断，其余照常评分）",
    "crashed": "内核崩溃（之后的测试记 0 分）",
    "tampered": "改动了评分环境（之后的测试记 0 分）",
    "corrupt": "文件损坏，无法评分（记 0 分）",
    "killed": "总运行时间超限，已终止（记 0 分）",
    "error": "批改失败",
    "skipped": "已批改过，跳过（用 --force 重新批改）",
}


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

    def line(self) -> str:
        text = STATUS_TEXT.get(self.status, self.status)
        if self.status == "skipped":
            return f"{self.student:<16} {text}"
        manual = self.max_score - self.auto_max
        extra = f"，书面题 {manual:g} 分待人工批改" if manual > 0 else ""
        return (f"{self.student:<16} {self.score:5g} / {self.max_score:g} 分"
                f"（自动评分 {self.auto_score:g}/{self.auto_max:g}{extra}）  {text}  {self.seconds:.1f} s")


def submitted_students(course_dir: Path, chapter: str) -> list[str]:
    base = Path(course_dir) / "submitted"
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / chapter).is_dir())


def db_path(course_dir: Path) -> Path:
    return Path(course_dir) / "gradebook.db"


def ensure_assignment(course_dir: Path, chapter: str) -> None:
    """The chapter must be in the gradebook (nbgrader generate_assignment puts it there)."""
    from nbgrader.api import Gradebook, MissingEntry

    from .release import nbgrader

    if db_path(course_dir).exists():
        with Gradebook(f"sqlite:///{db_path(course_dir)}") as gb:
            try:
                gb.find_assignment(chapter)
                return
            except MissingEntry:
                pass
    nbgrader(course_dir, "generate_assignment", chapter, "--force")


def snapshot(db: Path, dest: Path) -> None:
    """A consistent copy of the gradebook, even while another process reads or writes it."""
    src = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        out = sqlite3.connect(dest)
        with out:
            src.backup(out)
        out.close()
    finally:
        src.close()


def is_corrupt(folder: Path) -> str:
    """'' if every notebook of a submission reads and validates, else why not."""
    notebooks = sorted(folder.glob("*.ipynb"))
    if not notebooks:
        return "没有找到 .ipynb 文件"
    for path in notebooks:
        try:
            nb = nbformat.read(str(path), as_version=4)
            nbformat.validate(nb)
        except Exception as exc:  # json errors, schema errors, encoding errors
            return f"{path.name}: {type(exc).__name__}"
    return ""


def _status_from_notebooks(folder: Path | None) -> str:
    if folder is None or not folder.is_dir():
        return ""
    names = set()
    for path in folder.glob("*.ipynb"):
        try:
            nb = nbformat.read(str(path), as_version=4)
        except Exception:
            continue
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    names.add(out.get("ename"))
    if KERNEL_DIED in names:
        return "crashed"
    if TAMPERED in names:
        return "tampered"
    if TIMED_OUT in names:
        return "timeout"
    return ""


def _write(gb, chapter: str, student: str, submission: dict | None, timestamp) -> None:
    import warnings

    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        gb.update_or_create_student(student)
        if timestamp is not None:
            gb.update_or_create_submission(chapter, student, timestamp=timestamp)
        else:
            gb.update_or_create_submission(chapter, student)
        if submission is None:
            for snb in gb.find_submission(chapter, student).notebooks:
                for grade in snb.grades:
                    grade.auto_score = None
                    grade.needs_manual_grade = True
        for nb_name, data in (submission or {}).get("notebooks", {}).items():
            snb = gb.find_submission_notebook(nb_name, chapter, student)
            snb.late_submission_penalty = data["late_submission_penalty"]
            for name, g in data["grades"].items():
                grade = gb.find_grade(name, nb_name, chapter, student)
                grade.auto_score = g["auto_score"]
                grade.needs_manual_grade = g["needs_manual_grade"]
            for name, text in data["comments"].items():
                gb.find_comment(name, nb_name, chapter, student).auto_comment = text
        gb.db.commit()


def merge(course_dir: Path, chapter: str, student: str, submission: dict | None, gb=None) -> None:
    """Write one worker's result into the course gradebook (one transaction).

    ``submission=None`` (the worker was killed): no automatic score; every cell is marked
    for review in formgrader. ``gb``: an open nbgrader Gradebook of the course (else one is opened).
    """
    from nbgrader.api import Gradebook
    from nbgrader.utils import parse_utc

    stamp_file = Path(course_dir) / "submitted" / student / chapter / "timestamp.txt"
    timestamp = None
    if stamp_file.is_file() and stamp_file.read_text().strip():
        timestamp = parse_utc(stamp_file.read_text().strip())
    for attempt in range(5):
        try:
            if gb is None:
                with Gradebook(f"sqlite:///{db_path(course_dir)}") as own:
                    _write(own, chapter, student, submission, timestamp)
            else:
                _write(gb, chapter, student, submission, timestamp)
            return
        except Exception as exc:  # sqlite busy (formgrader open, ...): wait and retry
            if gb is not None:
                gb.db.rollback()
            if "locked" not in str(exc) or attempt == 4:
                raise
            time.sleep(1 + attempt)


def _read_scores(gb, chapter: str, student: str) -> dict:
    from nbgrader.api import MissingEntry

    try:
        sub = gb.find_submission(chapter, student)
    except MissingEntry:
        return {}
    cells = {}
    for nb in sub.notebooks:
        for g in nb.grades:
            cells[g.name] = {"score": float(g.score), "max": float(g.max_score), "type": g.cell_type}
    return cells


def scores(course_dir: Path, chapter: str, student: str, gb=None) -> dict:
    """Per-cell scores of one submission from the course gradebook."""
    from nbgrader.api import Gradebook

    if gb is not None:
        return _read_scores(gb, chapter, student)
    with Gradebook(f"sqlite:///{db_path(course_dir)}") as own:
        return _read_scores(own, chapter, student)


class _Worker:
    def __init__(self, log_dir: Path, index: int, box=None):
        read_fd, write_fd = os.pipe()
        self.log = open(log_dir / f"worker-{index}.log", "ab")
        self.proc = subprocess.Popen(worker_command() + [str(write_fd)], stdin=subprocess.PIPE,
                                     stdout=self.log, stderr=self.log, pass_fds=(write_fd,),
                                     env=box.env(worker_env()) if box is not None else worker_env(),
                                     text=True, start_new_session=True)
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
    if not dest.is_dir():
        return False
    src_stamp = Path(course_dir) / "submitted" / student / chapter / "timestamp.txt"
    dest_stamp = dest / "timestamp.txt"
    if src_stamp.is_file() and dest_stamp.is_file():
        return src_stamp.read_text().strip() == dest_stamp.read_text().strip()
    return not src_stamp.is_file()


def autograde(course_dir: Path, chapter: str, *, jobs: int = 2, students: list[str] | None = None,
              timeout: int | None = None, wall_limit: float | None = None, force: bool = True,
              tamper_guard: bool | dict | None = None, progress: bool = True, echo=print, box=None) -> list[Result]:
    """Grade every submission of ``chapter`` (or ``students``) with ``jobs`` worker processes.

    ``tamper_guard`` (True/False, or a dict student -> True/False) overrides the
    configuration's ``SafeExecute.tamper_guard`` (tests switch it off to test hidden tests alone).
    ``box`` is an optional grading sandbox (crmcourse.sandbox): each worker process gets
    ``box.env(...)`` as its environment and ``box.nbgrader_args()`` as extra nbgrader options;
    without one, student code runs unsandboxed (``crmcourse autograde`` always passes one).
    """
    from tqdm import tqdm

    course_dir = Path(course_dir).resolve()
    ensure_assignment(course_dir, chapter)
    names = list(students) if students else submitted_students(course_dir, chapter)
    missing = [s for s in names if not (course_dir / "submitted" / s / chapter).is_dir()]
    if missing:
        raise SystemExit(f"没有这些学生的 {chapter} 提交：{', '.join(missing)}")
    results: dict[str, Result] = {}
    todo = []
    for name in names:
        if not force and _already_graded(course_dir, chapter, name):
            results[name] = Result(name, "skipped")
        else:
            todo.append(name)
    if wall_limit is None:
        from .launch import course_config
        cell_timeout = timeout or course_config(course_dir).Execute.get("timeout", 60) or 60
        wall_limit = max(300.0, 20.0 * float(cell_timeout))

    work = Path(tempfile.mkdtemp(prefix="crm-autograde-"))
    template = work / "template.db"
    snapshot(db_path(course_dir), template)
    from nbgrader.api import Gradebook

    book = Gradebook(f"sqlite:///{db_path(course_dir)}")  # the only writer while grading runs
    bar = tqdm(total=len(todo), desc=f"批改 {chapter}", unit="份", disable=not progress, leave=True)
    write = tqdm.write if progress else echo

    def finish(name: str, raw: dict | None, status: str, detail: str = "") -> None:
        if raw is not None:
            merge(course_dir, chapter, name, raw.get("submission") or {}, gb=book)
            dest = course_dir / "autograded" / name / chapter
            if dest.exists():
                shutil.rmtree(dest)
            if raw.get("autograded"):
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copytree(raw["autograded"], dest)
            status = status or _status_from_notebooks(dest if dest.exists() else None) or \
                ("ok" if raw.get("ok") else "error")
            if raw.get("work"):
                shutil.rmtree(raw["work"], ignore_errors=True)
        else:  # killed: nothing trustworthy came back; record the submission with no points
            merge(course_dir, chapter, name, None, gb=book)
            dest = course_dir / "autograded" / name / chapter
            if dest.exists():
                shutil.rmtree(dest)
        broken = is_corrupt(course_dir / "submitted" / name / chapter) if not (raw or {}).get("ok") else ""
        if broken:
            status, detail = "corrupt", broken
        if status == "error" and raw is not None:
            detail = detail or raw.get("error") or raw.get("log_tail", "")
        cells = scores(course_dir, chapter, name, gb=book)
        r = Result(name, status, cells=cells, detail=detail,
                   seconds=(raw or {}).get("seconds", 0.0) if raw else detail_seconds.get(name, 0.0))
        r.score = sum(c["score"] for c in cells.values())
        r.max_score = sum(c["max"] for c in cells.values())
        r.auto_score = sum(c["score"] for c in cells.values() if c["type"] == "code")
        r.auto_max = sum(c["max"] for c in cells.values() if c["type"] == "code")
        results[name] = r
        write(r.line() + (f"\n    {detail.strip().splitlines()[-1][:200]}" if detail and status in ("error", "corrupt") else ""))
        bar.update(1)

    detail_seconds: dict[str, float] = {}
    queue = list(todo)
    workers = [_Worker(work, i, box) for i in range(max(1, min(jobs, len(todo))))] if todo else []
    selector = selectors.DefaultSelector()
    for w in workers:
        selector.register(w.fd, selectors.EVENT_READ, w)

    def dispatch(w: _Worker) -> None:
        if queue:
            name = queue.pop(0)
            w.send({"course": str(course_dir), "chapter": chapter, "student": name,
                    "template_db": str(template), "timeout": timeout,
                    "tamper_guard": tamper_guard.get(name) if isinstance(tamper_guard, dict) else tamper_guard,
                    "tmp": str(work)})
        else:
            w.job = None

    def replace(w: _Worker) -> _Worker:
        selector.unregister(w.fd)
        w.kill()
        fresh = _Worker(work, len(workers) + 1, box)
        workers[workers.index(w)] = fresh
        selector.register(fresh.fd, selectors.EVENT_READ, fresh)
        return fresh

    try:
        for w in workers:
            dispatch(w)
        while any(w.job for w in workers):
            for key, _ in selector.select(timeout=1.0):
                w = key.data
                got, gone = w.read()
                for raw in got:
                    finish(raw["student"], raw, "")
                    dispatch(w)
                if gone and w.job:
                    name = w.job["student"]
                    detail_seconds[name] = time.monotonic() - w.started
                    finish(name, None, "error", "评分进程意外退出")
                    dispatch(replace(w))
                elif gone:  # an idle worker went away: nothing left for it to do
                    selector.unregister(w.fd)
            now = time.monotonic()
            for w in list(workers):
                if w.job and now - w.started > wall_limit:
                    name = w.job["student"]
                    detail_seconds[name] = now - w.started
                    fresh = replace(w)
                    finish(name, None, "killed", f"超过 {wall_limit:.0f} 秒")
                    dispatch(fresh)
        interrupted = False
    except BaseException:  # Ctrl-C or an error here: stop grading at once, kernels included
        interrupted = True
        raise
    finally:
        for w in workers:
            if w.proc.poll() is None:
                w.kill() if interrupted else w.stop()
        bar.close()
        book.close()
        shutil.rmtree(work, ignore_errors=True)
    return [results[n] for n in names]
