#!/usr/bin/env bash
# Install the course's npm packages into its virtual environment ($VENV/bin and
# $VENV/lib/node_modules), from the npm registry, pinned. Does nothing for those
# already there at their pinned version.
#
#   configurable-http-proxy   JupyterHub's proxy (graders/jupyterhub_config.py)
#   reveal.js, requirejs,     what the slides of `campaign-lab docs` load; copied beside
#   jquery                    the slides, so they open without internet
#   axe-core                  the accessibility checker tests/test_site_browser.py runs on
#                             the built site (the site never loads it)
#
# Usage: scripts/install-npm.sh [VENV]      (default: .venv)
# Needs node and npm (Debian/Ubuntu: apt-get install nodejs npm; scripts/bootstrap-system.sh does).
set -euo pipefail

# configurable-http-proxy 4.6.x runs on the node of Debian 12 (18) and newer; 5.x wants node 22.
# reveal.js 4 is the major version nbconvert's slides template is written for.
PACKAGES=("configurable-http-proxy@4.6.3" "reveal.js@4.6.0" "requirejs@2.3.8" "jquery@3.8.0" "axe-core@4.14.1")

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-$ROOT/.venv}"
MODULES="$VENV/lib/node_modules"

if [[ ! -d "$VENV/bin" ]]; then
    echo "install-npm: no virtual environment at $VENV; run 'make install' first or pass its folder as the first argument." >&2
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
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    echo "install-npm: the course needs node and npm. Install them (Debian/Ubuntu: apt-get install nodejs npm), then run this again." >&2
    exit 2
fi
echo "install-npm: installing ${missing[*]} into $VENV"
# -g with --prefix puts programs in $VENV/bin and modules in $VENV/lib/node_modules.
npm install --global --prefix "$VENV" --no-fund --no-audit --loglevel=error "${missing[@]}" >/dev/null
"$VENV/bin/configurable-http-proxy" --version >/dev/null
