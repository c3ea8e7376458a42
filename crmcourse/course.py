"""Where the course lives and which chapters it has."""
from __future__ import annotations

import os
from pathlib import Path

from .errors import CourseError

CONFIG = "nbgrader_config.py"


def find_repo(start: Path | None = None) -> Path:
    """The repository root: the nearest folder (from ``start`` upward) with assignments/nbgrader_config.py.

    ``CRM_COURSE_ROOT`` overrides the search.
    """
    if os.environ.get("CRM_COURSE_ROOT"):
        return Path(os.environ["CRM_COURSE_ROOT"]).resolve()
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "assignments" / CONFIG).is_file():
            return folder
    raise CourseError("找不到课程目录（含 assignments/nbgrader_config.py 的文件夹）。"
                     "请在课程仓库里运行，或设置环境变量 CRM_COURSE_ROOT。")


def chapters(course_dir: Path) -> list[str]:
    """Chapter names (= nbgrader assignment names) in source/, in course order."""
    source = Path(course_dir) / "source"
    return sorted(p.name for p in source.iterdir()
                  if p.is_dir() and (p / f"{p.name}.ipynb").is_file())
