"""The student versions in chapters/ are nbgrader's release of the sources, with nothing leaked."""
import json
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from conftest import CHAPTERS, COURSE, chapter_names, tool_env, once_per_worker
from crmcourse import notebooks as N

CHAPTER_NAMES = chapter_names()
# The fresh release is shared by every test here: keep them on one xdist worker.
pytestmark = pytest.mark.xdist_group("release")


@pytest.fixture(scope="module")
@once_per_worker
def fresh_release(tmp_path_factory):
    """Release every chapter in a temporary copy of the course directory."""
    course = tmp_path_factory.mktemp("course")
    shutil.copytree(COURSE / "source", course / "source")
    shutil.copy(COURSE / "nbgrader_config.py", course)
    for name in CHAPTER_NAMES:
        subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", name, "--force",
                        f"--CourseDirectory.root={course}"], cwd=course, env=tool_env(),
                       check=True, capture_output=True)
    return course / "release"


def cells(nb):
    return [(c.cell_type, c.source, c.get("metadata", {}).get("nbgrader")) for c in nb.cells]


@pytest.mark.parametrize("name", CHAPTER_NAMES)
def test_committed_student_version_matches_a_fresh_release(name, fresh_release):
    committed = nbformat.read(CHAPTERS / f"{name}.ipynb", as_version=4)
    fresh = nbformat.read(fresh_release / name / f"{name}.ipynb", as_version=4)
    assert cells(committed) == cells(fresh), f"chapters/{name}.ipynb is out of date: run `make release`"


@pytest.mark.parametrize("name", CHAPTER_NAMES)
def test_student_version_leaks_no_solution_or_hidden_test(name):
    source = nbformat.read(COURSE / "source" / name / f"{name}.ipynb", as_version=4)
    text = (CHAPTERS / f"{name}.ipynb").read_text(encoding="utf-8")
    marks = N.course_delimiters(COURSE)  # nbgrader's delimiters, as the course configures them
    for marker in marks:
        assert marker not in text
    student = json.loads(text)
    student_code = "\n".join("".join(c["source"]) for c in student["cells"])
    public = N.public_text(source, marks)  # a secret line the public text contains reveals nothing
    for cell in source.cells:
        lines = [line.strip() for block in N.secret_blocks(cell.source, marks)[1] for line in block.splitlines()]
        for line in N.unseen([line for line in lines if len(line) > 12 and not line.startswith("#")], public):
            assert line not in student_code, f"{name}: solution or hidden-test line leaked: {line}"


def test_committed_notebooks_carry_no_outputs():
    for path in list(CHAPTERS.glob("*.ipynb")) + list((COURSE / "source").glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{path} has outputs"


# ---------------------------------------------------------------------------------------------
# Releasing never loses answers someone wrote into chapters/ (backed up to work/备份/ first)
# ---------------------------------------------------------------------------------------------

GIT = ["git", "-c", "user.name=测试", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false"]


def git(folder, *args):
    return subprocess.run([*GIT, *args], cwd=folder, check=True, capture_output=True, text=True).stdout


def with_answer(data: bytes, text="top20 = 0.42  # 学生的作答") -> bytes:
    nb = json.loads(data)
    nb["cells"].append({"cell_type": "code", "execution_count": None, "id": "student-answer",
                        "metadata": {}, "outputs": [], "source": [text]})
    return (json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


class FakeRelease:
    """Stands in for nbgrader's generate_assignment: writes ``output`` as the released notebook."""

    def __init__(self, output: bytes):
        self.output, self.calls = output, []

    def __call__(self, course_dir, *args, quiet=True):
        assert args[0] == "generate_assignment"
        self.calls.append(args[1])
        released = course_dir / "release" / args[1] / f"{args[1]}.ipynb"
        released.parent.mkdir(parents=True, exist_ok=True)
        released.write_bytes(self.output)


@pytest.fixture
def mini_repo(tmp_path):
    """A git checkout with one chapter: its teacher version and its committed student version."""
    name = CHAPTER_NAMES[0]
    repo = tmp_path / "repo"
    (repo / "assignments" / "source" / name).mkdir(parents=True)
    shutil.copy(COURSE / "source" / name / f"{name}.ipynb", repo / "assignments" / "source" / name)
    shutil.copy(COURSE / "nbgrader_config.py", repo / "assignments")
    (repo / "chapters").mkdir()
    shutil.copy(CHAPTERS / f"{name}.ipynb", repo / "chapters")
    (repo / ".gitignore").write_text("release/\n/work/\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "course")
    return repo, name


def run_release(repo, name, output: bytes, monkeypatch):
    from crmcourse import nbgrader_cli
    from crmcourse import release as module

    fake = FakeRelease(output)
    monkeypatch.setattr(nbgrader_cli, "run", fake)
    lines = []
    written = module.release(repo / "assignments", [name], chapters_dir=repo / "chapters", echo=lines.append)
    assert fake.calls == [name] and written == [(repo / "chapters" / f"{name}.ipynb").resolve()]
    return lines


def backups(repo):
    folder = repo / "work" / "备份"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_release_of_an_unmodified_chapter_replaces_it_without_backup(mini_repo, monkeypatch):
    repo, name = mini_repo
    target = repo / "chapters" / f"{name}.ipynb"
    newer = target.read_bytes().replace("第 0 章".encode(), "第 0 章（新版）".encode(), 1)
    assert newer != target.read_bytes()
    assert run_release(repo, name, newer, monkeypatch) == []
    assert target.read_bytes() == newer and backups(repo) == []


@pytest.mark.parametrize("how", ["changed", "staged", "untracked"])
def test_release_backs_up_a_chapter_with_local_changes(mini_repo, monkeypatch, how):
    repo, name = mini_repo
    target = repo / "chapters" / f"{name}.ipynb"
    committed = target.read_bytes()
    answered = with_answer(committed)
    if how == "untracked":
        git(repo, "rm", "-q", "--cached", f"chapters/{name}.ipynb")
        git(repo, "commit", "-q", "-m", "chapter not tracked yet")
    target.write_bytes(answered)
    if how == "staged":
        git(repo, "add", f"chapters/{name}.ipynb")
    lines = run_release(repo, name, committed, monkeypatch)
    [saved] = backups(repo)
    assert saved.read_bytes() == answered, "the backup must hold the student's file byte for byte"
    assert re.fullmatch(rf"{name}-\d{{8}}-\d{{6}}\.ipynb", saved.name)
    assert target.read_bytes() == committed
    assert lines == [f"chapters/{name}.ipynb 有本地改动（可能是作答），已备份到 work/备份/{saved.name}，"
                     f"然后重新生成。以后请在 work/ 里的个人副本中作答（make lab 会打开它）。"]
    # The backup folder is git-ignored: `git status` shows nothing new.
    assert "work" not in git(repo, "status", "--porcelain")


def test_release_again_after_a_release_needs_no_backup(mini_repo, monkeypatch):
    """A maintainer releasing twice before committing: chapters/ holds the previous release, not answers."""
    repo, name = mini_repo
    target = repo / "chapters" / f"{name}.ipynb"
    first = target.read_bytes().replace("第 0 章".encode(), "第 0 章（一）".encode(), 1)
    second = target.read_bytes().replace("第 0 章".encode(), "第 0 章（二）".encode(), 1)
    assert run_release(repo, name, first, monkeypatch) == []
    assert run_release(repo, name, second, monkeypatch) == []
    assert target.read_bytes() == second and backups(repo) == []


def test_release_of_a_changed_chapter_that_is_released_unchanged_needs_no_backup(mini_repo, monkeypatch):
    repo, name = mini_repo
    target = repo / "chapters" / f"{name}.ipynb"
    answered = with_answer(target.read_bytes())
    target.write_bytes(answered)
    assert run_release(repo, name, answered, monkeypatch) == []  # nothing is lost: same bytes
    assert backups(repo) == []


def test_release_outside_git_compares_with_what_it_writes(mini_repo, monkeypatch):
    repo, name = mini_repo
    shutil.rmtree(repo / ".git")
    target = repo / "chapters" / f"{name}.ipynb"
    same = target.read_bytes()
    assert run_release(repo, name, same, monkeypatch) == [] and backups(repo) == []
    # Not the previous release and not what this release writes: backed up.
    shutil.rmtree(repo / "assignments" / "release")
    answered = with_answer(same)
    target.write_bytes(answered)
    lines = run_release(repo, name, same, monkeypatch)
    [saved] = backups(repo)
    assert saved.read_bytes() == answered and target.read_bytes() == same and len(lines) == 1


def test_crmcourse_release_keeps_a_students_answers(mini_repo):
    """The real `crmcourse release` (nbgrader included) on a chapter a student answered in."""
    repo, name = mini_repo
    target = repo / "chapters" / f"{name}.ipynb"
    committed = target.read_bytes()
    answered = with_answer(committed)
    target.write_bytes(answered)
    env = dict(tool_env(), CRM_COURSE_ROOT=str(repo))
    result = subprocess.run([sys.executable, "-m", "crmcourse.cli", "release", name], cwd=repo, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    [saved] = backups(repo)
    assert saved.read_bytes() == answered
    assert result.stdout.splitlines() == [
        f"chapters/{name}.ipynb 有本地改动（可能是作答），已备份到 work/备份/{saved.name}，"
        f"然后重新生成。以后请在 work/ 里的个人副本中作答（make lab 会打开它）。",
        f"已生成 chapters/{name}.ipynb"]
    assert cells(nbformat.read(target, as_version=4)) == cells(nbformat.reads(committed.decode(), as_version=4))
