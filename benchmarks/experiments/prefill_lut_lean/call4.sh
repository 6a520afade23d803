#!/usr/bin/env bash
# Session 48, call 4 (device, repository root): the tree with the fitted lean LUT chunk cost
# (ops.cpp kLeanLutChunkUs 5.0) rebuilt, then tests/gpu/test_prefill_wgmma.py whole (the plan's
# lean picks for LUT b = 7, 8 included) and the gemm / opcheck / graph tests of
# test_cuda_kernels.py. OUT/build.log, OUT/tests_prefill.log, OUT/tests_ops.log.
# Usage: OUT=$OUT bash benchmarks/experiments/prefill_lut_lean/call4.sh
set -uo pipefail
source benchmarks/experiments/ab_lib.sh
OUT=${OUT:-device_out}
mkdir -p "$OUT"
ab_build
ab_pytest "$OUT/tests_prefill.log" 300 tests/gpu/test_prefill_wgmma.py
ab_pytest "$OUT/tests_ops.log" 120 tests/gpu/test_cuda_kernels.py -k "opcheck or end_to_end or cuda_graph"
