# CVaRAudit: build, demo and tests. `make demo` and `make test` work on a fresh
# Debian machine with the Swift toolchain: they install what is missing first.
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libopenblas-dev liblapacke-dev
# The report test renders HTML in headless Chromium.
TEST_APT_PACKAGES := chromium

.PHONY: all deps test-deps apt-install build release demo test clean notebook-deps notebooks-test notebooks

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

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# The main job on the embedded default data: an audit of COMPAS.
demo: release
	.build/release/cvar-audit audit

# All tests. The CLI tests run the built executable, so build it first.
test: test-deps
	$(SWIFT) build
	$(SWIFT) test
	@$(MAKE) --no-print-directory notebooks-test

# Notebooks (Notebooks/): pinned Python packages, installed only when missing.
NOTEBOOK_PYTHON ?= python3
NOTEBOOK_BIN ?= .build/debug/cvar-audit
notebook-deps:
	@$(NOTEBOOK_PYTHON) Notebooks/run_notebooks.py --check-requirements 2>/dev/null || \
	  $(NOTEBOOK_PYTHON) -m pip install -q --disable-pip-version-check -r Notebooks/requirements.txt

# Run every notebook from a clean kernel on temporary copies (quick mode: fewer replicates in the
# long simulations), against the executable that `make test` has built; a cell error fails.
notebooks-test: notebook-deps
	CVAR_NOTEBOOK_QUICK=1 CVAR_AUDIT_BIN=$(NOTEBOOK_BIN) $(NOTEBOOK_PYTHON) Notebooks/run_notebooks.py

# Re-execute the notebooks in full and store their outputs (to commit them).
notebooks: notebook-deps release
	CVAR_AUDIT_BIN=.build/release/cvar-audit $(NOTEBOOK_PYTHON) Notebooks/run_notebooks.py --in-place

clean:
	rm -rf .build
