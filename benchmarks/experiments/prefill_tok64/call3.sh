#!/usr/bin/env bash
# Session 28, call 3 (device, repository root; ~5 min): the 64-token kernels compiled for 2
# blocks per SM (-DANYPREC_PREFILL_TOK64_BLOCKS=2: at most 128 registers; uniform spills
# 124-520 bytes, LUT b = 3 / 8 28 / 96, the other LUT widths already fit) against the tree
# (1 block per SM), both built in parallel, the prefill tests on each, the 64-token grids timed
# at M = 32..64 (../variants.sh). Everything in OUT/c3.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_tok64/call3.sh
set -uo pipefail
OUT=${OUT:-device_out}
R=/tmp/c3 && rm -rf $R && mkdir -p $R
OUT=$R PLANS=64x1,64x2,64x4 MS=32,48,64 BITS=3,4,8 \
  bash benchmarks/experiments/variants.sh two="-DANYPREC_PREFILL_TOK64_BLOCKS=2"
mkdir -p "$OUT" && tar czf "$OUT/c3.tgz" -C $R .
