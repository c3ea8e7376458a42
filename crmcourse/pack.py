"""The student edition (``crmcourse pack``): one zip file for a classroom student.

It holds the released chapters, ``crmlib`` with its case data, a small ``pyproject.toml``
that installs only what the chapters need, a Makefile whose ``make lab`` starts the course,
``start.sh`` and a Chinese README. It holds no teacher version, no hidden test, no
gradebook, no tests, no data generator and no instructor tool. Before anything is
written, every member is scanned for solution and hidden-test markers and for the
distinctive lines of each chapter's solutions and hidden tests; a hit stops the pack.
"""
from __future__ import annotations

import datetime
import io
import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .course import chapters as course_chapters
from .course import find_repo

# The zip comment marks an archive made here: only such a file may be overwritten.
ZIP_COMMENT = b"crmcourse pack: CRM course student edition"
PREFIX = "crm-course-student"
# Runtime dependencies of crmlib and the chapters; the pins are read from the main pyproject.toml.
STUDENT_DEPENDENCIES = ("jupyterlab", "ipywidgets", "pandas", "numpy", "scipy", "matplotlib",
                        "noto-cjk-sans-otc")
MIN_SECRET = 12   # shorter lines (``x = 1``) are too common to be evidence of a leak


@dataclass
class Packed:
    path: Path                                           # the archive written
    chapters: list[str]                                  # chapters it holds
    refreshed: list[str] = field(default_factory=list)   # chapters released again first (were stale)
    members: list[str] = field(default_factory=list)     # every file in the archive

    @property
    def size(self) -> int:
        return self.path.stat().st_size


# ---------------------------------------------------------------- what goes in

def default_name(today: datetime.date | None = None) -> str:
    return f"{PREFIX}-{(today or datetime.date.today()).isoformat()}.zip"


def is_student_pack(path: Path) -> bool:
    """True for a regular file that is a zip written by :func:`pack`."""
    path = Path(path)
    if path.is_symlink() or not path.is_file() or not zipfile.is_zipfile(path):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.comment == ZIP_COMMENT
    except (zipfile.BadZipFile, OSError):
        return False


def _requirement_name(spec: str) -> str:
    return re.split(r"[<>=!~\[ ;]", spec.strip(), maxsplit=1)[0].lower()


def _main_project(repo: Path) -> dict:
    text = (repo / "pyproject.toml").read_text(encoding="utf-8")
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: the two fields needed, read by hand
        deps = re.search(r"^dependencies\s*=\s*\[(.*?)\]", text, re.S | re.M)
        version = re.search(r'^version\s*=\s*"([^"]+)"', text, re.M)
        return {"dependencies": re.findall(r'"([^"]+)"', deps.group(1)) if deps else [],
                "version": version.group(1) if version else "0"}
    return tomllib.loads(text)["project"]


def student_pyproject(repo: Path) -> str:
    project = _main_project(repo)
    pins = {_requirement_name(spec): spec for spec in project["dependencies"]}
    missing = [name for name in STUDENT_DEPENDENCIES if name not in pins]
    if missing:
        raise ValueError(f"pyproject.toml 的 dependencies 里没有学生版需要的 {', '.join(missing)}。")
    deps = "".join(f'    "{pins[name]}",\n' for name in STUDENT_DEPENDENCIES)
    return f"""\
# 客户关系管理课程（学生版）：只安装 crmlib（含案例数据）和各章用到的库。由 crmcourse pack 生成。
[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "crm-course-student"
version = "{project.get('version', '0')}"
description = "客户关系管理 Jupyter 课程（学生版）：各章练习、crmlib 分析库与案例数据"
readme = "README.md"
requires-python = ">=3.10"
license = "MIT"
dependencies = [
{deps}]

[tool.setuptools]
packages = ["crmlib", "crmlib.data"]

[tool.setuptools.package-data]
"crmlib.data" = ["*.csv", "*.txt"]
"""


def student_makefile(first_chapter: str) -> str:
    # Same start as the main Makefile's `lab`: no browser without a display, --allow-root as
    # root, no port hopping, and the settings that keep JupyterLab's news pop-up away.
    return f"""\
# 客户关系管理课程（学生版）。make lab：第一次运行时创建 .venv 并安装课程，然后打开第一章。
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8888
STAMP  := $(VENV)/.installed-stamp

# 没有图形界面（服务器、SSH）时不弹出浏览器；以 root 运行时 JupyterLab 需要 --allow-root。
NO_BROWSER := $(if $(DISPLAY)$(filter Darwin,$(shell uname -s)),,--no-browser)
AS_ROOT    := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: setup lab clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip "setuptools>=69" wheel
	$(BIN)/python -m pip install --quiet -e .
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp .jupyter-settings/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $(STAMP)

setup: $(STAMP)

# 您在 work/ 里的个人副本上作答：第一次启动时从 chapters/ 复制，以后从不覆盖（workcopy.py）。
# launch_lab.py 先检查端口（被占用时给出中文提示），再启动 JupyterLab，就绪后用中文告诉您地址和怎样停止。
lab: setup
	@$(BIN)/python workcopy.py --repo "$(CURDIR)" --work work
	@$(BIN)/python launch_lab.py --port $(PORT) --repo "$(CURDIR)" -- \\
		$(BIN)/jupyter lab $(NO_BROWSER) $(AS_ROOT) --port=$(PORT) --ServerApp.port_retries=0 \\
		--ServerApp.root_dir="$(CURDIR)" \\
		--LabApp.default_url=/lab/tree/work/{first_chapter}.ipynb

# 只删除安装的环境，不动 work/ 里您的作答。
clean:
	rm -rf $(VENV)
"""


START_SH = """\
#!/bin/sh
# 客户关系管理课程（学生版）：一条命令启动，等同于在本文件夹里运行 make lab。
cd "$(dirname "$0")" || exit 1
if ! command -v python3 >/dev/null 2>&1; then
    echo "找不到 python3：请先安装 Python 3.10 或更新版本。" >&2
    exit 1
fi
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    echo "python3 的版本太旧（$(python3 --version 2>&1)）：需要 Python 3.10 或更新版本。" >&2
    exit 1
fi
if ! command -v make >/dev/null 2>&1; then
    echo "找不到 make：请先安装（Debian/Ubuntu：sudo apt-get install make；macOS：xcode-select --install）。" >&2
    exit 1
fi
exec make lab "$@"
"""

DATA_INIT = '"""课程的案例数据（合成数据，CSV）与数据字典 data_dictionary.csv。请用 ``crmlib.load_dataset(name)`` 读取。"""\n'


def student_readme(folder: str, names: list[str]) -> str:
    listing = "\n".join(f"- `chapters/{name}.ipynb`" for name in names)
    first = names[0]
    return f"""\
# 客户关系管理（CRM）课程 · 学生版

这是课程发给学生的版本：各章的 notebook（含练习）、分析库 `crmlib` 和案例数据。
里面没有参考答案，也没有评分用的隐藏测试。

## 两步开始

需要 Python 3.10 或更新版本和 `make`（Linux / macOS）。

1. 解压这个压缩包，在终端里进入解压出来的文件夹：

   ```bash
   cd {folder}
   ```

2. 启动课程：

   ```bash
   make lab        # 或者：sh start.sh
   ```

   第一次运行会在文件夹里创建 `.venv` 并安装所需的库（需要联网，几分钟），之后不再需要联网。
   JupyterLab 在 `http://localhost:8888/lab` 打开 `work/{first}.ipynb`：这是您自己的副本，
   第一次启动时从 `chapters/` 复制，以后从不覆盖。端口可以改：`make lab PORT=9000`。
   没有图形界面的机器上（服务器、SSH）不会弹出浏览器，请打开终端里打印的地址（带有访问令牌 `token=…`）。

没有 `make` 的电脑（例如 Windows 的命令提示符）可以这样安装和启动：

```
python -m venv .venv
.venv\\Scripts\\python -m pip install -e .
.venv\\Scripts\\python workcopy.py
.venv\\Scripts\\jupyter lab work\\{first}.ipynb
```

## 里面有什么

{listing}
- `crmlib/`：课程的分析库；`crmlib/data/` 是案例数据（按教材案例合成）和数据字典，用 `crmlib.load_dataset("名字")` 读取

## 练习与提交

每章最后有练习。代码题下面有自检单元格，没通过时给出中文提示；老师评分时另有隐藏测试，所以自检通过不等于满分。
书面题由老师批改。按老师的要求提交 `work/` 里您作答的 notebook，不要改文件名。

老师发来新版本时，请解压到新的文件夹，不要覆盖已经作答的 notebook。
"""


def _secret_lines(source_nb, marks=None) -> set[str]:
    """Distinctive lines of a teacher notebook's solutions and hidden tests.

    A line counts when it is at least MIN_SECRET characters long and the public part of the
    teacher version (the text outside the solution and hidden-test blocks, which the student
    version legitimately repeats) does not contain it (crmcourse.notebooks.unseen: a hidden
    ``assert type(x) is int`` inside a visible ``assert type(x) is int, "提示"`` is no secret).
    ``marks``: nbgrader's delimiters (crmcourse.notebooks.Delimiters; default nbgrader's own).
    """
    from . import notebooks as N

    secret: list[str] = []
    for cell in source_nb.cells:
        for block in N.secret_blocks(cell.source, marks)[1]:
            secret.extend(block.splitlines())
    for exercise in N.exercises(source_nb):
        secret.extend(exercise.solution.splitlines())
    lines = {line.strip() for line in secret if len(line.strip()) >= MIN_SECRET}
    return set(N.unseen(lines, N.public_text(source_nb, marks)))


def member_text(name: str, data: bytes) -> str | None:
    """The text a reader of a member sees (a notebook's cell sources and outputs), or None if binary."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if name.endswith(".ipynb"):
        nb = json.loads(text)
        parts = []
        for cell in nb.get("cells", []):
            source = cell.get("source", "")
            parts.append("".join(source) if isinstance(source, list) else source)
            for output in cell.get("outputs", []):
                parts.append(json.dumps(output, ensure_ascii=False))
        text = text + "\n" + "\n".join(parts)
    return text


def find_leaks(files: dict[str, bytes], secrets: set[str], markers=None) -> list[str]:
    """'member: what' for every marker (nbgrader's delimiters; default its own) or secret line found in the files."""
    if markers is None:
        from .notebooks import delimiters

        markers = delimiters()
    found = []
    for name, data in files.items():
        text = member_text(name, data)
        if text is None:
            continue
        for marker in markers:
            if marker in text:
                found.append(f"{name}：{marker}")
        lines = {line.strip() for line in text.splitlines()}
        hits = secrets & lines
        if name.endswith(".ipynb"):
            hits |= {line for line in secrets - hits if line in text}
        found.extend(f"{name}：{line[:60]}" for line in sorted(hits))
    return found


# ---------------------------------------------------------------- packing

def _stale(course: Path, chapters_dir: Path, name: str) -> bool:
    """The student version is missing or older than the teacher version."""
    student = chapters_dir / f"{name}.ipynb"
    source = course / "source" / name / f"{name}.ipynb"
    return not student.is_file() or source.stat().st_mtime > student.stat().st_mtime


def _output_path(output, repo: Path, today: datetime.date | None) -> Path:
    if output is None:
        # dist/ is git-ignored: the archive never shows up as a change in the repository.
        path = repo / "dist" / default_name(today)
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        path = Path(output).expanduser()
        if path.is_dir() and not path.is_symlink():
            path = path / default_name(today)
    path = path.absolute()
    if not path.parent.is_dir():
        raise FileNotFoundError(f"输出文件夹 {path.parent} 不存在。")
    if (path.exists() or path.is_symlink()) and not is_student_pack(path):
        raise FileExistsError(f"{path} 已经存在，而且不是 crmcourse pack 生成的学生版压缩包：不覆盖它。"
                              "请换一个文件名（-o 新文件.zip），或先自己删除它。")
    return path


def pack(output=None, names: list[str] | None = None, *, repo: Path | None = None,
         today: datetime.date | None = None, refresh: bool = True) -> Packed:
    """Write the student edition of ``names`` (default: every chapter) to a zip file.

    ``output`` is a file or an existing folder; the default is
    ``<repo>/dist/crm-course-student-<date>.zip``. An existing file is replaced only if it
    is a student edition written here. With ``refresh``, a chapter whose student version is
    missing or older than its teacher version is released again first (as ``crmcourse
    release`` does). Raises ValueError (unknown chapter), FileExistsError (would overwrite an
    unrelated file), FileNotFoundError (no such output folder) and RuntimeError (a solution or
    hidden test would be packed; nothing is written then).
    """
    repo = Path(repo).resolve() if repo else find_repo()
    course = repo / "assignments"
    chapters_dir = repo / "chapters"
    available = course_chapters(course)
    names = list(dict.fromkeys(names or available))
    unknown = [name for name in names if name not in available]
    if unknown:
        raise ValueError(f"没有章节 {', '.join(unknown)}。现有章节：{', '.join(available)}")
    names.sort(key=available.index)
    path = _output_path(output, repo, today)

    refreshed = [name for name in names if _stale(course, chapters_dir, name)] if refresh else []
    if refreshed:
        from .release import release

        release(course, refreshed, chapters_dir=chapters_dir)

    top = f"{PREFIX}-{(today or datetime.date.today()).isoformat()}"
    files: dict[str, bytes] = {}
    for name in names:
        student = chapters_dir / f"{name}.ipynb"
        if not student.is_file():
            raise FileNotFoundError(f"没有学生版 chapters/{name}.ipynb：请先运行 crmcourse release {name}。")
        files[f"chapters/{name}.ipynb"] = student.read_bytes()
    for module in sorted((repo / "crmlib").glob("*.py")):
        files[f"crmlib/{module.name}"] = module.read_bytes()
    data = sorted((repo / "crmlib" / "data").glob("*.csv"))
    if not any(p.name == "catalog.csv" for p in data) or not any(p.name == "data_dictionary.csv" for p in data):
        raise FileNotFoundError(f"{repo / 'crmlib' / 'data'} 里缺少 catalog.csv 或 data_dictionary.csv。")
    files["crmlib/data/__init__.py"] = DATA_INIT.encode()
    for table in data + sorted((repo / "crmlib" / "data").glob("*.txt")):   # the data and its licence notes
        files[f"crmlib/data/{table.name}"] = table.read_bytes()
    files["pyproject.toml"] = student_pyproject(repo).encode()
    files["Makefile"] = student_makefile(names[0]).encode()
    files["start.sh"] = START_SH.encode()
    for helper in ("workcopy.py", "launch_lab.py"):   # standard library only: they run before anything is installed
        files[helper] = Path(__file__).with_name(helper).read_bytes()
    files["README.md"] = student_readme(top, names).encode()
    files[".jupyter-settings/overrides.json"] = (repo / ".jupyter-settings" / "overrides.json").read_bytes()
    if (repo / "LICENSE").is_file():
        files["LICENSE"] = (repo / "LICENSE").read_bytes()

    # Imported here: nbformat takes seconds to import, and a refusal above should answer at once.
    from . import notebooks as N

    marks = N.course_delimiters(course)
    secrets: set[str] = set()
    for name in available:  # every chapter's secrets, not only the packed ones
        secrets |= _secret_lines(N.read(N.source_notebook(course, name)), marks)
    leaks = find_leaks(files, secrets, marks)
    if leaks:
        raise RuntimeError("学生版里会出现参考答案或隐藏测试，没有打包：\n  " + "\n  ".join(leaks[:20]))

    buffer = io.BytesIO()
    stamp = (datetime.datetime.now().timetuple())[:6]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(f"{top}/{name}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100755 if name == "start.sh" else 0o100644) << 16
            archive.writestr(info, content)
        archive.comment = ZIP_COMMENT
    # Written next to the target, then moved into place: never a half-written archive.
    handle, temp = tempfile.mkstemp(prefix=".crm-pack-", suffix=".zip", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(buffer.getvalue())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return Packed(path, names, refreshed, [f"{top}/{name}" for name in files])
