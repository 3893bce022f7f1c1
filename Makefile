# Coplan: `make run` opens the app, `make test` runs the tests, `make install`
# puts coplan on the PATH and in the application menu, `make package` builds a
# tarball and a .deb. Each installs the system packages it needs first
# (Debian/Ubuntu, via apt-get; as root, or through sudo).

GO ?= go
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# sudo drops most of the environment, so the variable goes through env.
APT := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get
# Fyne's GL/X11 headers, plus the tools the tests drive for real.
APT_BUILD := build-essential pkg-config libgl1-mesa-dev xorg-dev
APT_TEST := openssh-client poppler-utils iproute2
APT_PACKAGE := xz-utils dpkg-dev

# Debian's and Ubuntu's golang-go are older than go.mod's go line: let the go
# command fetch that toolchain from the Go module proxy (even where go.env
# says GOTOOLCHAIN=local), unless you set GOTOOLCHAIN yourself.
ifeq ($(origin GOTOOLCHAIN),undefined)
export GOTOOLCHAIN := auto
endif

# make install: /usr/local as root, ~/.local otherwise; where PREFIX is not
# writable (make install PREFIX=/usr/local as a user), the copy uses sudo.
ifeq ($(origin PREFIX),undefined)
PREFIX := $(shell [ "$$(id -u)" = 0 ] && echo /usr/local || echo "$$HOME/.local")
endif
DESTDIR ?=

FYNE := $(GO) run fyne.io/tools/cmd/fyne@v1.7.4
VERSION := $(shell sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml)
DIST := dist

.PHONY: run build test test-snapshots test-e2e vet fuzz-smoke deps test-deps bench \
	install uninstall package package-deps

run: build
	./coplan $(ARGS)

build: deps
	@echo "Building Coplan with $$($(GO) env GOVERSION). The first build compiles Fyne's GLFW"
	@echo "(C) and every Go package: 5-10 minutes on a small machine. Each package is"
	@echo "named as it compiles; later builds take seconds."
	$(GO) build -v -o coplan .

test: test-deps
	$(GO) vet ./...
	@$(MAKE) --no-print-directory test-snapshots
	@$(MAKE) --no-print-directory test-e2e
	$(GO) test -count=1 -run 'TestInviteFlood' ./sync/
	$(GO) test -race -timeout 30m ./...

# The image snapshot tests skip under -race (the software painter is too slow
# there), so they run here without it, and this fails unless they really ran:
# a skipped or missing snapshot test is an error, not a pass.
test-snapshots:
	@out=$$(mktemp); trap 'rm -f "$$out"' EXIT; \
	$(GO) test -v -run 'Snapshot' ./app/ >"$$out" 2>&1; rc=$$?; \
	grep -E '^ *--- (PASS|FAIL|SKIP)|^(ok|FAIL) ' "$$out"; \
	pass=$$(grep -cE '^ *--- PASS: TestSnapshot' "$$out"); \
	skip=$$(grep -cE '^ *--- SKIP: TestSnapshot' "$$out"); \
	if [ $$rc -ne 0 ]; then cat "$$out"; exit $$rc; fi; \
	if [ "$$pass" -eq 0 ] || [ "$$skip" -ne 0 ]; then \
	  echo "snapshot tests: $$pass passed, $$skip skipped: they must run (no -race)"; exit 1; \
	fi; \
	echo "snapshot tests: $$pass passed, 0 skipped"

# The window's end-to-end test over real sync nodes on loopback
# (status_e2e_test.go) runs here on its own too, without -race, as well as
# in the race run; like the snapshots, it fails unless the test really
# ran and passed.
test-e2e:
	@out=$$(mktemp); trap 'rm -f "$$out"' EXIT; \
	$(GO) test -count=1 -v -run '^TestStatusBarAfterJoinAndRestart$$' . >"$$out" 2>&1; rc=$$?; \
	grep -E '^ *--- (PASS|FAIL|SKIP)|^(ok|FAIL) ' "$$out"; \
	if [ $$rc -ne 0 ]; then cat "$$out"; exit $$rc; fi; \
	if ! grep -qE '^--- PASS: TestStatusBarAfterJoinAndRestart ' "$$out"; then \
	  echo "TestStatusBarAfterJoinAndRestart did not run: it must (no -short)"; exit 1; \
	fi

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

# The binary, a desktop entry and the icon under PREFIX, so coplan is on the
# PATH and in the desktop's application menu.
install: build
	@set -e; p="$(DESTDIR)$(PREFIX)"; while [ ! -d "$$p" ]; do p=$$(dirname "$$p"); done; \
	s=; [ -w "$$p" ] || s="$(SUDO)"; \
	$$s install -Dm755 coplan "$(DESTDIR)$(PREFIX)/bin/coplan"; \
	$$s install -Dm644 assets/icon.png "$(DESTDIR)$(PREFIX)/share/icons/hicolor/512x512/apps/coplan.png"; \
	$$s install -d "$(DESTDIR)$(PREFIX)/share/applications"; \
	sed 's|@BIN@|$(PREFIX)/bin/coplan|' packaging/coplan.desktop | \
	  $$s tee "$(DESTDIR)$(PREFIX)/share/applications/coplan.desktop" >/dev/null; \
	$$s chmod 644 "$(DESTDIR)$(PREFIX)/share/applications/coplan.desktop"; \
	if [ -z "$(DESTDIR)" ]; then \
	  ! command -v update-desktop-database >/dev/null || $$s update-desktop-database -q "$(PREFIX)/share/applications" || true; \
	  ! command -v gtk-update-icon-cache >/dev/null || $$s gtk-update-icon-cache -qtf "$(PREFIX)/share/icons/hicolor" 2>/dev/null || true; \
	fi; \
	echo "Installed $(PREFIX)/bin/coplan, $(PREFIX)/share/applications/coplan.desktop and its icon."; \
	case ":$$PATH:" in *":$(PREFIX)/bin:"*) ;; \
	  *) echo "$(PREFIX)/bin is not on your PATH: add it (for ~/.local/bin, logging in again does, on Debian and Ubuntu).";; \
	esac

uninstall:
	@set -e; p="$(DESTDIR)$(PREFIX)"; while [ ! -d "$$p" ]; do p=$$(dirname "$$p"); done; \
	s=; [ -w "$$p" ] || s="$(SUDO)"; \
	$$s rm -f "$(DESTDIR)$(PREFIX)/bin/coplan" \
	  "$(DESTDIR)$(PREFIX)/share/applications/coplan.desktop" \
	  "$(DESTDIR)$(PREFIX)/share/icons/hicolor/512x512/apps/coplan.png"; \
	if [ -z "$(DESTDIR)" ] && [ -f "$(PREFIX)/share/icons/hicolor/icon-theme.cache" ]; then \
	  $$s gtk-update-icon-cache -qtf "$(PREFIX)/share/icons/hicolor" 2>/dev/null || true; \
	fi; \
	echo "Removed coplan from $(PREFIX)."

# Installable packages in dist/: Fyne's own packaging tool (fetched and run
# by go run) builds the release binary and the Linux tarball with the desktop
# entry and icon; the .deb is made from the tarball's contents.
package: deps package-deps
	rm -rf $(DIST) && mkdir -p $(DIST)
	@echo "Packaging Coplan $(VERSION): fyne package builds a release binary (a few minutes the first time)."
	@# fyne package bumps Build in FyneApp.toml on every run; put it back.
	cp FyneApp.toml $(DIST)/.FyneApp.toml; \
	trap 'cp $(DIST)/.FyneApp.toml FyneApp.toml && rm $(DIST)/.FyneApp.toml' EXIT; \
	$(FYNE) package --os linux --release
	mv Coplan.tar.xz $(DIST)/coplan-$(VERSION)-linux-$$(dpkg --print-architecture).tar.xz
	scripts/deb.sh $(DIST)/coplan-$(VERSION)-linux-$$(dpkg --print-architecture).tar.xz $(VERSION) $(DIST)
	@ls -l $(DIST)

deps:
	@missing=""; for p in $(APT_BUILD); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v $(GO) >/dev/null 2>&1 || missing="$$missing golang-go"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(APT) update -qq && $(APT) install -y -qq $$missing; \
	fi

test-deps: deps
	@missing=""; for p in $(APT_TEST); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(APT) update -qq && $(APT) install -y -qq $$missing; \
	fi

package-deps:
	@missing=""; for p in $(APT_PACKAGE); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(APT) update -qq && $(APT) install -y -qq $$missing; \
	fi
