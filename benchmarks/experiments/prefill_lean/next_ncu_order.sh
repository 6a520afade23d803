#!/usr/bin/env bash
# Prepared in session 30, not run: why the ordered loads (prefill_wgmma.cuh kOrder) lose in the
# full 64- / 128-token kernels (0.86-0.91x at b = 3, README.md) while the lean and 256-token
# ones gain. Builds the tree and a copy with every uniform kernel ordered
# (-DANYPREC_PREFILL_ORDER_LOADS=2) in parallel, then ncu (the prefill sections and every stall
# reason per issued instruction) of the same launches in each: uniform b = 3 and 4,
# (4096, 28672), 128 x 1 at M = 256 and 64 x 1 at M = 64. The SASS already says the main loops
# have about the same instruction count, so look at the stall reasons that move.
# Device, repository root, ~5 min. Everything in OUT/ncu_order.tgz.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_lean/next_ncu_order.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail)
ab_rundir ncu_order
ab_build_pair order2 "-DANYPREC_PREFILL_ORDER_LOADS=2"
CELLS=("b=3 128x1 M=256|uniform 3 4096 28672 256 128 1 1"
       "b=4 128x1 M=256|uniform 4 4096 28672 256 128 1 1"
       "b=3 64x1 M=64|uniform 3 4096 28672 64 64 1 1")
ncu_prefill_pair order2 "${CELLS[@]}"
