# Two commands from a fresh clone: `make run` and `make test`. Everything else is optional.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev migrate demo lint format check schema worker beat gunicorn bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## Serve http://localhost:8000 on SQLite, local-memory cache, eager tasks and local media.
run: install
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

## The whole suite. Uses DATABASE_URL / REDIS_URL when they are set, SQLite and local memory otherwise.
test: install-dev
	$(VENV)/bin/pytest $(PYTEST_ARGS)

migrate: install
	$(PY) manage.py migrate --noinput

demo: install
	DEBUG=1 $(PY) manage.py seed_demo

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: install-dev
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

schema: install
	$(PY) manage.py spectacular --validate --file docs/openapi.yaml

## Background workers (need REDIS_URL; without it tasks run inline and these are not needed).
worker: install
	$(VENV)/bin/celery -A config worker --loglevel=INFO --concurrency=2

beat: install
	$(VENV)/bin/celery -A config beat --loglevel=INFO --scheduler django_celery_beat.schedulers:DatabaseScheduler

gunicorn: install
	HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/gunicorn -c deploy/gunicorn.conf.py config.wsgi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .test-db.sqlite3*
