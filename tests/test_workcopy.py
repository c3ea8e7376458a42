"""Students work in their own copies in work/: created on first use, never overwritten, updates beside them."""
import datetime
import json
import re
import shutil
import subprocess
import sys
import time

import nbformat
import pytest

from conftest import CHAPTERS, REPO, tool_env
from crmcourse.workcopy import MANIFEST, prepare, source_hash

DAY1 = datetime.date(2026, 12, 1)
DAY2 = datetime.date(2026, 12, 8)
FIRST, SECOND = "00_getting_started", "01_selection"


@pytest.fixture
def course(tmp_path):
    """A course folder with two real chapters (the working copies never touch the real chapters/)."""
    (tmp_path / "chapters").mkdir()
    for name in (FIRST, SECOND):
        shutil.copy(CHAPTERS / f"{name}.ipynb", tmp_path / "chapters")
    return tmp_path


def cells(path):
    return [(c.cell_type, c.source) for c in nbformat.read(path, as_version=4).cells]


def update_chapter(course, name, text):
    """The course's new version of a chapter (what `git pull` or `make release` brings)."""
    path = course / "chapters" / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source += f"\n\n{text}"
    nbformat.write(nb, path)


def answer(path, text="metro_top = 42  # 我的答案"):
    """A student's answer saved by JupyterLab (nbformat layout, metadata kept)."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(text))
    nbformat.write(nb, path)
    return path.read_bytes()


def test_first_use_creates_a_working_copy_of_each_chapter(course):
    lines = []
    done = prepare(course, today=DAY1, echo=lines.append)
    work = course / "work"
    assert sorted(p.name for p in done.created) == [f"{FIRST}.ipynb", f"{SECOND}.ipynb"]
    assert lines == ["已在 work/ 为您准备了 2 章的个人工作副本：请在这里作答，课程更新不会覆盖它们。"]
    for name in (FIRST, SECOND):
        mine, source = work / f"{name}.ipynb", course / "chapters" / f"{name}.ipynb"
        assert cells(mine) == cells(source)
        meta = nbformat.read(mine, as_version=4).metadata
        assert meta.crmcourse == {"chapter": name, "source": f"chapters/{name}.ipynb",
                                  "source_sha256": source_hash(source.read_bytes()), "copied": "2026-12-01"}
        assert meta.kernelspec == json.loads(source.read_text(encoding="utf-8"))["metadata"]["kernelspec"]
        # Written the way JupyterLab saves: a first save changes nothing but what the student changed.
        assert nbformat.writes(nbformat.read(mine, as_version=4)) + "\n" == mine.read_text(encoding="utf-8")
    # Nothing to do the next time: no file written, nothing printed.
    before = {p.name: p.stat().st_mtime_ns for p in work.iterdir()}
    again = []
    assert not prepare(course, today=DAY2, echo=again.append).created
    assert again == [] and {p.name: p.stat().st_mtime_ns for p in work.iterdir()} == before


def test_working_copy_is_kept_and_the_new_course_version_is_put_beside_it(course):
    prepare(course, today=DAY1, echo=lambda line: None)
    mine = course / "work" / f"{SECOND}.ipynb"
    answered = answer(mine)
    untouched = (course / "work" / f"{FIRST}.ipynb").read_bytes()

    update_chapter(course, SECOND, "（更正：第 3 题的提示）")
    lines = []
    done = prepare(course, today=DAY2, echo=lines.append)
    beside = course / "work" / f"{SECOND} (新版 2026-12-08).ipynb"
    assert mine.read_bytes() == answered, "the student's working copy was changed"
    assert (course / "work" / f"{FIRST}.ipynb").read_bytes() == untouched
    assert done.offered == [beside] and not done.created
    assert cells(beside) == cells(course / "chapters" / f"{SECOND}.ipynb")
    assert lines == [f"课程的 {SECOND} 有新版本，已放在旁边：work/{SECOND} (新版 2026-12-08).ipynb；"
                     f"您的 work/{SECOND}.ipynb 没有改动（需要时把作答复制过去）。"]

    # Offered once: not again at the next start, not even after the student deleted the offer.
    quiet = []
    prepare(course, today=DAY2, echo=quiet.append)
    beside.unlink()
    prepare(course, today=DAY2, echo=quiet.append)
    assert quiet == [] and not beside.exists() and mine.read_bytes() == answered

    # A later course version is offered again, beside, under a name of its own (the student
    # reused the first offer's name for notes of their own: kept too).
    (course / "work" / f"{SECOND} (新版 2026-12-08).ipynb").write_bytes(b"student's notes\n")
    update_chapter(course, SECOND, "（再次更正）")
    done = prepare(course, today=DAY2, echo=quiet.append)
    assert [p.name for p in done.offered] == [f"{SECOND} (新版 2026-12-08 2).ipynb"]
    assert (course / "work" / f"{SECOND} (新版 2026-12-08).ipynb").read_bytes() == b"student's notes\n"
    assert mine.read_bytes() == answered
    assert len(json.loads((course / "work" / MANIFEST).read_text(encoding="utf-8"))["offered"][SECOND]) == 2


def test_adopting_the_new_version_ends_the_offers(course):
    """A student who moves the new version into place has an up-to-date copy: nothing more to offer."""
    prepare(course, today=DAY1, echo=lambda line: None)
    update_chapter(course, FIRST, "（新内容）")
    beside = prepare(course, today=DAY2, echo=lambda line: None).offered[0]
    mine = course / "work" / f"{FIRST}.ipynb"
    mine.rename(course / "work" / f"{FIRST} (旧).ipynb")
    beside.rename(mine)
    lines = []
    done = prepare(course, today=DAY2, echo=lines.append)
    assert not done.offered and not done.created and lines == []


def test_a_new_chapter_gets_a_working_copy_and_a_hand_made_copy_is_never_replaced(course):
    prepare(course, today=DAY1, echo=lambda line: None)
    shutil.copy(CHAPTERS / "02_development.ipynb", course / "chapters")
    broken = course / "work" / f"{FIRST}.ipynb"
    broken.write_bytes(b"{not json")  # a damaged or hand-made file: no record of its version
    lines = []
    done = prepare(course, today=DAY2, echo=lines.append)
    assert [p.name for p in done.created] == ["02_development.ipynb"]
    assert lines[0] == "已创建个人工作副本：work/02_development.ipynb。"
    assert broken.read_bytes() == b"{not json"
    assert [p.name for p in done.offered] == [f"{FIRST} (新版 2026-12-08).ipynb"]
    assert len(lines) == 2 and "00_getting_started (新版 2026-12-08).ipynb" in lines[1]


def test_a_plain_copy_of_the_current_chapter_counts_as_up_to_date(course):
    work = course / "work"
    work.mkdir()
    shutil.copy(course / "chapters" / f"{FIRST}.ipynb", work)
    done = prepare(course, today=DAY1, echo=lambda line: None)
    assert [p.name for p in done.created] == [f"{SECOND}.ipynb"] and not done.offered


def test_command_line_and_speed(course):
    """`python -m crmcourse.workcopy` (what `make lab` runs): Chinese line, exit 0, fast."""
    for name in sorted(p.name for p in CHAPTERS.glob("*.ipynb")):
        shutil.copy(CHAPTERS / name, course / "chapters")
    run = [sys.executable, "-m", "crmcourse.workcopy", "--repo", str(course), "--work", "work"]
    first = subprocess.run(run, capture_output=True, text=True, env=tool_env())
    assert first.returncode == 0, first.stderr
    count = len(list(CHAPTERS.glob("*.ipynb")))
    assert first.stdout == f"已在 work/ 为您准备了 {count} 章的个人工作副本：请在这里作答，课程更新不会覆盖它们。\n"
    assert first.stderr == ""
    start = time.perf_counter()
    for _ in range(3):
        prepare(course, echo=lambda line: None)
    assert (time.perf_counter() - start) / 3 < 0.5, "prepare() runs at every `make lab`: keep it fast"


def test_make_lab_prepares_the_working_copies_and_opens_chapter_00_there():
    out = subprocess.run(["make", "-n", "lab"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    prepare_at = out.index("-m crmcourse.workcopy")
    assert prepare_at < out.index("jupyter lab"), "the working copies must exist before JupyterLab starts"
    assert "--LabApp.default_url=/lab/tree/work/00_getting_started.ipynb" in out
    assert (CHAPTERS / "00_getting_started.ipynb").is_file()


def test_the_working_folder_is_ignored_by_git():
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    for path in ("work/00_getting_started.ipynb", "work/01_selection (新版 2026-12-08).ipynb",
                 "work/备份/01_selection-20261201-120000.ipynb", f"work/{MANIFEST}"):
        result = subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=REPO)
        assert result.returncode == 0, f"{path} is not git-ignored"


def test_chapters_work_from_the_working_folder(tmp_path):
    """crmlib reads its data from the package, and no chapter reads a file by a relative path."""
    relative = re.compile(r"""(read_csv|read_excel|open)\(\s*['"]|['"](\.\./|chapters/|datasets/)""")
    for path in sorted(CHAPTERS.glob("*.ipynb")):
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type == "code":
                assert not relative.search(cell.source), f"{path.name} cell {i} reads a file by a relative path"
    work = tmp_path / "work"
    work.mkdir()
    code = "import crmlib; print(len(crmlib.load_dataset('metro_customers')) > 0)"
    result = subprocess.run([sys.executable, "-c", code], cwd=work, capture_output=True, text=True, env=tool_env())
    assert result.returncode == 0 and result.stdout.strip() == "True", result.stderr
