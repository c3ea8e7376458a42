"""Write one benchmark's section into bench/RESULTS.md (other sections are kept)."""
from __future__ import annotations

import platform
import re
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def record(section: str, body: str) -> None:
    """Replace (or append) the ``## section`` block of RESULTS.md with ``body``."""
    header = f"## {section}"
    stamp = f"_measured {date.today().isoformat()} on {platform.machine()}, Python {platform.python_version()}_"
    block = f"{header}\n\n{stamp}\n\n{body.strip()}\n"
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n\nRatios measured within one run (`make bench`).\n"
    pattern = re.compile(rf"^## {re.escape(section)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(lambda _: block + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + block
    RESULTS.write_text(text, encoding="utf-8")


def timed(func, repeat: int = 5):
    """Median wall time of ``repeat`` calls of ``func`` and the last result."""
    import statistics
    import time

    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result
