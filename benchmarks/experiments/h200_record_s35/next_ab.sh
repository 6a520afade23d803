#!/usr/bin/env bash
# Prepared in session 35 for the next device session (device, repository root): the question
# its A/B left open, META16 (16-bit fold metadata: uniform M = 1 b = 5..8 1.01-1.03x, b = 2..4
# even in session 35's A/B, but its build was not tested then), against the tree. Build
# /tmp/m16 = the tree with -DANYPREC_META16=1. (LUT_WIDE_ADDR 6 against 8, the other open
# question, was answered by a last call of session 35: even, w6/.)
# Steps (AB_STEPS):
#   build  the tree and m16, in parallel;
#   tests  the uniform M = 1 tests and the uniform odd shapes on m16 (the layout constants
#          printed: META_BITS 16);
#   bench  two alternating passes of uniform M = 1 and 16, b = 2..8, five weights (base, m16);
#          the ratios per (scheme, M, b) (ratios.txt).
# Calls: "build tests" (~4 min), "bench" (~3 min). Outputs: OUT/next_ab.tgz, OUT/runs.tgz.
# Usage: OUT=$OUT AB_STEPS="build tests" bash benchmarks/experiments/h200_record_s35/next_ab.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_steps "${AB_STEPS:-build tests}"
ab_rundir next_ab
if ab_step build; then
  ab_init next_ab
  ab_build_pair m16 "-DANYPREC_META16=1"
  ab_pack
else
  ab_resume next_ab
fi
if ab_step tests; then
  ab_tests_m1 /tmp/m16 "$R/tests_m16.log"
  ab_pack
fi
if ab_step bench; then
  SHAPES=4096x6144,4096x4096,4096x28672,14336x4096,4096x14336
  ab_bench_passes 2 "unib ." "m16 /tmp/m16" -- --ms 1,16 --schemes uniform --shapes $SHAPES
  ab_report unib1 m161 unib2 m162
  cp "$RUNS/table.txt" "$R/table_m16.txt"
  ab_ratios "$R/ratios.txt" unib1 unib2 m161,m162
  ab_pack
fi
