# Two commands for a newcomer:
#   make serve   build the example site and serve it at http://127.0.0.1:8000/
#   make test    install what the tests need and run every test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: serve build test check lint clean

$(BIN)/sitegen: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

serve: $(BIN)/sitegen
	$(BIN)/sitegen serve

build: $(BIN)/sitegen
	$(BIN)/sitegen build

check: $(BIN)/sitegen
	$(BIN)/sitegen check

test: $(BIN)/sitegen
	bash scripts/test.sh

lint: $(BIN)/sitegen
	$(BIN)/ruff check sitegen tests
	$(BIN)/mypy

clean:
	rm -rf _site .sitegen .cache $(VENV)
