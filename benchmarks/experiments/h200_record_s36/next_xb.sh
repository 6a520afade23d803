#!/usr/bin/env bash
# Prepared in session 36 for the next device session (device, repository root): XB's rule
# against the M = 9..16 kernel now that MR runs b = 7 under a 168-register cap. XB takes b >= 7
# at M >= 8 on weights of at least one 8-tile block per SM (session 19); in session 36's record
# uniform b = 7 M = 16 on (4096, 28672), an XB weight, took 42.7 us where b = 6 (no XB) took
# 35.8. Both forms on one build (run-time switches, no rebuild): the rule (default), XB off
# (ANYPREC_DECODE_XB=0), and XB from b = 8 only (ANYPREC_XB_MIN_BITS=8).
# Steps (AB_STEPS):
#   build  the tree;
#   bench  uniform b = 6, 7, 8 at M = 8, 9, 12, 16 over the wide weights XB takes (and two it
#          does not, as a check that the switch changes nothing there), two alternating passes;
#          ratios.txt (rule / off, rule / min8).
# Calls: "build bench" (~5 min with the start), or "bench" alone (~3 min) on a machine where
# another script built the tree (session 37's plan: after x_full/run.sh's build). Outputs:
# OUT/next_xb.tgz, OUT/runs.tgz.
# Usage: OUT=$OUT AB_STEPS="build bench" bash benchmarks/experiments/h200_record_s36/next_xb.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_steps "${AB_STEPS:-build bench}"
ab_rundir next_xb
if ab_step build; then
  ab_init next_xb
  ab_build
else
  ab_resume next_xb
fi
if ab_step bench; then
  SHAPES=4096x28672,8192x28672,5120x27648,4096x22016,4096x6144,14336x4096
  ARGS=(--ms 8,9,12,16 --schemes uniform --bits 6,7,8 --shapes $SHAPES)
  for pass in 1 2; do
    ab_bench rule$pass . -- "${ARGS[@]}"
    ab_bench off$pass . ANYPREC_DECODE_XB=0 -- "${ARGS[@]}"
    ab_bench min8$pass . ANYPREC_XB_MIN_BITS=8 -- "${ARGS[@]}"
  done
  ab_finish rule1 off1 min81 rule2 off2 min82
  cp "$RUNS/table.txt" "$R/table_xb.txt"
  ab_ratios "$R/ratios.txt" rule1 rule2 off1,off2 min81,min82
  ab_pack
fi
