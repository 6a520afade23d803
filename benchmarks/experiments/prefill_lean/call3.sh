#!/usr/bin/env bash
# Session 29, call 3 (device, repository root; ~6 min): the lean kernels' weight ring (shared
# memory, bulk-copied up to 3-4 chunks ahead; the tree) against their register form
# (-DANYPREC_PREFILL_LEAN_REGS=1, as recorded earlier this session), both built in parallel by
# ../variants.sh, the prefill tests on each, the full and lean 64-token grids timed at
# M = 17, 32, 64, uniform b = 2..6, the four Llama-3-8B weights; then compute-sanitizer memcheck
# of the lean tests on the tree. Everything in OUT/c3.tgz.
# (The flags it builds were removed later: run it on commit 551c467.)
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_lean/call3.sh
set -uo pipefail
OUT=${OUT:-device_out}
R=/tmp/c3 && rm -rf $R && mkdir -p $R
OUT=$R PLANS=64x1,64x1x2,64x2x2 MS=17,32,64 BITS=2,3,4,5,6 SCHEMES=uniform FIELDS=prefill_us \
  bash benchmarks/experiments/variants.sh regs="-DANYPREC_PREFILL_LEAN_REGS=1"
mkdir -p "$OUT" && tar czf "$OUT/c3.tgz" -C $R .
source benchmarks/experiments/ab_lib.sh
OUT=$R ab_memcheck tests/gpu/test_prefill_wgmma.py "lean or graph"
tar czf "$OUT/c3.tgz" -C $R .
