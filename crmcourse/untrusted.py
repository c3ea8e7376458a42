"""Reading and copying folders and files that a student could have shaped (hostile input).

A submission folder, a folder of notebooks handed to ``crmcourse collect --from`` and
anything a grading run leaves behind are read by the instructor's tools, often as root.
Everything here therefore

* never follows a symbolic link: folders are walked by file descriptor (``openat``), every
  name is opened with ``O_NOFOLLOW`` and checked with ``fstat`` after opening;
* takes regular files only: links, FIFOs, sockets and device files are refused (never
  opened, so a FIFO cannot block and a device cannot be read);
* stops at limits: folder depth, number of files, bytes per file and bytes in total;
* never raises for what it finds: it names every refused entry, in Chinese.

Only the standard library is used.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import stat
from pathlib import Path

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
        raise Refused(f"无法打开（{error.strerror}）") from error
    try:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
            raise Refused("读取时被替换成了别的文件")
        if max_bytes is not None and now.st_size > max_bytes:
            raise Refused(f"文件过大（{now.st_size} 字节，上限 {max_bytes} 字节）")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, now


def read_file(path: Path | str, max_bytes: int = 100 * 1024 ** 2,
              dir_fd: int | None = None) -> tuple[bytes, os.stat_result]:
    """(content, fstat) of a regular file: no link followed, at most ``max_bytes``, else :class:`Refused`."""
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


def _copy_data(src_fd: int, dst_fd: int, limit: int) -> int:
    copied = 0
    while True:
        chunk = os.read(src_fd, min(CHUNK, limit + 1 - copied))
        if not chunk:
            return copied
        copied += len(chunk)
        if copied > limit:
            raise Refused(f"文件过大（超过 {limit} 字节）")
        view = memoryview(chunk)
        while view:
            view = view[os.write(dst_fd, view):]


def copy_file(name: str, src_dir_fd: int, dst_dir_fd: int, max_bytes: int, mode: int = 0o644) -> int:
    """Copy one regular file between two open folders; the copy is new (``O_EXCL``), never a link target."""
    fd, st = open_regular(name, dir_fd=src_dir_fd, max_bytes=max_bytes)
    try:
        out = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0),
                      mode, dir_fd=dst_dir_fd)
        try:
            size = _copy_data(fd, out, max_bytes)
            os.utime(out, ns=(st.st_atime_ns, st.st_mtime_ns))
        except BaseException:
            os.close(out)
            os.unlink(name, dir_fd=dst_dir_fd)
            raise
        os.close(out)
        return size
    finally:
        os.close(fd)


def copy_tree(src: Path | str, dest: Path | str, limits: CopyLimits = CopyLimits(), *,
              src_fd: int | None = None, skip: tuple[str, ...] = (".ipynb_checkpoints",)) -> Copied:
    """Copy the regular files below ``src`` into the new folder ``dest``.

    ``dest`` must not exist (it is created; its parent is trusted). ``src`` is opened with
    ``O_NOFOLLOW`` (or ``src_fd`` is used, see :func:`open_dir`); nothing below it is followed.
    Names in ``skip`` are left out silently. Everything else that is not taken (links,
    FIFOs, sockets, devices, folders too deep, files beyond the count or byte limits)
    is listed in ``Copied.refused``.
    """
    report = Copied()
    own = src_fd is None
    if own:
        try:
            top = os.open(src, _DIR_FLAGS)
        except OSError as error:  # ELOOP / ENOTDIR: the folder itself is a link or no folder
            raise Refused(f"{printable(str(src))}：不是文件夹（{error.strerror}）") from error
    else:
        top = src_fd
    os.mkdir(dest, 0o755)
    out = os.open(dest, _DIR_FLAGS)
    seen = [0]
    try:
        _walk(top, out, "", 0, limits, report, skip, seen)
    finally:
        os.close(out)
        if own:
            os.close(top)
    return report


def _walk(src_fd: int, dst_fd: int, prefix: str, depth: int, limits: CopyLimits, report: Copied,
          skip: tuple[str, ...], seen: list[int]) -> None:
    names = []
    with os.scandir(src_fd) as entries:
        for entry in entries:
            seen[0] += 1
            if seen[0] > limits.max_entries:
                report.refuse(prefix or ".", f"名字太多（超过 {limits.max_entries} 个），其余的没有查看")
                break
            names.append(entry.name)
    for name in sorted(names):
        rel = prefix + name
        if name in skip:
            continue
        try:
            st = os.stat(name, dir_fd=src_fd, follow_symlinks=False)
        except OSError as error:
            report.refuse(rel, f"无法读取（{error.strerror}）")
            continue
        if stat.S_ISDIR(st.st_mode):
            if depth >= limits.max_depth:
                report.refuse(rel + "/", f"文件夹层级过深（最多 {limits.max_depth} 层）")
                continue
            try:
                sub = os.open(name, _DIR_FLAGS, dir_fd=src_fd)
            except OSError as error:
                report.refuse(rel + "/", f"无法打开（{error.strerror}）")
                continue
            try:
                os.mkdir(name, 0o755, dir_fd=dst_fd)
                out = os.open(name, _DIR_FLAGS, dir_fd=dst_fd)
                try:
                    _walk(sub, out, rel + "/", depth + 1, limits, report, skip, seen)
                finally:
                    os.close(out)
            finally:
                os.close(sub)
            continue
        if not stat.S_ISREG(st.st_mode):
            report.refuse(rel, not_regular(st.st_mode))
            continue
        if len(report.files) >= limits.max_files:
            report.refuse(rel, f"文件太多（最多 {limits.max_files} 个）")
            continue
        room = min(limits.max_file_bytes, limits.max_bytes - report.bytes)
        if st.st_size > room:
            why = (f"文件过大（{st.st_size} 字节，上限 {limits.max_file_bytes} 字节）"
                   if st.st_size > limits.max_file_bytes else f"总大小超过 {limits.max_bytes} 字节")
            report.refuse(rel, why)
            continue
        try:
            report.bytes += copy_file(name, src_fd, dst_fd, room)
            report.files.append(rel)
        except Refused as why:
            report.refuse(rel, str(why))
        except OSError as error:
            report.refuse(rel, f"无法复制（{error.strerror}）")
