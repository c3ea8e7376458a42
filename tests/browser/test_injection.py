"""A graded submission that carries scripts, opened the way the instructor and the student open it.

A student's answers may put a ``<script>`` into an HTML output, a JavaScript output and an
``<img onerror=…>`` into a written answer. Each of them, if a browser ran it, sets
``window.PWNED``. This test grades such a submission in a temporary course (``crmcourse``
release → autograde → feedback, chapter 00), then in headless Chromium:

  1. opens the submission in nbgrader's formgrader (the instructor's logged-in session: the
     target of such a script), served by a Jupyter server with the course's configuration;
  2. opens the student's feedback page from disk, as a student opens the file they received;
  3. as a control, opens the same graded notebook rendered by nbconvert *without* the course's
     sanitizing settings: there the scripts do run, so the marker check can fail.

On none of the course's pages may the marker be set, a dialog open, or a script of the submission
appear in the DOM. Screenshots go to test-artifacts/browser/.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "browser"
BIN = Path(sys.executable).parent
CHAPTER = "00_getting_started"
STUDENT = "injector"
INJECT = ("from IPython.display import HTML, Javascript, display\n"
          "display(HTML('<script>window.PWNED=1</script><img src=x onerror=\"window.PWNED=2\">'))\n"
          "display(Javascript('window.PWNED=3'))\n")
WRITTEN = '我的回答 <img src=x onerror="window.PWNED=4"> <script>window.PWNED=5</script>'
# What a page that ran any of the injections shows.
MARKER_JS = "() => typeof window.PWNED === 'undefined' ? null : String(window.PWNED)"


def _env() -> dict:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])  # formgrader runs `alembic` by name
    env.pop("CRM_COURSE_ROOT", None)
    env.pop("CRM_EXCHANGE", None)
    return env


def _crmcourse(course: Path, *args: str) -> None:
    done = subprocess.run([str(BIN / "crmcourse"), "--course", str(course), *args], env=_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"crmcourse {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    """A course where one student's correct answers carry the injections, graded and fed back."""
    from crmcourse import notebooks as N

    course = tmp_path_factory.mktemp("injection") / "course"
    shutil.copytree(REPO / "assignments" / "source" / CHAPTER, course / "source" / CHAPTER)
    shutil.copy(REPO / "assignments" / "nbgrader_config.py", course)
    _crmcourse(course, "release", CHAPTER)
    source = N.read(N.source_notebook(course, CHAPTER))
    answers = N.solutions(source)
    first = N.exercises(source)[0].answer_id
    submission = N.fill(N.read(N.release_notebook(course, CHAPTER)),
                        {**answers, first: answers[first] + "\n" + INJECT}, written=WRITTEN)
    folder = course / "submitted" / STUDENT / CHAPTER
    folder.mkdir(parents=True)
    nbformat.write(submission, str(folder / f"{CHAPTER}.ipynb"))
    # The submission is the test's own: no sandbox needed (and `make test-browser` may run without one).
    _crmcourse(course, "autograde", CHAPTER, "--jobs", "1", "--no-progress", "--no-sandbox")
    _crmcourse(course, "feedback", CHAPTER)
    return course


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def formgrader(graded, tmp_path_factory):
    """A Jupyter server in the course folder (so nbgrader reads its configuration), formgrader on."""
    port, token = _free_port(), "injection-test"
    runtime = tmp_path_factory.mktemp("runtime")
    log = (ARTIFACTS / "formgrader-injection.log").open("w")
    env = {**_env(), "JUPYTER_RUNTIME_DIR": str(runtime)}
    proc = subprocess.Popen(
        [str(BIN / "jupyter"), "server", "--no-browser", "--allow-root", f"--port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={graded}"],
        cwd=graded, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}api/status?token={token}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the Jupyter server did not start (see test-artifacts/browser/"
                                       "formgrader-injection.log)")
                time.sleep(0.5)
        yield url, token
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
        log.close()


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def _visit(browser, url: str, shot: str, ready: str | None = None) -> dict:
    """Open ``url`` in a fresh page; what the injections did there (marker per frame, dialogs)."""
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    if ready:
        page.locator(ready).first.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # onerror handlers fire once the broken images fail to load
    markers = {frame.url: frame.evaluate(MARKER_JS) for frame in page.frames}
    html = page.content()
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    page.close()
    return {"markers": {u: m for u, m in markers.items() if m is not None}, "dialogs": dialogs, "html": html}


def _submission_id(url: str, token: str) -> str:
    api = f"{url}formgrader/api/submitted_notebooks/{CHAPTER}/{CHAPTER}?token={token}"
    rows = json.load(urllib.request.urlopen(api, timeout=30))
    ids = [row["id"] for row in rows if row.get("student") == STUDENT]
    assert ids, f"the formgrader does not list {STUDENT}'s submission: {rows}"
    return ids[0]


def test_the_control_page_runs_the_injections(graded, browser):
    """Rendered without the course's settings the scripts run: the check below can fail."""
    from nbconvert import HTMLExporter

    notebook = graded / "autograded" / STUDENT / CHAPTER / f"{CHAPTER}.ipynb"
    body, _ = HTMLExporter().from_notebook_node(nbformat.read(str(notebook), as_version=4))
    control = graded / "unsanitized-control.html"
    control.write_text(body, encoding="utf-8")
    seen = _visit(browser, control.as_uri(), "injection_control.png")
    assert seen["markers"], "the unsanitized page ran none of the injections: the marker check proves nothing"


def test_the_formgrader_page_runs_no_student_script(formgrader, browser):
    url, token = formgrader
    submission = _submission_id(url, token)
    seen = _visit(browser, f"{url}formgrader/submissions/{submission}/?index=0&token={token}",
                  "injection_formgrader.png", ready="#notebook-container, .cell, .jp-Cell")
    assert "PWNED" in seen["html"], "the submission's outputs are not on the page: nothing was checked"
    assert not seen["markers"], f"the formgrader page ran a student's script: {seen['markers']}"
    assert not seen["dialogs"], seen["dialogs"]


def test_the_feedback_page_runs_no_student_script(graded, browser):
    page = graded / "feedback" / STUDENT / CHAPTER / f"{CHAPTER}.html"
    assert page.is_file(), "no feedback page was generated"
    seen = _visit(browser, page.as_uri(), "injection_feedback.png")
    assert "PWNED" in seen["html"], "the injections are not on the feedback page: nothing was checked"
    assert not seen["markers"], f"the feedback page ran a student's script: {seen['markers']}"
    assert not seen["dialogs"], seen["dialogs"]
