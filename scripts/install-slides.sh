#!/usr/bin/env bash
# Install what the course's slides need in a browser (reveal.js, require.js, jQuery) into the
# course's virtual environment ($VENV/lib/node_modules), from the npm registry, so that
# `campaign-lab docs` can copy them beside the slides and the slides open without internet.
# Also axe-core, the accessibility checker tests/test_site_browser.py runs on the built site.
# Does nothing when the pinned versions are already there.
#
# Usage: scripts/install-slides.sh [VENV]      (default: .venv)
#
# Needs npm (Debian/Ubuntu: apt-get install nodejs npm), as scripts/install-hub.sh does.
set -euo pipefail

# reveal.js 4 is the major version nbconvert's slides template is written for.
# axe-core is for the tests only; the site never loads it.
PACKAGES=("reveal.js@4.6.0" "requirejs@2.3.8" "jquery@3.8.0" "axe-core@4.14.1")

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-$ROOT/.venv}"
MODULES="$VENV/lib/node_modules"

if [[ ! -d "$VENV/bin" ]]; then
    echo "install-slides: no virtual environment at $VENV; run 'make install' first or pass its folder as the first argument." >&2
    exit 2
fi
installed() {  # the version of an installed npm package, or nothing
    sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$MODULES/$1/package.json" 2>/dev/null | head -n 1
}
missing=()
for package in "${PACKAGES[@]}"; do
    [[ "$(installed "${package%@*}")" == "${package##*@}" ]] || missing+=("$package")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "install-slides: the slides need npm. Install it (Debian/Ubuntu: apt-get install nodejs npm), then run this again." >&2
    exit 2
fi
echo "install-slides: installing ${missing[*]} into $MODULES"
npm install --global --prefix "$VENV" --no-fund --no-audit --loglevel=error "${missing[@]}" >/dev/null
