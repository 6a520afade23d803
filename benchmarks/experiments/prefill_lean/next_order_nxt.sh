#!/usr/bin/env bash
# The ordered loads with two plane buffers in the interleaved (full 64- / 128-token) kernels
# (prefill_wgmma.cuh kOrderNxt, -DANYPREC_PREFILL_ORDER_LOADS=3) against the tree (those kernels
# unordered), built in parallel by ../variants.sh, the prefill test file on each (without the
# PDL switch runs), then the full kernels' grids forced (64 x 1, 128 x 1) and the op's plan at
# M = 64, 256, uniform b = 3, 4, 8, the four Llama-3-8B weights. Device, repository root, ~7 min. Everything in OUT/order_nxt.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_lean/next_order_nxt.sh
set -uo pipefail
OUT=${OUT:-device_out}
R=/tmp/order_nxt_runs && rm -rf "$R" && mkdir -p "$R"
T=tests/gpu/test_prefill_wgmma.py
OUT=$R PLANS=64x1,128x1 MS=64,256 BITS=3,4,8 SCHEMES=uniform FIELDS=prefill_us \
  TESTS="$T --deselect $T::test_prefill_pdl_switch" \
  bash benchmarks/experiments/variants.sh ord3="-DANYPREC_PREFILL_ORDER_LOADS=3"
mkdir -p "$OUT" && tar czf "$OUT/order_nxt.tgz" -C "$R" .
