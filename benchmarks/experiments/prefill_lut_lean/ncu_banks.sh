#!/usr/bin/env bash
# Session 48, call 3 (device, repository root, after call 1 or 2 on the same machine: the tree
# built): shared-memory loads, their wavefronts and bank conflicts, and the lookups' MIO stalls
# of the LUT 64-token kernels at M = 64 on (4096, 28672), full (64 x 1 x 1: 2 / 4 table copies)
# against lean (64 x 1 x 2: 1 / 2 copies), b = 8 and 7. Output: OUT/ncu_banks.txt.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_lut_lean/ncu_banks.sh
set -uo pipefail
OUT=${OUT:-device_out}
mkdir -p "$OUT"
M="l1tex__data_pipe_lsu_wavefronts_mem_shared_op_ld.sum,l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_ld.sum,smsp__inst_executed_op_shared_ld.sum,smsp__average_warps_issue_stalled_short_scoreboard_per_issue_active.ratio,smsp__average_warps_issue_stalled_mio_throttle_per_issue_active.ratio,smsp__warps_active.avg.per_cycle_active,gpu__time_duration.sum"
for b in 8 7; do
  for per_sm in 1 2; do
    echo "=== lut $b (4096, 28672) M = 64, 64 x 1 x $per_sm" >> "$OUT/ncu_banks.txt"
    PYTHONPATH=$PWD timeout 90 ncu --clock-control none -k regex:prefill_kernel --launch-skip 2 \
      --launch-count 1 --metrics "$M" python3 benchmarks/experiments/prefill_wgmma/profile.py \
      lut $b 4096 28672 64 64 1 $per_sm 2>&1 | grep -E "__|===" >> "$OUT/ncu_banks.txt"
  done
done
cat "$OUT/ncu_banks.txt"
