#!/usr/bin/env bash
# Session 48, call 2 (device, repository root; a fresh machine: builds the tree): ncu of the
# lean LUT 64-token kernels at M = 64 on (4096, 28672), where call 1 timed them level with the
# full ones (b = 8 88.2 against 88.6 µs) although they run two blocks per SM; the plan as built
# in that call (kLeanLutChunkUs 4.0) picks 64 x 1 x 2 there, so the op's plan runs the lean
# kernel. Compare with session 47's ncu of the full kernel (../vllm_e2e/runs_s47/ncu_m64/).
# Outputs: OUT/build.log, OUT/ncu_lean_raw.txt, OUT/ncu_lean_summary.txt.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_lut_lean/ncu_lean.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
OUT=${OUT:-device_out}
mkdir -p "$OUT"
ncu_op_cells ncu_lean 64 "4096 28672" "lut 8|lut 7"
