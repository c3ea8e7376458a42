"""The course in a real headless browser, used the way students and instructors use it.

Run with `make test-browser` (not part of `make test`). It starts JupyterLab with `make lab` itself
(same command line; only the port is a free one, no browser window is asked for and the student's
working copies go to a fresh test-artifacts/browser/work/ instead of work/), drives Debian's
chromium with Playwright and
  1. checks that a first start creates the student's working copies from chapters/ and shows the
     working copy of chapter 00 (not chapters/), with no pop-up a student must dismiss;
  2. runs chapter 00 and a chapter with an ipywidgets explorer (their working copies) through the Run menu, exactly as a
     student does: "Run All Cells" stops at the first unanswered exercise, so the test goes on with
     "Run Selected Cell and All Below" from the next cell until every cell has been run; only the
     answer cells and their self-check cells may fail, every lesson cell must run without any error
     or warning output;
  3. checks that Chinese text is rendered: every Han character of the rendered markdown is drawn
     with a real glyph (not the "missing glyph" box), the figures are non-blank images and no
     matplotlib "Glyph ... missing from font" warning appears;
  4. moves a widget slider and waits for the widget's output to change;
  5. opens nbgrader's Formgrader and Assignment List and checks that they load: the formgrader lists
     the course's chapters, the Assignment List shows chapter 00, released beforehand into a
     temporary exchange with `crmcourse release --exchange`;
  6. checks that the server logged no uncaught exception (a formgrader API error, say).
Screenshots of every step go to test-artifacts/browser/ (git-ignored).

The server gets a fresh, temporary JupyterLab user-settings and workspaces directory (a real first
start) in which autosave is off, and the browser is refused every request that would write a file,
so that running the chapters never puts outputs into the repository's notebooks.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[2]
CHAPTERS = REPO / "chapters"
ARTIFACTS = REPO / "test-artifacts" / "browser"
# `make lab WORK=...`: the working copies, relative to the repository (git-ignored, wiped before each run,
# so every run is a student's first start; the student's own work/ is never touched).
WORK = (ARTIFACTS / "work").relative_to(REPO).as_posix()
FIRST_CHAPTER = f"{WORK}/00_getting_started.ipynb"
# Only for trying a notebook that is not (yet) a chapter: a path relative to the repository.
WIDGET_OVERRIDE = os.environ.get("CRM_BROWSER_WIDGET_NOTEBOOK", "")

NB = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"  # the notebook in the active tab
STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
SERVER_START_TIMEOUT = 120
RUN_TIMEOUT = 150  # one chapter, all cells
# Font families that have Chinese glyphs (Debian's fonts-noto-cjk gives "Noto Sans CJK ..").
CJK_FONT = re.compile(r"CJK|Source Han|WenQuanYi|PingFang|YaHei|SimHei|Hiragino|Heiti|Song", re.I)


# ---------------------------------------------------------------------------------------------
# The JupyterLab server, started by `make lab`
# ---------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _descendants(pid: int) -> list[int]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie counts as gone
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class LabServer:
    """`make lab` on a free port, in its own process group; stop() ends it and every kernel."""

    def __init__(self, home: Path, exchange: Path):
        self.home = home
        self.exchange = exchange
        self.proc: subprocess.Popen | None = None
        self.watchdog: subprocess.Popen | None = None
        self.url = ""
        self.token = ""
        self.log_path = ARTIFACTS / "jupyterlab.log"

    def start(self) -> None:
        settings = self.home / "user-settings"
        # Autosave off: running a chapter must never write its outputs into the repository.
        docmanager = settings / "@jupyterlab" / "docmanager-extension"
        docmanager.mkdir(parents=True)
        (docmanager / "plugin.jupyterlab-settings").write_text('{"autosave": false}\n')
        env = dict(os.environ)
        env.pop("DISPLAY", None)
        env.update(
            JUPYTERLAB_SETTINGS_DIR=str(settings),
            JUPYTERLAB_WORKSPACES_DIR=str(self.home / "workspaces"),
            JUPYTER_RUNTIME_DIR=str(self.home / "runtime"),
            CRM_EXCHANGE=str(self.exchange),
        )
        for attempt in range(3):
            port = _free_port()
            log = self.log_path.open("w")
            self.proc = subprocess.Popen(
                ["make", "-s", "--no-print-directory", "lab", f"PORT={port}", "NO_BROWSER=--no-browser",
                 f"WORK={WORK}"],
                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
            log.close()
            # Should this test process die without running its `finally` (SIGKILL), a watchdog
            # still stops the server: it sends SIGTERM to the server's group once we are gone.
            self.watchdog = subprocess.Popen(
                ["sh", "-c", f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 1; done; "
                             f"kill -TERM -{self.proc.pid} 2>/dev/null"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True)
            if self._wait_ready(port):
                return
            if attempt < 2 and "is already in use" in self.log_path.read_text(errors="replace"):
                self.stop()
                continue
            break
        log_tail = self.log_path.read_text(errors="replace")[-3000:]
        raise AssertionError("JupyterLab did not start; the end of its log:\n" + log_tail)

    def _wait_ready(self, port: int) -> bool:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        runtime = self.home / "runtime"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            for info_file in runtime.glob("jpserver-*.json"):
                try:
                    info = json.loads(info_file.read_text())
                except (OSError, ValueError):
                    continue
                if info.get("port") == port:
                    self.url = f"http://127.0.0.1:{port}/"
                    self.token = info.get("token", "")
                    try:
                        self.api("api/status")
                        return True
                    except OSError:
                        pass
            time.sleep(0.5)
        return False

    def api(self, path: str):
        request = urllib.request.Request(self.url + path, headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")

    def kernel_state(self, notebook_path: str) -> str:
        for session in self.api("api/sessions"):
            if session.get("path") == notebook_path and session.get("kernel"):
                return session["kernel"].get("execution_state", "unknown")
        return "none"

    def stop(self) -> None:
        if self.watchdog is not None:
            self.watchdog.kill()
            self.watchdog.wait()
            self.watchdog = None
        if self.proc is None:
            return
        pgid = self.proc.pid
        # Kernels run in sessions of their own: remember every process the server started.
        spawned = _descendants(self.proc.pid)
        for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                pass
            for pid in spawned:
                if _alive(pid):
                    try:
                        os.kill(pid, sig)
                    except ProcessLookupError:
                        pass
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline and (self.proc.poll() is None or any(map(_alive, spawned))):
                time.sleep(0.2)
            if self.proc.poll() is not None and not any(map(_alive, spawned)):
                break
        self.proc.wait(timeout=5)
        self.proc = None


# ---------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------

def _widget_chapter() -> str | None:
    """The working copy of the first chapter (after 00) whose notebook uses ipywidgets."""
    if WIDGET_OVERRIDE:
        return WIDGET_OVERRIDE
    for path in sorted(CHAPTERS.glob("*.ipynb")):
        if path.name == Path(FIRST_CHAPTER).name:
            continue
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        if any(c["cell_type"] == "code" and "ipywidgets" in "".join(c["source"]) for c in cells):
            return f"{WORK}/{path.name}"
    return None


def _exchange_with_first_chapter(tmp_path_factory) -> Path:
    """A temporary exchange into which an instructor has released chapter 00 (nothing in the repository)."""
    root = tmp_path_factory.mktemp("classroom")
    name = Path(FIRST_CHAPTER).stem
    shutil.copytree(REPO / "assignments" / "source" / name, root / "course" / "source" / name)
    shutil.copy(REPO / "assignments" / "nbgrader_config.py", root / "course")
    env = dict(os.environ, CRM_EXCHANGE=str(root / "exchange"),
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    subprocess.run([sys.executable, "-m", "crmcourse.cli", "release", name, "--exchange",
                    "--course", str(root / "course")], env=env, check=True, capture_output=True)
    return root / "exchange"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    server = LabServer(tmp_path_factory.mktemp("jupyterlab"), _exchange_with_first_chapter(tmp_path_factory))
    try:
        server.start()
        yield server
    finally:
        server.stop()


WRITE_ATTEMPTS: list[str] = []


def _refuse_writes(route):
    """The browser may read files but never write into the repository (save, rename, delete...).

    Playwright's sync API runs this handler only while the test is inside a Playwright call:
    wait with page.wait_for_timeout(), never time.sleep(), or the page's file requests stall.
    """
    request = route.request
    path = request.url.split("?")[0]
    # Opening a notebook that has no checkpoint yet makes JupyterLab create one (a copy in the
    # git-ignored .ipynb_checkpoints/ folder; the notebook itself is untouched): allowed.
    if request.method in ("GET", "HEAD") or (request.method == "POST" and path.endswith("/checkpoints")):
        route.continue_()
    else:
        WRITE_ATTEMPTS.append(f"{request.method} {request.url.split('?')[0]}")
        route.abort()


@pytest.fixture(scope="module")
def page(lab):
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "chromium is not installed: run scripts/install-browser-deps.sh (make test-browser does)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1050}, locale="zh-CN")
            context.route(re.compile(r"/api/contents/"), _refuse_writes)
            page = context.new_page()
            page.set_default_timeout(30_000)
            yield page
        finally:
            browser.close()


# ---------------------------------------------------------------------------------------------
# Helpers that act like a person in JupyterLab
# ---------------------------------------------------------------------------------------------

def shot(page, name: str, locator=None) -> Path:
    path = ARTIFACTS / f"{name}.png"
    page.wait_for_timeout(400)  # cells scrolled into view are painted a moment later
    (locator or page).screenshot(path=str(path))
    return path


def menu(page, top: str, item: str) -> None:
    page.locator(f'#jp-menu-panel .lm-MenuBar-itemLabel:text-is("{top}")').click()
    page.locator(f'.lm-Menu .lm-Menu-item:has(.lm-Menu-itemLabel:text-is("{item}"))').first.click()


def cells_state(page) -> list[dict]:
    return page.evaluate(
        """([nb, stderr]) => [...document.querySelectorAll(nb + ' .jp-Cell')].map(c => ({
            code: c.classList.contains('jp-CodeCell'),
            prompt: (c.querySelector('.jp-InputPrompt') || {}).textContent?.trim() || '',
            stderr: [...c.querySelectorAll(stderr)].map(o => o.textContent.slice(0, 1500)),
            images: c.querySelectorAll('.jp-OutputArea-output img').length,
        }))""", [NB, STDERR])


def wait_idle(page, lab: LabServer, path: str, timeout: float = RUN_TIMEOUT) -> None:
    """Waits until no cell is queued or running and the kernel reports idle (twice in a row)."""
    deadline = time.monotonic() + timeout
    calm = 0
    while time.monotonic() < deadline:
        busy = any("*" in c["prompt"] for c in cells_state(page))
        calm = calm + 1 if not busy and lab.kernel_state(path) == "idle" else 0
        if calm >= 3:
            return
        page.wait_for_timeout(400)  # not time.sleep: requests pass _refuse_writes only meanwhile
    raise AssertionError(f"{path}: the kernel was still busy after {timeout:.0f} s")


def open_notebook(page, lab: LabServer, path: str) -> None:
    page.goto(f"{lab.url}lab/tree/{path}?token={lab.token}")
    page.locator(NB + " .jp-Cell").first.wait_for()
    wait_for_kernel(page, lab, path)


def wait_for_kernel(page, lab: LabServer, path: str) -> None:
    deadline = time.monotonic() + 90
    while lab.kernel_state(path) != "idle":
        assert time.monotonic() < deadline, f"{path}: no idle kernel after 90 s"
        page.wait_for_timeout(500)


def select_cell(page, index: int) -> None:
    cell = page.locator(NB + " .jp-Cell").nth(index)
    cell.scroll_into_view_if_needed()
    cell.locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")


def wait_all_cells(page, count: int, timeout: float = 30) -> list[dict]:
    """JupyterLab attaches the cells of a long notebook bit by bit: scroll down until all are there."""
    deadline = time.monotonic() + timeout
    state = cells_state(page)
    while len(state) < count and time.monotonic() < deadline:
        page.evaluate("""(nb) => { const n = document.querySelector(nb);
            const outer = n && n.closest('.jp-WindowedPanel-outer') || n;
            if (outer) outer.scrollTop = outer.scrollHeight; }""", NB)
        page.wait_for_timeout(300)
        state = cells_state(page)
    page.locator(NB + " .jp-Cell").first.scroll_into_view_if_needed()
    return state


def _executed(prompt: str) -> bool:
    return bool(re.search(r"\[\s*\d+\s*\]", prompt))


def run_by_menu(page, lab: LabServer, path: str, cells: list[dict]) -> list[dict]:
    """Runs every cell of the open notebook with the Run menu; returns the cells' final states.

    Run All Cells stops at an error. In a student notebook that is the first unanswered exercise,
    so from the cell after the stop the test chooses "Run Selected Cell and All Below", again and
    again, until every code cell has run. A stop anywhere but at an exercise fails the test.
    """
    exercise = [bool(c.get("metadata", {}).get("nbgrader", {}).get("solution")
                     or c.get("metadata", {}).get("nbgrader", {}).get("grade")) and c["cell_type"] == "code"
                for c in cells]
    has_code = [c["cell_type"] == "code" and "".join(c["source"]).strip() != "" for c in cells]
    state = wait_all_cells(page, len(cells))
    assert len(state) == len(cells), f"{path}: the page shows {len(state)} cells, the file has {len(cells)}"

    select_cell(page, 0)
    menu(page, "Run", "Run All Cells")
    for _ in range(len(cells) + 1):
        page.wait_for_timeout(500)
        wait_idle(page, lab, path)
        state = cells_state(page)
        pending = [i for i, s in enumerate(state) if has_code[i] and not _executed(s["prompt"])]
        if not pending:
            return state
        ran = [i for i, s in enumerate(state) if has_code[i] and _executed(s["prompt"]) and i < pending[0]]
        stop = ran[-1] if ran else None
        assert stop is not None and exercise[stop], (
            f"{path}: running stopped at cell {stop}, a lesson cell: "
            f"{state[stop]['stderr'] if stop is not None else 'no cell ran'}")
        select_cell(page, stop + 1)
        menu(page, "Run", "Run Selected Cell and All Below")
    raise AssertionError(f"{path}: cells still not run after {len(cells)} rounds")


def read_cells(path: str) -> list[dict]:
    return json.loads((REPO / path).read_text(encoding="utf-8"))["cells"]


def lesson_problems(cells: list[dict], state: list[dict]) -> list[str]:
    problems = []
    for i, (cell, s) in enumerate(zip(cells, state)):
        if cell["cell_type"] != "code" or cell.get("metadata", {}).get("nbgrader"):
            continue
        if not _executed(s["prompt"]):
            problems.append(f"cell {i} did not run (prompt {s['prompt']!r})")
        for text in s["stderr"]:
            problems.append(f"cell {i} printed an error or warning: {text[:400]}")
    return problems


HAN_GLYPHS_JS = """
async (selector) => {
  await document.fonts.ready;
  const han = /\\p{Script=Han}/u;
  const els = [...document.querySelectorAll(selector)].filter(e => han.test(e.textContent));
  if (!els.length) return {chars: 0};
  const target = els[0].querySelector('p, li, td') || els[0];
  const cs = getComputedStyle(target);
  const font = `${cs.fontStyle} ${cs.fontWeight} 32px ${cs.fontFamily}`;
  const canvas = document.createElement('canvas');
  canvas.width = 48; canvas.height = 48;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const draw = (ch) => {
    ctx.clearRect(0, 0, 48, 48); ctx.font = font; ctx.fillStyle = '#000'; ctx.textBaseline = 'top';
    ctx.fillText(ch, 4, 4);
    const d = ctx.getImageData(0, 0, 48, 48).data;
    let h = 2166136261, ink = 0;
    for (let i = 3; i < d.length; i += 4) { h = Math.imul(h ^ d[i], 16777619) >>> 0; if (d[i] > 64) ink++; }
    return {h, ink};
  };
  // Code points with no glyph in any font: what a missing glyph ("tofu" box) looks like here.
  const tofu = new Set(['\\u0378', '\\u0379', '\\u0380', '\\u05FF'].map(ch => draw(ch).h));
  const chars = new Set();
  for (const el of els) for (const ch of el.textContent) if (han.test(ch)) chars.add(ch);
  const missing = [], hashes = new Set();
  for (const ch of chars) {
    const r = draw(ch);
    if (tofu.has(r.h) || r.ink < 8) missing.push(ch);
    hashes.add(r.h);
  }
  return {chars: chars.size, distinct: hashes.size, missing, font: cs.fontFamily};
}
"""

IMAGE_INK_JS = """
async (selector) => {
  const imgs = [...document.querySelectorAll(selector)];
  const out = [];
  for (const img of imgs) {
    if (!img.complete) await new Promise(r => { img.onload = r; img.onerror = r; });
    const w = img.naturalWidth, h = img.naturalHeight;
    if (!w || !h) { out.push({w, h, ink: 0, colors: 0}); continue; }
    const c = document.createElement('canvas'); c.width = w; c.height = h;
    const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, w, h).data;
    const bg = [d[0], d[1], d[2]];
    let ink = 0; const colors = new Set();
    for (let i = 0; i < d.length; i += 4) {
      if (Math.abs(d[i] - bg[0]) + Math.abs(d[i + 1] - bg[1]) + Math.abs(d[i + 2] - bg[2]) > 60) ink++;
      if (colors.size < 500) colors.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    }
    out.push({w, h, ink: ink / (w * h), colors: colors.size});
  }
  return out;
}
"""


def platform_fonts(page, selector: str) -> list[dict]:
    """The fonts chromium really used for the text of the first element matching selector."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"] if node else []
    finally:
        cdp.detach()


def check_chinese_and_figures(page, path: str, state: list[dict], name: str) -> dict:
    glyphs = page.evaluate(HAN_GLYPHS_JS, NB + " .jp-MarkdownOutput")
    assert glyphs["chars"] >= 20, f"{path}: too little Chinese text found in the rendered markdown: {glyphs}"
    assert not glyphs["missing"], f"{path}: characters drawn as missing-glyph boxes: {''.join(glyphs['missing'])}"
    assert glyphs["distinct"] >= 0.98 * glyphs["chars"], f"{path}: Chinese characters look alike (boxes?): {glyphs}"
    page.locator(NB + " .jp-Cell").first.scroll_into_view_if_needed()  # off-screen text is not laid out
    fonts = platform_fonts(page, NB + " .jp-MarkdownOutput h1")
    h1 = page.locator(NB + " .jp-MarkdownOutput h1").first.inner_text()
    han_in_h1 = len(re.findall(r"[\u4e00-\u9fff]", h1))
    cjk_glyphs = sum(f["glyphCount"] for f in fonts if CJK_FONT.search(f["familyName"]))
    assert cjk_glyphs >= han_in_h1 > 0, f"{path}: the chapter title {h1!r} is not drawn with a Chinese font: {fonts}"
    images = page.evaluate(IMAGE_INK_JS, NB + ' .jp-OutputArea-output[data-mime-type="image/png"] img')
    assert images, f"{path}: no figure was drawn"
    for i, image in enumerate(images):
        assert image["w"] > 100 and image["h"] > 100 and image["ink"] > 0.005 and image["colors"] > 8, \
            f"{path}: figure {i} looks blank: {image}"
    missing_font = [t for s in state for t in s["stderr"] if "missing from font" in t or "Glyph" in t]
    assert not missing_font, f"{path}: matplotlib could not draw some characters: {missing_font[0][:300]}"
    report = {"markdown_glyphs": glyphs, "h1_platform_fonts": fonts, "figures": images}
    (ARTIFACTS / f"{name}_fonts.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return report


def screenshot_cells(page, name: str, state: list[dict]) -> None:
    """Screenshots of the chapter's first cell and of each cell with a figure."""
    cells = page.locator(NB + " .jp-Cell")
    cells.nth(0).scroll_into_view_if_needed()
    shot(page, f"{name}_top")
    figures = [i for i, s in enumerate(state) if s["images"]]
    for n, i in enumerate(figures[:4]):
        cells.nth(i).scroll_into_view_if_needed()
        shot(page, f"{name}_figure_{n + 1}", cells.nth(i))


# ---------------------------------------------------------------------------------------------
# The tests (they share one server and one browser page, in this order)
# ---------------------------------------------------------------------------------------------

def test_first_start_creates_the_working_copies(lab):
    """`make lab` made the student's own copy of every chapter before JupyterLab started, and said so."""
    names = sorted(p.name for p in CHAPTERS.glob("*.ipynb"))
    assert sorted(p.name for p in (REPO / WORK).glob("*.ipynb")) == names
    for name in names:
        mine = json.loads((REPO / WORK / name).read_text(encoding="utf-8"))
        original = json.loads((CHAPTERS / name).read_text(encoding="utf-8"))
        assert mine["cells"] == original["cells"], f"{WORK}/{name} is not a copy of chapters/{name}"
        assert mine["metadata"]["crmcourse"]["chapter"] == Path(name).stem
    log = lab.log_path.read_text(errors="replace")
    assert f"已在 {WORK}/ 为您准备了 {len(names)} 章的个人工作副本" in log


def test_first_start_opens_chapter_00_without_popups(lab, page):
    page.goto(f"{lab.url}?token={lab.token}")  # what `make lab` prints; "/" leads to chapter 00
    # The student's working copy, not the course's chapters/ file that updates replace.
    page.wait_for_url(re.compile(r"/lab/tree/" + re.escape(FIRST_CHAPTER)))
    page.locator(NB + " .jp-Cell").first.wait_for()
    wait_for_kernel(page, lab, FIRST_CHAPTER)
    page.wait_for_timeout(4000)  # JupyterLab asks about news a moment after start
    shot(page, "01_first_start")
    toasts = page.locator(".Toastify__toast").all_inner_texts()
    dialogs = page.locator(".jp-Dialog").all_inner_texts()
    assert not toasts, f"a notification pops up on first start: {toasts}"
    assert not dialogs, f"a dialog pops up on first start: {dialogs}"
    assert page.locator(NB + " .jp-MarkdownOutput h1").first.inner_text().startswith("第 0 章")


def test_chapter_00_runs_by_menu(lab, page):
    cells = read_cells(FIRST_CHAPTER)
    state = run_by_menu(page, lab, FIRST_CHAPTER, cells)
    problems = lesson_problems(cells, state)
    shot(page, "02_chapter00_after_run")
    assert not problems, "\n".join(problems)
    screenshot_cells(page, "03_chapter00", state)
    check_chinese_and_figures(page, FIRST_CHAPTER, state, "03_chapter00")


def test_widget_chapter_runs_and_slider_changes_output(lab, page):
    path = _widget_chapter()
    assert path, "no chapter in chapters/ uses ipywidgets; the browser test needs one with a slider"
    cells = read_cells(path)
    open_notebook(page, lab, path)
    shot(page, "04_widget_chapter_open")
    state = run_by_menu(page, lab, path, cells)
    problems = lesson_problems(cells, state)
    shot(page, "05_widget_chapter_after_run")
    assert not problems, "\n".join(problems)
    screenshot_cells(page, "05_widget_chapter", state)
    check_chinese_and_figures(page, path, state, "05_widget_chapter")

    cell = page.locator(NB + " .jp-Cell:has(.noUi-handle)").first
    assert cell.count(), f"{path}: no widget slider was displayed"
    cell.scroll_into_view_if_needed()
    snapshot_js = """(cell) => {
        const outs = cell.querySelectorAll('.widget-output');
        const parts = outs.length ? [...outs] : [...cell.querySelectorAll('.jp-OutputArea-output')];
        return parts.map(o => o.innerText + [...o.querySelectorAll('img')].map(i => i.src).join('|')).join('\\n');
    }"""
    readout = cell.locator(".widget-readout").first
    before, value_before = cell.evaluate(snapshot_js), readout.inner_text()
    shot(page, "06_widget_before", cell.locator(".jp-Cell-outputWrapper"))
    handle = cell.locator(".noUi-handle").first.bounding_box()
    track = cell.locator(".noUi-target").first.bounding_box()
    x0, y0 = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    x1 = track["x"] + track["width"] * (0.85 if x0 < track["x"] + track["width"] * 0.6 else 0.15)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y0, steps=12)
    page.mouse.up()
    deadline = time.monotonic() + 30
    while cell.evaluate(snapshot_js) == before and time.monotonic() < deadline:
        page.wait_for_timeout(300)
    wait_idle(page, lab, path, timeout=60)
    after, value_after = cell.evaluate(snapshot_js), readout.inner_text()
    shot(page, "07_widget_after", cell.locator(".jp-Cell-outputWrapper"))
    assert value_after != value_before, f"{path}: the slider did not move ({value_before} → {value_after})"
    assert after != before, f"{path}: moving the slider ({value_before} → {value_after}) did not change the output"


def test_formgrader_loads(lab, page):
    page.goto(f"{lab.url}lab?token={lab.token}")
    page.locator("#jp-menu-panel").wait_for()
    menu(page, "Nbgrader", "Formgrader")
    frame = page.frame_locator('iframe[src*="formgrader"]')
    try:
        frame.locator("#main-table tr", has_text=Path(FIRST_CHAPTER).stem).first.wait_for()
    finally:
        shot(page, "08_formgrader")
    rows = frame.locator("#main-table tr").all_inner_texts()
    for chapter in sorted(p.name for p in (REPO / "assignments" / "source").iterdir() if p.is_dir()):
        assert any(chapter in row for row in rows), f"formgrader does not list {chapter}"
    assert not page.locator(".jp-Dialog").count()
    alerts = [" ".join(t.split()) for t in frame.locator(".alert-warning:visible, .alert-danger:visible").all_inner_texts()]
    assert not alerts, f"the formgrader shows warnings (see 08_formgrader.png): {alerts}"


def test_assignment_list_loads(lab, page):
    menu(page, "Nbgrader", "Assignment List")
    panel = page.locator("#nbgrader-assignment-list")
    try:
        panel.locator("#released_assignments_list").wait_for()
        page.wait_for_function(
            """() => ['released', 'fetched', 'submitted'].every(k => {
                const loading = document.getElementById(k + '_assignments_list_loading');
                return loading && loading.offsetParent === null; })""")
        panel.locator("#released_assignments_list", has_text=Path(FIRST_CHAPTER).stem).wait_for()
        page.wait_for_timeout(500)
    finally:
        shot(page, "09_assignment_list")
    assert not page.locator(".jp-Dialog").count()
    errors = panel.locator('[id$="_assignments_list_error"]:visible').all_inner_texts()
    assert not errors, f"the assignment list shows errors: {errors}"


def test_server_logged_no_uncaught_exception(lab, page):
    """A failing server handler (formgrader API, exchange) shows in the log, even when the page hides it."""
    log = lab.log_path.read_text(errors="replace")
    failures = [line for line in log.splitlines() if "Uncaught exception" in line or re.search(r"\] 500 ", line)]
    assert not failures, "the server logged errors (see test-artifacts/browser/jupyterlab.log):\n" + "\n".join(failures)


def test_nothing_was_written_into_the_repository(lab, page):
    """Autosave is off and the test never saves: the browser did not even try to write a file."""
    assert not WRITE_ATTEMPTS, f"the browser tried to change files: {WRITE_ATTEMPTS}"
