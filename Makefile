# pianozona — the two commands a new user needs: `make report` and `make test`.
# Targets document themselves: `make help`.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# DISTRICT: empty = the office's default district (pianozona predefinito, $PIANOZONA_DISTRETTO, or the only one)
DISTRICT ?=
TERRITORY ?= provincia_pavia
# Test processes (pytest-xdist): one per core; each test file stays in one process (its fixtures publish once).
TEST_WORKERS ?= auto
FAST := not kernel and not browser and not dask and not suite and not slow

.DEFAULT_GOAL := help
.PHONY: help install report territorio test test-fast lint lab validate summary data template clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Serve Python 3.11 o successivo"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { echo "Impossibile creare $(VENV): installare python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dask]'
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install pianozona with its dependencies

report: install ## Main job: check the data, run the notebook suite, publish reports/<district>/<year>/
	$(BIN)/pianozona validate $(DISTRICT)
	$(BIN)/pianozona run $(if $(DISTRICT),--district $(DISTRICT))

territorio: install ## Every district of a territory and their comparison (TERRITORY=provincia_pavia): reports/territori/
	$(BIN)/pianozona run --territorio $(TERRITORY)

validate: install ## Only check the district's data (DISTRICT=codice; default: the office's district)
	$(BIN)/pianozona validate $(DISTRICT)

summary: install ## Terminal summary of the district (population, indicators, coverage)
	$(BIN)/pianozona summary $(DISTRICT)

test: install lint ## Lint, then the whole test suite (unit, notebooks, reports in Chromium, Dask) in parallel
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=20

test-fast: install lint ## The inner loop: every test that starts no kernel, browser or Dask cluster, nor a slow one (<2 min)
	$(BIN)/python -m pytest tests -m "$(FAST)" -n $(TEST_WORKERS) --dist loadfile --durations=10 -q

lint: install ## Check the code and the notebooks with ruff (rules in pyproject.toml)
	$(BIN)/ruff check .

lab: install ## Open JupyterLab at the project root (data/, reports/ in reach), notebooks/ first
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" --FileContentsManager.preferred_dir=notebooks \
		$$( [ "$$(id -u)" = 0 ] && echo --allow-root )

data: install ## Regenerate the bundled Pavia tables (seeded, reproducible)
	$(BIN)/python scripts/genera_dati_pavia.py

template: install ## Regenerate the .xlsx template planners fill in
	$(BIN)/python scripts/genera_modello.py

clean: ## Remove the virtual environment and caches (not the data)
	rm -rf $(VENV) .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
