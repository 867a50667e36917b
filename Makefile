# The two set-up commands. Each creates .venv if missing and installs what it needs.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench clean

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (Python 3.11)"; exit 2; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/newsbot demo

lint: $(STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit: $(STAMP)
	$(VENV)/bin/pytest -q -n 2 -m "not serial"
	$(VENV)/bin/pytest -q -m serial

test: lint typecheck unit

bench: $(STAMP)
	$(PY) bench/poll.py
	$(PY) bench/extract.py
	$(PY) bench/quotes.py
	$(PY) bench/deliver.py
	$(PY) bench/scale.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
