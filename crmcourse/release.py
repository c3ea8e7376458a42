"""Release chapters: nbgrader generates the student version, which is copied to chapters/."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .course import chapters


def nbgrader(course_dir: Path, *args: str, quiet: bool = True) -> subprocess.CompletedProcess:
    """Run one nbgrader command in ``course_dir`` and fail loudly if it fails."""
    command = [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course_dir}"]
    # nbgrader runs the `alembic` script by name: the environment's bin folder must be on PATH.
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    result = subprocess.run(command, cwd=course_dir, capture_output=quiet, text=True, env=env)
    if result.returncode != 0:
        detail = (result.stdout or "") + (result.stderr or "") if quiet else ""
        raise RuntimeError(f"nbgrader {' '.join(args)} 失败（退出码 {result.returncode}）\n{detail}")
    return result


def release(course_dir: Path, names: list[str] | None = None, chapters_dir: Path | None = None) -> list[Path]:
    """Generate the student version of each chapter and copy it into ``chapters_dir``."""
    course_dir = Path(course_dir).resolve()
    available = chapters(course_dir)
    names = list(names or available)
    unknown = sorted(set(names) - set(available))
    if unknown:
        raise SystemExit(f"没有这些章节：{', '.join(unknown)}。现有章节：{', '.join(available)}")
    written = []
    for name in names:
        nbgrader(course_dir, "generate_assignment", name, "--force")
        released = course_dir / "release" / name / f"{name}.ipynb"
        if chapters_dir is not None:
            chapters_dir.mkdir(parents=True, exist_ok=True)
            target = chapters_dir / f"{name}.ipynb"
            shutil.copyfile(released, target)
            written.append(target)
        else:
            written.append(released)
    return written


def publish(course_dir: Path, name: str) -> None:
    """Put a released chapter into nbgrader's exchange (JupyterLab's Assignment List)."""
    nbgrader(Path(course_dir), "release_assignment", name, "--force")


def release_feedback(course_dir: Path, name: str) -> None:
    """Put the generated feedback of a chapter into the exchange, for students to fetch."""
    nbgrader(Path(course_dir), "release_feedback", name)
