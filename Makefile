# One command surface. `make test` is what CI runs (.ci/run).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.DEFAULT_GOAL := help
STACK  ?= dev
DIR    ?= .
ARGS   ?=

.PHONY: help install plan pictures bench lint typecheck unit test clean

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP) ## Create .venv and install runtime and dev requirements

plan: $(STAMP) ## Offline plan + picture (build/, ignored): make plan [STACK=prod] [DIR=examples/n-tier] [ARGS="--set vmCount=3"]
	@$(PY) -m offline.plan --dir $(DIR) --stack $(STACK) --svg $(DIR)/build/architecture-$(STACK).svg $(ARGS)

# The committed pictures (docs/architecture-<stack>.svg) of the committed stack files, no
# overrides; tests/test_plan.py fails until they are redrawn after a change.
PICTURES := .:dev .:prod examples/n-tier:dev
pictures: $(STAMP) ## Redraw the committed docs/architecture-<stack>.svg from the committed stack files
	@for p in $(PICTURES); do d=$${p%%:*}; s=$${p##*:}; \
	  env $$(env | grep -o '^PLAN_SECRET_[^=]*' | sed 's/^/-u /') \
	    $(PY) -m offline.plan --quiet --dir $$d --stack $$s --svg $$d/docs/architecture-$$s.svg || exit $$?; \
	  echo "Wrote $$d/docs/architecture-$$s.svg"; done

bench: $(STAMP) ## Time and memory of the offline plan beside the SDK import floor
	$(PY) -m offline.bench

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
