# One command surface. `make test` is what CI runs (.ci/run).
# bash for `set -o pipefail` (pip's exit code survives the progress filter).
SHELL  := /bin/bash
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.DEFAULT_GOAL := help
STACK  ?= dev
DIR    ?= .
ARGS   ?=

.PHONY: help install plan pictures bench lint typecheck unit test clean schema mutate

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# The first run installs for a minute or two: say so, and let pip show each package.
$(STAMP): requirements.txt requirements-dev.txt
	@echo "==> [1/3] Creating $(VENV) (first run, or the requirements changed)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "==> [2/3] Upgrading pip"
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	@echo "==> [3/3] Installing requirements-dev.txt (Pulumi SDKs, pytest, ruff, pyright): about a minute"
	@set -o pipefail; $(PY) -m pip install --disable-pip-version-check -r requirements-dev.txt \
		| awk '/^Collecting/ { print "    collecting " $$2; fflush() } \
		       /^ *Downloading/ { print "    downloading " $$2 " " $$3 $$4; fflush() } \
		       /^(Installing|ERROR)/ { print "    " $$0; fflush() }'
	@rm -f $(VENV)/.installed-* && touch $@
	@echo "==> $(VENV) is ready"

install: $(STAMP) ## Create .venv and install runtime and dev requirements

# The stacks have no SSH key (it is the user's to set): where a program cannot run without
# one, the plan stands in a throw-away key it makes, and says so (offline/plan.py).
plan: $(STAMP) ## Offline plan + picture (build/, ignored): make plan [STACK=prod] [DIR=examples/n-tier] [ARGS="--set vmCount=3"]
	@$(PY) -m offline.plan --dir $(DIR) --stack $(STACK) --svg $(DIR)/build/architecture-$(STACK).svg --throwaway-ssh-key sshPublicKey --policy-pack policy $(ARGS)

# The committed pictures (docs/architecture-<stack>.svg) of the committed stack files, no
# overrides; tests/test_plan.py fails until they are redrawn after a change.
PICTURES := .:dev .:prod examples/n-tier:dev
pictures: $(STAMP) ## Redraw the committed docs/architecture-<stack>.svg from the committed stack files
	@for p in $(PICTURES); do d=$${p%%:*}; s=$${p##*:}; \
	  env $$(env | grep -o '^PLAN_SECRET_[^=]*' | sed 's/^/-u /') \
	    $(PY) -m offline.plan --quiet --dir $$d --stack $$s --svg $$d/docs/architecture-$$s.svg --throwaway-ssh-key sshPublicKey --policy-pack policy || exit $$?; \
	  echo "Wrote $$d/docs/architecture-$$s.svg"; done

bench: $(STAMP) ## Time and memory of the offline plan beside the import and program floors (5 rounds, ~2 min)
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

# pyright and pytest each keep one core busy, so they run side by side; ruff first (1 s).
# pyright's report is printed after the tests; either failing fails the target.
test: $(STAMP) ## Lint, type check and all tests (what CI runs)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	@log=$$(mktemp); $(PY) -m pyright >$$log 2>&1 & pid=$$!; \
	$(PY) -m pytest; tests=$$?; \
	wait $$pid; types=$$?; echo "pyright:"; cat $$log; rm -f $$log; \
	test $$tests -eq 0 && test $$types -eq 0

# Mutants of components/ and offline/changes.py, each run against the tests that run its line;
# the kill rate per file, the survivors, build/mutate.json (scripts/mutate.py says how).
mutate: $(STAMP) ## Sampled mutation test, kill rate and survivors (~15 min): make mutate [ARGS="--sample 40"]
	$(PY) scripts/mutate.py $(ARGS)

clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache
