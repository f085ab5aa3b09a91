# Two commands for a fresh machine with Python 3.11+ and make:
#   make demo   set up, build the demo database on first run, open the desk on it
#   make test   set up and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench screenshot clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e . || \
		$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/deskapp demo

# Three test workers on CI's two cores: a UI test spends part of its time waiting on its app's
# timers, and the third worker runs in those waits.
test: $(STAMP)
	$(BIN)/ruff check deskapp tests bench
	$(BIN)/ruff format --check deskapp tests bench
	$(BIN)/mypy  # the type checker: its settings are in pyproject.toml [tool.mypy]
	$(BIN)/lint-imports --no-logo  # the layer contracts of pyproject.toml
	$(BIN)/python -m pytest -n 3 --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check deskapp tests bench
	$(BIN)/ruff format --check deskapp tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

bench: $(STAMP)
	$(BIN)/python -m bench.run_all

screenshot: $(STAMP)
	$(BIN)/python -m docs.make_screenshot

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
