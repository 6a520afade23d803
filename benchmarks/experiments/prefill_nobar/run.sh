#!/usr/bin/env bash
# Run in session 32 and rejected (README.md); the flag exists only in commit 3abe7d9, so run this
# from a checkout of that commit. Prepared in session 31: the prefill kernels without the block
# barrier per stage (prefill_wgmma.cuh kNoBarrier, -DANYPREC_PREFILL_NO_BARRIER=1) against the
# tree. Each warp counts itself on a buffer once its wgmma of that stage are done, and the 8th
# issues the x copy 3 stages ahead; no warp waits for the other warpgroup. Built in parallel by
# ../variants.sh, the whole prefill test file on each (the counters' rounds, split K, clusters,
# the lean and 256-token kernels, graphs), then every grid kind forced (64 x 1, 64 x 1 x 2 lean,
# 128 x 1, 128 x 2 cluster, 256 x 1) and the op's plan at M = 64, 256, 1024, b = 3, 4, 8, both
# schemes, the four Llama-3-8B weights. Device, repository root, ~7 min. OUT/nobar.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_nobar/run.sh
set -uo pipefail
OUT=${OUT:-device_out}
R=/tmp/nobar_runs && rm -rf "$R" && mkdir -p "$R"
OUT=$R PLANS=64x1,64x1x2,128x1,128x2,256x1 MS=64,256,1024 BITS=3,4,8 SCHEMES=uniform,lut \
  FIELDS=prefill_us bash benchmarks/experiments/variants.sh nobar="-DANYPREC_PREFILL_NO_BARRIER=1"
mkdir -p "$OUT" && tar czf "$OUT/nobar.tgz" -C "$R" .
