# Russia–South Korea relations briefs. `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
ARGS   ?=

.DEFAULT_GOAL := help
.PHONY: help report test test-fast data validate list lab system-deps test-deps bench lint clean

help: ## show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# The environment is set up under a lock (flock, util-linux): two `make report` started at once on a
# fresh clone would otherwise run pip into the same .venv together. The second waits, then finds
# the stamp current and does nothing.
$(STAMP): pyproject.toml
	@flock .venv.lock $(MAKE) --no-print-directory venv-locked

.PHONY: venv-locked
venv-locked:
	@if [ -f $(STAMP) ] && [ $(STAMP) -nt pyproject.toml ]; then exit 0; fi; \
	set -e; \
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); \
	$(BIN)/python -m pip install --quiet --upgrade pip; \
	$(BIN)/python -m pip install --quiet -e '.[test]'; \
	$(BIN)/python -m russia_korea_briefs kernel; \
	touch $(STAMP)

system-deps: ## install the Debian packages (fonts, pango) when run as root
	@tools/install-system-deps.sh

test-deps: ## the same, plus what only the tests need (chromium for the browser test)
	@tools/install-system-deps.sh --test

report: system-deps $(STAMP) ## build every brief into reports/ (only what changed; ARGS="--force" to rebuild all)
	$(BIN)/python -m russia_korea_briefs build $(ARGS)

test: test-deps $(STAMP) ## run all the tests (executes and renders real briefs, opens them in Chromium)
	$(BIN)/python -m pytest $(ARGS)

test-fast: $(STAMP) ## the tests that start no kernel
	$(BIN)/python -m pytest -m "not slow" $(ARGS)

data: $(STAMP) ## re-derive the UN-vote and trade tables from the raw public files (RUSSIA_KOREA_RAW_DIR or download)
	$(BIN)/python -m russia_korea_briefs ingest

validate: $(STAMP) ## check every data file
	$(BIN)/python -m russia_korea_briefs validate

list: $(STAMP) ## list the briefs and the parameters of each notebook
	$(BIN)/python -m russia_korea_briefs list

lab: $(STAMP) ## open the notebooks in JupyterLab with the project's kernel
	$(BIN)/jupyter lab notebooks/

bench: system-deps $(STAMP) ## measure build speed and memory against the plain papermill+nbconvert+weasyprint chain
	$(BIN)/python bench/build_speed.py $(ARGS)

lint: $(STAMP) ## ruff
	$(BIN)/ruff check src tests bench

clean: ## remove executed notebooks and caches (keeps reports/ and .venv)
	rm -rf build .pytest_cache .ruff_cache
