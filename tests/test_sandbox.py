"""Grading sandbox: hostile submissions graded by the real nbgrader cannot escape their folder.

One small class is graded twice with chapter 00: sandboxed with ``crmcourse autograde`` (honest
students plus a thief and a vandal) and unsandboxed with stock ``nbgrader autograde`` (the honest
students plus the thief, whose attacks only read). The
thief's answer cells steal the solution (source notebook found by walking up, source notebook
by absolute path, gradebook, another student's submission); the vandal's try to write outside
their folder, reach a TCP server on the grading machine's localhost, allocate 10 GB and fork
without end. An attack that works yields the right answer (full points), one that is stopped
raises in its answer cell (0 points, the error visible in the graded notebook).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from conftest import COURSE, REPO, new_course, tool_env
from crmcourse import sandbox
from crmcourse.errors import CourseError

CHAPTER = "00_getting_started"

pytestmark = [
    pytest.mark.xdist_group("sandbox"),
    pytest.mark.skipif(sys.platform != "linux", reason="评分沙箱基于 Linux 的 bubblewrap"),
]

# ---------------------------------------------------------------- the attacks (answer-cell code)

STEAL = '''
import json as _json, re as _re
for _cell in _json.loads(_source.read_text(encoding="utf-8"))["cells"]:
    if _cell.get("metadata", {{}}).get("nbgrader", {{}}).get("grade_id") == "{gid}":
        exec(_re.search(r"### BEGIN SOLUTION\\n(.*?)### END SOLUTION", "".join(_cell["source"]), _re.S).group(1))
'''

WALK_UP = '''
import os
from pathlib import Path
_starts = [Path.cwd()]
try:  # the grading process's own working folder
    _starts.append(Path(os.readlink(f"/proc/{{os.getppid()}}/cwd")))
except OSError:
    pass
_source = None
for _folder in [_f for _s in _starts for _f in (_s, *_s.parents)]:
    _candidate = _folder / "source" / "{chapter}" / "{chapter}.ipynb"
    if _candidate.is_file():
        _source = _candidate
        break
if _source is None:
    raise FileNotFoundError("walk-up: no source notebook above " + str(_starts))
''' + STEAL

ABSOLUTE = '''
from pathlib import Path
_source = Path("{course}/source/{chapter}/{chapter}.ipynb")
_source.read_text(encoding="utf-8")
''' + STEAL

GRADEBOOK = '''
import sqlite3
from pathlib import Path
_dbs = [Path("{course}/gradebook.db")] + [_f / _n for _f in (Path.cwd(), *Path.cwd().parents)
                                          for _n in ("gradebook.db", "db/gradebook.db")]
_db = next((_p for _p in _dbs if _p.is_file()), _dbs[0])
_con = sqlite3.connect(f"file:{{_db}}?mode=ro", uri=True)
_tables = _con.execute("select name from sqlite_master").fetchall()
_hidden = _con.execute("select source from source_cell").fetchall()
{solution}
'''

OTHER_STUDENT = '''
import os
from pathlib import Path
_everyone = os.listdir("{course}/submitted")
_theirs = Path("{course}/submitted/full/{chapter}/{chapter}.ipynb").read_text(encoding="utf-8")
_neighbours = [p for p in Path.cwd().parent.parent.iterdir() if p.name != "thief"]
{solution}
'''

WRITE_OUTSIDE = '''
from pathlib import Path
_written = []
for _target in {targets!r}:
    try:
        Path(_target).write_text("written by a submission")
        _written.append(_target)
    except OSError as _error:
        _last = _error
Path("/tmp/{marker}").write_text("inside the sandbox /tmp is private")
if not _written:
    raise _last
{solution}
'''

NETWORK = '''
import socket
_conn = socket.create_connection(("127.0.0.1", {port}), timeout=5)
_conn.sendall(b"stolen")
{solution}
'''

MEMORY = '''
_big = bytearray(10 * 1024 ** 3)
{solution}
'''

FORK_BOMB = '''
import os, time
_children = 0
while _children < 1000:
    if os.fork() == 0:
        time.sleep(30)
        os._exit(0)
    _children += 1
{solution}
'''

# grade_id order of chapter 00's answers: members, revenue, channel, top
THIEF = (WALK_UP, ABSOLUTE, GRADEBOOK, OTHER_STUDENT)
VANDAL = (WRITE_OUTSIDE, NETWORK, MEMORY, FORK_BOMB)
# What each stopped attack raises in the graded notebook.
THIEF_ERRORS = ({"FileNotFoundError"}, {"FileNotFoundError", "PermissionError"}, {"OperationalError"},
                {"FileNotFoundError", "PermissionError"})
VANDAL_ERRORS = ({"FileNotFoundError", "PermissionError", "OSError"}, {"ConnectionRefusedError", "OSError"},
                 {"MemoryError"}, {"BlockingIOError"})


# ---------------------------------------------------------------- helpers

def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    """Stock nbgrader, unsandboxed."""
    return subprocess.run([sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"],
                          cwd=course, env=tool_env(), capture_output=True, text=True, timeout=600)


def finish(process: subprocess.Popen) -> subprocess.CompletedProcess:
    stdout, stderr = process.communicate(timeout=600)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def answer_ids(nb) -> list[str]:
    return [meta(c)["grade_id"] for c in nb.cells if c.cell_type == "code" and meta(c).get("solution")]


def solutions(source) -> dict[str, str]:
    return {meta(c)["grade_id"]: re.search(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", c.source, re.S).group(1)
            for c in source.cells if c.cell_type == "code" and meta(c).get("solution")}


def submit(course: Path, student: str, answers: dict[str, str]) -> None:
    nb = nbformat.read(course / "release" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and meta(cell).get("grade_id") in answers:
            cell.source = answers[meta(cell)["grade_id"]]
    folder = course / "submitted" / student / CHAPTER
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{CHAPTER}.ipynb")


def scores(course: Path, students) -> dict[str, dict[str, float]]:
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        out = {}
        for student in students:
            notebook = gb.find_submission_notebook(CHAPTER, CHAPTER, student)
            out[student] = {g.name: g.score for g in notebook.grades if g.auto_score is not None}
        return out


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file below ``folder`` (gradebook.db excluded: grading writes it)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "gradebook.db"}


def cell_errors(course: Path, student: str, grade_id: str) -> set[str]:
    nb = nbformat.read(course / "autograded" / student / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if meta(c).get("grade_id") == grade_id)
    return {o.get("ename") for o in cell.get("outputs", []) if o.get("output_type") == "error"}


class Listener:
    """A TCP server on the grading machine's localhost that counts connections."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


# ---------------------------------------------------------------- the graded class

@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    assert sandbox.check() is None, sandbox.check()
    base = tmp_path_factory.mktemp("sandbox")
    boxed, plain = base / "boxed", base / "plain"
    new_course(boxed, CHAPTER)
    result = nbgrader(boxed, "generate_assignment", CHAPTER, "--force")
    assert result.returncode == 0, result.stderr
    shutil.copytree(boxed, plain)

    source = nbformat.read(boxed / "source" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    ids = answer_ids(source)[:4]
    solution = solutions(source)
    listener = Listener()
    marker = f"crm-sandbox-test-{uuid.uuid4().hex}"
    crmlib_dir = REPO / "crmlib"

    def attacks(course: Path, kinds) -> dict[str, str]:
        targets = [course / "PWNED.txt", course / "source" / CHAPTER / "PWNED.txt",
                   course / "submitted" / "full" / CHAPTER / "PWNED.txt",
                   course / "autograded" / "vandal" / "PWNED.txt", crmlib_dir / f"{marker}.txt"]
        fields = {"course": course, "chapter": CHAPTER, "port": listener.port, "marker": marker,
                  "targets": [str(t) for t in targets]}
        return {gid: kind.format(gid=gid, solution=solution[gid], **fields) for gid, kind in zip(ids, kinds)}

    honest = {"full": solution, "partial": {ids[0]: solution[ids[0]]}, "blank": {}}
    for course in (boxed, plain):
        for student, answers in honest.items():
            submit(course, student, answers)
        submit(course, "thief", attacks(course, THIEF))
    submit(boxed, "vandal", attacks(boxed, VANDAL))  # never run without the sandbox

    before = snapshot(boxed)
    # Sandboxed: `crmcourse autograde` (parallel workers); unsandboxed: stock `nbgrader autograde`.
    # Both at once: the test stays fast.
    boxed_process = subprocess.Popen(
        [sys.executable, "-m", "crmcourse.cli", "--course", str(boxed), "autograde", CHAPTER, "--jobs", "2",
         "--no-progress"], cwd=boxed, env=tool_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    plain_run = nbgrader(plain, "autograde", CHAPTER, "--create", "--SafeExecute.allow_unsandboxed=True")
    boxed_run = finish(boxed_process)
    students = [*honest, "thief"]
    yield {"boxed": boxed, "plain": plain, "ids": ids, "before": before, "marker": marker,
           "crmlib_dir": crmlib_dir, "listener": listener, "boxed_run": boxed_run, "plain_run": plain_run,
           "boxed_scores": scores(boxed, [*students, "vandal"]), "plain_scores": scores(plain, students)}
    for stray in (crmlib_dir / f"{marker}.txt", Path("/tmp") / marker):
        stray.unlink(missing_ok=True)


def test_grading_ran(graded):
    assert graded["boxed_run"].returncode == 0, graded["boxed_run"].stdout[-2000:] + graded["boxed_run"].stderr[-3000:]
    assert graded["plain_run"].returncode == 0, graded["plain_run"].stderr[-3000:]


def test_honest_students_get_the_same_grades_sandboxed(graded):
    boxed, plain = graded["boxed_scores"], graded["plain_scores"]
    for student in ("full", "partial", "blank"):
        assert boxed[student] == plain[student], student
    full = boxed["full"]
    assert all(full[f"{gid}_tests"] > 0 for gid in graded["ids"])
    assert sum(boxed["partial"].values()) == full[f"{graded['ids'][0]}_tests"]
    assert sum(boxed["blank"].values()) == 0


def test_the_thief_succeeds_without_the_sandbox(graded):
    """The attacks are real: unsandboxed they steal full marks (so the sandboxed zero means something)."""
    plain = graded["plain_scores"]
    for gid in graded["ids"]:
        assert plain["thief"][f"{gid}_tests"] == plain["full"][f"{gid}_tests"] > 0, gid


@pytest.mark.parametrize("student,errors", [("thief", THIEF_ERRORS), ("vandal", VANDAL_ERRORS)])
def test_every_attack_fails_and_shows_in_the_graded_notebook(graded, student, errors):
    got = graded["boxed_scores"][student]
    for gid, expected in zip(graded["ids"], errors):
        assert got[f"{gid}_tests"] == 0, f"{student}: {gid}"
        found = cell_errors(graded["boxed"], student, gid)
        assert found & expected, f"{student}: {gid} shows {found or 'no error'}, expected one of {expected}"


def test_nothing_outside_the_students_folders_changed(graded):
    boxed = graded["boxed"]
    after = snapshot(boxed)
    changed = {k for k in graded["before"] if after.get(k) != graded["before"][k]}
    assert not changed
    new = set(after) - set(graded["before"])
    graded_notebooks = {f"autograded/{s}/{CHAPTER}/{CHAPTER}.ipynb"
                        for s in ("full", "partial", "blank", "thief", "vandal")}
    assert new - graded_notebooks == set()
    assert not list(boxed.rglob("PWNED*"))
    assert not (graded["crmlib_dir"] / f"{graded['marker']}.txt").exists()
    assert not (Path("/tmp") / graded["marker"]).exists()  # the sandbox's /tmp is its own
    assert graded["listener"].connections == 0


# ---------------------------------------------------------------- refusing to run unsandboxed

def test_grading_refuses_without_bubblewrap(monkeypatch):
    monkeypatch.setenv("CRM_SANDBOX_BWRAP", "/nonexistent/bwrap")
    assert not sandbox.available()
    with pytest.raises(CourseError) as refused:
        with sandbox.grading_sandbox():
            pass
    message = str(refused.value)
    assert "评分沙箱不可用" in message and "bubblewrap" in message and "--no-sandbox" in message


@pytest.mark.parametrize("command", [["autograde", CHAPTER], ["check", "NOTEBOOK"], ["demo"]])
def test_crmcourse_refuses_to_grade_without_bubblewrap(tmp_path, monkeypatch, command):
    from crmcourse import cli

    course = new_course(tmp_path / "course", CHAPTER)
    (course / "submitted" / "someone" / CHAPTER).mkdir(parents=True)
    shutil.copy(COURSE / "source" / CHAPTER / f"{CHAPTER}.ipynb", course / "submitted" / "someone" / CHAPTER)
    monkeypatch.setenv("CRM_SANDBOX_BWRAP", "/nonexistent/bwrap")
    monkeypatch.chdir(REPO)
    command = [str(REPO / "chapters" / f"{CHAPTER}.ipynb") if c == "NOTEBOOK" else c for c in command]
    with pytest.raises(SystemExit) as refused:
        cli.main(["--course", str(course), *command])
    assert "评分沙箱不可用" in str(refused.value) and "--no-sandbox" in str(refused.value)
    assert not (course / "autograded").exists()


def test_no_sandbox_flag_grades_with_a_warning(monkeypatch, capsys):
    monkeypatch.setenv("CRM_SANDBOX_BWRAP", "/nonexistent/bwrap")
    with sandbox.grading_sandbox(no_sandbox=True) as box:
        assert box.nbgrader_args() == ["--SafeExecute.allow_unsandboxed=True"] and not box.enabled
    assert "--no-sandbox" in capsys.readouterr().err


def test_launcher_refuses_a_course_folder(tmp_path):
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "gradebook.db").touch()
    with pytest.raises(CourseError, match="课程目录"):
        sandbox.check_workdir(tmp_path / "course")
    with pytest.raises(CourseError, match="不是某个学生"):
        sandbox.check_workdir(Path("/"))


def test_sandbox_args_use_ipc_and_the_sandbox_kernel():
    with sandbox.grading_sandbox() as box:
        first, second = box.nbgrader_args(), box.nbgrader_args()
        assert f"--Execute.kernel_name={sandbox.KERNEL_NAME}" in first
        assert "--KernelManager.transport=ipc" in first
        assert first != second  # parallel nbgrader processes never share a socket folder
        spec = Path(box.env({})["JUPYTER_PATH"]) / "kernels" / sandbox.KERNEL_NAME / "kernel.json"
        assert spec.is_file()
    assert not spec.exists()


# ---------------------------------------------------------------- one sandboxed kernel, directly

def test_sandboxed_kernel_is_isolated_and_can_be_interrupted(tmp_path):
    """Through nbclient (as ``crmcourse check`` runs it): no network, no other processes,
    not root, an empty private /tmp, and a runaway cell is interrupted, not the sandbox killed."""
    from nbclient import NotebookClient

    cells = [
        "import os, socket\n"
        "print('uid', os.getuid())\n"
        "print('pids', sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))\n"
        "print('tmp', os.listdir('/tmp'))\n"
        "print('ifaces', [name for _, name in socket.if_nameindex()])\n"
        "print('cwd', os.listdir('.'))",
        "while True:\n    pass",
        "print('still alive')",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    with sandbox.grading_sandbox() as box:
        root_name = box.root.name
        workdir = box.workdir()
        (workdir / "own.txt").write_text("mine")
        client = NotebookClient(nb, km=box.kernel_manager(), timeout=5, interrupt_on_timeout=True,
                                allow_errors=True, resources={"metadata": {"path": str(workdir)}})
        client.execute()
    first = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    facts = dict(line.split(" ", 1) for line in first.strip().splitlines())
    assert facts["uid"] != "0"
    assert len(eval(facts["pids"])) <= 3  # bwrap's init, the kernel (and nothing of the host)
    # the private /tmp: the kernel's own caches and the mount point of its socket folder, nothing of the host
    # (plus, when the checkout or the venv itself lives under /tmp, the read-only bind of it)
    under_tmp = {Path(p).resolve().relative_to("/tmp").parts[0]
                 for p in (REPO, sys.prefix, sys.base_prefix) if str(Path(p).resolve()).startswith("/tmp/")}
    assert set(eval(facts["tmp"])) <= {".ipython", ".cache", ".local", ".config", "matplotlib", root_name} | under_tmp
    assert eval(facts["ifaces"]) == ["lo"]
    assert eval(facts["cwd"]) == ["own.txt"]
    assert {o.get("ename") for o in nb.cells[1].outputs} >= {"KeyboardInterrupt"}
    assert "still alive" in "".join(o.get("text", "") for o in nb.cells[2].outputs)


# ---------------------------------------------------------------- what a submission leaves behind

# Cells added to a submission (plain code cells, no nbgrader metadata). Formatted with
# canary, other (another student's submitted notebook), notebook (the file's own name).
FD_PROBE = '''
import json as _json, os as _os
_fds, _read = {}, []
for _n in sorted(_os.listdir("/proc/self/fd"), key=int):
    try:
        _fds[_n] = _os.readlink(f"/proc/self/fd/{_n}")
    except OSError as _e:
        _fds[_n] = f"? {_e}"
        continue
    try:  # reopen it (as a kernel could reopen the grading process's log) and read what is there
        _fd = _os.open(f"/proc/self/fd/{_n}", _os.O_RDONLY | _os.O_NONBLOCK)
    except OSError:
        continue
    try:
        _os.lseek(_fd, 0, 0)
    except OSError:
        pass
    try:
        _read.append(_os.read(_fd, 4096).decode("utf-8", "replace"))
    except OSError:
        pass
    finally:
        _os.close(_fd)
print("FDS", _json.dumps(_fds))
print("READ", _json.dumps(_read))
'''

LINKS = '''
import os
os.symlink("{canary}", "canary-link")
os.symlink("{other}", "other.ipynb")
os.remove("{notebook}")
os.symlink("{other}", "{notebook}")  # the graded notebook must not be written through this
for _name in ("canary-link", "other.ipynb", "{notebook}"):
    try:
        os.chmod(_name, 0o777)
    except OSError:
        pass
'''

SPECIAL_FILES = '''
import os
os.mkfifo("fifo.ipynb")
os.symlink("loop-b", "loop-a")
os.symlink("loop-a", "loop-b")
os.makedirs(os.path.join(*["d"] * 300))
'''

BIG_PRINT = 'print("y" * (50 * 1024 ** 2))'

BIG_DISPLAY = '''
from IPython.display import display
display({"text/plain": "z" * (50 * 1024 ** 2)}, raw=True)
'''

FILL_DISK = '''
with open("fill.bin", "wb") as _f:
    while True:
        _f.write(b"\\0" * (1 << 20))
        _f.flush()
'''

FILL_SOCKETS = '''
import os
_argv = open("/proc/self/cmdline", "rb").read().decode().split("\\0")
_folder = os.path.dirname(_argv[_argv.index("-f") + 1])  # the socket folder: written on the host
with open(os.path.join(_folder, "fill.bin"), "wb") as _f:
    for _ in range(64):  # stop at 64 MB (the test fails then) rather than fill the machine
        _f.write(b"\\0" * (1 << 20))
        _f.flush()
raise AssertionError("the socket folder has no quota")
'''

SLEEP = "import time\ntime.sleep(55)"

HOSTILE_ID, CONTROL_ID, SLEEPER_ID, VICTIM_ID = "hostilezq", "ctrlzq", "asleepzq", "victimzq"
BUDGET = 30
FOLDER_BYTES = 32 * 1024 ** 2


def submit_cells(course: Path, student: str, answers: dict[str, str], *, after_first=(), at_end=()) -> Path:
    """Like submit(), with plain code cells added after the first cell and at the end."""
    nb = nbformat.read(course / "release" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and meta(cell).get("grade_id") in answers:
            cell.source = answers[meta(cell)["grade_id"]]
    nb.cells[1:1] = [nbformat.v4.new_code_cell(code) for code in after_first]
    nb.cells.extend(nbformat.v4.new_code_cell(code) for code in at_end)
    folder = course / "submitted" / student / CHAPTER
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{CHAPTER}.ipynb")
    return folder / f"{CHAPTER}.ipynb"


def fingerprints(*roots: Path) -> dict[str, tuple]:
    """(kind, sha256, mode) of every entry below ``roots``, without following or opening anything but regular files."""
    out = {}
    for root in roots:
        for folder, dirs, files in os.walk(root):
            for name in dirs + files:
                path = Path(folder) / name
                st = os.lstat(path)
                digest = hashlib.sha256(path.read_bytes()).hexdigest() if stat.S_ISREG(st.st_mode) else ""
                out[str(path)] = (stat.S_IFMT(st.st_mode), digest, stat.S_IMODE(st.st_mode))
        st = os.lstat(root)
        out[str(root)] = (stat.S_IFMT(st.st_mode), "", stat.S_IMODE(st.st_mode))
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """One sandboxed run: a control, a hostile submission, a sleeper and a student whose copy-back fails."""
    from crmcourse.autograde import autograde

    assert sandbox.check() is None, sandbox.check()
    base = tmp_path_factory.mktemp("hostile")
    course = new_course(base / "course", CHAPTER)
    result = nbgrader(course, "generate_assignment", CHAPTER, "--force")
    assert result.returncode == 0, result.stderr
    source = nbformat.read(course / "source" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    solution = solutions(source)
    canary = base / "outside" / "canary.txt"
    canary.parent.mkdir()
    canary.write_text("secret of the grading machine")
    canary.chmod(0o600)
    hard = base / "outside" / "hard.txt"  # a hard link to it is a regular file: refused all the same
    hard.write_text("another secret of the grading machine")
    hard.chmod(0o600)

    control_nb = submit_cells(course, CONTROL_ID, solution)
    notebook = f"{CHAPTER}.ipynb"
    fields = {"canary": canary, "other": control_nb, "notebook": notebook}
    submit_cells(course, HOSTILE_ID, solution,
                 at_end=[FD_PROBE, LINKS.format(**fields), SPECIAL_FILES, BIG_PRINT, BIG_DISPLAY, FILL_DISK,
                         FILL_SOCKETS])
    submit_cells(course, SLEEPER_ID, solution, after_first=[SLEEP] * 25)
    submit_cells(course, VICTIM_ID, solution)
    # The hostile student's submitted folder itself (an exchange or an archive can deliver this).
    folder = course / "submitted" / HOSTILE_ID / CHAPTER
    os.symlink(canary, folder / "canary.txt")
    os.symlink(control_nb, folder / "other.ipynb")
    os.link(hard, folder / "hard.txt")
    os.mkfifo(folder / "timestamp.txt")
    os.symlink("loop-b", folder / "loop-a")
    os.symlink("loop-a", folder / "loop-b")
    os.makedirs(folder.joinpath(*["d"] * 40))
    # The victim's copy-back cannot succeed: autograded/<victim> is a file.
    (course / "autograded").mkdir()
    (course / "autograded" / VICTIM_ID).write_text("not a folder")

    watched = [canary.parent, course / "submitted", course / "source", course / "release"]
    before = fingerprints(*watched)
    limits = sandbox.Limits(folder_bytes=FOLDER_BYTES)
    started = time.monotonic()
    lines: list[str] = []
    with sandbox.grading_sandbox(limits=limits) as box:
        results = autograde(course, CHAPTER, jobs=2, progress=False, echo=lines.append, box=box,
                            time_budget=BUDGET)
    seconds = time.monotonic() - started
    return {"course": course, "results": {r.student: r for r in results}, "seconds": seconds, "lines": lines,
            "before": before, "after": fingerprints(*watched), "canary": canary, "ids": answer_ids(source)}


def graded_notebook(course: Path, student: str):
    path = course / "autograded" / student / CHAPTER / f"{CHAPTER}.ipynb"
    assert stat.S_ISREG(os.lstat(path).st_mode)
    return nbformat.read(path, as_version=4)


def test_hostile_folders_change_nothing_outside(hostile):
    assert hostile["after"] == hostile["before"]
    for folder, dirs, files in os.walk(hostile["course"] / "autograded"):
        for name in dirs + files:
            mode = os.lstat(Path(folder) / name).st_mode
            assert stat.S_ISDIR(mode) or stat.S_ISREG(mode), Path(folder) / name
    # the hostile student's graded notebook is its own, written into a folder its kernel never saw
    nb = graded_notebook(hostile["course"], HOSTILE_ID)
    assert any("os.mkfifo" in c.source for c in nb.cells)
    names = {p.name for p in (hostile["course"] / "autograded" / HOSTILE_ID / CHAPTER).iterdir()}
    assert names <= {f"{CHAPTER}.ipynb", "timestamp.txt"}


def test_the_class_is_graded_around_the_offenders(hostile):
    results = hostile["results"]
    assert set(results) == {CONTROL_ID, HOSTILE_ID, SLEEPER_ID, VICTIM_ID}
    control = results[CONTROL_ID]
    assert control.status == "ok" and not control.notes and control.auto_score == control.auto_max > 0
    assert results[HOSTILE_ID].auto_score == control.auto_score  # the attacks came after the answers
    victim = results[VICTIM_ID]
    assert victim.status == "error" and victim.failed and "评分结果无法取回" in victim.detail
    assert not (hostile["course"] / "autograded" / VICTIM_ID).is_dir()
    assert [r.student for r in results.values() if r.failed] == [VICTIM_ID], hostile["lines"]


def test_the_offenders_status_names_what_happened(hostile):
    line = hostile["results"][HOSTILE_ID].line()
    for words in ("提交里有", "canary.txt（是符号链接", "other.ipynb（是符号链接", "hard.txt（是硬链接", "提交时间不可用",
                  "命名管道（FIFO）", f"磁盘配额（{FOLDER_BYTES // 1024 ** 2} MB）已用完", "输出超过字节上限"):
        assert words in line, (words, line)
    nb = graded_notebook(hostile["course"], HOSTILE_ID)
    size = (hostile["course"] / "autograded" / HOSTILE_ID / CHAPTER / f"{CHAPTER}.ipynb").stat().st_size
    assert size < 8 * 1024 ** 2
    from crmcourse.limits import cell_was_cut
    cut = [c.source for c in nb.cells if cell_was_cut(c)]
    assert BIG_PRINT in cut and any("display(" in s for s in cut)
    for marker in ('open("fill.bin"', "the socket folder"):  # the working folder and the socket folder
        cell = next(c for c in nb.cells if marker in c.source)
        errors = [o for o in cell.outputs if o.get("output_type") == "error"]
        assert errors and "No space left on device" in errors[0].evalue, (marker, errors)


def test_a_sleeping_submission_stops_at_the_time_budget(hostile):
    sleeper = hostile["results"][SLEEPER_ID]
    assert sleeper.status == "budget" and not sleeper.failed, sleeper.line()
    assert f"总运行时间达到 {BUDGET} 秒的上限" in sleeper.line()
    assert sleeper.seconds < BUDGET + 15 and sleeper.auto_score == 0
    nb = graded_notebook(hostile["course"], SLEEPER_ID)  # the feedback says why, too
    errors = [o.get("evalue", "") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert any(f"总运行时间达到 {BUDGET} 秒的上限" in e for e in errors), errors
    assert hostile["seconds"] < BUDGET + 60, hostile["lines"]


def test_no_descriptor_of_the_grader_reaches_the_kernel(hostile):
    nb = graded_notebook(hostile["course"], HOSTILE_ID)
    probe = next(c for c in nb.cells if "/proc/self/fd" in c.source)
    text = "".join(o.get("text", "") for o in probe.outputs if o.get("output_type") == "stream")
    fds = json.loads(re.search(r"^FDS (.*)$", text, re.M).group(1))
    read = json.loads(re.search(r"^READ (.*)$", text, re.M).group(1))
    for fd in ("0", "1", "2"):
        assert fds[fd] == "/dev/null" or fds[fd].startswith("pipe:"), fds
    assert not [t for t in fds.values() if re.search(r"worker-\d+\.log|crm-autograde-[^/]*/[^/]*\.log", t)], fds
    everything = "\n".join(read)
    for other in (CONTROL_ID, SLEEPER_ID, VICTIM_ID):
        assert other not in everything
