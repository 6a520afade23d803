#!/usr/bin/env bash
# Session 27, call 3 (device, repository root, ~5 min): the op's own plan with split K in
# clusters of 2 (and the plan's cluster cost) against the workspace build
# (-DANYPREC_PREFILL_NO_CLUSTER), prefill_us per cell, plus the unsplit and 2-split grids forced;
# tests on both builds; the GPU's cluster capacities; memcheck of the split-K / graph tests.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_ws/call3.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
OUT=${OUT:-device_out}
mkdir -p "$OUT"
nvcc -arch=sm_90a -std=c++17 -o /tmp/cluster_capacity benchmarks/experiments/prefill_ws/cluster_capacity.cu \
  && /tmp/cluster_capacity | tee "$OUT/cluster_capacity.txt"
TESTS=tests/gpu/test_prefill_wgmma.py BITS=4,8 MS=256,512,1024 FIELDS=prefill_us \
  PLANS=128x1,256x1,128x2,256x2 OUT=$OUT/ab \
  bash benchmarks/experiments/variants.sh nocluster="-DANYPREC_PREFILL_NO_CLUSTER" \
  > "$OUT/ab.log" 2>&1
grep -E "tests rc|bench rc|built in|failed" "$OUT/ab.log"
grep -E "FAILED|passed|failed" "$OUT/ab/base/tests.log" | tail -5
cat "$OUT"/ab/compare_*.txt > "$OUT/plan_compare.txt"
grep -B1 -i geomean "$OUT/plan_compare.txt" | grep -v "^--"
ab_memcheck tests/gpu/test_prefill_wgmma.py "split_k or graph"
cp "$OUT/ab/base/prefill_wgmma.json" "$OUT/cluster.json"
cp "$OUT/ab/nocluster/prefill_wgmma.json" "$OUT/nocluster.json"
cat "$OUT/ab/compare_prefill_us.txt"
