#!/usr/bin/env bash
# Run the test suite on the CPU build of vLLM (creates .venv first if needed).
# Arguments replace the default `tests`, e.g. `bash scripts/run_tests.sh tests/test_ppl.py -x`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ANYPREC_VENV:-$ROOT/.venv}"
cd "$ROOT"
bash scripts/setup_env.sh
[ $# -gt 0 ] || set -- tests
exec "$VENV/bin/python" -m pytest -q "$@"
