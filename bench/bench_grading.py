"""Parallel autograde against stock serial nbgrader, same submissions, same run.

Quality bar: ``crmcourse autograde --jobs 2`` at least 1.7x faster than serial
``nbgrader autograde`` on 2 cores, with exactly the same grades. A temporary course gets
40 submissions of one chapter (a mix of full, partial and blank answers); identical copies
of it are graded by each command, twice, in the order serial, parallel, parallel, serial
(both as command-line processes, start-up included), and every cell's score is compared.

    python bench/bench_grading.py [--chapter NAME] [--students 40] [--jobs 2] [--no-sandbox]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from results import record  # noqa: E402

from crmcourse import cheats  # noqa: E402
from crmcourse import notebooks as N  # noqa: E402
from crmcourse.autograde import scores, submitted_students  # noqa: E402
from crmcourse.course import chapters  # noqa: E402
from crmcourse.release import release  # noqa: E402


def env() -> dict:
    return dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))


def build_course(tmp: Path, chapter: str, n: int) -> Path:
    course = tmp / "start"
    (course / "source").mkdir(parents=True)
    shutil.copytree(REPO / "assignments" / "source" / chapter, course / "source" / chapter)
    shutil.copyfile(REPO / "assignments" / "nbgrader_config.py", course / "nbgrader_config.py")
    release(course, [chapter])
    source = N.read(N.source_notebook(course, chapter))
    student = N.read(N.release_notebook(course, chapter))
    partial, _ = cheats.build_partial(source, student)
    kinds = [cheats.build_full(source, student), partial, student]
    for i in range(n):
        folder = course / "submitted" / f"s{i:03d}" / chapter
        folder.mkdir(parents=True)
        nbformat.write(kinds[i % len(kinds)], str(folder / f"{chapter}.ipynb"))
        (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    return course


CPU: list[float] = []   # CPU seconds of the command's processes per run (used for serial nbgrader only:
#                         sandboxed kernels are not all reaped by the grading process, so not counted)
LOAD: list[float] = []  # 1-minute load average at the end of each run (other work on the machine)


def timed(command: list[str], cwd: Path) -> float:
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env(), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    LOAD.append(os.getloadavg()[0])
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:])
        raise SystemExit(f"{command[:4]} failed ({result.returncode})")
    return seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chapter", default=chapters(REPO / "assignments")[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-sandbox", action="store_true", help="grade without the bubblewrap sandbox")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="crm-bench-grading-"))
    try:
        start_dir = build_course(tmp, args.chapter, args.students)
        from crmcourse import sandbox

        sandboxed = sandbox.check() is None and not args.no_sandbox  # else the command needs --no-sandbox
        serial_cmd = lambda d: [sys.executable, "-m", "nbgrader", "autograde", args.chapter,  # noqa: E731
                                f"--CourseDirectory.root={d}", "--SafeExecute.allow_unsandboxed=True"]
        parallel_cmd = lambda d: ([sys.executable, "-m", "crmcourse.cli", "--course", str(d), "autograde",  # noqa: E731
                                   args.chapter, "--jobs", str(args.jobs), "--no-progress"]
                                  + ([] if sandboxed else ["--no-sandbox"]))
        # serial, parallel, parallel, serial: a load change on the shared machine during the
        # run weighs on both commands alike.
        times = {"serial": [], "parallel": []}
        dirs = {"serial": [], "parallel": []}
        for i, kind in enumerate(["serial", "parallel", "parallel", "serial"]):
            folder = tmp / f"{kind}-{i}"
            shutil.copytree(start_dir, folder)
            seconds = timed((serial_cmd if kind == "serial" else parallel_cmd)(folder), folder)
            times[kind].append(seconds)
            dirs[kind].append(folder)
            print(f"{kind}: {seconds:.1f} s, {CPU[-1]:.1f} CPU s, load {LOAD[-1]:.1f}", flush=True)
        t_serial, t_parallel = sum(times["serial"]), sum(times["parallel"])
        students = submitted_students(start_dir, args.chapter)
        reference = dirs["serial"][0]
        differ = sorted({s for s in students for d in dirs["serial"][1:] + dirs["parallel"]
                         if scores(reference, args.chapter, s) != scores(d, args.chapter, s)})
        same = not differ and len(students) == args.students
        ratio = t_serial / t_parallel
        serial_cores = (CPU[0] + CPU[3]) / t_serial
        verdict = "meets" if ratio >= 1.7 and same else "MISSES"
        print(f"ratio {ratio:.2f}x, grades {'identical' if same else 'DIFFER: ' + ', '.join(differ)}")
        rounds = lambda k: " + ".join(f"{t:.1f}" for t in times[k])  # noqa: E731
        body = (f"{args.students} submissions of `{args.chapter}` (full, partial and blank in turn), {os.cpu_count()} "
                f"cores. Each command grades the same starting course twice, in the order serial, parallel, "
                f"parallel, serial (load on the shared machine weighs on both alike), as command-line "
                f"processes (start-up included); `crmcourse autograde` ran "
                f"{'with its grading sandbox (bubblewrap, one per kernel)' if sandboxed else 'with --no-sandbox'}"
                f", stock nbgrader without. Bar: `crmcourse autograde --jobs 2` at least 1.7x faster than serial "
                f"`nbgrader autograde`, same grades.\n\n"
                f"| command | time (two runs) | ratio |\n|---|---|---|\n"
                f"| serial `nbgrader autograde` | {rounds('serial')} = {t_serial:.1f} s | 1.00 |\n"
                f"| `crmcourse autograde --jobs {args.jobs}` | {rounds('parallel')} = {t_parallel:.1f} s | {ratio:.2f} |\n\n"
                f"Grades of all {len(students)} submissions, cell by cell, in all four runs: "
                f"{'identical' if same else 'DIFFERENT for ' + ', '.join(differ)}. "
                f"Parallel autograde is {ratio:.2f}x faster: {verdict} the bar.\n\n"
                f"The machine's 1-minute load average after each run, in run order: "
                + ", ".join(f"{k} {l:.1f}" for k, l in zip(["serial", "parallel", "parallel", "serial"], LOAD))
                + f" (above {os.cpu_count()}, other work shared the cores and the ratio is not reliable: "
                f"on this shared machine it ranged from 0.9x to 1.9x under changing load). Serial nbgrader "
                f"keeps {serial_cores:.2f} cores busy on average (its CPU seconds over its wall time), so two "
                f"workers have room on {os.cpu_count()} cores.")
        if args.students >= 40 and args.jobs == 2:
            record("grading", body)
        return 0 if verdict == "meets" else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
