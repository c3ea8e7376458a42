"""Every ``crmcourse`` option reaches the library function it stands for, and an option not given
leaves that function's own default in place (the command line keeps no second copy of a default).

Each case patches the library function, runs ``crmcourse.cli.main`` with the option and checks
the argument the function received. No grading runs here.
"""
from __future__ import annotations

import contextlib
import importlib
import inspect
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from crmcourse import cli

CHAPTER = "00_x"


@pytest.fixture
def course(tmp_path):
    course = tmp_path / "course"
    (course / "source" / CHAPTER).mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), str(course / "source" / CHAPTER / f"{CHAPTER}.ipynb"))
    (course / "nbgrader_config.py").write_text("c = get_config()\n")
    (course / "autograded" / "alice" / CHAPTER).mkdir(parents=True)
    (course / "autograded" / "bob" / CHAPTER).mkdir(parents=True)
    return course


class Recorder:
    """Stands in for a library function: records its keyword arguments, returns ``result``."""

    def __init__(self, result):
        self.result, self.calls = result, []

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        return self.result


REPORT = SimpleNamespace(lines=lambda course: [], students=[], rejected=[], new=[], replaced=[],
                         summary=lambda: "")
PACKED = SimpleNamespace(refreshed=[], path=Path("x.zip"), size=0, chapters=[])


def _sandbox(calls):
    @contextlib.contextmanager
    def grading_sandbox(**kwargs):
        calls.append(kwargs)
        yield None
    return grading_sandbox


# (command line after the command, library module, function, its return value, parameter, expected value)
CASES = [
    (["autograde", CHAPTER, "--jobs", "3"], "crmcourse.autograde", "autograde", [], "jobs", 3),
    (["autograde", CHAPTER, "-j", "4"], "crmcourse.autograde", "autograde", [], "jobs", 4),
    (["autograde", CHAPTER, "--student", "a", "--student", "b"], "crmcourse.autograde", "autograde", [],
     "students", ["a", "b"]),
    (["autograde", CHAPTER, "--timeout", "7"], "crmcourse.autograde", "autograde", [], "timeout", 7),
    (["autograde", CHAPTER, "--time-budget", "90"], "crmcourse.autograde", "autograde", [], "time_budget", 90.0),
    (["autograde", CHAPTER, "--skip-graded"], "crmcourse.autograde", "autograde", [], "force", False),
    (["autograde", CHAPTER, "--no-progress"], "crmcourse.autograde", "autograde", [], "progress", False),
    (["collect", CHAPTER, "--update"], "crmcourse.collect", "collect_exchange_report", REPORT, "update", True),
    (["feedback", CHAPTER, "--student", "alice", "--student", "bob"], "crmcourse.feedback", "generate", [],
     "students", ["alice", "bob"]),
    (["export", "--chapter", CHAPTER], "crmcourse.export", "export", 0, "chapters", [CHAPTER]),
    (["export", "-o", "OUT"], "crmcourse.export", "export", 0, "output", "OUT"),
    (["demo", "--jobs", "3"], "crmcourse.demo", "run_demo", 0, "jobs", 3),
    (["demo", "--timeout", "5"], "crmcourse.demo", "run_demo", 0, "timeout", 5),
    (["demo", "--chapter", CHAPTER], "crmcourse.demo", "run_demo", 0, "chapter", CHAPTER),
    (["demo", "--keep"], "crmcourse.demo", "run_demo", 0, "keep", True),
    (["check", "NB", "--timeout", "9"], "crmcourse.check", "check", 0, "timeout", 9),
    (["pack", "-o", "OUT"], "crmcourse.pack", "pack", PACKED, "output", "OUT"),
]


def _run(argv, course, tmp_path, monkeypatch, module, function, result):
    from crmcourse import sandbox

    recorder = Recorder(result)
    monkeypatch.setattr(importlib.import_module(module), function, recorder)
    boxes: list[dict] = []
    monkeypatch.setattr(sandbox, "grading_sandbox", _sandbox(boxes))
    argv = [str(tmp_path / "out.csv") if a == "OUT" else str(tmp_path / "nb.ipynb") if a == "NB" else a
            for a in argv]
    needs_course = argv[0] in ("autograde", "collect", "feedback", "export")
    try:
        cli.main((["--course", str(course)] if needs_course else []) + argv)
    except SystemExit as stop:
        assert not stop.code, stop.code
    assert len(recorder.calls) == 1
    return recorder.calls[0][1], boxes


@pytest.mark.parametrize("argv, module, function, result, parameter, expected", CASES,
                         ids=[" ".join(c[0]) for c in CASES])
def test_each_option_reaches_the_library(argv, module, function, result, parameter, expected,
                                         course, tmp_path, monkeypatch):
    kwargs, _ = _run(argv, course, tmp_path, monkeypatch, module, function, result)
    got = kwargs[parameter]
    if parameter == "output":
        got, expected = Path(got), tmp_path / "out.csv"
    assert got == expected


@pytest.mark.parametrize("argv, module, function, result, parameter, expected", CASES,
                         ids=[" ".join(c[0]) for c in CASES])
def test_an_option_not_given_leaves_the_library_default(argv, module, function, result, parameter, expected,
                                                        course, tmp_path, monkeypatch):
    bare = [a for a in argv[:2] if not a.startswith("-")] if argv[0] not in ("export", "pack") else argv[:1]
    if argv[0] == "demo":
        bare = ["demo"]
    default = inspect.signature(getattr(importlib.import_module(module), function)).parameters[parameter].default
    assert default is not inspect.Parameter.empty
    kwargs, _ = _run(bare, course, tmp_path, monkeypatch, module, function, result)
    if (argv[0], parameter) == ("export", "output"):
        return  # the command prints where it writes, so it names export's default file itself
    assert parameter not in kwargs


@pytest.mark.parametrize("command", [["autograde", CHAPTER], ["demo"], ["check", "NB"]])
def test_no_sandbox_reaches_the_sandbox(command, course, tmp_path, monkeypatch):
    module, function = {"autograde": ("crmcourse.autograde", "autograde"), "demo": ("crmcourse.demo", "run_demo"),
                        "check": ("crmcourse.check", "check")}[command[0]]
    _, boxes = _run(command + ["--no-sandbox"], course, tmp_path, monkeypatch, module, function,
                    [] if command[0] == "autograde" else 0)
    assert boxes == [{"no_sandbox": True}]
    _, boxes = _run(command, course, tmp_path, monkeypatch, module, function, [] if command[0] == "autograde" else 0)
    assert boxes == [{}]


def test_help_shows_the_library_defaults(capsys):
    from crmcourse.autograde import autograde
    from crmcourse.check import check
    from crmcourse.demo import run_demo

    for argv, default in ((["autograde", "--help"], inspect.signature(autograde).parameters["jobs"].default),
                          (["check", "--help"], inspect.signature(check).parameters["timeout"].default),
                          (["demo", "--help"], inspect.signature(run_demo).parameters["timeout"].default)):
        with pytest.raises(SystemExit):
            cli.main(argv)
        out = capsys.readouterr().out
        assert f"默认 {default}" in out and "{default}" not in out, out


def test_status_lines_name_only_options_that_exist():
    """A status or hint naming an option (e.g. ``--force``) must name one the command line has."""
    import re

    from crmcourse.autograde import STATUS_TEXT

    parser = cli.build_parser()
    known = {s for action in parser._subparsers._group_actions[0].choices["autograde"]._actions
             for s in action.option_strings}
    for text in STATUS_TEXT.values():
        for option in re.findall(r"--[a-z-]+", text):
            assert option in known, text
