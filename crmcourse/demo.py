"""``crmcourse demo``: a simulated class taken through the whole grading cycle.

In a temporary course directory (the repository is not touched): release a chapter,
collect a folder of submissions from six simulated students (full, partial, blank,
cheating, runaway, corrupt: refused at collect time), autograde them in parallel, generate feedback (checked for
hidden-test text), export the grades CSV and print the grade table with a verdict per
student.
"""
from __future__ import annotations

import csv
import re
import shutil
import tempfile
from pathlib import Path

import nbformat

from . import cheats
from . import notebooks as N
from .autograde import autograde
from .collect import collect_folder_detailed
from .course import chapters, find_repo
from .errors import CourseError
from .export import export
from .feedback import generate
from .release import release


def make_course(repo: Path, target: Path, names: list[str]) -> Path:
    """A fresh course directory with the chapters' teacher versions and the course configuration."""
    course = target / "course"
    (course / "source").mkdir(parents=True)
    for name in names:
        shutil.copytree(repo / "assignments" / "source" / name, course / "source" / name)
    shutil.copyfile(repo / "assignments" / "nbgrader_config.py", course / "nbgrader_config.py")
    return course


# A student who runs the teacher's solution instead of answering: each answer cell looks for
# the teacher version above its working folder, above the grading process's folder and where
# the course lives, and runs the solution found there. The grading sandbox hides all of them.
_STEAL = """import json, os, re
from pathlib import Path
_starts = [Path.cwd(), Path(COURSE)]
try:
    _starts.append(Path(os.readlink(f"/proc/{os.getppid()}/cwd")))
except OSError:
    pass
_found = []
for _start in _starts:
    for _folder in (_start, *_start.parents):
        for _path in (_folder / "source" / CHAPTER / f"{CHAPTER}.ipynb",
                      _folder / "assignments" / "source" / CHAPTER / f"{CHAPTER}.ipynb"):
            try:
                if _path.is_file():
                    _found.append(_path)
            except OSError:
                pass
if not _found:
    raise FileNotFoundError("没有找到教师版")
for _cell in json.loads(_found[0].read_text(encoding="utf-8"))["cells"]:
    if _cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == GRADE_ID:
        exec(re.search(r"### BEGIN SOLUTION\\n(.*?)### END SOLUTION", "".join(_cell["source"]), re.S).group(1))
"""


def build_thief(release_nb, course: Path, chapter: str):
    """Every answer cell steals its solution from the teacher version (source/), if it can read it."""
    answers = {}
    for cell in release_nb.cells:
        if N.is_answer_cell(cell) and cell.cell_type == "code":
            steal = (_STEAL.replace("COURSE", repr(str(course))).replace("CHAPTER", repr(chapter))
                     .replace("GRADE_ID", repr(N.meta(cell)["grade_id"])))
            answers[N.meta(cell)["grade_id"]] = re.sub(r"raise NotImplementedError\(.*\)", lambda _: steal, cell.source)
    return N.fill(release_nb, answers)


def run_demo(jobs: int = 2, timeout: int = 10, chapter: str | None = None, keep: bool = False,
             box=None) -> int:
    """``box``: the grading sandbox (crmcourse.sandbox) or None (unsandboxed: the thief gets full marks)."""
    repo = find_repo()
    available = chapters(repo / "assignments")
    chapter = chapter or available[0]
    if chapter not in available:
        raise CourseError(f"没有章节 {chapter}。现有章节：{', '.join(available)}")
    tmp = Path(tempfile.mkdtemp(prefix="crm-demo-"))
    try:
        course = make_course(repo, tmp, [chapter])
        print(f"1/5 发布 {chapter}（临时课程目录 {course}）")
        release(course, [chapter])
        source = N.read(N.source_notebook(course, chapter))
        student_nb = N.read(N.release_notebook(course, chapter))
        exes = N.exercises(source)
        auto_max = sum(ex.points for ex in exes)

        inbox = tmp / "inbox"
        inbox.mkdir()
        partial_nb, partial_points = cheats.build_partial(source, student_nb)
        runaway_nb, runaway_points = cheats.build_runaway(source, student_nb)
        plan = cheats.mixed_plans(exes)[0]
        class_ = {
            "full": (cheats.build_full(source, student_nb), auto_max),
            "partial": (partial_nb, partial_points),
            "blank": (student_nb, 0.0),
            "cheating": (cheats.build_mixed(source, student_nb, cheats.libs_plan(exes, exit_last=False)), 0.0),
            "cheating2": (cheats.build_mixed(source, student_nb, plan), 0.0),
            "runaway": (runaway_nb, runaway_points),
            "thief": (build_thief(student_nb, course, chapter), 0.0 if getattr(box, "enabled", False) else auto_max),
        }
        for name, (nb, _) in class_.items():
            nbformat.write(nb, str(inbox / f"{name}.ipynb"))
        (inbox / "corrupt.ipynb").write_text('{"cells": [ 这不是完整的 notebook', encoding="utf-8")
        expected = {name: points for name, (_, points) in class_.items()}
        expected["corrupt"] = 0.0

        print(f"2/5 收取 {len(expected)} 份作业（文件夹 → submitted/）")
        collected = collect_folder_detailed(course, chapter, inbox)
        for student, why in sorted(collected.rejected.items()):
            print(f"    拒收 {student}：{why}")
        # The corrupt file is refused at collect time (the student is asked to hand it in again).
        corrupt_refused = "corrupt" in collected.rejected
        expected.pop("corrupt")

        print(f"3/5 并行评分（{jobs} 个进程，单元格超时 {timeout} 秒）")
        results = autograde(course, chapter, jobs=jobs, timeout=timeout, box=box)

        print("4/5 生成反馈（检查不含隐藏测试）")
        pages = generate(course, chapter)
        print(f"    {len(pages)} 份反馈，均不含隐藏测试")

        out = tmp / "grades.csv"
        export(course, out, [chapter])
        print(f"5/5 导出成绩 CSV（{sum(1 for _ in csv.DictReader(out.open(encoding='utf-8-sig')))} 行）")

        status_expected = {"runaway": "timeout"}
        print()
        print(f"{'学生':<12}{'自动评分':>10}{'预期':>8}  状态")
        failures = 0 if corrupt_refused else 1
        if not corrupt_refused:
            print("✗ 损坏的文件没有在收取时被拒收")
        for r in results:
            want = expected.get(r.student)
            good = abs(r.auto_score - want) < 1e-9 if want is not None else True
            if r.student in status_expected:
                good = good and r.status == status_expected[r.student]
            failures += not good
            from .autograde import STATUS_TEXT
            mark = "✓" if good else "✗"
            print(f"{r.student:<12}{r.auto_score:>6g}/{r.auto_max:<3g}{want:>8g}  {mark} {STATUS_TEXT.get(r.status, r.status)}")
        print()
        print("成绩 CSV：")
        print(out.read_text(encoding="utf-8-sig"))
        if failures:
            print(f"有 {failures} 位学生的成绩与预期不符。")
        else:
            print("全部学生的成绩符合预期：完整答案满分，空白与作弊 0 分，超时与损坏文件已报告，其余照常评分。")
        if not getattr(box, "enabled", False):
            print("注意：这次没有使用评分沙箱，thief 读到了教师版里的答案，拿到了满分；在评分沙箱里它得 0 分。")
        if keep:
            print(f"临时课程目录保留在 {course}")
        return 1 if failures else 0
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
