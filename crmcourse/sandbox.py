"""Grading sandbox: student code runs inside bubblewrap, never with the instructor's rights.

nbgrader executes every submission in a Jupyter kernel started by the instructor, inside
the course directory: without a sandbox an answer cell can open ``source/`` (the teacher
version), ``gradebook.db`` (which stores the hidden tests) or another student's folder.

The mechanism is Debian's ``bubblewrap`` (``bwrap``), started through a kernelspec:

* the kernelspec ``crm-sandbox`` (written into a temporary folder that is put on
  ``JUPYTER_PATH``) runs ``python -I -m crmcourse.sandbox launch ... -- <kernel argv>``;
* the launcher (outside the sandbox) reads the connection file, then ``exec``s ``bwrap``
  with a fresh root that holds only: ``/usr`` and the system library links, a few
  ``/etc`` files, the Python environment (venv and base interpreter) and the course
  library with its datasets, all read-only; an empty ``/tmp`` (tmpfs); a private folder
  with the connection file and the kernel's sockets; and, writable, the kernel's working
  folder: a size-limited tmpfs mounted at the path of the folder nbgrader gave it (the
  student's ``autograded/<student>/<chapter>/`` copy), holding copies of the regular files
  found there. The real folder is never visible to student code: nbgrader writes the
  graded notebook into it, and nothing the kernel leaves (links, FIFOs, big files) exists
  outside the sandbox or survives it;
* the kernel's standard input and output are /dev/null and no other descriptor of the
  grading process reaches it (a kernel could otherwise reopen the worker's log);
* new PID, network, IPC and UTS namespaces: no network at all (only a loopback of its
  own), no view of other processes; killed when the grading process goes away;
* the kernel talks to nbgrader over ZeroMQ ``ipc`` (Unix socket files in the private
  folder) instead of TCP on localhost, which a separate network namespace cannot reach;
* when grading runs as root, the kernel drops to a throw-away user id
  (``2000000000 + pid``, no groups, no capabilities, ``no_new_privs``) so that the
  process limit applies (Linux does not enforce it for root) and file permissions add a
  second wall;
* ``prlimit``: CPU seconds, address space, processes, file size, open files, no core dumps.

Interface for the grading commands::

    with sandbox.grading_sandbox(no_sandbox=args.no_sandbox) as box:
        # an nbgrader process (crmcourse autograde's workers, or the nbgrader command):
        command = [..., "nbgrader", "autograde", ...] + box.nbgrader_args()
        env = box.env(os.environ)
        # or one notebook with nbclient (crmcourse check):
        NotebookClient(nb, km=box.kernel_manager(), resources={"metadata": {"path": str(box.workdir())}})

``grading_sandbox`` refuses (CourseError with a Chinese message) when bubblewrap does not
work on this machine, unless ``no_sandbox`` is true. This module uses only the standard
library (and crmcourse.errors, which does too): the launcher runs with ``python -I`` before
anything else is imported.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

from .errors import CourseError

KERNEL_NAME = "crm-sandbox"
# Throw-away user ids for sandboxed kernels when grading runs as root (one per launcher pid).
UID_BASE = 2_000_000_000
# Marks a GradingSandbox folder (never visible to student code); the launcher binds only
# socket folders "ipc-*" directly inside such a folder.
ROOT_MARKER = ".crm-sandbox-root"
CONNECTION_NAME = "connection.json"

# Environment variables handed on to the kernel; everything else is dropped.
PASS_ENV = ("LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_NUMERIC", "LC_TIME", "TZ", "MPLBACKEND",
            "PYDEVD_DISABLE_FILE_VALIDATION", "PYTHONHASHSEED", "PYTHONWARNINGS", "PYTHONIOENCODING",
            "PYTHONUTF8", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_MAX_THREADS")
# Files and folders of /etc a Python kernel may need (bound read-only when they exist).
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "passwd", "group",
             "nsswitch.conf", "hosts", "fonts", "mime.types", "alternatives")
# Packages students import that may live outside the environment (editable install).
STUDENT_PACKAGES = ("crmlib", "crmlib.data")
# A working folder holding one of these is a course folder, never a student's copy.
COURSE_FILES = ("gradebook.db", "nbgrader_config.py")
# What of the working folder is copied into the kernel's tmpfs (regular files only, no links).
STAGE_MAX_FILES = 256
STAGE_MAX_BYTES = 256 * 1024 ** 2
STAGE_MAX_DEPTH = 8

NO_SANDBOX_WARNING = ("警告：已用 --no-sandbox 关闭评分沙箱。学生代码将以你的权限运行，"
                      "能读取教师版（含答案）、成绩库（含隐藏测试）和其他学生的作业，也能联网。"
                      "只在确认所有提交都可信时这样做。")


@dataclasses.dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed kernel (= one notebook)."""

    cpu_seconds: int = 600
    memory_bytes: int = 2 * 1024 ** 3
    processes: int = 64          # threads count too; a Python kernel uses about 10
    file_bytes: int = 100 * 1024 ** 2
    open_files: int = 1024
    tmp_bytes: int = 256 * 1024 ** 2
    folder_bytes: int = 128 * 1024 ** 2   # disk quota of the working folder (beyond the files copied in)

    def as_args(self) -> list[str]:
        return [f"--{f.name.replace('_', '-')}={getattr(self, f.name)}" for f in dataclasses.fields(self)]


# --------------------------------------------------------------------------- availability

def bwrap_path() -> str | None:
    """The bwrap program (``CRM_SANDBOX_BWRAP`` names another one, e.g. a missing one in tests)."""
    return shutil.which(os.environ.get("CRM_SANDBOX_BWRAP", "bwrap"))


def check() -> str | None:
    """None when sandboxed grading works here; otherwise the reason, in Chinese.

    Runs a real sandbox once per process (about 0.1 s): bubblewrap can be installed and
    still not work, e.g. in a container that forbids new namespaces.
    """
    return _check(bwrap_path())


@functools.lru_cache(maxsize=None)
def _check(bwrap: str | None) -> str | None:
    if sys.platform != "linux":
        return "评分沙箱基于 Linux 的 bubblewrap，当前系统不是 Linux"
    if not bwrap:
        return "没有找到 bubblewrap（bwrap 命令）"
    for tool in ("prlimit", "setpriv"):
        if not shutil.which(tool, path="/usr/bin:/bin"):
            return f"没有找到 {tool}（util-linux 软件包）"
    with tempfile.TemporaryDirectory(prefix="crm-sandbox-check-") as tmp:
        work = Path(tmp) / "work"
        ipc = Path(tmp) / "ipc"
        work.mkdir()
        ipc.mkdir()
        uid = _prepare(work, ipc)
        command = bwrap_command([sys.executable, "-I", "-c", "print('ok')"], workdir=work, ipc_dir=ipc,
                                uid=uid, limits=Limits(), env={})
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"bubblewrap 无法启动：{error}"
        if result.returncode != 0 or result.stdout.strip() != "ok":
            detail = (result.stderr or result.stdout).strip().splitlines()
            return "bubblewrap 已安装但无法创建沙箱" + (f"（{detail[-1]}）" if detail else "")
    return None


def available() -> bool:
    return check() is None


def refusal_message(reason: str) -> str:
    return (f"评分沙箱不可用：{reason}。\n"
            "没有沙箱时，学生代码以你的权限运行，能读取教师版（含答案）、成绩库（含隐藏测试）"
            "和其他学生的作业，因此拒绝批改。\n"
            "解决办法：安装 bubblewrap（Debian/Ubuntu：sudo apt-get install bubblewrap，"
            "或在仓库里运行 make sandbox），然后重试；"
            "若确认所有提交都可信，可加上 --no-sandbox 参数在无沙箱的情况下批改。")


# --------------------------------------------------------------------------- grading side

class GradingSandbox:
    """A temporary kernelspec plus the nbgrader options that make grading use it."""

    enabled = True

    def __init__(self, limits: Limits | None = None):
        self.limits = limits or Limits()
        self.root = Path(tempfile.mkdtemp(prefix="crm-sandbox-"))
        self.root.chmod(0o755)  # the sandbox user must reach the ipc folders below
        (self.root / ROOT_MARKER).touch()
        spec_dir = self.root / "kernels" / KERNEL_NAME
        spec_dir.mkdir(parents=True)
        argv = [sys.executable, "-I", "-m", "crmcourse.sandbox", "launch", *self.limits.as_args(), "--",
                sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        spec = {"argv": argv, "display_name": "评分沙箱（Python 3）", "language": "python",
                "interrupt_mode": "signal", "metadata": {"debugger": False}}
        (spec_dir / "kernel.json").write_text(json.dumps(spec, ensure_ascii=False, indent=1), encoding="utf-8")
        self._count = 0

    def _fresh_dir(self, prefix: str) -> Path:
        self._count += 1
        folder = self.root / f"{prefix}-{self._count}"
        folder.mkdir()
        folder.chmod(0o755)
        return folder

    def _ipc_dir(self) -> Path:
        return self._fresh_dir("ipc")

    def nbgrader_args(self) -> list[str]:
        """Options for one nbgrader process (a fresh socket folder each call: parallel workers never share one)."""
        return [f"--Execute.kernel_name={KERNEL_NAME}",
                "--KernelManager.transport=ipc",
                f"--KernelManager.ip={self._ipc_dir() / 'kernel'}"]

    def kernel_manager(self):
        """A kernel manager for one notebook run with nbclient: ``NotebookClient(nb, km=box.kernel_manager())``."""
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import AsyncKernelManager

        specs = KernelSpecManager(kernel_dirs=[str(self.root / "kernels")])
        return AsyncKernelManager(kernel_name=KERNEL_NAME, transport="ipc", ip=str(self._ipc_dir() / "kernel"),
                                  kernel_spec_manager=specs)

    def workdir(self) -> Path:
        """A fresh, empty working folder for a kernel (the notebook's real folder is not handed to its code)."""
        return self._fresh_dir("work")

    def env(self, base: dict | None = None) -> dict:
        """The environment for nbgrader: ``base`` (default os.environ) with the kernelspec on JUPYTER_PATH."""
        env = dict(os.environ if base is None else base)
        env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(self.root), env.get("JUPYTER_PATH", "")) if p)
        return env

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "GradingSandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class NoSandbox:
    """Stand-in when the instructor turned the sandbox off: nbgrader's own kernel, unchanged."""

    enabled = False

    def nbgrader_args(self) -> list[str]:
        return ["--SafeExecute.allow_unsandboxed=True"]  # the instructor said so (--no-sandbox)

    def kernel_manager(self):
        return None  # nbclient makes its usual one

    def workdir(self) -> None:
        """No private folder: the kernel runs in the notebook's own folder."""
        return None

    def env(self, base: dict | None = None) -> dict:
        return dict(os.environ if base is None else base)

    def close(self) -> None:
        pass


@contextlib.contextmanager
def grading_sandbox(no_sandbox: bool = False, limits: Limits | None = None):
    """Context for one grading run; refuses (CourseError, Chinese) when the sandbox cannot work."""
    if no_sandbox:
        print(NO_SANDBOX_WARNING, file=sys.stderr)
        yield NoSandbox()
        return
    reason = check()
    if reason:
        raise CourseError(refusal_message(reason))
    box = GradingSandbox(limits)
    try:
        yield box
    finally:
        box.close()


# --------------------------------------------------------------------------- the sandbox itself

def _package_dirs() -> list[Path]:
    """Folders of the course library and its data, found without importing them."""
    import importlib.util
    found = []
    for name in STUDENT_PACKAGES:
        spec = None
        if "." not in name:
            spec = importlib.util.find_spec(name)
        else:  # ask the meta-path finders directly (an editable install maps subpackages too)
            for finder in sys.meta_path:
                try:
                    spec = finder.find_spec(name, None)
                except Exception:  # noqa: BLE001 - a finder that cannot answer
                    spec = None
                if spec is not None:
                    break
        if spec is not None and spec.submodule_search_locations:
            found.extend(Path(p) for p in spec.submodule_search_locations)
    return found


def _python_dirs() -> list[Path]:
    dirs = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    return [Path(d) for d in sorted(dirs)]


def _inside(path: Path, roots) -> bool:
    return any(path == r or r in path.parents for r in roots)


def check_workdir(workdir: Path) -> None:
    """Refuse to hand a course folder (or the root, or a home) to student code."""
    home = Path.home().resolve()
    if workdir == Path("/") or workdir == home or len(workdir.parts) < 3:
        raise CourseError(f"评分沙箱：工作目录 {workdir} 不是某个学生的作业副本，拒绝启动内核。")
    for name in COURSE_FILES:
        if (workdir / name).exists():
            raise CourseError(f"评分沙箱：工作目录 {workdir} 含有 {name}，是课程目录而不是学生的作业副本，拒绝启动内核。")


def _prepare(workdir: Path, ipc_dir: Path) -> int | None:
    """As root: pick a throw-away uid and hand it the socket folder (nothing else).

    The working folder is not handed over: the kernel gets a tmpfs copy of it
    (:func:`stage_workdir`), so no chown or chmod ever runs on what student code made.
    """
    if os.geteuid() != 0:
        return None
    uid = UID_BASE + os.getpid()
    os.chown(ipc_dir, uid, uid, follow_symlinks=False)
    return uid


@dataclasses.dataclass
class Staged:
    """Regular files of a working folder, open for bwrap to copy into the kernel's tmpfs."""

    dirs: list[str] = dataclasses.field(default_factory=list)            # relative paths
    files: list[tuple[str, int]] = dataclasses.field(default_factory=list)  # (relative path, fd)
    bytes: int = 0
    skipped: list[str] = dataclasses.field(default_factory=list)

    def close(self) -> None:
        for _, fd in self.files:
            try:
                os.close(fd)
            except OSError:
                pass


def stage_workdir(workdir: Path) -> Staged:
    """Open the regular files below ``workdir`` (no link followed, limited depth, count and bytes)."""
    from .untrusted import Refused, open_regular

    staged = Staged()
    top = os.open(workdir, os.O_RDONLY | os.O_DIRECTORY)

    def walk(fd: int, prefix: str, depth: int) -> None:
        with os.scandir(fd) as entries:
            names = sorted(e.name for e in entries)
        for name in names:
            rel = prefix + name
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if stat.S_ISDIR(st.st_mode) and depth < STAGE_MAX_DEPTH:
                sub = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
                staged.dirs.append(rel)
                try:
                    walk(sub, rel + "/", depth + 1)
                finally:
                    os.close(sub)
                continue
            if len(staged.files) >= STAGE_MAX_FILES:
                staged.skipped.append(rel)
                continue
            try:
                file_fd, fst = open_regular(name, dir_fd=fd, max_bytes=STAGE_MAX_BYTES - staged.bytes)
            except (Refused, OSError):
                staged.skipped.append(rel)
                continue
            os.set_inheritable(file_fd, True)
            staged.files.append((rel, file_fd))
            staged.bytes += fst.st_size

    try:
        walk(top, "", 0)
    except BaseException:
        staged.close()
        raise
    finally:
        os.close(top)
    return staged


def matplotlib_font_caches(env: dict) -> list[Path]:
    """matplotlib's font list cache of the grading user (copied into the sandbox: saves ~1 s per kernel)."""
    if env.get("MPLCONFIGDIR"):
        folder = Path(env["MPLCONFIGDIR"])
    else:
        folder = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "matplotlib"
    try:
        return sorted(folder.glob("fontlist-v*.json"))
    except OSError:
        return []


def bwrap_command(kernel_argv: list[str], *, workdir: Path, ipc_dir: Path, uid: int | None,
                  limits: Limits, env: dict, files: dict[str, int] | None = None,
                  staged: Staged | None = None) -> list[str]:
    """The full bwrap command line that runs ``kernel_argv`` sandboxed.

    ``files`` maps a path inside the sandbox's /tmp to an open file descriptor whose
    content bwrap copies there (a private, writable copy). The working folder is a tmpfs
    of ``limits.folder_bytes`` (plus room for the ``staged`` files copied into it).
    """
    args = [bwrap_path() or "bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--hostname", "sandbox", "--die-with-parent"]
    if uid is None:  # not root: an unprivileged user namespace does the mounting
        args.append("--unshare-user")
    host_trees: list[Path] = []   # host folders bound into the sandbox
    made: set[Path] = set()       # folders bwrap creates on its own tmpfs root

    def parents(dest: Path, mode: str = "0755") -> list[str]:
        out = []
        for parent in reversed(dest.parents):
            if parent == Path("/") or parent in made or _inside(parent, host_trees):
                continue
            out += ["--perms", mode, "--dir", str(parent)]
            made.add(parent)
        return out

    def bind(src: Path, dest: Path | None = None, *, writable: bool = False) -> None:
        dest = dest or src
        if _inside(dest, host_trees) and not writable:
            return
        args.extend(parents(dest))
        args.extend(["--bind" if writable else "--ro-bind", str(src), str(dest)])
        host_trees.append(dest)

    # The system: /usr and the usual links into it (or folders, on older layouts).
    bind(Path("/usr"))
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            bind(path)
    args += ["--perms", "0755", "--dir", "/etc"]
    made.add(Path("/etc"))
    for name in ETC_FILES:
        if os.path.lexists(f"/etc/{name}"):
            args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    args += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(limits.tmp_bytes), "--tmpfs", "/tmp"]
    made.add(Path("/tmp"))
    for dest, fd in (files or {}).items():
        args += parents(Path(dest), mode="0777")  # the kernel's own folder in its /tmp
        args += ["--perms", "0666", "--file", str(fd), dest]

    # Python, the course library and its datasets: read-only.
    for path in sorted({*_python_dirs(), *_package_dirs()}, key=lambda p: len(p.parts)):
        real = Path(os.path.realpath(path))
        bind(real)
        if real != path:
            bind(real, path)
    # The kernel's sockets and connection file: writable.
    bind(ipc_dir, writable=True)
    # The working folder: a fresh tmpfs with a disk quota at the same path, holding copies of
    # the staged files. The host folder itself is never mounted: nothing written here leaves.
    staged = staged or Staged()
    page = 4096
    room = limits.folder_bytes + page * (len(staged.dirs) + len(staged.files) + 16) + \
        sum(-(-os.fstat(fd).st_size // page) * page for _, fd in staged.files)
    args.extend(parents(workdir))
    args += ["--perms", "0777", "--size", str(room), "--tmpfs", str(workdir)]
    for rel in staged.dirs:
        args += ["--perms", "0777", "--dir", str(workdir / rel)]
    for rel, fd in staged.files:
        args += ["--perms", "0666", "--file", str(fd), str(workdir / rel)]
    args += ["--chdir", str(workdir), "--clearenv"]
    inner_env = {k: v for k, v in env.items() if k in PASS_ENV}
    # JPY_PARENT_PID=1: inside the sandbox the kernel's parent is bwrap's init (pid 1), which
    # ipykernel does not poll (bwrap --die-with-parent ends the kernel); no "Ctrl-C" banner either.
    inner_env.update({"HOME": "/tmp", "MPLCONFIGDIR": "/tmp/matplotlib", "PYTHONDONTWRITEBYTECODE": "1",
                      "JPY_PARENT_PID": "1", "USER": "student", "LOGNAME": "student",
                      "PATH": os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin", "/bin"])})
    inner_env.setdefault("LANG", "C.UTF-8")
    # Threads count against the process limit: on a many-core server OpenBLAS would start one
    # thread per core at `import numpy` and hit it. At most 8 (the same as unsandboxed up to 8 cores).
    threads = str(max(1, min(os.cpu_count() or 1, 8)))
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_MAX_THREADS"):
        inner_env.setdefault(name, threads)
    for key, value in sorted(inner_env.items()):
        args += ["--setenv", key, value]
    args += ["--", "/usr/bin/prlimit", f"--cpu={limits.cpu_seconds}", f"--as={limits.memory_bytes}",
             f"--nproc={limits.processes}", f"--fsize={limits.file_bytes}", f"--nofile={limits.open_files}",
             "--core=0", "--"]
    if uid is not None:
        args += ["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    return args + list(kernel_argv)


def _detach_descriptors(keep: set[int]) -> None:
    """stdin/stdout/stderr to /dev/null; every descriptor but ``keep`` closed (or close-on-exec)."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    if null > 2:
        os.close(null)
    try:
        open_fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        open_fds = list(range(3, 1024))
    for fd in open_fds:
        if fd > 2 and fd not in keep:
            try:
                os.set_inheritable(fd, False)  # the listing's own descriptor is gone already
            except OSError:
                pass


def launch(argv: list[str]) -> None:
    """Kernelspec entry point: ``launch [--limit=N ...] -- python -m ipykernel_launcher -f CONN [...]``."""
    if "--" not in argv:
        raise CourseError("评分沙箱：用法 launch [限制] -- 内核命令")
    split = argv.index("--")
    options, kernel_argv = argv[:split], argv[split + 1:]
    values = {}
    for option in options:
        key, _, value = option.lstrip("-").partition("=")
        values[key.replace("-", "_")] = int(value)
    limits = Limits(**values)
    if "-f" not in kernel_argv:
        raise CourseError("评分沙箱：内核命令里缺少连接文件（-f）")
    conn_index = kernel_argv.index("-f") + 1
    conn_file = Path(kernel_argv[conn_index])
    info = json.loads(conn_file.read_text(encoding="utf-8"))
    if info.get("transport") != "ipc":
        raise CourseError("评分沙箱：内核必须使用 ipc 传输（--KernelManager.transport=ipc），"
                         "独立网络命名空间里的内核无法连回本机 TCP 端口。")
    ipc_dir = Path(info["ip"]).resolve().parent
    if not (ipc_dir.name.startswith("ipc-") and (ipc_dir.parent / ROOT_MARKER).is_file()):
        raise CourseError(f"评分沙箱：{ipc_dir} 不是评分沙箱创建的套接字目录，拒绝启动内核。")
    workdir = Path.cwd().resolve()
    check_workdir(workdir)
    # One nbgrader process grades its submissions one after another with the same socket
    # folder: empty it, so nothing a previous student's code left there reaches the next one.
    for entry in list(ipc_dir.iterdir()):
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    private = ipc_dir / CONNECTION_NAME
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(info, out)
    uid = _prepare(workdir, ipc_dir)
    if uid is not None:
        os.chown(private, uid, uid)
    kernel_argv[conn_index] = str(private)
    files = {}
    for cache in matplotlib_font_caches(dict(os.environ)):
        try:
            fd = os.open(cache, os.O_RDONLY)
        except OSError:
            continue
        os.set_inheritable(fd, True)
        files[f"/tmp/matplotlib/{cache.name}"] = fd
    staged = stage_workdir(workdir)
    if staged.skipped:
        print(f"评分沙箱：工作目录里有 {len(staged.skipped)} 项没有复制进沙箱（不是普通文件或超过上限）",
              file=sys.stderr)
    command = bwrap_command(kernel_argv, workdir=workdir, ipc_dir=ipc_dir, uid=uid, limits=limits,
                            env=dict(os.environ), files=files, staged=staged)
    # Jupyter interrupts a kernel with SIGINT to its whole process group, which includes
    # bwrap itself: bwrap must ignore it (or the sandbox dies instead of the cell being
    # interrupted). The ignore is inherited; ipykernel installs its own SIGINT handler
    # while it runs a cell, so interrupting a runaway cell works as without the sandbox.
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Nothing of the grading process reaches the kernel: its stdin/stdout/stderr (the
    # worker's log) become /dev/null and every other descriptor is closed, except the
    # files bwrap copies into the sandbox (bwrap closes each after copying it).
    keep = set(files.values()) | {fd for _, fd in staged.files}
    _detach_descriptors(keep)
    os.execv(command[0], command)


if __name__ == "__main__":
    if sys.argv[1:2] == ["launch"]:
        try:
            launch(sys.argv[2:])
        except CourseError as refused:  # the kernel does not start; Jupyter shows why
            sys.exit(str(refused))
    else:
        reason = check()
        print("评分沙箱可用" if reason is None else refusal_message(reason))
        sys.exit(0 if reason is None else 1)
