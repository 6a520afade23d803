#!/usr/bin/env bash
# Session 47 (device, repository root; a fresh machine: builds the tree): ncu of the prefill
# kernel at M = 64 on the op's plan, where the end-to-end record's B = 64 runs it and LUT b = 8
# is slower than fp16 (0.88x end to end; 0.72-0.74x cuBLAS on the small weights in the kernel
# record): LUT b = 8 and b = 4 beside uniform b = 8, on (4096, 6144) and (4096, 28672). Metrics
# of ../h100_record/profile_m1.sh with PIPES=1 (ncu takes the prefill kernel, not its permute
# pass). Outputs: OUT/build.log, OUT/ncu_m64_raw.txt, OUT/ncu_m64_summary.txt.
# Usage: OUT=$OUT bash benchmarks/experiments/vllm_e2e/ncu_m64.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
OUT=${OUT:-device_out}
mkdir -p "$OUT"
ncu_op_cells ncu_m64 64 "4096 6144|4096 28672" "lut 8|uniform 8|lut 4"
