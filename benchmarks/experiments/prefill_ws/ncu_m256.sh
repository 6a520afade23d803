#!/usr/bin/env bash
# ncu of the worst M >= 256 cell of the record (LUT b = 8, (4096, 4096), M = 256) and its uniform
# b = 4 neighbour, each on the grid the op's plan picks there (128 x 2: a cluster of 2 splits):
# speed of light, pipes, scheduler, warp states, memory, and the stall reasons per issued
# instruction (every smsp__average_warps_issue_stalled_* metric). Raw: OUT/ncu_m256_raw.txt.
# Device, repository root; builds the extension if it is missing. (The weights stay in L2
# between calls here: this looks at the SMs, not at DRAM.)
# Usage: OUT=dir bash benchmarks/experiments/prefill_ws/ncu_m256.sh
source benchmarks/experiments/ab_lib.sh  # (set -uo pipefail, ncu_prefill_cells)
ncu_prefill_cells ncu_m256_raw.txt \
  "lut b=8 128x2 (4096, 4096) M=256|lut 8 4096 4096 256 128 2" \
  "uniform b=4 128x2 (4096, 4096) M=256|uniform 4 4096 4096 256 128 2"
