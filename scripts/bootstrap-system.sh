#!/usr/bin/env bash
# Install the system packages the course needs on Debian or Ubuntu, only the
# missing ones: Python's venv module, a C/C++ compiler (the local AI model is
# compiled once), git, bubblewrap (the grading sandbox), Node.js (JupyterHub's proxy)
# and, with --browser, Chromium (the browser test drives it; `make test` asks for it).
#
# Usage: scripts/bootstrap-system.sh [PYTHON] [--browser]     (default: python3)
# Runs apt-get directly as root, through sudo otherwise; on other systems it
# says what to install and stops.
set -euo pipefail

PYTHON="${1:-python3}"
BROWSER="${2:-}"
missing=()

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "bootstrap: $PYTHON was not found. Install Python 3.11 or newer (Debian/Ubuntu: apt-get install python3)." >&2
    exit 2
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "bootstrap: the course needs Python 3.11 or newer; $PYTHON is $("$PYTHON" -V 2>&1). Run make with PYTHON=python3.11 (or newer)." >&2
    exit 2
fi
"$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=("python3-venv")
command -v g++ >/dev/null 2>&1 || missing+=("g++")
command -v make >/dev/null 2>&1 || missing+=("make")
command -v cmake >/dev/null 2>&1 || missing+=("cmake")
command -v git >/dev/null 2>&1 || missing+=("git")
command -v bwrap >/dev/null 2>&1 || missing+=("bubblewrap")
command -v node >/dev/null 2>&1 || missing+=("nodejs")  # JupyterHub's proxy, for a cohort's hub
command -v npm >/dev/null 2>&1 || missing+=("npm")
if [[ "$BROWSER" == "--browser" ]]; then
    command -v chromium >/dev/null 2>&1 || missing+=("chromium")  # tests/test_browser.py, with Playwright
fi

if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: please install these with your system's package manager, then run make again: ${missing[*]}" >&2
    exit 2
fi
SUDO=""
if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "bootstrap: run as root, or install: apt-get install ${missing[*]}" >&2
        exit 2
    fi
fi
echo "bootstrap: installing system packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
