"""Errors an instructor can act on.

Library code raises these (ordinary exceptions, Chinese messages that name the next step);
only ``crmcourse.cli.main`` turns them into a message on stderr and a non-zero exit code.
"""
from __future__ import annotations


class CourseError(RuntimeError):
    """Something the instructor can fix: the message says what happened and what to do next."""

    exit_code = 1


class GradingInterrupted(CourseError):
    """Ctrl-C during ``crmcourse autograde``: workers and the temporary folder are gone."""

    exit_code = 130

    def __init__(self, chapter: str, done: int, total: int):
        self.chapter, self.done, self.total = chapter, done, total
        super().__init__(
            f"已中断：{chapter} 已完成 {done} 份（共 {total} 份），这些成绩已写入成绩库；"
            f"临时文件夹已删除。用 crmcourse autograde {chapter} --skip-graded 继续批改其余的。")


def not_graded(chapter: str, students=None) -> CourseError:
    """Feedback asked for before anything of ``chapter`` (or of ``students``) was graded."""
    wanted = sorted(students or [])
    who = f"（{', '.join(wanted)}）" if wanted else ""
    only = "".join(f" --student {s}" for s in wanted)
    return CourseError(f"{chapter}{who} 还没有批改结果（autograded/<学号>/{chapter}/ 不存在），没有可以生成的反馈。"
                       f"先运行 crmcourse autograde {chapter}{only}，再生成反馈。")


def graded_students(course_dir, chapter: str) -> set[str]:
    """Students with an ``autograded/<student>/<chapter>/`` folder (real folders, no link followed)."""
    import os
    import stat
    from pathlib import Path

    def real_dir(path: Path) -> bool:
        try:
            return stat.S_ISDIR(os.lstat(path).st_mode)
        except OSError:
            return False

    base = Path(course_dir) / "autograded"
    if not real_dir(base):
        return set()
    return {p.name for p in base.iterdir() if real_dir(p) and real_dir(p / chapter)}
