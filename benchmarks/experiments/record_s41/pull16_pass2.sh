#!/usr/bin/env bash
# Session 41, after PULL16 became the default: a second same-call A/B of the cluster pair's
# reduction, the tree (16-byte loads) against -DANYPREC_PREFILL_PULL16=0 (the 8-byte loop), on
# the pair grids alone, 64 x 2 included (the first pass, ../prefill_epilogue/next.sh, timed
# 128 x 2 and 256 x 2), and the op's plan. Ratios read tree time / pull8 time: below 1, the
# default is faster. Device, repository root, ~6 min with the start. OUT/pass2.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/record_s41/pull16_pass2.sh
set -uo pipefail
OUT=${OUT:-device_out}
R=/tmp/pull16_pass2 && rm -rf "$R" && mkdir -p "$R"
OUT=$R PLANS=64x2,128x2,256x2 MS=64,256,1024 BITS=4,8 SCHEMES=uniform,lut \
  FIELDS=prefill_us bash benchmarks/experiments/variants.sh pull8="-DANYPREC_PREFILL_PULL16=0"
mkdir -p "$OUT" && tar czf "$OUT/pass2.tgz" -C "$R" .
