#!/usr/bin/env bash
# ncu of the 64-token prefill kernel where it now runs at small M, on the grids the op's plan
# picks: uniform b = 4 (4096, 28672) M = 64 (64 x 1, 224 blocks: 1.7 waves) and (4096, 4096)
# M = 32 (64 x 4, 128 blocks through the workspace), LUT b = 4 on the first. Raw:
# OUT/ncu_small_m_raw.txt. Device, repository root; builds the extension if it is missing.
# Usage: OUT=dir bash benchmarks/experiments/prefill_tok64/ncu_small_m.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail, ncu_prefill_cells)
ncu_prefill_cells ncu_small_m_raw.txt \
  "uniform b=4 64x1 (4096, 28672) M=64|uniform 4 4096 28672 64 64 1" \
  "lut b=4 64x1 (4096, 28672) M=64|lut 4 4096 28672 64 64 1" \
  "uniform b=4 64x4 (4096, 4096) M=32|uniform 4 4096 4096 32 64 4"
