"""Grades CSV: one row per student and chapter, one column per graded cell.

Columns: ``student, chapter, status, score, max_score``, then each graded cell in chapter order.
``status`` says what the numbers mean, from what the gradebook, ``autograded/`` and
``submitted/`` hold:

* 正常: graded (the autograded notebook is there);
* 损坏: the submitted file is not a readable notebook, so nothing was graded;
* 批改失败: recorded in the gradebook but with no graded notebook (grading failed or was
  stopped; formgrader lists it for review);
* 未批改: collected (``submitted/``) but not graded yet;
* 未提交: the student is in the gradebook but handed nothing in for this chapter.

A cell nobody has graded yet (a written answer before manual grading, the cells of a
submission that failed) is left blank, never 0. The file is UTF-8 with a byte-order mark,
so Excel shows the Chinese as it is.
"""
from __future__ import annotations

import csv
import datetime
from pathlib import Path

BASE_COLUMNS = ["student", "chapter", "status", "score", "max_score"]
STATUS = {"ok": "正常", "corrupt": "损坏", "error": "批改失败", "ungraded": "未批改", "missing": "未提交"}
ENCODING = "utf-8-sig"


def _fmt(value: float) -> str:
    return f"{value:g}"


def _status(course_dir: Path, chapter: str, student: str, in_gradebook: bool) -> str:
    from . import untrusted
    from .autograde import is_corrupt

    submitted = Path(course_dir) / "submitted" / student / chapter
    if untrusted.is_dir(Path(course_dir) / "autograded" / student / chapter) and in_gradebook:
        return STATUS["ok"]
    if untrusted.is_dir(submitted) and is_corrupt(submitted):
        return STATUS["corrupt"]
    if in_gradebook:
        return STATUS["error"]
    return STATUS["ungraded"] if untrusted.is_dir(submitted) else STATUS["missing"]


def grade_rows(course_dir: Path, chapters: list[str] | None = None) -> tuple[list[str], list[dict]]:
    """Columns and rows of the grades table, read from the gradebook."""
    from .autograde import submitted_students
    from .gradebook import grade_table

    course_dir = Path(course_dir)
    columns = list(BASE_COLUMNS)
    rows = []
    everyone, table = grade_table(course_dir)
    for chapter in table:
        if chapters and chapter.name not in chapters:
            continue
        cells = []
        for nb_name in sorted(chapter.cells):
            order = _cell_order(course_dir, chapter.name, nb_name)
            cells += sorted(chapter.cells[nb_name], key=lambda g: (order.get(g, 10**6), g))
        columns.extend(c for c in cells if c not in columns)
        handed_in = set()
        for sub in chapter.submissions:
            handed_in.add(sub.student)
            row = {"student": sub.student, "chapter": chapter.name,
                   "status": _status(course_dir, chapter.name, sub.student, True),
                   "score": _fmt(sub.score), "max_score": _fmt(sub.max_score)}
            for name, score in sub.grades.items():
                row[name] = "" if score is None else _fmt(score)
            if sub.grades and all(score is None for score in sub.grades.values()):
                row["score"] = ""  # nothing graded at all: no total either
            rows.append(row)
        others = set(everyone) | set(submitted_students(course_dir, chapter.name))
        for student in sorted(others - handed_in):
            status = _status(course_dir, chapter.name, student, False)
            rows.append({"student": student, "chapter": chapter.name, "status": status,
                         "score": "0" if status == STATUS["missing"] else "", "max_score": _fmt(chapter.max_score)})
    rows.sort(key=lambda r: (r["chapter"], r["student"]))
    return columns, rows


def _cell_order(course_dir: Path, chapter: str, notebook: str) -> dict[str, int]:
    """Position of each grade cell in the teacher notebook (so columns follow the chapter)."""
    import nbformat

    path = Path(course_dir) / "source" / chapter / f"{notebook}.ipynb"
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception:
        return {}
    from .notebooks import meta

    return {meta(c).get("grade_id"): i for i, c in enumerate(nb.cells)}


EXPORTS = "exports"


def default_output(course_dir: Path, now: datetime.datetime | None = None) -> Path:
    """Where ``crmcourse export`` writes without ``-o``: ``<course>/exports/grades-<time>.csv``.

    The folder holds a ``.gitignore`` that ignores everything in it, so grades never end up in
    a commit, whichever repository the course directory is in.
    """
    stamp = (now or datetime.datetime.now()).strftime("%Y%m%d-%H%M%S")
    return Path(course_dir).resolve() / EXPORTS / f"grades-{stamp}.csv"


def _ignored_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# 导出的成绩不进 git（crmcourse export）\n*\n", encoding="utf-8")


def export(course_dir: Path, output: Path | None = None, chapters: list[str] | None = None) -> int:
    """Write the grades CSV (``output`` or :func:`default_output`); the number of rows."""
    columns, rows = grade_rows(course_dir, chapters)
    output = Path(output) if output is not None else default_output(course_dir)
    if output.parent.resolve() == Path(course_dir).resolve() / EXPORTS:
        _ignored_folder(output.parent)
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", newline="", encoding=ENCODING) as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)
