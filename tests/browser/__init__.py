"""Browser tests: run by `make test-browser` only (see conftest.py)."""
