"""The price of reading a submission without root (crmcourse.unprivileged), per submission.

As root, ``crmcourse`` reads every student-shaped folder in a forked child that gives up root
and streams the bytes back. This measures, in one run, copying 40 submission folders (a
notebook, a timestamp and a data file each, the shape ``submitted/<student>/<chapter>/`` has)
in-process against through the child, and puts the difference next to the time one
submission takes to grade (bench_grading: about 3–6 s each on 2 cores).

Bar: the drop adds under 50 ms per submission. Runs as root only (elsewhere nothing drops).
"""
import os
import sys
import tempfile
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import record, timed  # noqa: E402

from crmcourse import untrusted  # noqa: E402

STUDENTS = 40
BAR_MS = 50


def build(root: Path) -> list[Path]:
    notebook = (Path(__file__).resolve().parents[1] / "chapters" / "00_getting_started.ipynb").read_bytes()
    folders = []
    for i in range(STUDENTS):
        folder = root / "submitted" / f"s{i:03d}" / "00_getting_started"
        folder.mkdir(parents=True)
        (folder / "00_getting_started.ipynb").write_bytes(notebook)
        (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
        (folder / "notes.csv").write_text("a,b\n1,2\n" * 100)
        folders.append(folder)
    return folders


def copy_all(folders: list[Path], out: Path) -> int:
    untrusted.remove(out)
    out.mkdir()
    files = 0
    for i, folder in enumerate(folders):
        files += len(untrusted.copy_tree(folder, out / str(i)).files)
    return files


def main() -> None:
    if os.geteuid() != 0:
        print("bench_untrusted: not root, nothing is dropped; skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folders = build(root)
        with mock.patch("crmcourse.unprivileged.is_root", return_value=False):
            t_own, n_own = timed(lambda: copy_all(folders, root / "own"))
        t_drop, n_drop = timed(lambda: copy_all(folders, root / "dropped"))
        for i in range(STUDENTS):
            for name in ("00_getting_started.ipynb", "timestamp.txt", "notes.csv"):
                assert (root / "own" / str(i) / name).read_bytes() == (root / "dropped" / str(i) / name).read_bytes()
    assert n_own == n_drop == 3 * STUDENTS
    extra_ms = (t_drop - t_own) / STUDENTS * 1000
    verdict = "meets the bar" if extra_ms < BAR_MS else "misses the bar"
    body = (f"Copying {STUDENTS} submission folders (notebook, timestamp, a data file), median of 5 runs, "
            f"in one run: in-process {t_own:.3f} s, through the child that gives up root {t_drop:.3f} s "
            f"(ratio {t_drop / t_own:.1f}x). Same bytes either way. The drop adds {extra_ms:.1f} ms per "
            f"submission against 3–6 s to grade one (section grading). Bar: under {BAR_MS} ms per "
            f"submission: {verdict}.")
    print(body)
    record("reading submissions without root", body)


if __name__ == "__main__":
    main()
