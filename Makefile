# One command surface. `make test` is what CI runs (.ci/run).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.DEFAULT_GOAL := help
STACK  ?= dev
DIR    ?= .
ARGS   ?=

.PHONY: help install plan bench lint typecheck unit test clean schema

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP) ## Create .venv and install runtime and dev requirements

plan: $(STAMP) ## Offline plan + picture: make plan [STACK=prod] [DIR=examples/n-tier] [ARGS="--set vmCount=3"]
	@$(PY) -m offline.plan --dir $(DIR) --stack $(STACK) --svg $(DIR)/docs/architecture-$(STACK).svg $(ARGS)

bench: $(STAMP) ## Time and memory of the offline plan beside the SDK import floor
	$(PY) -m offline.bench

schema: $(STAMP) ## Write Pulumi.yaml config, README table, provider/args.py and provider/schema.json from the declaration
	$(PY) -m provider.generate

lint: $(STAMP) ## ruff (lint + format check) and pyright against the SDKs' types
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pyright

typecheck: $(STAMP) ## pyright only
	$(PY) -m pyright

unit: $(STAMP) ## pytest only
	$(PY) -m pytest

test: lint unit ## Lint, type check and all tests (what CI runs)

clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache
