"""Running notebooks the way a student's kernel does, and reading nbgrader cell roles."""
from __future__ import annotations

import os
import tempfile
import time
import warnings
from datetime import datetime
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient


def execute(path: Path, *, allow_errors: bool, cwd: Path | None = None, timeout: int = 180):
    """Execute a notebook in a fresh python3 kernel and return the executed copy (the file is untouched)."""
    nb = nbformat.read(path, as_version=4)
    # Unix sockets, not TCP ports: parallel test workers never pick the same port for two kernels.
    with tempfile.TemporaryDirectory(prefix="crm-nb-") as sockets:
        manager = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(sockets, "k"))
        client = NotebookClient(nb, km=manager, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                                resources={"metadata": {"path": str(cwd or path.parent)}})
        started = time.monotonic()
        client.execute()
        total = time.monotonic() - started
    if total > 60:  # a chapter runs in seconds: name where a slow run spent its time
        warnings.warn(f"{path.name} took {total:.0f} s; slowest cells: {slowest_cells(nb)}")
    return nb


def slowest_cells(nb, n: int = 3) -> list[tuple[int, float]]:
    """(cell index, seconds) of the slowest cells, from the timings nbclient records."""
    timed = []
    for index, cell in enumerate(nb.cells):
        execution = cell.get("metadata", {}).get("execution", {})
        start, end = execution.get("iopub.execute_input"), execution.get("shell.execute_reply")
        if start and end:
            seconds = (datetime.fromisoformat(end.replace("Z", "+00:00"))
                       - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()
            timed.append((index, round(seconds, 1)))
    return sorted(timed, key=lambda t: -t[1])[:n]


def role(cell) -> str:
    """'answer', 'test', 'written', 'prompt' or 'lesson', from nbgrader's metadata."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if meta.get("solution") and cell.cell_type == "code":
        return "answer"
    if meta.get("solution"):
        return "written"
    if meta.get("grade"):
        return "test"
    if meta.get("locked") and cell.cell_type == "markdown":
        return "prompt"
    return "lesson"


def errors(cell) -> list:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def warnings_in(cell) -> list[str]:
    """stderr text of a cell (warnings land there)."""
    return [o.get("text", "") for o in cell.get("outputs", [])
            if o.get("output_type") == "stream" and o.get("name") == "stderr"]
