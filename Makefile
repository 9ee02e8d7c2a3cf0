# reportgen — two commands do all the set-up: `make report` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
SPEC   ?= report.yaml
CUSTOMERS ?= 20000
FUZZ_MINUTES ?= 10

.PHONY: report test data docs bench bench-quick fuzz lint check-system clean help

help:
	@echo "make report  - set up .venv, generate sample data if data/ is empty, build the report (HTML, PDF, XLSX, CSV, charts)"
	@echo "make test    - set up .venv and run lint, types and the test suite"
	@echo "make docs    - regenerate docs/spec.md and the JSON Schema from the spec models"
	@echo "make data    - generate the synthetic Instacart data into data/ (CUSTOMERS=$(CUSTOMERS))"
	@echo "make bench   - full-scale benchmark (writes benchmarks/results.json and prints a table)"
	@echo "make bench-quick - the same on 20,000 customers, in about a minute"
	@echo "make fuzz   - mutate specs and data files for FUZZ_MINUTES=$(FUZZ_MINUTES) minutes (new seeds)"

check-system:
	@$(PYTHON) -c "import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)" || \
	  { echo "reportgen needs Python >= 3.11 (found: $$($(PYTHON) --version))."; exit 1; }
	@$(PYTHON) -c "import ctypes.util, sys; sys.exit(0 if ctypes.util.find_library('pango-1.0') else 1)" || \
	  { echo "WeasyPrint needs the Pango library, which this machine lacks."; \
	    echo "Install it: apt-get install libpango-1.0-0 libpangoft2-1.0-0 (Debian/Ubuntu)," ; \
	    echo "dnf install pango (Fedora), or brew install pango (macOS)."; exit 1; }

$(STAMP): pyproject.toml
	@$(MAKE) -s check-system
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --no-compile -e '.[test,dask]'
	@# Byte-compiled on both cores (pip compiles one file at a time: ~20 s more of set-up).
	-@$(PY) -m compileall -q -j 0 "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" > /dev/null
	@touch $(STAMP)

data/orders.csv: | $(STAMP)
	$(PY) -m reportgen sample-data --out data/ --customers $(CUSTOMERS)

data: $(STAMP)
	$(PY) -m reportgen sample-data --out data/ --customers $(CUSTOMERS)

docs: $(STAMP)
	$(PY) -m reportgen reference --out docs/spec.md
	$(PY) -m reportgen.spec.schema

report: $(STAMP) data/orders.csv
	$(PY) -m reportgen $(SPEC)

lint: $(STAMP)
	$(PY) -m ruff check reportgen tests benchmarks
	$(PY) -m ruff format --check reportgen tests benchmarks
	$(PY) -m mypy reportgen
	$(VENV)/bin/lint-imports --no-cache

test: $(STAMP) lint
	@# Byte-compiled once: with PYTHONDONTWRITEBYTECODE set, each process the tests start
	@# would compile reportgen again (0.6 s each).
	-@$(PY) -m compileall -q reportgen > /dev/null
	$(PY) -m pytest -n auto --dist loadfile

bench: $(STAMP)
	-$(PY) -m pip install -q -e '.[bench]'  # DuckDB and Polars for the peers benchmark (optional)
	$(PY) benchmarks/run.py

bench-quick: $(STAMP)
	$(PY) benchmarks/run.py --quick

clean:
	rm -rf $(VENV) .reportgen-cache output/*.html output/*.pdf output/*.xlsx output/*-data output/*-charts

fuzz: $(STAMP)
	@echo "fuzzing for $(FUZZ_MINUTES) minutes (new seeds; a failure prints its reproduction)"
	@end=$$(( $$(date +%s) + $(FUZZ_MINUTES) * 60 )); \
	while [ $$(date +%s) -lt $$end ]; do \
	  REPORTGEN_FUZZ=1 $(PY) -m pytest tests/errors/test_fuzz.py -x -p no:cacheprovider \
	    --hypothesis-seed=$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ') || exit 1; \
	done
