# Two commands: `make report` builds the site, `make test` runs every test.
# Both create or refresh the local virtual environment (.venv) from pyproject.toml first.
PYTHON ?= python3
# Compiled modules (and pytest's rewritten test modules) are kept (in __pycache__/, which git ignores) even where
# PYTHONDONTWRITEBYTECODE is set: without them every process (each test worker, each kernel) compiles the project's
# code again, a second or two of each test worker's start.
unexport PYTHONDONTWRITEBYTECODE
VENV   := .venv
# An active conda environment made from environment.yml is used as it is (no second environment).
ifeq ($(notdir $(CONDA_PREFIX)),bytedance-compute)
VENV   := $(CONDA_PREFIX)
endif
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
JOBS   ?=
NB     ?=
PARAMS ?=

.PHONY: report test check-lab notebook validate benchmark refresh-outputs clean env git-filter

report: $(STAMP)
	@$(PY) -m builder build $(if $(JOBS),--jobs $(JOBS))

test: $(STAMP)
	@$(PY) -m pytest -n $(or $(JOBS),auto) --dist loadscope --no-loadscope-reorder -q

# Real JupyterLab in headless Chromium: charts survive re-runs, reloads and two open copies; data
# markup never runs (needs Debian's chromium; CI runs it after `make test`).
check-lab: $(STAMP)
	@$(PY) scripts/check_jupyterlab.py

# Re-run one notebook with other values, e.g.
#   make notebook NB=02_cloud_economics PARAMS="-p rental_price_usd_per_gpu_hour 2.5"
notebook: $(STAMP)
	@test -n "$(NB)" || { echo "usage: make notebook NB=<name> PARAMS='-p name value ...'"; exit 2; }
	@$(PY) -m builder run $(NB) $(PARAMS)

validate: $(STAMP)
	@$(PY) -m builder validate

benchmark: $(STAMP)
	@$(PY) scripts/benchmark.py

# Copy the outputs of the cells tagged nbval-check-output from a fresh run back into notebooks/.
refresh-outputs: $(STAMP)
	@$(PY) scripts/refresh_outputs.py

env: $(STAMP)

$(STAMP): pyproject.toml
	@if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
	  echo "$(VENV) was made with Python $$($(PY) -c 'import platform; print(platform.python_version())' 2>/dev/null || echo '?'); it needs 3.11 or later: making it again"; \
	  rm -rf $(VENV); fi
	@test -x $(PY) || { $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || \
	  { echo "$(PYTHON) is not Python 3.11 or later: run make with PYTHON=/path/to/python3.11"; exit 2; }; \
	  $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@# jupyter-events pulls in rfc3987-syntax, which jsonschema imports whenever it is imported (so in every
	@# kernel that imports altair) and which builds a parser for about 1 s. Nothing here checks IRIs: drop it.
	$(PY) -m pip uninstall --quiet --yes rfc3987-syntax
	@# The Vega bundle the charts carry belongs to the installed vl-convert: written into the environment now (2.5 s),
	@# not by the first kernels of a build or test session, several of which would each write it at once.
	$(PY) -c 'from helpers import charts; charts._javascript_bundle()'
	@$(MAKE) --no-print-directory git-filter
	@touch $(STAMP)

# The git clean filter that keeps outputs out of commits: the interpreter's absolute path in single quotes (git
# runs the filter through the shell), so a checkout path with a space or a quote in it still works.
git-filter:
	@py="$$(cd "$$(dirname "$(PY)")" && pwd)/$$(basename "$(PY)")"; \
	  quoted="'$$(printf '%s' "$$py" | sed "s/'/'\\\\''/g")'"; \
	  git config filter.notebook-outputs.clean "$$quoted scripts/strip_outputs.py" 2>/dev/null || true

# Not while a build holds build/.lock (where flock(1) exists: Linux).
clean:
	@if [ -e build/.lock ] && command -v flock >/dev/null && ! flock -n build/.lock true; then \
	  echo "a build is running in this folder (it holds build/.lock): build/ was not removed"; exit 3; fi
	rm -rf build
