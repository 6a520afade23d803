#!/usr/bin/env bash
# Session 48, call 1 (device, repository root; ~6 min on a fresh machine): the lean LUT 64-token
# kernels (b = 7, 8: two blocks per SM; README.md here). Builds the tree (sm_90a), runs the
# prefill tests that cover them (lean kernels of both schemes, refused plans, the LUT tables on
# every grid, graph capture) and compute-sanitizer memcheck of the lean LUT tests, then
# prefill_wgmma/bench.py at LUT b = 7, 8 on the four
# Llama-3-8B weights: the full and the lean 64-token grids (one pass, split 2 / 4 / 8), the 128- and
# 256-token grids, the op's own plan (timed last) and the decode kernel up to M = 64.
# OUT/gpu.txt, build.log, tests_lean.log, memcheck.log, bench.log, prefill_wgmma.{json,png}.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_lut_lean/call1.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
OUT=${OUT:-device_out}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,clocks.max.sm,clocks.max.mem --format=csv,noheader | tee "$OUT/gpu.txt"
s=$(date +%s)
ab_build
echo "built in $(( $(date +%s) - s )) s"
ab_pytest "$OUT/tests_lean.log" 240 tests/gpu/test_prefill_wgmma.py \
  -k "lean or refuses or lut_tables or graph"
# compute-sanitizer memcheck of the new b = 8 kernel: one pass, a cluster pair, the workspace.
ab_memcheck tests/gpu/test_prefill_wgmma.py "lean_kernels and lut8"
s=$(date +%s)
PYTHONPATH=$PWD timeout "${BENCH_SECS:-300}" python3 benchmarks/experiments/prefill_wgmma/bench.py \
  --out "$OUT" --schemes lut --bits "${BITS:-7,8}" --ms "${MS:-17,24,33,48,64,128,256}" \
  --plans 64x1,64x2,64x4,64x8,64x1x2,64x2x2,64x4x2,64x8x2,128x1,128x2,256x1,256x2 \
  --decode-max-m 64 --auto-last > "$OUT/bench.log" 2>&1
echo "bench rc=$? in $(( $(date +%s) - s )) s"
tail -n +1 "$OUT/bench.log" | cut -c1-200 | head -80
