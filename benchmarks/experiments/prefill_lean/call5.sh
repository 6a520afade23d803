#!/usr/bin/env bash
# Session 29, call 5 (device, repository root; ~5 min): the lean kernels' metadata pulled into
# L2 some stages before their one-stage-ahead loads (-DANYPREC_PREFILL_LEAN_PF=D, prefetch
# .global.L2, no registers held), D = 4 and 8, against the tree (no prefetch), all built in
# parallel by ../variants.sh, the lean tests on each, the full and lean 64-token grids timed at
# M = 17, 32, 64, uniform b = 2..6, the four Llama-3-8B weights. Everything in OUT/c5.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_lean/call5.sh
set -uo pipefail
OUT=${OUT:-device_out}
R=/tmp/c5 && rm -rf $R && mkdir -p $R
OUT=$R PLANS=64x1,64x1x2 MS=17,32,64 BITS=2,3,4,5,6 SCHEMES=uniform FIELDS=prefill_us \
  TESTS="tests/gpu/test_prefill_wgmma.py -k lean" \
  bash benchmarks/experiments/variants.sh pf4="-DANYPREC_PREFILL_LEAN_PF=4" \
  pf8="-DANYPREC_PREFILL_LEAN_PF=8"
mkdir -p "$OUT" && tar czf "$OUT/c5.tgz" -C $R .
