# Kabinet's entry points. `make run` and `make test` work on a fresh machine: they create .venv,
# install the project from requirements.lock (hashes checked), and start an embedded PostgreSQL
# when DATABASE_URL is not set.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check

.PHONY: install run test lint format manage lock lock-upgrade doctor bench-routing bench-provisioning bench-staff bench-metering bench-scale isolation-probe load fuzz cluster cluster-stop test-cluster bench-cluster billing-property chaos clean

# The stamp is written only after everything installed. A .venv that cannot run pip (a first run
# without python3-venv, an interrupted install) is rebuilt; a new one is built in .venv.new and
# moved into place only once pip works in it, so a failed run never leaves a broken .venv behind.
$(STAMP): pyproject.toml $(LOCK)
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "[kabinet] $(PYTHON) not found: install Python 3.11+ (Debian/Ubuntu: sudo apt-get install python3 python3-venv), or make PYTHON=python3.11 ..."; exit 1; }
	@$(PYTHON) config/devstack.py doctor
	@if ! $(BIN)/python -m pip --version >/dev/null 2>&1; then \
	  rm -rf $(VENV) $(VENV).new; \
	  $(PYTHON) -m venv $(VENV).new && $(VENV).new/bin/python -m pip --version >/dev/null 2>&1 \
	    || { rm -rf $(VENV).new; echo "[kabinet] could not create a virtualenv with pip: sudo apt-get install python3-venv"; exit 1; }; \
	  mv $(VENV).new $(VENV); \
	fi
	$(PIP) install --upgrade pip
	$(PIP) install --require-hashes -r $(LOCK)
	$(PIP) install --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m config.devstack run

# The suite in one process by default; `make test TEST_PROCESSES=auto` spreads it over one process
# per core (pytest-xdist, each module's tests kept together, a test database per process): about
# 1.8x faster, but in that order two tests (the control panel's tenant list, the storage figure
# on the billing page) have been seen to fail after other modules' committed data, not yet fixed.
TEST_PROCESSES ?= 0
test: $(STAMP)
	$(BIN)/python -m config.devstack test -n $(TEST_PROCESSES) --dist loadscope $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/deptry .
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m config.devstack check-migrations

# manage.py against the database `make run` uses: make manage ARGS="migrate_schemas --shared"
manage: $(STAMP)
	$(BIN)/python -m config.devstack manage $(ARGS)

# What a fresh machine lacks (Python 3.11+, venv, git), with the packages to install.
doctor:
	@$(PYTHON) config/devstack.py doctor

# Re-resolve requirements.lock from pyproject.toml (its dev extra included), keeping every pin
# that still fits; `make lock-upgrade` moves every package to its newest allowed version.
LOCK_FLAGS := --extra dev --generate-hashes --universal --python-version 3.11 --quiet \
	--custom-compile-command "make lock"
lock: | $(STAMP)
	$(BIN)/uv pip compile pyproject.toml $(LOCK_FLAGS) -o $(LOCK)

lock-upgrade: | $(STAMP)
	$(BIN)/uv pip compile pyproject.toml $(LOCK_FLAGS) --upgrade -o $(LOCK)

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

# N cabinets (SCALE_TENANTS, default 2,000) against N = 100 on one PostgreSQL: signups, routing,
# a migration killed midway and resumed, fan-outs, catalog, backend memory. Heavy: not in CI.
bench-scale: $(STAMP)
	$(BIN)/python -m tests.bench.scale

isolation-probe: $(STAMP)
	$(BIN)/python -m tests.probe.isolation

load: $(STAMP)
	$(BIN)/python -m tests.load.run

fuzz: $(STAMP)
	$(BIN)/python -m tests.fuzz.run

# A real Celery worker on the production broker (RabbitMQ on 127.0.0.1:5672 unless
# CHAOS_BROKER_URL says otherwise) SIGKILLed CHAOS_KILLS (100) times mid-work; prints what was
# lost, duplicated, and how long redelivery took. Not part of `make test` nor of CI.
chaos: $(STAMP)
	$(BIN)/python -m tests.chaos.run

# The Stripe intake's property test at full size (the suite runs 8 sequences); prints its figures.
billing-property: $(STAMP)
	BILLING_PROPERTY_SEQUENCES=$${BILLING_PROPERTY_SEQUENCES:-500} $(BIN)/python -m config.devstack test tests/billing/test_event_property.py -q -p no:cacheprovider

# A local Citus cluster (coordinator + 2 workers on 127.0.0.1:9700-9702; Citus built once into
# .data/citus). It prints the DATABASE_URL that points `make run` and `make test` at it.
cluster: $(STAMP)
	$(BIN)/python -m config.cluster start

cluster-stop: $(STAMP)
	$(BIN)/python -m config.cluster stop

# The isolation and tenancy tests and one browser walk, against the cluster (started if needed).
test-cluster: $(STAMP)
	$(BIN)/python -m config.cluster test $(PYTEST_ARGS)

# Signup and request times on the cluster beside one PostgreSQL, a live move under traffic, and
# 200 cabinets' spread over the workers. Heavy: not part of `make test` nor of CI.
bench-cluster: $(STAMP)
	$(BIN)/python -m tests.bench.cluster

clean:
	rm -rf $(VENV) $(VENV).new .data test-artifacts
