"""What an instructor meets (issue 17): Chinese messages that name the next step, non-zero exit
codes and no Python traceback; collect's report per student and its rejections; export's status
column; Ctrl-C during autograde; the local exchange and `make lab`'s launcher."""
from __future__ import annotations

import csv
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from conftest import BIN, COURSE, chapter_names, new_course, tool_env
from crmcourse import autograde as A
from crmcourse.cli import main, resolve_course
from crmcourse.collect import Collected, _newer_in_exchange
from crmcourse.errors import CourseError
from crmcourse.launch_lab import banner, ensure_local_exchange, port_problem

CHAPTER, OTHER = chapter_names()[:2]
STAMP = "2026-03-01 08:00:00.000000 UTC"


def course_with_two_chapters(tmp_path: Path) -> Path:
    course = new_course(tmp_path / "course", CHAPTER)
    shutil.copytree(COURSE / "source" / OTHER, course / "source" / OTHER)
    return course


def teacher(chapter: str = CHAPTER):
    return nbformat.read(str(COURSE / "source" / chapter / f"{chapter}.ipynb"), as_version=4)


def crmcourse(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 120):
    return subprocess.run([sys.executable, "-m", "crmcourse.cli", *args], cwd=cwd, env=env or tool_env(),
                          capture_output=True, text=True, timeout=timeout)


def fails_in_chinese(done: subprocess.CompletedProcess, *needles: str) -> None:
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    for needle in needles:
        assert needle in done.stderr, done.stderr


def run_main(capsys, *argv: str) -> tuple[object, str, str]:
    """``crmcourse`` in this process: (exit code or message, stdout, stderr)."""
    code = 0
    try:
        main(list(argv))
    except SystemExit as stop:
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------- messages with the next step

def test_feedback_before_autograde_names_the_next_step(tmp_path):
    course = new_course(tmp_path / "course", CHAPTER)
    done = crmcourse("--course", str(course), "feedback", CHAPTER)
    fails_in_chinese(done, "还没有批改结果", f"crmcourse autograde {CHAPTER}")
    assert not (course / "feedback").exists()


def test_autograde_with_nothing_collected_creates_nothing(tmp_path, capsys):
    course = new_course(tmp_path / "course", CHAPTER)
    before = sorted(p.relative_to(course) for p in course.rglob("*"))
    code, _, _ = run_main(capsys, "--course", str(course), "autograde", CHAPTER, "--no-sandbox")
    assert "还没有" in code and f"crmcourse collect {CHAPTER} --from" in code
    assert sorted(p.relative_to(course) for p in course.rglob("*")) == before  # no release/, no gradebook.db


def test_unknown_student_and_chapter(tmp_path, capsys):
    course = new_course(tmp_path / "course", CHAPTER)
    (course / "submitted" / "alice" / CHAPTER).mkdir(parents=True)
    code, _, _ = run_main(capsys, "--course", str(course), "autograde", CHAPTER, "--student", "bob", "--no-sandbox")
    assert "没有这些学生的" in code and "bob" in code and "crmcourse collect" in code
    code, _, _ = run_main(capsys, "--course", str(course), "feedback", "99_nothing")
    assert "没有章节 99_nothing" in code and CHAPTER in code


def test_course_option_at_the_repository_root_uses_its_assignments(tmp_path, capsys):
    repo = tmp_path / "repo"
    new_course(repo / "assignments", CHAPTER)
    (repo / "nbgrader_config.py").write_text("c = get_config()\n")
    assert resolve_course(repo) == (repo / "assignments").resolve()
    code, _, err = run_main(capsys, "--course", str(repo), "feedback", CHAPTER)
    assert "仓库根目录" in err and str(repo / "assignments") in err
    assert "还没有批改结果" in code  # the chapter was found: the course is assignments/
    for wrong, needle in ((tmp_path, "不是课程目录"), (tmp_path / "nowhere", "没有这个文件夹")):
        with pytest.raises(CourseError, match=needle):
            resolve_course(wrong)
    done = crmcourse("--course", str(tmp_path), "export")
    fails_in_chinese(done, "不是课程目录", "assignments/")


def test_unexpected_errors_are_one_chinese_line(tmp_path, monkeypatch, capsys):
    import crmcourse.export

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(crmcourse.export, "export", broken)
    course = new_course(tmp_path / "course", CHAPTER)
    code, _, _ = run_main(capsys, "--course", str(course), "export", "-o", str(tmp_path / "g.csv"))
    assert code.startswith("出错了（OSError）") and "CRM_DEBUG=1" in code


# ---------------------------------------------------------------- collect

def test_collect_reports_new_replaced_unchanged_and_keeps_the_replaced(tmp_path, capsys):
    course = course_with_two_chapters(tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    nbformat.write(teacher(), str(inbox / "alice.ipynb"))
    nbformat.write(teacher(), str(inbox / "bob.ipynb"))
    code, out, _ = run_main(capsys, "--course", str(course), "collect", CHAPTER, "--from", str(inbox))
    assert code == 0
    assert out.count("新提交") >= 2 and "新提交 2 份，替换 0 份，未改动 0 份" in out
    assert f"crmcourse autograde {CHAPTER} --skip-graded" in out
    first = (course / "submitted" / "alice" / CHAPTER / f"{CHAPTER}.ipynb").read_bytes()
    bob_stamp = (course / "submitted" / "bob" / CHAPTER / "timestamp.txt").read_text()

    changed = teacher()
    changed.cells.append(nbformat.v4.new_markdown_cell("改过了"))
    nbformat.write(changed, str(inbox / "alice.ipynb"))
    os.utime(inbox / "bob.ipynb")  # touched, same content
    code, out, _ = run_main(capsys, "--course", str(course), "collect", CHAPTER, "--from", str(inbox))
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ") and line.split()}
    assert "替换了之前收取的那份" in lines["alice"] and ".replaced/" in lines["alice"]
    assert "没有改动" in lines["bob"]
    assert "新提交 0 份，替换 1 份，未改动 1 份" in out
    kept = list((course / "submitted" / "alice" / ".replaced").glob(f"{CHAPTER}-*/{CHAPTER}.ipynb"))
    assert len(kept) == 1 and kept[0].read_bytes() == first
    assert (kept[0].parent / "timestamp.txt").is_file()
    assert "改过了" in (course / "submitted" / "alice" / CHAPTER / f"{CHAPTER}.ipynb").read_text(encoding="utf-8")
    assert (course / "submitted" / "bob" / CHAPTER / "timestamp.txt").read_text() == bob_stamp
    # nbgrader's own globs and autograde see only the current submissions
    assert A.submitted_students(course, CHAPTER) == ["alice", "bob"]
    found = glob.glob(str(course / "submitted" / "*" / "*"))
    assert sorted(Path(p).relative_to(course / "submitted").as_posix() for p in found) == \
        [f"alice/{CHAPTER}", f"bob/{CHAPTER}"]


def test_collect_rejects_another_chapter_and_corrupt_files_naming_the_student(tmp_path, capsys):
    course = course_with_two_chapters(tmp_path)
    inbox = tmp_path / "inbox"
    (inbox / "dave").mkdir(parents=True)
    nbformat.write(teacher(), str(inbox / "alice.ipynb"))
    nbformat.write(teacher(OTHER), str(inbox / "carol.ipynb"))
    (inbox / "dave" / "作业.ipynb").write_text('{"cells": [ 上传到一半', encoding="utf-8")
    (inbox / "erin.ipynb").write_bytes(b"")
    (inbox / "frank.ipynb").write_bytes(b"\xff\xfe not text")
    code, out, _ = run_main(capsys, "--course", str(course), "collect", CHAPTER, "--from", str(inbox))
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ") and line.split()}
    assert "新提交" in lines["alice"]
    assert "拒收" in lines["carol"] and f"是 {OTHER} 的 notebook" in lines["carol"] and f"不是 {CHAPTER} 的" in lines["carol"]
    assert "拒收" in lines["dave"] and "文件损坏" in lines["dave"] and "作业.ipynb" in lines["dave"]
    assert "文件是空的" in lines["erin"] and "不是 UTF-8" in lines["frank"]
    assert "拒收 4 份（carol, dave, erin, frank）" in out and "请让这几位学生重新提交" in out
    assert A.submitted_students(course, CHAPTER) == ["alice"]
    assert not (course / "submitted" / "carol").exists()


def _exchange_submission(exchange: Path, student: str, chapter: str, nb, when: str) -> None:
    folder = exchange / "crm" / "inbound" / f"{student}+{chapter}+{when}+abc{len(when)}{student}"
    folder.mkdir(parents=True)
    nbformat.write(nb, str(folder / f"{chapter}.ipynb"))
    (folder / "timestamp.txt").write_text(when)


def test_collect_from_the_exchange_reports_keeps_and_rejects(tmp_path, monkeypatch, capsys):
    course = course_with_two_chapters(tmp_path)
    exchange = tmp_path / "exchange"
    monkeypatch.setenv("CRM_EXCHANGE", str(exchange))
    monkeypatch.setenv("PATH", tool_env()["PATH"])
    code, _, _ = run_main(capsys, "--course", str(course), "collect", CHAPTER)
    assert "还没有这门课的收件箱" in code and f"crmcourse release {CHAPTER} --exchange" in code

    _exchange_submission(exchange, "alice", CHAPTER, teacher(), "2026-03-01 08:00:00.000000 UTC")
    _exchange_submission(exchange, "bob", CHAPTER, teacher(OTHER), "2026-03-01 08:00:00.000000 UTC")
    code, out, _ = run_main(capsys, "--course", str(course), "collect", CHAPTER)
    assert code == 0, code
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ") and line.split()}
    assert "新提交" in lines["alice"]
    assert "拒收" in lines["bob"] and f"是 {OTHER} 的 notebook" in lines["bob"] and ".rejected/" in lines["bob"]
    assert A.submitted_students(course, CHAPTER) == ["alice"]
    first = (course / "submitted" / "alice" / CHAPTER / f"{CHAPTER}.ipynb").read_bytes()

    newer = teacher()
    newer.cells.append(nbformat.v4.new_markdown_cell("第二次提交"))
    _exchange_submission(exchange, "alice", CHAPTER, newer, "2026-03-02 08:00:00.000000 UTC")
    # without --update nbgrader leaves alice's first submission: the report says a newer one waits
    inbound, submitted = exchange / "crm" / "inbound", course / "submitted"
    assert _newer_in_exchange(inbound, submitted, CHAPTER, ["alice", "bob"]) == ["alice"]
    assert "更新的提交，没有收取：加 --update" in Collected(CHAPTER, waiting=["alice"]).lines()[0]
    code, out, _ = run_main(capsys, "--course", str(course), "collect", CHAPTER, "--update")
    assert "替换了之前收取的那份" in out
    kept = list((course / "submitted" / "alice" / ".replaced").glob(f"{CHAPTER}-20260301-*/{CHAPTER}.ipynb"))
    assert len(kept) == 1 and kept[0].read_bytes() == first
    assert "第二次提交" in (course / "submitted" / "alice" / CHAPTER / f"{CHAPTER}.ipynb").read_text(encoding="utf-8")
    # bob's rejected notebook is collected again each time, and kept once
    assert len(list((course / "submitted" / "bob" / ".rejected").iterdir())) == 1
    assert not list((course / "submitted").glob(".collect-*"))


# ---------------------------------------------------------------- autograde and feedback say why

def test_failure_reason_comes_from_the_nbgrader_log(tmp_path):
    (tmp_path / "nbgrader.log").write_text(
        "[Autograde | INFO] Converting notebook x.ipynb\n"
        "[Autograde | ERROR] There was an error processing assignment: /w/submitted/a/00\n"
        "[Autograde | ERROR] Traceback (most recent call last):\n"
        '  File "/x/base.py", line 1, in convert\n'
        "    raise ValueError('x')\n"
        "jsonschema.exceptions.ValidationError: Notebook failed to validate\n"
        "[Autograde | ERROR] Please see the the above traceback for details on the specific errors.\n",
        encoding="utf-8")
    raw = {"error": "NbGraderException: Please see the the above traceback for details", "work": str(tmp_path),
           "log_tail": "[Autograde | ERROR] Please see the the above traceback"}
    assert A.failure_reason(raw) == "nbgrader 报错：jsonschema.exceptions.ValidationError: Notebook failed to validate"
    assert A.failure_reason({"error": "提交文件夹不可用：是符号链接"}) == "提交文件夹不可用：是符号链接"
    assert A.last_exception("no traceback here") == ""


def test_result_line_counts_only_written_answers_still_ungraded():
    cells = {"code": {"score": 2.0, "max": 2.0, "type": "code", "pending": False},
             "w1": {"score": 0.0, "max": 3.0, "type": "markdown", "pending": True},
             "w2": {"score": 1.0, "max": 4.0, "type": "markdown", "pending": False}}
    r = A.Result("alice", "ok", score=3, max_score=9, auto_score=2, auto_max=2, cells=cells)
    assert "书面题 3 分待人工批改" in r.line()
    cells["w1"]["pending"] = False
    assert "待人工批改" not in r.line()


def test_feedback_lists_the_students_who_got_none_and_why(tmp_path, monkeypatch, capsys):
    import crmcourse.nbgrader_cli

    course = new_course(tmp_path / "course", CHAPTER)
    for student, text in (("alice", None), ("bob", "{ broken"), ("carol", None)):
        folder = course / "submitted" / student / CHAPTER
        folder.mkdir(parents=True)
        if text is None:
            nbformat.write(teacher(), str(folder / f"{CHAPTER}.ipynb"))
        else:
            (folder / f"{CHAPTER}.ipynb").write_text(text)
    (course / "autograded" / "alice" / CHAPTER).mkdir(parents=True)

    def fake_nbgrader(course_dir, *args, **kwargs):
        assert args[0] == "generate_feedback"
        page = Path(course_dir) / "feedback" / "alice" / CHAPTER / f"{CHAPTER}.html"
        page.parent.mkdir(parents=True)
        page.write_text("<p>反馈</p>", encoding="utf-8")
    monkeypatch.setattr(crmcourse.nbgrader_cli, "run", fake_nbgrader)
    code, out, _ = run_main(capsys, "--course", str(course), "feedback", CHAPTER)
    assert code == 0
    assert "已生成 1 份反馈" in out and "这 2 位学生没有反馈" in out
    lines = {line.split("：")[0].strip(): line for line in out.splitlines() if line.startswith("  ")}
    assert "提交的文件损坏" in lines["bob"]
    assert "没有批改结果" in lines["carol"] and f"crmcourse autograde {CHAPTER} --student carol" in lines["carol"]


def test_feedback_for_some_students_regenerates_only_theirs(tmp_path, monkeypatch, capsys):
    """`feedback --student a --student b`: one nbgrader run per student named, nobody else's page touched."""
    import crmcourse.nbgrader_cli

    course = new_course(tmp_path / "course", CHAPTER)
    for student in ("alice", "bob", "carol"):
        (course / "autograded" / student / CHAPTER).mkdir(parents=True)
    old = course / "feedback" / "carol" / CHAPTER / f"{CHAPTER}.html"
    old.parent.mkdir(parents=True)
    old.write_text("<p>旧的反馈</p>", encoding="utf-8")
    calls = []

    def fake_nbgrader(course_dir, *args, **kwargs):
        calls.append(args)
        students = [a.split("=", 1)[1] for a in args if a.startswith("--student=")]
        assert args[:3] == ("generate_feedback", CHAPTER, "--force") and len(students) == 1
        page = Path(course_dir) / "feedback" / students[0] / CHAPTER / f"{CHAPTER}.html"
        page.parent.mkdir(parents=True)
        page.write_text("<p>反馈</p>", encoding="utf-8")
    monkeypatch.setattr(crmcourse.nbgrader_cli, "run", fake_nbgrader)
    code, out, _ = run_main(capsys, "--course", str(course), "feedback", CHAPTER, "--student", "alice",
                            "--student", "bob")
    assert code == 0, out
    assert sorted(args[-1] for args in calls) == ["--student=alice", "--student=bob"]
    assert "已生成 2 份反馈" in out and "没有反馈" not in out
    assert old.read_text(encoding="utf-8") == "<p>旧的反馈</p>"


# ---------------------------------------------------------------- export

def _gradebook(course: Path) -> None:
    import warnings

    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        gb.add_assignment(CHAPTER)
        gb.add_notebook(CHAPTER, CHAPTER)
        gb.add_grade_cell("ex_code", CHAPTER, CHAPTER, max_score=2, cell_type="code")
        gb.add_grade_cell("ex_written", CHAPTER, CHAPTER, max_score=3, cell_type="markdown")
        for student in ("ok", "broken", "failed", "absent"):
            gb.add_student(student)
        for student in ("ok", "broken", "failed"):
            gb.add_submission(CHAPTER, student)
        gb.find_grade("ex_code", CHAPTER, CHAPTER, "ok").auto_score = 2
        gb.find_grade("ex_code", CHAPTER, CHAPTER, "broken").auto_score = 0
        gb.db.commit()
    for student, text in (("ok", None), ("broken", "{ not json"), ("failed", None), ("late", None)):
        folder = course / "submitted" / student / CHAPTER
        folder.mkdir(parents=True)
        if text is None:
            nbformat.write(teacher(), str(folder / f"{CHAPTER}.ipynb"))
        else:
            (folder / f"{CHAPTER}.ipynb").write_text(text)
    (course / "autograded" / "ok" / CHAPTER).mkdir(parents=True)


def test_export_status_column_blank_ungraded_cells_and_ignored_default_output(tmp_path, monkeypatch, capsys):
    from nbgrader.api import Gradebook

    monkeypatch.setenv("PATH", tool_env()["PATH"])  # nbgrader runs `alembic` by name
    course = new_course(tmp_path / "course", CHAPTER)
    _gradebook(course)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    code, out, _ = run_main(capsys, "--course", str(course), "export")
    assert code == 0
    written = list((course / "exports").glob("grades-*.csv"))
    assert len(written) == 1 and str(written[0]) in out
    untracked = subprocess.run(["git", "-C", str(tmp_path), "status", "--porcelain", "--untracked-files=all"],
                               capture_output=True, text=True, check=True).stdout
    assert "exports" not in untracked and "grades" not in untracked
    rows = {r["student"]: r for r in csv.DictReader(written[0].open(encoding="utf-8-sig"))}
    assert {s: r["status"] for s, r in rows.items()} == {
        "ok": "正常", "broken": "损坏", "failed": "批改失败", "late": "未批改", "absent": "未提交"}
    assert (rows["ok"]["ex_code"], rows["ok"]["ex_written"], rows["ok"]["score"]) == ("2", "", "2")
    assert (rows["failed"]["ex_code"], rows["failed"]["score"]) == ("", "")
    assert (rows["absent"]["score"], rows["absent"]["max_score"], rows["absent"]["ex_code"]) == ("0", "5", "")
    assert written[0].read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese as UTF-8

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.find_grade("ex_written", CHAPTER, CHAPTER, "ok").manual_score = 0
        gb.db.commit()
    out_file = tmp_path / "g.csv"
    run_main(capsys, "--course", str(course), "export", "-o", str(out_file))
    rows = {r["student"]: r for r in csv.DictReader(out_file.open(encoding="utf-8-sig"))}
    assert rows["ok"]["ex_written"] == "0"  # graded: 0 is a grade now
    assert A.scores(course, CHAPTER, "ok")["ex_written"]["pending"] is False


# ---------------------------------------------------------------- Ctrl-C during autograde

def _read_until(fd: int, proc: subprocess.Popen, done, seconds: float) -> bytes:
    """What a terminal shows from ``fd`` until ``done(text)`` holds, the process ends or time runs out."""
    import select

    data, deadline = b"", time.monotonic() + seconds
    while time.monotonic() < deadline and not done(data.decode("utf-8", "replace")):
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: every writer has gone
                break
            if not chunk:
                break
            data += chunk
        elif proc.poll() is not None:
            break
    return data


def test_ctrl_c_during_autograde_stops_cleanly_and_removes_its_temporary_folder(tmp_path):
    """In a terminal (a pty, 120 columns): the progress bar stays below the result lines; Ctrl-C after the
    first result stops grading with a Chinese line, exit code 130, no traceback, nothing left in TMPDIR."""
    import fcntl
    import pty
    import struct
    import termios

    course = new_course(tmp_path / "course", CHAPTER)
    for student in ("a1", "a2", "a3", "a4"):
        folder = course / "submitted" / student / CHAPTER
        folder.mkdir(parents=True)
        nbformat.write(teacher(), str(folder / f"{CHAPTER}.ipynb"))
        (folder / "timestamp.txt").write_text(STAMP)
    tmp = tmp_path / "tmp"  # this run's temporary folders, and no one else's
    tmp.mkdir()
    env = dict(tool_env(), TMPDIR=str(tmp))
    env.pop("COLUMNS", None)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "crmcourse.cli", "--course", str(course), "autograde", CHAPTER,
                             "--jobs", "1", "--no-sandbox"],
                            stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    try:
        # Ctrl-C once the first result line is complete and the bar is drawn again below it.
        shown = _read_until(master, proc, lambda text: re.search(r" 分（自动评分[^\n]*\n[^\n]*%\|", text), 600)
        assert b" \xe5\x88\x86\xef\xbc\x88" in shown, shown.decode("utf-8", "replace")
        assert list(tmp.glob("crm-autograde-*")), "grading did not use the temporary folder it should remove"
        os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        shown += _read_until(master, proc, lambda text: False, 60)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)
    text = shown.decode("utf-8", "replace")
    assert proc.returncode == 130, text
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text
    assert "已中断" in text and "已完成 1 份（共 4 份）" in text and f"crmcourse autograde {CHAPTER} --skip-graded" in text
    assert not list(tmp.glob("crm-autograde-*")), "the copy of the gradebook (solutions) was left behind"
    import psutil
    left = [p.pid for p in psutil.process_iter(["cmdline"]) if str(course) in " ".join(p.info["cmdline"] or [])]
    assert not left, "grading processes left running"
    # The bar was drawn, and each result line is a line of its own with the bar redrawn after it.
    assert f"批改 {CHAPTER}:" in text
    screen = [line.split("\r")[-1] for line in text.replace("\r\n", "\n").split("\n")]
    results = [line for line in screen if " 分（自动评分" in line]
    assert results and all(line.startswith("a1 ") and "%|" not in line for line in results), screen


# ---------------------------------------------------------------- make lab: exchange, port, banner

def test_local_exchange_is_created_only_for_the_default(tmp_path):
    repo = tmp_path / "repo"
    new_course(repo / "assignments", CHAPTER)
    assert ensure_local_exchange(repo, env={"CRM_EXCHANGE": str(tmp_path / "shared")}) is None
    assert not (tmp_path / "shared").exists() and not (repo / "assignments" / "exchange").exists()
    assert ensure_local_exchange(repo, env={}) == repo / "assignments" / "exchange"
    assert (repo / "assignments" / "exchange").is_dir()
    assert ensure_local_exchange(repo, env={}) is None  # already there
    assert ensure_local_exchange(tmp_path / "student-edition", env={}) is None


def test_busy_port_gets_a_chinese_hint(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert "make lab PORT=9000" in port_problem(port)
        done = subprocess.run([sys.executable, "-m", "crmcourse.launch_lab", "--port", str(port), "--repo", str(tmp_path),
                               "--", sys.executable, "-c", "raise SystemExit('must not start')"],
                              capture_output=True, text=True, env=tool_env(), timeout=60)
    fails_in_chinese(done, f"端口 {port} 已被占用", "make lab PORT=9000")
    assert "must not start" not in done.stderr
    assert "token=abc" in banner(8888, "abc") and "Ctrl-C" in banner(8888, "abc")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_lab_launcher_prints_a_banner_with_the_token_and_stops_on_one_ctrl_c(tmp_path):
    repo = tmp_path / "repo"
    new_course(repo / "assignments", CHAPTER)
    port = _free_port()
    env = dict(tool_env(), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"))
    env.pop("JUPYTER_TOKEN", None)
    env.pop("CRM_EXCHANGE", None)
    command = [sys.executable, "-m", "crmcourse.launch_lab", "--port", str(port), "--repo", str(repo), "--",
               str(BIN / "jupyter"), "lab", "--no-browser", "--allow-root", f"--port={port}",
               "--ServerApp.port_retries=0", f"--ServerApp.root_dir={repo}"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    lines = []
    try:
        deadline = time.monotonic() + 120
        for line in proc.stdout:
            lines.append(line)
            if "停止" in line or time.monotonic() > deadline:
                break
        text = "".join(lines)
        assert "JupyterLab 已启动" in text and "按 Ctrl-C" in text, text + proc.stderr.read() if proc.poll() else text
        assert (repo / "assignments" / "exchange").is_dir() and "已创建 exchange 文件夹" in text
        address = next(word for line in lines for word in line.split() if word.startswith("http://"))
        assert address.startswith(f"http://localhost:{port}/?token=") and len(address.split("=")[1]) >= 32
        with urllib.request.urlopen(address.replace("/?", "/api/status?"), timeout=10) as answer:
            assert answer.status == 200
        with pytest.raises(urllib.error.HTTPError):  # without the token: refused
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=10)
        os.killpg(proc.pid, signal.SIGINT)  # one Ctrl-C: no English "Shut down (y/[n])?" prompt
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 0, err
    assert "JupyterLab 已停止" in out and "Shut down this Jupyter server" not in out + err
    assert "[I " not in err  # the INFO log lines are gone (CRM_LAB_LOG=INFO shows them)
