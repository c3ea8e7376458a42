"""Collecting submissions into ``submitted/<student>/<chapter>/``.

Two ways in: nbgrader's exchange (JupyterHub classes, JupyterLab's Assignment List: ``nbgrader
collect``), or a folder of notebooks gathered any other way (e-mail, LMS download, USB stick),
laid out as either

    FOLDER/<student>.ipynb                  one notebook per student
    FOLDER/<student>/<anything>.ipynb       one folder per student (one notebook inside)

Each notebook is copied as ``submitted/<student>/<chapter>/<chapter>.ipynb`` with a
``timestamp.txt`` taken from the file's modification time, as nbgrader expects.

Both ways report, per student, whether the submission is new, replaces an earlier one, or is
the same as the one already collected (left as it is, timestamp included). An earlier
submission that is replaced is never lost: it is moved to
``submitted/<student>/.replaced/<chapter>-<its time>/`` (a hidden folder: nbgrader's globs and
``crmcourse autograde`` only look at ``submitted/<student>/<chapter>/``).

A notebook is rejected at collect time, with the student named, when it cannot be read as a
notebook (a corrupt or truncated file) or when it belongs to another chapter (its graded
cells' ``grade_id`` match another chapter's, or none of this chapter's). A rejected notebook
from a folder is not copied; one that came through the exchange is moved to
``submitted/<student>/.rejected/<chapter>-<time>/`` and the student's earlier submission, if
any, is put back.

The folder is untrusted input: only regular files are taken (a symbolic link named
``alice.ipynb`` pointing at the teacher version, a FIFO, a device, a link to a folder are
refused, never opened or followed), each at most ``MAX_NOTEBOOK_BYTES``; every refused
entry is named on a Chinese line. The exchange's inbound folder is untrusted too: nbgrader
collect only ever sees a copy of it made by the same rules (:func:`safe_inbound`). Run as
root, both are read with the rights of the folder's owner (crmcourse.unprivileged). Archives (.zip, .tar) are not read: unpack them first
(with a tool that does not restore links, or check what it restored).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import nbgrader_cli, untrusted
from .errors import CourseError

MAX_NOTEBOOK_BYTES = 100 * 1024 ** 2

STUDENT_ID = re.compile(r"^[A-Za-z0-9_\-.\u4e00-\u9fff]+$")

# Hidden folders under submitted/<student>/: nbgrader's globs skip names that start with a dot.
REPLACED = ".replaced"
REJECTED = ".rejected"
# What of a submission folder is kept aside while nbgrader collect may replace it.
KEEP_LIMITS = untrusted.CopyLimits(max_depth=8, max_files=200, max_file_bytes=MAX_NOTEBOOK_BYTES,
                                   max_bytes=200 * 1024 ** 2)


@dataclass
class Collected:
    """What one ``collect`` did, per student."""

    chapter: str
    new: list[str] = field(default_factory=list)
    replaced: dict[str, Path] = field(default_factory=dict)    # student -> where the earlier submission is kept
    unchanged: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)     # student -> why (Chinese)
    refused: list[str] = field(default_factory=list)           # files not taken (links, FIFOs, ...): Chinese lines
    skipped: list[str] = field(default_factory=list)           # entries that name no student: Chinese lines
    warnings: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)          # exchange: a newer submission not taken (no --update)

    @property
    def students(self) -> list[str]:
        """Students whose submission is now in submitted/ (new, replaced or unchanged)."""
        return sorted([*self.new, *self.replaced, *self.unchanged, *self.waiting])

    def lines(self, course_dir: Path | None = None) -> list[str]:
        """One Chinese line per student (sorted), then the refused files and the other notes."""
        def shown(path: Path) -> str:
            if course_dir is not None:
                try:
                    return Path(path).relative_to(course_dir).as_posix()
                except ValueError:
                    pass
            return str(path)

        status = {s: "新提交" for s in self.new}
        status.update({s: f"新提交，替换了之前收取的那份（旧的保留在 {shown(p)}/）" for s, p in self.replaced.items()})
        status.update({s: "与已收取的那份相同，没有改动" for s in self.unchanged})
        status.update({s: f"拒收：{why}" for s, why in self.rejected.items()})
        status.update({s: "exchange 里有一份更新的提交，没有收取：加 --update 收取（之前那份会保留）" for s in self.waiting})
        width = max([len(s) for s in status] + [8])
        out = [f"  {s:<{width}}  {text}" for s, text in sorted(status.items())]
        out += [f"  {line}" for line in self.skipped + self.refused + self.warnings]
        return out

    def summary(self) -> str:
        parts = [f"新提交 {len(self.new)} 份", f"替换 {len(self.replaced)} 份", f"未改动 {len(self.unchanged)} 份"]
        if self.waiting:
            parts.append(f"有更新的提交未收取 {len(self.waiting)} 份（加 --update）")
        if self.rejected:
            parts.append(f"拒收 {len(self.rejected)} 份（{', '.join(sorted(self.rejected))}）")
        if self.refused:
            parts.append(f"拒收 {len(self.refused)} 个文件（只收普通文件）")
        return "，".join(parts)


# ---------------------------------------------------------------- what a notebook is

def chapter_grade_ids(course_dir: Path) -> dict[str, set[str]]:
    """grade_id of every graded or answer cell, per chapter of the course ({} without source/)."""
    source = Path(course_dir) / "source"
    found: dict[str, set[str]] = {}
    if not source.is_dir():
        return found
    for folder in sorted(source.iterdir()):
        path = folder / f"{folder.name}.ipynb"
        if not path.is_file():
            continue
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError):
            continue
        found[folder.name] = _grade_ids(cells)
    return found


def _grade_ids(cells) -> set[str]:
    ids = set()
    for cell in cells if isinstance(cells, list) else []:
        meta = cell.get("metadata", {}) if isinstance(cell, dict) else {}
        nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
        if isinstance(nbg, dict) and isinstance(nbg.get("grade_id"), str):
            ids.add(nbg["grade_id"])
    return ids


def notebook_problem(data: bytes, chapter: str, known: dict[str, set[str]]) -> str:
    """Why a submitted notebook cannot be taken for ``chapter`` ('' if it can).

    ``known``: :func:`chapter_grade_ids` of the course. A notebook is corrupt when it is not
    UTF-8 JSON that nbformat reads as a notebook; it belongs to another chapter when its graded
    cells' ids match another chapter better than this one (or match none of this chapter's).
    A notebook without any nbgrader cell is taken (autograde reports its missing test cells).
    """
    import nbformat

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "文件损坏：不是 UTF-8 文本，不是 notebook"
    try:
        raw = json.loads(text)
    except ValueError as exc:
        where = f"（第 {exc.lineno} 行第 {exc.colno} 列出错）" if hasattr(exc, "lineno") else ""
        empty = "文件是空的" if not text.strip() else f"不是完整的 JSON{where}"
        return f"文件损坏，不是合法的 notebook：{empty}；可能上传或保存时中断了"
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat's errors: no cells, unknown version, ...
        return f"文件损坏，不是合法的 notebook（{type(exc).__name__}）"
    ids = _grade_ids(nb.get("cells", []))
    expected = known.get(chapter)
    meta_chapter = (raw.get("metadata", {}).get("crmcourse") or {}).get("chapter") if isinstance(raw, dict) else None
    if not expected:
        return ""
    if not ids:
        if isinstance(meta_chapter, str) and meta_chapter != chapter and meta_chapter in known:
            return f"是 {meta_chapter} 的 notebook（见它的元数据），不是 {chapter} 的；请让学生提交 {chapter}"
        return ""
    overlap = {name: len(ids & names) for name, names in known.items()}
    best = max(overlap, key=lambda name: (overlap[name], name == chapter))
    if overlap[chapter] and best == chapter:
        return ""
    what = f"是 {best} 的 notebook" if overlap[best] else "不是本课程任何一章的 notebook"
    return f"{what}，不是 {chapter} 的（评分单元格的编号对不上）；请让学生提交 {chapter}"


# ---------------------------------------------------------------- keeping earlier submissions

def _when(folder: Path) -> dt.datetime:
    """Local time of a submission folder's timestamp.txt (now when it has none)."""
    from nbgrader.utils import parse_utc

    try:
        fd = untrusted.open_dir(folder)
        try:
            text = untrusted.read_text("timestamp.txt", 1024, dir_fd=fd).strip()
        finally:
            os.close(fd)
        when = parse_utc(text)
        return when.replace(tzinfo=dt.timezone.utc).astimezone() if when.tzinfo is None else when.astimezone()
    except Exception:  # missing, unreadable, not a time
        return dt.datetime.now().astimezone()


def _free_name(folder: Path, stem: str) -> Path:
    path, n = folder / stem, 2
    while os.path.lexists(path):
        path, n = folder / f"{stem}-{n}", n + 1
    return path


def set_aside(folder: Path, kind: str = REPLACED, *, chapter: str | None = None,
              student_dir: Path | None = None) -> Path:
    """Move a submission folder to ``<student_dir>/<kind>/<chapter>-<time>`` (default: beside it).

    The time is the submission's own (its timestamp.txt), else now. A rename: nothing is followed or copied.
    """
    folder = Path(folder)
    keep = Path(student_dir or folder.parent) / kind
    keep.mkdir(exist_ok=True)
    target = _free_name(keep, f"{chapter or folder.name}-{_when(folder):%Y%m%d-%H%M%S}")
    os.rename(folder, target)
    return target


def _fingerprint(folder: Path) -> str | None:
    """Digest of a submission folder's notebooks and timestamp.txt (None when it is no real folder)."""
    if not untrusted.is_dir(folder):
        return None
    digest = hashlib.sha256()
    try:
        fd = untrusted.open_dir(folder)
    except OSError:
        return None
    try:
        for name in sorted(os.listdir(fd)):
            if name.endswith(".ipynb") or name == "timestamp.txt":
                try:
                    data = untrusted.read_bytes(name, MAX_NOTEBOOK_BYTES, dir_fd=fd)
                except OSError as exc:
                    data = f"unreadable: {exc}".encode()
                digest.update(name.encode("utf-8", "surrogateescape") + b"\0" + hashlib.sha256(data).digest())
    finally:
        os.close(fd)
    return digest.hexdigest()


def _reject(dest: Path, chapter: str) -> Path:
    """Move a rejected submission to ``.rejected/`` beside it (once: the same one collected again is dropped)."""
    keep = dest.parent / REJECTED
    same = _fingerprint(dest)
    if untrusted.is_dir(keep):
        for earlier in sorted(keep.iterdir()):
            if earlier.name.startswith(f"{chapter}-") and _fingerprint(earlier) == same:
                untrusted.remove(dest)
                return earlier
    return set_aside(dest, REJECTED)


def folder_problem(folder: Path, chapter: str, known: dict[str, set[str]]) -> str:
    """:func:`notebook_problem` of the notebooks in a submission folder ('' if all are fine)."""
    try:
        fd = untrusted.open_dir(folder)
    except OSError as exc:
        return f"提交文件夹不可用（{exc}）"
    try:
        names = sorted(n for n in os.listdir(fd) if n.endswith(".ipynb"))
        if not names:
            return "提交里没有 notebook（.ipynb 文件）"
        for name in names:
            try:
                data = untrusted.read_bytes(name, MAX_NOTEBOOK_BYTES, dir_fd=fd)
            except OSError as exc:
                return f"{untrusted.printable(name)}：{exc}"
            problem = notebook_problem(data, chapter, known)
            if problem:
                return problem if len(names) == 1 else f"{untrusted.printable(name)}：{problem}"
    finally:
        os.close(fd)
    return ""


# ---------------------------------------------------------------- from the exchange

def exchange_inbound(course_dir: Path) -> Path:
    """The exchange's inbound folder of this course, as the course configuration names it."""
    from .launch import course_config

    config = course_config(Path(course_dir))
    root = config.Exchange.get("root") or "/srv/nbgrader/exchange"
    course_id = config.CourseDirectory.get("course_id") or ""
    return Path(root) / course_id / "inbound"


def collect_exchange_report(course_dir: Path, chapter: str, update: bool = False) -> Collected:
    """``nbgrader collect`` with a report per student; replaced submissions are kept, bad ones rejected."""
    course_dir = Path(course_dir)
    inbound = exchange_inbound(course_dir)
    if not inbound.is_dir():
        raise CourseError(f"exchange 里还没有这门课的收件箱（{inbound}）：还没有发布过，或 CRM_EXCHANGE 指错了。"
                          f"先运行 crmcourse release {chapter} --exchange，学生在 Assignment List 里提交之后再收取；"
                          f"作业是用别的方式收来的，请用 crmcourse collect {chapter} --from 文件夹")
    base = course_dir / "submitted"
    report = Collected(chapter)
    before = {}
    if untrusted.is_dir(base):
        for student in sorted(os.listdir(base)):
            if not student.startswith("."):
                fingerprint = _fingerprint(base / student / chapter)
                if fingerprint is not None:
                    before[student] = fingerprint
    # nbgrader collect --update deletes the submission it replaces: keep a copy of each first.
    stash = base / f".collect-{os.getpid()}"
    mirror = None
    try:
        if before:
            stash.mkdir(parents=True)
            for student in before:
                try:
                    untrusted.copy_tree(base / student / chapter, stash / student, KEEP_LIMITS)
                except OSError:
                    pass
        mirror = safe_inbound(inbound, chapter, report)
        args = ["collect", chapter, f"--Exchange.root={mirror}"] + (["--update"] if update else [])
        done = nbgrader_cli.run(course_dir, *args)
        log = (done.stdout or "") + (done.stderr or "")
        for line in log.splitlines():
            if "claims to be submitted by" in line:
                report.warnings.append(f"注意：{line.split('] ')[-1].strip()}（提交文件的属主与学号不一致，可能有人冒名提交）")
        known = chapter_grade_ids(course_dir)
        students = sorted(s for s in os.listdir(base) if not s.startswith(".")) if untrusted.is_dir(base) else []
        for student in students:
            dest = base / student / chapter
            now = _fingerprint(dest)
            if now is None or before.get(student) == now:
                if now is not None:
                    report.unchanged.append(student)
                continue
            problem = folder_problem(dest, chapter, known)
            kept = stash / student
            if problem:
                moved = _reject(dest, chapter)
                if untrusted.is_dir(kept):
                    os.rename(kept, dest)
                report.rejected[student] = (f"{problem}（这份移到了 {moved.relative_to(course_dir).as_posix()}/"
                                            + ("，之前收取的那份仍在原处）" if student in before else "）"))
            elif student in before and untrusted.is_dir(kept):
                report.replaced[student] = set_aside(kept, REPLACED, chapter=chapter, student_dir=dest.parent)
            elif student in before:
                report.replaced[student] = dest  # the earlier one could not be kept (it was not a readable folder)
            else:
                report.new.append(student)
    finally:
        untrusted.remove(stash)
        if mirror is not None:
            untrusted.remove(mirror)
    if not update:
        newer = _newer_in_exchange(inbound, base, chapter, report.unchanged)
        report.unchanged = [s for s in report.unchanged if s not in newer]
        report.waiting = newer
    return report


def safe_inbound(inbound: Path, chapter: str, report: Collected) -> Path:
    """An exchange root holding a safe copy of the inbound submissions of ``chapter``, for nbgrader collect.

    nbgrader collect copies the inbound folders with ``shutil.copytree``, which follows links,
    as whoever runs it (often root); a student can put anything into the inbound folder. So
    it collects from this copy instead: regular files only, each submission read with its
    owner's rights (:mod:`crmcourse.unprivileged`), the limits of :data:`KEEP_LIMITS`. Every
    refused entry is named in ``report.refused``. The copy keeps each folder's owner, so
    nbgrader's check that the owner matches the student id still works. The caller removes it.
    """
    root = Path(tempfile.mkdtemp(prefix="crm-inbound-"))
    mirror = root / inbound.parent.name / "inbound"
    mirror.mkdir(parents=True)
    try:
        names = sorted(os.listdir(inbound))
    except OSError as error:
        raise CourseError(f"无法读取 exchange 的收件箱 {inbound}（{untrusted.reason(error)}）") from error
    for name in names:
        parts = name.rsplit("+", 3)
        if len(parts) < 3 or parts[1] != chapter:
            continue
        shown = untrusted.printable(name)
        st = _lstat(inbound / name)
        if st is None:
            continue
        if not stat.S_ISDIR(st.st_mode):
            report.refused.append(f"拒收 exchange 里的 {shown}：{untrusted.not_regular(st.st_mode)}")
            continue
        try:
            copied = untrusted.copy_tree(inbound / name, mirror / name, KEEP_LIMITS)
        except OSError as error:
            report.refused.append(f"拒收 exchange 里的 {shown}：{error}")
            untrusted.remove(mirror / name)
            continue
        for path, why in copied.refused:
            report.refused.append(f"拒收 {untrusted.printable(parts[0])} 提交里的 {untrusted.printable(path)}：{why}")
        if os.geteuid() == 0:
            os.chown(mirror / name, st.st_uid, st.st_gid, follow_symlinks=False)
    return root


def _newer_in_exchange(inbound: Path, base: Path, chapter: str, students: list[str]) -> list[str]:
    """Of ``students``, those with a submission in the exchange newer than the one collected."""
    from nbgrader.utils import parse_utc

    newest: dict[str, object] = {}
    try:
        names = os.listdir(inbound)
    except OSError:
        return []
    for name in names:
        parts = name.rsplit("+", 3)
        if len(parts) < 3 or parts[1] != chapter:
            continue
        try:
            when = parse_utc(parts[2])
        except Exception:
            continue
        if parts[0] not in newest or when > newest[parts[0]]:
            newest[parts[0]] = when
    waiting = []
    for student in students:
        try:
            fd = untrusted.open_dir(base / student / chapter)
            try:
                collected = parse_utc(untrusted.read_text("timestamp.txt", 1024, dir_fd=fd).strip())
            finally:
                os.close(fd)
        except Exception:
            continue
        if student in newest and newest[student] > collected:
            waiting.append(student)
    return waiting


def collect_exchange(course_dir: Path, chapter: str, update: bool = False) -> Collected:
    return collect_exchange_report(course_dir, chapter, update=update)


# ---------------------------------------------------------------- from a folder

def _timestamp(mtime: float) -> str:
    when = dt.datetime.fromtimestamp(mtime, tz=dt.timezone.utc)
    return when.strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def _lstat(path: Path):
    try:
        return os.lstat(path)
    except OSError:
        return None


def find_notebooks(folder: Path, chapter: str, refused: list[str] | None = None,
                   problems: list[str] | None = None) -> dict[str, Path]:
    """student id -> notebook file, from a folder in one of the two layouts.

    Only regular files and real folders count; each link, FIFO, socket or device that stands
    where a notebook or a student folder could be is refused: its name and the reason go to
    ``refused`` (Chinese lines), and are printed when ``refused`` is None. Entries that name no
    student (a folder with two notebooks, a bad student id) go to ``problems`` (printed when None).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CourseError(f"找不到文件夹：{folder}。--from 后面写放着学生 notebook 的文件夹"
                          f"（学号.ipynb，或每人一个子文件夹 学号/任意名.ipynb）")
    found: dict[str, Path] = {}
    skipped: list[str] = [] if problems is None else problems
    rejected: list[str] = [] if refused is None else refused
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        st = _lstat(entry)
        if st is None:
            continue
        shown = untrusted.printable(entry.name)
        if entry.suffix == ".ipynb" and not stat.S_ISREG(st.st_mode):
            rejected.append(f"拒收 {shown}：{untrusted.not_regular(st.st_mode)}")
            continue
        if stat.S_ISREG(st.st_mode) and entry.suffix == ".ipynb":
            student, path = entry.stem, entry
        elif stat.S_ISDIR(st.st_mode):
            notebooks = []
            for inner in sorted(entry.glob("*.ipynb")):
                inner_st = _lstat(inner)
                if inner_st is None:
                    continue
                if not stat.S_ISREG(inner_st.st_mode):
                    rejected.append(f"拒收 {shown}/{untrusted.printable(inner.name)}："
                                    f"{untrusted.not_regular(inner_st.st_mode)}")
                    continue
                notebooks.append(inner)
            preferred = [p for p in notebooks if p.stem == chapter]
            if preferred:
                notebooks = preferred
            if len(notebooks) != 1:
                skipped.append(f"跳过 {shown}/：应当正好有一个 .ipynb 文件，找到 {len(notebooks)} 个")
                continue
            student, path = entry.name, notebooks[0]
        elif stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode):
            rejected.append(f"拒收 {shown}：{untrusted.not_regular(st.st_mode)}")
            continue
        else:
            continue
        if not STUDENT_ID.match(student):
            skipped.append(f"跳过 {shown}：学号只能包含字母、数字、汉字、下划线、连字符和点")
            continue
        found[student] = path
    if problems is None:
        for line in skipped:
            print(line)
    if refused is None:
        for line in rejected:
            print(line)
    return found


def collect_folder_detailed(course_dir: Path, chapter: str, folder: Path) -> Collected:
    """Copy a folder of submitted notebooks into ``submitted/``; what happened, per student.

    A notebook is read with ``O_NOFOLLOW`` and checked to be a regular file on the open
    descriptor, so it cannot be swapped for a link between the listing and the copy. The
    same notebook collected again is left as it is (timestamp included); a different one
    replaces the earlier submission, which is moved to ``submitted/<student>/.replaced/``.
    """
    course_dir, folder = Path(course_dir), Path(folder)
    report = Collected(chapter)
    known = chapter_grade_ids(course_dir)
    for student, path in find_notebooks(folder, chapter, report.refused, report.skipped).items():
        parts = Path(path).relative_to(folder).parts
        try:
            fd = untrusted.open_dir(folder, *parts[:-1])
            try:
                data, st = untrusted.read_file(parts[-1], MAX_NOTEBOOK_BYTES, dir_fd=fd)
            finally:
                os.close(fd)
        except OSError as why:  # Refused (became a link, too big, ...), or it vanished
            report.refused.append(f"拒收 {untrusted.printable('/'.join(parts))}：{why}")
            continue
        problem = notebook_problem(data, chapter, known)
        if problem:
            report.rejected[student] = f"{untrusted.printable('/'.join(parts))} {problem}"
            continue
        dest = course_dir / "submitted" / student / chapter
        previous = None
        if untrusted.is_dir(dest):
            try:
                fd = untrusted.open_dir(dest)
                try:
                    previous = untrusted.read_bytes(f"{chapter}.ipynb", MAX_NOTEBOOK_BYTES, dir_fd=fd)
                finally:
                    os.close(fd)
            except OSError:
                previous = None
            if previous == data:
                report.unchanged.append(student)
                continue
            report.replaced[student] = set_aside(dest, REPLACED)
        else:
            untrusted.remove(dest)  # a link or a file where the folder belongs: never followed
            report.new.append(student)
        dest.mkdir(parents=True)
        (dest / f"{chapter}.ipynb").write_bytes(data)
        (dest / "timestamp.txt").write_text(_timestamp(st.st_mtime))
    return report


def collect_folder_report(course_dir: Path, chapter: str, folder: Path) -> tuple[list[str], list[str]]:
    """Copy a folder of submitted notebooks into ``submitted/``; (students collected, refused lines).

    Refused files and rejected notebooks are printed (Chinese).
    """
    report = collect_folder_detailed(course_dir, chapter, folder)
    for line in report.skipped + report.refused:
        print(line)
    for student, why in sorted(report.rejected.items()):
        print(f"拒收 {student}：{why}")
    return report.students, report.refused


def collect_folder(course_dir: Path, chapter: str, folder: Path) -> list[str]:
    """Copy a folder of submitted notebooks into the course's submitted/ tree (refusals are printed)."""
    return collect_folder_report(course_dir, chapter, folder)[0]
