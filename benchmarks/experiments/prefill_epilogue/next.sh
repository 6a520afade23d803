#!/usr/bin/env bash
# Prepared in session 32: two epilogue variants against the tree, built in parallel by
# ../variants.sh with the prefill tests on each (so it also tests the tree's staged 256-token
# stores): pull16 (-DANYPREC_PREFILL_PULL16=1: the cluster pair's reduction with 16-byte loads,
# all in flight at once) and stagedlut (-DANYPREC_PREFILL_STAGED_LUT=1: the staged stores for
# the LUT 64- / 128-token blocks too). Forced 64-, 128-token, cluster-pair grids (128 x 2,
# 256 x 2) and the op's plan; M = 64, 256, 1024; b = 4, 8; both schemes; the four Llama-3-8B
# weights. Device, repository root, ~7 min. OUT/next.tgz.
# Run in session 41 (README.md): PULL16 is the default since, so its build now equals the
# tree's; pass -DANYPREC_PREFILL_PULL16=0 for the old reduction.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_epilogue/next.sh
set -uo pipefail
OUT=${OUT:-device_out}
R=/tmp/epilogue_next && rm -rf "$R" && mkdir -p "$R"
OUT=$R PLANS=64x1,128x1,128x2,256x2 MS=64,256,1024 BITS=4,8 SCHEMES=uniform,lut \
  FIELDS=prefill_us bash benchmarks/experiments/variants.sh \
  pull16="-DANYPREC_PREFILL_PULL16=1" stagedlut="-DANYPREC_PREFILL_STAGED_LUT=1"
mkdir -p "$OUT" && tar czf "$OUT/next.tgz" -C "$R" .
