#!/usr/bin/env bash
# fresh-debian-test.sh: the README's contract, checked from a bare machine.
#
# Builds a minimal Debian 13 (trixie) root with debootstrap, copies this
# working tree into it (tracked and untracked files that git does not
# ignore, uncommitted edits included; no clone from the network, so the
# checkout under test is this one) and the host's local CA certificates
# (/usr/local/share/ca-certificates, for networks that inspect TLS), and
# inside it:
#
#   1. runs the README's "Run it" line, read from README.md, with its
#      `git clone ... && cd coplan` replaced by `cd` into the copy and its
#      final `make run` by `make build` (the window comes next);
#   2. installs Xvfb and runs `make run` on a virtual display, inside a new
#      network namespace with only loopback (the app listens on port 4077 and
#      speaks mDNS by default: neither leaves the namespace), and checks that
#      the Coplan window is up and the process still running after a few
#      seconds;
#   3. runs `make install`, then `coplan help` from a login shell's PATH, and
#      checks the desktop entry and icon are in place;
#   4. runs `make test` (vet, the snapshot tests, the race-enabled suite).
#      ../shared is not copied, so the trace-replay tests skip, as the README
#      says.
#
# By default all of it runs as root, as on a minimal server or container.
# FRESH_USER=1 runs it as an ordinary user with sudo instead (the run line's
# other branch; make install goes to ~/.local; the namespace tests of
# make test skip, as they need root).
#
# Usage: sudo scripts/fresh-debian-test.sh     (it needs root: debootstrap,
#        chroot, mounts, network namespaces)
# Environment:
#   FRESH_ROOT     where to build the root     (/var/tmp/coplan-trixie)
#   FRESH_MIRROR   Debian mirror               (http://deb.debian.org/debian)
#   FRESH_TIMEOUT  bound on the whole run      (150m)
#   FRESH_USER=1   run as a user with sudo, not as root
#   FRESH_TESTS=0  skip step 4 (make test)
#   FRESH_KEEP=1   keep the root afterwards (it is removed otherwise)
# It downloads about 300 MB of Debian packages plus Go 1.26 and the Go
# modules, and compiles everything twice (plain and -race): 20-40 minutes on
# 2 cores. Prints "fresh-debian-test: PASS" at the end, or says which step
# failed and exits non-zero.
set -euo pipefail

ROOT=${FRESH_ROOT:-/var/tmp/coplan-trixie}
MIRROR=${FRESH_MIRROR:-http://deb.debian.org/debian}
LIMIT=${FRESH_TIMEOUT:-150m}
SRC=$(cd "$(dirname "$0")/.." && pwd)

log() { printf '== fresh-debian-test [%s]: %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { log "FAIL: $*"; exit 1; }

[ "$(id -u)" = 0 ] || { echo "fresh-debian-test: run as root (debootstrap, chroot, mounts)" >&2; exit 2; }

# Run the rest in a private mount namespace under a time bound: whatever
# happens, the mounts below die with the namespace; the trap unmounts them
# in order anyway.
if [ -z "${FRESH_INNER:-}" ]; then
	export FRESH_INNER=1
	exec timeout --kill-after=30s "$LIMIT" unshare --mount --propagation private "$0" "$@"
fi

case "$ROOT" in /|/bin|/boot|/dev|/etc|/home|/proc|/root|/run|/sys|/usr|/var|/tmp|"") die "refusing FRESH_ROOT=$ROOT" ;; esac

unmount_all() {
	# Deepest first; lazy as a last resort so nothing stays held.
	local m
	for m in $(awk -v r="$ROOT" '$5 == r || index($5, r "/") == 1 {print $5}' /proc/self/mountinfo | sort -r); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
}
remove_root() {
	unmount_all
	if awk -v r="$ROOT" '$5 == r || index($5, r "/") == 1 {found=1} END {exit !found}' /proc/self/mountinfo; then
		log "mounts remain under $ROOT; not removing it"
		return
	fi
	rm -rf --one-file-system "$ROOT"
}
cleanup() {
	local rc=$?
	unmount_all
	if [ "${FRESH_KEEP:-0}" = 1 ]; then log "kept $ROOT"; else remove_root; fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 143' TERM INT

if [ "${FRESH_USER:-0}" = 1 ]; then
	who=drafter home=/home/drafter
else
	who=root home=/root
fi
# in_root CMD...: as root in the new system, with a clean environment.
in_root() { chroot "$ROOT" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
# as_who 'SHELL LINE': as the user under test, in a login shell (so its PATH
# is what ~/.profile makes it).
as_who() {
	if [ "$who" = root ]; then in_root /bin/bash -lc "$1"; else in_root su - "$who" -c "$1"; fi
}

# The README's run line, adapted as the header says.
line=$(awk '/^## Run it/ {r=1} r && /^```sh/ {getline; print; exit}' "$SRC/README.md")
[ -n "$line" ] || die "no run line under \"## Run it\" in README.md"
clone='git clone https://github.com/coplan/coplan && cd coplan'
case "$line" in *"$clone && make run") ;; *) die "the README's run line no longer ends in '$clone && make run'; update this script" ;; esac
steps=${line%"$clone && make run"}"cd $home/coplan && make build"
log "README run line: $line"
log "run here as $who: $steps"

command -v debootstrap >/dev/null || {
	log "installing debootstrap"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
}
[ -e "$ROOT" ] && { log "removing the old $ROOT"; remove_root; }
log "debootstrap trixie (minbase) into $ROOT from $MIRROR"
debootstrap --variant=minbase trixie "$ROOT" "$MIRROR" >"$ROOT.debootstrap.log" 2>&1 ||
	{ tail -20 "$ROOT.debootstrap.log"; die "debootstrap"; }
rm -f "$ROOT.debootstrap.log"

# / is a mount point inside (as on a real machine, for mount --make-rslave /),
# with proc, sys, dev and a fresh /run.
mount --bind "$ROOT" "$ROOT"
mount -t proc proc "$ROOT/proc"
mount -t sysfs sysfs "$ROOT/sys"
mount --bind /dev "$ROOT/dev"
mount --bind /dev/pts "$ROOT/dev/pts"
mount -t tmpfs tmpfs "$ROOT/run"
mount -t tmpfs tmpfs "$ROOT/dev/shm"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# Where the network inspects TLS, its CA is in the host's local store; the
# ca-certificates package the run line installs picks it up from the same
# place. A bare machine elsewhere needs none.
if [ -d /usr/local/share/ca-certificates ]; then
	mkdir -p "$ROOT/usr/local/share/ca-certificates"
	cp -R /usr/local/share/ca-certificates/. "$ROOT/usr/local/share/ca-certificates/"
fi

if [ "$who" != root ]; then
	log "making $who, a user with sudo"
	in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sudo passwd >/dev/null || die "installing sudo and passwd"
	in_root useradd -m -s /bin/bash "$who"
	echo "$who ALL=(ALL) NOPASSWD: ALL" >"$ROOT/etc/sudoers.d/$who"
	chmod 440 "$ROOT/etc/sudoers.d/$who"
	# sudo resets the environment: the variable must go through env, as the
	# run line and the Makefile pass it.
	before=$(as_who 'DEBIAN_FRONTEND=noninteractive sudo printenv DEBIAN_FRONTEND || true')
	after=$(as_who 'sudo env DEBIAN_FRONTEND=noninteractive printenv DEBIAN_FRONTEND')
	log "DEBIAN_FRONTEND through sudo: set before sudo: '${before}'; through env: '${after}'"
	[ "$after" = noninteractive ] || die "DEBIAN_FRONTEND does not reach apt-get through sudo env"
fi

log "copying the working tree $SRC to $home/coplan"
mkdir -p "$ROOT$home/coplan"
(cd "$SRC" && git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	tar --null -T - -cf -) | tar -xf - -C "$ROOT$home/coplan"
[ "$who" = root ] || in_root chown -R "$who:$who" "$home/coplan"

log "step 1: the README run line (apt-get update, install, make build)"
t0=$(date +%s)
as_who "$steps" || die "the README run line"
log "step 1 done in $(( $(date +%s) - t0 ))s"
as_who "cd $home/coplan && ./coplan help >/dev/null" || die "./coplan help"

log "step 2: the window under Xvfb, in a network namespace of its own"
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xvfb x11-utils iproute2 >/dev/null ||
	die "installing xvfb"
cat >"$ROOT/usr/local/sbin/coplan-window-check" <<'EOF'
#!/bin/bash
# coplan-window-check USER DIR: runs inside `unshare --net`, as root; brings
# loopback up, then runs `make run` in DIR as USER on a virtual display.
ip link set lo up
Xvfb :7 -screen 0 1280x800x24 -nolisten tcp >/tmp/xvfb.log 2>&1 &
xvfb=$!
for i in $(seq 50); do [ -e /tmp/.X11-unix/X7 ] && break; sleep 0.2; done
# make run in its own session and process group, so the group can be
# stopped by its id.
if [ "$1" = root ]; then
	GOPROXY=off DISPLAY=:7 setsid sh -c "cd $2 && make run" >/tmp/window.log 2>&1 &
else
	setsid su - "$1" -c "cd $2 && GOPROXY=off DISPLAY=:7 make run" >/tmp/window.log 2>&1 &
fi
run=$!
ok=0
for i in $(seq 30); do
	sleep 1
	if ! kill -0 "$run" 2>/dev/null; then break; fi
	if DISPLAY=:7 xwininfo -root -tree 2>/dev/null | grep -q 'Coplan"'; then ok=1; break; fi
done
if [ "$ok" = 1 ]; then sleep 5; kill -0 "$run" 2>/dev/null || ok=0; fi
DISPLAY=:7 xwininfo -root -tree 2>/dev/null | grep -i coplan || true
kill -TERM -- "-$run" 2>/dev/null
for i in $(seq 20); do kill -0 -- "-$run" 2>/dev/null || break; sleep 0.5; done
kill -KILL -- "-$run" 2>/dev/null
wait "$run" 2>/dev/null
kill "$xvfb" 2>/dev/null
wait "$xvfb" 2>/dev/null
if grep -qE '^panic:|SIGSEGV|fatal error:' /tmp/window.log; then ok=0; fi
echo "--- make run's output:"; cat /tmp/window.log
[ "$ok" = 1 ] && echo "window: up and running after 5 s" || { echo "window: FAILED"; exit 1; }
EOF
chmod +x "$ROOT/usr/local/sbin/coplan-window-check"
in_root unshare --net coplan-window-check "$who" "$home/coplan" || die "the window did not come up, or crashed"

log "step 3: make install, then coplan from the PATH"
as_who "cd $home/coplan && make install" || die "make install"
if [ "$who" = root ]; then prefix=/usr/local; else prefix=$home/.local; fi
for f in bin/coplan share/applications/coplan.desktop share/icons/hicolor/512x512/apps/coplan.png; do
	[ -f "$ROOT$prefix/$f" ] || die "make install did not put $prefix/$f"
done
as_who 'command -v coplan && coplan help | head -n 3' || die "coplan is not on a login shell's PATH after make install"

if [ "${FRESH_TESTS:-1}" = 1 ]; then
	log "step 4: make test"
	t0=$(date +%s)
	as_who "cd $home/coplan && nice make test" || die "make test"
	log "step 4 done in $(( $(date +%s) - t0 ))s"
fi
log "PASS (as $who)"
echo "fresh-debian-test: PASS"
