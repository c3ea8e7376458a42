"""Reading what a student could have shaped without being root.

The instructor's tools often run as root (a class server, the grading sandbox needs it).
Whatever they read from a folder a student could have shaped -- a ``collect --from`` folder,
the exchange's inbound folder, ``submitted/`` -- is read by a forked child that first gives
up root:

* a folder that belongs to somebody other than root (a student's home, the exchange
  folder a student created, a teacher's own account) is read **as its owner**, with no
  capability left: exactly what that user could read, nothing more;
* a folder that belongs to root (``submitted/``, written by ``crmcourse collect``) is read
  as a throw-away uid (the sandbox's numbering) that keeps one capability only,
  ``CAP_DAC_READ_SEARCH`` (read any file), so a course kept private by its permissions still
  grades; it can write, change or remove nothing of anybody's.

The child only reads; it streams what it found to the parent (a length-prefixed JSON header,
then the bytes: no pickle, so a confused child cannot make the parent run anything), and the
parent, still root, writes into folders of its own. Nothing of this happens when the tools
do not run as root: they already are an ordinary user.
"""
from __future__ import annotations

import ctypes
import json
import os
import signal
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .sandbox import UID_BASE

CAP_DAC_READ_SEARCH = 2
_PR_SET_KEEPCAPS = 8
_PR_SET_NO_NEW_PRIVS = 38
_CAPABILITY_VERSION_3 = 0x20080522


@dataclass(frozen=True)
class Reader:
    """Who reads a folder: a uid and gid, and whether the read-only capability is kept."""

    uid: int
    gid: int
    read_all: bool

    def describe(self) -> str:
        return f"uid {self.uid}" + ("（只保留读权限）" if self.read_all else "（文件夹的属主）")


def is_root() -> bool:
    return os.geteuid() == 0


def reader_of(folder_fd: int) -> Reader:
    """The reader for an open folder: its owner unless that is root, else the throw-away uid."""
    st = os.fstat(folder_fd)
    if st.st_uid != 0:
        return Reader(st.st_uid, st.st_gid, read_all=False)
    uid = UID_BASE + os.getpid() % 1_000_000
    return Reader(uid, uid, read_all=True)


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


_LIBC: list = []


def _libc():
    """libc's prctl and capset, looked up before forking (a child of a threaded process must not dlopen)."""
    if not _LIBC:
        libc = ctypes.CDLL(None, use_errno=True)
        _LIBC.append((libc.prctl, libc.capset))
    return _LIBC[0]


def drop_to(reader: Reader) -> None:
    """In a child about to read: become ``reader`` for good (raises OSError when that fails)."""
    prctl, capset = _libc()
    if reader.read_all and prctl(_PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_KEEPCAPS)")
    os.setgroups([])
    os.setresgid(reader.gid, reader.gid, reader.gid)
    os.setresuid(reader.uid, reader.uid, reader.uid)
    header = _Header(_CAPABILITY_VERSION_3, 0)
    data = (_Data * 2)()
    if reader.read_all:
        data[0].effective = data[0].permitted = 1 << CAP_DAC_READ_SEARCH
    if capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")
    prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    if os.getuid() == 0 or os.geteuid() == 0:
        raise OSError("仍是 root")


# ---------------------------------------------------------------- the stream between child and parent

def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _send(fd: int, record: dict, data: bytes = b"") -> None:
    head = json.dumps(dict(record, size=len(data)), ensure_ascii=False).encode("utf-8")
    _write_all(fd, len(head).to_bytes(4, "big") + head)
    if data:
        _write_all(fd, data)


def _read_exact(fd: int, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


MAX_HEADER = 1 << 16


def _receive(fd: int) -> tuple[dict, bytes] | None:
    try:
        size = int.from_bytes(_read_exact(fd, 4), "big")
    except EOFError:
        return None
    if size > MAX_HEADER:
        raise OSError("读取进程发来的记录过长")
    record = json.loads(_read_exact(fd, size).decode("utf-8"))
    if not isinstance(record, dict) or not isinstance(record.get("size"), int) or record["size"] < 0:
        raise OSError("读取进程发来的记录无法识别")
    return record, _read_exact(fd, record["size"]) if record["size"] else b""


def stream(produce: Callable[[], Iterator[tuple[dict, bytes]]], reader: Reader) -> Iterator[tuple[dict, bytes]]:
    """The records ``produce()`` yields, produced in a child that runs as ``reader``.

    ``produce`` yields (record, bytes) pairs; records must be JSON objects. An exception in
    the child arrives as ``{"kind": "error", "why": ...}`` and is raised here as OSError.
    Closing the iterator early kills the child.
    """
    _libc()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: give up root, read, report, and never return into the parent's code
        code = 0
        try:
            os.close(read_fd)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                drop_to(reader)
                for record, data in produce():
                    _send(write_fd, record, data)
            except Exception as error:  # reported to the parent, which decides
                why = (error.strerror or str(error)) if isinstance(error, OSError) else traceback.format_exc(limit=2)
                _send(write_fd, {"kind": "error", "why": why, "errno": getattr(error, "errno", None)})
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_fd)
    finished = False
    try:
        while (item := _receive(read_fd)) is not None:
            record, data = item
            if record.get("kind") == "error":
                why = str(record.get("why", "读取失败"))
                raise OSError(record["errno"], why) if record.get("errno") else OSError(why)
            yield record, data
        finished = True
    finally:
        os.close(read_fd)
        if not finished:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _, status = os.waitpid(pid, 0)
        if finished and status != 0:
            raise OSError("读取进程异常退出")


def stat_record(st: os.stat_result) -> dict:
    """What of a file's status travels from the child (the parts the tools use)."""
    return {"mode": st.st_mode, "size": st.st_size, "nlink": st.st_nlink, "uid": st.st_uid,
            "atime_ns": st.st_atime_ns, "mtime_ns": st.st_mtime_ns}


@dataclass(frozen=True)
class FileStatus:
    """A file's status as the reading child saw it (``st_mtime`` in seconds, as os.stat gives)."""

    st_mode: int
    st_size: int
    st_nlink: int
    st_uid: int
    st_atime_ns: int
    st_mtime_ns: int

    @classmethod
    def of(cls, record: dict) -> "FileStatus":
        return cls(record["mode"], record["size"], record["nlink"], record["uid"],
                   record["atime_ns"], record["mtime_ns"])

    @property
    def st_mtime(self) -> float:
        return self.st_mtime_ns / 1e9
