"""Shared fixtures: where the repository, the course and the chapters are; figures drawn off-screen."""
from __future__ import annotations

import functools
import inspect
import os
import sys
from html.parser import HTMLParser
from pathlib import Path

import matplotlib
import pytest

# Every test draws off-screen (no display on CI) and leaves no figure open for the next one.
matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "assignments"
CHAPTERS = REPO / "chapters"
BIN = Path(sys.executable).parent


def chapter_names() -> list[str]:
    source = COURSE / "source"
    return sorted(p.name for p in source.iterdir() if (p / f"{p.name}.ipynb").is_file())


def new_course(folder: Path, chapter: str) -> Path:
    """A temporary nbgrader course: ``chapter``'s teacher version and the course's configuration."""
    import shutil

    shutil.copytree(COURSE / "source" / chapter, folder / "source" / chapter)
    shutil.copy(COURSE / "nbgrader_config.py", folder)
    return folder


def tool_env() -> dict:
    """Environment for nbgrader/jupyter subprocesses: the venv's scripts first on PATH."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    env.pop("CRM_COURSE_ROOT", None)
    return env


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


_BUILT: dict = {}


def once_per_worker(build):
    """Run an expensive fixture body once per test worker (and per param).

    pytest tears a module-scoped fixture down whenever a worker moves on to another module,
    and pytest-xdist interleaves modules, so a graded class would otherwise be built again.
    Only for fixtures that return their value (a yield fixture's teardown would be lost).
    """
    if inspect.isgeneratorfunction(build):
        raise TypeError(f"once_per_worker cannot cache the yield fixture {build.__name__}")

    @functools.wraps(build)
    def cached(*args, **kwargs):
        request = kwargs.get("request")
        key = (build.__module__, build.__name__, getattr(request, "param", None))
        if key not in _BUILT:
            _BUILT[key] = build(*args, **kwargs)
        return _BUILT[key]
    return cached


def pytest_configure(config):
    # Known even when pytest-xdist is switched off (-p no:xdist), so no unknown-mark warning.
    config.addinivalue_line("markers", "xdist_group(name): run these tests on one pytest-xdist worker")


class _Active(HTMLParser):
    """Collects what a browser would run of the injections: script bodies, on* handlers, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found, self._script = [], False

    def handle_starttag(self, tag, attrs):
        self._script = tag == "script"
        for name, value in attrs:
            if "PWNED" in (value or "") and (name.lower().startswith("on") or (value or "").strip().lower().startswith("javascript:")):
                self.found.append(f"<{tag} {name}={value}>")

    def handle_data(self, data):
        if self._script and "PWNED" in data:
            self.found.append(f"<script>{data}")

    def handle_endtag(self, tag):
        self._script = False


def active(html: str) -> list[str]:
    parser = _Active()
    parser.feed(html)
    return parser.found
