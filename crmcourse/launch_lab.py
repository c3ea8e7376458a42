"""``make lab``'s last step: start JupyterLab and say, in Chinese, where it is and how to stop it.

    python -m crmcourse.launch_lab --port 8888 [--repo .] -- jupyter lab --port=8888 ...

Before the server starts:

* the port is checked (a socket is bound to it): when it is taken, a Chinese hint names
  ``make lab PORT=9000`` and nothing is started;
* the course's local exchange folder (``assignments/exchange/``) is created when it is missing,
  so JupyterLab's Assignment List works on a fresh clone. Only the local default: a
  ``CRM_EXCHANGE`` folder (JupyterHub) is the administrator's and is never created here;
* the access token is chosen here (``JUPYTER_TOKEN`` if already set, else a random one), and
  given to the server in its environment, not on its command line.

The server runs with its log at warning level (``CRM_LAB_LOG=INFO`` shows everything) and
stops on one Ctrl-C (``--ServerApp.answer_yes=True``: no English "Shut down (y/[n])?" prompt).
When it answers, a short Chinese banner gives the address with the token and says how to stop.
Everything after ``--`` is the server's command line, unchanged (see the Makefile's ``lab``).
"""
from __future__ import annotations

import argparse
import errno
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

READY_SECONDS = 180


def port_problem(port: int, host: str = "127.0.0.1") -> str:
    """'' if ``port`` can be listened on, else a Chinese sentence saying why not and what to do."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # The server sets SO_REUSEADDR too: a port held only by old TIME_WAIT connections is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"端口 {port} 已被占用（port {port} is already in use）：可能 JupyterLab 已经在运行"
                        f"（看看别的终端窗口，或在浏览器里打开 http://localhost:{port}/），或者别的程序占用了它。"
                        f"换一个端口：make lab PORT=9000")
            if exc.errno == errno.EACCES:
                return f"没有权限使用端口 {port}（1024 以下的端口需要管理员权限）。换一个端口：make lab PORT=9000"
            return f"无法使用端口 {port}（{exc.strerror}）。换一个端口：make lab PORT=9000"
    return ""


def ensure_local_exchange(repo: Path, env: dict | None = None) -> Path | None:
    """Create the course's own exchange folder (``assignments/exchange``) if it is missing.

    Returns the folder created, else None. Nothing is done when ``CRM_EXCHANGE`` names
    another exchange (a shared folder on JupyterHub: its owner creates it with the right
    permissions), or when there is no ``assignments/`` (the student edition).
    """
    env = os.environ if env is None else env
    if env.get("CRM_EXCHANGE"):
        return None
    course = Path(repo) / "assignments"
    if not (course / "nbgrader_config.py").is_file():
        return None
    exchange = course / "exchange"
    if exchange.is_dir():
        return None
    exchange.mkdir()
    return exchange


def banner(port: int, token: str, stop: str = "Ctrl-C") -> str:
    address = f"http://localhost:{port}/?token={token}"
    rule = "─" * 60
    return "\n".join([
        "", rule,
        "  JupyterLab 已启动。在浏览器里打开（地址里带着访问令牌，只给自己用）：",
        f"    {address}",
        f"  停止：在这个终端窗口里按 {stop}。",
        rule, "",
    ])


def wait_ready(port: int, token: str, proc: subprocess.Popen, seconds: float = READY_SECONDS) -> bool:
    """True once the server answers ``/api/status`` (False if it exits or the time runs out)."""
    deadline = time.monotonic() + seconds
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/status",
                                     headers={"Authorization": f"token {token}"})
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(request, timeout=2):
                return True
        except OSError:
            time.sleep(0.3)
    return False


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--" not in argv:
        sys.exit("用法：python -m crmcourse.launch_lab --port 8888 -- jupyter lab …")
    split = argv.index("--")
    parser = argparse.ArgumentParser(prog="python -m crmcourse.launch_lab")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--repo", default=".", help="the course repository (its assignments/ gets the exchange)")
    args = parser.parse_args(argv[:split])
    command = argv[split + 1:]
    if not command:
        sys.exit("launch_lab：-- 后面缺少 JupyterLab 的命令")

    problem = port_problem(args.port)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    created = ensure_local_exchange(Path(args.repo).resolve())
    if created is not None:
        print(f"已创建 exchange 文件夹 {created}（Assignment List 用它收发作业）")

    env = dict(os.environ)
    token = env.get("JUPYTER_TOKEN") or secrets.token_hex(24)
    env["JUPYTER_TOKEN"] = token
    level = env.get("CRM_LAB_LOG", "WARN")
    command += ["--ServerApp.answer_yes=True", f"--ServerApp.log_level={level}", f"--LabApp.log_level={level}"]
    print("正在启动 JupyterLab……", flush=True)
    # Same process group: the terminal's Ctrl-C reaches the server, which stops at once.
    proc = subprocess.Popen(command, env=env)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server handles Ctrl-C; we wait for it
    ready = False
    try:
        ready = wait_ready(args.port, token, proc)
        if ready:
            print(banner(args.port, token), flush=True)
        code = proc.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    if not ready and code != 0:
        print(f"JupyterLab 没能启动（退出码 {code}），原因见上面的日志。"
              f"如果是端口 {args.port} 被占用，换一个端口：make lab PORT=9000", file=sys.stderr)
    elif code not in (0, -signal.SIGINT, -signal.SIGTERM):
        print(f"JupyterLab 意外退出（退出码 {code}），原因见上面的日志。", file=sys.stderr)
    else:
        print("JupyterLab 已停止。")
    return 0 if code in (0, -signal.SIGINT) else code if code > 0 else 1

if __name__ == "__main__":
    sys.exit(main())
