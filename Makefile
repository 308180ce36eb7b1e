# CVaRAudit: build, demo and tests. `make demo` and `make test` work on a fresh
# Debian machine with the Swift toolchain: they install what is missing first.
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libopenblas-dev liblapacke-dev
# The report test renders HTML in headless Chromium.
TEST_APT_PACKAGES := chromium

.PHONY: all deps test-deps e2e-deps apt-install build release demo test test-e2e clean

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

# Python packages of the end-to-end tests (real SQL engines), pinned, installed
# only when missing: DuckDB (embedded) and PySpark (local mode, needs Java 17).
PYTHON ?= python3
PIP_PACKAGES := duckdb==2.0.1 pyspark==4.3.0 pytest
e2e-deps:
	@missing=""; for p in $(PIP_PACKAGES); do name=$${p%%==*}; want=$${p#*==}; \
	  have=$$($(PYTHON) -c "import importlib.metadata as m; print(m.version('$$name'))" 2>/dev/null); \
	  if [ -z "$$have" ] || { [ "$$want" != "$$p" ] && [ "$$have" != "$$want" ]; }; then missing="$$missing $$p"; fi; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; $(PYTHON) -m pip install -q $$missing; fi
	@command -v java >/dev/null || { echo "installing: openjdk-17-jre-headless"; $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq openjdk-17-jre-headless; }

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# The main job on the embedded default data: an audit of COMPAS.
demo: release
	.build/release/cvar-audit audit

# All tests. The CLI tests run the built executable, so build it first.
test: test-deps e2e-deps
	$(SWIFT) build
	$(SWIFT) test
	$(PYTHON) -m pytest Tests/EndToEnd -q -rs -p no:cacheprovider

# Only the end-to-end tests against DuckDB and Spark (after a build).
test-e2e: e2e-deps
	$(SWIFT) build
	$(PYTHON) -m pytest Tests/EndToEnd -q -rs -p no:cacheprovider

clean:
	rm -rf .build
