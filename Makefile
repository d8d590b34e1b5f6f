# The two commands a new user needs: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test test-fast lint bench bench-node bench-balancer schema graphiql-assets services clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=python3 ...'"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python scripts/graphiql_assets.py --fetch
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	$(BIN)/python scripts/graphiql_assets.py --fetch
	@touch $@ $(STAMP)

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python scripts/graphiql_assets.py --fetch
	@touch $@ $(TEST_STAMP) $(STAMP)

## Install and start the gateway on its embedded demo backends (GraphiQL URL is printed).
run: $(STAMP)
	$(BIN)/gateway serve

## Install the test dependencies and run the whole suite (PYTEST_ARGS="-n 2 --dist loadfile": two workers, as .ci/run).
test: $(TEST_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## The inner loop: the suite without the socket and Redis suites (they start processes and servers).
test-fast: $(TEST_STAMP)
	$(BIN)/python -m pytest -m "not socket and not redis"

## Lint, format and type checks (pinned in the dev extra): ruff check, ruff format --check, mypy --strict.
lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Benchmarks: reference services on loopback with injected latency, gateway with two workers.
bench: $(TEST_STAMP)
	$(BIN)/python -m bench
	$(BIN)/python -m bench.mutations

## The workloads page side by side with Hive Gateway + GraphQL Mesh (Node, OpenAPI sources) on the same services
## and 50 rows; npm ci's the pinned bench/node packages once (exit 3 with the reason when that fails).
bench-node: $(TEST_STAMP)
	$(BIN)/python -m bench.node_gateway

## Requests per second of a page through HAProxy with 1, 2 and 3 replicas (needs Debian's haproxy package).
bench-balancer: $(TEST_STAMP)
	$(BIN)/python -m bench.balancer

## Regenerate the committed SDL and Apollo's possibleTypes map after a deliberate schema change.
schema: $(STAMP)
	$(BIN)/gateway schema > schema/schema.graphql
	$(BIN)/gateway schema --possible-types > schema/possible_types.json
	$(BIN)/gateway schema --federation > schema/subgraph.graphql

## Refresh GraphiQL's vendored assets from the npm registry at the versions pinned in
## gateway/static/graphiql/assets.json (needs npm; PINS="graphiql@3.8.3 ..." changes pins first). Commit assets.json; the files are fetched on install.
graphiql-assets: $(STAMP)
	$(BIN)/python scripts/graphiql_assets.py $(foreach pin,$(PINS),--set $(pin))

## Run the reference domain services on loopback sockets (ports 8101-8105).
services: $(STAMP)
	$(BIN)/reference-services serve

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
