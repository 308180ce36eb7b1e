# CVaRAudit: build, demo and tests. `make demo` and `make test` work on a fresh
# Debian machine with the Swift toolchain: they install what is missing first.
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libopenblas-dev liblapacke-dev

.PHONY: all deps build release demo test bench bench-update compare clean

all: build

# System libraries (OpenBLAS CBLAS and LAPACKE), installed only when missing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# The main job on the embedded default data: an audit of COMPAS.
demo: release
	.build/release/cvar-audit audit

# All tests. The CLI tests run the built executable, so build it first. The
# benchmark package is built (not run: no timed tests) so that it cannot rot.
test: deps
	$(SWIFT) build
	$(SWIFT) test
	$(SWIFT) build -c release --package-path Benchmarks

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
PYTHON ?= python3
COMPARE_ARGS ?=
compare: deps
	$(SWIFT) build -c release --product cvar-audit
	$(SWIFT) build -c release --package-path Benchmarks --product aggregate-bench
	@$(PYTHON) -c "import numpy, pandas, fairlearn, threadpoolctl" 2>/dev/null || \
	  $(PYTHON) -m pip install -r Benchmarks/compare/requirements.txt
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PYTHON) Benchmarks/compare/compare.py $(COMPARE_ARGS)

clean:
	rm -rf .build Benchmarks/.build .build-compare
