# Tin Cậy: `make demo` runs the system with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The test run needs a secret key (production settings refuse to start without one) and plain
# HTTP for the browser test against a local gunicorn.
TEST_ENV := SECRET_KEY=test-only-not-secret MISINFO_KEY=dGVzdC1vbmx5LW5vdC1zZWNyZXQtLWtleS0tMzJieXQ= HTTPS=0
PG_URL ?= postgres://postgres@127.0.0.1:5432/tincay
# Redis database of the PostgreSQL run (flushed by its tests; not one the benches use).
PG_REDIS_URL ?= redis://127.0.0.1:6379/10
PG_BENCH_URL ?= postgres://postgres@127.0.0.1:5432/tincay_bench

.PHONY: help demo demo-data test test-sqlite test-postgres lint messages bench clean lock

help:
	@echo "make demo           install, migrate SQLite under var/, load demo data, run web + worker"
	@echo "make test           lint, migration check and the whole test suite (SQLite)"
	@echo "make test-postgres  the suite on PostgreSQL + Redis Queue (PG_URL=$(PG_URL), PG_REDIS_URL=$(PG_REDIS_URL))"
	@echo "make messages       update and compile translations"
	@echo "make lock           pin every dependency with its hashes (requirements/*.lock)"
	@echo "make bench          measure speed; figures go to docs/benchmarks.md"

# Installed from the lock files: every package, the dependencies' dependencies too, at one version
# with its hashes (pip refuses a file whose hash differs). base.txt and dev.txt name what we
# chose; `make lock` writes the locks from them.
PIP_INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check

$(VENV)/.base: requirements/base.lock
	@test -x $(PY) || $$(scripts/find-python) -m venv $(VENV)
	$(PIP_INSTALL) --upgrade pip
	$(PIP_INSTALL) --require-hashes -r requirements/base.lock
	@touch $@

$(VENV)/.dev: $(VENV)/.base requirements/dev.lock
	$(PIP_INSTALL) --require-hashes -r requirements/dev.lock
	@touch $@

lock: $(VENV)/.dev
	cd requirements && for name in base dev; do \
	  ../$(VENV)/bin/uv pip compile $$name.txt --universal --python-version 3.12 --generate-hashes \
	    --no-header --quiet -o $$name.lock; done

var/secret_key:
	@mkdir -p var
	@umask 077 && $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

# The key that encrypts who reported a tip (misinfo.crypto): its own, kept beside the database.
var/misinfo_key: $(VENV)/.base
	@mkdir -p var
	@umask 077 && $(PY) -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())" > $@

# Migrate, collect static files and load the demo data into the SQLite database under var/.
DEMO_ENV := SECRET_KEY_FILE=var/secret_key MISINFO_KEY_FILE=var/misinfo_key HTTPS=0 LISTENING_DEMO_FEED=1 OTP_REQUIRED_ROLES=

demo-data: $(VENV)/.base var/secret_key var/misinfo_key
	@scripts/system-deps demo
	$(DEMO_ENV) $(PY) manage.py migrate --noinput -v 0
	$(DEMO_ENV) $(PY) manage.py collectstatic --noinput -v 0
	$(DEMO_ENV) $(PY) manage.py load_demo | tee var/demo-logins.txt

demo: demo-data
	$(DEMO_ENV) HOST=$(HOST) PORT=$(PORT) scripts/demo.sh

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run -v 1

test: $(VENV)/.dev
	@scripts/system-deps test
	$(MAKE) --no-print-directory lint
	$(TEST_ENV) $(PY) -m pytest

# The production set-up: PostgreSQL, and Redis for the cache and the task queue (Redis Queue).
test-postgres: $(VENV)/.dev
	@scripts/system-deps test
	$(PY) scripts/ensure-pg-db $(PG_URL)
	$(TEST_ENV) DATABASE_URL=$(PG_URL) TASK_BACKEND=rq REDIS_URL=$(PG_REDIS_URL) $(PY) -m pytest --create-db

messages: $(VENV)/.dev
	$(TEST_ENV) $(PY) manage.py makemessages -l vi -l en --no-obsolete --no-location -i ".venv/*" -i "var/*" -i "tests/*" -i "scripts/*"
	$(TEST_ENV) $(PY) manage.py compilemessages -l vi -l en -i ".venv/*" -i "var/*" -i "tests/*" -i "scripts/*"

bench: $(VENV)/.dev
	$(TEST_ENV) $(PY) -m scripts.bench
	$(TEST_ENV) PG_URL=$(PG_BENCH_URL) $(PY) -m scripts.bench_reporting
	$(TEST_ENV) $(PY) -m scripts.bench_matcher
	$(TEST_ENV) PG_URL=$(PG_BENCH_URL) $(PY) -m scripts.bench_listening
	$(TEST_ENV) $(PY) -m scripts.bench_situation
	$(TEST_ENV) $(PY) -m scripts.bench_tts
	$(PY) -m scripts.bench_smpp
	$(PY) -m scripts.bench_http_sms
	$(TEST_ENV) $(PY) -m scripts.bench_roster
	@scripts/system-deps bench
	$(TEST_ENV) $(PY) -m scripts.bench_portal
	$(TEST_ENV) PG_URL=postgres://postgres@127.0.0.1:5432/tincay_bench_mixed $(PY) -m scripts.bench_mixed

clean:
	rm -rf var/static .pytest_cache .ruff_cache
