"""The browser test runs only through `make test-browser` (which sets CRM_BROWSER_TESTS=1).

A plain `pytest` (and `make test`) ignores this folder entirely: nothing here is imported,
so Playwright and chromium are not needed for the ordinary test suite.
"""
import os
import signal
from pathlib import Path

import pytest

if os.environ.get("CRM_BROWSER_TESTS") != "1":
    collect_ignore_glob = ["*.py"]
else:
    # `timeout` (see the Makefile) ends a run that takes too long with SIGTERM: turn it into an
    # exception so that every `finally` runs and the JupyterLab server started here is stopped.
    def _terminate(signum, frame):
        raise KeyboardInterrupt(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, _terminate)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(item, call):
        """A failed step leaves a screenshot of what the browser showed at that moment."""
        outcome = yield
        report = outcome.get_result()
        page = item.funcargs.get("page") if hasattr(item, "funcargs") else None
        if report.when == "call" and report.failed and page is not None:
            folder = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
            try:
                page.screenshot(path=str(folder / f"FAILED_{item.name}.png"))
            except Exception:  # the page itself may be what failed
                pass
