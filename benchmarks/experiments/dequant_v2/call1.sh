#!/usr/bin/env bash
# Session 26, first call (device, repository root): build this tree (the prefill LUT register
# tables for b <= 3 on by default, the crossovers of session 26), run its GPU tests (the prefill
# file first, then the rest, cut at TEST_TIMEOUT), time the dequantize kernel alone, and profile
# it with ncu.
# Usage: OUT=$OUT bash benchmarks/experiments/dequant_v2/call1.sh
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT"
source benchmarks/experiments/ab_lib.sh
ab_build
export PYTHONPATH=$PWD
bash benchmarks/experiments/dequant_v2/ncu.sh > "$OUT/ncu_summary.txt" 2>&1
echo "ncu done: $(date)"
timeout 120 python3 benchmarks/experiments/dequant_v2/bench.py --out "$OUT" > "$OUT/dequant_bench.txt" 2>&1
echo "dequant bench rc=$?"
s=$(date +%s)
timeout 60 python3 -m pytest -q -p no:cacheprovider tests/gpu/test_prefill_wgmma.py > "$OUT/tests_prefill.log" 2>&1
echo "prefill tests rc=$? in $(( $(date +%s) - s )) s: $(tail -1 "$OUT/tests_prefill.log")"
s=$(date +%s)
timeout ${TEST_TIMEOUT:-300} python3 -m pytest -q -p no:cacheprovider tests/gpu/test_cuda_kernels.py > "$OUT/tests_kernels.log" 2>&1
echo "kernel tests rc=$? in $(( $(date +%s) - s )) s: $(tail -1 "$OUT/tests_kernels.log")"
cat "$OUT/ncu_summary.txt" "$OUT/dequant_bench.txt"
