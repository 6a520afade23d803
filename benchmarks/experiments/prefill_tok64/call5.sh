#!/usr/bin/env bash
# Session 28, call 5 (device, repository root; ~4 min): lean 64-token uniform kernels
# (-DANYPREC_PREFILL_LEAN64=1: the plain schedule and the metadata one stage ahead, compiled for
# two blocks per SM; b <= 5 fit 128 registers without spills) against the tree, both built in
# parallel, the prefill tests on each, the 64-token grids timed at M = 24, 32, 64, uniform
# b = 2, 4, 5, 6, 8 (../variants.sh). Everything in OUT/c5.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_tok64/call5.sh
# (Session 29 replaced the flag by a plan choice: on later trees it changes nothing; force the
# lean kernels with the grids 64x1x2, 64x2x2, ... instead, as ../prefill_lean/call1.sh does.)
set -uo pipefail
OUT=${OUT:-device_out}
R=/tmp/c5 && rm -rf $R && mkdir -p $R
OUT=$R PLANS=64x1,64x2,64x4 MS=24,32,64 BITS=2,4,5,6,8 SCHEMES=uniform \
  bash benchmarks/experiments/variants.sh lean="-DANYPREC_PREFILL_LEAN64=1"
mkdir -p "$OUT" && tar czf "$OUT/c5.tgz" -C $R .
