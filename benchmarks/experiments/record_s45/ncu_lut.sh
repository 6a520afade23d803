#!/usr/bin/env bash
# Session 45 (device, repository root; a fresh machine: builds the tree): ncu of the LUT M = 1
# widths whose targets are missed but had no profile of their own: b = 2 (the register kernel,
# like b = 3) and b = 5 (the register kernel with the wide per-lane tables), with b = 6 (met, the
# same kernel) and cuBLAS fp16 beside them, on the targets' two weights. Same metrics as
# ../targets_ncu/run.sh (h100_record/profile_m1.sh with PIPES=1). ~4 min with the start.
# Outputs: OUT/build.log, OUT/ncu_lut_raw.txt, OUT/ncu_lut_summary.txt.
# Usage: OUT=$OUT bash benchmarks/experiments/record_s45/ncu_lut.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
OUT=${OUT:-device_out}
mkdir -p "$OUT"
ncu_op_cells ncu_lut 1 "4096 28672|14336 4096" "fp16 16|lut 2|lut 5|lut 6"
