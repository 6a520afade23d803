#!/usr/bin/env bash
# The prefill kernel's per-lane LUT tables (session 25) in one device call (repository root):
# 1. variants.sh: this tree (lane tables) against -DANYPREC_PREFILL_SHARED_TAB (the shared
#    128-row table before them), LUT only, b = 2..8, M = 128, 256, 1024, both forced grids;
#    tests/gpu/test_prefill_wgmma.py on both builds.
# 2. The LUT crossovers with the lane tables (kernels/cuda_fused.hopper_crossovers): decode,
#    prefill (own plan) and dense each forced, b = 3..8, M = 24..1024, in this tree's build.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_lut_lanes/run.sh
set -uo pipefail
OUT=${OUT:-device_out}
TESTS=tests/gpu/test_prefill_wgmma.py SCHEMES=lut MS=128,256,1024 BITS=2,3,4,5,6,7,8 \
  OUT=$OUT/ab bash benchmarks/experiments/variants.sh shared="-DANYPREC_PREFILL_SHARED_TAB" \
  > "$OUT/ab.log" 2>&1
grep -E "tests rc|bench rc|built in|failed" "$OUT/ab.log"
cp "$OUT/ab/compare_128x1.txt" "$OUT/ab/compare_256x1.txt" "$OUT/"
tail -14 "$OUT/ab/compare_128x1.txt" | grep geomean; tail -3 "$OUT/ab/compare_256x1.txt"
s=$(date +%s)
PYTHONPATH=$PWD timeout 200 python3 benchmarks/experiments/prefill_wgmma/bench.py \
  --out "$OUT/crossovers" --schemes lut --bits 3,4,5,6,7,8 --ms 24,32,48,64,256,512,1024 \
  --decode-max-m 64 > "$OUT/crossovers.txt" 2>&1
echo "crossovers rc=$? in $(( $(date +%s) - s )) s"
cat "$OUT/crossovers.txt"
