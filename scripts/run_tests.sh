#!/usr/bin/env bash
# Run the test suite on the CPU build of vLLM (creates .venv first if needed).
# Extra arguments go to pytest, e.g. `bash scripts/run_tests.sh -k ppl -x`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ANYPREC_VENV:-$ROOT/.venv}"
cd "$ROOT"
bash scripts/setup_env.sh
exec "$VENV/bin/python" -m pytest -q tests "$@"
