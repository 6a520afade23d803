#!/usr/bin/env bash
# Session 39, the call after the record (device, repository root, the record's build in place):
# XB's rule against MR at b = 7 (../h200_record_s36/next_xb.sh, session 36's question: rule /
# XB off / XB from b = 8, uniform b = 6..8, M = 8..16, six weights; run-time switches on the
# tree's build), then ncu of one configuration per missed target on the record's code
# (../targets_ncu/run.sh). ~8 min. OUT/next_xb.tgz, OUT/runs.tgz, OUT/ncu_targets_*.txt.
# Usage: OUT=$OUT bash benchmarks/experiments/record_s39/after_record.sh
set -uo pipefail
OUT=${OUT:-device_out}
s=$(date +%s)
OUT=$OUT AB_STEPS=bench bash benchmarks/experiments/h200_record_s36/next_xb.sh
echo "next_xb in $(( $(date +%s) - s )) s"; s=$(date +%s)
OUT=$OUT bash benchmarks/experiments/targets_ncu/run.sh > "$OUT/targets_ncu.log" 2>&1
echo "targets_ncu rc=$? in $(( $(date +%s) - s )) s"
cat "$OUT/ncu_targets_summary.txt"
