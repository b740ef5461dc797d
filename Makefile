# Two commands on a fresh machine with Python 3.11 and make: `make run`, `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PLUGINS := $(sort $(wildcard plugins/arapi-*))
STAMP := $(VENV)/.installed

.PHONY: run test bench install schema lint clean

$(STAMP): pyproject.toml $(wildcard plugins/*/pyproject.toml)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]' $(foreach p,$(PLUGINS),-e ./$(p))
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/arapi db upgrade
	$(BIN)/arapi demo load --if-empty
	@echo "Development API key (admin of organization 'demo'); send it as 'Authorization: Bearer <key>':"
	@$(BIN)/arapi apikey create --org demo --role admin --name "development key"
	$(BIN)/arapi serve

test: install
	ARAPI_PYTHON=$(BIN)/python bash scripts/run-tests

bench: install
	$(BIN)/python -m bench

schema: install
	$(BIN)/arapi schema export > schema.graphql

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) arapi.db
