# 客户关系管理课程：常用命令。快速开始只需要 `make lab` 和 `make test`。
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8888
STAMP  := $(VENV)/.installed-stamp
# The student's working copies of the chapters (relative to this folder; see `lab`).
WORK   ?= work

# No browser pop-up when there is no display (servers, CI, SSH sessions).
NO_BROWSER := $(if $(DISPLAY)$(filter Darwin,$(shell uname -s)),,--no-browser)
AS_ROOT    := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: setup sandbox lab test test-integrity test-browser hub-test release datasets bench clean

# Creates .venv when missing and (re)installs the project when pyproject.toml changes.
# Chinese progress lines say what is happening (the first run downloads for a few minutes).
$(STAMP): pyproject.toml
	@started=$$(date +%s); \
		test -x $(BIN)/python || { echo "正在创建 Python 环境（$(VENV)）……"; $(PYTHON) -m venv $(VENV); } && \
		echo $$started > $(VENV)/.setup-started
	@echo "正在更新安装工具（pip）……"
	@$(BIN)/python -m pip install --quiet --upgrade pip "setuptools>=69" wheel
	@echo "正在安装依赖（JupyterLab、nbgrader、pandas 等；第一次需要几分钟，请稍候）……"
	@PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet -e ".[test]"
	@echo "正在启用 JupyterLab 的 nbgrader 扩展……"
	@$(BIN)/jupyter labextension enable --level=sys_prefix @jupyter/nbgrader >/dev/null 2>&1
	@for ext in formgrader assignment_list course_list validate_assignment; do \
		$(BIN)/jupyter server extension enable --sys-prefix nbgrader.server_extensions.$$ext >/dev/null 2>&1; done
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	@cp .jupyter-settings/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	@touch $(STAMP)
	@started=$$(cat $(VENV)/.setup-started 2>/dev/null); rm -f $(VENV)/.setup-started; \
		echo "Python 环境已就绪$${started:+（用时 $$(( $$(date +%s) - started )) 秒）}。"

setup: $(STAMP)

# The grading sandbox (README: 评分沙箱) needs Debian's bubblewrap: installed when missing.
# Only grading and the tests need it, so `make lab` never asks a learner for root rights.
sandbox:
	@scripts/install-sandbox-deps.sh

# Students work in their own copies in $(WORK)/ (git-ignored): created from chapters/ on first use,
# never overwritten; a newer course version is put beside a copy (crmcourse/workcopy.py).
# crmcourse.launch_lab checks the port (a Chinese hint when it is taken), creates the local
# exchange folder, starts the command after `--` with a token of its own and a quiet log
# (CRM_LAB_LOG=INFO shows all of it), and prints a Chinese banner with the address once it answers.
# nbgrader's formgrader runs the `alembic` script by name: the venv's bin folder goes first on PATH.
lab: setup
	@$(BIN)/python -m crmcourse.workcopy --repo "$(CURDIR)" --work "$(WORK)"
	@PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m crmcourse.launch_lab --port $(PORT) --repo "$(CURDIR)" -- \
		$(BIN)/jupyter lab $(NO_BROWSER) $(AS_ROOT) --port=$(PORT) --ServerApp.port_retries=0 \
		--ServerApp.root_dir="$(CURDIR)" \
		--LabApp.default_url=/lab/tree/$(WORK)/00_getting_started.ipynb

test: setup sandbox
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q --durations=10

# The kernel attack battery on every chapter (make test runs it on two; tests/test_integrity.py).
test-integrity: setup sandbox
	CRM_FULL_BATTERY=1 $(BIN)/python -m pytest -n 2 --dist loadgroup -q tests/test_integrity.py

# The course in a real headless browser (tests/browser/): installs chromium, a CJK font and
# Playwright when missing, then starts JupyterLab with `make lab` on a free port. Screenshots
# go to test-artifacts/browser/. The run is ended after 7 minutes whatever happens.
test-browser: setup
	scripts/install-browser-deps.sh $(BIN)
	CRM_BROWSER_TESTS=1 timeout -k 30 420 $(BIN)/python -m pytest tests/browser -p no:xdist -q

# A class of simulated students on a real JupyterHub at 127.0.0.1 (tests/hub/; README: 课堂：JupyterHub):
# needs root (creates and removes Unix accounts). Installs the hub's software under HUB_PREFIX when
# missing (kept apart from a real server's /opt/crm-course). HUB_STUDENTS sets the class size.
HUB_PREFIX   ?= /opt/crm-course-test
HUB_STUDENTS ?= 10
hub-test: setup sandbox
	CRM_HUB_PREFIX=$(HUB_PREFIX) scripts/install-hub-deps.sh
	CRM_HUB_TESTS=1 CRM_HUB_PREFIX=$(HUB_PREFIX) CRM_HUB_STUDENTS=$(HUB_STUDENTS) \
		timeout -k 30 1500 $(BIN)/python -m pytest tests/hub -p no:xdist -q

release: setup
	$(BIN)/crmcourse release

datasets: setup
	$(BIN)/python -m data_builders.generate

# Benchmarks compare against lifetimes, which only the bench extra installs.
bench: setup
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) assignments/release assignments/submitted assignments/autograded \
		assignments/feedback assignments/gradebook.db
