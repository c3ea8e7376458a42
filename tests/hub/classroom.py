"""A class on a real JupyterHub at 127.0.0.1, set up with the course's own deploy/ scripts.

Used by tests/hub/test_hub.py (``make hub-test``) and bench/bench_hub.py. Needs root (real Unix
accounts are created and removed) and the software of scripts/install-hub-deps.sh, installed
under ``CRM_HUB_PREFIX`` (default /opt/crm-course-test, kept apart from a real server's
/opt/crm-course). Everything a student or the instructor does goes through the hub:

* deploy/setup-server.sh makes the instructor, the course directory and the exchange;
  deploy/add-students.sh makes N student accounts with random passwords;
* each person logs in on the hub's login page with their Unix password, takes an API token and
  starts a server through the hub; the instructor runs ``crmcourse release --exchange`` in a
  JupyterLab Terminal of their server (a login shell, as in the README);
* each student fetches the chapter through the Assignment List's server API, answers it by
  running every code cell in a kernel of their own server (right, half right, blank or cheating),
  saves it through the contents API and submits it through the Assignment List;
* the instructor collects, grades with ``crmcourse autograde`` and releases feedback, in that
  Terminal; every student fetches feedback through the Assignment List.

Times and memory are recorded in ``Classroom.timings`` and ``Classroom.memory``.
"""
from __future__ import annotations

import csv
import html
import json
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import psutil
import requests
import websocket

REPO = Path(__file__).resolve().parents[2]
PREFIX = Path(os.environ.get("CRM_HUB_PREFIX", "/opt/crm-course-test"))
VENV = PREFIX / "venv"
CHAPTER = "00_getting_started"
COURSE_ID = "crm"
SPAWN_SECONDS = 300
CELL_SECONDS = 180


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kinds(n: int) -> list[str]:
    """What each of n students hands in: the last cheats, about 40 % right, 20 % half right, the rest blank."""
    full = max(1, round(n * 0.4))
    half = max(1, round(n * 0.2))
    plan = ["full"] * full + ["half"] * half
    plan += ["blank"] * (n - 1 - len(plan))
    return plan[: n - 1] + ["cheat"]


class Classroom:
    def __init__(self, n_students: int, workdir: Path, log=print):
        self.n = n_students
        self.log = log
        self.tag = secrets.token_hex(2)
        self.work = Path(workdir)
        self.exchange = self.work / "exchange"
        self.state = self.work / "state"
        self.teacher = f"crmh{self.tag}t"
        self.students = [f"crmh{self.tag}s{i:02d}" for i in range(1, n_students + 1)]
        self.kind = dict(zip(self.students, kinds(n_students)))
        self.groups = (f"crmh{self.tag}-students", f"crmh{self.tag}-teachers")
        self.passwords: dict[str, str] = {}
        self.tokens: dict[str, str] = {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.hub: subprocess.Popen | None = None
        self.timings: dict[str, float] = {}
        self.memory: dict[str, float] = {}
        self.created_users: list[str] = []

    # --- set-up and tear-down ------------------------------------------------------------------
    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_", "CRM_"))}
        env.update({
            "CRM_HUB_PREFIX": str(PREFIX), "CRM_EXCHANGE": str(self.exchange), "CRM_HUB_STATE": str(self.state),
            "CRM_INSTRUCTORS": self.teacher, "CRM_STUDENTS_GROUP": self.groups[0],
            "CRM_INSTRUCTORS_GROUP": self.groups[1], "CRM_HUB_IP": "127.0.0.1", "CRM_HUB_PORT": str(self.port),
            "CRM_HUB_API_PORT": str(free_port()), "CRM_HUB_HUB_PORT": str(free_port()),
            "CRM_HUB_NO_SYSTEMD": "1", "CRM_HUB_SPAWN_LIMIT": "50",
        })
        return env

    def setup(self) -> None:
        if os.geteuid() != 0:
            raise RuntimeError("the hub test creates Unix accounts: run it as root")
        if not (VENV / "bin" / "jupyterhub").exists():
            raise RuntimeError(f"no hub software under {PREFIX}: run CRM_HUB_PREFIX={PREFIX} scripts/install-hub-deps.sh")
        self.work.mkdir(parents=True, exist_ok=True)
        self.work.chmod(0o755)
        self.teacher_password = secrets.token_urlsafe(12)
        self.created_users.append(self.teacher)
        env = self.env() | {"CRM_INSTRUCTOR_PASSWORD": self.teacher_password}
        started = time.monotonic()
        self._run(["bash", str(REPO / "deploy" / "setup-server.sh"), self.teacher], env)
        self.timings["setup_server_s"] = time.monotonic() - started
        roster = self.work / "roster.csv"
        roster.write_text("学号,姓名\n" + "".join(f"{s},学生{i}\n" for i, s in enumerate(self.students, 1)),
                          encoding="utf-8")
        passwords = self.work / "passwords.csv"
        self.created_users += self.students
        self._run(["bash", str(REPO / "deploy" / "add-students.sh"), str(roster), "-o", str(passwords)], env)
        with open(passwords, encoding="utf-8") as fh:
            self.passwords = {row["student"]: row["password"] for row in csv.DictReader(fh)}
        self.passwords[self.teacher] = self.teacher_password

    def _run(self, command: list[str], env: dict) -> str:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1200)
        if result.returncode:
            raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start_hub(self) -> None:
        env = self.env()
        for line in (PREFIX / "etc" / "crm-hub.env").read_text().splitlines():
            key, _, value = line.partition("=")
            env.setdefault(key, value)
        self.state.mkdir(mode=0o700, exist_ok=True)
        self.hub_log = open(self.work / "jupyterhub.log", "wb")
        started = time.monotonic()
        self.hub = subprocess.Popen([str(VENV / "bin" / "jupyterhub"), "-f", str(PREFIX / "etc" / "jupyterhub_config.py")],
                                    cwd=self.state, env=env, stdout=self.hub_log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.hub.poll() is not None:
                raise RuntimeError(f"jupyterhub exited ({self.hub.returncode}):\n{self.hub_text()}")
            try:
                if requests.get(f"{self.url}/hub/api/", timeout=3).status_code == 200:
                    self.timings["hub_start_s"] = time.monotonic() - started
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"jupyterhub did not answer within 180 s:\n{self.hub_text()}")

    def hub_text(self) -> str:
        try:
            return (self.work / "jupyterhub.log").read_text(errors="replace")[-6000:]
        except OSError:
            return ""

    def teardown(self) -> None:
        if self.hub is not None and self.hub.poll() is None:
            for name in [self.teacher, *self.students]:
                token = self.tokens.get(name)
                if token:  # stopping servers through the hub, as the hub would on shutdown
                    try:
                        requests.delete(f"{self.url}/hub/api/users/{name}/server", headers=self.auth(name), timeout=30)
                    except requests.RequestException:
                        pass
            os.killpg(self.hub.pid, signal.SIGTERM)
            try:
                self.hub.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.hub.pid, signal.SIGKILL)
                self.hub.wait(30)
        uids = set()
        for name in self.created_users:
            try:
                uids.add(pwd.getpwnam(name).pw_uid)
            except KeyError:
                pass
        for proc in psutil.process_iter(["uids"]):  # what is left of the accounts made here
            try:
                if proc.info["uids"] and proc.info["uids"].real in uids:
                    proc.kill()
            except psutil.Error:
                pass
        roster = self.work / "roster.csv"
        if roster.exists():
            subprocess.run(["bash", str(REPO / "deploy" / "add-students.sh"), "--remove", str(roster)],
                           env=self.env(), capture_output=True, timeout=300)
        for name in self.created_users:
            if subprocess.run(["id", "-u", name], capture_output=True).returncode == 0:
                subprocess.run(["userdel", "--remove", name], capture_output=True, timeout=120)
        for group in self.groups:
            subprocess.run(["groupdel", group], capture_output=True, timeout=60)
        if getattr(self, "hub_log", None):
            self.hub_log.close()

    # --- the hub's API -------------------------------------------------------------------------
    def auth(self, name: str) -> dict:
        return {"Authorization": f"token {self.tokens[name]}"}

    def login(self, name: str) -> str:
        """Log ``name`` in on the hub's login page (as a browser does: the form with its xsrf value),
        then a token for the API, requested with the account's Unix password.

        The login page comes first: the hub adds a user to its database at their first login, and
        the token API answers 403 for a user it does not know yet (admins are known from the start).
        """
        with requests.Session() as browser:
            page = browser.get(f"{self.url}/hub/login", timeout=120)
            page.raise_for_status()
            match = re.search(r'name="_xsrf"[^>]*value="([^"]+)"', page.text)
            r = browser.post(f"{self.url}/hub/login", allow_redirects=False, timeout=120,
                             data={"username": name, "password": self.passwords[name],
                                   "_xsrf": html.unescape(match.group(1)) if match else ""})
            if r.status_code != 302:
                raise RuntimeError(f"{name} could not log in on the hub's login page: {r.status_code}\n{self.hub_text()}")
        r = requests.post(f"{self.url}/hub/api/users/{name}/tokens", timeout=120,
                          json={"auth": {"username": name, "password": self.passwords[name]}, "note": "hub test"})
        r.raise_for_status()
        self.tokens[name] = r.json()["token"]
        return self.tokens[name]

    def start_server(self, name: str) -> float:
        started = time.monotonic()
        r = requests.post(f"{self.url}/hub/api/users/{name}/server", headers=self.auth(name), timeout=SPAWN_SECONDS)
        if r.status_code not in (201, 202):
            raise RuntimeError(f"starting {name}'s server: {r.status_code} {r.text}")
        deadline = started + SPAWN_SECONDS
        while time.monotonic() < deadline:
            model = requests.get(f"{self.url}/hub/api/users/{name}", headers=self.auth(name), timeout=60).json()
            server = model.get("servers", {}).get("", {})
            if server.get("ready"):
                return time.monotonic() - started
            if not model.get("pending") and not server:
                raise RuntimeError(f"{name}'s server did not start:\n{self.hub_text()}")
            time.sleep(0.5)
        raise RuntimeError(f"{name}'s server not ready after {SPAWN_SECONDS} s")

    def server(self, name: str, method: str, path: str, as_user: str | None = None, **kw) -> requests.Response:
        """A request to ``name``'s server through the hub (with ``as_user``'s token, default their own)."""
        kw.setdefault("timeout", 300)
        return requests.request(method, f"{self.url}/user/{name}/{path}", headers=self.auth(as_user or name),
                                allow_redirects=False, **kw)

    def assignment_action(self, name: str, action: str) -> list:
        r = self.server(name, "POST", f"assignments/{action}", data={"course_id": COURSE_ID, "assignment_id": CHAPTER})
        r.raise_for_status()
        answer = r.json()
        if isinstance(answer, dict) and not answer.get("success", True):
            raise RuntimeError(f"{name}: assignments/{action} failed: {answer.get('value')}")
        return answer

    # --- kernels -------------------------------------------------------------------------------
    def kernel(self, name: str, path: str) -> websocket.WebSocket:
        r = self.server(name, "POST", "api/sessions",
                        json={"path": path, "type": "notebook", "name": Path(path).name, "kernel": {"name": "python3"}})
        r.raise_for_status()
        kernel_id = r.json()["kernel"]["id"]
        ws_url = f"ws://127.0.0.1:{self.port}/user/{name}/api/kernels/{kernel_id}/channels"
        return websocket.create_connection(ws_url, header=[f"Authorization: token {self.tokens[name]}"],
                                           timeout=CELL_SECONDS)

    @staticmethod
    def execute(ws: websocket.WebSocket, code: str, timeout: float = CELL_SECONDS) -> list:
        """Run ``code`` in the kernel behind ``ws``; its outputs as nbformat outputs."""
        msg_id = uuid.uuid4().hex
        ws.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "", "session": "hubtest",
                       "date": "", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": False}}))
        outputs, replied, idle = [], False, False
        deadline = time.monotonic() + timeout
        while not (replied and idle):
            ws.settimeout(max(1.0, deadline - time.monotonic()))
            raw = ws.recv()
            if time.monotonic() > deadline:
                raise TimeoutError(f"no answer from the kernel in {timeout} s")
            if isinstance(raw, bytes):  # a message with binary buffers (widgets): not an output here
                continue
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                outputs.append(nbformat.v4.new_output("stream", name=content["name"], text=content["text"]))
            elif kind in ("display_data", "execute_result"):
                out = nbformat.v4.new_output(kind, data=content["data"], metadata=content.get("metadata", {}))
                if kind == "execute_result":
                    out.execution_count = content.get("execution_count")
                outputs.append(out)
            elif kind == "error":
                outputs.append(nbformat.v4.new_output("error", ename=content["ename"], evalue=content["evalue"],
                                                      traceback=content["traceback"]))
            elif kind == "execute_reply":
                replied = True
            elif kind == "status" and content["execution_state"] == "idle":
                idle = True
        return outputs

    def run_python(self, ws: websocket.WebSocket, code: str, timeout: float = CELL_SECONDS):
        """Run ``code`` that prints one JSON line last; that value."""
        outputs = self.execute(ws, code, timeout)
        text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream" and o.name == "stdout")
        errors = [o for o in outputs if o.output_type == "error"]
        if errors or not text.strip():
            raise RuntimeError(f"kernel code failed: {errors and errors[0].evalue}\n{text}")
        return json.loads(text.strip().splitlines()[-1])

    # --- the class -----------------------------------------------------------------------------
    def bring_up(self, names: list[str]) -> dict[str, float]:
        """Log every name in and start their servers, all at once; seconds per server."""
        def one(name):
            self.login(name)
            return name, self.start_server(name)

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=len(names)) as pool:
            spawned = dict(pool.map(one, names))
        self.timings[f"servers_up_{len(names)}_s"] = time.monotonic() - started
        return spawned

    def rss_of(self, name: str) -> float:
        """MB of resident memory of every process running as ``name``."""
        uid = pwd.getpwnam(name).pw_uid
        total = 0
        for proc in psutil.process_iter(["uids", "memory_info"]):
            try:
                if proc.info["uids"] and proc.info["uids"].real == uid:
                    total += proc.info["memory_info"].rss
            except psutil.Error:
                pass
        return total / 1e6

    def hub_rss(self) -> float:
        """MB of resident memory of the hub and its proxy (the users' servers, also its children, excluded)."""
        hub = psutil.Process(self.hub.pid)
        total = 0
        for proc in [hub, *hub.children(recursive=True)]:
            try:
                if proc.uids().real == 0:
                    total += proc.memory_info().rss
            except psutil.Error:  # a process that ended meanwhile
                pass
        return total / 1e6

    def answer(self, name: str, source_nb) -> nbformat.NotebookNode:
        """Fetch the chapter, answer it in a kernel of the student's server, save it, submit it."""
        from crmcourse import cheats
        from crmcourse import notebooks as N

        self.assignment_action(name, "fetch")
        path = f"{CHAPTER}/{CHAPTER}.ipynb"
        r = self.server(name, "GET", f"api/contents/{path}", params={"content": "1"})
        r.raise_for_status()
        fetched = nbformat.from_dict(r.json()["content"])
        kind = self.kind[name]
        if kind == "full":
            answered = cheats.build_full(source_nb, fetched)
        elif kind == "half":
            answered, _ = cheats.build_partial(source_nb, fetched)
        elif kind == "cheat":
            answered = cheats.build_mixed(source_nb, fetched,
                                          cheats.libs_plan(N.exercises(source_nb), exit_last=False))
        else:
            answered = fetched
        ws = self.kernel(name, path)
        try:
            for count, cell in enumerate((c for c in answered.cells if c.cell_type == "code"), 1):
                if "skip-execution" in cell.metadata.get("tags", []):
                    continue
                cell.outputs = self.execute(ws, cell.source)
                cell.execution_count = count
            self.memory.setdefault("student_with_kernel_mb", []).append(self.rss_of(name))
        finally:
            ws.close()
        r = self.server(name, "PUT", f"api/contents/{path}",
                        json={"type": "notebook", "format": "json", "content": answered})
        r.raise_for_status()
        self.assignment_action(name, "submit")
        return fetched

    def terminal(self, name: str, *command: str, timeout: float = 900) -> dict:
        """Run a command in a JupyterLab Terminal of ``name``'s server, as the README tells the
        instructor to: returncode and everything the terminal showed (stdout; stderr is empty).

        Under the hub the Terminal is a login shell: /etc/profile sets PATH afresh, so this also
        checks that the course environment's commands (crmcourse) are found there."""
        r = self.server(name, "POST", "api/terminals", timeout=60)
        r.raise_for_status()
        term = r.json()["name"]
        ws = websocket.create_connection(f"ws://127.0.0.1:{self.port}/user/{name}/terminals/websocket/{term}",
                                         header=[f"Authorization: token {self.tokens[name]}"], timeout=60)
        # The marker's value only exists once the command ended (the echoed input shows `%s`).
        line = shlex.join(command) + "; printf '\\n@@crm-rc=%s@@\\n' \"$?\"\r"
        shown, found = "", None
        deadline = time.monotonic() + timeout
        try:
            ws.send(json.dumps(["stdin", line]))
            while found is None:
                ws.settimeout(max(1.0, deadline - time.monotonic()))
                raw = ws.recv()
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{' '.join(command)}: no end in {timeout} s in the terminal:\n{shown[-3000:]}")
                kind, *rest = json.loads(raw)
                if kind == "stdout":
                    shown += rest[0]
                    found = re.search(r"@@crm-rc=(\d+)@@", shown)
                elif kind == "disconnect":
                    raise RuntimeError(f"the terminal closed:\n{shown[-3000:]}")
        finally:
            ws.close()
            self.server(name, "DELETE", f"api/terminals/{term}", timeout=60)
        return {"returncode": int(found.group(1)), "stdout": shown[: found.start()], "stderr": ""}

    def instructor(self, *command: str, timeout: float = 900) -> dict:
        return self.terminal(self.teacher, *command, timeout=timeout)

    def probe(self, name: str, paths: dict[str, str]) -> dict[str, str]:
        """What ``name``'s own kernel gets when it lists or reads each path: 'ok' or the error's name."""
        code = ("import json, os\nout = {}\n"
                f"for key, path in {paths!r}.items():\n"
                "    try:\n"
                "        if os.path.isdir(path) or key.startswith('list'):\n"
                "            os.listdir(path)\n"
                "        else:\n"
                "            open(path, 'rb').read(1)\n"
                "        out[key] = 'ok'\n"
                "    except OSError as exc:\n"
                "        out[key] = type(exc).__name__\n"
                "print(json.dumps(out))\n")
        ws = self.kernel(name, "probe.ipynb")
        try:
            return self.run_python(ws, code)
        finally:
            ws.close()


def home(name: str) -> Path:
    return Path(pwd.getpwnam(name).pw_dir)


def clean_workdir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
