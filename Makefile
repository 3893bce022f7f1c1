# Coplan: `make run` opens the app, `make test` runs the tests. Both install
# the system packages they need first (Debian/Ubuntu, via apt-get).

GO ?= go
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Fyne's GL/X11 headers, plus the tools the tests drive for real.
APT_BUILD := build-essential pkg-config libgl1-mesa-dev xorg-dev
APT_TEST := openssh-client poppler-utils iproute2

.PHONY: run build test vet fuzz-smoke deps test-deps bench

run: deps
	$(GO) run .

build: deps
	$(GO) build -o coplan .

test: test-deps
	$(GO) vet ./...
	$(GO) test -race -timeout 30m ./...

vet:
	$(GO) vet ./...

# A short run of every fuzz target, as CI does. A count rather than a
# duration: a timed -fuzztime can end in a spurious "context deadline
# exceeded" failure.
fuzz-smoke:
	@for pkg in $$($(GO) list ./...); do \
	  dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
	  for f in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/func //'); do \
	    echo "fuzz $$pkg $$f"; \
	    $(GO) test $$pkg -run '^$$' -fuzz "^$$f$$" -fuzztime $${FUZZTIME:-10000x} || exit 1; \
	  done; \
	done

bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./...

deps:
	@missing=""; for p in $(APT_BUILD); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v $(GO) >/dev/null 2>&1 || missing="$$missing golang-go"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

test-deps: deps
	@missing=""; for p in $(APT_TEST); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
