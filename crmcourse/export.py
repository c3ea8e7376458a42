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
    from nbgrader.api import Gradebook

    from .autograde import submitted_students

    course_dir = Path(course_dir)
    db = course_dir / "gradebook.db"
    columns = list(BASE_COLUMNS)
    rows = []
    if not db.exists():
        return columns, rows
    with Gradebook(f"sqlite:///{db}") as gb:
        everyone = sorted(s.id for s in gb.students)
        for assignment in sorted(gb.assignments, key=lambda a: a.name):
            if chapters and assignment.name not in chapters:
                continue
            cells = []
            for nb in sorted(assignment.notebooks, key=lambda n: n.name):
                order = _cell_order(course_dir, assignment.name, nb.name)
                cells += [g.name for g in sorted(nb.grade_cells, key=lambda g: (order.get(g.name, 10**6), g.name))]
            columns.extend(c for c in cells if c not in columns)
            max_score = _fmt(assignment.max_score)
            handed_in = set()
            for sub in sorted(assignment.submissions, key=lambda s: s.student.id):
                handed_in.add(sub.student.id)
                row = {"student": sub.student.id, "chapter": assignment.name,
                       "status": _status(course_dir, assignment.name, sub.student.id, True),
                       "score": _fmt(sub.score), "max_score": _fmt(sub.max_score)}
                grades = [g for nb in sub.notebooks for g in nb.grades]
                for g in grades:
                    ungraded = g.manual_score is None and g.auto_score is None
                    row[g.name] = "" if ungraded else _fmt(g.score)
                if grades and all(row[g.name] == "" for g in grades):
                    row["score"] = ""  # nothing graded at all: no total either
                rows.append(row)
            others = set(everyone) | set(submitted_students(course_dir, assignment.name))
            for student in sorted(others - handed_in):
                status = _status(course_dir, assignment.name, student, False)
                rows.append({"student": student, "chapter": assignment.name, "status": status,
                             "score": "0" if status == STATUS["missing"] else "", "max_score": max_score})
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
    return {(c.metadata.get("nbgrader") or {}).get("grade_id"): i for i, c in enumerate(nb.cells)}


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
