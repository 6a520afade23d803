#!/usr/bin/env bash
# Session 48, call 3 (device, repository root, after call 1 or 2 on the same machine: the tree
# built): shared-memory loads, their wavefronts and bank conflicts, and the lookups' MIO stalls
# of the LUT 64-token kernels at M = 64 on (4096, 28672), full (64 x 1 x 1: 2 / 4 table copies)
# against lean (64 x 1 x 2: 1 / 2 copies), b = 8 and 7. Output: OUT/ncu_banks.txt (the metric
# lines; runs/ncu/ncu_banks.txt came from commit 1762a09's form of this script, which called
# ncu itself with the same settings as ab_lib.sh's ncu_prefill).
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_lut_lean/ncu_banks.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ncu_init ncu_banks_raw.txt
M="l1tex__data_pipe_lsu_wavefronts_mem_shared_op_ld.sum,l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_ld.sum,smsp__inst_executed_op_shared_ld.sum,smsp__average_warps_issue_stalled_short_scoreboard_per_issue_active.ratio,smsp__average_warps_issue_stalled_mio_throttle_per_issue_active.ratio,smsp__warps_active.avg.per_cycle_active,gpu__time_duration.sum"
for b in 8 7; do
  for per_sm in 1 2; do
    ncu_prefill "lut $b (4096, 28672) M = 64, 64 x 1 x $per_sm" lut $b 4096 28672 64 64 1 $per_sm \
      -- --metrics "$M"
  done
done
grep -E "__|===|failed" "$RAW" | tee "$OUT/ncu_banks.txt"
