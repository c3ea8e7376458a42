"""A class of N simulated students on a real JupyterHub (``make hub-test``; README: 课堂：JupyterHub).

The hub is set up with deploy/setup-server.sh and deploy/add-students.sh (real Unix accounts, made
and removed here), listens on 127.0.0.1 only, and everything goes through it: logins through the
hub's login page and API, the Assignment List's fetch / submit / fetch-feedback, kernels of each
user's own server; the instructor runs crmcourse (release --exchange, collect, autograde,
feedback --exchange) in a JupyterLab Terminal of theirs. Checks: students fetch the student edition, the gradebook holds the N students
under their own ids with the expected scores, each student fetches only their own feedback, and
no student's server can read another's home, the exchange's inbound folder, the feedback folder
or the instructor's course. CRM_HUB_STUDENTS sets N (default 10); times and memory go to
test-artifacts/hub/measurements.json (bench/bench_hub.py writes them to bench/RESULTS.md).
"""
from __future__ import annotations

import html
import json
import os
import shutil
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from hub.classroom import CHAPTER, REPO, Classroom, clean_workdir, home

N = int(os.environ.get("CRM_HUB_STUDENTS", "10"))
ARTIFACTS = REPO / "test-artifacts" / "hub"
SOURCE = REPO / "assignments" / "source" / CHAPTER / f"{CHAPTER}.ipynb"
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="creates Unix accounts: needs root")


def run_class(room: Classroom, log=print) -> dict:
    """The whole class through the hub; what each step gave back (tests and bench read it)."""
    out: dict = {}
    source_nb = nbformat.read(SOURCE, as_version=4)
    room.bring_up([room.teacher])
    out["release"] = room.instructor("crmcourse", "release", CHAPTER, "--exchange")
    if out["release"]["returncode"]:
        raise RuntimeError(f"crmcourse release in the instructor's Terminal:\n{out['release']['stdout'][-3000:]}")

    out["spawn_s"] = room.bring_up(room.students)
    room.timings["spawn_each_median_s"] = statistics.median(out["spawn_s"].values())
    room.timings["spawn_each_max_s"] = max(out["spawn_s"].values())
    time.sleep(2)
    room.memory["student_idle_mb"] = [room.rss_of(s) for s in room.students]
    room.memory["hub_and_proxy_mb"] = room.hub_rss()
    log(f"{len(room.students)} servers up in {room.timings[f'servers_up_{len(room.students)}_s']:.1f} s")

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=4) as pool:
        out["fetched"] = dict(zip(room.students, pool.map(lambda s: room.answer(s, source_nb), room.students)))
    room.timings["answer_and_submit_all_s"] = time.monotonic() - started
    log(f"answered and submitted in {room.timings['answer_and_submit_all_s']:.1f} s")

    out["collect"] = room.instructor("crmcourse", "collect", CHAPTER)
    started = time.monotonic()
    out["autograde"] = room.instructor("crmcourse", "autograde", CHAPTER, "--jobs", "2", "--no-progress",
                                       timeout=1800)
    room.timings["autograde_class_s"] = time.monotonic() - started
    log(f"graded in {room.timings['autograde_class_s']:.1f} s: {out['autograde']['returncode']}")
    out["feedback"] = room.instructor("crmcourse", "feedback", CHAPTER, "--exchange")

    pages = {}
    for student in room.students:
        room.assignment_action(student, "fetch_feedback")
        pages[student] = list_feedback(room, student)
    out["pages"] = pages

    teacher_home, other, cheater = home(room.teacher), room.students[0], room.students[-1]
    exchange = room.exchange / "crm"
    out["probe_paths"] = {
        "list_other_home": str(home(other)),
        "other_notebook": str(home(other) / CHAPTER / f"{CHAPTER}.ipynb"),
        "list_inbound": str(exchange / "inbound"),
        "list_feedback": str(exchange / "feedback"),
        "teacher_source": str(teacher_home / "assignments" / "source" / CHAPTER / f"{CHAPTER}.ipynb"),
        "teacher_gradebook": str(teacher_home / "assignments" / "gradebook.db"),
        "list_teacher_submitted": str(teacher_home / "assignments" / "submitted"),
        "list_outbound": str(exchange / "outbound"),  # public: every student fetches from here
    }
    out["probe"] = room.probe(cheater, out["probe_paths"])
    out["cross_server"] = {
        "contents": room.server(other, "GET", "api/contents/", as_user=cheater, timeout=60).status_code,
        "hub_user": __import__("requests").get(f"{room.url}/hub/api/users/{other}", headers=room.auth(cheater),
                                               timeout=60).status_code,
    }
    # The formgrader's own page (its entry `formgrader` only redirects here), and its list of
    # assignments: the chapter is listed when it found the instructor's course directory.
    out["formgrader"] = {}
    for name in (room.teacher, other):
        out["formgrader"][name] = room.server(name, "GET", "formgrader/manage_assignments", timeout=120).status_code
        r = room.server(name, "GET", "formgrader/api/assignments", timeout=120)
        out["formgrader"][f"{name}_lists_chapter"] = (
            r.status_code == 200 and CHAPTER in [a.get("name") for a in r.json()])
    out["lab_disabled"] = {name: disabled_extensions(room.server(name, "GET", "lab", timeout=120).text)
                           for name in (room.teacher, other)}
    return out


def list_feedback(room: Classroom, student: str) -> dict[str, str]:
    """Every feedback page in the student's home, as their own server lists it: path -> text."""
    found, todo = {}, [f"{CHAPTER}/feedback"]
    while todo:
        path = todo.pop()
        r = room.server(student, "GET", f"api/contents/{path}", params={"content": "1"}, timeout=60)
        if r.status_code == 404:
            continue
        r.raise_for_status()
        model = r.json()
        if model["type"] == "directory":
            todo += [item["path"] for item in model["content"]]
        elif path.endswith(".html"):
            found[path] = model["content"]
    return found


def disabled_extensions(page: str) -> list[str]:
    marker = 'id="jupyter-config-data" type="application/json">'
    start = page.index(marker) + len(marker)
    return json.loads(page[start: page.index("</script>", start)]).get("disabledExtensions", [])


@pytest.fixture(scope="module")
def classroom():
    work = Path(tempfile.mkdtemp(prefix="crm-hub-", dir="/tmp"))
    room = Classroom(N, work)
    load_before = os.getloadavg()[0]  # the machine's other work (the numbers depend on it)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        room.setup()
        room.start_hub()
        room.results = run_class(room)
        yield room
    finally:
        try:
            shutil.copy(work / "jupyterhub.log", ARTIFACTS / "jupyterhub.log")
        except OSError:
            pass
        room.teardown()
        clean_workdir(work)
        (ARTIFACTS / "measurements.json").write_text(json.dumps(
            {"students": N, "timings": room.timings, "memory": room.memory, "cpus": os.cpu_count(),
             "load_before": load_before, "load_after": os.getloadavg()[0]}, indent=1), encoding="utf-8")


def scores(room: Classroom) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{home(room.teacher) / 'assignments' / 'gradebook.db'}") as gradebook:
        return {s.student.id: s.score for s in gradebook.find_assignment(CHAPTER).submissions}


def test_instructor_commands_succeed(classroom):
    for step in ("release", "collect", "feedback"):
        result = classroom.results[step]
        assert result["returncode"] == 0, f"crmcourse {step}:\n{result['stdout']}\n{result['stderr']}"
    graded = classroom.results["autograde"]
    assert graded["returncode"] == 0, f"crmcourse autograde:\n{graded['stdout']}\n{graded['stderr']}"
    assert f"完成：{N} 份" in graded["stdout"]


def test_students_fetch_the_student_edition(classroom):
    chapter = nbformat.read(REPO / "chapters" / f"{CHAPTER}.ipynb", as_version=4)
    for student, fetched in classroom.results["fetched"].items():
        text = json.dumps(fetched)
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, student
        assert [c.source for c in fetched.cells] == [c.source for c in chapter.cells], student


def test_gradebook_holds_every_student_under_their_own_id_with_the_expected_score(classroom):
    expected = {"full": 7.0, "half": 3.0, "blank": 0.0, "cheat": 0.0}
    got = scores(classroom)
    assert len(got) == N
    assert got == {s: expected[classroom.kind[s]] for s in classroom.students}


def test_each_student_fetches_only_their_own_feedback(classroom):
    for student, pages in classroom.results["pages"].items():
        assert len(pages) == 1, f"{student} fetched {list(pages)}"
        text = html.unescape(next(iter(pages.values())))
        others = [s for s in classroom.students if s != student and s in text]
        assert not others, f"{student}'s feedback names {others}"
        assert "BEGIN HIDDEN TESTS" not in text


def test_no_student_reads_another_students_work(classroom):
    probe = classroom.results["probe"]
    assert probe["list_outbound"] == "ok"  # the probe itself works
    denied = {k: v for k, v in probe.items() if k != "list_outbound"}
    assert set(denied.values()) == {"PermissionError"}, probe


def test_no_student_uses_another_students_server(classroom):
    cross = classroom.results["cross_server"]
    assert cross["contents"] in (302, 403, 404), cross
    assert cross["hub_user"] in (403, 404), cross


def test_only_the_instructor_has_the_formgrader(classroom):
    room = classroom
    assert room.results["formgrader"][room.teacher] == 200
    assert room.results["formgrader"][f"{room.teacher}_lists_chapter"]
    assert room.results["formgrader"][room.students[0]] == 404
    assert "@jupyter/nbgrader:formgrader" not in room.results["lab_disabled"][room.teacher]
    assert "@jupyter/nbgrader:formgrader" in room.results["lab_disabled"][room.students[0]]
