#!/usr/bin/env bash
# Session 39 (device, repository root; a fresh machine: builds the tree): the LUT M = 1 ring
# (LP) against the register kernel at b = 2..4 on the H200, as h100_m1.sh found on the H100
# (LP off 3.6-9% faster at b = 2, 3 on (4096, 28672) and (14336, 4096); LP 2% faster at b = 4).
# Two alternating passes, base / ANYPREC_LUT_PIPE=0, five weights. ~3.5 min with the start.
# OUT/h200_lp.tgz (ratios.txt: base time / lp0 time, > 1: LP off faster; table.txt).
# Usage: OUT=$OUT bash benchmarks/experiments/record_s39/h200_lp.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
ab_rundir h200_lp
ab_init h200_lp
nvidia-smi --query-gpu=name --format=csv,noheader
ab_build
SHAPES=4096x6144,4096x4096,4096x28672,14336x4096,4096x14336
ARGS=(--ms 1 --schemes lut --bits 2,3,4 --shapes $SHAPES)
for pass in 1 2; do
  ab_bench base$pass . -- "${ARGS[@]}"
  ab_bench lp0$pass . ANYPREC_LUT_PIPE=0 -- "${ARGS[@]}"
done
ab_finish base1 lp01 base2 lp02
cp "$RUNS/table.txt" "$R/table.txt"
ab_ratios "$R/ratios.txt" base1 base2 lp01,lp02
ab_pack
cat "$R/table.txt"
