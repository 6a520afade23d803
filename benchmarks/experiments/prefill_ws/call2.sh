#!/usr/bin/env bash
# Session 27, call 2 (device, repository root, ~8 min): split K reduced in a thread block
# cluster (distributed shared memory, no workspace, no second kernel) against the fp32
# workspace + splitk_reduce_kernel (-DANYPREC_PREFILL_NO_CLUSTER).
# 1. variants.sh: both builds; tests/gpu/test_prefill_wgmma.py on each; prefill_wgmma/bench.py
#    with split grids forced (128 x 2 / 4 / 8, 256 x 2 / 4) and the op's own plan (prefill_us:
#    the cluster build's plan charges a split kClusterReduceUs instead of the workspace's cost),
#    both schemes, b = 4, 8, M = 256, 512, 1024;
# 2. compute-sanitizer memcheck of the split-K and graph tests on the cluster build.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_ws/call2.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
OUT=${OUT:-device_out}
mkdir -p "$OUT"
TESTS=tests/gpu/test_prefill_wgmma.py BITS=4,8 MS=256,512,1024 FIELDS=prefill_us \
  PLANS=128x2,128x4,128x8,256x2,256x4 OUT=$OUT/ab \
  bash benchmarks/experiments/variants.sh nocluster="-DANYPREC_PREFILL_NO_CLUSTER" \
  > "$OUT/ab.log" 2>&1
grep -E "tests rc|bench rc|built in|failed" "$OUT/ab.log"
tail -3 "$OUT/ab/base/tests.log"
cat "$OUT"/ab/compare_*.txt > "$OUT/cluster_compare.txt"
grep -B1 -i geomean "$OUT/cluster_compare.txt" | grep -v "^--"
ab_memcheck tests/gpu/test_prefill_wgmma.py "split_k or graph"
cp "$OUT/ab/base/prefill_wgmma.json" "$OUT/cluster.json"
cp "$OUT/ab/nocluster/prefill_wgmma.json" "$OUT/nocluster.json"
