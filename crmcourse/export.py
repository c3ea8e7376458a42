"""Grades CSV: one row per student and chapter, one column per graded cell."""
from __future__ import annotations

import csv
from pathlib import Path

BASE_COLUMNS = ["student", "chapter", "score", "max_score"]


def _fmt(value: float) -> str:
    return f"{value:g}"


def grade_rows(course_dir: Path, chapters: list[str] | None = None) -> tuple[list[str], list[dict]]:
    """Columns and rows of the grades table, read from the gradebook."""
    from nbgrader.api import Gradebook

    db = Path(course_dir) / "gradebook.db"
    columns = list(BASE_COLUMNS)
    rows = []
    if not db.exists():
        return columns, rows
    with Gradebook(f"sqlite:///{db}") as gb:
        for assignment in sorted(gb.assignments, key=lambda a: a.name):
            if chapters and assignment.name not in chapters:
                continue
            cells = []
            for nb in sorted(assignment.notebooks, key=lambda n: n.name):
                order = _cell_order(course_dir, assignment.name, nb.name)
                cells += [g.name for g in sorted(nb.grade_cells, key=lambda g: (order.get(g.name, 10**6), g.name))]
            columns.extend(c for c in cells if c not in columns)
            for sub in sorted(assignment.submissions, key=lambda s: s.student.id):
                row = {"student": sub.student.id, "chapter": assignment.name,
                       "score": _fmt(sub.score), "max_score": _fmt(sub.max_score)}
                for nb in sub.notebooks:
                    for g in nb.grades:
                        row[g.name] = _fmt(g.score)
                rows.append(row)
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


def export(course_dir: Path, output: Path, chapters: list[str] | None = None) -> int:
    columns, rows = grade_rows(course_dir, chapters)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)
