"""The student edition (`crmcourse pack`): the chapters, crmlib and its data, a way to start;
no solution, no hidden test, nothing of the instructor's; never overwrites an unrelated file."""
from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from conftest import BIN, CHAPTERS, COURSE, REPO, chapter_names, once_per_worker, tool_env
from crmcourse import notebooks as N
from crmcourse.cli import main
from crmcourse.pack import STUDENT_DEPENDENCIES, is_student_pack, pack

# The archive is built once and shared: keep this module on one xdist worker.
pytestmark = pytest.mark.xdist_group("pack")

DAY = datetime.date(2024, 9, 1)
TOP = "crm-course-student-2024-09-01"
NAMES = chapter_names()
# Every file the edition may hold (relative to its top folder); anything else is a failure.
ALLOWED = [r"chapters/\d\d_\w+\.ipynb", r"crmlib/\w+\.py", r"crmlib/data/__init__\.py", r"crmlib/data/\w+\.csv", r"crmlib/data/LICENSE-[\w-]+\.txt",
           r"pyproject\.toml", r"Makefile", r"start\.sh", r"workcopy\.py", r"launch_lab\.py", r"README\.md", r"LICENSE",
           r"\.jupyter-settings/overrides\.json"]


@pytest.fixture(scope="module")
@once_per_worker
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("pack") / "edition.zip"
    packed = pack(out, today=DAY)
    with zipfile.ZipFile(out) as archive:
        files = {info.filename: archive.read(info) for info in archive.infolist()}
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    return {"packed": packed, "files": files, "modes": modes, "path": out}


def relative(files) -> dict[str, bytes]:
    assert all(name.startswith(TOP + "/") for name in files), "every member sits in one top folder"
    return {name[len(TOP) + 1:]: data for name, data in files.items()}


def readable_text(name: str, data: bytes) -> str:
    """What a student can read in a member: a notebook's cells (sources and outputs), or the file's text."""
    text = data.decode("utf-8")
    if name.endswith(".ipynb"):
        nb = json.loads(text)
        parts = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in nb["cells"]]
        parts += [json.dumps(o, ensure_ascii=False) for c in nb["cells"] for o in c.get("outputs", [])]
        text += "\n" + "\n".join(parts)
    return text


def secret_lines(chapter: str) -> set[str]:
    """Distinctive lines (≥ 12 characters) of a chapter's solutions and hidden tests: lines the
    teacher version has only inside a solution or hidden-test block."""
    source = N.read(N.source_notebook(COURSE, chapter))
    secret = [line for ex in N.exercises(source) for line in ex.solution.splitlines()]
    secret += [line for ex in N.exercises(source) for line in ex.hidden_tests.splitlines()]
    for cell in source.cells:
        secret += [line for block in N.secret_blocks(cell.source)[1] for line in block.splitlines()]
    # a line the public text contains (e.g. a hidden `assert type(x) is int` inside a visible
    # `assert type(x) is int, "提示"`) is no secret
    return set(N.unseen({line.strip() for line in secret if len(line.strip()) >= 12}, N.public_text(source)))


# ---------------------------------------------------------------- what is in the archive

def test_archive_holds_chapters_crmlib_and_data(edition):
    files = relative(edition["files"])
    assert edition["packed"].chapters == NAMES
    for name in NAMES:
        assert files[f"chapters/{name}.ipynb"] == (CHAPTERS / f"{name}.ipynb").read_bytes()
    for module in (REPO / "crmlib").glob("*.py"):
        assert files[f"crmlib/{module.name}"] == module.read_bytes()
    for table in (REPO / "crmlib" / "data").glob("*.csv"):
        assert files[f"crmlib/data/{table.name}"] == table.read_bytes()
    assert files["crmlib/data/LICENSE-lifetimes.txt"] == (REPO / "crmlib" / "data" / "LICENSE-lifetimes.txt").read_bytes()
    assert "crmlib/data/catalog.csv" in files and "crmlib/data/data_dictionary.csv" in files
    assert "crmlib/data/metro_customers.csv" in files
    for name in ("pyproject.toml", "Makefile", "start.sh", "README.md", ".jupyter-settings/overrides.json"):
        assert name in files


def test_archive_holds_nothing_else(edition):
    files = relative(edition["files"])
    for name in files:
        assert any(re.fullmatch(pattern, name) for pattern in ALLOWED), f"unexpected member {name}"
        assert not name.startswith(("assignments/", "tests/", "bench/", ".git", "crmcourse/", "data_builders/"))
        assert "gradebook" not in name and "source" not in name.split("/")
    assert not any(name.startswith("assignments/") or "/assignments/" in name for name in edition["files"])
    assert "crmlib/data/generate.py" not in files and not any("builders" in name for name in files)


def test_no_solution_or_hidden_test_in_any_member(edition):
    texts = {name: readable_text(name, data) for name, data in edition["files"].items()}
    for name, text in texts.items():
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert marker not in text, f"{name} contains {marker}"
    for chapter in NAMES:
        secrets = secret_lines(chapter)
        assert secrets, f"{chapter}: no solution lines found to look for"
        for name, text in texts.items():
            leaked = [line for line in secrets if line in text]
            assert not leaked, f"{name} holds solution or hidden-test lines of {chapter}: {leaked[:3]}"


def test_student_pyproject_installs_crmlib_with_the_same_pins_and_nothing_more(edition):
    files = relative(edition["files"])
    student = tomllib.loads(files["pyproject.toml"].decode())
    main_deps = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    pins = {re.split(r"[<>=!~\[ ;]", spec, maxsplit=1)[0].lower(): spec for spec in main_deps}
    assert student["project"]["dependencies"] == [pins[name] for name in STUDENT_DEPENDENCIES]
    assert student["tool"]["setuptools"]["packages"] == ["crmlib", "crmlib.data"]
    assert "scripts" not in student["project"] and "optional-dependencies" not in student["project"]
    text = files["pyproject.toml"].decode()
    for word in ("nbgrader", "crmcourse =", "pytest", "builders"):
        assert word not in text


def test_make_lab_starts_like_the_main_makefile(edition):
    files = relative(edition["files"])
    makefile = files["Makefile"].decode()
    main_makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for line in ("NO_BROWSER := ", "AS_ROOT    := "):
        ours = next(x for x in makefile.splitlines() if x.startswith(line))
        assert ours in main_makefile.splitlines()
    lab = makefile.split("\nlab:", 1)[1].split("\n\n", 1)[0]
    for flag in ("$(NO_BROWSER)", "$(AS_ROOT)", "--port=$(PORT)", "--ServerApp.port_retries=0",
                 "--LabApp.default_url=/lab/tree/work/00_getting_started.ipynb", "python workcopy.py"):
        assert flag in lab
    assert files["workcopy.py"] == (REPO / "crmcourse" / "workcopy.py").read_bytes()
    assert files["launch_lab.py"] == (REPO / "crmcourse" / "launch_lab.py").read_bytes()
    assert "python launch_lab.py --port $(PORT)" in files["Makefile"].decode()
    assert "pip install --quiet -e ." in makefile and "overrides.json $(VENV)/share/jupyter/lab/settings/" in makefile
    assert files[".jupyter-settings/overrides.json"] == (REPO / ".jupyter-settings/overrides.json").read_bytes()
    assert "make lab" in files["start.sh"].decode() and "make lab" in files["README.md"].decode()
    assert edition["modes"][f"{TOP}/start.sh"] & 0o111, "start.sh is executable"


def test_unpacked_edition_is_valid_for_make_and_sh(edition, tmp_path):
    with zipfile.ZipFile(edition["path"]) as archive:
        archive.extractall(tmp_path)
    folder = tmp_path / TOP
    subprocess.run(["sh", "-n", str(folder / "start.sh")], check=True)
    if shutil.which("make"):
        out = subprocess.run(["make", "-n", "lab"], cwd=folder, capture_output=True, text=True, check=True)
        assert "jupyter lab" in out.stdout and "pip install --quiet -e ." in out.stdout


# ---------------------------------------------------------------- it works once unpacked

def test_unpacked_crmlib_loads_its_own_data(edition, tmp_path):
    with zipfile.ZipFile(edition["path"]) as archive:
        archive.extractall(tmp_path)
    folder = tmp_path / TOP
    code = ("import crmlib, crmlib.data; print(crmlib.__file__); print(crmlib.data.__file__); "
            "print(crmlib.load_dataset('metro_customers').shape[0]); "
            "print(sum(len(crmlib.load_dataset(n)) > 0 for n in crmlib.list_datasets()), len(crmlib.list_datasets()))")
    env = {"PYTHONPATH": str(folder), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "MPLBACKEND": "Agg"}
    out = subprocess.run([sys.executable, "-c", code], cwd=folder, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    module, data, rows, loaded = out.stdout.strip().splitlines()
    assert Path(module).is_relative_to(folder) and Path(data).is_relative_to(folder)
    import crmlib
    assert int(rows) == len(crmlib.load_dataset("metro_customers"))
    ok, total = loaded.split()
    assert ok == total == str(len(crmlib.list_datasets()))


def test_student_pyproject_builds_a_wheel_with_the_data(edition, tmp_path):
    with zipfile.ZipFile(edition["path"]) as archive:
        archive.extractall(tmp_path)
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(wheels), str(tmp_path / TOP)], check=True, capture_output=True)
    names = set(zipfile.ZipFile(next(wheels.glob("crm_course_student-*.whl"))).namelist())
    assert "crmlib/data/metro_customers.csv" in names and "crmlib/data/data_dictionary.csv" in names
    assert not any(name.startswith(("crmcourse/", "chapters/", "tests/")) for name in names)


# ---------------------------------------------------------------- the command and its refusals

def test_cli_packs_and_refuses_to_overwrite_an_unrelated_file(tmp_path):
    target = tmp_path / "student.zip"
    out = subprocess.run([str(BIN / "crmcourse"), "pack", "-o", str(target), NAMES[0]],
                         cwd=REPO, env=tool_env(), capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert is_student_pack(target) and "学生版" in out.stdout
    assert {Path(n).name for n in zipfile.ZipFile(target).namelist() if "/chapters/" in n} == {f"{NAMES[0]}.ipynb"}
    # an archive pack made may be replaced
    assert pack(target, NAMES[:2], repo=REPO).path == target and is_student_pack(target)
    assert len([n for n in zipfile.ZipFile(target).namelist() if "/chapters/" in n]) == 2

    unrelated = tmp_path / "thesis.zip"
    unrelated.write_text("学生的毕业论文")
    out = subprocess.run([str(BIN / "crmcourse"), "pack", "-o", str(unrelated), NAMES[0]],
                         cwd=REPO, env=tool_env(), capture_output=True, text=True)
    assert out.returncode != 0 and "不覆盖" in out.stderr and "Traceback" not in out.stderr
    assert unrelated.read_text() == "学生的毕业论文"


def test_refusals_in_process(tmp_path):
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:  # a zip, but not one pack made
        archive.writestr("notes.txt", "x")
    before = other.read_bytes()
    with pytest.raises(FileExistsError, match="不覆盖"):
        pack(other, [NAMES[0]], repo=REPO)
    assert other.read_bytes() == before
    with pytest.raises(ValueError, match="没有章节 99_nothing"):
        pack(tmp_path / "x.zip", ["99_nothing"], repo=REPO)
    with pytest.raises(FileNotFoundError, match="不存在"):
        pack(tmp_path / "missing" / "x.zip", [NAMES[0]], repo=REPO)
    for argv in (["pack", "99_nothing", "-o", str(tmp_path / "y.zip")], ["pack", "-o", str(other), NAMES[0]]):
        with pytest.raises(SystemExit) as stop:
            main(argv)
        assert isinstance(stop.value.code, str) and ("没有章节" in stop.value.code or "不覆盖" in stop.value.code)
    assert not (tmp_path / "x.zip").exists() and not (tmp_path / "y.zip").exists()


def test_default_output_is_dated_in_the_ignored_dist_folder(tmp_path):
    repo = fake_repo(tmp_path)
    packed = pack(None, [NAMES[0]], repo=repo, today=DAY)
    assert packed.path == repo / "dist" / f"{TOP}.zip"
    folder = tmp_path / "out"
    folder.mkdir()
    assert pack(folder, [NAMES[0]], repo=repo, today=DAY).path == folder / f"{TOP}.zip"
    ignored = subprocess.run(["git", "check-ignore", "-q", f"dist/{TOP}.zip"], cwd=REPO)
    assert ignored.returncode == 0, "dist/ must be git-ignored"


# ---------------------------------------------------------------- the leak guard itself

def fake_repo(tmp_path: Path, chapter: str | None = None) -> Path:
    """A minimal copy of the repository with one chapter (teacher version older than its student version)."""
    chapter = chapter or NAMES[0]
    repo = tmp_path / "repo"
    (repo / "assignments" / "source").mkdir(parents=True)
    shutil.copytree(COURSE / "source" / chapter, repo / "assignments" / "source" / chapter)
    shutil.copy(COURSE / "nbgrader_config.py", repo / "assignments")
    (repo / "chapters").mkdir()
    shutil.copy(CHAPTERS / f"{chapter}.ipynb", repo / "chapters")
    old = (CHAPTERS / f"{chapter}.ipynb").stat().st_mtime - 60
    os.utime(repo / "assignments" / "source" / chapter / f"{chapter}.ipynb", (old, old))
    shutil.copytree(REPO / "crmlib", repo / "crmlib", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "LICENSE", ".jupyter-settings/overrides.json"):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / name, repo / name)
    return repo


def test_a_leaked_solution_line_stops_the_pack(tmp_path):
    repo = fake_repo(tmp_path)
    chapter = NAMES[0]
    line = sorted(secret_lines(chapter), key=len)[-1]
    student = N.read(repo / "chapters" / f"{chapter}.ipynb")
    student.cells[-1].source += "\n" + line
    import nbformat
    nbformat.write(student, str(repo / "chapters" / f"{chapter}.ipynb"))
    target = tmp_path / "leaky.zip"
    with pytest.raises(RuntimeError, match="参考答案或隐藏测试"):
        pack(target, repo=repo, refresh=False)
    assert not target.exists() and not list(tmp_path.glob(".crm-pack-*"))


@pytest.mark.parametrize("case", ["missing", "stale"])
def test_a_missing_or_stale_student_version_is_released_first(tmp_path, monkeypatch, case):
    """pack calls the release code for such a chapter (the release itself is tested in test_release.py)."""
    import crmcourse.release

    repo = fake_repo(tmp_path)
    chapter = NAMES[0]
    student = repo / "chapters" / f"{chapter}.ipynb"
    if case == "missing":
        student.unlink()
    else:
        os.utime(repo / "assignments" / "source" / chapter / f"{chapter}.ipynb")  # teacher edited it just now
    calls = []

    def release(course, names, chapters_dir=None):
        calls.append((Path(course), list(names), chapters_dir))
        shutil.copy(CHAPTERS / f"{chapter}.ipynb", chapters_dir / f"{chapter}.ipynb")
        return [chapters_dir / f"{chapter}.ipynb"]

    monkeypatch.setattr(crmcourse.release, "release", release)
    packed = pack(tmp_path / "fresh.zip", repo=repo, today=DAY)
    assert calls == [(repo / "assignments", [chapter], repo / "chapters")]
    assert packed.refreshed == [chapter]
    assert zipfile.ZipFile(packed.path).read(f"{TOP}/chapters/{chapter}.ipynb") == student.read_bytes()
    # now up to date: no second release
    calls.clear()
    assert pack(tmp_path / "fresh.zip", repo=repo, today=DAY).refreshed == [] and calls == []


def test_unpacked_edition_makes_working_copies(edition, tmp_path):
    """A classroom student answers in work/, which a newer edition never overwrites."""
    with zipfile.ZipFile(edition["path"]) as archive:
        archive.extractall(tmp_path)
    folder = tmp_path / TOP
    run = lambda: subprocess.run([sys.executable, "workcopy.py", "--repo", str(folder)], cwd=folder,  # noqa: E731
                                 capture_output=True, text=True, check=True)
    run()
    first = folder / "work" / "00_getting_started.ipynb"
    assert first.read_bytes()[:1] == b"{"
    first.write_text(first.read_text(encoding="utf-8").replace("raise NotImplementedError", "answer = 1"), encoding="utf-8")
    mine = first.read_bytes()
    run()
    assert first.read_bytes() == mine
