"""``crmcourse``: the instructor's command line."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .course import CONFIG, chapters, find_repo
from .errors import CourseError, GradingInterrupted
from .release import publish, release, release_feedback


def resolve_course(path: Path) -> Path:
    """A course directory given with --course; the repository root stands for its assignments/.

    The repository root has an nbgrader_config.py too (it loads the course's), but the course
    itself (source/, submitted/, gradebook.db) is assignments/: that is used, with a note on stderr.
    """
    path = Path(path).expanduser().resolve()
    if not path.is_dir():
        raise CourseError(f"--course {path}：没有这个文件夹。课程目录是仓库里的 assignments/"
                          f"（里面有 nbgrader_config.py 和 source/）。")
    if not (path / "source").is_dir() and (path / "assignments" / CONFIG).is_file():
        print(f"--course 指向的是仓库根目录，改用其中的课程目录 {path / 'assignments'}"
              f"（以后可以直接写 --course {path / 'assignments'}，或在仓库里省略 --course）", file=sys.stderr)
        path = path / "assignments"
    if not (path / CONFIG).is_file():
        raise CourseError(f"{path} 不是课程目录（里面没有 {CONFIG}）。课程目录是仓库里的 assignments/"
                          f"：--course 路径/assignments；在仓库里运行时可以省略 --course。")
    if not (path / "source").is_dir():
        raise CourseError(f"{path} 不是课程目录：里面没有 source/（各章的教师版）。课程目录是仓库里的 assignments/。")
    return path


def course_dir(args) -> Path:
    """The nbgrader course directory: --course, or assignments/ of the repository."""
    if getattr(args, "course", None):
        return resolve_course(Path(args.course))
    return find_repo() / "assignments"


def _chapter(course: Path, name: str) -> str:
    available = chapters(course)
    if name not in available:
        raise CourseError(f"没有章节 {name}。现有章节：{', '.join(available)}")
    return name


def given(args, *names: str) -> dict:
    """The options among ``names`` that were given on the command line.

    Options default to ``argparse.SUPPRESS`` (absent from ``args``), so what was not given is
    not passed and the library function's own default applies: one default, in one place.
    """
    return {name: getattr(args, name) for name in names if hasattr(args, name)}


def library_default(module: str, function: str, parameter: str):
    """The default of ``module.function``'s ``parameter`` (read from its signature)."""
    import importlib
    import inspect

    func = getattr(importlib.import_module(module), function)
    return inspect.signature(func).parameters[parameter].default


class LibraryDefaults(argparse.HelpFormatter):
    """Help text whose ``{default}`` is the library function's default (imported only for --help)."""

    def _get_help_string(self, action):
        text = super()._get_help_string(action) or ""
        where = getattr(action, "library", None)
        if where and "{default}" in text:
            text = text.replace("{default}", f"{library_default(*where)}")
        return text


def option(parser, *flags: str, library: tuple[str, str, str], **kwargs):
    """An option that maps to the parameter ``library`` = (module, function, parameter).

    Not given, it is left out (the parameter's default applies); ``{default}`` in its help
    shows that default.
    """
    action = parser.add_argument(*flags, dest=library[2], default=argparse.SUPPRESS, **kwargs)
    action.library = library
    return action


def _sandbox(args):
    from . import sandbox

    return sandbox.grading_sandbox(**given(args, "no_sandbox"))


def cmd_release(args) -> None:
    if getattr(args, "course", None):
        course = course_dir(args)
        for path in release(course, args.chapters or None):
            print(f"已生成 {path}")
    else:
        repo = find_repo()
        course = repo / "assignments"
        for path in release(course, args.chapters or None, chapters_dir=repo / "chapters"):
            print(f"已生成 {path.relative_to(repo)}")
    if args.exchange:
        for name in args.chapters or chapters(course):
            publish(course, name)
            print(f"已发布到 exchange：{name}（学生在 Assignment List 里获取）")


def cmd_collect(args) -> None:
    from . import collect

    course = course_dir(args)
    chapter = _chapter(course, args.chapter)
    if args.source:
        report = collect.collect_folder_detailed(course, chapter, Path(args.source))
        where = f"文件夹 {args.source}"
    else:
        report = collect.collect_exchange_report(course, chapter, **given(args, "update"))
        where = "exchange"
    print(f"收取 {chapter}（从{where}）：")
    for line in report.lines(course):
        print(line)
    if not (report.students or report.rejected):
        print("  （没有收到任何提交）")
    print(f"合计：{report.summary()}。位置：{course / 'submitted'}/<学号>/{chapter}/")
    if report.rejected:
        print(f"拒收的 {len(report.rejected)} 份没有收进 submitted/：请让这几位学生重新提交 {chapter}。")
    if report.new or report.replaced:
        print(f"下一步：crmcourse autograde {chapter} --skip-graded（只批改新的和替换过的）")


def cmd_autograde(args) -> int:
    from . import autograde as grading

    course = course_dir(args)
    chapter = _chapter(course, args.chapter)
    with _sandbox(args) as box:
        results = grading.autograde(course, chapter, box=box, **given(
            args, "jobs", "students", "timeout", "force", "progress", "time_budget"))
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    summary = "，".join(f"{grading.STATUS_TEXT.get(k, k).split('（')[0]} {v} 份" for k, v in sorted(counts.items()))
    print(f"完成：{len(results)} 份（{summary}）。成绩已写入 {course / 'gradebook.db'}")
    failed = [r.student for r in results if r.failed]
    if failed:
        print(f"有 {len(failed)} 份没有得到自动评分：{', '.join(failed)}（原因见上面的结果行）")
        return 1
    return 0


def cmd_feedback(args) -> int:
    from .errors import graded_students, not_graded

    course = course_dir(args)
    chapter = _chapter(course, args.chapter)
    students = getattr(args, "students", None)
    graded = graded_students(course, chapter)
    if not (graded & set(students) if students else graded):  # said before the slow imports below
        raise not_graded(chapter, students)
    from . import feedback

    withheld = None
    try:
        pages = feedback.generate(course, chapter, **given(args, "students"))
    except feedback.FeedbackWithheld as exc:  # the other students' pages are fine: report, release them, fail
        pages, withheld = exc.pages, exc
    print(f"已生成 {len(pages)} 份反馈（不含隐藏测试）：{course / 'feedback'}/<学号>/{chapter}/")
    missing = getattr(pages, "missing", {})
    if missing:
        print(f"这 {len(missing)} 位学生没有反馈：")
        for student, why in sorted(missing.items()):
            print(f"  {student}：{why}")
    if args.exchange:
        release_feedback(course, chapter)
        print("已把反馈放进 exchange：学生在 Assignment List 里点 Fetch Feedback 取回")
    if withheld is not None:
        print(withheld)
        return 1
    return 0


def cmd_export(args) -> None:
    from . import export

    course = course_dir(args)
    output = Path(args.output) if getattr(args, "output", None) else export.default_output(course)
    n = export.export(course, output=output, **given(args, "chapters"))
    print(f"已导出 {n} 行成绩到 {output}")
    print("  status 列：正常 / 损坏 / 批改失败 / 未批改 / 未提交；还没有批改的单元格（例如书面题）留空，不记 0 分")


def cmd_demo(args) -> int:
    from . import demo

    with _sandbox(args) as box:
        return demo.run_demo(box=box, **given(args, "jobs", "timeout", "chapter", "keep"))


def cmd_check(args) -> int:
    from . import check

    with _sandbox(args) as box:
        return check.check(Path(args.notebook), box=box, **given(args, "timeout"))


def cmd_pack(args) -> None:
    from . import pack

    try:
        packed = pack.pack(names=args.chapters or None, **given(args, "output"))
    except (ValueError, OSError, RuntimeError) as exc:
        raise CourseError(str(exc)) from exc
    for name in packed.refreshed:
        print(f"已重新发布 {name}（学生版比教师版旧）")
    print(f"已生成学生版 {packed.path}（{packed.size / 1e6:.1f} MB，{len(packed.chapters)} 章）：")
    print("  含各章学生版、crmlib 与案例数据、make lab / start.sh；不含参考答案、隐藏测试和 assignments/")


NO_SANDBOX_HELP = "不用评分沙箱运行学生代码（代码将以你的权限运行；只在所有提交都可信时使用）"
SANDBOX = ("crmcourse.sandbox", "grading_sandbox", "no_sandbox")
AUTOGRADE = "crmcourse.autograde", "autograde"
DEMO = "crmcourse.demo", "run_demo"


def build_parser() -> argparse.ArgumentParser:
    # --course may stand before or after the command: `crmcourse --course D collect ...` or
    # `crmcourse collect ... --course D`.
    course_option = argparse.ArgumentParser(add_help=False)
    course_option.add_argument("--course", default=argparse.SUPPRESS,
                               help="nbgrader 课程目录（默认：仓库里的 assignments/）")
    parser = argparse.ArgumentParser(prog="crmcourse", description="客户关系管理课程的教师工具",
                                     parents=[course_option])
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, *parents, **kwargs):
        return sub.add_parser(name, parents=list(parents), formatter_class=LibraryDefaults, **kwargs)

    p = command("release", course_option,
                help="用 nbgrader 生成学生版章节（默认全部），并刷新 chapters/；"
                     "chapters/ 里有本地改动（作答）的章节先备份到 work/备份/")
    p.add_argument("chapters", nargs="*", help="章节名，例如 00_getting_started")
    p.add_argument("--exchange", action="store_true",
                   help="同时发布到 nbgrader 的 exchange（学生在 JupyterLab 的 Assignment List 里获取）")
    p.set_defaults(func=cmd_release)

    p = command("collect", course_option, help="收取作业到 submitted/<学号>/<章节>/")
    p.add_argument("chapter", help="章节名")
    p.add_argument("--from", dest="source", metavar="FOLDER",
                   help="从文件夹收取（FOLDER/<学号>.ipynb 或 FOLDER/<学号>/*.ipynb）；不给则用 nbgrader 的 exchange")
    option(p, "--update", action="store_const", const=True,
           library=("crmcourse.collect", "collect_exchange_report", "update"), help="exchange 模式：有新提交时覆盖")
    p.set_defaults(func=cmd_collect)

    p = command("autograde", course_option, help="并行自动评分（进度条、每人一行结果）")
    p.add_argument("chapter", help="章节名")
    option(p, "--jobs", "-j", type=int, library=(*AUTOGRADE, "jobs"), help="并行的评分进程数（默认 {default}）")
    option(p, "--student", action="append", metavar="STUDENT", library=(*AUTOGRADE, "students"), help="只批改这位学生（可重复）")
    option(p, "--timeout", type=int, library=(*AUTOGRADE, "timeout"),
           help="每个单元格最多运行的秒数（默认取 nbgrader_config.py 的 Execute.timeout）")
    option(p, "--time-budget", type=float, metavar="SECONDS", library=(*AUTOGRADE, "time_budget"),
           help="每份作业总共最多运行的秒数（默认：单元格超时的 3 倍，至少 120 秒）")
    option(p, "--skip-graded", action="store_const", const=False, library=(*AUTOGRADE, "force"),
           help="跳过已经批改过且没有新提交的学生")
    option(p, "--no-progress", action="store_const", const=False, library=(*AUTOGRADE, "progress"),
           help="不显示进度条")
    option(p, "--no-sandbox", action="store_const", const=True, library=SANDBOX, help=NO_SANDBOX_HELP)
    p.set_defaults(func=cmd_autograde)

    p = command("feedback", course_option, help="生成反馈 HTML（不含隐藏测试）")
    p.add_argument("chapter", help="章节名")
    option(p, "--student", action="append", metavar="STUDENT", library=("crmcourse.feedback", "generate", "students"),
           help="只为这位学生生成（可重复）")
    p.add_argument("--exchange", action="store_true", help="同时把反馈放进 exchange，学生自己取回")
    p.set_defaults(func=cmd_feedback)

    p = command("export", course_option, help="导出成绩 CSV：学生、章节、状态、得分、满分、每个评分单元格一列")
    option(p, "--output", "-o", library=("crmcourse.export", "export", "output"),
           help="输出文件（默认 课程目录/exports/grades-<时间>.csv，不进 git）")
    option(p, "--chapter", action="append", metavar="CHAPTER", library=("crmcourse.export", "export", "chapters"),
           help="只导出这一章（可重复）")
    p.set_defaults(func=cmd_export)

    p = command("demo", help="在临时课程目录里模拟一个班，完整跑一遍发布、收取、评分、反馈、导出")
    option(p, "--chapter", library=(*DEMO, "chapter"), help="用哪一章（默认第一章）")
    option(p, "--jobs", "-j", type=int, library=(*DEMO, "jobs"), help="并行的评分进程数（默认 {default}）")
    option(p, "--timeout", type=int, library=(*DEMO, "timeout"), help="演示用的单元格超时秒数（默认 {default}）")
    option(p, "--keep", action="store_const", const=True, library=(*DEMO, "keep"),
           help="保留临时课程目录并打印其位置")
    option(p, "--no-sandbox", action="store_const", const=True, library=SANDBOX, help=NO_SANDBOX_HELP)
    p.set_defaults(func=cmd_demo)

    p = command("check", help="学生自检：用隐藏测试给自己的 notebook 打分（不显示测试代码）")
    p.add_argument("notebook", help="例如 chapters/00_getting_started.ipynb")
    option(p, "--timeout", type=int, library=("crmcourse.check", "check", "timeout"),
           help="每个单元格最多运行的秒数（默认 {default}）")
    option(p, "--no-sandbox", action="store_const", const=True, library=SANDBOX, help=NO_SANDBOX_HELP)
    p.set_defaults(func=cmd_check)

    p = command("pack", help="打包学生版 zip：学生版章节、crmlib 与数据、make lab；不含答案和隐藏测试")
    p.add_argument("chapters", nargs="*", help="章节名（默认全部）")
    option(p, "--output", "-o", library=("crmcourse.pack", "pack", "output"),
           help="输出的 zip 文件或文件夹（默认 dist/crm-course-student-<日期>.zip，不进 git）")
    p.set_defaults(func=cmd_pack)
    return parser


def main(argv=None) -> None:
    """Run one command. Problems come back as a Chinese message on stderr and a non-zero exit code:

    * :class:`CourseError` (something the instructor can fix): its message, exit code 1
      (Ctrl-C during autograde: 130, with how far grading got);
    * Ctrl-C elsewhere: "已中断", exit code 130;
    * any other error: its type and message, exit code 1; ``CRM_DEBUG=1`` shows the Python traceback.
    """
    args = build_parser().parse_args(argv)
    try:
        code = args.func(args)
    except GradingInterrupted as exc:
        print(f"\n{exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except CourseError as exc:
        sys.exit(str(exc))
    except KeyboardInterrupt:
        print("\n已中断。", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("CRM_DEBUG"):
            raise
        detail = str(exc).strip() or "（没有说明）"
        sys.exit(f"出错了（{type(exc).__name__}）：{detail}\n"
                 f"如果看不出原因：设置环境变量 CRM_DEBUG=1 再运行一次，可以看到 Python 的详细报错。")
    if code:
        sys.exit(code)


if __name__ == "__main__":
    main()
