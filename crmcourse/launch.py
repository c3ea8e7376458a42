"""The one place where grading processes are built.

Everything that runs student code goes through here, so a sandbox can wrap it:

* ``worker_command()`` is the command line of a grading worker process (it grades one
  submission at a time with nbgrader, in a private temporary folder);
* ``grading_config()`` is the complete nbgrader configuration for one submission: the
  course's own ``nbgrader_config.py`` with the course folder, gradebook and kernel
  settings pointed at that private folder. The kernel is started by nbgrader's
  (``SafeExecute``) preprocessor; ``kernel_manager_class`` / ``extra_arguments`` set
  here decide how.
"""
from __future__ import annotations

import sys
from pathlib import Path

from traitlets.config import Config, PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"


def worker_command() -> list[str]:
    """Command that starts one grading worker (reads jobs on stdin, see crmcourse.worker)."""
    return [sys.executable, "-m", "crmcourse.worker"]


def worker_env(base: dict | None = None) -> dict[str, str]:
    from .nbgrader_cli import env as nbgrader_env

    env = nbgrader_env(base)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def course_config(course_dir: Path) -> Config:
    """The course's nbgrader configuration, as nbgrader itself loads it."""
    loader = PyFileConfigLoader(CONFIG_FILE, path=str(course_dir))
    return loader.load_config()


def args_config(args: list[str]) -> Config:
    """nbgrader command-line options (``--Class.trait=value``, e.g. a sandbox's) as a Config."""
    from traitlets.config.loader import KVArgParseConfigLoader

    return KVArgParseConfigLoader(argv=list(args)).load_config() if args else Config()


def grading_config(course_dir: Path, workdir: Path, db_path: Path, chapter: str, student: str,
                   timeout: int | None = None, tamper_guard: bool | None = None,
                   extra_args: list[str] | None = None) -> Config:
    """nbgrader configuration for grading ``student``'s ``chapter`` inside ``workdir``.

    ``extra_args`` are nbgrader options added last (a sandbox's kernel name, transport, ...).
    """
    config = course_config(course_dir)
    config.merge(args_config(extra_args or []))
    config.CourseDirectory.root = str(workdir)
    config.CourseDirectory.db_url = f"sqlite:///{db_path}"
    config.CourseDirectory.assignment_id = chapter
    config.CourseDirectory.student_id = student
    config.Autograde.create_student = True
    config.Autograde.force = True
    if timeout is not None:
        config.Execute.timeout = int(timeout)
    if tamper_guard is not None:
        config.SafeExecute.tamper_guard = bool(tamper_guard)
    return config
