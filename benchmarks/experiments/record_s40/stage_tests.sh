#!/usr/bin/env bash
# Session 40, before the record (device, repository root, carry .stage): stage_build.sh (the
# vLLM bundle's first part staged, the tree built as committed, now with XB off and LP's rule at
# LUT b = 4 alone), then the GPU tests of that default: tests/gpu whole but the switch runs, and
# the switch runs of the two rules the defaults moved (lprule, lpbits: LP at b = 4 alone; lpwide:
# the mask over b = 2..4, b = 3 must launch LP; xbrule: XB's rule must still launch on its wide
# weight; xboff; xb8: XB at every M) and PT's ring depth by width (ptst, not run on a GPU yet).
# ~6 min on a fresh machine. OUT/build.log, OUT/stage_build.log, OUT/tests_*.log.
# Usage: OUT=$OUT bash benchmarks/experiments/record_s40/stage_tests.sh
set -uo pipefail
bash benchmarks/experiments/h200_record_s35/stage_build.sh || exit 1
source benchmarks/experiments/ab_lib.sh
OUT=${OUT:-device_out}
nvidia-smi --query-gpu=name,clocks.max.sm,clocks.max.mem --format=csv,noheader
ab_pytest "$OUT/tests_default.log" 240 tests/gpu -k "not m1_kernel_switches"
ab_pytest "$OUT/tests_switches.log" 240 tests/gpu/test_cuda_kernels.py -k \
  "lprule or lpbits or lpwide or xbrule or xboff or xb8 or ptst"
