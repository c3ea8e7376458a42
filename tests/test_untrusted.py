"""Hostile folders: copying back, collecting and output limits take regular files and bounded bytes only.

No grading here (fast): crmcourse.untrusted on folders full of links, FIFOs, loops and deep
trees; ``crmcourse collect --from`` refusing a link to the teacher version; the copy-back of
crmcourse.autograde; crmcourse.limits on huge outputs of every type. The real grading runs
with the same attacks are in tests/test_sandbox.py.
"""
from __future__ import annotations

import hashlib
import os
import socket
import stat
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode

from conftest import COURSE, new_course
from crmcourse import untrusted
from crmcourse.limits import MARK, LimitOutputBytes, cap_output, cap_outputs, cell_was_cut, output_size

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="FIFOs, O_NOFOLLOW and /proc are Linux")
CHAPTER = "00_getting_started"


def fingerprint(path: Path) -> tuple[str, int]:
    st = os.lstat(path)
    return hashlib.sha256(path.read_bytes()).hexdigest(), stat.S_IMODE(st.st_mode)


def hostile_folder(folder: Path, canary: Path, *, depth: int = 300) -> None:
    """Everything a kernel (or a student packing an archive) can leave in a folder."""
    folder.mkdir(parents=True)
    (folder / "answer.ipynb").write_text("{}")
    (folder / "data").mkdir()
    (folder / "data" / "table.csv").write_text("a,b\n1,2\n")
    os.symlink(canary, folder / "canary-link")
    os.symlink(canary.parent, folder / "outside-dir")
    os.symlink("loop-b", folder / "loop-a")
    os.symlink("loop-a", folder / "loop-b")
    os.mkfifo(folder / "pipe.ipynb")
    here = os.getcwd()
    os.chdir(folder)  # a socket path is limited to 108 bytes
    try:
        server = socket.socket(socket.AF_UNIX)
        server.bind("sock")
        server.close()
    finally:
        os.chdir(here)
    deep = folder
    for _ in range(depth):
        deep = deep / "d"
    os.makedirs(deep)
    (deep / "bottom.txt").write_text("deep")
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "answer-checkpoint.ipynb").write_text("{}")


@pytest.fixture
def canary(tmp_path):
    path = tmp_path / "outside" / "canary.txt"
    path.parent.mkdir()
    path.write_text("the teacher's secret")
    path.chmod(0o600)
    return path


def test_copy_tree_takes_regular_files_only(tmp_path, canary):
    src = tmp_path / "src"
    hostile_folder(src, canary)
    before = fingerprint(canary)
    copied = untrusted.copy_tree(src, tmp_path / "dest")
    assert sorted(copied.files) == ["answer.ipynb", "data/table.csv"]
    refused = dict(copied.refused)
    assert refused["canary-link"].startswith("是符号链接")
    assert refused["outside-dir"].startswith("是符号链接")
    assert refused["loop-a"].startswith("是符号链接") and refused["loop-b"].startswith("是符号链接")
    assert "FIFO" in refused["pipe.ipynb"]
    assert "套接字" in refused["sock"]
    deep = [path for path in refused if path.startswith("d/")]
    assert len(deep) == 1 and "层级过深" in refused[deep[0]] and deep[0].count("/") == 9
    assert ".ipynb_checkpoints" not in str(copied.files) + str(copied.refused)
    for path in (tmp_path / "dest").rglob("*"):
        assert not path.is_symlink() and (path.is_dir() or path.is_file())
    assert fingerprint(canary) == before
    assert "未取回" in copied.describe() and "canary-link（是符号链接" in copied.describe(limit=10)


def test_copy_tree_limits_count_and_bytes(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(5):
        (src / f"f{i}.txt").write_bytes(b"x" * 1000)
    (src / "huge.bin").write_bytes(b"y" * 5000)
    limits = untrusted.CopyLimits(max_files=3, max_file_bytes=2000, max_bytes=2500)
    copied = untrusted.copy_tree(src, tmp_path / "dest", limits)
    assert copied.files == ["f0.txt", "f1.txt"] and copied.bytes == 2000
    reasons = dict(copied.refused)
    assert "文件过大" in reasons["huge.bin"]
    assert "总大小" in reasons["f2.txt"]


def test_a_link_is_never_opened_or_followed(tmp_path, canary):
    os.symlink(canary, tmp_path / "link.ipynb")
    os.mkfifo(tmp_path / "fifo")
    for name in ("link.ipynb", "fifo"):
        with pytest.raises(untrusted.Refused):
            untrusted.read_bytes(tmp_path / name)
    with pytest.raises(untrusted.Refused):  # the folder itself is a link
        untrusted.copy_tree(tmp_path / "link.ipynb", tmp_path / "dest")
    os.symlink(canary.parent, tmp_path / "student")
    with pytest.raises(untrusted.Refused, match="符号链接"):
        untrusted.open_dir(tmp_path, "student")
    assert untrusted.read_bytes(canary) == b"the teacher's secret"
    with pytest.raises(untrusted.Refused, match="文件过大"):
        untrusted.read_bytes(canary, max_bytes=4)
    untrusted.remove(tmp_path / "student")  # the link goes, never its target
    assert not os.path.lexists(tmp_path / "student") and canary.is_file()


def test_copy_back_replaces_a_link_without_following_it(tmp_path, canary):
    from crmcourse.autograde import copy_back

    result = tmp_path / "worker" / "autograded" / "alice" / CHAPTER
    hostile_folder(result, canary, depth=12)
    dest = tmp_path / "course" / "autograded" / "alice" / CHAPTER
    dest.parent.mkdir(parents=True)
    os.symlink(canary.parent, dest)  # an old dest that is a link: replaced, not written through
    before = fingerprint(canary)
    copied = copy_back(result, dest)
    assert not dest.is_symlink() and sorted(p.name for p in dest.iterdir()) == ["answer.ipynb", "d", "data"]
    assert "canary-link" in dict(copied.refused)
    assert fingerprint(canary) == before and sorted(p.name for p in canary.parent.iterdir()) == ["canary.txt"]
    assert not list(dest.parent.glob(".*incoming*"))


def test_timestamp_and_corrupt_checks_refuse_fifos_and_links(tmp_path, canary):
    from crmcourse.autograde import is_corrupt, read_timestamp

    folder = tmp_path / "submitted" / "alice" / CHAPTER
    folder.mkdir(parents=True)
    os.mkfifo(folder / "timestamp.txt")  # reading it would block the whole class
    text, problem = read_timestamp(folder)
    assert text == "" and "FIFO" in problem
    os.symlink(canary, folder / f"{CHAPTER}.ipynb")
    assert "符号链接" in is_corrupt(folder)


# ---------------------------------------------------------------- collect --from

def test_collect_from_refuses_links_and_names_them(tmp_path, canary, capsys):
    from crmcourse import cli

    course = new_course(tmp_path / "course", CHAPTER)
    teacher = COURSE / "source" / CHAPTER / f"{CHAPTER}.ipynb"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    nb = nbformat.v4.new_notebook()
    nbformat.write(nb, str(inbox / "carol.ipynb"))
    os.symlink(teacher, inbox / "alice.ipynb")          # the teacher version, full marks if graded
    (inbox / "bob").mkdir()
    os.mkfifo(inbox / "bob" / f"{CHAPTER}.ipynb")        # would block a plain copy
    os.symlink(tmp_path / "outside", inbox / "dave")     # a folder outside the inbox
    (inbox / "erin").mkdir()
    os.symlink(canary, inbox / "erin" / "homework.ipynb")
    before = fingerprint(teacher)
    cli.main(["--course", str(course), "collect", CHAPTER, "--from", str(inbox)])
    out = capsys.readouterr().out
    assert "拒收 alice.ipynb：是符号链接，不是普通文件" in out
    assert "拒收 bob/00_getting_started.ipynb：是命名管道（FIFO），不是普通文件" in out
    assert "拒收 dave：是符号链接，不是普通文件" in out
    assert "拒收 erin/homework.ipynb：是符号链接，不是普通文件" in out
    assert "拒收 4 个文件" in out
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["carol"]
    copied = course / "submitted" / "carol" / CHAPTER / f"{CHAPTER}.ipynb"
    assert copied.is_file() and not copied.is_symlink()
    assert fingerprint(teacher) == before


def test_collect_folder_still_reads_both_layouts(tmp_path):
    from crmcourse.collect import collect_folder

    inbox = tmp_path / "inbox"
    (inbox / "bob").mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nbformat.write(nb, str(inbox / "alice.ipynb"))
    nbformat.write(nb, str(inbox / "bob" / "homework.ipynb"))
    course = tmp_path / "course"
    assert sorted(collect_folder(course, "00_x", inbox)) == ["alice", "bob"]
    stamp = os.stat(inbox / "alice.ipynb").st_mtime
    from nbgrader.utils import parse_utc
    assert abs(parse_utc((course / "submitted" / "alice" / "00_x" / "timestamp.txt").read_text()).timestamp() - stamp) < 1


# ---------------------------------------------------------------- output byte limits

BIG = 50 * 1024 ** 2


def test_every_output_type_is_capped_by_bytes():
    limit = 1024 ** 2
    outputs = [
        NotebookNode(output_type="stream", name="stdout", text="x" * BIG),
        NotebookNode(output_type="stream", name="stderr", text="e" * BIG),
        NotebookNode(output_type="display_data", metadata={},
                     data={"text/plain": "<big>", "text/html": "<p>" + "h" * BIG, "image/png": "iVBOR" * 100}),
        NotebookNode(output_type="execute_result", execution_count=3, metadata={},
                     data={"application/json": {"k": ["v" * BIG]}}),
        NotebookNode(output_type="error", ename="ValueError", evalue="v" * BIG,
                     traceback=[f"line {i} " + "t" * 1000 for i in range(60000)] + ["ValueError: the end"]),
    ]
    for out in outputs:
        capped, cut = cap_output(out, limit)
        assert cut and output_size(capped) <= limit + 1024, out.output_type
        assert capped.output_type == out.output_type
        nbformat.validate(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[capped])]))
    stderr, _ = cap_output(outputs[1], limit)
    assert stderr.name == "stderr" and MARK in stderr.text  # nbgrader still scores a stderr test 0
    display, _ = cap_output(outputs[2], limit)
    assert set(display.data) == {"image/png", "text/plain"} and display.data["text/plain"].startswith("<big>")
    error, _ = cap_output(outputs[4], limit)
    assert error.ename == "ValueError" and error.traceback[-1] == "ValueError: the end"
    assert any(MARK in line for line in error.traceback)
    small = NotebookNode(output_type="stream", name="stdout", text="ok\n")
    assert cap_output(small, limit) == (small, False)


def test_the_preprocessor_caps_each_output_and_the_notebook():
    cells = [nbformat.v4.new_code_cell("print(big)", outputs=[
        NotebookNode(output_type="stream", name="stdout", text="y" * (3 * 1024 ** 2))]) for _ in range(8)]
    cells.append(nbformat.v4.new_code_cell("1", outputs=[
        NotebookNode(output_type="error", ename="ZeroDivisionError", evalue="x", traceback=["z" * 4096])]))
    nb = nbformat.v4.new_notebook(cells=cells)
    pre = LimitOutputBytes(max_bytes=1024 ** 2, max_total_bytes=5 * 1024 ** 2)
    nb, resources = pre.preprocess(nb, {})
    sizes = [sum(output_size(o) for o in c.outputs) for c in nb.cells]
    assert max(sizes) <= 1024 ** 2 + 1024 and sum(sizes) <= 5 * 1024 ** 2 + 8 * 1024
    assert all(cell_was_cut(c) for c in nb.cells[:8])
    assert nb.cells[-1].outputs[0].output_type == "error"  # still an error: still 0 points
    assert resources["crm_limits"]["output_cut"] == list(range(9))
    outs, used, cut = cap_outputs([NotebookNode(output_type="stream", name="stdout", text="ok")], 1024)
    assert not cut and used == 2


def test_the_course_configuration_caps_outputs_by_bytes():
    """LimitOutputBytes right after SafeExecute, and SafeExecute caps each cell as soon as it has run."""
    from nbformat.v4 import new_code_cell

    from crmcourse.grading import SafeExecute
    from crmcourse.launch import course_config
    from crmcourse.limits import LimitOutputBytes as Limit

    config = course_config(COURSE)
    pres = config.Autograde.autograde_preprocessors
    assert pres.index(Limit) == pres.index(SafeExecute) + 1 and pres.count(Limit) == 1
    config.LimitOutputBytes.max_bytes = 1000
    assert Limit(config=config).max_bytes == 1000
    cell = new_code_cell("print('x' * 10**7)")
    cell.outputs = [NotebookNode(output_type="stream", name="stdout", text="x" * 3 * 1024 ** 2)]
    SafeExecute(config=config).on_cell_executed(cell=cell, cell_index=0,
                                                execute_reply={"content": {"status": "ok"}})
    assert cell_was_cut(cell) and output_size(cell.outputs[0]) <= 1024 ** 2 + 1024


def test_cli_exit_code_says_some_failed(monkeypatch, tmp_path, capsys):
    from crmcourse import autograde, cli, sandbox

    course = new_course(tmp_path / "course", CHAPTER)
    results = [autograde.Result("ok-one", "ok"), autograde.Result("broken", "error", detail="x"),
               autograde.Result("slow", "budget", notes=["总运行时间达到 30 秒的上限"])]
    monkeypatch.setattr(autograde, "autograde", lambda *a, **k: results)
    monkeypatch.setattr(sandbox, "grading_sandbox", lambda **k: _NullBox())
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--course", str(course), "autograde", CHAPTER, "--time-budget", "30"])
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert "有 1 份没有得到自动评分：broken" in out
    assert "总运行时间达到 30 秒的上限" in results[2].line()
    monkeypatch.setattr(autograde, "autograde", lambda *a, **k: results[::2])
    cli.main(["--course", str(course), "autograde", CHAPTER])  # no failure: exit code 0


class _NullBox:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def test_default_time_budget_is_far_below_twenty_minutes():
    from crmcourse.autograde import default_time_budget

    assert default_time_budget(60) == 180 and default_time_budget(5) == 120


def test_the_execute_hook_caps_a_cell_as_soon_as_it_has_run():
    """``c.SafeExecute.on_cell_executed = cap_executed_cell``: the grading process does not keep
    every huge output until the notebook ends (a real, unsandboxed kernel: trusted code)."""
    from nbclient import NotebookClient

    from crmcourse.limits import OUTPUT_BYTES, cap_executed_cell

    seen = []

    def later(cell=None, cell_index=None, **_):
        seen.append((cell_index, sum(output_size(o) for nb_cell in nb.cells[:cell_index] for o in nb_cell.outputs)))

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('print("w" * (8 * 1024 ** 2))'),
                                         nbformat.v4.new_code_cell("1 + 1")])
    client = NotebookClient(nb, timeout=60, on_cell_executed=cap_executed_cell, on_cell_complete=later)
    client.execute()
    assert output_size(nb.cells[0].outputs[0]) <= OUTPUT_BYTES + 1024 and cell_was_cut(nb.cells[0])
    assert seen[-1][1] <= OUTPUT_BYTES + 1024


def test_a_hard_link_is_refused(tmp_path, canary):
    """A hard link is a regular file that is also somebody else's file: never taken."""
    src = tmp_path / "src"
    src.mkdir()
    os.link(canary, src / "answer.ipynb")
    (src / "own.txt").write_text("mine")
    copied = untrusted.copy_tree(src, tmp_path / "dest")
    assert copied.files == ["own.txt"]
    assert "硬链接" in dict(copied.refused)["answer.ipynb"]
    with pytest.raises(untrusted.Refused, match="硬链接"):
        untrusted.read_bytes(src / "answer.ipynb")


root_only = pytest.mark.skipif(os.geteuid() != 0, reason="the tools give up root only when they have it")


@root_only
def test_as_root_a_students_folder_is_read_with_the_students_rights(tmp_path):
    """Whatever root put into a student's folder that the student cannot read stays unread."""
    student = tmp_path / "alice"
    student.mkdir()
    (student / "answer.ipynb").write_text("{}")
    (student / "sub").mkdir()
    (student / "sub" / "notes.txt").write_text("notes")
    for path in (student, student / "answer.ipynb", student / "sub", student / "sub" / "notes.txt"):
        os.chown(path, 4242, 4242)
    (student / "root-only.txt").write_text("the teacher's secret")
    (student / "root-only.txt").chmod(0o600)
    copied = untrusted.copy_tree(student, tmp_path / "dest")
    assert copied.files == ["answer.ipynb", "sub/notes.txt"]
    assert dict(copied.refused)["root-only.txt"] == "无法打开（没有读取权限）"
    assert not (tmp_path / "dest" / "root-only.txt").exists()
    with pytest.raises(untrusted.Refused, match="没有读取权限"):
        untrusted.read_bytes(student / "root-only.txt")
    # what the tools write stays theirs: the copy belongs to this process, not to the student
    assert {p.stat().st_uid for p in (tmp_path / "dest").rglob("*")} == {0}


@root_only
def test_the_reading_child_is_not_root_and_can_change_nothing(tmp_path, canary):
    from crmcourse import unprivileged

    def probe():
        status = dict(line.split(":\t", 1) for line in Path("/proc/self/status").read_text().splitlines()
                      if ":\t" in line)
        record = {"uid": os.getuid(), "euid": os.geteuid(), "groups": os.getgroups(),
                  "caps": int(status["CapEff"].strip(), 16), "read": Path(canary).read_text()}
        for attempt in (lambda: open(canary, "a"), lambda: os.chmod(canary, 0o666), lambda: os.unlink(canary),
                        lambda: (tmp_path / "new").write_text("x")):
            try:
                attempt()
                record["changed"] = True
            except PermissionError:
                pass
        yield record, b""

    root_folder = os.open(tmp_path, os.O_RDONLY)
    try:
        reader = unprivileged.reader_of(root_folder)
    finally:
        os.close(root_folder)
    assert reader.read_all and reader.uid >= 2_000_000_000
    ((record, _),) = list(unprivileged.stream(probe, reader))
    assert record["uid"] == record["euid"] == reader.uid and record["groups"] == []
    assert record["caps"] == 1 << unprivileged.CAP_DAC_READ_SEARCH  # may read, nothing else
    assert record["read"] == "the teacher's secret" and "changed" not in record
    assert canary.read_text() == "the teacher's secret" and stat.S_IMODE(canary.stat().st_mode) == 0o600

    owned = unprivileged.Reader(4242, 4242, read_all=False)
    with pytest.raises(PermissionError):  # the owner's rights only: the canary is root's
        list(unprivileged.stream(probe, owned))


def test_a_failing_reader_is_reported_not_hung(tmp_path):
    from crmcourse import unprivileged

    def broken():
        yield {"kind": "file"}, b"x"
        raise ValueError("boom")

    reader = unprivileged.Reader(4242, 4242, read_all=False)
    if os.geteuid() != 0:
        pytest.skip("stream forks a child only as root")
    with pytest.raises(OSError, match="boom"):
        list(unprivileged.stream(broken, reader))
