#!/usr/bin/env bash
# Install configurable-http-proxy, the proxy JupyterHub needs, into the course's
# virtual environment (.venv/bin), from the npm registry. Does nothing when it is
# already there at the pinned version.
#
# Usage: scripts/install-hub.sh [VENV]      (default: .venv)
#
# Needs node and npm (Debian/Ubuntu: apt-get install nodejs npm). JupyterHub itself
# is a Python package in the `dev` extra of pyproject.toml.
set -euo pipefail

# 4.6.x runs on the node of Debian 12 (18) and newer; 5.x wants node 22.
PROXY_VERSION="4.6.3"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-$ROOT/.venv}"
PROXY="$VENV/bin/configurable-http-proxy"

if [[ ! -d "$VENV/bin" ]]; then
    echo "install-hub: no virtual environment at $VENV; run 'make install' first or pass its folder as the first argument." >&2
    exit 2
fi
if [[ -x "$PROXY" ]] && [[ "$("$PROXY" --version 2>/dev/null)" == "$PROXY_VERSION" ]]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    echo "install-hub: JupyterHub's proxy needs node and npm. Install them (Debian/Ubuntu: apt-get install nodejs npm), then run this again." >&2
    exit 2
fi

echo "install-hub: installing configurable-http-proxy $PROXY_VERSION into $VENV"
# -g with --prefix puts the program in $VENV/bin and its modules in $VENV/lib/node_modules.
npm install --global --prefix "$VENV" --no-fund --no-audit --loglevel=error \
    "configurable-http-proxy@$PROXY_VERSION" >/dev/null
"$PROXY" --version >/dev/null
