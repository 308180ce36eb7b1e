# CVaRAudit: build, demo and tests. `make demo` and `make test` work on a fresh
# Debian machine with the Swift toolchain: they install what is missing first.
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libopenblas-dev liblapacke-dev
# The report test renders HTML in headless Chromium.
TEST_APT_PACKAGES := chromium

.PHONY: all deps test-deps apt-install build release demo test clean

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

clean:
	rm -rf .build
