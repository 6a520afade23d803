#!/usr/bin/env bash
# One device call: build the extension for sm_90a, run tests/gpu, then the benchmark.
# Usage (repo root, on the GPU machine): bash scripts/device_check.sh [bench args...]
# SKIP_TESTS=1 / SKIP_BENCH=1 leave a step out; TEST_K selects tests; TEST_TIMEOUT caps them.
# Logs and results go to $OUT (or ./device_out).
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv | tee "$OUT/gpu.txt"
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
export ANYPREC_BUILD_CUDA=1 ANYPREC_CUDA_ARCHS=${ANYPREC_CUDA_ARCHS:-90a} MAX_JOBS=16
t0=$(date +%s)
if ! python3 setup.py build_ext --inplace > "$OUT/build.log" 2>&1; then
  grep -E "error|Error" "$OUT/build.log" | head -40; tail -20 "$OUT/build.log"; exit 1
fi
echo "build: $(( $(date +%s) - t0 )) s"
if [ "${SKIP_TESTS:-0}" != 1 ]; then
  t0=$(date +%s)
  # TEST_TIMEOUT (s): stop the suite before the device call's own limit, keeping its log.
  ${TEST_TIMEOUT:+timeout "$TEST_TIMEOUT"} python3 -m pytest -q -p no:cacheprovider tests/gpu \
    ${TEST_K:+-k "$TEST_K"} > "$OUT/tests.log" 2>&1
  echo "tests rc=$? in $(( $(date +%s) - t0 )) s"; tail -25 "$OUT/tests.log"
fi
if [ "${SKIP_BENCH:-0}" != 1 ]; then
  python3 scripts/bench_kernels.py --out "$OUT" "$@" > "$OUT/bench.log" 2>&1
  echo "bench rc=$?"; tail -${BENCH_TAIL:-80} "$OUT/bench.log"
fi
