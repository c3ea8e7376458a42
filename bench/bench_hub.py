"""A class on JupyterHub (README: 课堂：JupyterHub): what one server spends on it.

Runs the class of ``make hub-test`` (tests/hub/classroom.py: real Unix accounts, a hub on 127.0.0.1,
every step through the hub) and records in bench/RESULTS.md, section "hub": the hub's start, the
time to bring up N student servers at once, memory per student (idle server; server with the
chapter's kernel), answering and submitting, and grading the class with ``crmcourse autograde``.

    sudo .venv/bin/python bench/bench_hub.py [--students 10] [--from-test]

``--from-test`` records the numbers of the last ``make hub-test`` run
(test-artifacts/hub/measurements.json) instead of running a class. Needs root and the hub's
software (``CRM_HUB_PREFIX=/opt/crm-course-test scripts/install-hub-deps.sh``); without them it
says so and exits 0, so ``make bench`` works on any machine. Absolute numbers (unlike the other
benchmarks' ratios): they size a server, and depend on the machine and its load.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(HERE))

from results import record  # noqa: E402


def run(students: int) -> dict:
    from hub.classroom import Classroom, clean_workdir
    from hub.test_hub import run_class

    work = Path(tempfile.mkdtemp(prefix="crm-hub-bench-", dir="/tmp"))
    room = Classroom(students, work)
    load_before = os.getloadavg()[0]
    try:
        room.setup()
        room.start_hub()
        results = run_class(room)
        if results["autograde"]["returncode"] != 0:
            raise SystemExit(f"autograde failed:\n{results['autograde']['stdout']}\n{results['autograde']['stderr']}")
    finally:
        room.teardown()
        clean_workdir(work)
    return {"students": students, "timings": room.timings, "memory": room.memory, "cpus": os.cpu_count(),
            "load_before": load_before, "load_after": os.getloadavg()[0]}


def body(m: dict) -> str:
    n, t, mem = m["students"], m["timings"], m["memory"]
    idle = mem.get("student_idle_mb", [])
    busy = mem.get("student_with_kernel_mb", [])
    rows = [
        ("hub start (jupyterhub until its API answers)", f"{t['hub_start_s']:.1f} s"),
        (f"{n} student servers started at once (login + spawn, all ready)", f"{t[f'servers_up_{n}_s']:.1f} s"),
    ]
    if "spawn_each_median_s" in t:
        rows.append(("one server within that (median / slowest)",
                     f"{t['spawn_each_median_s']:.1f} s / {t['spawn_each_max_s']:.1f} s"))
    rows += [
        ("memory of the hub and its proxy", f"{mem['hub_and_proxy_mb']:.0f} MB" if "hub_and_proxy_mb" in mem else "–"),
        ("memory per student, idle server (median)", f"{statistics.median(idle):.0f} MB" if idle else "–"),
        ("memory per student, server + chapter 00's kernel (median)", f"{statistics.median(busy):.0f} MB" if busy else "–"),
        (f"{n} students answer chapter 00 in their kernels and submit (4 at a time)",
         f"{t['answer_and_submit_all_s']:.1f} s"),
        (f"grading the class: crmcourse autograde --jobs 2, sandboxed ({n} submissions)",
         f"{t['autograde_class_s']:.1f} s ({t['autograde_class_s'] / n:.1f} s each)"),
    ]
    table = "\n".join(f"| {k} | {v} |" for k, v in rows)
    load = ""
    if "load_before" in m:
        load = (f" (load average {m['load_before']:.1f} before the run, {m['load_after']:.1f} after, "
                f"on {m.get('cpus', '?')} cores)")
    return (f"A class of {n} simulated students on a real JupyterHub at 127.0.0.1 (`make hub-test`, "
            f"`bench/bench_hub.py`), every step through the hub; the machine's cores were shared with "
            f"other work{load}, so these are upper bounds.\n\n"
            f"| step | measured |\n|---|---|\n{table}\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--from-test", action="store_true")
    args = parser.parse_args(argv)
    if args.from_test:
        measured = json.loads((REPO / "test-artifacts" / "hub" / "measurements.json").read_text(encoding="utf-8"))
    else:
        prefix = Path(os.environ.get("CRM_HUB_PREFIX", "/opt/crm-course-test"))
        if os.geteuid() != 0 or not (prefix / "venv" / "bin" / "jupyterhub").exists() or not shutil.which("useradd"):
            print(f"bench_hub: skipped (needs root and the hub's software: "
                  f"CRM_HUB_PREFIX={prefix} scripts/install-hub-deps.sh)")
            return 0
        measured = run(args.students)
    text = body(measured)
    print(text)
    record("hub", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
