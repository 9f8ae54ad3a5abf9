#!/bin/sh
# Installs what a fresh Debian machine with Go lacks for running and testing
# RKC: PostgreSQL (server binaries), poppler-utils (pdftoppm, for the
# report tests), Chromium (the web pages' browser tests) and, for make lint,
# Node.js with the pinned Spectral of tools/spectral. Idempotent and quiet
# when all is there.
set -eu
cd "$(dirname "$0")/.."

have_pg() {
	command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ] && return 0
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}

missing=""
have_pg || missing="$missing postgresql"
# pdftoppm renders report PDFs to images in the reporting tests.
command -v pdftoppm >/dev/null 2>&1 || missing="$missing poppler-utils"
# Chromium runs the web pages' browser tests (e2e/web), headless.
[ -x /usr/bin/chromium ] || missing="$missing chromium"
# Node.js runs Spectral, the API Design Rules' linter (make lint).
command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"

# Spectral, exactly as tools/spectral/package-lock.json pins it, into the
# project (no install scripts run; nothing is fetched when lint runs).
spectral() {
	[ -x tools/spectral/node_modules/.bin/spectral ] && return 0
	echo "Installing Spectral into tools/spectral" >&2
	npm ci --prefix tools/spectral --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
}

if [ -z "$missing" ]; then
	spectral
	exit 0
fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
	echo "RKC needs:$missing. Install with: apt-get install -y$missing (as root), or set DATABASE_URL." >&2
	exit 1
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "Installing:$missing" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
spectral
