"""The one place where crmcourse runs nbgrader's command line (``python -m nbgrader ...``).

Release, publish, collect from the exchange, generate and release feedback, and putting a
chapter into the gradebook all go through :func:`run`. Grading itself does not: the workers
(crmcourse.worker) use nbgrader's Autograde converter in their own process.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def env(base: dict | None = None) -> dict[str, str]:
    """``base`` (default os.environ) with this environment's bin folder first on PATH.

    nbgrader runs the ``alembic`` script by name, and kernels must come from this environment.
    """
    result = dict(os.environ if base is None else base)
    result["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), result.get("PATH", "")])
    return result


class NbgraderFailed(RuntimeError):
    """An nbgrader command exited non-zero; the message holds its output (when captured)."""


def run(course_dir: Path, *args: str, quiet: bool = True) -> subprocess.CompletedProcess:
    """Run one nbgrader command in ``course_dir``; raises :class:`NbgraderFailed` if it fails."""
    command = [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course_dir}"]
    result = subprocess.run(command, cwd=course_dir, capture_output=quiet, text=True, env=env())
    if result.returncode != 0:
        detail = (result.stdout or "") + (result.stderr or "") if quiet else ""
        raise NbgraderFailed(f"nbgrader {' '.join(args)} 失败（退出码 {result.returncode}）\n{detail}")
    return result
