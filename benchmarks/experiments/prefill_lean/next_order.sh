#!/usr/bin/env bash
# Prepared in session 29, not run (no device time left): the prefill kernels with their loads
# ordered after the decode (-DANYPREC_PREFILL_ORDER_LOADS=1, prefill_wgmma.cuh kOrder; uniform)
# against the tree, both built in parallel by ../variants.sh, the whole prefill test file on
# each, then every grid kind timed (64 x 1 / 1 x 2 / 2, 128 x 1 / 2, 256 x 1 and the op's plan)
# at M = 32, 64, 256, 1024, uniform b = 3, 4, 8, the four Llama-3-8B weights (~6 min).
# Everything in OUT/order.tgz. If it wins: the crossovers and the plan's chunk costs were fitted
# on the tree's kernels (re-check with ../prefill_tok64/plan_fit.py-style forced runs).
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_lean/next_order.sh
set -uo pipefail
OUT=${OUT:-device_out}
R=/tmp/order_runs && rm -rf "$R" && mkdir -p "$R"
OUT=$R PLANS=64x1,64x1x2,64x2,128x1,128x2,256x1 MS=32,64,256,1024 BITS=3,4,8 SCHEMES=uniform \
  FIELDS=prefill_us bash benchmarks/experiments/variants.sh order="-DANYPREC_PREFILL_ORDER_LOADS=1"
mkdir -p "$OUT" && tar czf "$OUT/order.tgz" -C "$R" .
