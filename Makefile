# Sorasori: `make run` brings the platform up, `make test` runs the test suite. Both install what is
# missing and start the local servers unless AMQP_URI / MONGO_URI / ELASTICSEARCH_URL name existing ones.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VENV_PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help venv docs-assets asyncapi-tools deploy-tools infra infra-down infra-status run test test-unit test-integration test-contract browser-tools screenshots bench chaos eval train seed reindex clean

help:
	@echo "make run         install what is missing, start the servers and the six services (Ctrl-C stops them)"
	@echo "make test        install what is missing, start the servers, run unit and integration tests"
	@echo "make test-unit   unit tests only (no servers)"
	@echo "make test-contract  the OpenAPI contract tests only (schemathesis, a generated client; servers started)"
	@echo "make docs-assets install the API docs page's Swagger UI from npm (run and test do it first)"
	@echo "make asyncapi-tools  install @asyncapi/parser from npm for the AsyncAPI check (test does it first)"
	@echo "make browser-tools  install Debian's chromium, the Noto fonts and axe-core for tests/browser (test does it first)"
	@echo "make screenshots  every page at 360 and 1280 px into docs/screenshots, from a real Chromium"
	@echo "make bench       benchmarks against the local servers, printed as a table (SECTION=capacity: open-loop capacity only)"
	@echo "make chaos       kill -9 each service and server in turn under load, on private servers; prove nothing lost"
	@echo "make eval        routing (and search) quality on the held-out evaluation set, as tables and JSON in var/eval"
	@echo "make train       retrain the routing classifier on the evaluation set's dev part (services/routing/data)"
	@echo "make seed        (with make run going) create the demo officers, supervisor, CMO cell and admin"
	@echo "make reindex     (with make run going) rebuild the search index from intake's cases, no downtime"
	@echo "make infra       start RabbitMQ, FerretDB, Elasticsearch, the mail sink and S3Proxy only"
	@echo "make infra-down  stop the servers this project started (nothing else)"

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Sorasori needs Python 3.11; $(PYTHON) is " + sys.version.split()[0])'
	@echo "[setup] creating $(VENV) and installing the Python dependencies"
	@test -x $(VENV_PY) || $(PYTHON) -m venv $(VENV)
	@$(VENV_PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	@major=$$(bash scripts/infra/elasticsearch.sh major); \
	  if [ -z "$$ELASTICSEARCH_URL" ] && [ "$$major" != 9 ]; then \
	    echo "[setup] this machine runs Elasticsearch $$major.x: installing the matching client"; \
	    $(VENV_PY) -m pip install -q --disable-pip-version-check "elasticsearch>=$$major,<$$((major + 1))"; fi
	@touch $(STAMP)

# Swagger UI for /api/docs, from the npm registry at the locked version; the gateway serves the files itself.
# --ignore-scripts: the package's only install script is a usage-analytics ping.
DOCS := services/gateway/docs
DOCS_STAMP := $(DOCS)/node_modules/.installed

docs-assets: $(DOCS_STAMP)

$(DOCS_STAMP): $(DOCS)/package.json $(DOCS)/package-lock.json
	@echo "[setup] installing the API docs page (npm ci in $(DOCS))"
	@cd $(DOCS) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $(DOCS_STAMP)

# @asyncapi/parser for the AsyncAPI document's check (tests/asyncapi/validate.mjs), from the npm registry at
# the locked versions.
ASYNCAPI := tests/asyncapi
ASYNCAPI_STAMP := $(ASYNCAPI)/node_modules/.installed

asyncapi-tools: $(ASYNCAPI_STAMP)

$(ASYNCAPI_STAMP): $(ASYNCAPI)/package.json $(ASYNCAPI)/package-lock.json
	@echo "[setup] installing the AsyncAPI parser (npm ci in $(ASYNCAPI))"
	@cd $(ASYNCAPI) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $(ASYNCAPI_STAMP)

infra: venv
	@bash scripts/infra/infra.sh up

# kustomize and checkov for the offline Kubernetes manifest checks (tests/deploy)
deploy-tools: venv
	@bash scripts/deploy/tools.sh

# Debian's chromium + Noto fonts (apt), axe-core (npm ci in tests/browser); Playwright comes with the venv
browser-tools: venv
	@bash scripts/browser/tools.sh

infra-down:
	@bash scripts/infra/infra.sh down

infra-status:
	@bash scripts/infra/infra.sh status

run: infra docs-assets
	@bash scripts/run_platform.sh

test: infra deploy-tools docs-assets browser-tools asyncapi-tools
	@bash scripts/run_tests.sh tests

test-unit: venv docs-assets
	@bash scripts/run_tests.sh tests/unit

test-integration: infra docs-assets asyncapi-tools
	@bash scripts/run_tests.sh tests/integration

test-contract: infra docs-assets
	@bash scripts/run_tests.sh tests/contract

screenshots: infra docs-assets browser-tools
	@SCREENSHOT_DIR=$(CURDIR)/docs/screenshots bash scripts/run_tests.sh tests/browser -m screenshots

bench: infra
	@$(VENV_PY) -m bench $(SECTION)

chaos: infra  # for the FerretDB binary and the unpacked Elasticsearch; the run starts private servers of its own
	@$(VENV_PY) -m chaos

eval: venv
	@$(VENV_PY) -m evaluation $(EVAL_ARGS)

train: venv
	@$(VENV_PY) -m evaluation.train

seed: venv
	@$(VENV_PY) -m services.identity.cli seed-demo

reindex: venv
	@$(VENV_PY) -m services.search.rebuild $(REINDEX_ARGS)

clean: infra-down
	rm -rf var $(VENV) .bin
