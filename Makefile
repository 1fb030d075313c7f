# Two entry points (see README): `make demo` (the main job) and `make test` (all tests).
# Both set everything up first; set-up is skipped when already done.
# `make demo KEEP_NODE=1` leaves the local Hardhat node running (its PID is printed).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HARDHAT := node_modules/.bin/hardhat
SOLHINT := node_modules/.bin/solhint

.PHONY: setup compile demo web lint test test-contracts test-anvil test-python bench bench-results wheel clean

setup: $(VENV)/.installed node_modules/.installed compile

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

compile: node_modules/.installed
	$(HARDHAT) compile --quiet

demo: setup
	$(PY) -m eternal.demo $(if $(KEEP_NODE),--keep-node)

# The web page (docs/WEB.md) at http://127.0.0.1:8080/, on the model `make demo KEEP_NODE=1` left running.
web: node_modules/.installed
	npm run web

# The Hardhat suite and the fixture suite on anvil run side by side (one core each), then the
# two nodes' fixture records are compared.
test: setup lint
	$(MAKE) --no-print-directory -j2 --output-sync=target test-contracts test-anvil
	$(PY) scripts/fixtures_on_anvil.py compare
	$(MAKE) --no-print-directory test-python

# Solidity lint (rules: .solhint.json, explained in docs/CONTRACTS.md "Lint"); any warning fails.
lint: node_modules/.installed
	$(SOLHINT) --disc --noPoster --max-warnings 0 'contracts/**/*.sol'

# The Hardhat suite records its fixture runs (gas, output digests) for test-anvil to compare.
test-contracts:
	ETERNAL_FIXTURE_RECORD=out/nodes/hardhat.json $(HARDHAT) test

# The fixture suite again on anvil, the second EVM: identical outputs and gas on both nodes.
test-anvil:
	$(PY) scripts/fixtures_on_anvil.py run

test-python:
	$(PY) -m pytest

# Issue 12's benchmark report: bench/RESULTS.md and bench/results/*.png, one run on one anvil (~10 min).
bench-results: setup
	PYTHONPATH=python $(PY) bench/results.py

# A wheel that carries the compiled contracts (setup.py stages them): dist/eternal-*.whl.
wheel: setup
	rm -rf build
	$(PY) -m pip wheel . --no-deps --quiet -w dist

clean:
	rm -rf artifacts cache out build dist
