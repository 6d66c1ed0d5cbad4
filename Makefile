# The two commands of the README: `make demo` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: setup chromium demo test test-fast bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

# Debian's Chromium for Playwright (Playwright's own browser download is often blocked).
chromium:
	@$(PY) -c "from connector.portal.browser import find_chromium; import sys; sys.exit(0 if find_chromium() else 1)" 2>/dev/null \
	  || { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	         (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); \
	       else echo "Chromium not found: install Debian's chromium (apt-get install chromium) or set CONNECTOR_BROWSER__EXECUTABLE" >&2; exit 1; fi; }

demo: setup chromium
	$(PY) -m connector.demo

# Tests use a PostgreSQL server when CONNECTOR_TEST_POSTGRES_URL is set (.ci/run starts one;
# locally: eval "$$(scripts/test-postgres.sh start)").
# pytest exits 5 when it collects no test: reported, not a failure.
test: setup chromium
	@rc=0; $(PY) -m pytest -q $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; exit $$rc

test-fast: setup
	$(PY) -m pytest -q -m "not browser" $(PYTEST_ARGS)

bench: setup chromium
	$(PY) benchmarks/sync.py
	$(PY) benchmarks/submit_form.py

clean:
	rm -rf var/demo .pytest_cache
