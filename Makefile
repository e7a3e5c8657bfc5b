# Two commands set everything up on a fresh machine:
#   make demo   install and run the RAG example (live Ollama if one answers, else its recorded session)
#   make test   install and run the whole offline test suite with coverage
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install test demo record server stop lint bench package docs docs-serve

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# [ray] (Ray Data, for examples/ray_ingest.py and its test) adds about a minute and 250 MB to the install.
install: $(BIN)/python
	$(BIN)/pip install -q -e '.[all,dev,docs,ray]'

test: install
	$(BIN)/pytest --cov=cb_ollama_integrations --cov-report=term --cov-fail-under=90 $(ARGS)

demo: install
	$(BIN)/python examples/rag_langchain.py $(ARGS)

# Build the wheel and sdist (no warnings), twine-check them, install the wheel into a clean venv and import it.
package: install
	$(BIN)/python scripts/check_package.py

# The documentation site, built offline; --strict turns a broken link or reference into a failure.
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

docs-serve: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

lint: install
	$(BIN)/ruff check cb_ollama_integrations tests examples benchmarks scripts/check_package.py
	$(BIN)/mypy

# Re-record every cassette against a real Ollama v0.24.0 built from source (scripts/ollama-server).
record: install
	CB_OLLAMA_RECORD_URL="$$(scripts/ollama-server start)" $(BIN)/pytest -m vcr --record-mode=rewrite -p no:randomly $(ARGS)

server:
	scripts/ollama-server start

stop:
	scripts/ollama-server stop

# Benchmarks against a FAKE Ollama on loopback (8-15 min). ARGS="--quick" for a short pass;
# ARGS="--real http://127.0.0.1:11435 --clients raw-httpx,cb-core" for W1-W3 against the real server.
bench: install
	$(BIN)/pip install -q -e '.[all,dev,ray,bench]'
	$(BIN)/python -m benchmarks.run $(ARGS)
