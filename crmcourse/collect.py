"""Collecting submissions into ``submitted/<student>/<chapter>/``.

Two ways in: nbgrader's exchange (JupyterHub classes: ``nbgrader collect``), or a folder
of notebooks gathered any other way (e-mail, LMS download, USB stick), laid out as either

    FOLDER/<student>.ipynb                  one notebook per student
    FOLDER/<student>/<anything>.ipynb       one folder per student (one notebook inside)

Each notebook is copied as ``submitted/<student>/<chapter>/<chapter>.ipynb`` with a
``timestamp.txt`` taken from the file's modification time, as nbgrader expects.
Unreadable notebooks are copied too: autograde records them as corrupt.

The folder is untrusted input: only regular files are taken (a symbolic link named
``alice.ipynb`` pointing at the teacher version, a FIFO, a device, a link to a folder are
refused, never opened or followed), each at most ``MAX_NOTEBOOK_BYTES``; every refused
entry is named on a Chinese line. Archives (.zip, .tar) are not read: unpack them first
(with a tool that does not restore links, or check what it restored).
"""
from __future__ import annotations

import datetime as dt
import os
import re
import stat
from pathlib import Path

from . import untrusted
from .release import nbgrader

MAX_NOTEBOOK_BYTES = 100 * 1024 ** 2

STUDENT_ID = re.compile(r"^[A-Za-z0-9_\-.\u4e00-\u9fff]+$")


def collect_exchange(course_dir: Path, chapter: str, update: bool = False) -> None:
    args = ["collect", chapter]
    if update:
        args.append("--update")
    nbgrader(course_dir, *args, quiet=False)


def _timestamp(mtime: float) -> str:
    when = dt.datetime.fromtimestamp(mtime, tz=dt.timezone.utc)
    return when.strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def _lstat(path: Path):
    try:
        return os.lstat(path)
    except OSError:
        return None


def find_notebooks(folder: Path, chapter: str, refused: list[str] | None = None) -> dict[str, Path]:
    """student id -> notebook file, from a folder in one of the two layouts.

    Only regular files and real folders count; each link, FIFO, socket or device that stands
    where a notebook or a student folder could be is refused: its name and the reason go to
    ``refused`` (Chinese lines), and are printed when ``refused`` is None.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise SystemExit(f"找不到文件夹：{folder}")
    found: dict[str, Path] = {}
    problems: list[str] = []
    rejected: list[str] = [] if refused is None else refused
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        st = _lstat(entry)
        if st is None:
            continue
        shown = untrusted.printable(entry.name)
        if entry.suffix == ".ipynb" and not stat.S_ISREG(st.st_mode):
            rejected.append(f"拒收 {shown}：{untrusted.not_regular(st.st_mode)}")
            continue
        if stat.S_ISREG(st.st_mode) and entry.suffix == ".ipynb":
            student, path = entry.stem, entry
        elif stat.S_ISDIR(st.st_mode):
            notebooks = []
            for inner in sorted(entry.glob("*.ipynb")):
                inner_st = _lstat(inner)
                if inner_st is None:
                    continue
                if not stat.S_ISREG(inner_st.st_mode):
                    rejected.append(f"拒收 {shown}/{untrusted.printable(inner.name)}："
                                    f"{untrusted.not_regular(inner_st.st_mode)}")
                    continue
                notebooks.append(inner)
            preferred = [p for p in notebooks if p.stem == chapter]
            if preferred:
                notebooks = preferred
            if len(notebooks) != 1:
                problems.append(f"{shown}/：应当正好有一个 .ipynb 文件，找到 {len(notebooks)} 个")
                continue
            student, path = entry.name, notebooks[0]
        elif stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode):
            rejected.append(f"拒收 {shown}：{untrusted.not_regular(st.st_mode)}")
            continue
        else:
            continue
        if not STUDENT_ID.match(student):
            problems.append(f"{shown}：学号只能包含字母、数字、汉字、下划线、连字符和点")
            continue
        found[student] = path
    for problem in problems:
        print(f"跳过 {problem}")
    if refused is None:
        for line in rejected:
            print(line)
    return found


def collect_folder_report(course_dir: Path, chapter: str, folder: Path) -> tuple[list[str], list[str]]:
    """Copy a folder of submitted notebooks into ``submitted/``; (students collected, refused lines).

    Each refused entry is also printed (Chinese). A notebook is read with ``O_NOFOLLOW`` and
    checked to be a regular file on the open descriptor, so it cannot be swapped for a link
    between the listing and the copy.
    """
    course_dir, folder = Path(course_dir), Path(folder)
    refused: list[str] = []
    students = []
    for student, path in find_notebooks(folder, chapter, refused).items():
        parts = Path(path).relative_to(folder).parts
        try:
            fd = untrusted.open_dir(folder, *parts[:-1])
            try:
                data, st = untrusted.read_file(parts[-1], MAX_NOTEBOOK_BYTES, dir_fd=fd)
            finally:
                os.close(fd)
        except OSError as why:  # Refused (became a link, too big, ...), or it vanished
            refused.append(f"拒收 {untrusted.printable('/'.join(parts))}：{why}")
            continue
        mtime = st.st_mtime
        dest = course_dir / "submitted" / student / chapter
        untrusted.remove(dest)
        dest.mkdir(parents=True)
        (dest / f"{chapter}.ipynb").write_bytes(data)
        (dest / "timestamp.txt").write_text(_timestamp(mtime))
        students.append(student)
    for line in refused:
        print(line)
    return students, refused


def collect_folder(course_dir: Path, chapter: str, folder: Path) -> list[str]:
    """Copy a folder of submitted notebooks into the course's submitted/ tree (refusals are printed)."""
    return collect_folder_report(course_dir, chapter, folder)[0]
