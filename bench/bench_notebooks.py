"""Each chapter's teacher version against a baseline notebook that only imports crmlib and draws one figure.

Quality bar: every chapter runs in at most 3x the baseline's time. Each notebook runs
REPEAT times in a fresh kernel and the median is kept; all in one run.
"""
import statistics
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import record  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
REPEAT = 3
BASELINE = new_notebook(cells=[new_code_cell(
    "import crmlib\nimport matplotlib.pyplot as plt\ncrmlib.use_chinese_font()\n"
    "fig, ax = plt.subplots()\nax.plot([1, 2, 3])\nax.set_title('基线')\nplt.show()")])
BASELINE.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}


def run_once(nb) -> float:
    nb = nbformat.from_dict(nb)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3").execute()
    return time.perf_counter() - start


def median_time(nb) -> float:
    return statistics.median(run_once(nb) for _ in range(REPEAT))


def main() -> None:
    base = median_time(BASELINE)
    rows = [f"| baseline (import crmlib + one figure) | {base:.2f} s | 1.00 |"]
    worst = 0.0
    for path in sorted((REPO / "assignments" / "source").glob("*/*.ipynb")):
        seconds = median_time(nbformat.read(path, as_version=4))
        ratio = seconds / base
        worst = max(worst, ratio)
        rows.append(f"| {path.stem} | {seconds:.2f} s | {ratio:.2f} |")
        print(f"{path.stem}: {seconds:.2f} s = {ratio:.2f}x baseline", flush=True)
    verdict = "meets" if worst <= 3 else "MISSES"
    record("notebooks", "Median of 3 fresh-kernel runs per notebook; bar: at most 3x the baseline.\n\n"
           "| notebook | time | ratio |\n|---|---|---|\n" + "\n".join(rows)
           + f"\n\nWorst ratio {worst:.2f}: {verdict} the bar.")


if __name__ == "__main__":
    main()
