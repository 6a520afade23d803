#!/usr/bin/env bash
# Session 29, call 4 (device, repository root; ~6 min): what made call 3's weight ring slower.
# The tree (the lean kernels' register form, the default again) against the ring with the
# metadata two stages ahead (b <= 5; call 3's form) and the ring with it one stage ahead (as
# the register form), all built in parallel by ../variants.sh, the lean tests on each, the full
# and lean 64-token grids timed at M = 17, 32, 64, uniform b = 2..6, the four Llama-3-8B
# weights. Everything in OUT/c4.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_lean/call4.sh
set -uo pipefail
OUT=${OUT:-device_out}
R=/tmp/c4 && rm -rf $R && mkdir -p $R
OUT=$R PLANS=64x1,64x1x2 MS=17,32,64 BITS=2,3,4,5,6 SCHEMES=uniform FIELDS=prefill_us \
  TESTS="tests/gpu/test_prefill_wgmma.py -k lean" \
  bash benchmarks/experiments/variants.sh ring="-DANYPREC_PREFILL_LEAN_RING=1" \
  ring1="-DANYPREC_PREFILL_LEAN_RING=1 -DANYPREC_PREFILL_LEAN_META1=1"
mkdir -p "$OUT" && tar czf "$OUT/c4.tgz" -C $R .
