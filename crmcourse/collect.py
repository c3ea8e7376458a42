"""Collecting submissions into ``submitted/<student>/<chapter>/``.

Two ways in: nbgrader's exchange (JupyterHub classes: ``nbgrader collect``), or a folder
of notebooks gathered any other way (e-mail, LMS download, USB stick), laid out as either

    FOLDER/<student>.ipynb                  one notebook per student
    FOLDER/<student>/<anything>.ipynb       one folder per student (one notebook inside)

Each notebook is copied as ``submitted/<student>/<chapter>/<chapter>.ipynb`` with a
``timestamp.txt`` taken from the file's modification time, as nbgrader expects.
Unreadable notebooks are copied too: autograde records them as corrupt.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

from .release import nbgrader

STUDENT_ID = re.compile(r"^[A-Za-z0-9_\-.\u4e00-\u9fff]+$")


def collect_exchange(course_dir: Path, chapter: str, update: bool = False) -> None:
    args = ["collect", chapter]
    if update:
        args.append("--update")
    nbgrader(course_dir, *args, quiet=False)


def _timestamp(path: Path) -> str:
    when = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.timezone.utc)
    return when.strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def find_notebooks(folder: Path, chapter: str) -> dict[str, Path]:
    """student id -> notebook file, from a folder in one of the two layouts."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SystemExit(f"找不到文件夹：{folder}")
    found: dict[str, Path] = {}
    problems = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_file() and entry.suffix == ".ipynb":
            student, path = entry.stem, entry
        elif entry.is_dir():
            notebooks = sorted(p for p in entry.glob("*.ipynb"))
            preferred = [p for p in notebooks if p.stem == chapter]
            if preferred:
                notebooks = preferred
            if len(notebooks) != 1:
                problems.append(f"{entry.name}/：应当正好有一个 .ipynb 文件，找到 {len(notebooks)} 个")
                continue
            student, path = entry.name, notebooks[0]
        else:
            continue
        if not STUDENT_ID.match(student):
            problems.append(f"{entry.name}：学号只能包含字母、数字、汉字、下划线、连字符和点")
            continue
        found[student] = path
    for problem in problems:
        print(f"跳过 {problem}")
    return found


def collect_folder(course_dir: Path, chapter: str, folder: Path) -> list[str]:
    """Copy a folder of submitted notebooks into the course's submitted/ tree."""
    course_dir = Path(course_dir)
    students = []
    for student, path in find_notebooks(folder, chapter).items():
        dest = course_dir / "submitted" / student / chapter
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        shutil.copyfile(path, dest / f"{chapter}.ipynb")
        (dest / "timestamp.txt").write_text(_timestamp(path))
        students.append(student)
    return students
