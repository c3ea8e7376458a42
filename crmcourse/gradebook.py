"""The one place where crmcourse reads and writes nbgrader's gradebook (``nbgrader.api.Gradebook``).

* ``crmcourse autograde``: :func:`ensure_assignment`, :func:`snapshot` (the template each
  worker grades against), :func:`merge` (a worker's result into the course gradebook, one
  submission per transaction) and :func:`scores` (the result line);
* the workers: :func:`read_submission` (what nbgrader stored in the private copy, as data);
* the grading process: :func:`teacher_cells` (the teacher's test cells, never the submission's);
* ``crmcourse export``: :func:`grade_table`.

Everything leaves this module as plain data (dicts, lists, dataclasses), never as database rows.
"""
from __future__ import annotations

import contextlib
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

FILE = "gradebook.db"


def db_path(course_dir: Path) -> Path:
    return Path(course_dir) / FILE


def url(db: Path) -> str:
    return f"sqlite:///{db}"


@contextlib.contextmanager
def opened(db_or_url):
    """An open nbgrader Gradebook for a database file (Path) or URL (str), closed afterwards."""
    from nbgrader.api import Gradebook

    with Gradebook(db_or_url if isinstance(db_or_url, str) else url(db_or_url)) as gb:
        yield gb


def open_course(course_dir: Path):
    """An nbgrader Gradebook of the course, open until ``.close()`` (the caller closes it)."""
    from nbgrader.api import Gradebook

    return Gradebook(url(db_path(course_dir)))


def has_assignment(course_dir: Path, chapter: str) -> bool:
    from nbgrader.api import MissingEntry

    if not db_path(course_dir).exists():
        return False
    with opened(db_path(course_dir)) as gb:
        try:
            gb.find_assignment(chapter)
            return True
        except MissingEntry:
            return False


def ensure_assignment(course_dir: Path, chapter: str) -> None:
    """The chapter must be in the gradebook (nbgrader generate_assignment puts it there)."""
    from . import nbgrader_cli

    if not has_assignment(course_dir, chapter):
        nbgrader_cli.run(course_dir, "generate_assignment", chapter, "--force")


def snapshot(db: Path, dest: Path) -> None:
    """A consistent copy of the gradebook, even while another process reads or writes it."""
    src = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        out = sqlite3.connect(dest)
        with out:
            src.backup(out)
        out.close()
    finally:
        src.close()


def _grades(gb, chapter: str, student: str):
    """(notebook, grade) of each graded cell of a submission; nothing when there is none."""
    from nbgrader.api import MissingEntry

    try:
        sub = gb.find_submission(chapter, student)
    except MissingEntry:
        return None, []
    return sub, [(nb, g) for nb in sub.notebooks for g in nb.grades]


def _write(gb, chapter: str, student: str, submission: dict | None, timestamp) -> None:
    import warnings

    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        gb.update_or_create_student(student)
        if timestamp is not None:
            gb.update_or_create_submission(chapter, student, timestamp=timestamp)
        else:
            gb.update_or_create_submission(chapter, student)
        if submission is None:
            for _, grade in _grades(gb, chapter, student)[1]:
                grade.auto_score = None
                grade.needs_manual_grade = True
        for nb_name, data in (submission or {}).get("notebooks", {}).items():
            snb = gb.find_submission_notebook(nb_name, chapter, student)
            snb.late_submission_penalty = data["late_submission_penalty"]
            for name, g in data["grades"].items():
                grade = gb.find_grade(name, nb_name, chapter, student)
                grade.auto_score = g["auto_score"]
                grade.needs_manual_grade = g["needs_manual_grade"]
            for name, text in data["comments"].items():
                gb.find_comment(name, nb_name, chapter, student).auto_comment = text
        gb.db.commit()


def merge(course_dir: Path, chapter: str, student: str, submission: dict | None, gb=None,
          timestamp: str = "") -> None:
    """Write one worker's result into the course gradebook (one transaction).

    ``submission=None`` (the worker was killed): no automatic score; every cell is marked
    for review in formgrader. ``gb``: an open Gradebook of the course (else one is opened).
    ``timestamp``: the submission's timestamp.txt text ('' when it has none).
    """
    from nbgrader.utils import parse_utc

    when = parse_utc(timestamp) if timestamp else None
    for attempt in range(5):
        try:
            if gb is None:
                with opened(db_path(course_dir)) as own:
                    _write(own, chapter, student, submission, when)
            else:
                _write(gb, chapter, student, submission, when)
            return
        except Exception as exc:  # sqlite busy (formgrader open, ...): wait and retry
            if gb is not None:
                gb.db.rollback()
            if "locked" not in str(exc) or attempt == 4:
                raise
            time.sleep(1 + attempt)


def rollback(gb) -> None:
    """Undo a half-written submission (a failure is reported for it; nothing else may fail here)."""
    try:
        gb.db.rollback()
    except Exception:  # noqa: BLE001 - the session may be unusable already
        pass


def _scores(gb, chapter: str, student: str) -> dict:
    return {g.name: {"score": float(g.score), "max": float(g.max_score), "type": g.cell_type,
                     "pending": g.manual_score is None and g.auto_score is None}
            for _, g in _grades(gb, chapter, student)[1]}


def scores(course_dir: Path, chapter: str, student: str, gb=None) -> dict:
    """Per-cell scores of one submission: grade_id -> score, max, type, pending (nobody graded it)."""
    if gb is not None:
        return _scores(gb, chapter, student)
    with opened(db_path(course_dir)) as own:
        return _scores(own, chapter, student)


def read_submission(db: Path, chapter: str, student: str) -> dict:
    """What nbgrader stored for one submission (in a worker's private gradebook), as plain data."""
    with opened(db) as gb:
        sub, grades = _grades(gb, chapter, student)
        if sub is None:
            return {}
        notebooks = {nb.name: {"late_submission_penalty": nb.late_submission_penalty, "grades": {},
                               "comments": {c.name: c.auto_comment for c in nb.comments}}
                     for nb in sub.notebooks}
        for nb, g in grades:
            notebooks[nb.name]["grades"][g.name] = {
                "auto_score": g.auto_score, "needs_manual_grade": g.needs_manual_grade,
                "max_score": g.max_score, "cell_type": g.cell_type, "manual_score": g.manual_score}
        return {"timestamp": sub.timestamp.isoformat() if sub.timestamp else None, "notebooks": notebooks}


def teacher_cells(db_url: str, notebook: str, chapter: str) -> dict[str, tuple[str, float]]:
    """grade_id -> (teacher's source, points) of each graded code cell, as the gradebook stores them."""
    with opened(db_url) as gb:
        nb = gb.find_notebook(notebook, chapter)
        points = {cell.name: cell.max_score for cell in nb.grade_cells if cell.cell_type == "code"}
        return {cell.name: (cell.source, points[cell.name]) for cell in nb.source_cells
                if cell.name in points and cell.cell_type == "code"}


@dataclass
class Submission:
    student: str
    score: float
    max_score: float
    grades: dict[str, float | None]     # grade_id -> score, None when nobody graded the cell yet


@dataclass
class ChapterGrades:
    name: str
    max_score: float
    cells: dict[str, list[str]]         # notebook name -> its grade cells' grade_ids
    submissions: list[Submission] = field(default_factory=list)


def grade_table(course_dir: Path) -> tuple[list[str], list[ChapterGrades]]:
    """Every student of the gradebook, and each chapter's grade cells and submissions (empty without one)."""
    db = db_path(course_dir)
    if not db.exists():
        return [], []
    with opened(db) as gb:
        students = sorted(s.id for s in gb.students)
        table = []
        for assignment in sorted(gb.assignments, key=lambda a: a.name):
            chapter = ChapterGrades(assignment.name, float(assignment.max_score),
                                    {nb.name: [g.name for g in nb.grade_cells] for nb in assignment.notebooks})
            for sub in sorted(assignment.submissions, key=lambda s: s.student.id):
                grades = {g.name: None if g.manual_score is None and g.auto_score is None else float(g.score)
                          for nb in sub.notebooks for g in nb.grades}
                chapter.submissions.append(Submission(sub.student.id, float(sub.score), float(sub.max_score), grades))
            table.append(chapter)
        return students, table
