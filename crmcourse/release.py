"""Release chapters: nbgrader generates the student version, which is copied to chapters/.

``chapters/NN_name.ipynb`` may hold someone's answers (a student who worked in it instead of
their copy in ``work/``). Before a release replaces it, the file is checked: if it has local
changes (git says it differs from the committed version, or it is not tracked, or the folder is
not a git checkout) and it is neither what the previous release wrote
(``assignments/release/NN_name/NN_name.ipynb``) nor what this release writes, it is copied to
``work/备份/NN_name-<时间>.ipynb`` first (git-ignored) and a Chinese line says where. The release
then goes on: nothing is lost, and ``make release`` never stops halfway.
"""
from __future__ import annotations

import datetime
import os
import subprocess
from pathlib import Path

from . import nbgrader_cli
from .course import chapters
from .errors import CourseError
from .workcopy import shown


BACKUPS = Path("work") / "备份"  # relative to the folder that holds chapters/


def _git(folder: Path, *args: str) -> list[str] | None:
    try:
        result = subprocess.run(["git", *args], cwd=folder, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    return [e for e in result.stdout.decode("utf-8", "surrogateescape").split("\0") if e]


def git_clean_files(folder: Path) -> set[str] | None:
    """Names of the files directly in ``folder`` that git tracks and that equal the committed version.

    Anything else (changed, staged, untracked, ignored) may hold someone's work. None when
    ``folder`` is not in a git checkout or git is not installed.
    """
    tracked = _git(folder, "ls-files", "-z", "--", ".")
    changed = _git(folder, "status", "--porcelain=v1", "-z", "--untracked-files=no", "--", ".")
    if tracked is None or changed is None:
        return None
    # porcelain -z: "XY path", and after a rename's entry its source path as an entry of its own
    # (counting that one as changed too only means one more backup).
    dirty = {Path(e[3:] if len(e) > 3 and e[2] == " " else e).name for e in changed}
    return {Path(e).name for e in tracked if "/" not in e} - dirty


def _backup_path(folder: Path, name: str) -> Path:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path, n = folder / f"{name}-{stamp}.ipynb", 2
    while path.exists() or path.is_symlink():
        path, n = folder / f"{name}-{stamp}-{n}.ipynb", n + 1
    return path


def release(course_dir: Path, names: list[str] | None = None, chapters_dir: Path | None = None,
            echo=print, backup_dir: Path | None = None) -> list[Path]:
    """Generate the student version of each chapter and copy it into ``chapters_dir``.

    A chapter file in ``chapters_dir`` with local changes is backed up first (see the module
    docstring) to ``backup_dir`` (default ``work/备份/`` beside ``chapters_dir``); ``echo``
    gets one Chinese line per backup.
    """
    course_dir = Path(course_dir).resolve()
    available = chapters(course_dir)
    names = list(names or available)
    unknown = sorted(set(names) - set(available))
    if unknown:
        raise CourseError(f"没有这些章节：{', '.join(unknown)}。现有章节：{', '.join(available)}")
    clean = None
    if chapters_dir is not None:
        chapters_dir = Path(chapters_dir).resolve()
        base = chapters_dir.parent
        backup_dir = Path(backup_dir) if backup_dir is not None else base / BACKUPS
        clean = git_clean_files(chapters_dir) if chapters_dir.is_dir() else None
    written = []
    for name in names:
        released = course_dir / "release" / name / f"{name}.ipynb"
        target = chapters_dir / f"{name}.ipynb" if chapters_dir is not None else None
        at_risk = None  # the bytes of a target that may hold someone's work
        if target is not None and target.is_file():
            local = clean is None or target.name not in clean
            current = target.read_bytes()
            previous = released.read_bytes() if released.is_file() else None
            if local and current != previous:
                at_risk = current
        nbgrader_cli.run(course_dir, "generate_assignment", name, "--force")
        if target is None:
            written.append(released)
            continue
        fresh = released.read_bytes()
        if at_risk is not None and at_risk != fresh:
            backup_dir.mkdir(parents=True, exist_ok=True)
            saved = _backup_path(backup_dir, name)
            saved.write_bytes(at_risk)
            echo(f"{shown(target, base)} 有本地改动（可能是作答），已备份到 {shown(saved, base)}，"
                 f"然后重新生成。以后请在 work/ 里的个人副本中作答（make lab 会打开它）。")
        chapters_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_bytes(fresh)
        os.replace(tmp, target)
        written.append(target)
    return written


def publish(course_dir: Path, name: str) -> None:
    """Put a released chapter into nbgrader's exchange (JupyterLab's Assignment List)."""
    nbgrader_cli.run(Path(course_dir), "release_assignment", name, "--force")


def release_feedback(course_dir: Path, name: str) -> None:
    """Put the generated feedback of a chapter into the exchange, for students to fetch."""
    nbgrader_cli.run(Path(course_dir), "release_feedback", name)
