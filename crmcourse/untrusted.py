"""Reading and copying folders and files that a student could have shaped (hostile input).

A submission folder, a folder of notebooks handed to ``crmcourse collect --from`` and
anything a grading run leaves behind are read by the instructor's tools, often as root.
Everything here therefore

* never follows a symbolic link: folders are walked by file descriptor (``openat``), every
  name is opened with ``O_NOFOLLOW`` and checked with ``fstat`` after opening;
* takes regular files only: links, FIFOs, sockets and device files are refused (never
  opened, so a FIFO cannot block and a device cannot be read);
* stops at limits: folder depth, number of files, bytes per file and bytes in total;
* refuses a file with more than one name (a hard link could be another user's file);
* never raises for what it finds: it names every refused entry, in Chinese;
* when run as root, reads as somebody else: the folder's owner, or a throw-away uid that
  may only read (:mod:`crmcourse.unprivileged`); the child that reads sends the bytes back
  and this process writes them into its own folder.
"""
from __future__ import annotations

import dataclasses
import errno
import os
import shutil
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from . import unprivileged

CHUNK = 1 << 20


@dataclasses.dataclass(frozen=True)
class CopyLimits:
    """How much of an untrusted folder is taken."""

    max_depth: int = 8                    # folders below the top one
    max_files: int = 200
    max_file_bytes: int = 100 * 1024 ** 2
    max_bytes: int = 200 * 1024 ** 2      # all files together
    max_entries: int = 5000               # names looked at (a folder of a million names is not read to the end)


@dataclasses.dataclass
class Copied:
    """What a copy took and what it refused."""

    files: list[str] = dataclasses.field(default_factory=list)
    bytes: int = 0
    refused: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (relative path, why)

    def refuse(self, path: str, why: str) -> None:
        self.refused.append((path, why))

    def describe(self, limit: int = 5) -> str:
        """One Chinese line naming what was refused ('' when nothing was)."""
        if not self.refused:
            return ""
        shown = "；".join(f"{printable(p)}（{why}）" for p, why in self.refused[:limit])
        more = f" 等 {len(self.refused)} 项" if len(self.refused) > limit else ""
        return f"未取回：{shown}{more}"


class Refused(OSError):
    """A path that is not a regular file within the limits; ``str()`` says why, in Chinese."""


def printable(name: str, limit: int = 80) -> str:
    """A file name as it can be shown on one line (control characters escaped, long names cut)."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def kind(mode: int) -> str:
    """Chinese name of a file type that is not taken."""
    if stat.S_ISLNK(mode):
        return "符号链接"
    if stat.S_ISFIFO(mode):
        return "命名管道（FIFO）"
    if stat.S_ISSOCK(mode):
        return "套接字"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备文件"
    if stat.S_ISDIR(mode):
        return "文件夹"
    return "特殊文件"


_ERRNO_WORDS = {
    errno.EACCES: "没有读取权限", errno.EPERM: "没有读取权限", errno.ENOENT: "已不存在",
    errno.ELOOP: "是符号链接", errno.ENOTDIR: "不是文件夹", errno.EIO: "读写出错",
}


def reason(error: OSError) -> str:
    """Why an operating-system call failed, in Chinese where the cause is a common one."""
    return _ERRNO_WORDS.get(error.errno or 0) or error.strerror or str(error)


def not_regular(mode: int) -> str:
    return f"是{kind(mode)}，不是普通文件"


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


def open_dir(base: Path | str, *parts: str) -> int:
    """A descriptor of ``base/part/part…``, following no link below ``base``.

    ``base`` is trusted (the caller's own folder); each further part is opened relative to
    the previous one with ``O_NOFOLLOW``. Raises :class:`Refused` when a part is a link
    or not a folder.
    """
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    try:
        for part in parts:
            if part in ("", ".", "..") or "/" in part:
                raise Refused(f"{printable(part)}：不是合法的名字")
            st = os.stat(part, dir_fd=fd, follow_symlinks=False)
            if not stat.S_ISDIR(st.st_mode):
                raise Refused(f"{printable(part)}：是{kind(st.st_mode)}，不是文件夹")
            new = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = new
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_regular(name: str | Path, dir_fd: int | None = None, max_bytes: int | None = None) -> tuple[int, os.stat_result]:
    """Open a regular file for reading without following a link; (fd, fstat result).

    Refuses (:class:`Refused`) links, FIFOs, sockets, devices (none of them is opened:
    the type is checked with lstat first, then again on the opened descriptor) and files
    larger than ``max_bytes``.
    """
    st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    if not stat.S_ISREG(st.st_mode):
        raise Refused(not_regular(st.st_mode))
    try:
        fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
    except OSError as error:  # ELOOP: it became a link in between
        raise Refused(f"无法打开（{reason(error)}）") from error
    try:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
            raise Refused("读取时被替换成了别的文件")
        if now.st_nlink > 1:
            raise Refused(f"是硬链接（同一个文件有 {now.st_nlink} 个名字），不是单独的文件")
        if max_bytes is not None and now.st_size > max_bytes:
            raise Refused(f"文件过大（{now.st_size} 字节，上限 {max_bytes} 字节）")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, now


def read_file(path: Path | str, max_bytes: int = 100 * 1024 ** 2,
              dir_fd: int | None = None) -> tuple[bytes, unprivileged.FileStatus]:
    """(content, status) of a regular file: no link followed, at most ``max_bytes``, else :class:`Refused`.

    As root the file is read by a child that is not root (see the module's text).
    """
    folder = dir_fd
    if folder is None:
        path = Path(path)
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
        path = path.name
    try:
        def produce():
            try:
                data, st = _read_own(path, max_bytes, folder)
            except OSError as error:
                yield _failure(error), b""
                return
            yield dict(unprivileged.stat_record(st), kind="file"), data

        record, data = _only(_as_reader(folder, produce))
        _raise_for(record)
        return data, unprivileged.FileStatus.of(record)
    finally:
        if dir_fd is None:
            os.close(folder)


def _read_own(path: Path | str, max_bytes: int, dir_fd: int | None) -> tuple[bytes, os.stat_result]:
    fd, st = open_regular(path, dir_fd=dir_fd, max_bytes=max_bytes)
    try:
        data = bytearray()
        while True:
            chunk = os.read(fd, min(CHUNK, max_bytes + 1 - len(data)))
            if not chunk:
                return bytes(data), st
            data += chunk
            if len(data) > max_bytes:
                raise Refused(f"文件过大（超过 {max_bytes} 字节）")
    finally:
        os.close(fd)


def _failure(error: OSError) -> dict:
    """A record for an error met while reading (it crosses from the reading child as JSON)."""
    if isinstance(error, Refused):
        return {"kind": "refused", "why": str(error)}
    return {"kind": "oserror", "errno": error.errno or 0, "why": reason(error)}


def _raise_for(record: dict) -> None:
    if record.get("kind") == "refused":
        raise Refused(record.get("why", "拒收"))
    if record.get("kind") == "oserror":
        why = str(record.get("why", ""))
        raise OSError(record["errno"], why) if record.get("errno") else OSError(why)


def _only(records: Iterator[tuple[dict, bytes]]) -> tuple[dict, bytes]:
    found = list(records)
    if len(found) != 1:
        raise OSError("读取进程没有给出结果")
    return found[0]


def _as_reader(folder_fd: int, produce: Callable[[], Iterator[tuple[dict, bytes]]]) -> Iterator[tuple[dict, bytes]]:
    """``produce()``'s records: made right here, or, as root, by a child reading as somebody else."""
    if not unprivileged.is_root():
        return produce()
    return unprivileged.stream(produce, unprivileged.reader_of(folder_fd))


def read_bytes(path: Path | str, max_bytes: int = 100 * 1024 ** 2, dir_fd: int | None = None) -> bytes:
    """The content of a regular file (no link followed, at most ``max_bytes``), else :class:`Refused`."""
    return read_file(path, max_bytes, dir_fd)[0]


def read_text(path: Path | str, max_bytes: int = 100 * 1024 ** 2, dir_fd: int | None = None) -> str:
    return read_bytes(path, max_bytes, dir_fd).decode("utf-8", errors="replace")


def is_dir(path: Path | str) -> bool:
    """A real folder (not a link to one)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def remove(path: Path | str) -> None:
    """Remove a file, a link (never its target) or a folder tree (links inside are unlinked, not followed)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(path)  # fd-based on Linux: it never follows a link below ``path``
    else:
        os.unlink(path)


def copy_tree(src: Path | str, dest: Path | str, limits: CopyLimits = CopyLimits(), *,
              src_fd: int | None = None, skip: tuple[str, ...] = (".ipynb_checkpoints",)) -> Copied:
    """Copy the regular files below ``src`` into the new folder ``dest``.

    ``dest`` must not exist (it is created; its parent is trusted). ``src`` is opened with
    ``O_NOFOLLOW`` (or ``src_fd`` is used, see :func:`open_dir`); nothing below it is followed.
    Names in ``skip`` are left out silently. Everything else that is not taken (links,
    FIFOs, sockets, devices, hard links, folders too deep, files beyond the count or byte
    limits) is listed in ``Copied.refused``. As root, the walk and the reading happen in a
    child that is not root; this process only writes into ``dest``.
    """
    report = Copied()
    own = src_fd is None
    if own:
        try:
            top = os.open(src, _DIR_FLAGS)
        except OSError as error:  # ELOOP / ENOTDIR: the folder itself is a link or no folder
            raise Refused(f"{printable(str(src))}：不是文件夹（{reason(error)}）") from error
    else:
        top = src_fd
    try:
        os.mkdir(dest, 0o755)
        try:
            for record, data in _as_reader(top, lambda: _entries(top, limits, skip)):
                _take(record, data, Path(dest), report)
        except OSError as error:  # the reading child failed: what was taken stays, the rest is named
            report.refuse(".", f"读取中断（{reason(error)}）")
    finally:
        if own:
            os.close(top)
    return report


def _entries(top: int, limits: CopyLimits, skip: tuple[str, ...]) -> Iterator[tuple[dict, bytes]]:
    """What of a folder is taken, as records: folders, files (with their bytes) and refusals."""
    state = {"seen": 0, "files": 0, "bytes": 0}
    yield from _walk(top, "", 0, limits, skip, state)


def _walk(src_fd: int, prefix: str, depth: int, limits: CopyLimits, skip: tuple[str, ...],
          state: dict) -> Iterator[tuple[dict, bytes]]:
    def refused(path: str, why: str):
        return {"kind": "refused", "path": path, "why": why}, b""

    names = []
    with os.scandir(src_fd) as entries:
        for entry in entries:
            state["seen"] += 1
            if state["seen"] > limits.max_entries:
                yield refused(prefix or ".", f"名字太多（超过 {limits.max_entries} 个），其余的没有查看")
                break
            names.append(entry.name)
    for name in sorted(names):
        rel = prefix + name
        if name in skip:
            continue
        try:
            st = os.stat(name, dir_fd=src_fd, follow_symlinks=False)
        except OSError as error:
            yield refused(rel, f"无法读取（{reason(error)}）")
            continue
        if stat.S_ISDIR(st.st_mode):
            if depth >= limits.max_depth:
                yield refused(rel + "/", f"文件夹层级过深（最多 {limits.max_depth} 层）")
                continue
            try:
                sub = os.open(name, _DIR_FLAGS, dir_fd=src_fd)
            except OSError as error:
                yield refused(rel + "/", f"无法打开（{reason(error)}）")
                continue
            try:
                yield {"kind": "dir", "path": rel}, b""
                yield from _walk(sub, rel + "/", depth + 1, limits, skip, state)
            finally:
                os.close(sub)
            continue
        if not stat.S_ISREG(st.st_mode):
            yield refused(rel, not_regular(st.st_mode))
            continue
        if state["files"] >= limits.max_files:
            yield refused(rel, f"文件太多（最多 {limits.max_files} 个）")
            continue
        room = min(limits.max_file_bytes, limits.max_bytes - state["bytes"])
        if st.st_size > room:
            why = (f"文件过大（{st.st_size} 字节，上限 {limits.max_file_bytes} 字节）"
                   if st.st_size > limits.max_file_bytes else f"总大小超过 {limits.max_bytes} 字节")
            yield refused(rel, why)
            continue
        try:
            data, now = _read_own(name, room, src_fd)
        except Refused as why:
            yield refused(rel, str(why))
            continue
        except OSError as error:
            yield refused(rel, f"无法读取（{reason(error)}）")
            continue
        state["files"] += 1
        state["bytes"] += len(data)
        yield dict(unprivileged.stat_record(now), kind="file", path=rel), data


def _take(record: dict, data: bytes, dest: Path, report: Copied) -> None:
    """Apply one record of :func:`_entries` below ``dest`` (names checked again: never outside it)."""
    kind, path = record.get("kind"), str(record.get("path", ""))
    if kind == "refused":
        report.refuse(path, str(record.get("why", "")))
        return
    parts = path.split("/")
    if kind not in ("dir", "file") or any(p in ("", ".", "..") for p in parts):
        report.refuse(printable(path), "名字不合法")
        return
    folder = open_dir(dest, *parts[:-1])
    try:
        if kind == "dir":
            os.mkdir(parts[-1], 0o755, dir_fd=folder)
            return
        out = os.open(parts[-1], os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0),
                      0o644, dir_fd=folder)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(out, view):]
            os.utime(out, ns=(record["atime_ns"], record["mtime_ns"]))
        finally:
            os.close(out)
        report.files.append(path)
        report.bytes += len(data)
    finally:
        os.close(folder)
