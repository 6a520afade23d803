#!/usr/bin/env bash
# The ordered loads (prefill_wgmma.cuh kOrder; uniform) A/B: the tree against builds with
# -DANYPREC_PREFILL_ORDER_LOADS=0 (no kernel ordered) and =2 (every uniform kernel), built in
# parallel by ../variants.sh, the whole prefill test file on each, then every grid kind timed
# (64 x 1 / 1 x 2 / 2, 128 x 1 / 2, 256 x 1 and the op's plan) at M = 32, 64, 256, 1024,
# uniform b = 3, 4, 8, the four Llama-3-8B weights (~8 min). Everything in OUT/order.tgz.
# Session 30 ran it (README.md) when the tree's default was off and =1 ordered every uniform
# kernel: one variant, "order". The default now orders the lean and 256-token kernels only.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_lean/next_order.sh
set -uo pipefail
OUT=${OUT:-device_out}
R=/tmp/order_runs && rm -rf "$R" && mkdir -p "$R"
OUT=$R PLANS=64x1,64x1x2,64x2,128x1,128x2,256x1 MS=32,64,256,1024 BITS=3,4,8 SCHEMES=uniform \
  FIELDS=prefill_us bash benchmarks/experiments/variants.sh off="-DANYPREC_PREFILL_ORDER_LOADS=0" \
  all="-DANYPREC_PREFILL_ORDER_LOADS=2"
mkdir -p "$OUT" && tar czf "$OUT/order.tgz" -C "$R" .
