# Kabinet's entry points. `make run` and `make test` work on a fresh machine: they create .venv,
# install the project, and start an embedded PostgreSQL when DATABASE_URL is not set.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint format bench-routing bench-provisioning bench-staff bench-metering isolation-probe load fuzz billing-property clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m config.devstack run

test: $(STAMP)
	$(BIN)/python -m config.devstack test $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m config.devstack check-migrations

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench-routing: $(STAMP)
	$(BIN)/python -m tests.bench.routing

bench-provisioning: $(STAMP)
	$(BIN)/python -m tests.bench.provisioning

bench-staff: $(STAMP)
	$(BIN)/python -m tests.bench.staff

bench-metering: $(STAMP)
	$(BIN)/python -m tests.bench.metering

isolation-probe: $(STAMP)
	$(BIN)/python -m tests.probe.isolation

load: $(STAMP)
	$(BIN)/python -m tests.load.run

fuzz: $(STAMP)
	$(BIN)/python -m tests.fuzz.run

# The Stripe intake's property test at full size (the suite runs 8 sequences); prints its figures.
billing-property: $(STAMP)
	BILLING_PROPERTY_SEQUENCES=$${BILLING_PROPERTY_SEQUENCES:-500} $(BIN)/python -m config.devstack test tests/billing/test_event_property.py -q -p no:cacheprovider

clean:
	rm -rf $(VENV) .data test-artifacts
