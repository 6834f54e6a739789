# Lianban 联办 — developer entry points. `make help` lists the targets.
#
# Works on a fresh Debian 12 machine with python3 3.11 (as root it installs what it needs with
# apt-get: python3-venv, and best-effort chromium, fonts-noto-cjk and libreoffice-writer-nogui for
# the browser and PDF tests). Every recipe stops with a non-zero status at the first failure.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --no-print-directory

PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
TEST_VAR_DIR ?= $(CURDIR)/var/test
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/lianban_bench
BENCH_CASES ?= 200

VPY := $(VENV)/bin/python
MANAGE := $(VPY) manage.py
STAMP := $(VENV)/.installed

# The test runs are hermetic: no database or Redis from the caller's environment and none of its
# LIANBAN_* settings (except the overrides the ensure-* scripts read), the settings module from
# pyproject.toml, a dev key and their own var dir.
TEST_UNSET := DATABASE_URL REDIS_URL DJANGO_SETTINGS_MODULE $(filter-out LIANBAN_CHROMIUM LIANBAN_SOFFICE,$(filter LIANBAN_%,$(.VARIABLES)))
TEST_ENV = env $(addprefix -u ,$(TEST_UNSET)) LIANBAN_DEBUG=1 LIANBAN_VAR_DIR=$(TEST_VAR_DIR)
# The benchmarks make their own scratch var dir and database.
BENCH_ENV = env $(addprefix -u ,$(TEST_UNSET)) LIANBAN_DEBUG=1

# `make run` uses the development key unless the environment provides LIANBAN_SECRET_KEY.
ifeq ($(strip $(LIANBAN_SECRET_KEY)),)
run: export LIANBAN_DEBUG ?= 1
endif

.PHONY: help install run test test-services test-prereqs lint bench bench-scale bench-throughput bench-screening clean distclean

help: ## list the targets
	@echo "Lianban 联办 — make targets (variables: HOST=$(HOST) PORT=$(PORT) PYTEST_ARGS=…):"
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# --- virtualenv ------------------------------------------------------------------------------
# bin/pip, not bin/python: a venv whose ensurepip step failed has a python but no pip.
$(VENV)/bin/pip:
	bash scripts/ensure-python-venv.sh $(PYTHON)
	$(PYTHON) -m venv $(VENV)

# Reinstalls only when pyproject.toml or requirements.lock change (or the venv is new).
$(STAMP): pyproject.toml requirements.lock | $(VENV)/bin/pip
	$(VENV)/bin/pip install -c requirements.lock -e '.[test]'
	touch $@

install: $(STAMP) ## create .venv and install the pinned dependencies (only when they changed)

# --- run -------------------------------------------------------------------------------------
run: install ## migrate, check, collectstatic, load the demo city, serve with daphne on HOST:PORT and run the deadline worker
	@$(VPY) -c 'import socket, sys; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((sys.argv[1], int(sys.argv[2])))' $(HOST) $(PORT) 2>/dev/null \
		|| { echo "make run: $(HOST):$(PORT) is already in use; stop that server or run: make run PORT=8001" >&2; exit 1; }
	$(MANAGE) migrate --noinput
	$(MANAGE) check --database default
	$(MANAGE) collectstatic --noinput -v0
	$(MANAGE) demo
	@echo "Lianban 联办: http://$(HOST):$(PORT)/  (health: http://$(HOST):$(PORT)/healthz; stop with Ctrl-C)"
# The server and the deadline worker (`manage.py run_clocks`) run side by side; Ctrl-C, TERM or
# either of them ending stops both.
	$(MANAGE) run_clocks & clocks=$$!; \
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) config.asgi:application & server=$$!; \
	trap 'kill $$clocks $$server 2>/dev/null; wait' EXIT INT TERM; \
	wait -n $$clocks $$server

# --- tests -----------------------------------------------------------------------------------
lint: install ## check the import-layer contracts (import-linter, configured in pyproject.toml)
	$(VENV)/bin/lint-imports

test-prereqs: ## best effort: install chromium, CJK fonts and LibreOffice with apt-get (never fails)
	@bash scripts/ensure-browser.sh
	@bash scripts/ensure-libreoffice.sh

test: install lint test-prereqs ## the whole suite on the embedded default (SQLite + in-memory channel layer)
	$(TEST_ENV) $(VPY) -m pytest $(PYTEST_ARGS)

test-services: install test-prereqs ## the whole suite on PostgreSQL + Redis (TEST_DATABASE_URL, TEST_REDIS_URL)
	$(TEST_ENV) DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(VPY) -m pytest $(PYTEST_ARGS)

# --- benchmarks ------------------------------------------------------------------------------
bench: install ## page timings, query counts, 文号 allocation under threads (SQLite; PostgreSQL when up), command timings
	$(BENCH_ENV) $(VPY) bench/pages.py --cases $(BENCH_CASES)
	$(BENCH_ENV) $(VPY) bench/numbering.py --sqlite
	@if reason=$$(bash scripts/service-up.sh postgres $$($(VPY) -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(p.hostname or "127.0.0.1", p.port or 5432)' '$(BENCH_DATABASE_URL)')); then \
		echo "bench/numbering.py --database-url $(BENCH_DATABASE_URL)"; \
		$(BENCH_ENV) $(VPY) bench/numbering.py --database-url $(BENCH_DATABASE_URL); \
	else \
		echo "make bench: numbering benchmark on PostgreSQL skipped: $$reason"; \
	fi
	$(BENCH_ENV) bash bench/commands.sh

BENCH_SCALE_CASES ?= 100000
BENCH_SCALE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/lianban_datagen_$(BENCH_SCALE_CASES)
bench-scale: install ## PostgreSQL + Redis: generate BENCH_SCALE_CASES cases (kept), time the officer's lists against their baselines, the notification fan-out, then sockets and task completions on those cases
	$(BENCH_ENV) $(VPY) bench/datagen.py --database-url $(BENCH_SCALE_DATABASE_URL) --cases $(BENCH_SCALE_CASES)
	$(BENCH_ENV) $(VPY) bench/lists.py --database-url $(BENCH_SCALE_DATABASE_URL)
	$(BENCH_ENV) $(VPY) bench/queue_index.py --database-url $(BENCH_SCALE_DATABASE_URL)
	$(BENCH_ENV) $(VPY) bench/page_trips.py --database-url $(BENCH_SCALE_DATABASE_URL)
	$(BENCH_ENV) $(VPY) bench/collector.py --database-url $(BENCH_SCALE_DATABASE_URL)
	$(BENCH_ENV) $(VPY) bench/fragments.py --database-url $(BENCH_SCALE_DATABASE_URL)
	$(BENCH_ENV) $(VPY) bench/search.py --database-url $(BENCH_SCALE_DATABASE_URL)
	$(BENCH_ENV) $(VPY) bench/fanout.py --redis-url $(TEST_REDIS_URL) --recipients 500 --rounds 20
	$(BENCH_ENV) $(VPY) bench/sockets.py --on $(BENCH_SCALE_DATABASE_URL) --redis-url $(TEST_REDIS_URL) --sockets 1000
	# last: the completions add their leads to the generated cases
	$(BENCH_ENV) $(VPY) bench/completions.py --on $(BENCH_SCALE_DATABASE_URL) --redis-url $(TEST_REDIS_URL) --servers 2

BENCH_CLOCKS ?= 100000
bench-throughput: install ## PostgreSQL + Redis: task completions/s (services; HTTP with 4 clients on 1 and on 2 daphne processes), BENCH_CLOCKS deadlines fired by 1 and 2 workers, the 移送书 build — each beside its baseline
	$(BENCH_ENV) $(VPY) bench/completions.py --database-url postgres://postgres@127.0.0.1:5432/lianban_bench_completions --redis-url $(TEST_REDIS_URL)
	$(BENCH_ENV) $(VPY) bench/completions.py --database-url postgres://postgres@127.0.0.1:5432/lianban_bench_completions --redis-url $(TEST_REDIS_URL) --servers 2
	$(BENCH_ENV) $(VPY) bench/clocks.py --database-url postgres://postgres@127.0.0.1:5432/lianban_bench_clocks --redis-url $(TEST_REDIS_URL) --clocks $(BENCH_CLOCKS)
	$(BENCH_ENV) $(VPY) bench/letters.py --database-url postgres://postgres@127.0.0.1:5432/lianban_bench_letters

bench-screening: install ## PostgreSQL: import a 10,000-row big-data screening list (preview, import, again) beside its baselines
	$(BENCH_ENV) $(VPY) bench/screening.py --database-url postgres://postgres@127.0.0.1:5432/lianban_bench_screening

# --- housekeeping ----------------------------------------------------------------------------
clean: ## remove var/ (local database, media, static) and caches; keeps .venv
	rm -rf var .pytest_cache .import_linter_cache test-results
	find . \( -path ./$(VENV) -o -path ./.git \) -prune -o -type d -name __pycache__ -exec rm -rf {} +

distclean: clean ## clean, and remove .venv and the build metadata too
	rm -rf $(VENV) lianban.egg-info
