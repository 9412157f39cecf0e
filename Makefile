# Two commands get a new machine going: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# A local run: debug on, SQLite under var/, in-process tasks, mail in var/mail/.
LOCAL := DJANGO_DEBUG=$${DJANGO_DEBUG:-true}

# The app packages mypy checks: those present in this checkout.

.PHONY: run test install lint types format check bench chaos worker beat serve clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# The periodic jobs (digests, expiry, resurfacing, the outbox sweeper) run in a
# second process beside the server, stopped with it: there is no beat here.
# `make run HOST=0.0.0.0 PORT=8080` serves elsewhere; the links in emails follow
# (SITE_URL is the address served, unless you set it yourself).
HOST ?= 127.0.0.1
PORT ?= 8000
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: $(STAMP)
	$(LOCAL) $(BIN)/python manage.py migrate --noinput
	$(LOCAL) $(BIN)/python manage.py seed_demo --if-empty
	$(LOCAL) $(BIN)/python manage.py run_scheduler & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(LOCAL) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The fast tier in parallel (pytest-xdist, one process per core; loadgroup keeps
# pytest-django's order on each worker, database tests before transactional ones,
# and sends tests that share a crawl to one worker), then the tiers that start
# real processes on fixed Redis databases and ports, in one process. Each part
# requires its own tiers in CI.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest --tiers=fast -n $(TEST_WORKERS) --dist=loadgroup
	$(BIN)/python -m pytest --tiers=integration,browser

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Settings import only with debug on (or a real secret key): mypy's Django
# plugin loads them. Configuration: [tool.mypy] in pyproject.toml.
types: $(STAMP)
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: lint types
	$(LOCAL) $(BIN)/python manage.py check
	$(LOCAL) $(BIN)/python manage.py makemigrations --check --dry-run

bench: $(STAMP)
	$(LOCAL) $(BIN)/python -m benchmarks.run

# The reliability run: offers over HTTP to gunicorn (web form and API) while the
# worker is killed, Redis stops, SMTP fails half the time, PostgreSQL restarts and
# beat is killed. Needs the PostgreSQL server programs (a throwaway cluster of its
# own) and redis-server; the machine's own services are never touched.
chaos: $(STAMP)
	$(BIN)/python -m benchmarks.chaos

worker: $(STAMP)
	$(BIN)/celery -A board worker --loglevel=INFO -n worker1@%h

beat: $(STAMP)
	$(BIN)/celery -A board beat --loglevel=INFO

# Web, worker and beat from the Procfile, with the environment you give them;
# the worker and beat are started again if they die (deploy/keep_running.py).
serve: $(STAMP)
	$(BIN)/honcho start

clean:
	rm -rf $(VENV) var/ staticfiles/
