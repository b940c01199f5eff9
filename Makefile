# Two commands do all the set-up on a fresh machine:
#   make demo   - virtual environment, install, run nelm on the bundled demo data
#   make test   - the same set-up plus system packages the tests need, then the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test system-deps bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

demo: $(STAMP)
	bash scripts/demo.sh

system-deps:
	bash scripts/install-system-deps.sh

test: $(STAMP) system-deps
	bash scripts/run-tests.sh

bench: $(STAMP)
	bash scripts/run-benchmarks.sh

clean:
	rm -rf $(VENV) .pytest_cache build src/*.egg-info
