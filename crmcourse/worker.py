"""A grading worker: grades one submission at a time with nbgrader, in a private folder.

Started by ``crmcourse autograde`` (command from crmcourse.launch.worker_command). It reads
one JSON job per line on stdin and writes one JSON result per line to the file
descriptor given as its only argument (never to stdout, which student code can reach).

For each job it builds a private course folder::

    <work>/course/submitted/<student>/<chapter>/   copy of the submission (submitted/ is never touched):
                                                   regular files only, no link followed, limited
                                                   depth, count and bytes; the rest is named in the result
    <work>/course/source/<chapter>/                 non-notebook files of the chapter only
    <work>/db/gradebook.db                          copy of the course gradebook (template)

runs nbgrader's own Autograde converter with the course configuration (the same
preprocessors, timeouts and grading rules as ``nbgrader autograde``), then reports what
nbgrader wrote to the private gradebook; the parent merges it into the real gradebook
(one writer) and copies the autograded notebook back.

The kernel never sees ``<work>/course/autograded/...``: the sandbox gives it a tmpfs copy
of that folder (crmcourse.sandbox), so nbgrader writes the graded notebook into a folder
no student code could reach.

A job may carry a time budget (seconds, for the whole submission): when it runs out, the
worker kills its kernel (and any kernel started after that); nbgrader then scores the
test cells that did not run 0 (SafeExecute) and the result says ``budget_exceeded``.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

from .untrusted import CopyLimits, Refused, copy_tree, open_dir

# What of a submission folder is graded (the rest is refused and named in the result line).
SUBMISSION_LIMITS = CopyLimits(max_depth=8, max_files=200, max_file_bytes=100 * 1024 ** 2,
                               max_bytes=200 * 1024 ** 2)


def _copy_submission(course: Path, student: str, chapter: str, dest: Path) -> list[tuple[str, str]]:
    """Copy ``submitted/<student>/<chapter>/`` safely; returns what was refused (path, why)."""
    fd = open_dir(course, "submitted", student, chapter)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        return copy_tree(None, dest, SUBMISSION_LIMITS, src_fd=fd).refused
    finally:
        os.close(fd)


class Budget:
    """Kills this process's children (the kernels) once ``seconds`` have passed, until stopped."""

    def __init__(self, seconds: float | None):
        self.expired = False
        self.killed = False   # a kernel (or another child) was killed because of the budget
        self._stop = threading.Event()
        if seconds:
            threading.Thread(target=self._run, args=(float(seconds),), daemon=True).start()

    def _run(self, seconds: float) -> None:
        if self._stop.wait(seconds):
            return
        self.expired = True
        import psutil

        while not self._stop.is_set():
            try:
                children = psutil.Process().children(recursive=True)
            except psutil.Error:
                children = []
            for child in children:
                try:
                    child.kill()
                    self.killed = True
                except psutil.Error:
                    pass
            self._stop.wait(0.5)

    def stop(self) -> None:
        self._stop.set()


def _non_notebook_files(src: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    if not src.is_dir():
        return
    for path in src.rglob("*"):
        if path.is_file() and path.suffix != ".ipynb" and ".ipynb_checkpoints" not in path.parts:
            target = dest / path.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)


SOCKET_FOLDER_BYTES = 1024 ** 2


def quota_socket_folder(nbgrader_args: list[str] | None) -> None:
    """Mount a small tmpfs on this worker's kernel socket folder (private mount namespace, root only).

    A sandboxed kernel may write into that folder (it creates its sockets there); without
    this it could fill the grading machine's disk through it. ``crmcourse autograde`` starts
    a worker in its own mount namespace (``CRM_PRIVATE_MOUNTS=1``), so the mount is invisible
    elsewhere and disappears with the worker; otherwise nothing is mounted.
    """
    if os.environ.get("CRM_PRIVATE_MOUNTS") != "1" or os.geteuid() != 0:
        return
    try:  # the parent (crmcourse autograde) is in the namespace this worker must have left
        if os.readlink("/proc/self/ns/mnt") == os.readlink(f"/proc/{os.getppid()}/ns/mnt"):
            return  # not a private mount namespace after all: never mount on the host's
    except OSError:
        return
    ip = next((a.split("=", 1)[1] for a in nbgrader_args or [] if a.startswith("--KernelManager.ip=")), None)
    if not ip:
        return
    folder = Path(ip).parent
    if not folder.is_dir() or os.path.ismount(folder):
        return
    import subprocess

    done = subprocess.run(["mount", "-t", "tmpfs", "-o",
                           f"size={SOCKET_FOLDER_BYTES},nr_inodes=256,mode=0755,nosuid,nodev,noexec",
                           "crm-sockets", str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        print(f"评分沙箱：无法给套接字文件夹 {folder} 加上容量限制：{done.stderr.strip()}", file=sys.stderr)


BUDGET_MESSAGE = "这份作业的总运行时间达到 {seconds:g} 秒的上限，评分内核已被终止；这个测试没有运行，按 0 分计。"


def explain_budget(folder: Path, seconds: float) -> None:
    """In the graded notebooks, say that the kernel was stopped by the time budget (not that it died)."""
    import nbformat

    from .grading import KERNEL_DIED

    text = BUDGET_MESSAGE.format(seconds=float(seconds))
    for path in sorted(folder.glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        changed = False
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error" and out.get("ename") == KERNEL_DIED:
                    out["evalue"], out["traceback"] = text, [f"{KERNEL_DIED}: {text}"]
                    changed = True
        if changed:
            nbformat.write(nb, str(path))


def grade(job: dict) -> dict:
    """Grade one submission; returns the result record (never raises)."""
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory

    from .gradebook import read_submission
    from .launch import grading_config

    course = Path(job["course"])
    chapter, student = job["chapter"], job["student"]
    work = Path(tempfile.mkdtemp(prefix=f"crm-grade-{student}-", dir=job.get("tmp")))
    result = {"student": student, "chapter": chapter, "ok": False, "error": None, "work": str(work)}
    log_path = work / "nbgrader.log"
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("[%(name)s | %(levelname)s] %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    started = time.monotonic()
    converter = None
    budget = Budget(job.get("budget"))
    try:
        quota_socket_folder(job.get("nbgrader_args"))
        root_dir = work / "course"
        refused = _copy_submission(course, student, chapter, root_dir / "submitted" / student / chapter)
        result["refused"] = [list(r) for r in refused]
        _non_notebook_files(course / "source" / chapter, root_dir / "source" / chapter)
        (work / "db").mkdir()
        db_path = work / "db" / "gradebook.db"
        shutil.copyfile(job["template_db"], db_path)
        config = grading_config(course, root_dir, db_path, chapter, student,
                                timeout=job.get("timeout"), tamper_guard=job.get("tamper_guard"),
                                extra_args=job.get("nbgrader_args"))
        coursedir = CourseDirectory(config=config)
        converter = Autograde(coursedir=coursedir, config=config)
        converter.log.addHandler(handler)
        converter.log.setLevel(logging.INFO)
        try:
            converter.start()
            result["ok"] = True
        except Exception as exc:  # nbgrader reports failures (corrupt notebook, ...) by raising
            result["error"] = f"{type(exc).__name__}: {exc}"
        result["submission"] = read_submission(db_path, chapter, student)
        out = root_dir / "autograded" / student / chapter
        result["autograded"] = str(out) if out.is_dir() else None
        if budget.killed and out.is_dir():
            explain_budget(out, job["budget"])
    except Refused as exc:  # the submission folder itself is a link or no folder
        result["error"] = f"提交文件夹不可用：{exc}"
    except Exception:
        result["error"] = traceback.format_exc(limit=3)
    finally:
        budget.stop()
        result["budget_exceeded"] = budget.killed
        root.removeHandler(handler)
        if converter is not None:
            converter.log.removeHandler(handler)
        handler.close()
        result["seconds"] = round(time.monotonic() - started, 2)
        try:
            text = log_path.read_text(encoding="utf-8", errors="replace")
            result["log_tail"] = "\n".join(line for line in text.splitlines()
                                           if "ERROR" in line or "changed the grading" in line)[-2000:]
        except OSError:
            result["log_tail"] = ""
    return result


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    out = os.fdopen(int(argv[0]), "w", encoding="utf-8", buffering=1)
    # Quiet the root logger on the console; each job logs to its own file.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        job = json.loads(line)
        if job.get("quit"):
            break
        out.write(json.dumps(grade(job), ensure_ascii=False) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
